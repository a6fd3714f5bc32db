//! `--daemonset NAMESPACE`: every node's facts, gathered from the pods of the node scanner
//! DaemonSet (`deploy/kubernetes/`) with the user's own `kubectl`:
//!
//! 1. `kubectl get pods -n NAMESPACE -l app.kubernetes.io/name=aks-certscan-node -o json`;
//! 2. for each pod, `kubectl exec -n NAMESPACE POD -c scanner -- /usr/local/bin/aks-certscan facts
//!    --node-root /host --now NOW`, `--jobs` at a time.
//!
//! Each node's document is merged like a `--facts` document; its node root is named after the node
//! (`aks-nodepool1-12345678-vmss000000:/host`), so that the nodes stay distinct. A pod that is not
//! running, an exec that fails, or output that is not a facts document is an error entry naming the
//! node; the other nodes are still read.

use std::time::Duration;

use serde_json::Value;

use super::command;
use super::options::LiveOptions;
use crate::clock::Instant;
use crate::facts::model::{ErrorKind, SourceKind};
use crate::facts::part::Part;
use crate::sources::context::CollectContext;
use crate::sources::facts_merge;
use crate::sources::read::input::{error, parse_json};

/// The label the DaemonSet's pods carry.
pub const SELECTOR: &str = "app.kubernetes.io/name=aks-certscan-node";
/// The scanner inside the image.
pub const SCANNER: &str = "/usr/local/bin/aks-certscan";
/// Where the DaemonSet mounts the node.
pub const NODE_ROOT: &str = "/host";

/// `live://daemonset/<namespace>/<node>`.
fn uri(namespace: &str, node: &str) -> String {
    format!("live://daemonset/{namespace}/{node}")
}

struct Pod {
    name: String,
    node: String,
    phase: String,
}

fn pods_of(list: &Value) -> Vec<Pod> {
    let text = |v: &Value, path: &[&str]| {
        path.iter()
            .try_fold(v, |v, k| v.get(*k))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let mut pods: Vec<Pod> = list
        .get("items")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|item| Pod {
            name: text(item, &["metadata", "name"]),
            node: text(item, &["spec", "nodeName"]),
            phase: text(item, &["status", "phase"]),
        })
        .filter(|p| !p.name.is_empty())
        .collect();
    pods.sort_by(|a, b| a.node.cmp(&b.node).then(a.name.cmp(&b.name)));
    pods
}

fn failure(namespace: &str, node: &str, kind: ErrorKind, message: String) -> Part {
    let path = uri(namespace, node);
    Part::for_source(SourceKind::NodeRoot, &path).with_error(error(SourceKind::NodeRoot, &path, kind, message))
}

/// Gathers and merges every node's document.
pub fn collect(namespace: &str, options: &LiveOptions, ctx: &CollectContext, now: Instant) -> Vec<Part> {
    let timeout = options.cluster_timeout.min(super::step::COMMAND_TIMEOUT);
    let list_args: Vec<String> = ["get", "pods", "-n", namespace, "-l", SELECTOR, "-o", "json"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let list = match command::run(&options.kubectl, &list_args, &[], timeout, ctx.max_document_size)
        .map_err(|e| e.to_string())
        .and_then(|text| parse_json(text, &uri(namespace, "pods"), SourceKind::NodeRoot).map_err(|e| e.message))
    {
        Ok(doc) => doc.value,
        Err(message) => return vec![failure(namespace, "pods", ErrorKind::Probe, message)],
    };
    let pods = pods_of(&list);
    if pods.is_empty() {
        return vec![failure(
            namespace,
            "pods",
            ErrorKind::NotFound,
            format!(
                "no pod labelled {SELECTOR} in namespace {namespace}: is the DaemonSet of deploy/kubernetes installed?"
            ),
        )];
    }
    let results: Vec<std::sync::Mutex<Part>> = pods.iter().map(|_| Default::default()).collect();
    let next = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..options.jobs.clamp(1, pods.len()) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(pod) = pods.get(i) else { break };
                let part = node_facts(namespace, pod, options, ctx, now, timeout);
                if let Ok(mut slot) = results[i].lock() {
                    *slot = part;
                }
            });
        }
    });
    results
        .into_iter()
        .map(|r| r.into_inner().unwrap_or_default())
        .collect()
}

fn node_facts(
    namespace: &str,
    pod: &Pod,
    options: &LiveOptions,
    ctx: &CollectContext,
    now: Instant,
    timeout: Duration,
) -> Part {
    let node = if pod.node.is_empty() {
        pod.name.as_str()
    } else {
        pod.node.as_str()
    };
    if pod.phase != "Running" {
        return failure(
            namespace,
            node,
            ErrorKind::Probe,
            format!(
                "pod {} on node {node} is {}, not Running: this node was not read",
                pod.name, pod.phase
            ),
        );
    }
    let exec: Vec<String> = [
        "exec",
        "-n",
        namespace,
        &pod.name,
        "-c",
        "scanner",
        "--",
        SCANNER,
        "facts",
        "--node-root",
        NODE_ROOT,
        "--now",
        &now.rfc3339(),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let shown = uri(namespace, node);
    let text = match command::run(&options.kubectl, &exec, &[], timeout, ctx.max_document_size) {
        Ok(text) => text,
        Err(message) => return failure(namespace, node, ErrorKind::Probe, message.to_string()),
    };
    let doc = match parse_json(text, &shown, SourceKind::Facts) {
        Ok(doc) => doc,
        Err(e) => {
            return failure(
                namespace,
                node,
                ErrorKind::WrongShape,
                format!("pod {} did not print a facts document: {}", pod.name, e.message),
            )
        }
    };
    let mut part = facts_merge::from_document(doc);
    // The node's name, not the mount point, identifies its root.
    for root in &mut part.facts.node_roots {
        let named = format!("{node}:{}", root.path);
        for cert in part
            .facts
            .certificates
            .iter_mut()
            .filter(|c| c.origin.node_root.as_deref() == Some(root.path.as_str()))
        {
            cert.origin.node_root = Some(named.clone());
        }
        root.path = named;
    }
    part
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pods_are_read_in_node_order() {
        let list = serde_json::json!({"items": [
            {"metadata": {"name": "b"}, "spec": {"nodeName": "node-2"}, "status": {"phase": "Running"}},
            {"metadata": {"name": "a"}, "spec": {"nodeName": "node-1"}, "status": {"phase": "Pending"}},
            {"metadata": {}}
        ]});
        let pods = pods_of(&list);
        assert_eq!(
            pods.iter().map(|p| p.node.as_str()).collect::<Vec<_>>(),
            ["node-1", "node-2"]
        );
    }
}
