//! `--aks RESOURCE_GROUP/NAME`: a live scan with the tools the user already has and is logged in
//! with, run as subprocesses:
//!
//! 1. `az aks show -g RG -n NAME -o json` → cluster facts;
//! 2. `az aks get-credentials -g RG -n NAME --file -` (`--admin` with `--admin`) → kubeconfig
//!    facts; the kubeconfig goes to a temporary file readable only by the user (0600, in a 0700
//!    directory), used by kubectl, and deleted. The user's own kubeconfig is never touched;
//! 3. `kubectl get nodes -o json --kubeconfig <temporary file>` → node facts;
//! 4. a TLS probe of the cluster's FQDN (or private FQDN) on port 443 → endpoint facts, so that
//!    KCFG002 compares the fresh kubeconfig's CA with what the API server presents;
//! 5. with `--node-certs`, `az vmss run-command invoke` on every scale set of the node resource
//!    group (see [`node_certs`]).
//!
//! A failing step (az missing, not logged in, cluster not found, kubectl forbidden) is a clear
//! error and a SCAN001 finding; the other steps go on. Facts from these steps have paths like
//! `live://aks/<rg>/<name>/show`: they came from no file, so reports point at the facts document.

pub mod command;
pub mod node_certs;

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::collected::Collected;
use super::input::{error, parse_json};
use super::model::{ErrorKind, SourceKind};
use super::{cluster, endpoint, kubeconfig, nodes, CollectContext, LiveOptions};

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
    pub fn parse(text: &str) -> Result<Self, String> {
        match text.split_once('/') {
            Some((rg, name)) if !rg.is_empty() && !name.is_empty() && !name.contains('/') => Ok(AksTarget {
                resource_group: rg.into(),
                name: name.into(),
            }),
            _ => Err(format!("--aks `{text}`: expected RESOURCE_GROUP/NAME")),
        }
    }

    /// `live://aks/<rg>/<name>/<step>`.
    pub fn uri(&self, step: &str) -> String {
        format!("live://aks/{}/{}/{step}", self.resource_group, self.name)
    }
}

/// Progress lines on a terminal.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
}

impl Progress {
    fn new(enabled: bool, steps: u64) -> Self {
        let bar = (enabled && std::io::stderr().is_terminal()).then(|| {
            let bar = indicatif::ProgressBar::new(steps);
            if let Ok(style) = indicatif::ProgressStyle::with_template("{spinner} [{pos}/{len}] {msg}") {
                bar.set_style(style);
            }
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        Progress { bar }
    }

    fn step(&self, message: String) {
        if let Some(bar) = &self.bar {
            bar.set_message(message);
            bar.inc(1);
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

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
struct PrivateDir(PathBuf);

impl PrivateDir {
    fn new() -> std::io::Result<Self> {
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

    fn write_private(&self, name: &str, text: &str) -> std::io::Result<PathBuf> {
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

/// Runs the live steps for every `--aks` target (`RESOURCE_GROUP/NAME`), in order.
pub fn collect(targets: &[String], options: &LiveOptions, ctx: &CollectContext) -> Vec<Collected> {
    if targets.is_empty() {
        return Vec::new();
    }
    let steps_each = 4 + u64::from(options.node_certs);
    let progress = Progress::new(options.progress, steps_each * targets.len() as u64);
    targets
        .iter()
        .flat_map(|target| collect_one(target, options, ctx, &progress))
        .collect()
}

fn step_error(kind: SourceKind, path: &str, message: String) -> Collected {
    Collected::for_source(kind, path).with_error(error(kind, path, ErrorKind::Probe, message))
}

fn collect_one(text: &str, args: &LiveOptions, ctx: &CollectContext, progress: &Progress) -> Vec<Collected> {
    let target = match AksTarget::parse(text) {
        Ok(t) => t,
        Err(message) => {
            return vec![Collected::for_source(SourceKind::Cluster, text).with_error(error(
                SourceKind::Cluster,
                text,
                ErrorKind::Unsupported,
                message,
            ))]
        }
    };
    let (rg, name) = (target.resource_group.as_str(), target.name.as_str());
    let mut common: Vec<String> = Vec::new();
    if let Some(sub) = &args.subscription {
        common.extend(["--subscription".into(), sub.clone()]);
    }
    let az = |extra: &[&str]| -> Vec<String> {
        extra
            .iter()
            .map(|s| s.to_string())
            .chain(common.iter().cloned())
            .collect()
    };
    let mut parts = Vec::new();

    progress.step(format!("az aks show -g {rg} -n {name}"));
    let show_uri = target.uri("show");
    let cluster_part = match command::run(
        &args.az,
        &az(&["aks", "show", "-g", rg, "-n", name, "-o", "json"]),
        &[],
        COMMAND_TIMEOUT,
        ctx.max_file_size,
    ) {
        Ok(json) => match parse_json(json, &show_uri, SourceKind::Cluster) {
            Ok(doc) => cluster::from_document(doc),
            Err(e) => Collected::for_source(SourceKind::Cluster, &show_uri).with_error(e),
        },
        Err(message) => step_error(SourceKind::Cluster, &show_uri, message),
    };
    let fqdn = cluster_part
        .facts
        .clusters
        .first()
        .and_then(|c| c.fqdn.clone().or_else(|| c.private_fqdn.clone()));
    let node_rg = cluster_part
        .facts
        .clusters
        .first()
        .and_then(|c| c.node_resource_group.clone());
    parts.push(cluster_part);

    progress.step(format!("az aks get-credentials -g {rg} -n {name}"));
    let creds_uri = target.uri("credentials");
    let mut get_creds = vec!["aks", "get-credentials", "-g", rg, "-n", name, "--file", "-"];
    if args.admin {
        get_creds.push("--admin");
    }
    let kubeconfig_text = match command::run(&args.az, &az(&get_creds), &[], COMMAND_TIMEOUT, ctx.max_file_size) {
        Ok(text) => {
            let base = Collected::for_source(SourceKind::Kubeconfig, &creds_uri);
            parts.push(kubeconfig::from_text(&text, &creds_uri, PathBuf::new(), ctx, base));
            Some(text)
        }
        Err(message) => {
            parts.push(step_error(SourceKind::Kubeconfig, &creds_uri, message));
            None
        }
    };

    progress.step(format!("kubectl get nodes ({rg}/{name})"));
    let nodes_uri = target.uri("nodes");
    let nodes_part = match &kubeconfig_text {
        None => step_error(
            SourceKind::Nodes,
            &nodes_uri,
            "skipped: `az aks get-credentials` gave no kubeconfig to run kubectl with".into(),
        ),
        Some(text) => {
            match PrivateDir::new().and_then(|dir| dir.write_private("kubeconfig", text).map(|file| (dir, file))) {
                Err(e) => step_error(
                    SourceKind::Nodes,
                    &nodes_uri,
                    format!("cannot write the temporary kubeconfig: {e}"),
                ),
                Ok((_dir, file)) => {
                    let kubectl_args: Vec<String> = ["get", "nodes", "-o", "json", "--kubeconfig"]
                        .iter()
                        .map(|s| s.to_string())
                        .chain([file.display().to_string()])
                        .collect();
                    match command::run(&args.kubectl, &kubectl_args, &[], COMMAND_TIMEOUT, ctx.max_file_size) {
                        Ok(json) => match parse_json(json, &nodes_uri, SourceKind::Nodes) {
                            Ok(doc) => nodes::from_document(doc),
                            Err(e) => Collected::for_source(SourceKind::Nodes, &nodes_uri).with_error(e),
                        },
                        Err(message) => step_error(SourceKind::Nodes, &nodes_uri, message),
                    }
                    // `_dir` is dropped here: the temporary kubeconfig is deleted.
                }
            }
        }
    };
    parts.push(nodes_part);

    progress.step(format!("TLS probe of {}", fqdn.as_deref().unwrap_or("the API server")));
    match &fqdn {
        Some(host) => parts.push(endpoint::collect(&format!("{host}:443"), None, ctx)),
        None => parts.push(step_error(
            SourceKind::Endpoint,
            &target.uri("probe"),
            "skipped: the cluster document gave no fqdn or privateFqdn to probe".into(),
        )),
    }

    if args.node_certs {
        progress.step(format!("az vmss run-command invoke ({rg}/{name})"));
        match &node_rg {
            Some(node_rg) => parts.extend(node_certs::collect(
                &target,
                node_rg,
                &args.az,
                &common,
                ctx.max_file_size,
            )),
            None => parts.push(step_error(
                SourceKind::NodeRoot,
                &target.uri("node-certs"),
                "skipped: the cluster document gave no nodeResourceGroup".into(),
            )),
        }
    }
    parts
}
