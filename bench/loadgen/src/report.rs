//! Figures of a run: sections of named metrics, printed as a table and written as JSON;
//! and the comparison of two runs (the server against the floor).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};

/// Latencies in microseconds, 1 µs to 10 min, 3 significant digits.
pub struct Hist(Histogram<u64>);

impl Default for Hist {
    fn default() -> Self {
        Hist(Histogram::new_with_bounds(1, 600_000_000, 3).expect("valid bounds"))
    }
}

impl Hist {
    pub fn record_us(&mut self, us: u64) {
        let _ = self.0.record(us.clamp(1, 600_000_000));
    }

    pub fn record(&mut self, d: std::time::Duration) {
        self.record_us(d.as_micros() as u64);
    }

    pub fn add(&mut self, other: &Hist) {
        let _ = self.0.add(&other.0);
    }

    pub fn len(&self) -> u64 {
        self.0.len()
    }

    /// The `q` quantile (0..=1) in milliseconds, or None without samples.
    pub fn ms(&self, q: f64) -> Option<f64> {
        (!self.0.is_empty()).then(|| self.0.value_at_quantile(q) as f64 / 1000.0)
    }

    pub fn max_ms(&self) -> Option<f64> {
        (!self.0.is_empty()).then(|| self.0.max() as f64 / 1000.0)
    }
}

/// Signed durations in microseconds, kept exactly (for alarm lateness, which can come
/// out below zero when the `start` frame itself reached us late).
#[derive(Default)]
pub struct Samples(Vec<i64>);

impl Samples {
    pub fn record_us(&mut self, us: i64) {
        self.0.push(us);
    }

    pub fn add(&mut self, other: &Samples) {
        self.0.extend_from_slice(&other.0);
    }

    /// Nearest-rank quantile in ms, of samples already sorted.
    pub fn ms(sorted: &[i64], q: f64) -> Option<f64> {
        if sorted.is_empty() {
            return None;
        }
        let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
        Some(sorted[rank - 1] as f64 / 1000.0)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Metric {
    pub key: String,
    pub label: String,
    pub unit: String,
    pub value: Option<f64>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Section {
    pub name: String,
    pub metrics: Vec<Metric>,
    /// Closes we did not ask for, by code.
    pub unexpected_closes: BTreeMap<String, u64>,
    /// `error` frames by code, and client-side failures.
    pub errors: BTreeMap<String, u64>,
    /// Notes for the reader (a part skipped, a caveat).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl Section {
    pub fn new(name: &str) -> Section {
        Section {
            name: name.to_string(),
            ..Section::default()
        }
    }

    pub fn put(&mut self, key: &str, label: &str, unit: &str, value: Option<f64>) {
        self.metrics.push(Metric {
            key: key.to_string(),
            label: label.to_string(),
            unit: unit.to_string(),
            value: value.filter(|v| v.is_finite()),
        });
    }

    pub fn count(&mut self, key: &str, label: &str, value: u64) {
        self.put(key, label, "", Some(value as f64));
    }

    /// p50/p99 (and p99.9 with `deep`) and max of a histogram, in ms.
    pub fn latencies(&mut self, key: &str, label: &str, h: &Hist, deep: bool) {
        self.count(&format!("{key}_n"), &format!("{label}: samples"), h.len());
        self.put(
            &format!("{key}_p50_ms"),
            &format!("{label} p50"),
            "ms",
            h.ms(0.5),
        );
        self.put(
            &format!("{key}_p99_ms"),
            &format!("{label} p99"),
            "ms",
            h.ms(0.99),
        );
        if deep {
            self.put(
                &format!("{key}_p999_ms"),
                &format!("{label} p99.9"),
                "ms",
                h.ms(0.999),
            );
        }
        self.put(
            &format!("{key}_max_ms"),
            &format!("{label} max"),
            "ms",
            h.max_ms(),
        );
    }

    /// n, p50, p99, min and max of signed samples, in ms.
    pub fn signed(&mut self, key: &str, label: &str, samples: &Samples) {
        let mut v = samples.0.clone();
        v.sort_unstable();
        self.count(
            &format!("{key}_n"),
            &format!("{label}: samples"),
            v.len() as u64,
        );
        for (name, q) in [("p50", 0.5), ("p99", 0.99), ("min", 0.0), ("max", 1.0)] {
            self.put(
                &format!("{key}_{name}_ms"),
                &format!("{label} {name}"),
                "ms",
                Samples::ms(&v, q),
            );
        }
    }

    /// Runs `f`, then prefixes the keys and labels of the metrics it added (so parts of
    /// the mixed scenario do not share keys).
    pub fn prefixed(&mut self, prefix: &str, f: impl FnOnce(&mut Section)) {
        let from = self.metrics.len();
        f(self);
        for m in &mut self.metrics[from..] {
            if !m.key.starts_with(&format!("{prefix}_")) {
                m.key = format!("{prefix}_{}", m.key);
            }
            m.label = format!("{prefix}: {}", m.label);
        }
    }

    pub fn get(&self, key: &str) -> Option<f64> {
        self.metrics.iter().find(|m| m.key == key)?.value
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Report {
    pub label: String,
    pub url: String,
    /// `guest-token` or `none` (the server had no /api/guest).
    pub auth: String,
    pub sections: Vec<Section>,
    /// Every figure as `section.key`, for jq.
    pub figures: BTreeMap<String, Option<f64>>,
}

impl Report {
    pub fn finish(&mut self) {
        self.figures = self
            .sections
            .iter()
            .flat_map(|s| {
                s.metrics
                    .iter()
                    .map(move |m| (format!("{}.{}", s.name, m.key), m.value))
            })
            .collect();
    }

    pub fn table(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "== {} ({}; auth: {})", self.label, self.url, self.auth);
        for s in &self.sections {
            let _ = writeln!(out, "-- {}", s.name);
            for m in &s.metrics {
                let _ = writeln!(out, "  {:<44} {:>14} {}", m.label, fmt(m.value), m.unit);
            }
            let _ = writeln!(
                out,
                "  {:<44} {:>14}",
                "unexpected closes",
                codes(&s.unexpected_closes)
            );
            let _ = writeln!(out, "  {:<44} {:>14}", "errors", codes(&s.errors));
            for n in &s.notes {
                let _ = writeln!(out, "  note: {n}");
            }
        }
        out
    }
}

fn codes(map: &BTreeMap<String, u64>) -> String {
    if map.is_empty() {
        return "none".into();
    }
    map.iter()
        .map(|(k, v)| format!("{k}×{v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn fmt(v: Option<f64>) -> String {
    match v {
        None => "n/a".into(),
        Some(v) if v == v.trunc() && v.abs() < 1e12 => format!("{v:.0}"),
        Some(v) if v.abs() >= 100.0 => format!("{v:.1}"),
        Some(v) if v.abs() >= 1.0 => format!("{v:.2}"),
        Some(v) => format!("{v:.3}"),
    }
}

/// What issue #8 asks of a figure.
enum Target {
    /// ours / floor at most this.
    RatioAtMost(f64),
    /// ours / floor at least this.
    RatioAtLeast(f64),
    /// ours at most this, whatever the floor does.
    AtMost(f64),
}

fn target(section: &str, key: &str) -> Option<Target> {
    Some(match (section, key) {
        ("idle", "unexpected_closes") => Target::AtMost(0.0),
        ("idle", "mem_per_conn_kb_up") | ("idle", "mem_per_conn_kb_held") => {
            Target::RatioAtMost(1.2)
        }
        ("burst", "matches_per_s") => Target::RatioAtLeast(0.9),
        ("relay", "relay_p50_ms") => Target::RatioAtMost(1.2),
        ("relay", "relay_p99_ms") => Target::RatioAtMost(1.5),
        ("relay", "server_cpu_us_per_frame") => Target::RatioAtMost(1.5),
        ("rounds", "lateness_p99_ms") => Target::AtMost(10.0),
        ("rounds", "wrong_results") => Target::AtMost(0.0),
        _ => return None,
    })
}

/// One row per figure of `ours`, with the floor's figure and the ratio.
pub fn compare(ours: &Report, floor: &Report, markdown: bool) -> String {
    let mut out = String::new();
    let mut notes = Vec::new();
    if markdown {
        let _ = writeln!(
            out,
            "| scenario | figure | {} | {} | ratio | target | met |",
            ours.label, floor.label
        );
        let _ = writeln!(out, "| --- | --- | ---: | ---: | ---: | --- | --- |");
    } else {
        let _ = writeln!(
            out,
            "{:<8} {:<40} {:>12} {:>12} {:>8}  {:<14} met",
            "scenario", "figure", ours.label, floor.label, "ratio", "target"
        );
    }
    for s in &ours.sections {
        let other = floor.sections.iter().find(|f| f.name == s.name);
        for m in &s.metrics {
            let theirs = other.and_then(|o| o.get(&m.key));
            let ratio = match (m.value, theirs) {
                (Some(a), Some(b)) if b != 0.0 => Some(a / b),
                _ => None,
            };
            // A ratio target only makes sense between two positive figures.
            let both_positive = m.value.is_some_and(|a| a > 0.0) && theirs.is_some_and(|b| b > 0.0);
            let (goal, met) = match target(&s.name, &m.key) {
                None => (String::new(), String::new()),
                Some(t) => {
                    let (goal, ok) = match t {
                        Target::RatioAtMost(x) => (
                            format!("≤{x}× floor"),
                            ratio.filter(|_| both_positive).map(|r| r <= x),
                        ),
                        Target::RatioAtLeast(x) => (
                            format!("≥{x}× floor"),
                            ratio.filter(|_| both_positive).map(|r| r >= x),
                        ),
                        Target::AtMost(x) => {
                            (format!("≤{}", fmt(Some(x))), m.value.map(|v| v <= x))
                        }
                    };
                    let met = match ok {
                        Some(true) => "yes",
                        Some(false) => "NO",
                        None => "n/a",
                    };
                    (goal, met.to_string())
                }
            };
            let unit = if m.unit.is_empty() {
                String::new()
            } else {
                format!(" ({})", m.unit)
            };
            let label = format!("{}{}", m.label, unit);
            let ratio = ratio
                .map(|r| format!("{r:.2}"))
                .unwrap_or_else(|| "–".into());
            if markdown {
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} | {} | {} | {} |",
                    s.name,
                    label,
                    fmt(m.value),
                    fmt(theirs),
                    ratio,
                    goal,
                    met
                );
            } else {
                let _ = writeln!(
                    out,
                    "{:<8} {:<40} {:>12} {:>12} {:>8}  {:<14} {}",
                    s.name,
                    label,
                    fmt(m.value),
                    fmt(theirs),
                    ratio,
                    goal,
                    met
                );
            }
        }
        for (who, sec) in [(&ours.label, Some(s)), (&floor.label, other)] {
            if let Some(sec) =
                sec.filter(|x| !x.unexpected_closes.is_empty() || !x.errors.is_empty())
            {
                notes.push(format!(
                    "{} {who}: unexpected closes {}; errors {}",
                    s.name,
                    codes(&sec.unexpected_closes),
                    codes(&sec.errors)
                ));
            }
            for n in sec.map(|x| x.notes.as_slice()).unwrap_or_default() {
                notes.push(format!("{} {who}: {n}", s.name));
            }
        }
    }
    if !notes.is_empty() {
        let _ = writeln!(out);
        for n in notes {
            let _ = writeln!(out, "{}{n}", if markdown { "- " } else { "" });
        }
    }
    out
}
