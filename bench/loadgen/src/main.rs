//! edge-arena-loadgen: drives an Edge Arena server (or the JS floor in bench/floor,
//! which speaks the same protocol subset) with simulated players, and reports
//! matchmaking, relay, alarm and memory figures as a table and as JSON.
//!
//!   edge-arena-loadgen run --url http://127.0.0.1:8787 --scenario idle,burst,rounds,relay \
//!       --server-pgid <pgid of wrangler dev> --label ours --json ours.json
//!   edge-arena-loadgen compare ours.json floor.json [--markdown]

mod conn;
mod dialect;
mod procstat;
mod proto;
mod report;
mod scenarios;
mod versus;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};

use crate::report::Report;

#[derive(Parser)]
#[command(version, about = "Load generator for Edge Arena (and its JS floor)")]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run scenarios against one server.
    Run(Box<RunArgs>),
    /// Print two runs' figures side by side with ratios (first / second) and targets.
    Compare {
        ours: PathBuf,
        floor: PathBuf,
        /// A Markdown table instead of plain columns.
        #[arg(long)]
        markdown: bool,
    },
}

#[derive(clap::Args)]
struct RunArgs {
    /// The server's base URL (plain http on loopback).
    #[arg(long, default_value = "http://127.0.0.1:8787")]
    url: String,
    /// Comma-separated: idle, burst, rounds, relay, mixed (or `all` = the first four);
    /// vs_burst, vs_idle, vs_rounds (or `versus` = those three), the three-server
    /// comparison, which alone speaks every --dialect.
    #[arg(long, default_value = "all")]
    scenario: String,
    /// How to speak to the server: ours, lobby-floor or partyserver
    /// (../shared/peers/; only the vs_* scenarios).
    #[arg(long, default_value = "ours")]
    dialect: String,
    /// Name of this server in the report.
    #[arg(long, default_value = "server")]
    label: String,
    /// Write the JSON report here (`-` for stdout; the table then goes to stderr).
    #[arg(long)]
    json: Option<PathBuf>,
    /// PIDs of the server's processes (comma-separated) for memory and CPU.
    #[arg(long, value_delimiter = ',')]
    server_pids: Vec<i32>,
    /// Or: every process in this process group (wrangler dev started with setsid).
    #[arg(long)]
    server_pgid: Option<i32>,
    /// No progress bars.
    #[arg(long)]
    quiet: bool,

    /// idle: connections to hold.
    #[arg(long, default_value_t = 200)]
    idle_conns: usize,
    /// Seconds between heartbeats of every connection (0: none).
    #[arg(long, default_value_t = 5.0)]
    heartbeat_s: f64,
    /// idle: seconds to hold the connections.
    #[arg(long, default_value_t = 20.0)]
    idle_hold_s: f64,
    /// burst: clients connecting at once (rounded up to even).
    #[arg(long, default_value_t = 200)]
    burst_clients: usize,
    /// burst: clients in an unmeasured burst first (they connect, get matched and leave),
    /// so the measured burst runs on code the JavaScript engine has already optimised.
    #[arg(long, default_value_t = 0)]
    burst_warmup: usize,
    /// rounds: rooms playing.
    #[arg(long, default_value_t = 20)]
    rounds_rooms: usize,
    /// vs_rounds: rounds each room plays.
    #[arg(long, default_value_t = 5)]
    rounds_per_room: u64,
    /// rounds: seconds of play.
    #[arg(long, default_value_t = 10.0)]
    rounds_s: f64,
    /// rounds: percent of hands deliberately not chosen (tests "no choice loses").
    #[arg(long, default_value_t = 10)]
    skip_choice_pct: u64,
    /// relay: rooms relaying faces.
    #[arg(long, default_value_t = 100)]
    relay_rooms: usize,
    /// relay: seconds of relaying.
    #[arg(long, default_value_t = 10.0)]
    relay_s: f64,
    /// relay: one face per room every this many ms (senders alternate; keep each
    /// player under the 10 frames/s limit).
    #[arg(long, default_value_t = 200)]
    relay_interval_ms: u64,
    /// fan-out: rooms of two players relaying faces to spectators (uses relay_s and
    /// relay_interval_ms).
    #[arg(long, default_value_t = 20)]
    fanout_rooms: usize,
    /// fan-out: spectators watching each room.
    #[arg(long, default_value_t = 10)]
    fanout_spectators: usize,
    /// mixed: seconds everything runs at once.
    #[arg(long, default_value_t = 15.0)]
    mixed_s: f64,
    /// Connections opened at once while setting up (not in burst).
    #[arg(long, default_value_t = 32)]
    connect_concurrency: usize,
}

fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s.max(0.0))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.cmd {
        Cmd::Compare {
            ours,
            floor,
            markdown,
        } => {
            let read = |p: &PathBuf| -> Result<Report, String> {
                let text =
                    std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))?;
                serde_json::from_str(&text).map_err(|e| format!("{}: {e}", p.display()))
            };
            match (read(&ours), read(&floor)) {
                (Ok(a), Ok(b)) => {
                    print!("{}", report::compare(&a, &b, markdown));
                    ExitCode::SUCCESS
                }
                (Err(e), _) | (_, Err(e)) => {
                    eprintln!("{e}");
                    ExitCode::FAILURE
                }
            }
        }
        Cmd::Run(args) => {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .expect("tokio runtime");
            rt.block_on(run(*args))
        }
    }
}

async fn run(args: RunArgs) -> ExitCode {
    let target = match conn::Target::parse(&args.url) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let mut wanted: Vec<String> = args
        .scenario
        .split(',')
        .map(|s| s.trim().to_lowercase())
        .filter(|s| !s.is_empty())
        .collect();
    if wanted.iter().any(|s| s == "all") {
        wanted = ["idle", "burst", "rounds", "relay"]
            .map(String::from)
            .to_vec();
    }
    if wanted.iter().any(|s| s == "versus") {
        // The idle hold first, on a fresh server: after the burst, the server's memory
        // already holds the burst's high-water mark (and Edge Arena's wasm memory never
        // shrinks), which would hide part of what the held connections take.
        wanted = ["vs_idle", "vs_burst", "vs_rounds"]
            .map(String::from)
            .to_vec();
    }
    let dialect = match dialect::Dialect::parse(&args.dialect) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    for w in &wanted {
        let versus = ["vs_burst", "vs_idle", "vs_rounds"].contains(&w.as_str());
        if !versus && !["idle", "burst", "rounds", "relay", "fanout", "mixed"].contains(&w.as_str())
        {
            eprintln!(
                "unknown scenario {w:?} (idle, burst, rounds, relay, fanout, mixed, all; \
                 vs_burst, vs_idle, vs_rounds, versus)"
            );
            return ExitCode::FAILURE;
        }
        if !versus && dialect != dialect::Dialect::Ours {
            eprintln!("scenario {w} speaks only Edge Arena's protocol; use the vs_* scenarios");
            return ExitCode::FAILURE;
        }
    }
    let sizes = scenarios::Sizes {
        idle_conns: args.idle_conns,
        heartbeat: secs(args.heartbeat_s),
        idle_hold: secs(args.idle_hold_s),
        burst_clients: args.burst_clients,
        burst_warmup: args.burst_warmup,
        rounds_rooms: args.rounds_rooms,
        rounds_for: secs(args.rounds_s),
        rounds_per_room: args.rounds_per_room,
        skip_choice_pct: args.skip_choice_pct.min(100),
        relay_rooms: args.relay_rooms,
        relay_for: secs(args.relay_s),
        relay_interval: Duration::from_millis(args.relay_interval_ms.max(1)),
        fanout_rooms: args.fanout_rooms,
        fanout_spectators: args.fanout_spectators,
        mixed_for: secs(args.mixed_s),
        connect_concurrency: args.connect_concurrency,
    };
    let probe = procstat::Probe {
        pids: args.server_pids.clone(),
        pgid: args.server_pgid,
    };
    let json_to_stdout = args.json.as_deref() == Some(std::path::Path::new("-"));
    let progress = !args.quiet;
    let ctx = scenarios::Ctx::new(target, probe, sizes, progress);

    let mut report = Report {
        label: args.label.clone(),
        url: args.url.clone(),
        ..Report::default()
    };
    for w in &wanted {
        if progress {
            eprintln!("[{}] {w} …", args.label);
        }
        let section = match w.as_str() {
            "idle" => scenarios::idle(&ctx).await,
            "burst" => scenarios::burst(&ctx).await,
            "rounds" => scenarios::rounds(&ctx).await,
            "relay" => scenarios::relay(&ctx).await,
            "fanout" => scenarios::fanout(&ctx).await,
            "vs_burst" => versus::burst(&ctx, dialect).await,
            "vs_idle" => versus::idle(&ctx, dialect).await,
            "vs_rounds" => versus::rounds(&ctx, dialect).await,
            _ => scenarios::mixed(&ctx).await,
        };
        report.sections.push(section);
        // Let the rooms empty and the matchmaker hear about it before the next one.
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    report.auth = match dialect {
        // The vs_* scenarios fetch tickets through the dialect, not `players`.
        dialect::Dialect::LobbyFloor | dialect::Dialect::Partyserver => "none".to_string(),
        dialect::Dialect::Ours if wanted.iter().all(|w| w.starts_with("vs_")) => {
            "guest-token".to_string()
        }
        dialect::Dialect::Ours => ctx.auth_mode().await.to_string(),
    };
    report.finish();

    let table = report.table();
    if json_to_stdout {
        eprint!("{table}");
    } else {
        print!("{table}");
    }
    let json = serde_json::to_string_pretty(&report).expect("report serialises");
    match &args.json {
        Some(_) if json_to_stdout => println!("{json}"),
        Some(path) => {
            if let Err(e) = std::fs::write(path, json + "\n") {
                eprintln!("{}: {e}", path.display());
                return ExitCode::FAILURE;
            }
        }
        None => {}
    }
    ExitCode::SUCCESS
}
