//! Where a run's time goes (`--timings`): each phase's wall-clock time and the peak memory after
//! it.

use std::time::{Duration, Instant};

/// Wall-clock time of each phase, with the peak memory after it (`--timings`).
#[derive(Debug, Clone, Default)]
pub struct Phases(pub Vec<(&'static str, Duration, Option<u64>)>);

impl Phases {
    /// Runs `work`, adding its time to phase `name`.
    pub fn time<T>(&mut self, name: &'static str, work: impl FnOnce() -> T) -> T {
        let start = Instant::now();
        let out = work();
        self.add(name, start.elapsed());
        out
    }

    /// Adds `spent` to phase `name` and notes the peak memory so far.
    pub fn add(&mut self, name: &'static str, spent: Duration) {
        let peak = peak_rss_mib();
        match self.0.iter_mut().find(|(n, _, _)| *n == name) {
            Some((_, total, at)) => {
                *total += spent;
                *at = peak;
            }
            None => self.0.push((name, spent, peak)),
        }
    }

    /// One line: `collect 0.123 s, peak 42 MiB; ...; total 1.234 s`.
    pub fn summary(&self) -> String {
        let parts: Vec<String> = self
            .0
            .iter()
            .map(|(name, d, peak)| {
                let peak = peak.map(|m| format!(", peak {m} MiB")).unwrap_or_default();
                format!("{name} {:.3} s{peak}", d.as_secs_f64())
            })
            .collect();
        let total: Duration = self.0.iter().map(|(_, d, _)| *d).sum();
        format!("{}; total {:.3} s", parts.join("; "), total.as_secs_f64())
    }
}

/// The process's peak resident memory so far, in MiB (Linux `VmHWM`), when it can be read.
fn peak_rss_mib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024)
}

/// How long [`collect_facts`](super::collect_facts) spent reading sources and deriving.
#[derive(Debug, Clone, Copy, Default)]
pub struct CollectTimings {
    /// Reading and parsing every source, and concatenating the parts.
    pub collect: Duration,
    /// Deriving.
    pub derive: Duration,
}
