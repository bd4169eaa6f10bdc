//! The three servers of the three-server comparison, and how a player speaks to each.
//!
//! Edge Arena ("ours"), and the two reference servers in `../shared/peers/`
//! (lobby-floor and partyserver, protocol in their README) play the same 2-seat game
//! with different frames. A [`Player`] hides the difference: it joins the way its server
//! expects and turns what arrives into the same [`Seen`] events, so the scenarios in
//! `versus.rs` run the same code, with the same timing, against all three.
//!
//! | step | ours | lobby-floor | partyserver |
//! |---|---|---|---|
//! | before the burst | `POST /api/guest` (token in hand) | – | – |
//! | take a seat | open `/ws?name=…&token=…` (seated on connect, `hi`) | open `/ws`, send `join` | `POST /parties/lobby/<lobby>` → `{room}`, open `/parties/rps/<room>`, send `join` |
//! | round begins | `start {round, ends_in_ms}` | `start {room, round, round_ms, seat}` | same |
//! | round ends | `result {round, seats:[{seat, choice…}]}` | `result {round, you, …}` | same |
//! | next round | `join` | `again` | `again` |
//! | heartbeat | `{"type":"ping"}` | `ping` | `ping` |
//! | go | `leave`, then the server closes | client close | client close |

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde::Deserialize;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;

use crate::conn::{Sender, Stats, Target, connect, guest_token, http_request, wait_closed, ws_url};
use crate::proto::{Frame, Hand, JOIN, LEAVE, PING};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Ours,
    LobbyFloor,
    Partyserver,
}

impl Dialect {
    pub fn parse(name: &str) -> Result<Dialect, String> {
        match name {
            "ours" => Ok(Dialect::Ours),
            "lobby-floor" => Ok(Dialect::LobbyFloor),
            "partyserver" => Ok(Dialect::Partyserver),
            other => Err(format!(
                "unknown dialect {other:?} (ours, lobby-floor, partyserver)"
            )),
        }
    }

    /// What a player holds before it asks for a seat: Edge Arena's clients sign in
    /// first (a guest token), the reference servers check nothing.
    pub async fn ticket(self, target: &Target, name: &str) -> Result<Option<String>, String> {
        match self {
            Dialect::Ours => guest_token(target, name).await,
            Dialect::LobbyFloor | Dialect::Partyserver => Ok(None),
        }
    }

    fn again(self) -> &'static str {
        match self {
            Dialect::Ours => JOIN,
            Dialect::LobbyFloor | Dialect::Partyserver => r#"{"type":"again"}"#,
        }
    }

    fn ping(self) -> &'static str {
        match self {
            Dialect::Ours => PING,
            Dialect::LobbyFloor | Dialect::Partyserver => "ping",
        }
    }
}

/// What a player saw, the same for every server.
#[derive(Debug, Clone)]
pub enum Seen {
    /// A round began; the server ends it `ends_in_ms` after it sent this.
    Start {
        room: String,
        round: u64,
        ends_in_ms: u64,
    },
    /// A round ended; `mine` is the hand the server counted for this player.
    Result { round: u64, mine: Option<Hand> },
    /// An `error` frame, by its code.
    Refused(String),
    /// The socket closed (its close code is counted in [`Stats`]).
    Closed,
}

/// The reference servers' frames (../shared/peers/README.md, "The protocol both speak").
#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum PeerFrame {
    Start {
        room: String,
        round: u64,
        round_ms: u64,
    },
    Result {
        round: u64,
        you: Option<Hand>,
    },
    Error {
        #[serde(default)]
        error: String,
    },
    #[serde(other)]
    Other,
}

/// Turns one server's text frames into [`Seen`]; Edge Arena's `result` lists every
/// seat, so the reader remembers the room and seat `hi` gave.
struct Reader {
    dialect: Dialect,
    room: String,
    seat: usize,
}

impl Reader {
    fn read(&mut self, text: &str, stats: &Stats) -> Option<Seen> {
        if self.dialect != Dialect::Ours {
            if text == "pong" {
                return None;
            }
            return match serde_json::from_str::<PeerFrame>(text) {
                Ok(PeerFrame::Start {
                    room,
                    round,
                    round_ms,
                }) => Some(Seen::Start {
                    room,
                    round,
                    ends_in_ms: round_ms,
                }),
                Ok(PeerFrame::Result { round, you }) => Some(Seen::Result { round, mine: you }),
                Ok(PeerFrame::Error { error }) => Some(Seen::Refused(error)),
                Ok(PeerFrame::Other) => None,
                Err(_) => {
                    stats.error("unparsed frame");
                    None
                }
            };
        }
        match serde_json::from_str::<Frame>(text) {
            Ok(Frame::Hi(hi)) => {
                self.room = hi.room;
                self.seat = hi.seat;
                None
            }
            Ok(Frame::Start(st)) => Some(Seen::Start {
                room: self.room.clone(),
                round: st.round,
                ends_in_ms: st.ends_in_ms,
            }),
            Ok(Frame::Result(res)) => {
                let mine = res
                    .seats
                    .iter()
                    .find(|l| l.seat == self.seat)
                    .and_then(|l| l.choice);
                Some(Seen::Result {
                    round: res.round,
                    mine,
                })
            }
            Ok(Frame::Error(e)) => Some(Seen::Refused(e.code)),
            Ok(_) => None,
            Err(_) => {
                stats.error("unparsed frame");
                None
            }
        }
    }
}

#[derive(Deserialize)]
struct LobbyAnswer {
    room: String,
}

/// One player of the comparison: a socket, a reader task stamping what arrives, and an
/// optional heartbeat.
pub struct Player {
    pub dialect: Dialect,
    /// When it began to ask for a seat.
    pub asked: Instant,
    pub events: mpsc::UnboundedReceiver<(Instant, Seen)>,
    tx: Sender,
    stats: Arc<Stats>,
    leaving: Arc<AtomicBool>,
    closed: watch::Receiver<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl Player {
    /// Asks `dialect`'s server for a seat: returns once the request is made (the socket
    /// is open and, where the server wants one, `join` is sent); the seat itself shows
    /// as [`Seen::Start`] when the room fills.
    pub async fn join(
        dialect: Dialect,
        target: &Target,
        name: &str,
        ticket: Option<&str>,
        heartbeat: Option<Duration>,
        stats: Arc<Stats>,
    ) -> Result<Player, String> {
        let asked = Instant::now();
        let url = match dialect {
            Dialect::Ours => ws_url(target, "name", name, ticket),
            Dialect::LobbyFloor => format!("ws://{}/ws", target.addr),
            Dialect::Partyserver => {
                let (status, body) =
                    http_request(target, "POST", "/parties/lobby/lobby", Some("")).await?;
                if status != 200 {
                    return Err(format!("lobby: HTTP {status}"));
                }
                let answer: LobbyAnswer =
                    serde_json::from_str(&body).map_err(|_| "lobby: not {room}".to_string())?;
                format!("ws://{}/parties/rps/{}", target.addr, answer.room)
            }
        };
        let ws = connect(&url).await?;
        let (sink, mut stream) = ws.split();
        let (tx, events) = mpsc::unbounded_channel();
        let leaving = Arc::new(AtomicBool::new(false));
        let (closed_tx, closed) = watch::channel(false);
        let reader = {
            let stats = stats.clone();
            let leaving = leaving.clone();
            let mut reader = Reader {
                dialect,
                room: String::new(),
                seat: 0,
            };
            tokio::spawn(async move {
                let mut code = 1006;
                while let Some(msg) = stream.next().await {
                    let at = Instant::now();
                    match msg {
                        Ok(Message::Text(text)) => {
                            stats.count_in();
                            if let Some(seen) = reader.read(text.as_str(), &stats) {
                                if let Seen::Refused(code) = &seen {
                                    stats.error(format!("error frame: {code}"));
                                }
                                let _ = tx.send((at, seen));
                            }
                        }
                        Ok(Message::Close(frame)) => {
                            code = frame.map(|f| u16::from(f.code)).unwrap_or(1005);
                        }
                        Ok(_) => {}
                        Err(_) => break,
                    }
                }
                let expected = leaving.load(Ordering::Relaxed);
                stats.count_closed(code, expected);
                let _ = tx.send((Instant::now(), Seen::Closed));
                let _ = closed_tx.send(true);
            })
        };
        let mut player = Player {
            dialect,
            asked,
            events,
            tx: Sender::new(sink, stats.clone()),
            stats,
            leaving,
            closed,
            tasks: vec![reader],
        };
        if dialect != Dialect::Ours && !player.send(JOIN).await {
            player.tasks.iter().for_each(|t| t.abort());
            return Err("join: socket closed".into());
        }
        if let Some(period) = heartbeat {
            let tx = player.tx.clone();
            let mut closed = player.closed.clone();
            let ping = dialect.ping();
            // Spread the first pings over the period so they do not all land together.
            let offset = Duration::from_nanos(asked.elapsed().subsec_nanos() as u64 * 7919)
                .as_nanos()
                % period.as_nanos().max(1);
            let first = tokio::time::Instant::now() + Duration::from_nanos(offset as u64 + 1);
            player.tasks.push(tokio::spawn(async move {
                let mut tick = tokio::time::interval_at(first, period);
                loop {
                    tokio::select! {
                        _ = tick.tick() => {
                            if !tx.send(ping).await {
                                return;
                            }
                        }
                        _ = closed.changed() => return,
                    }
                }
            }));
        }
        Ok(player)
    }

    pub async fn send(&self, text: &str) -> bool {
        self.tx.send(text).await
    }

    /// A sender for another task (a hand sent after a delay).
    pub fn outbox(&self) -> Sender {
        self.tx.clone()
    }

    pub async fn again(&self) -> bool {
        self.send(self.dialect.again()).await
    }

    /// Leaves the way the server expects and waits (up to 5 s) for the socket to close.
    pub async fn leave(mut self) {
        self.leaving.store(true, Ordering::Relaxed);
        if self.dialect == Dialect::Ours {
            // Edge Arena keeps a seat whose socket merely drops for the resume window;
            // `leave` gives it up, and the server closes with 1000.
            self.send(LEAVE).await;
        }
        self.tx.close().await;
        // Edge Arena closes after `leave`; partyserver's rooms never answer a client's
        // close frame (lobby-floor does), so for the reference servers the wait is
        // short and a missing answer is not an error: the socket is dropped anyway.
        let wait = match self.dialect {
            Dialect::Ours => Duration::from_secs(5),
            Dialect::LobbyFloor | Dialect::Partyserver => Duration::from_secs(1),
        };
        let closed = wait_closed(&mut self.closed, wait).await;
        if !closed && self.dialect == Dialect::Ours {
            self.stats.error("leave: no close within 5 s");
        }
        self.tasks.iter().for_each(|t| t.abort());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reader(dialect: Dialect) -> Reader {
        Reader {
            dialect,
            room: String::new(),
            seat: 0,
        }
    }

    #[test]
    fn peer_frames_become_the_same_events() {
        let stats = Stats::default();
        let mut r = reader(Dialect::LobbyFloor);
        let start = r.read(
            r#"{"type":"start","room":"7","round":2,"round_ms":1000,"seat":1}"#,
            &stats,
        );
        assert!(
            matches!(start, Some(Seen::Start { room, round: 2, ends_in_ms: 1000 }) if room == "7")
        );
        let result = r.read(
            r#"{"type":"result","room":"7","round":2,"you":null,"opponent":"rock","outcome":"lose"}"#,
            &stats,
        );
        assert!(matches!(
            result,
            Some(Seen::Result {
                round: 2,
                mine: None
            })
        ));
        assert!(r.read("pong", &stats).is_none());
        assert!(
            r.read(r#"{"type":"movement","kind":"choice"}"#, &stats)
                .is_none()
        );
    }

    #[test]
    fn ours_takes_the_seat_from_hi() {
        let stats = Stats::default();
        let mut r = reader(Dialect::Ours);
        assert!(
            r.read(
                r#"{"type":"hi","room":"r1","seat":1,"size":2,"round_ms":1000}"#,
                &stats
            )
            .is_none()
        );
        let start = r.read(r#"{"type":"start","round":1,"ends_in_ms":980}"#, &stats);
        assert!(
            matches!(start, Some(Seen::Start { room, round: 1, ends_in_ms: 980 }) if room == "r1")
        );
        let result = r.read(
            r#"{"type":"result","round":1,"seats":[
                {"seat":0,"choice":"rock","base":-1,"score":0,"total":0,"streak":0},
                {"seat":1,"choice":"paper","base":1,"score":1,"total":1,"streak":1}]}"#,
            &stats,
        );
        assert!(matches!(
            result,
            Some(Seen::Result {
                round: 1,
                mine: Some(Hand::Paper)
            })
        ));
        let refused = r.read(r#"{"type":"error","code":"not_in_round"}"#, &stats);
        assert!(matches!(refused, Some(Seen::Refused(c)) if c == "not_in_round"));
    }
}
