//! The scenarios: idle, burst, rounds, relay and mixed. Each returns a report section.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use futures_util::stream;
use indicatif::{ProgressBar, ProgressStyle};
use tokio::sync::{Mutex, mpsc};

use crate::conn::{Conn, Event, Snapshot, Stats, Target, guest_token};
use crate::procstat::{self, Probe, ProcSample};
use crate::proto::{FACES, Frame, Hand, JOIN, SeatLine, Standing, expected_lines, face_frame};
use crate::report::{Hist, Samples, Section};

/// Sizes and pacing of every scenario.
#[derive(Debug, Clone)]
pub struct Sizes {
    /// versus rounds: rounds each room plays.
    pub rounds_per_room: u64,
    pub idle_conns: usize,
    pub heartbeat: Duration,
    pub idle_hold: Duration,
    pub burst_clients: usize,
    pub burst_warmup: usize,
    pub rounds_rooms: usize,
    pub rounds_for: Duration,
    pub skip_choice_pct: u64,
    pub relay_rooms: usize,
    pub relay_for: Duration,
    pub relay_interval: Duration,
    pub fanout_rooms: usize,
    pub fanout_spectators: usize,
    pub mixed_for: Duration,
    pub connect_concurrency: usize,
}

pub struct Ctx {
    pub target: Target,
    pub stats: Arc<Stats>,
    pub probe: Probe,
    pub sizes: Sizes,
    pub progress: bool,
    /// Whether the server issues guest tokens: unknown until the first request.
    auth: Mutex<Option<bool>>,
    next_player: AtomicUsize,
    run_tag: String,
}

impl Ctx {
    pub fn new(target: Target, probe: Probe, sizes: Sizes, progress: bool) -> Arc<Ctx> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos() ^ d.as_secs() as u32)
            .unwrap_or(0);
        Arc::new(Ctx {
            target,
            stats: Arc::new(Stats::default()),
            probe,
            sizes,
            progress,
            auth: Mutex::new(None),
            next_player: AtomicUsize::new(0),
            run_tag: format!("{:05x}", nanos & 0xfffff),
        })
    }

    /// `guest-token`, `none`, or `unknown` (no player was made yet).
    pub async fn auth_mode(&self) -> &'static str {
        match *self.auth.lock().await {
            Some(true) => "guest-token",
            Some(false) => "none",
            None => "unknown",
        }
    }

    pub(crate) fn bar(&self, len: u64, msg: &str) -> ProgressBar {
        if !self.progress {
            return ProgressBar::hidden();
        }
        let bar = ProgressBar::new(len);
        bar.set_style(
            ProgressStyle::with_template("{msg:28} [{bar:30}] {pos}/{len} {elapsed}")
                .expect("valid template")
                .progress_chars("=> "),
        );
        bar.set_message(msg.to_string());
        bar
    }

    /// A name no other player of this run has.
    pub(crate) fn fresh_name(&self) -> String {
        let i = self.next_player.fetch_add(1, Ordering::Relaxed);
        format!("lg{}-{i}", self.run_tag)
    }

    /// Names and guest tokens for `n` new players (each needs its own identity: one
    /// live seat per token). Without /api/guest (404) the tokens are None.
    async fn players(&self, n: usize) -> Vec<(String, Option<String>)> {
        let names: Vec<String> = (0..n)
            .map(|_| {
                let i = self.next_player.fetch_add(1, Ordering::Relaxed);
                format!("lg{}-{i}", self.run_tag)
            })
            .collect();
        let mut out = Vec::with_capacity(n);
        let mut rest = names.as_slice();
        {
            let mut auth = self.auth.lock().await;
            while auth.is_none() {
                let Some((first, tail)) = rest.split_first() else {
                    return out;
                };
                rest = tail;
                match guest_token(&self.target, first).await {
                    Ok(token) => {
                        *auth = Some(token.is_some());
                        out.push((first.clone(), token));
                    }
                    Err(e) => {
                        self.stats.error(e);
                        out.push((first.clone(), None));
                        if out.len() >= 3 {
                            *auth = Some(true);
                        }
                    }
                }
            }
            if *auth == Some(false) {
                out.extend(rest.iter().map(|name| (name.clone(), None)));
                return out;
            }
        }
        let bar = self.bar(rest.len() as u64, "guest tokens");
        let fetched: Vec<(String, Option<String>)> = stream::iter(rest.iter().cloned())
            .map(|name| {
                let bar = bar.clone();
                async move {
                    let token = match guest_token(&self.target, &name).await {
                        Ok(t) => t,
                        Err(e) => {
                            self.stats.error(e);
                            None
                        }
                    };
                    bar.inc(1);
                    (name, token)
                }
            })
            .buffer_unordered(16)
            .collect()
            .await;
        bar.finish_and_clear();
        out.extend(fetched);
        out
    }

    /// Connects `players` at most `concurrency` at a time; failures are counted.
    async fn connect_all(
        &self,
        players: Vec<(String, Option<String>)>,
        heartbeat: Option<Duration>,
        concurrency: usize,
        what: &str,
    ) -> Vec<Conn> {
        let bar = self.bar(players.len() as u64, what);
        let conns: Vec<Option<Conn>> = stream::iter(players)
            .map(|(name, token)| {
                let bar = bar.clone();
                let stats = self.stats.clone();
                async move {
                    let c =
                        Conn::open(&self.target, token.as_deref(), &name, heartbeat, stats).await;
                    bar.inc(1);
                    c.map_err(|e| self.stats.error(e)).ok()
                }
            })
            .buffer_unordered(concurrency.max(1))
            .collect()
            .await;
        bar.finish_and_clear();
        conns.into_iter().flatten().collect()
    }

    async fn leave_all(&self, conns: Vec<Conn>) {
        stream::iter(conns)
            .for_each_concurrent(64, |c| c.leave(&self.stats))
            .await;
    }

    pub(crate) async fn hold(&self, d: Duration, what: &str) {
        let secs = d.as_secs_f64().ceil() as u64;
        let bar = self.bar(secs, what);
        let end = Instant::now() + d;
        while Instant::now() < end {
            let step = (end - Instant::now()).min(Duration::from_secs(1));
            tokio::time::sleep(step).await;
            bar.inc(1);
        }
        bar.finish_and_clear();
    }

    pub(crate) fn heartbeat(&self) -> Option<Duration> {
        (!self.sizes.heartbeat.is_zero()).then_some(self.sizes.heartbeat)
    }
}

/// CPU and wall time over a phase, for the server and for this process.
struct Cpu {
    t0: Instant,
    server: Option<ProcSample>,
    me: f64,
}

struct CpuUsed {
    wall_s: f64,
    server_s: Option<f64>,
    me_s: f64,
}

impl Cpu {
    fn start(ctx: &Ctx) -> Cpu {
        Cpu {
            t0: Instant::now(),
            server: ctx.probe.sample(),
            me: procstat::self_cpu_s(),
        }
    }

    fn stop(self, ctx: &Ctx) -> CpuUsed {
        let server = ctx.probe.sample();
        CpuUsed {
            wall_s: self.t0.elapsed().as_secs_f64(),
            server_s: match (self.server, server) {
                (Some(a), Some(b)) => Some((b.cpu_s - a.cpu_s).max(0.0)),
                _ => None,
            },
            me_s: procstat::self_cpu_s() - self.me,
        }
    }

    fn put(used: &CpuUsed, s: &mut Section) {
        s.put("wall_s", "measured phase", "s", Some(used.wall_s));
        s.put("server_cpu_s", "server CPU (user+sys)", "s", used.server_s);
        s.put("loadgen_cpu_s", "load generator CPU", "s", Some(used.me_s));
    }
}

/// Closes and errors over a whole scenario go into its section.
pub(crate) fn close_out(s: &mut Section, during: &Snapshot) {
    s.unexpected_closes = during
        .unexpected_closes
        .iter()
        .map(|(k, v)| (k.to_string(), *v))
        .collect();
    s.errors = during.errors.clone();
    s.count("frames_in", "frames received", during.frames_in);
    s.count("frames_out", "frames sent", during.frames_out);
}

/// Players grouped by the room `hi` named; only full rooms of ours are returned, the
/// rest (a room shared with a stranger, a player alone) are left.
fn rooms_of(conns: Vec<Conn>) -> (Vec<Vec<Conn>>, Vec<Conn>) {
    let mut by_room: BTreeMap<String, Vec<Conn>> = BTreeMap::new();
    for c in conns {
        by_room.entry(c.hi.room.clone()).or_default().push(c);
    }
    let mut full = Vec::new();
    let mut rest = Vec::new();
    for (_, mut members) in by_room {
        if members.len() == members[0].hi.size && members.len() >= 2 {
            members.sort_by_key(|c| c.hi.seat);
            full.push(members);
        } else {
            rest.extend(members);
        }
    }
    (full, rest)
}

/// Waits for every room's task: all their connections, and their outcomes summed.
async fn gather<O: Default>(
    tasks: Vec<tokio::task::JoinHandle<(Vec<Conn>, O)>>,
    add: fn(&mut O, O),
) -> (Vec<Conn>, O) {
    let mut all = O::default();
    let mut conns = Vec::new();
    for t in tasks {
        if let Ok((c, o)) = t.await {
            conns.extend(c);
            add(&mut all, o);
        }
    }
    (conns, all)
}

/// One stream of every member's events, tagged with the member's index.
fn merge(conns: &mut [Conn]) -> mpsc::UnboundedReceiver<(usize, Event)> {
    let (tx, rx) = mpsc::unbounded_channel();
    for (i, c) in conns.iter_mut().enumerate() {
        let (_, empty) = mpsc::unbounded_channel();
        let mut events = std::mem::replace(&mut c.events, empty);
        let tx = tx.clone();
        tokio::spawn(async move {
            while let Some(ev) = events.recv().await {
                if tx.send((i, ev)).is_err() {
                    return;
                }
            }
        });
    }
    rx
}

/// xorshift64*: choices, delays and skips, reproducible per room.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }
}

// ---------------------------------------------------------------------------------
// idle

pub async fn idle(ctx: &Arc<Ctx>) -> Section {
    let mut s = Section::new("idle");
    let n = ctx.sizes.idle_conns;
    let st0 = ctx.stats.snapshot();

    // Warm-up: the first connection instantiates the Worker and the objects; keep that
    // out of the per-connection figure.
    let warm = ctx.players(2).await;
    let warm = ctx.connect_all(warm, None, 2, "warm-up").await;
    ctx.leave_all(warm).await;
    tokio::time::sleep(Duration::from_secs(2)).await;

    let players = ctx.players(n).await;
    let before = ctx.probe.sample();
    let cpu = Cpu::start(ctx);
    let conns = ctx
        .connect_all(
            players,
            ctx.heartbeat(),
            ctx.sizes.connect_concurrency,
            "idle: connecting",
        )
        .await;
    let mut connect = Hist::default();
    for c in &conns {
        connect.record(c.hi_at - c.started);
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    let up = ctx.probe.sample();
    let hold_start = ctx.stats.snapshot();
    ctx.hold(ctx.sizes.idle_hold, "idle: holding").await;
    let held = ctx.probe.sample();
    let in_hold = ctx.stats.snapshot().since(&hold_start);
    let used = cpu.stop(ctx);
    let connected = conns.len();
    ctx.leave_all(conns).await;

    s.count("conns", "connections asked", n as u64);
    s.count("connected", "connections up", connected as u64);
    s.put(
        "heartbeat_s",
        "heartbeat period",
        "s",
        Some(ctx.sizes.heartbeat.as_secs_f64()),
    );
    s.put(
        "hold_s",
        "held for",
        "s",
        Some(ctx.sizes.idle_hold.as_secs_f64()),
    );
    s.latencies("connect", "connect → hi", &connect, false);
    s.count("pongs", "pongs during the hold", in_hold.pongs);
    s.count(
        "unexpected_closes",
        "unexpected closes during the hold",
        in_hold.unexpected_total(),
    );
    let mb = |p: &Option<ProcSample>| p.map(|p| p.rss_kb as f64 / 1024.0);
    s.put("rss_before_mb", "server RSS before", "MB", mb(&before));
    s.put("rss_up_mb", "server RSS, all up (+3 s)", "MB", mb(&up));
    s.put("rss_held_mb", "server RSS, end of hold", "MB", mb(&held));
    let per = |after: &Option<ProcSample>| match (before, after) {
        (Some(b), Some(a)) if connected > 0 => {
            Some((a.rss_kb as f64 - b.rss_kb as f64) / connected as f64)
        }
        _ => None,
    };
    s.put(
        "mem_per_conn_kb_up",
        "server memory per idle conn (up)",
        "KB",
        per(&up),
    );
    // Only meaningful if every connection was still there at the end.
    let intact = in_hold.unexpected_total() == 0;
    s.put(
        "mem_per_conn_kb_held",
        "server memory per idle conn (held)",
        "KB",
        per(&held).filter(|_| intact),
    );
    if !intact {
        s.notes.push(format!(
            "{} connections closed during the hold (codes {:?}): no held-memory figure",
            in_hold.unexpected_total(),
            in_hold.unexpected_closes
        ));
    }
    s.put(
        "server_procs",
        "server processes sampled",
        "",
        up.map(|p| p.procs as f64),
    );
    Cpu::put(&used, &mut s);
    close_out(&mut s, &ctx.stats.snapshot().since(&st0));
    if !ctx.probe.enabled() {
        s.notes
            .push("no --server-pids/--server-pgid: memory and server CPU not sampled".into());
    }
    s
}

// ---------------------------------------------------------------------------------
// burst

struct BurstOut {
    conns: Vec<Conn>,
    to_hi: Hist,
    to_start: Hist,
    matches: usize,
    span: Duration,
}

/// Every player connects at the same moment; each waits for its `start`.
async fn run_burst(ctx: &Arc<Ctx>, players: Vec<(String, Option<String>)>) -> BurstOut {
    let t0 = Instant::now();
    let heartbeat = ctx.heartbeat();
    let tasks: Vec<_> = players
        .into_iter()
        .map(|(name, token)| {
            let ctx = ctx.clone();
            tokio::spawn(async move {
                let mut conn = Conn::open(
                    &ctx.target,
                    token.as_deref(),
                    &name,
                    heartbeat,
                    ctx.stats.clone(),
                )
                .await
                .map_err(|e| ctx.stats.error(e))
                .ok()?;
                let start = tokio::time::timeout(Duration::from_secs(30), async {
                    loop {
                        match conn.events.recv().await {
                            Some(Event::Frame(at, Frame::Start(_))) => return Some(at),
                            Some(Event::Closed(..)) | None => return None,
                            Some(_) => {}
                        }
                    }
                })
                .await
                .ok()
                .flatten();
                if start.is_none() {
                    ctx.stats.error("burst: no start within 30 s");
                }
                Some((conn, start))
            })
        })
        .collect();
    let mut out = BurstOut {
        conns: Vec::new(),
        to_hi: Hist::default(),
        to_start: Hist::default(),
        matches: 0,
        span: Duration::ZERO,
    };
    let mut rooms = HashSet::new();
    let mut last = t0;
    for t in tasks {
        let Ok(Some((conn, start))) = t.await else {
            continue;
        };
        out.to_hi.record(conn.hi_at - conn.started);
        if let Some(at) = start {
            out.to_start.record(at - conn.started);
            rooms.insert(conn.hi.room.clone());
            last = last.max(at);
        }
        out.conns.push(conn);
    }
    out.matches = rooms.len();
    out.span = last - t0;
    out
}

fn put_burst(s: &mut Section, b: &BurstOut, clients: usize) {
    s.count("clients", "clients connecting at once", clients as u64);
    s.count("matched_rooms", "rooms that got a start", b.matches as u64);
    s.put(
        "span_s",
        "first connect → last start",
        "s",
        Some(b.span.as_secs_f64()),
    );
    let rate = (b.span > Duration::ZERO).then(|| b.matches as f64 / b.span.as_secs_f64());
    s.put("matches_per_s", "matches/s", "1/s", rate);
    s.latencies("time_to_hi", "time to hi", &b.to_hi, false);
    s.latencies("time_to_start", "time to start", &b.to_start, false);
}

pub async fn burst(ctx: &Arc<Ctx>) -> Section {
    let mut s = Section::new("burst");
    let st0 = ctx.stats.snapshot();
    let n = ctx.sizes.burst_clients.div_ceil(2) * 2;
    let warmup = ctx.sizes.burst_warmup.div_ceil(2) * 2;
    s.count(
        "warmup_clients",
        "unmeasured warm-up burst before it",
        warmup as u64,
    );
    if warmup > 0 {
        let players = ctx.players(warmup).await;
        let b = run_burst(ctx, players).await;
        ctx.leave_all(b.conns).await;
    }
    let players = ctx.players(n).await;
    let cpu = Cpu::start(ctx);
    let b = run_burst(ctx, players).await;
    let used = cpu.stop(ctx);
    put_burst(&mut s, &b, n);
    Cpu::put(&used, &mut s);
    if let Some(cpu) = used.server_s.filter(|_| b.matches > 0) {
        s.put(
            "server_cpu_ms_per_match",
            "server CPU per match",
            "ms",
            Some(cpu * 1000.0 / b.matches as f64),
        );
    }
    ctx.leave_all(b.conns).await;
    close_out(&mut s, &ctx.stats.snapshot().since(&st0));
    s
}

// ---------------------------------------------------------------------------------
// rounds (and alarm lateness)

#[derive(Default)]
struct RoundsOut {
    results: u64,
    wrong: u64,
    unverifiable: u64,
    /// result − (start + ends_in_ms), both as this process received them. Below zero
    /// when the `start` frame reached us later than the server fixed the deadline.
    lateness: Samples,
    early: u64,
    examples: Vec<String>,
}

impl RoundsOut {
    fn add(&mut self, o: RoundsOut) {
        self.results += o.results;
        self.wrong += o.wrong;
        self.unverifiable += o.unverifiable;
        self.lateness.add(&o.lateness);
        self.early += o.early;
        for e in o.examples {
            if self.examples.len() < 3 {
                self.examples.push(e);
            }
        }
    }
}

/// Plays rounds in one room until `stop`: each member picks a hand (or, `skip_pct` of
/// the time, nothing) at a random moment in the first half of the round, and joins the
/// next round after the result. Every copy of every result is checked against
/// [`expected_lines`] with standings this driver carries itself.
async fn drive_rounds(
    mut conns: Vec<Conn>,
    begin: Instant,
    stop: Instant,
    skip_pct: u64,
    seed: u64,
) -> (Vec<Conn>, RoundsOut) {
    let mut out = RoundsOut::default();
    let mut rng = Rng::new(seed);
    let mut rx = merge(&mut conns);
    let seats: Vec<usize> = conns.iter().map(|c| c.hi.seat).collect();
    let mut model: BTreeMap<usize, Standing> =
        seats.iter().map(|&s| (s, Standing::default())).collect();
    let mut planned: HashMap<u64, BTreeMap<usize, Option<Hand>>> = HashMap::new();
    let mut adopted: HashMap<u64, Vec<SeatLine>> = HashMap::new();
    let mut starts: Vec<Option<(u64, Instant, u64)>> = vec![None; conns.len()];
    let mut settled: Vec<u64> = vec![0; conns.len()];
    let mut started = 0u64;
    let round_ms = conns[0].hi.round_ms.max(500);
    let hard_stop = stop + Duration::from_millis(round_ms * 2) + Duration::from_secs(5);

    loop {
        let now = Instant::now();
        let idle = settled.iter().all(|&r| r >= started);
        if (now >= stop && idle) || now >= hard_stop {
            break;
        }
        let wake = if now < stop { stop } else { hard_stop };
        let (i, ev) = match tokio::time::timeout_at(wake.into(), rx.recv()).await {
            Err(_) => continue,
            Ok(None) => break,
            Ok(Some(x)) => x,
        };
        match ev {
            Event::Frame(at, Frame::Start(st)) => {
                starts[i] = Some((st.round, at, st.ends_in_ms));
                started = started.max(st.round);
                // A round that began before this driver ran is played without hands:
                // a late choice would be refused and make the check meaningless.
                let hand = if at < begin || rng.below(100) < skip_pct {
                    None
                } else {
                    Some(Hand::ALL[rng.below(3) as usize])
                };
                planned.entry(st.round).or_default().insert(seats[i], hand);
                if let Some(hand) = hand {
                    let tx = conns[i].tx.clone();
                    let delay = Duration::from_millis(rng.below(st.ends_in_ms / 2 + 1));
                    tokio::spawn(async move {
                        tokio::time::sleep(delay).await;
                        tx.send(&hand.choice_frame()).await;
                    });
                }
            }
            Event::Frame(at, Frame::Result(res)) => {
                settled[i] = res.round;
                if let Some((_, st, ends)) = starts[i].filter(|s| s.0 == res.round) {
                    let due = st + Duration::from_millis(ends);
                    let late = match at.checked_duration_since(due) {
                        Some(late) => late.as_micros() as i64,
                        None => {
                            out.early += 1;
                            -(due.duration_since(at).as_micros() as i64)
                        }
                    };
                    out.lateness.record_us(late);
                }
                out.results += 1;
                let mut lines = res.seats.clone();
                lines.sort_by_key(|l| l.seat);
                if let Some(first) = adopted.get(&res.round) {
                    if *first != lines {
                        out.wrong += 1;
                        note(&mut out.examples, || {
                            format!("round {}: copies differ: {lines:?} vs {first:?}", res.round)
                        });
                    }
                } else {
                    let plan = planned.get(&res.round);
                    let ours: Vec<usize> = model.keys().copied().collect();
                    let theirs: Vec<usize> = lines.iter().map(|l| l.seat).collect();
                    let known = plan.is_some_and(|p| ours.iter().all(|s| p.contains_key(s)));
                    if !known {
                        out.unverifiable += 1;
                    } else if ours != theirs {
                        out.wrong += 1;
                        note(&mut out.examples, || {
                            format!("round {}: seats {theirs:?}, expected {ours:?}", res.round)
                        });
                    } else {
                        let plan = plan.expect("checked above");
                        let input: Vec<(usize, Option<Hand>, Standing)> =
                            ours.iter().map(|&s| (s, plan[&s], model[&s])).collect();
                        let expected = expected_lines(&input);
                        if expected != lines {
                            out.wrong += 1;
                            note(&mut out.examples, || {
                                format!("round {}: got {lines:?}, expected {expected:?}", res.round)
                            });
                        }
                    }
                    // Carry on from what the server said, so one mistake counts once.
                    for l in &lines {
                        model.insert(
                            l.seat,
                            Standing {
                                total: l.total,
                                streak: l.streak,
                            },
                        );
                    }
                    adopted.insert(res.round, lines);
                }
                if Instant::now() < stop {
                    conns[i].tx.send(JOIN).await;
                }
            }
            Event::Closed(..) => break,
            Event::Frame(..) => {}
        }
    }
    (conns, out)
}

fn note(examples: &mut Vec<String>, f: impl FnOnce() -> String) {
    if examples.len() < 3 {
        examples.push(f());
    }
}

async fn connect_rooms(ctx: &Arc<Ctx>, rooms: usize, what: &str) -> (Vec<Vec<Conn>>, Vec<Conn>) {
    let players = ctx.players(rooms * 2).await;
    let conns = ctx
        .connect_all(
            players,
            ctx.heartbeat(),
            ctx.sizes.connect_concurrency,
            what,
        )
        .await;
    rooms_of(conns)
}

async fn run_rounds(
    rooms: Vec<Vec<Conn>>,
    skip_pct: u64,
    run_for: Duration,
) -> (Vec<Conn>, RoundsOut) {
    let begin = Instant::now();
    let stop = begin + run_for;
    let tasks: Vec<_> = rooms
        .into_iter()
        .enumerate()
        .map(|(k, members)| {
            tokio::spawn(drive_rounds(members, begin, stop, skip_pct, k as u64 + 1))
        })
        .collect();
    gather(tasks, RoundsOut::add).await
}

fn put_rounds(s: &mut Section, rooms: usize, o: &RoundsOut) {
    s.count("rooms", "rooms playing", rooms as u64);
    s.count(
        "results_checked",
        "result frames checked",
        o.results - o.unverifiable,
    );
    s.count(
        "results_unverifiable",
        "results not checkable (began early)",
        o.unverifiable,
    );
    s.count("wrong_results", "wrong results", o.wrong);
    s.signed("lateness", "alarm lateness", &o.lateness);
    s.count("lateness_early", "results before start+ends_in_ms", o.early);
    for e in &o.examples {
        s.notes.push(format!("wrong result: {e}"));
    }
}

pub async fn rounds(ctx: &Arc<Ctx>) -> Section {
    let mut s = Section::new("rounds");
    let st0 = ctx.stats.snapshot();
    let (rooms, rest) = connect_rooms(ctx, ctx.sizes.rounds_rooms, "rounds: connecting").await;
    ctx.leave_all(rest).await;
    let n = rooms.len();
    let cpu = Cpu::start(ctx);
    let (conns, o) = run_rounds(rooms, ctx.sizes.skip_choice_pct, ctx.sizes.rounds_for).await;
    let used = cpu.stop(ctx);
    ctx.leave_all(conns).await;
    put_rounds(&mut s, n, &o);
    Cpu::put(&used, &mut s);
    close_out(&mut s, &ctx.stats.snapshot().since(&st0));
    s
}

// ---------------------------------------------------------------------------------
// relay

#[derive(Default)]
struct RelayOut {
    latency: Hist,
    sent: u64,
    delivered: u64,
    lost: u64,
}

impl RelayOut {
    fn add(&mut self, o: RelayOut) {
        self.latency.add(&o.latency);
        self.sent += o.sent;
        self.delivered += o.delivered;
        self.lost += o.lost;
    }
}

/// One face at a time per room, senders (the first `senders` members: the players)
/// taking turns: time from handing the frame to the socket until each other member's
/// reader (players and spectators) has the `movement`.
async fn drive_relay(
    mut conns: Vec<Conn>,
    senders: usize,
    stop: Instant,
    interval: Duration,
) -> (Vec<Conn>, RelayOut) {
    let mut out = RelayOut::default();
    let mut rx = merge(&mut conns);
    let n = conns.len();
    let senders = senders.clamp(1, n.max(1));
    let seats: Vec<usize> = conns.iter().map(|c| c.hi.seat).collect();
    let mut tick = tokio::time::interval(interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut k = 0usize;
    'relay: while Instant::now() < stop {
        tick.tick().await;
        let from = k % senders;
        let face = FACES[k % FACES.len()];
        k += 1;
        let text = face_frame(face);
        let t0 = Instant::now();
        if !conns[from].tx.send(&text).await {
            break;
        }
        out.sent += 1;
        let mut waiting: HashSet<usize> = (0..n).filter(|&i| i != from).collect();
        let deadline = t0 + Duration::from_secs(5);
        while !waiting.is_empty() {
            match tokio::time::timeout_at(deadline.into(), rx.recv()).await {
                Ok(Some((i, Event::Frame(at, Frame::Movement(m))))) => {
                    let ours = m.what == "face"
                        && m.seat == seats[from]
                        && m.face.as_deref() == Some(face);
                    if ours && waiting.remove(&i) {
                        out.latency.record(at - t0);
                        out.delivered += 1;
                    }
                }
                Ok(Some((_, Event::Closed(..)))) | Ok(None) => break 'relay,
                Ok(Some(_)) => {}
                Err(_) => {
                    out.lost += waiting.len() as u64;
                    break;
                }
            }
        }
    }
    (conns, out)
}

/// `rooms` relay at once; in each, the first `senders` members send.
async fn run_relay(
    rooms: Vec<Vec<Conn>>,
    senders: usize,
    run_for: Duration,
    interval: Duration,
) -> (Vec<Conn>, RelayOut) {
    let stop = Instant::now() + run_for;
    let tasks: Vec<_> = rooms
        .into_iter()
        .enumerate()
        .map(|(k, members)| {
            tokio::spawn(async move {
                // Stagger the rooms over one interval so their sends do not line up.
                let n = 97u64;
                let offset = interval.mul_f64((k as u64 % n) as f64 / n as f64);
                tokio::time::sleep(offset).await;
                drive_relay(members, senders, stop, interval).await
            })
        })
        .collect();
    gather(tasks, RelayOut::add).await
}

fn put_relay(s: &mut Section, rooms: usize, interval: Duration, o: &RelayOut) {
    s.count("rooms", "rooms relaying", rooms as u64);
    s.put(
        "interval_ms",
        "one face per room every",
        "ms",
        Some(interval.as_secs_f64() * 1000.0),
    );
    s.count("faces_sent", "faces sent", o.sent);
    s.count("movements_received", "movements received", o.delivered);
    s.count("lost", "movements not received within 5 s", o.lost);
    s.latencies("relay", "relay face→movement", &o.latency, true);
}

pub async fn relay(ctx: &Arc<Ctx>) -> Section {
    let mut s = Section::new("relay");
    let st0 = ctx.stats.snapshot();
    let (rooms, rest) = connect_rooms(ctx, ctx.sizes.relay_rooms, "relay: connecting").await;
    ctx.leave_all(rest).await;
    let n = rooms.len();
    // Let the first round (started on seating) settle, so it does not overlap; then
    // the server's CPU with these rooms up but quiet, to take out of the per-frame cost.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let quiet = Cpu::start(ctx);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let quiet = quiet.stop(ctx);
    let idle_rate = quiet.server_s.map(|c| c / quiet.wall_s);
    let cpu = Cpu::start(ctx);
    let (conns, o) = run_relay(
        rooms,
        usize::MAX,
        ctx.sizes.relay_for,
        ctx.sizes.relay_interval,
    )
    .await;
    let used = cpu.stop(ctx);
    ctx.leave_all(conns).await;
    put_relay(&mut s, n, ctx.sizes.relay_interval, &o);
    Cpu::put(&used, &mut s);
    if o.delivered > 0 {
        s.put(
            "server_cpu_us_per_frame",
            "server CPU per relayed frame",
            "µs",
            used.server_s.map(|c| c * 1e6 / o.delivered as f64),
        );
        s.put(
            "server_cpu_quiet_pct",
            "server CPU with the rooms quiet",
            "% of a core",
            idle_rate.map(|r| r * 100.0),
        );
        let net = used
            .server_s
            .zip(idle_rate)
            .map(|(c, r)| (c - r * used.wall_s).max(0.0) * 1e6 / o.delivered as f64);
        s.put(
            "server_cpu_us_per_frame_net",
            "server CPU per relayed frame, net of quiet",
            "µs",
            net,
        );
        s.put(
            "loadgen_cpu_us_per_frame",
            "load generator CPU per relayed frame",
            "µs",
            Some(used.me_s * 1e6 / o.delivered as f64),
        );
    }
    close_out(&mut s, &ctx.stats.snapshot().since(&st0));
    s
}

// ---------------------------------------------------------------------------------
// fan-out

/// R rooms of two players, each watched by S spectators (`/ws?watch=<room>`): the
/// players take turns sending a `face`; measured is the time until every other member,
/// spectators included, has the `movement`, and the server CPU per delivered copy.
pub async fn fanout(ctx: &Arc<Ctx>) -> Section {
    let mut s = Section::new("fanout");
    let st0 = ctx.stats.snapshot();
    let (rooms, rest) = connect_rooms(ctx, ctx.sizes.fanout_rooms, "fan-out: players").await;
    ctx.leave_all(rest).await;
    let per_room = ctx.sizes.fanout_spectators;
    let watchers = ctx.players(rooms.len() * per_room).await;
    let bar = ctx.bar(watchers.len() as u64, "fan-out: spectators");
    let mut watchers = watchers.into_iter();
    let mut groups = Vec::with_capacity(rooms.len());
    let mut spectators = 0u64;
    for mut members in rooms {
        let room = members[0].hi.room.clone();
        let mine: Vec<(String, Option<String>)> = watchers.by_ref().take(per_room).collect();
        let opened: Vec<Option<Conn>> = stream::iter(mine)
            .map(|(_, token)| {
                let (room, stats, bar) = (room.clone(), ctx.stats.clone(), bar.clone());
                async move {
                    let c =
                        Conn::watch(&ctx.target, token.as_deref(), &room, ctx.heartbeat(), stats)
                            .await;
                    bar.inc(1);
                    c.map_err(|e| ctx.stats.error(format!("watch: {e}"))).ok()
                }
            })
            .buffer_unordered(ctx.sizes.connect_concurrency.max(1))
            .collect()
            .await;
        let opened: Vec<Conn> = opened.into_iter().flatten().collect();
        spectators += opened.len() as u64;
        members.extend(opened);
        groups.push(members);
    }
    bar.finish_and_clear();
    let n = groups.len();
    if spectators == 0 {
        s.notes
            .push("no spectator could connect (does the server support /ws?watch=?)".into());
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let cpu = Cpu::start(ctx);
    let (conns, o) = run_relay(groups, 2, ctx.sizes.relay_for, ctx.sizes.relay_interval).await;
    let used = cpu.stop(ctx);
    ctx.leave_all(conns).await;
    s.count("spectators", "spectators watching", spectators);
    put_relay(&mut s, n, ctx.sizes.relay_interval, &o);
    Cpu::put(&used, &mut s);
    if o.delivered > 0 {
        s.put(
            "server_cpu_us_per_copy",
            "server CPU per delivered copy",
            "µs",
            used.server_s.map(|c| c * 1e6 / o.delivered as f64),
        );
    }
    close_out(&mut s, &ctx.stats.snapshot().since(&st0));
    s
}

// ---------------------------------------------------------------------------------
// mixed

/// Relay rooms, rounds rooms and idle connections at once for `mixed_for`, with a
/// matchmaking burst a third of the way in. Groups connect one after another so each
/// fills its own rooms.
pub async fn mixed(ctx: &Arc<Ctx>) -> Section {
    let mut s = Section::new("mixed");
    let st0 = ctx.stats.snapshot();
    let sz = ctx.sizes.clone();
    let (relay_rooms, r1) = connect_rooms(ctx, sz.relay_rooms, "mixed: relay rooms").await;
    let (round_rooms, r2) = connect_rooms(ctx, sz.rounds_rooms, "mixed: rounds rooms").await;
    let idle_players = ctx.players(sz.idle_conns.div_ceil(2) * 2).await;
    let idle = ctx
        .connect_all(
            idle_players,
            ctx.heartbeat(),
            sz.connect_concurrency,
            "mixed: idle",
        )
        .await;
    let burst_players = ctx.players(sz.burst_clients.div_ceil(2) * 2).await;
    let (n_relay, n_rounds, n_idle) = (relay_rooms.len(), round_rooms.len(), idle.len());

    let cpu = Cpu::start(ctx);
    let hold_start = ctx.stats.snapshot();
    let burst_ctx = ctx.clone();
    let burst_at = sz.mixed_for / 3;
    let burst = tokio::spawn(async move {
        tokio::time::sleep(burst_at).await;
        run_burst(&burst_ctx, burst_players).await
    });
    let ((relay_conns, relay), (round_conns, rounds), ()) = tokio::join!(
        run_relay(relay_rooms, usize::MAX, sz.mixed_for, sz.relay_interval),
        run_rounds(round_rooms, sz.skip_choice_pct, sz.mixed_for),
        ctx.hold(sz.mixed_for, "mixed: running"),
    );
    let burst = burst.await.ok();
    let in_hold = ctx.stats.snapshot().since(&hold_start);
    let used = cpu.stop(ctx);

    s.count("idle_conns", "idle connections", n_idle as u64);
    s.count(
        "unexpected_closes",
        "unexpected closes while running",
        in_hold.unexpected_total(),
    );
    s.prefixed("relay", |s| {
        put_relay(s, n_relay, sz.relay_interval, &relay)
    });
    s.prefixed("rounds", |s| put_rounds(s, n_rounds, &rounds));
    if let Some(b) = &burst {
        s.prefixed("burst", |s| {
            put_burst(s, b, sz.burst_clients.div_ceil(2) * 2)
        });
    }
    Cpu::put(&used, &mut s);

    let mut everyone: Vec<Conn> = Vec::new();
    everyone.extend(relay_conns);
    everyone.extend(round_conns);
    everyone.extend(idle);
    everyone.extend(r1);
    everyone.extend(r2);
    if let Some(b) = burst {
        everyone.extend(b.conns);
    }
    ctx.leave_all(everyone).await;
    close_out(&mut s, &ctx.stats.snapshot().since(&st0));
    s
}
