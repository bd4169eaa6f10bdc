//! Which socket is which connection's, as far as this instance of an object has seen.
//!
//! The runtime holds an object's sockets and finds them by tag
//! (`getWebSockets(tag)`), but each lookup is a call into the runtime that builds a
//! fresh array: a round of rock-paper-scissors sends about ten frames, and those
//! lookups were 5 % of a busy house's CPU. The handles are kept here instead, from the
//! moment a socket is accepted or first looked up, until it closes. After hibernation
//! the cache starts empty and fills again on first use; the tags stay the truth.

use std::cell::RefCell;

use worker::WebSocket;

use crate::ids::ConnId;

/// Sockets by connection. A list: a house holds at most a few thousand, and a look
/// through their names costs less than one call into the runtime.
#[derive(Default)]
pub struct SocketCache {
    sockets: RefCell<Vec<(ConnId, WebSocket)>>,
}

impl SocketCache {
    /// The socket of `conn`, if this instance has seen it.
    pub fn get(&self, conn: &str) -> Option<WebSocket> {
        let sockets = self.sockets.borrow();
        sockets
            .iter()
            .find(|(c, _)| c == conn)
            .map(|(_, ws)| ws.clone())
    }

    /// `ws` is `conn`'s socket. (A connection has one socket for its whole life, so
    /// one already known is kept.)
    pub fn remember(&self, conn: &str, ws: &WebSocket) {
        let mut sockets = self.sockets.borrow_mut();
        if !sockets.iter().any(|(c, _)| c == conn) {
            sockets.push((conn.to_string(), ws.clone()));
        }
    }

    /// `conn`'s socket closed or is being closed.
    pub fn forget(&self, conn: &str) {
        let mut sockets = self.sockets.borrow_mut();
        if let Some(at) = sockets.iter().position(|(c, _)| c == conn) {
            sockets.swap_remove(at);
        }
    }
}
