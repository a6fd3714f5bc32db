//! Live sources: the user's own `az` and `kubectl`, run as subprocesses, with what they share.
//!
//! - [`aks`]: `--aks RESOURCE_GROUP/NAME`, one cluster (and the per-cluster steps of
//!   `--all-clusters`);
//! - [`inventory`]: `--all-clusters`, the clusters Azure Resource Graph lists;
//! - [`daemonset`]: `--daemonset NAMESPACE`, every node's facts through `kubectl exec`;
//! - [`vmss`]: `--node-certs`, node certificates through `az vmss run-command invoke`;
//! - [`command`]: running one program under a time limit, its output capped and redacted.
//!
//! Facts from live sources have paths like `live://aks/<rg>/<name>/show`: they came from no
//! file, so reports point at the facts document.

pub mod aks;
pub mod command;
pub mod daemonset;
pub mod inventory;
pub mod vmss;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::facts::model::{ErrorKind, SourceKind};
use crate::facts::part::Part;
use crate::sources::read::input::error;

/// How `kubelogin convert-kubeconfig -l` makes an Entra ID kubeconfig non-interactive.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum KubeLogin {
    /// The Azure CLI login the user already has (`az login`).
    #[default]
    AzureCli,
    /// Workload identity (`AZURE_CLIENT_ID`, `AZURE_TENANT_ID`, `AZURE_FEDERATED_TOKEN_FILE`).
    WorkloadIdentity,
    /// A managed identity (`--client-id` through `AZURE_CLIENT_ID` when user-assigned).
    Msi,
    /// A service principal (`AAD_SERVICE_PRINCIPAL_CLIENT_ID`, `AAD_SERVICE_PRINCIPAL_CLIENT_SECRET`).
    Spn,
}

impl KubeLogin {
    /// The `-l` value of `kubelogin convert-kubeconfig`.
    pub fn as_str(self) -> &'static str {
        crate::choice::Choice::name(self)
    }
}

impl crate::choice::Choice for KubeLogin {
    const ALL: &'static [KubeLogin] = &[
        KubeLogin::AzureCli,
        KubeLogin::WorkloadIdentity,
        KubeLogin::Msi,
        KubeLogin::Spn,
    ];

    fn name(self) -> &'static str {
        match self {
            KubeLogin::AzureCli => "azurecli",
            KubeLogin::WorkloadIdentity => "workloadidentity",
            KubeLogin::Msi => "msi",
            KubeLogin::Spn => "spn",
        }
    }

    fn help(self) -> &'static str {
        match self {
            KubeLogin::AzureCli => "The Azure CLI login you already have (`az login`)",
            KubeLogin::WorkloadIdentity => {
                "Workload identity (AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_FEDERATED_TOKEN_FILE)"
            }
            KubeLogin::Msi => "A managed identity",
            KubeLogin::Spn => {
                "A service principal (AAD_SERVICE_PRINCIPAL_CLIENT_ID, AAD_SERVICE_PRINCIPAL_CLIENT_SECRET)"
            }
        }
    }
}

/// How `--aks` and `--all-clusters` run the user's tools.
#[derive(Debug, Clone)]
pub struct LiveOptions {
    /// `--subscription` (repeatable): passed to every `az` call of `--aks` (one), and to
    /// Resource Graph to narrow `--all-clusters`.
    pub subscriptions: Vec<String>,
    /// `--management-group` (repeatable): narrows `--all-clusters`.
    pub management_groups: Vec<String>,
    /// `--inventory-only`: `--all-clusters` reads the inventory and runs no per-cluster step.
    pub inventory_only: bool,
    /// `--admin`: `az aks get-credentials --admin`.
    pub admin: bool,
    /// `--node-certs`: read node certificates with `az vmss run-command invoke`.
    pub node_certs: bool,
    /// `--jobs`: clusters scanned at the same time.
    pub jobs: usize,
    /// `--cluster-timeout`: the time all steps of one cluster may take together.
    pub cluster_timeout: std::time::Duration,
    /// `--login`: how Entra ID kubeconfigs are made non-interactive.
    pub login: KubeLogin,
    /// The `az` executable.
    pub az: PathBuf,
    /// The `kubectl` executable.
    pub kubectl: PathBuf,
    /// The `kubelogin` executable.
    pub kubelogin: PathBuf,
    /// Draw a progress indicator on stderr when it is a terminal.
    pub progress: bool,
}

impl Default for LiveOptions {
    fn default() -> Self {
        LiveOptions {
            subscriptions: Vec::new(),
            management_groups: Vec::new(),
            inventory_only: false,
            admin: false,
            node_certs: false,
            jobs: 4,
            cluster_timeout: std::time::Duration::from_secs(600),
            login: KubeLogin::AzureCli,
            az: "az".into(),
            kubectl: "kubectl".into(),
            kubelogin: "kubelogin".into(),
            progress: false,
        }
    }
}

/// The progress line on a terminal, one per process (there is one stderr): clusters done out of
/// all known so far, and the step running now.
static PROGRESS: std::sync::Mutex<Option<indicatif::ProgressBar>> = std::sync::Mutex::new(None);

/// Progress of live clusters on stderr, drawn only when it is a terminal and `enabled`.
pub mod progress {
    use std::io::IsTerminal;
    use std::time::Duration;

    use super::PROGRESS;

    /// `clusters` more clusters are to be scanned.
    pub fn add_clusters(enabled: bool, clusters: u64) {
        if !enabled || !std::io::stderr().is_terminal() {
            return;
        }
        let Ok(mut slot) = PROGRESS.lock() else { return };
        match slot.as_ref() {
            Some(bar) => bar.inc_length(clusters),
            None => {
                let bar = indicatif::ProgressBar::new(clusters);
                if let Ok(style) = indicatif::ProgressStyle::with_template("{spinner} [{pos}/{len} clusters] {msg}") {
                    bar.set_style(style);
                }
                bar.enable_steady_tick(Duration::from_millis(120));
                *slot = Some(bar);
            }
        }
    }

    /// The step running now.
    pub fn step(message: String) {
        if let Ok(slot) = PROGRESS.lock() {
            if let Some(bar) = slot.as_ref() {
                bar.set_message(crate::sanitize::terminal(&message));
            }
        }
    }

    /// One cluster is done.
    pub fn cluster_done() {
        if let Ok(slot) = PROGRESS.lock() {
            if let Some(bar) = slot.as_ref() {
                bar.inc(1);
            }
        }
    }

    /// Clears the line: collection is over.
    pub fn finish() {
        if let Ok(mut slot) = PROGRESS.lock() {
            if let Some(bar) = slot.take() {
                bar.finish_and_clear();
            }
        }
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

    /// `live://aks/<rg>/<name>/<step>`.
    pub fn uri(&self, step: &str) -> String {
        format!("live://aks/{}/{}/{step}", self.resource_group, self.name)
    }
}

/// Time limit of one `az` or `kubectl` call.
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(300);

/// Private temporary directories in use, removed on SIGINT, SIGTERM or SIGHUP as well as on drop:
/// the temporary kubeconfig holds `client-key-data`.
static PRIVATE_DIRS: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());

/// Once per process: a thread that waits for SIGINT, SIGTERM or SIGHUP, removes every private
/// directory and exits with 128 + the signal number, as the shell would report it.
#[cfg(unix)]
fn clean_up_on_signals() {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) else {
            return;
        };
        let _ = std::thread::Builder::new().name("signals".into()).spawn(move || {
            if let Some(signal) = signals.forever().next() {
                if let Ok(dirs) = PRIVATE_DIRS.lock() {
                    for dir in dirs.iter() {
                        let _ = std::fs::remove_dir_all(dir);
                    }
                }
                std::process::exit(128 + signal);
            }
        });
    });
}

#[cfg(not(unix))]
fn clean_up_on_signals() {}

/// A private temporary directory (0700) that is removed on drop and on termination signals.
pub struct PrivateDir(PathBuf);

impl PrivateDir {
    /// Creates one.
    pub fn new() -> std::io::Result<Self> {
        clean_up_on_signals();
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let path = std::env::temp_dir().join(format!("aks-certscan-{}-{stamp}", std::process::id()));
        let mut builder = std::fs::DirBuilder::new();
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        // Registered before it exists, so that no signal can come between creation and registration.
        if let Ok(mut dirs) = PRIVATE_DIRS.lock() {
            dirs.push(path.clone());
        }
        if let Err(e) = builder.create(&path) {
            forget_dir(&path);
            return Err(e);
        }
        Ok(PrivateDir(path))
    }

    /// Writes `text` to a new file `name` in it, readable only by the user (0600).
    pub fn write_private(&self, name: &str, text: &str) -> std::io::Result<PathBuf> {
        let path = self.0.join(name);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        options.open(&path)?.write_all(text.as_bytes())?;
        Ok(path)
    }
}

fn forget_dir(path: &Path) {
    if let Ok(mut dirs) = PRIVATE_DIRS.lock() {
        dirs.retain(|d| d != path);
    }
}

impl Drop for PrivateDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
        forget_dir(&self.0);
    }
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
