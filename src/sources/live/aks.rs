//! `--aks RESOURCE_GROUP/NAME`: a live scan with the tools the user already has and is logged in
//! with, run as subprocesses:
//!
//! 1. `az aks show -g RG -n NAME -o json` → cluster facts;
//! 2. `az aks get-credentials -g RG -n NAME --file -` (`--admin` with `--admin`) → kubeconfig
//!    facts; the kubeconfig goes to a temporary file readable only by the user (0600, in a 0700
//!    directory), used by kubectl, and deleted. The user's own kubeconfig is never touched;
//! 3. `kubectl get nodes -o json --kubeconfig <temporary file>` → node facts, then (unless
//!    `--no-k8s-objects`) `kubectl get secrets,configmaps,... --all-namespaces -o json` → the
//!    certificates and CA copies services keep in the cluster (see [`k8s_objects`]);
//! 4. a TLS probe of the cluster's FQDN (or private FQDN) on port 443 → endpoint facts, so that
//!    KCFG002 compares the fresh kubeconfig's CA with what the API server presents;
//! 5. with `--node-certs`, `az vmss run-command invoke` on every scale set of the node resource
//!    group (see [`super::vmss`]).
//!
//! A failing step (az missing, not logged in, cluster not found, kubectl forbidden) is a clear
//! error and a SCAN001 finding; the other steps go on.

use std::path::Path;

use super::command::CommandError;
use super::options::LiveOptions;
use super::private_dir::PrivateDir;
use super::step::{map_in_order, step_error, AksTarget, Deadline, StepError, COMMAND_TIMEOUT};
use super::{command, inventory, progress, vmss};
use crate::facts::model::{ErrorKind, SourceKind};
use crate::facts::part::Part;
use crate::sources::context::CollectContext;
use crate::sources::read::input::{error, parse_json};
use crate::sources::{cluster, endpoint, k8s_objects, kubeconfig, nodes};

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

/// Reads the Kubernetes objects that hold certificates, as `--k8s-objects` would read them: one
/// `kubectl get <every kind> -A -o json`, and when that fails (a kind forbidden to this user, a
/// CRD API missing), one call per kind, so that every readable kind is still read and each
/// unreadable one is its own error.
fn live_objects(
    uri: &str,
    cluster_key: &str,
    ctx: &CollectContext,
    get: impl Fn(&str) -> Result<String, StepError>,
) -> Part {
    let all = k8s_objects::LIVE_KINDS.join(",");
    if let Ok(json) = get(&all) {
        return k8s_objects::from_text(&json, uri, Some(cluster_key.to_string()), ctx);
    }
    let mut items: Vec<String> = Vec::new();
    let mut problems = Vec::new();
    for kind in k8s_objects::LIVE_KINDS {
        match get(kind) {
            Ok(json) => match k8s_objects::list_items(&json) {
                Some(list) => items.extend(list),
                None => problems.push(format!("`kubectl get {kind} -A -o json` did not print a List")),
            },
            Err(e) => problems.push(format!("kubectl get {kind}: {e}")),
        }
    }
    let list = format!(
        "{{\"apiVersion\":\"v1\",\"kind\":\"List\",\"items\":[{}]}}",
        items.join(",")
    );
    let mut part = k8s_objects::from_text(&list, uri, Some(cluster_key.to_string()), ctx);
    for message in problems {
        part.facts
            .errors
            .push(error(SourceKind::K8sObjects, uri, ErrorKind::Probe, message));
    }
    part
}

/// Scans the `--aks` targets (`RESOURCE_GROUP/NAME`), `jobs` at a time; the parts come back in
/// target order whatever the timing. A target that is not `RESOURCE_GROUP/NAME` is one error.
pub fn collect_targets(targets: &[String], options: &LiveOptions, ctx: &CollectContext) -> Vec<Part> {
    let subscription = options.subscriptions.first().cloned();
    let live: Vec<Result<LiveTarget, Box<Part>>> = targets
        .iter()
        .map(|text| {
            AksTarget::parse(text)
                .map(|target| LiveTarget {
                    target,
                    subscription: subscription.clone(),
                    known: None,
                })
                .map_err(|message| {
                    Box::new(Part::for_source(SourceKind::Cluster, text).with_error(error(
                        SourceKind::Cluster,
                        text,
                        ErrorKind::Unsupported,
                        message.to_string(),
                    )))
                })
        })
        .collect();
    let valid = live.iter().filter(|t| t.is_ok()).count() as u64;
    progress::add_clusters(options.progress, valid);
    map_in_order(options.jobs, &live, |target| match target {
        Ok(target) => {
            let parts = collect_one(target, options, ctx);
            progress::cluster_done();
            parts
        }
        Err(part) => vec![(**part).clone()],
    })
    .into_iter()
    .flatten()
    .collect()
}

/// `--all-clusters`: the inventory, then (unless `--inventory-only`) every cluster in it, `jobs`
/// at a time, in inventory order.
pub fn collect_all_clusters(options: &LiveOptions, ctx: &CollectContext) -> Vec<Part> {
    let inventory = inventory::collect(options, ctx, COMMAND_TIMEOUT.min(options.cluster_timeout));
    let mut parts = inventory.parts;
    if options.inventory_only {
        return parts;
    }
    let live: Vec<LiveTarget> = inventory
        .clusters
        .into_iter()
        .filter_map(|c| {
            Some(LiveTarget {
                target: AksTarget {
                    resource_group: c.resource_group.clone()?,
                    name: c.name.clone(),
                },
                subscription: c.subscription_id.clone(),
                known: Some(c),
            })
        })
        .collect();
    progress::add_clusters(options.progress, live.len() as u64);
    parts.extend(
        map_in_order(options.jobs, &live, |target| {
            let parts = collect_one(target, options, ctx);
            progress::cluster_done();
            parts
        })
        .into_iter()
        .flatten(),
    );
    parts
}

/// The `--login` mode of every kubelogin user of a kubeconfig, `None` when none runs kubelogin.
fn kubelogin_modes(part: &Part) -> Option<Vec<Option<String>>> {
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
) -> Result<(), StepError> {
    let unreadable = |e: crate::safe_io::ReadError| StepError::Other(e.to_string());
    let text = crate::safe_io::read_regular_text(file, ctx.max_file_size).map_err(unreadable)?;
    let part = kubeconfig::from_text(&text, "kubeconfig", None, ctx, Part::default());
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
    command::run(&args.kubelogin, &convert, &[], deadline.left()?, ctx.max_file_size).map_err(|error| {
        StepError::Other(match error {
            CommandError::NotInstalled { .. } => "this is an Entra ID cluster: its kubeconfig runs `kubelogin`, which is not installed (install it with `az aks install-cli`, or name it with --kubelogin PATH); without it kubectl would wait for a device-code login".to_string(),
            other => format!("could not make the Entra ID kubeconfig non-interactive (--login {}): {other}", args.login.as_str()),
        })
    })?;
    let converted = crate::safe_io::read_regular_text(file, ctx.max_file_size).map_err(unreadable)?;
    let part = kubeconfig::from_text(&converted, "kubeconfig", None, ctx, Part::default());
    match kubelogin_modes(&part) {
        Some(modes) if modes.iter().any(|m| prompts(m.as_deref())) => Err(StepError::Other(format!(
            "`kubelogin convert-kubeconfig -l {}` left a user on an interactive login: not running kubectl, which would wait for a person",
            args.login.as_str()
        ))),
        _ => Ok(()),
    }
}

fn collect_one(live: &LiveTarget, args: &LiveOptions, ctx: &CollectContext) -> Vec<Part> {
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
    let run = |program: &Path, argv: &[String]| -> Result<String, StepError> {
        Ok(command::run(
            program,
            argv,
            &[],
            deadline.left()?,
            ctx.max_document_size,
        )?)
    };
    let mut parts = Vec::new();

    let (fqdn, node_rg) = match &live.known {
        Some(c) => (
            c.fqdn.clone().or_else(|| c.private_fqdn.clone()),
            c.node_resource_group.clone(),
        ),
        None => {
            progress::step(format!("{rg}/{name}: az aks show"));
            let show_uri = target.uri("show");
            let cluster_part = match run(&args.az, &az(&["aks", "show", "-g", rg, "-n", name, "-o", "json"])) {
                Ok(json) => match parse_json(json, &show_uri, SourceKind::Cluster) {
                    Ok(doc) => cluster::from_document(doc),
                    Err(e) => Part::for_source(SourceKind::Cluster, &show_uri).with_error(e),
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

    progress::step(format!("{rg}/{name}: az aks get-credentials"));
    let creds_uri = target.uri("credentials");
    let mut get_creds = vec!["aks", "get-credentials", "-g", rg, "-n", name, "--file", "-"];
    if args.admin {
        get_creds.push("--admin");
    }
    let kubeconfig_text = match run(&args.az, &az(&get_creds)) {
        Ok(text) => {
            let base = Part::for_source(SourceKind::Kubeconfig, &creds_uri);
            parts.push(kubeconfig::from_text(&text, &creds_uri, None, ctx, base));
            Some(text)
        }
        Err(message) => {
            parts.push(step_error(SourceKind::Kubeconfig, &creds_uri, message));
            None
        }
    };

    // Both kubectl steps use one temporary kubeconfig, deleted when `kubeconfig_file` drops.
    let objects_uri = target.uri("objects");
    let kubeconfig_file: Result<(PrivateDir, std::path::PathBuf), StepError> = match &kubeconfig_text {
        None => Err(StepError::Other(
            "skipped: `az aks get-credentials` gave no kubeconfig to run kubectl with".into(),
        )),
        Some(text) => PrivateDir::new()
            .and_then(|dir| dir.write_private("kubeconfig", text).map(|file| (dir, file)))
            .map_err(|e| StepError::Other(format!("cannot write the temporary kubeconfig: {e}")))
            .and_then(|(dir, file)| make_non_interactive(&file, args, ctx, &deadline).map(|()| (dir, file))),
    };
    let kubectl = |what: &[&str], file: &Path| -> Result<String, StepError> {
        let argv: Vec<String> = ["get"]
            .iter()
            .chain(what)
            .chain(&["-o", "json", "--kubeconfig"])
            .map(|s| s.to_string())
            .chain([file.display().to_string()])
            .collect();
        run(&args.kubectl, &argv)
    };

    progress::step(format!("{rg}/{name}: kubectl get nodes"));
    let nodes_uri = target.uri("nodes");
    parts.push(match &kubeconfig_file {
        Err(message) => step_error(SourceKind::Nodes, &nodes_uri, message),
        Ok((_, file)) => match kubectl(&["nodes"], file) {
            Ok(json) => match parse_json(json, &nodes_uri, SourceKind::Nodes) {
                Ok(doc) => nodes::from_document(doc),
                Err(e) => Part::for_source(SourceKind::Nodes, &nodes_uri).with_error(e),
            },
            Err(message) => step_error(SourceKind::Nodes, &nodes_uri, message),
        },
    });

    if args.k8s_objects {
        progress::step(format!("{rg}/{name}: kubectl get secrets,configmaps,... -A"));
        parts.push(match &kubeconfig_file {
            Err(message) => step_error(SourceKind::K8sObjects, &objects_uri, message),
            Ok((_, file)) => live_objects(&objects_uri, &target.cluster_key(), ctx, |kinds| {
                let mut what = vec![kinds.to_string(), "--all-namespaces".to_string()];
                what.retain(|w| !w.is_empty());
                let what: Vec<&str> = what.iter().map(String::as_str).collect();
                kubectl(&what, file)
            }),
        });
    }
    drop(kubeconfig_file);

    progress::step(format!(
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
            "skipped: the cluster document gave no fqdn or privateFqdn to probe",
        )),
    }

    if args.node_certs {
        progress::step(format!("{rg}/{name}: az vmss run-command invoke"));
        match &node_rg {
            Some(node_rg) => parts.extend(vmss::collect(target, node_rg, &args.az, &common, ctx.max_file_size)),
            None => parts.push(step_error(
                SourceKind::NodeRoot,
                &target.uri("node-certs"),
                "skipped: the cluster document gave no nodeResourceGroup",
            )),
        }
    }
    parts
}
