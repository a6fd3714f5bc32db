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
pub mod daemonset;
pub mod inventory;
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

/// Progress on a terminal: clusters done out of all, and the step running now.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
}

impl Progress {
    fn new(enabled: bool, clusters: u64) -> Self {
        let bar = (enabled && std::io::stderr().is_terminal()).then(|| {
            let bar = indicatif::ProgressBar::new(clusters);
            if let Ok(style) = indicatif::ProgressStyle::with_template("{spinner} [{pos}/{len} clusters] {msg}") {
                bar.set_style(style);
            }
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        Progress { bar }
    }

    fn step(&self, message: String) {
        if let Some(bar) = &self.bar {
            bar.set_message(crate::sanitize::terminal(&message));
        }
    }

    fn cluster_done(&self) {
        if let Some(bar) = &self.bar {
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

/// One cluster to scan live: from `--aks` (its document comes from `az aks show`) or from the
/// inventory (its document is already known).
#[derive(Debug, Clone)]
pub struct LiveTarget {
    /// Resource group and name.
    pub target: AksTarget,
    /// Subscription for every `az` call about it.
    pub subscription: Option<String>,
    /// The cluster as the inventory listed it.
    pub known: Option<crate::facts::model::ClusterFact>,
}

/// Runs the live steps for every `--aks` target (`RESOURCE_GROUP/NAME`) and, with
/// `all_clusters`, the inventory and every cluster in it. Clusters are scanned `jobs` at a time;
/// the parts come back in target order whatever the timing.
pub fn collect(targets: &[String], all_clusters: bool, options: &LiveOptions, ctx: &CollectContext) -> Vec<Collected> {
    let mut parts = Vec::new();
    let mut live: Vec<LiveTarget> = Vec::new();
    let subscription = options.subscriptions.first().cloned();
    for text in targets {
        match AksTarget::parse(text) {
            Ok(target) => live.push(LiveTarget {
                target,
                subscription: subscription.clone(),
                known: None,
            }),
            Err(message) => parts.push(Collected::for_source(SourceKind::Cluster, text).with_error(error(
                SourceKind::Cluster,
                text,
                ErrorKind::Unsupported,
                message,
            ))),
        }
    }
    if all_clusters {
        let inventory = inventory::collect(options, ctx, COMMAND_TIMEOUT.min(options.cluster_timeout));
        parts.extend(inventory.parts);
        if !options.inventory_only {
            live.extend(inventory.clusters.into_iter().filter_map(|c| {
                Some(LiveTarget {
                    target: AksTarget {
                        resource_group: c.resource_group.clone()?,
                        name: c.name.clone(),
                    },
                    subscription: c.subscription_id.clone(),
                    known: Some(c),
                })
            }));
        }
    }
    if live.is_empty() {
        return parts;
    }
    let progress = Progress::new(options.progress, live.len() as u64);
    let results: Vec<std::sync::Mutex<Vec<Collected>>> = live.iter().map(|_| Default::default()).collect();
    let next = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..options.jobs.clamp(1, live.len()) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(target) = live.get(i) else { break };
                let done = collect_one(target, options, ctx, &progress);
                if let Ok(mut slot) = results[i].lock() {
                    *slot = done;
                }
                progress.cluster_done();
            });
        }
    });
    parts.extend(results.into_iter().flat_map(|r| r.into_inner().unwrap_or_default()));
    parts
}

fn step_error(kind: SourceKind, path: &str, message: String) -> Collected {
    Collected::for_source(kind, path).with_error(error(kind, path, ErrorKind::Probe, message))
}

/// The time left for a cluster's next step, or the reason there is none.
struct Deadline {
    at: std::time::Instant,
    total: Duration,
}

impl Deadline {
    /// The time limit of the next command: its own limit or what is left, whichever is shorter.
    fn left(&self) -> Result<Duration, String> {
        let left = self.at.saturating_duration_since(std::time::Instant::now());
        if left.is_zero() {
            Err(format!(
                "skipped: the cluster's {} s limit (--cluster-timeout) passed",
                self.total.as_secs()
            ))
        } else {
            Ok(left.min(COMMAND_TIMEOUT))
        }
    }
}

/// The `--login` mode of every kubelogin user of a kubeconfig, `None` when none runs kubelogin.
fn kubelogin_modes(part: &Collected) -> Option<Vec<Option<String>>> {
    let modes: Vec<Option<String>> = part
        .facts
        .kubeconfigs
        .iter()
        .flat_map(|k| &k.users)
        .filter(|u| {
            u.auth.exec_command.as_deref().is_some_and(|c| {
                let base = c.rsplit(['/', '\\']).next().unwrap_or(c).to_ascii_lowercase();
                base == "kubelogin" || base == "kubelogin.exe"
            })
        })
        .map(|u| u.auth.exec_login_mode.clone())
        .collect();
    (!modes.is_empty()).then_some(modes)
}

/// Login modes that wait for a person (a browser, a device code).
fn prompts(mode: Option<&str>) -> bool {
    matches!(mode, None | Some("devicecode" | "interactive"))
}

/// Makes the temporary kubeconfig non-interactive when its user runs kubelogin: `kubelogin
/// convert-kubeconfig -l MODE`, then a check that no user is left on a prompting login.
fn make_non_interactive(
    file: &Path,
    args: &LiveOptions,
    ctx: &CollectContext,
    deadline: &Deadline,
) -> Result<(), String> {
    let text = crate::safe_io::read_regular_text(file, ctx.max_file_size).map_err(|e| e.to_string())?;
    let part = kubeconfig::from_text(&text, "kubeconfig", PathBuf::new(), ctx, Collected::default());
    let Some(modes) = kubelogin_modes(&part) else {
        return Ok(());
    };
    if modes.iter().all(|m| !prompts(m.as_deref())) {
        return Ok(());
    }
    let convert: Vec<String> = [
        "convert-kubeconfig",
        "-l",
        args.login.as_str(),
        "--kubeconfig",
        &file.display().to_string(),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    command::run(&args.kubelogin, &convert, &[], deadline.left()?, ctx.max_file_size).map_err(|message| {
        if message.contains("is not installed or not on PATH") {
            "this is an Entra ID cluster: its kubeconfig runs `kubelogin`, which is not installed (install it with `az aks install-cli`, or name it with --kubelogin PATH); without it kubectl would wait for a device-code login".to_string()
        } else {
            format!("could not make the Entra ID kubeconfig non-interactive (--login {}): {message}", args.login.as_str())
        }
    })?;
    let converted = crate::safe_io::read_regular_text(file, ctx.max_file_size).map_err(|e| e.to_string())?;
    let part = kubeconfig::from_text(&converted, "kubeconfig", PathBuf::new(), ctx, Collected::default());
    match kubelogin_modes(&part) {
        Some(modes) if modes.iter().any(|m| prompts(m.as_deref())) => Err(format!(
            "`kubelogin convert-kubeconfig -l {}` left a user on an interactive login: not running kubectl, which would wait for a person",
            args.login.as_str()
        )),
        _ => Ok(()),
    }
}

fn collect_one(live: &LiveTarget, args: &LiveOptions, ctx: &CollectContext, progress: &Progress) -> Vec<Collected> {
    let target = &live.target;
    let deadline = Deadline {
        at: std::time::Instant::now() + args.cluster_timeout,
        total: args.cluster_timeout,
    };
    let (rg, name) = (target.resource_group.as_str(), target.name.as_str());
    let mut common: Vec<String> = Vec::new();
    if let Some(sub) = &live.subscription {
        common.extend(["--subscription".into(), sub.clone()]);
    }
    let az = |extra: &[&str]| -> Vec<String> {
        extra
            .iter()
            .map(|s| s.to_string())
            .chain(common.iter().cloned())
            .collect()
    };
    let run = |program: &Path, argv: &[String]| -> Result<String, String> {
        command::run(program, argv, &[], deadline.left()?, ctx.max_file_size)
    };
    let mut parts = Vec::new();

    let (fqdn, node_rg) = match &live.known {
        Some(c) => (
            c.fqdn.clone().or_else(|| c.private_fqdn.clone()),
            c.node_resource_group.clone(),
        ),
        None => {
            progress.step(format!("{rg}/{name}: az aks show"));
            let show_uri = target.uri("show");
            let cluster_part = match run(&args.az, &az(&["aks", "show", "-g", rg, "-n", name, "-o", "json"])) {
                Ok(json) => match parse_json(json, &show_uri, SourceKind::Cluster) {
                    Ok(doc) => cluster::from_document(doc),
                    Err(e) => Collected::for_source(SourceKind::Cluster, &show_uri).with_error(e),
                },
                Err(message) => step_error(SourceKind::Cluster, &show_uri, message),
            };
            let first = cluster_part.facts.clusters.first();
            let found = (
                first.and_then(|c| c.fqdn.clone().or_else(|| c.private_fqdn.clone())),
                first.and_then(|c| c.node_resource_group.clone()),
            );
            parts.push(cluster_part);
            found
        }
    };

    progress.step(format!("{rg}/{name}: az aks get-credentials"));
    let creds_uri = target.uri("credentials");
    let mut get_creds = vec!["aks", "get-credentials", "-g", rg, "-n", name, "--file", "-"];
    if args.admin {
        get_creds.push("--admin");
    }
    let kubeconfig_text = match run(&args.az, &az(&get_creds)) {
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

    progress.step(format!("{rg}/{name}: kubectl get nodes"));
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
                Ok((_dir, file)) => match make_non_interactive(&file, args, ctx, &deadline) {
                    Err(message) => step_error(SourceKind::Nodes, &nodes_uri, message),
                    Ok(()) => {
                        let kubectl_args: Vec<String> = ["get", "nodes", "-o", "json", "--kubeconfig"]
                            .iter()
                            .map(|s| s.to_string())
                            .chain([file.display().to_string()])
                            .collect();
                        match run(&args.kubectl, &kubectl_args) {
                            Ok(json) => match parse_json(json, &nodes_uri, SourceKind::Nodes) {
                                Ok(doc) => nodes::from_document(doc),
                                Err(e) => Collected::for_source(SourceKind::Nodes, &nodes_uri).with_error(e),
                            },
                            Err(message) => step_error(SourceKind::Nodes, &nodes_uri, message),
                        }
                        // `_dir` is dropped here: the temporary kubeconfig is deleted.
                    }
                },
            }
        }
    };
    parts.push(nodes_part);

    progress.step(format!(
        "{rg}/{name}: TLS probe of {}",
        fqdn.as_deref().unwrap_or("the API server")
    ));
    match (&fqdn, deadline.left()) {
        (_, Err(message)) => parts.push(step_error(SourceKind::Endpoint, &target.uri("probe"), message)),
        (Some(host), Ok(left)) => {
            let mut probe_ctx = ctx.clone();
            probe_ctx.probe.timeout = probe_ctx.probe.timeout.min(left);
            parts.push(endpoint::collect(&format!("{host}:443"), None, &probe_ctx))
        }
        (None, Ok(_)) => parts.push(step_error(
            SourceKind::Endpoint,
            &target.uri("probe"),
            "skipped: the cluster document gave no fqdn or privateFqdn to probe".into(),
        )),
    }

    if args.node_certs {
        progress.step(format!("{rg}/{name}: az vmss run-command invoke"));
        match &node_rg {
            Some(node_rg) => parts.extend(node_certs::collect(
                target,
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
