//! What every live step shares: its time limits, its errors, the cluster it is about, and running
//! clusters `--jobs` at a time.

use std::time::Duration;

use super::command;
use crate::facts::model::{ErrorKind, SourceKind};
use crate::facts::part::Part;
use crate::sources::read::input::error;

/// Time limit of one `az` or `kubectl` call.
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(300);

/// One `--aks` target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AksTarget {
    /// Resource group.
    pub resource_group: String,
    /// Cluster name.
    pub name: String,
}

impl AksTarget {
    /// Parses `RESOURCE_GROUP/NAME`.
    pub fn parse(text: &str) -> Result<Self, StepError> {
        match text.split_once('/') {
            Some((rg, name)) if !rg.is_empty() && !name.is_empty() && !name.contains('/') => Ok(AksTarget {
                resource_group: rg.into(),
                name: name.into(),
            }),
            _ => Err(StepError::Other(format!(
                "--aks `{text}`: expected RESOURCE_GROUP/NAME"
            ))),
        }
    }

    /// `rg/name`, lowercase: the key of the cluster's facts.
    pub fn cluster_key(&self) -> String {
        format!("{}/{}", self.resource_group, self.name).to_ascii_lowercase()
    }

    /// `live://aks/<rg>/<name>/<step>`.
    pub fn uri(&self, step: &str) -> String {
        format!("live://aks/{}/{}/{step}", self.resource_group, self.name)
    }
}

/// Runs `work` on every item, `jobs` at a time on their own threads (live steps wait on
/// subprocesses, not on the CPU), and returns the results in item order whatever the timing.
pub fn map_in_order<T: Sync, R: Send + Default>(jobs: usize, items: &[T], work: impl Fn(&T) -> R + Sync) -> Vec<R> {
    if items.is_empty() {
        return Vec::new();
    }
    let results: Vec<std::sync::Mutex<R>> = items.iter().map(|_| Default::default()).collect();
    let next = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..jobs.clamp(1, items.len()) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(item) = items.get(i) else { break };
                let done = work(item);
                if let Ok(mut slot) = results[i].lock() {
                    *slot = done;
                }
            });
        }
    });
    results
        .into_iter()
        .map(|r| r.into_inner().unwrap_or_default())
        .collect()
}

/// A part for `path` holding only the error of a step that failed.
pub fn step_error(kind: SourceKind, path: &str, message: impl std::fmt::Display) -> Part {
    Part::for_source(kind, path).with_error(error(kind, path, ErrorKind::Probe, message.to_string()))
}

/// Why a live step gave nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StepError {
    /// Its command failed.
    #[error(transparent)]
    Command(#[from] command::CommandError),
    /// The cluster's time was up before it started.
    #[error("skipped: the cluster's {0} s limit (--cluster-timeout) passed")]
    DeadlinePassed(u64),
    /// Anything else, in words.
    #[error("{0}")]
    Other(String),
}

/// The time left for a cluster's next step, or the reason there is none.
pub struct Deadline {
    /// When it passes.
    pub at: std::time::Instant,
    /// The whole time allowed.
    pub total: Duration,
}

impl Deadline {
    /// The time limit of the next command: its own limit or what is left, whichever is shorter.
    pub fn left(&self) -> Result<Duration, StepError> {
        let left = self.at.saturating_duration_since(std::time::Instant::now());
        if left.is_zero() {
            Err(StepError::DeadlinePassed(self.total.as_secs()))
        } else {
            Ok(left.min(COMMAND_TIMEOUT))
        }
    }
}
