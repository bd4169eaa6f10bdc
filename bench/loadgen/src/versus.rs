//! The three-server comparison (issue #19): a matchmaking burst, an idle hold and timed
//! rounds, run by the same code against Edge Arena and the two reference servers in
//! `../shared/peers/`. Only [`Dialect`] differs between them; every figure here is
//! measured the same way for all three, so ratios between them mean something.
//!
//! - `vs_burst`: every client asks for a seat at the same moment (tokens fetched
//!   before); matches/s = rooms whose `start` arrived ÷ (first ask → last `start`).
//! - `vs_idle`: clients take seats (the first round starts and ends), then hold their
//!   sockets with a heartbeat; memory per connection and server CPU.
//! - `vs_rounds`: rooms play a fixed number of rounds. Each player sends its hand at a
//!   random moment in the first half of the round as it sees the round (from its
//!   `start` arriving), and after each `result` asks for the next round.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::Mutex as StdMutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use futures_util::stream;

use crate::dialect::{Dialect, Player, Seen};
use crate::procstat::{ProcRss, ProcSample, StealMeter};
use crate::proto::Hand;
use crate::report::{Hist, Samples, Section};
use crate::scenarios::{Ctx, Rng, close_out};

/// Names and tickets (Edge Arena's guest tokens) for `n` players, fetched before
/// anything is measured: the clients "had tokens in hand".
async fn tickets(ctx: &Ctx, dialect: Dialect, n: usize) -> Vec<(String, Option<String>)> {
    let bar = ctx.bar(n as u64, "tickets");
    let out = stream::iter(0..n)
        .map(|_| {
            let bar = bar.clone();
            async move {
                let name = ctx.fresh_name();
                let ticket = dialect
                    .ticket(&ctx.target, &name)
                    .await
                    .map_err(|e| ctx.stats.error(e))
                    .ok()
                    .flatten();
                bar.inc(1);
                (name, ticket)
            }
        })
        .buffer_unordered(16)
        .collect()
        .await;
    bar.finish_and_clear();
    out
}

/// One player asks for a seat; a failure is counted and gives `None`.
async fn join_one(ctx: &Ctx, dialect: Dialect, name: &str, ticket: Option<&str>) -> Option<Player> {
    Player::join(
        dialect,
        &ctx.target,
        name,
        ticket,
        ctx.heartbeat(),
        ctx.stats.clone(),
    )
    .await
    .map_err(|e| ctx.stats.error(e))
    .ok()
}

/// Every player asks for a seat, at most `concurrency` at a time.
async fn join_all(
    ctx: &Ctx,
    dialect: Dialect,
    who: Vec<(String, Option<String>)>,
    concurrency: usize,
    what: &str,
) -> Vec<Player> {
    let bar = ctx.bar(who.len() as u64, what);
    let players: Vec<Option<Player>> = stream::iter(who)
        .map(|(name, ticket)| {
            let bar = bar.clone();
            async move {
                let p = join_one(ctx, dialect, &name, ticket.as_deref()).await;
                bar.inc(1);
                p
            }
        })
        .buffer_unordered(concurrency.max(1))
        .collect()
        .await;
    bar.finish_and_clear();
    players.into_iter().flatten().collect()
}

async fn leave_all(players: Vec<Player>) {
    stream::iter(players)
        .for_each_concurrent(64, |p| p.leave())
        .await;
}

/// Waits up to `limit` for a player's first `start`: when it came, and its room.
async fn first_start(p: &mut Player, limit: Duration) -> Option<(Instant, String)> {
    tokio::time::timeout(limit, async {
        while let Some((at, seen)) = p.events.recv().await {
            match seen {
                Seen::Start { room, .. } => return Some((at, room)),
                Seen::Closed => return None,
                _ => {}
            }
        }
        None
    })
    .await
    .ok()
    .flatten()
}

fn server_cpu(a: Option<ProcSample>, b: Option<ProcSample>) -> Option<f64> {
    Some((b?.cpu_s - a?.cpu_s).max(0.0))
}

// ---------------------------------------------------------------------------------
// vs_burst

pub async fn burst(ctx: &Arc<Ctx>, dialect: Dialect) -> Section {
    let mut s = Section::new("vs_burst");
    let steal = StealMeter::start();
    let st0 = ctx.stats.snapshot();
    let n = ctx.sizes.burst_clients.div_ceil(2) * 2;
    let who = tickets(ctx, dialect, n).await;
    let cpu0 = ctx.probe.sample();
    let each0 = ctx.probe.cpu_each();
    let t0 = Instant::now();
    let tasks: Vec<_> = who
        .into_iter()
        .map(|(name, ticket)| {
            let ctx = ctx.clone();
            tokio::spawn(async move {
                let mut p = join_one(&ctx, dialect, &name, ticket.as_deref()).await?;
                let start = first_start(&mut p, Duration::from_secs(30)).await;
                if start.is_none() {
                    ctx.stats.error("burst: no start within 30 s");
                }
                Some((p, start))
            })
        })
        .collect();
    let mut rooms = std::collections::HashSet::new();
    let mut to_start = Hist::default();
    let mut last = t0;
    let mut players = Vec::new();
    for t in tasks {
        let Ok(Some((p, start))) = t.await else {
            continue;
        };
        if let Some((at, room)) = start {
            to_start.record(at - p.asked);
            rooms.insert(room);
            last = last.max(at);
        }
        players.push(p);
    }
    let cpu1 = ctx.probe.sample();
    let each1 = ctx.probe.cpu_each();
    let workerd_s = workerd_cpu_s(&each0, &each1, t0.elapsed(), "vs_burst");
    let span = last - t0;
    s.count("clients", "clients asking at once", n as u64);
    s.count(
        "matched_rooms",
        "rooms that got a start",
        rooms.len() as u64,
    );
    s.put(
        "span_s",
        "first ask → last start",
        "s",
        Some(span.as_secs_f64()),
    );
    let rate = (!span.is_zero()).then(|| rooms.len() as f64 / span.as_secs_f64());
    s.put("matches_per_s", "matches/s", "1/s", rate);
    let cpu = server_cpu(cpu0, cpu1);
    s.put("server_cpu_s", "server CPU (user+sys)", "s", cpu);
    s.put(
        "server_cpu_ms_per_match",
        "server CPU per match",
        "ms",
        cpu.filter(|_| !rooms.is_empty())
            .map(|c| c * 1000.0 / rooms.len() as f64),
    );
    // Without wrangler dev's own node and esbuild, which the platform does not run.
    s.put(
        "server_cpu_ms_per_match_workerd",
        "server CPU per match, workerd processes only",
        "ms",
        (ctx.probe.enabled() && !rooms.is_empty()).then(|| workerd_s * 1000.0 / rooms.len() as f64),
    );
    s.put(
        "time_to_start_p50_ms",
        "ask → start p50",
        "ms",
        to_start.ms(0.5),
    );
    s.put(
        "time_to_start_p99_ms",
        "ask → start p99",
        "ms",
        to_start.ms(0.99),
    );
    leave_all(players).await;
    put_steal(&mut s, &steal);
    close_out(&mut s, &ctx.stats.snapshot().since(&st0));
    s
}

// ---------------------------------------------------------------------------------
// vs_idle

/// KB per connection that the server's processes grew by between two samples: all of
/// them, and the one workerd process that grew most (the one running the Worker;
/// wrangler dev also runs a node process and a second workerd as its proxy).
fn growth_per_conn(before: &[ProcRss], after: &[ProcRss], conns: usize) -> (f64, f64) {
    let was = |pid: i32| before.iter().find(|p| p.pid == pid).map_or(0, |p| p.rss_kb);
    let total: i64 = after.iter().map(|p| p.rss_kb as i64).sum::<i64>()
        - before.iter().map(|p| p.rss_kb as i64).sum::<i64>();
    let user = after
        .iter()
        .filter(|p| p.name == "workerd")
        .map(|p| p.rss_kb as i64 - was(p.pid) as i64)
        .max()
        .unwrap_or(0);
    let n = conns.max(1) as f64;
    (total as f64 / n, user as f64 / n)
}

pub async fn idle(ctx: &Arc<Ctx>, dialect: Dialect) -> Section {
    let mut s = Section::new("vs_idle");
    let steal = StealMeter::start();
    let st0 = ctx.stats.snapshot();
    let n = ctx.sizes.idle_conns.div_ceil(2) * 2;

    // Warm-up: the first seats start the Worker and its objects; keep that out.
    let warm = tickets(ctx, dialect, 2).await;
    let mut warm = join_all(ctx, dialect, warm, 2, "warm-up").await;
    for p in &mut warm {
        first_start(p, Duration::from_secs(10)).await;
    }
    leave_all(warm).await;
    tokio::time::sleep(Duration::from_secs(2)).await;

    let who = tickets(ctx, dialect, n).await;
    let before = ctx.probe.each();
    let cpu0 = ctx.probe.sample();
    let t0 = Instant::now();
    let mut players = join_all(
        ctx,
        dialect,
        who,
        ctx.sizes.connect_concurrency,
        "idle: seating",
    )
    .await;
    // Seated: each room's first round started (and, a second later, ends).
    let mut seated = 0u64;
    for p in &mut players {
        if first_start(p, Duration::from_secs(10)).await.is_some() {
            seated += 1;
        }
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    let up = ctx.probe.each();
    let hold_cpu0 = ctx.probe.sample();
    let hold_t0 = Instant::now();
    let hold_stats = ctx.stats.snapshot();
    // The first half of the hold still carries the tail of seating (Edge Arena's rooms
    // deliver the first round's records to the stats shards up to STATS_FLUSH_MS
    // later); the second half is the quiet that idle connections cost.
    let half = ctx.sizes.idle_hold / 2;
    ctx.hold(half, "idle: holding").await;
    let settled_cpu0 = ctx.probe.sample();
    let settled_each0 = ctx.probe.cpu_each();
    let settled_t0 = Instant::now();
    ctx.hold(ctx.sizes.idle_hold - half, "idle: holding").await;
    let held = ctx.probe.each();
    let cpu1 = ctx.probe.sample();
    let settled_each1 = ctx.probe.cpu_each();
    let in_hold = ctx.stats.snapshot().since(&hold_stats);
    let (all_s, hold_s, settled_s) = (t0.elapsed(), hold_t0.elapsed(), settled_t0.elapsed());
    let connected = players.len();
    leave_all(players).await;

    s.count("conns", "connections asked", n as u64);
    s.count("connected", "connections up", connected as u64);
    s.count("seated", "connections whose round started", seated);
    s.put("hold_s", "held for", "s", Some(hold_s.as_secs_f64()));
    s.count(
        "unexpected_closes",
        "unexpected closes during the hold",
        in_hold.unexpected_total(),
    );
    if ctx.probe.enabled() && connected > 0 {
        let (all_up, user_up) = growth_per_conn(&before, &up, connected);
        s.put(
            "mem_per_conn_kb_up",
            "memory per idle conn, all processes (up)",
            "KB",
            Some(all_up),
        );
        s.put(
            "mem_per_conn_kb_user_up",
            "memory per idle conn, the Worker's workerd (up)",
            "KB",
            Some(user_up),
        );
        if in_hold.unexpected_total() == 0 {
            let (all_held, user_held) = growth_per_conn(&before, &held, connected);
            s.put(
                "mem_per_conn_kb_held",
                "memory per idle conn, all processes (end of hold)",
                "KB",
                Some(all_held),
            );
            s.put(
                "mem_per_conn_kb_user_held",
                "memory per idle conn, the Worker's workerd (end of hold)",
                "KB",
                Some(user_held),
            );
        }
    }
    let pct = |cpu: Option<f64>, wall: Duration| cpu.map(|c| c * 100.0 / wall.as_secs_f64());
    s.put(
        "server_cpu_pct_all",
        "server CPU, seating and hold (% of a core)",
        "%",
        pct(server_cpu(cpu0, cpu1), all_s),
    );
    s.put(
        "server_cpu_pct_hold",
        "server CPU, hold only (% of a core)",
        "%",
        pct(server_cpu(hold_cpu0, cpu1), hold_s),
    );
    s.put(
        "server_cpu_pct_settled",
        "server CPU, second half of the hold (% of a core)",
        "%",
        pct(server_cpu(settled_cpu0, cpu1), settled_s),
    );
    // The same, the workerd processes only (the Worker and wrangler's proxy): the rest
    // is wrangler dev's own node and esbuild, which the platform does not run.
    let workerd_s = workerd_cpu_s(
        &settled_each0,
        &settled_each1,
        settled_s,
        "vs_idle, second half of the hold",
    );
    if ctx.probe.enabled() {
        s.put(
            "server_cpu_pct_settled_workerd",
            "server CPU, second half of the hold, workerd only (% of a core)",
            "%",
            Some(workerd_s * 100.0 / settled_s.as_secs_f64()),
        );
    }
    put_steal(&mut s, &steal);
    close_out(&mut s, &ctx.stats.snapshot().since(&st0));
    s
}

/// CPU the workerd processes (the Worker's and wrangler's proxy's) used between two
/// readings, in seconds. Each server process's share of `wall` goes to the log, to
/// tell where the server's CPU went (`label` names the stretch).
fn workerd_cpu_s(
    before: &[crate::procstat::ProcCpu],
    after: &[crate::procstat::ProcCpu],
    wall: Duration,
    label: &str,
) -> f64 {
    let mut workerd_s = 0.0;
    for p in after {
        let was = before
            .iter()
            .find(|q| q.pid == p.pid)
            .map_or(0.0, |q| q.cpu_s);
        let used = (p.cpu_s - was).max(0.0);
        if p.name == "workerd" {
            workerd_s += used;
        }
        eprintln!(
            "{label}: {} (pid {}) {:.2} % of a core: {}",
            p.name,
            p.pid,
            used * 100.0 / wall.as_secs_f64(),
            p.cmd
        );
    }
    workerd_s
}

// ---------------------------------------------------------------------------------
// vs_rounds

/// What one player saw over its rounds.
#[derive(Default)]
struct Played {
    results: u64,
    /// Hands sent within the first 90 % of the round as the player saw it.
    in_time: u64,
    /// Of those, the ones the result did not count.
    refused: u64,
    /// result arrival − start arrival: the time the player had.
    had: Hist,
    /// result arrival − (start arrival + ends_in_ms).
    lateness: Samples,
    /// `had`, the player's first round only (its `start` follows the socket's
    /// handshake) and every later one (its `start` follows an `again`).
    had_first: Hist,
    had_later: Hist,
    /// `lateness` of later rounds only.
    lateness_later: Samples,
    /// Each result's arrival, lateness (µs) and room, to see when in the run the late
    /// ones came and which objects their rooms live in.
    arrivals: Vec<Arrival>,
}

impl Played {
    fn add(&mut self, o: Played) {
        self.results += o.results;
        self.in_time += o.in_time;
        self.refused += o.refused;
        self.had.add(&o.had);
        self.lateness.add(&o.lateness);
        self.had_first.add(&o.had_first);
        self.had_later.add(&o.had_later);
        self.lateness_later.add(&o.lateness_later);
        self.arrivals.extend(o.arrivals);
    }
}

/// One result as a player received it.
struct Arrival {
    at: Instant,
    late_us: i64,
    room: String,
}

/// A round as one player saw it, and the hand planned for it.
struct RoundSeen {
    room: String,
    /// When its `start` arrived.
    start: Instant,
    ends_in_ms: u64,
    hand: Hand,
    /// When the hand is due to go out.
    send_at: Instant,
    /// The task that sends it: when it went out, if it did.
    sending: tokio::task::JoinHandle<Option<Instant>>,
}

/// When each seat of a room saw each round's `start`, for the skew between seats.
type Starts = Arc<StdMutex<HashMap<(String, u64), Vec<Instant>>>>;

/// One player's rounds: a hand at a random moment in the first half of each round, the
/// next round asked for after each result, until `rounds` results.
async fn play(mut p: Player, rounds: u64, seed: u64, starts: Starts) -> (Player, Played) {
    let mut out = Played::default();
    let mut rng = Rng::new(seed);
    let outbox = p.outbox();
    let mut current: HashMap<u64, RoundSeen> = HashMap::new();
    let limit = Instant::now() + Duration::from_secs(30 + rounds * 10);
    while out.results < rounds {
        let Ok(Some((at, seen))) = tokio::time::timeout_at(limit.into(), p.events.recv()).await
        else {
            break;
        };
        match seen {
            Seen::Start {
                room,
                round,
                ends_in_ms,
            } => {
                starts
                    .lock()
                    .unwrap()
                    .entry((room.clone(), round))
                    .or_default()
                    .push(at);
                let hand = Hand::ALL[rng.below(3) as usize];
                let send_at = at + Duration::from_millis(rng.below(ends_in_ms / 2 + 1));
                let outbox = outbox.clone();
                let frame = hand.choice_frame();
                let sending = tokio::spawn(async move {
                    tokio::time::sleep_until(send_at.into()).await;
                    let went = Instant::now();
                    outbox.send(&frame).await.then_some(went)
                });
                let seen = RoundSeen {
                    room,
                    start: at,
                    ends_in_ms,
                    hand,
                    send_at,
                    sending,
                };
                current.insert(round, seen);
            }
            Seen::Result { round, mine } => {
                out.results += 1;
                if let Some(seen) = current.remove(&round) {
                    let (st, ends) = (seen.start, seen.ends_in_ms);
                    let first = out.results == 1;
                    out.had.record(at - st);
                    match first {
                        true => out.had_first.record(at - st),
                        false => out.had_later.record(at - st),
                    }
                    let due = st + Duration::from_millis(ends);
                    let late_us = match at.checked_duration_since(due) {
                        Some(late) => late.as_micros() as i64,
                        None => -(due.duration_since(at).as_micros() as i64),
                    };
                    out.lateness.record_us(late_us);
                    out.arrivals.push(Arrival {
                        at,
                        late_us,
                        room: seen.room.clone(),
                    });
                    if !first {
                        out.lateness_later.record_us(late_us);
                    }
                    // A hand not yet due when the result came (its moment was past the
                    // round's end) is not sent at all: it would only be refused and
                    // hold up the next round.
                    let went = if seen.send_at <= at {
                        seen.sending.await.ok().flatten()
                    } else {
                        seen.sending.abort();
                        None
                    };
                    let in_time = went
                        .is_some_and(|w| w < st + Duration::from_millis(ends * 9 / 10) && w < at);
                    if in_time {
                        out.in_time += 1;
                        if mine != Some(seen.hand) {
                            out.refused += 1;
                        }
                    }
                }
                if out.results < rounds {
                    p.again().await;
                }
            }
            Seen::Refused(_) => {}
            Seen::Closed => break,
        }
    }
    (p, out)
}

pub async fn rounds(ctx: &Arc<Ctx>, dialect: Dialect) -> Section {
    let mut s = Section::new("vs_rounds");
    let steal = StealMeter::start();
    let st0 = ctx.stats.snapshot();
    let n = ctx.sizes.rounds_rooms * 2;
    let rounds = ctx.sizes.rounds_per_room.max(1);
    let who = tickets(ctx, dialect, n).await;
    let starts: Starts = Arc::default();
    let t0 = Instant::now();
    let t0_unix_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    let stop_watching = Arc::new(AtomicBool::new(false));
    let stalls = watch_for_stalls(t0, stop_watching.clone());
    let cpu0 = ctx.probe.sample();
    // Each player plays as soon as it has asked for its seat: the first rounds begin
    // while later players are still connecting, for every server alike.
    let bar = ctx.bar(n as u64, "rounds: playing");
    let tasks: Vec<_> = stream::iter(who.into_iter().enumerate())
        .map(|(i, (name, ticket))| {
            let ctx = ctx.clone();
            let starts = starts.clone();
            let bar = bar.clone();
            async move {
                let p = join_one(&ctx, dialect, &name, ticket.as_deref()).await;
                bar.inc(1);
                p.map(|p| tokio::spawn(play(p, rounds, i as u64 + 1, starts)))
            }
        })
        .buffer_unordered(ctx.sizes.connect_concurrency.max(1))
        .collect::<Vec<_>>()
        .await;
    bar.finish_and_clear();
    let mut all = Played::default();
    let mut players = Vec::new();
    for t in tasks.into_iter().flatten() {
        if let Ok((p, o)) = t.await {
            all.add(o);
            players.push(p);
        }
    }
    let cpu1 = ctx.probe.sample();
    leave_all(players).await;
    stop_watching.store(true, Ordering::Relaxed);
    let steal_at_second = stalls.await.unwrap_or_default();
    log_lateness_by_second(t0, t0_unix_ms, &all.arrivals, &steal_at_second);

    let mut skew = Hist::default();
    for seen in starts.lock().unwrap().values() {
        if let [a, b] = seen.as_slice() {
            skew.record(if a > b { *a - *b } else { *b - *a });
        }
    }
    s.count("rooms", "rooms asked for", ctx.sizes.rounds_rooms as u64);
    s.count("results", "results received", all.results);
    s.count(
        "choices_in_time",
        "hands sent within the first 90 % of the round",
        all.in_time,
    );
    s.count(
        "choices_refused",
        "of them, not counted in the result",
        all.refused,
    );
    // The time a player had, in the order the reports have always listed it.
    let had = [
        ("had_p1_ms", "start → result arrival p1", &all.had, 0.01),
        ("had_p50_ms", "start → result arrival p50", &all.had, 0.5),
        (
            "had_first_p1_ms",
            "start → result arrival p1, first rounds",
            &all.had_first,
            0.01,
        ),
        (
            "had_later_p1_ms",
            "start → result arrival p1, later rounds",
            &all.had_later,
            0.01,
        ),
        ("had_min_ms", "start → result arrival min", &all.had, 0.0),
    ];
    for (key, label, hist, q) in had {
        s.put(key, label, "ms", hist.ms(q));
    }
    let mut late = Section::new("");
    late.signed("lateness", "result lateness", &all.lateness);
    late.signed(
        "lateness_later",
        "result lateness, later rounds",
        &all.lateness_later,
    );
    for key in [
        "lateness_p50_ms",
        "lateness_p99_ms",
        "lateness_min_ms",
        "lateness_later_p99_ms",
    ] {
        if let Some(m) = late.metrics.iter().find(|m| m.key == key) {
            s.put(key, &m.label, "ms", m.value);
        }
    }
    s.put(
        "start_skew_p50_ms",
        "start skew between the two seats p50",
        "ms",
        skew.ms(0.5),
    );
    s.put(
        "start_skew_p99_ms",
        "start skew between the two seats p99",
        "ms",
        skew.ms(0.99),
    );
    let settled = all.results / 2;
    s.put(
        "server_cpu_ms_per_round",
        "server CPU per round",
        "ms",
        server_cpu(cpu0, cpu1)
            .filter(|_| settled > 0)
            .map(|c| c * 1000.0 / settled as f64),
    );
    put_steal(&mut s, &steal);
    close_out(&mut s, &ctx.stats.snapshot().since(&st0));
    s
}

/// The machine's steal time over the scenario: a run in which the hypervisor took a
/// good part of the machine measured the machine, not the server (session 17: the one
/// run of a set whose lateness p99 was 20 times the others' had 35-40 % stolen during
/// its rounds, every other run under 1 %).
fn put_steal(s: &mut Section, steal: &StealMeter) {
    s.put(
        "steal_pct",
        "machine: CPU taken by the hypervisor (steal, % of all CPUs)",
        "%",
        steal.pct(),
    );
}

/// For the log: a task that sleeps 10 ms at a time and reports each wake-up more than
/// 20 ms late, timed from `t0`: a late result measured while this load generator itself
/// was held up says nothing about the server. It also reads the machine's steal time
/// (CPU the hypervisor gave to other guests while this one wanted it, /proc/stat) once
/// at the start of each second from `t0`, for [`log_lateness_by_second`]: a pause of
/// the whole machine delays every server alike.
fn watch_for_stalls(t0: Instant, stop: Arc<AtomicBool>) -> tokio::task::JoinHandle<Vec<u64>> {
    let off = std::env::var("LOADGEN_STALL_WATCH").is_ok_and(|v| v == "0");
    tokio::spawn(async move {
        // Steal ticks at the start of second 0, 1, 2, … (a second the task slept through
        // gets the next reading, so its steal counts in the second after it), and one
        // more when it stops.
        let mut steal_at_second = Vec::new();
        if off {
            return steal_at_second;
        }
        loop {
            let asked = Instant::now();
            let second = (asked - t0).as_secs() as usize;
            if steal_at_second.len() <= second
                && let Some(ticks) = crate::procstat::steal_ticks()
            {
                steal_at_second.resize(second + 1, ticks);
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
            let over = asked.elapsed().saturating_sub(Duration::from_millis(10));
            if over > Duration::from_millis(20) {
                eprintln!(
                    "vs_rounds: this load generator woke {:.0} ms late, {:.2} s into the rounds",
                    over.as_secs_f64() * 1000.0,
                    (asked - t0).as_secs_f64()
                );
            }
            if stop.load(Ordering::Relaxed) {
                // A last reading, where the last second the results came in ends.
                steal_at_second.extend(crate::procstat::steal_ticks());
                return steal_at_second;
            }
        }
    })
}

/// For the log: the results that arrived in each second from `t0`, with their highest
/// and 99th-percentile lateness and the machine's steal in that second, so a run whose
/// p99 is high shows whether its late results came together (one pause) or spread over
/// the run, and whether the machine was taken away then. A second with results over
/// 50 ms late also names the objects their rooms live in ([`object_of`]), and the first
/// line gives `t0` as a wall-clock time, to line the seconds up with traces taken
/// outside the load generator.
fn log_lateness_by_second(
    t0: Instant,
    t0_unix_ms: u128,
    arrivals: &[Arrival],
    steal_at_second: &[u64],
) {
    eprintln!("vs_rounds lateness: second 0 of the rounds began at unix time {t0_unix_ms} ms");
    let mut by_second: Vec<Vec<&Arrival>> = Vec::new();
    for arrival in arrivals {
        let second = (arrival.at - t0).as_secs() as usize;
        if by_second.len() <= second {
            by_second.resize(second + 1, Vec::new());
        }
        by_second[second].push(arrival);
    }
    let ms = |v: Option<f64>| v.unwrap_or(f64::NAN);
    for (second, arrived) in by_second.iter().enumerate() {
        if arrived.is_empty() {
            continue;
        }
        let mut late: Vec<i64> = arrived.iter().map(|a| a.late_us).collect();
        late.sort_unstable();
        let over_50ms = late.iter().filter(|&&us| us > 50_000).count();
        // Steal in this second, in ms summed over the machine's CPUs.
        let stolen_ms = match (steal_at_second.get(second), steal_at_second.get(second + 1)) {
            (Some(a), Some(b)) => (b - a) as f64 * 1000.0 / crate::procstat::clock_ticks(),
            _ => f64::NAN,
        };
        eprintln!(
            "vs_rounds lateness, second {second} of the rounds: {} results, p99 {:.1} ms, max {:.1} ms, {over_50ms} over 50 ms; {stolen_ms:.0} ms stolen{}",
            late.len(),
            ms(Samples::ms(&late, 0.99)),
            ms(Samples::ms(&late, 1.0)),
            late_objects(arrived)
        );
    }
}

/// ", late in: rps-0 ×38 (first at +412 ms), …" for the results over 50 ms late among
/// `arrived`, by the object their room lives in; empty if there are none.
fn late_objects(arrived: &[&Arrival]) -> String {
    let mut objects: Vec<(&str, usize, Instant)> = Vec::new();
    for a in arrived.iter().filter(|a| a.late_us > 50_000) {
        let object = object_of(&a.room);
        match objects.iter_mut().find(|(o, _, _)| *o == object) {
            Some((_, n, first)) => {
                *n += 1;
                *first = (*first).min(a.at);
            }
            None => objects.push((object, 1, a.at)),
        }
    }
    if objects.is_empty() {
        return String::new();
    }
    let second_began = arrived
        .iter()
        .map(|a| a.at)
        .min()
        .unwrap_or_else(Instant::now);
    objects.sort_by_key(|o| std::cmp::Reverse(o.1));
    let named: Vec<String> = objects
        .iter()
        .map(|(o, n, first)| {
            let after = first.saturating_duration_since(second_began).as_millis();
            format!("{o} ×{n} (first +{after} ms)")
        })
        .collect();
    format!("; late in: {}", named.join(", "))
}

/// The object a room lives in, as far as its name tells: Edge Arena names a
/// matchmaker's rooms `<game>-<shard>-<n>` and keeps them in the house `<game>-<shard>`
/// (`house_of` in src/house.rs). Any other name (the reference servers' rooms, a private
/// room) is given as it is: lobby-floor keeps every room in its one lobby object, and
/// partyserver each room in an object of its own.
fn object_of(room: &str) -> &str {
    match room.rsplit_once('-') {
        Some((house, n)) if house.contains('-') && n.bytes().all(|b| b.is_ascii_digit()) => house,
        _ => room,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_numbered_room_is_named_by_its_house_and_others_by_themselves() {
        assert_eq!(object_of("rps-0-40"), "rps-0");
        assert_eq!(object_of("dig-12-7"), "dig-12");
        // The reference servers' rooms and private rooms are their own names.
        assert_eq!(object_of("17"), "17");
        assert_eq!(object_of("room-abc"), "room-abc");
        assert_eq!(object_of("rps-0-x1"), "rps-0-x1");
    }

    #[test]
    fn late_results_are_counted_by_object_in_order_of_count() {
        let t = Instant::now();
        let arrival = |ms: u64, late_ms: i64, room: &str| Arrival {
            at: t + Duration::from_millis(ms),
            late_us: late_ms * 1000,
            room: room.into(),
        };
        let all = [
            arrival(0, 3, "rps-1-2"),
            arrival(400, 250, "rps-0-4"),
            arrival(410, 240, "rps-0-6"),
            arrival(420, 60, "rps-2-9"),
            arrival(500, 50, "rps-2-3"),
        ];
        let arrived: Vec<&Arrival> = all.iter().collect();
        assert_eq!(
            late_objects(&arrived),
            "; late in: rps-0 ×2 (first +400 ms), rps-2 ×1 (first +420 ms)"
        );
        assert_eq!(late_objects(&arrived[..1]), "");
    }

    fn proc(pid: i32, name: &str, rss_kb: u64) -> ProcRss {
        ProcRss {
            pid,
            name: name.into(),
            rss_kb,
        }
    }

    #[test]
    fn growth_counts_every_process_and_names_the_workers_own() {
        let before = [
            proc(1, "node", 100_000),
            proc(2, "workerd", 50_000),
            proc(3, "workerd", 40_000),
        ];
        let after = [
            proc(1, "node", 110_000),
            proc(2, "workerd", 60_000),
            proc(3, "workerd", 240_000),
        ];
        let (all, user) = growth_per_conn(&before, &after, 100);
        assert_eq!(all, 2200.0);
        assert_eq!(user, 2000.0);
        // A workerd that started after the first sample counts from nothing.
        let after = [proc(1, "node", 100_000), proc(4, "workerd", 30_000)];
        let (_, user) = growth_per_conn(&before[..1], &after, 10);
        assert_eq!(user, 3000.0);
    }
}
