//! One simulated player: a guest token, a WebSocket, a reader task that timestamps
//! every frame as it arrives, and an optional heartbeat task.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex as StdMutex};
use std::time::{Duration, Instant};

use futures_util::stream::SplitSink;
use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::{Mutex, mpsc, watch};
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::proto::{Frame, Hi, LEAVE, PING};

type Sink = SplitSink<WebSocketStream<MaybeTlsStream<TcpStream>>, Message>;

/// Counters shared by every connection of a run.
#[derive(Default)]
pub struct Stats {
    /// Closes we did not ask for, by code (1006: the connection broke without a close frame).
    unexpected_closes: StdMutex<BTreeMap<u16, u64>>,
    expected_closes: AtomicU64,
    /// `error` frames by their code, and client-side failures ("connect: …").
    errors: StdMutex<BTreeMap<String, u64>>,
    frames_in: AtomicU64,
    frames_out: AtomicU64,
    pongs: AtomicU64,
}

/// The counters at one moment, to report what happened within a window.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub unexpected_closes: BTreeMap<u16, u64>,
    pub expected_closes: u64,
    pub errors: BTreeMap<String, u64>,
    pub frames_in: u64,
    pub frames_out: u64,
    pub pongs: u64,
}

impl Stats {
    pub fn error(&self, what: impl Into<String>) {
        *self.errors.lock().unwrap().entry(what.into()).or_default() += 1;
    }

    pub fn count_in(&self) {
        self.frames_in.fetch_add(1, Ordering::Relaxed);
    }

    pub fn count_closed(&self, code: u16, expected: bool) {
        self.closed(code, expected);
    }

    fn closed(&self, code: u16, expected: bool) {
        if expected {
            self.expected_closes.fetch_add(1, Ordering::Relaxed);
        } else {
            *self
                .unexpected_closes
                .lock()
                .unwrap()
                .entry(code)
                .or_default() += 1;
        }
    }

    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            unexpected_closes: self.unexpected_closes.lock().unwrap().clone(),
            expected_closes: self.expected_closes.load(Ordering::Relaxed),
            errors: self.errors.lock().unwrap().clone(),
            frames_in: self.frames_in.load(Ordering::Relaxed),
            frames_out: self.frames_out.load(Ordering::Relaxed),
            pongs: self.pongs.load(Ordering::Relaxed),
        }
    }
}

impl Snapshot {
    /// What happened between `before` and `self`.
    pub fn since(&self, before: &Snapshot) -> Snapshot {
        fn diff<K: Ord + Clone>(a: &BTreeMap<K, u64>, b: &BTreeMap<K, u64>) -> BTreeMap<K, u64> {
            a.iter()
                .filter_map(|(k, v)| {
                    let d = v - b.get(k).copied().unwrap_or(0);
                    (d > 0).then(|| (k.clone(), d))
                })
                .collect()
        }
        Snapshot {
            unexpected_closes: diff(&self.unexpected_closes, &before.unexpected_closes),
            expected_closes: self.expected_closes - before.expected_closes,
            errors: diff(&self.errors, &before.errors),
            frames_in: self.frames_in - before.frames_in,
            frames_out: self.frames_out - before.frames_out,
            pongs: self.pongs - before.pongs,
        }
    }

    pub fn unexpected_total(&self) -> u64 {
        self.unexpected_closes.values().sum()
    }
}

/// Where the server is.
#[derive(Debug, Clone)]
pub struct Target {
    /// `host:port`
    pub addr: String,
}

impl Target {
    pub fn parse(url: &str) -> Result<Target, String> {
        let rest = url
            .strip_prefix("http://")
            .or_else(|| url.strip_prefix("ws://"))
            .ok_or_else(|| format!("{url}: only http:// (plain, local) URLs are supported"))?;
        let addr = rest.split('/').next().unwrap_or_default();
        if addr.is_empty() {
            return Err(format!("{url}: no host"));
        }
        let addr = if addr.contains(':') {
            addr.to_string()
        } else {
            format!("{addr}:80")
        };
        Ok(Target { addr })
    }
}

/// `POST /api/guest {"name":…}`: `Ok(Some(token))`, or `Ok(None)` when the server has
/// no such route (404), in which case players connect without a token.
pub async fn guest_token(target: &Target, name: &str) -> Result<Option<String>, String> {
    let body = serde_json::json!({ "name": name }).to_string();
    let (status, text) = http_request(target, "POST", "/api/guest", Some(&body)).await?;
    if status == 404 {
        return Ok(None);
    }
    if status != 200 {
        let code = serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|v| v.get("error").and_then(|e| e.as_str()).map(String::from))
            .unwrap_or_default();
        return Err(format!("guest: HTTP {status} {code}")
            .trim_end()
            .to_string());
    }
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|_| "guest: not JSON".to_string())?;
    value
        .get("token")
        .and_then(|t| t.as_str())
        .map(|t| Some(t.to_string()))
        .ok_or_else(|| "guest: no token in the answer".to_string())
}

/// A minimal HTTP/1.1 request (Connection: close) over loopback: status and body.
pub(crate) async fn http_request(
    target: &Target,
    method: &str,
    path: &str,
    body: Option<&str>,
) -> Result<(u16, String), String> {
    let io = async {
        let mut stream = TcpStream::connect(&target.addr).await?;
        let body = body.unwrap_or("");
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n",
            target.addr,
            body.len()
        );
        stream.write_all(head.as_bytes()).await?;
        stream.write_all(body.as_bytes()).await?;
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).await?;
        Ok::<_, std::io::Error>(raw)
    };
    let raw = tokio::time::timeout(Duration::from_secs(15), io)
        .await
        .map_err(|_| "http: timeout".to_string())?
        .map_err(|e| format!("http: {}", e.kind()))?;
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| "http: no header end".to_string())?;
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| "http: bad status line".to_string())?;
    let chunked = head.lines().any(|l| {
        let l = l.to_ascii_lowercase();
        l.starts_with("transfer-encoding:") && l.contains("chunked")
    });
    let body = if chunked {
        dechunk(body)
    } else {
        body.to_string()
    };
    Ok((status, body))
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let Ok(n) = usize::from_str_radix(size.trim().split(';').next().unwrap_or(""), 16) else {
            break;
        };
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        body = rest[n..].trim_start_matches("\r\n");
    }
    out
}

/// A frame or the end of the connection, stamped when the reader got it.
#[derive(Debug)]
pub enum Event {
    Frame(Instant, Frame),
    Closed(u16),
}

/// Sends text frames on a connection; cheap to clone into other tasks.
#[derive(Clone)]
pub struct Sender {
    sink: Arc<Mutex<Sink>>,
    stats: Arc<Stats>,
}

impl Sender {
    pub(crate) fn new(sink: Sink, stats: Arc<Stats>) -> Sender {
        Sender {
            sink: Arc::new(Mutex::new(sink)),
            stats,
        }
    }

    /// Starts the close handshake from this side.
    pub(crate) async fn close(&self) {
        let _ = self.sink.lock().await.close().await;
    }

    pub async fn send(&self, text: &str) -> bool {
        let ok = self
            .sink
            .lock()
            .await
            .send(Message::text(text.to_string()))
            .await
            .is_ok();
        if ok {
            self.stats.frames_out.fetch_add(1, Ordering::Relaxed);
        }
        ok
    }
}

/// `ws://addr/ws?<key>=<value>&token=<token>`, every value percent-encoded.
pub(crate) fn ws_url(target: &Target, key: &str, value: &str, token: Option<&str>) -> String {
    let mut url = format!("ws://{}/ws?{key}={}", target.addr, encode(value));
    if let Some(token) = token {
        url.push_str("&token=");
        url.push_str(&encode(token));
    }
    url
}

pub struct Conn {
    pub hi: Hi,
    /// When the connection attempt began, and when `hi` arrived.
    pub started: Instant,
    pub hi_at: Instant,
    pub tx: Sender,
    pub events: mpsc::UnboundedReceiver<Event>,
    leaving: Arc<AtomicBool>,
    closed: watch::Receiver<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl Conn {
    /// Connects to `ws://addr/ws?token=…&name=…` and waits for `hi`. With `heartbeat`,
    /// sends the exact ping text that often (first one at a random point in the period).
    pub async fn open(
        target: &Target,
        token: Option<&str>,
        name: &str,
        heartbeat: Option<Duration>,
        stats: Arc<Stats>,
    ) -> Result<Conn, String> {
        let url = ws_url(target, "name", name, token);
        Conn::open_url(url, name, heartbeat, stats).await
    }

    /// A spectator of `room` (`/ws?watch=…`); its `hi` is made from the `watching`
    /// welcome, with seat `usize::MAX`.
    pub async fn watch(
        target: &Target,
        token: Option<&str>,
        room: &str,
        heartbeat: Option<Duration>,
        stats: Arc<Stats>,
    ) -> Result<Conn, String> {
        let url = ws_url(target, "watch", room, token);
        Conn::open_url(url, room, heartbeat, stats).await
    }

    async fn open_url(
        url: String,
        name: &str,
        heartbeat: Option<Duration>,
        stats: Arc<Stats>,
    ) -> Result<Conn, String> {
        let started = Instant::now();
        let ws = connect(&url).await?;
        let (sink, mut stream) = ws.split();
        let (ev_tx, mut events) = mpsc::unbounded_channel();
        let leaving = Arc::new(AtomicBool::new(false));
        let (closed_tx, closed) = watch::channel(false);

        let reader = {
            let stats = stats.clone();
            let leaving = leaving.clone();
            tokio::spawn(async move {
                let mut code = 1006;
                while let Some(msg) = stream.next().await {
                    let now = Instant::now();
                    match msg {
                        Ok(Message::Text(text)) => {
                            stats.frames_in.fetch_add(1, Ordering::Relaxed);
                            let frame = match serde_json::from_str::<Frame>(text.as_str()) {
                                Ok(frame) => frame,
                                Err(_) => {
                                    stats.error("unparsed frame");
                                    continue;
                                }
                            };
                            match &frame {
                                Frame::Pong => {
                                    stats.pongs.fetch_add(1, Ordering::Relaxed);
                                    continue;
                                }
                                Frame::Error(e) => stats.error(format!("error frame: {}", e.code)),
                                _ => {}
                            }
                            let _ = ev_tx.send(Event::Frame(now, frame));
                        }
                        Ok(Message::Close(frame)) => {
                            code = frame.map(|f| u16::from(f.code)).unwrap_or(1005);
                        }
                        Ok(_) => {}
                        Err(_) => break,
                    }
                }
                let expected = leaving.load(Ordering::Relaxed) && code == 1000;
                stats.closed(code, expected);
                let _ = ev_tx.send(Event::Closed(code));
                let _ = closed_tx.send(true);
            })
        };
        let tx = Sender::new(sink, stats);
        let mut tasks = vec![reader];

        // Wait for `hi`; anything else first is a refusal.
        let hi = tokio::time::timeout(Duration::from_secs(20), async {
            loop {
                match events.recv().await {
                    Some(Event::Frame(at, Frame::Hi(hi))) => return Ok((at, hi)),
                    Some(Event::Frame(at, Frame::Watching(w))) => {
                        let hi = Hi {
                            room: w.room,
                            seat: usize::MAX,
                            size: w.size,
                            round_ms: 0,
                        };
                        return Ok((at, hi));
                    }
                    Some(Event::Frame(_, Frame::Error(e))) => {
                        return Err(format!("refused: {}", e.code));
                    }
                    Some(Event::Frame(..)) => continue,
                    Some(Event::Closed(code)) => return Err(format!("closed {code} before hi")),
                    None => return Err("reader gone before hi".to_string()),
                }
            }
        })
        .await;
        let (hi_at, hi) = match hi {
            Ok(Ok(v)) => v,
            Ok(Err(e)) => {
                tasks.iter().for_each(|t| t.abort());
                return Err(e);
            }
            Err(_) => {
                tasks.iter().for_each(|t| t.abort());
                return Err("no hi within 20 s".to_string());
            }
        };

        if let Some(period) = heartbeat {
            let tx = tx.clone();
            let mut closed = closed.clone();
            // Spread the first pings over the period so they do not all land together.
            let offset = Duration::from_millis(jitter(name) % period.as_millis().max(1) as u64);
            tasks.push(tokio::spawn(async move {
                let mut tick = tokio::time::interval_at(
                    tokio::time::Instant::now() + offset.max(Duration::from_millis(1)),
                    period,
                );
                loop {
                    tokio::select! {
                        _ = tick.tick() => {
                            if !tx.send(PING).await {
                                return;
                            }
                        }
                        _ = closed.changed() => return,
                    }
                }
            }));
        }
        Ok(Conn {
            hi,
            started,
            hi_at,
            tx,
            events,
            leaving,
            closed,
            tasks,
        })
    }

    /// Sends `leave` and waits (up to 5 s) for the server's close 1000.
    pub async fn leave(mut self, stats: &Stats) {
        self.leaving.store(true, Ordering::Relaxed);
        if self.tx.send(LEAVE).await && !wait_closed(&mut self.closed, Duration::from_secs(5)).await
        {
            stats.error("leave: no close within 5 s");
        }
        self.tx.close().await;
        self.tasks.iter().for_each(|t| t.abort());
    }
}

/// Opens a WebSocket to `url` (20 s at most); failures as the counters name them.
pub(crate) async fn connect(
    url: &str,
) -> Result<WebSocketStream<MaybeTlsStream<TcpStream>>, String> {
    let connect = tokio_tungstenite::connect_async_with_config(url, None, /* nodelay */ true);
    let (ws, _) = tokio::time::timeout(Duration::from_secs(20), connect)
        .await
        .map_err(|_| "connect: timeout".to_string())?
        .map_err(|e| match e {
            tokio_tungstenite::tungstenite::Error::Http(resp) => {
                format!("connect: HTTP {}", resp.status().as_u16())
            }
            other => format!("connect: {}", short(&other.to_string())),
        })?;
    Ok(ws)
}

/// Waits up to `limit` for a connection's reader to see it closed; whether it did.
pub(crate) async fn wait_closed(closed: &mut watch::Receiver<bool>, limit: Duration) -> bool {
    tokio::time::timeout(limit, async {
        while !*closed.borrow() {
            if closed.changed().await.is_err() {
                break;
            }
        }
    })
    .await
    .is_ok()
}

fn short(text: &str) -> String {
    text.chars().take(60).collect()
}

/// A stable pseudo-random number from a name (for spreading heartbeats).
fn jitter(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
    })
}

/// Percent-encodes a query value.
fn encode(value: &str) -> String {
    let mut out = String::new();
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dechunks() {
        assert_eq!(dechunk("4\r\nWiki\r\n5\r\npedia\r\n0\r\n\r\n"), "Wikipedia");
    }

    #[test]
    fn targets() {
        assert_eq!(
            Target::parse("http://127.0.0.1:8787/").unwrap().addr,
            "127.0.0.1:8787"
        );
        assert!(Target::parse("https://x").is_err());
    }

    #[test]
    fn encodes() {
        assert_eq!(encode("a b/é"), "a%20b%2F%C3%A9");
    }
}
