//! Memory and CPU of the server processes (from /proc) and of this process (getrusage).

use std::fs;

/// Which processes make up the server: a fixed list, or every process of a process
/// group (the runner starts `wrangler dev` in its own group, so wrangler's node proxy
/// and its workerd children are all found, whatever they spawn later).
#[derive(Debug, Clone, Default)]
pub struct Probe {
    pub pids: Vec<i32>,
    pub pgid: Option<i32>,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct ProcSample {
    pub rss_kb: u64,
    pub cpu_s: f64,
    pub procs: usize,
}

impl Probe {
    pub fn enabled(&self) -> bool {
        !self.pids.is_empty() || self.pgid.is_some()
    }

    fn current_pids(&self) -> Vec<i32> {
        let mut pids = self.pids.clone();
        if let (Some(pgid), Ok(dir)) = (self.pgid, fs::read_dir("/proc")) {
            {
                for entry in dir.flatten() {
                    let Some(pid) = entry.file_name().to_str().and_then(|s| s.parse().ok()) else {
                        continue;
                    };
                    if stat_fields(pid).is_some_and(|f| f.pgrp == pgid) && !pids.contains(&pid) {
                        pids.push(pid);
                    }
                }
            }
        }
        pids
    }

    /// Sum of RSS and of user+system CPU over the server's processes right now.
    pub fn sample(&self) -> Option<ProcSample> {
        if !self.enabled() {
            return None;
        }
        let mut out = ProcSample::default();
        for pid in self.current_pids() {
            let Some(stat) = stat_fields(pid) else {
                continue;
            };
            out.cpu_s += stat.cpu_ticks as f64 / clock_ticks();
            out.rss_kb += rss_kb(pid).unwrap_or(0);
            out.procs += 1;
        }
        Some(out)
    }
}

/// One process's resident memory.
#[derive(Debug, Clone)]
pub struct ProcRss {
    pub pid: i32,
    pub name: String,
    pub rss_kb: u64,
}

impl Probe {
    /// Every server process with its name and RSS right now (to tell the process
    /// running the Worker from wrangler's own).
    pub fn each(&self) -> Vec<ProcRss> {
        self.current_pids()
            .into_iter()
            .filter_map(|pid| {
                let rss_kb = rss_kb(pid)?;
                Some(ProcRss {
                    pid,
                    name: comm(pid),
                    rss_kb,
                })
            })
            .collect()
    }
}

/// One process's CPU so far.
#[derive(Debug, Clone)]
pub struct ProcCpu {
    pub pid: i32,
    /// Its executable's name (`workerd`, `node`, `esbuild`).
    pub name: String,
    /// Its command line, shortened, for the log.
    pub cmd: String,
    pub cpu_s: f64,
}

impl Probe {
    /// Every server process with its user+system CPU seconds so far: wrangler dev runs
    /// node, esbuild and two workerd processes, and only workerd runs the Worker.
    pub fn cpu_each(&self) -> Vec<ProcCpu> {
        self.current_pids()
            .into_iter()
            .filter_map(|pid| {
                let stat = stat_fields(pid)?;
                let cmd = fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
                let cmd = String::from_utf8_lossy(&cmd)
                    .replace('\0', " ")
                    .chars()
                    .take(100)
                    .collect();
                Some(ProcCpu {
                    pid,
                    name: comm(pid),
                    cmd,
                    cpu_s: stat.cpu_ticks as f64 / clock_ticks(),
                })
            })
            .collect()
    }
}

/// A process's executable name (`/proc/<pid>/comm`), empty if it is gone.
fn comm(pid: i32) -> String {
    fs::read_to_string(format!("/proc/{pid}/comm"))
        .map(|n| n.trim().to_string())
        .unwrap_or_default()
}

struct Stat {
    pgrp: i32,
    cpu_ticks: u64,
}

fn stat_fields(pid: i32) -> Option<Stat> {
    let text = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may hold spaces and parentheses: fields start after the last ')'.
    let rest = &text[text.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // rest[0] is field 3 (state): pgrp is field 5, utime 14, stime 15.
    let pgrp = fields.get(2)?.parse().ok()?;
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(Stat {
        pgrp,
        cpu_ticks: utime + stime,
    })
}

fn rss_kb(pid: i32) -> Option<u64> {
    let text = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = text.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The machine's steal time so far, in clock ticks, summed over its CPUs: time the
/// hypervisor ran other guests while this one had work (the 8th value of /proc/stat's
/// `cpu` line, proc(5)).
pub fn steal_ticks() -> Option<u64> {
    let text = fs::read_to_string("/proc/stat").ok()?;
    let line = text.lines().find(|l| l.starts_with("cpu "))?;
    line.split_whitespace().nth(8)?.parse().ok()
}

/// The machine's steal time from a starting point, as a share of all its CPUs' time.
pub struct StealMeter {
    ticks: Option<u64>,
    at: std::time::Instant,
}

impl StealMeter {
    pub fn start() -> StealMeter {
        StealMeter {
            ticks: steal_ticks(),
            at: std::time::Instant::now(),
        }
    }

    /// Percent of the machine's CPU time since `start` that the hypervisor took.
    pub fn pct(&self) -> Option<f64> {
        let stolen_s = (steal_ticks()? - self.ticks?) as f64 / clock_ticks();
        let cpus = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
        let wall_s = self.at.elapsed().as_secs_f64();
        (wall_s > 0.0).then(|| stolen_s * 100.0 / (wall_s * cpus))
    }
}

pub fn clock_ticks() -> f64 {
    // SAFETY: sysconf has no preconditions.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if ticks > 0 { ticks as f64 } else { 100.0 }
}

/// User + system CPU seconds of this process so far.
pub fn self_cpu_s() -> f64 {
    // SAFETY: getrusage writes into the zeroed struct we pass and nothing else.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        if libc::getrusage(libc::RUSAGE_SELF, &mut usage) != 0 {
            return 0.0;
        }
        usage
    };
    let secs = |tv: libc::timeval| tv.tv_sec as f64 + tv.tv_usec as f64 / 1e6;
    secs(usage.ru_utime) + secs(usage.ru_stime)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_this_process() {
        let me = std::process::id() as i32;
        let probe = Probe {
            pids: vec![me],
            pgid: None,
        };
        let s = probe.sample().unwrap();
        assert_eq!(s.procs, 1);
        assert!(s.rss_kb > 0);
        assert!(self_cpu_s() >= 0.0);
        let cpu = probe.cpu_each();
        assert_eq!(cpu.len(), 1);
        assert_eq!(cpu[0].pid, me);
        assert!(!cpu[0].name.is_empty() && cpu[0].cpu_s >= 0.0);
    }

    #[test]
    fn reads_the_machines_steal_time() {
        let before = steal_ticks().expect("/proc/stat's cpu line has a steal value");
        let meter = StealMeter::start();
        std::thread::sleep(std::time::Duration::from_millis(20));
        let pct = meter.pct().expect("a share after some time");
        assert!((0.0..=100.0).contains(&pct), "{pct}");
        assert!(steal_ticks().unwrap() >= before);
    }
}
