//! `--nodes`: `kubectl get nodes -o json` (a `List`), or a single `Node`.
//!
//! Per node: name, creation time, agent pool (label `kubernetes.azure.com/agentpool`, else
//! `agentpool`), OS, kubelet version, node image, and the `Ready` condition. Nothing depends on
//! `spec.providerID` or the `kubernetes.azure.com/cluster` label, which published node lists
//! often strip.

use std::collections::HashSet;
use std::path::Path;

use serde_json::Value;

use crate::clock::parse_unix;
use crate::facts::model::*;
use crate::facts::part::Part;
use crate::sources::context::CollectContext;
use crate::sources::read::azure::{get, get_path, string};
use crate::sources::read::input::{error, read_json, JsonDocument};
use crate::sources::read::json_lines::start_lines;

/// Collects one `--nodes` document (`-` for standard input).
pub fn collect(path: &Path, ctx: &CollectContext) -> Part {
    match read_json(path, ctx.max_file_size, SourceKind::Nodes) {
        Ok(doc) => from_document(doc),
        Err(e) => {
            let shown = e.path.clone();
            Part::for_source(SourceKind::Nodes, &shown).with_error(e)
        }
    }
}

/// Reads nodes from a parsed JSON document (a file, standard input, or `kubectl` output).
pub fn from_document(doc: JsonDocument) -> Part {
    let mut out = Part::for_source(SourceKind::Nodes, &doc.shown);
    out.digests.push((doc.shown.clone(), doc.sha256));
    out.source.files_read = 1;
    let items: Vec<(String, &Value)> = match (
        get(&doc.value, "items").and_then(Value::as_array),
        string(&doc.value, &["kind"]).as_deref(),
    ) {
        (Some(items), _) => items
            .iter()
            .enumerate()
            .map(|(i, v)| (format!("/items/{i}"), v))
            .collect(),
        (None, Some("Node")) => vec![(String::new(), &doc.value)],
        _ => {
            return out.with_error(error(
                SourceKind::Nodes,
                &doc.shown,
                ErrorKind::WrongShape,
                "not a node list: expected `kubectl get nodes -o json` (a List with `items`) or a Node",
            ))
        }
    };
    let wanted: HashSet<String> = items.iter().map(|(p, _)| p.clone()).collect();
    let lines = start_lines(&doc.text, &wanted);
    for (pointer, item) in items {
        let line = lines.get(&pointer).copied();
        match node_fact(
            item,
            FileLocation {
                path: doc.shown.clone(),
                line,
            },
        ) {
            Some(node) => out.facts.nodes.push(node),
            None => {
                let mut e = error(
                    SourceKind::Nodes,
                    &doc.shown,
                    ErrorKind::WrongShape,
                    format!("item {pointer} is not a Node with a name; skipped"),
                );
                e.line = line;
                out.facts.errors.push(e);
            }
        }
    }
    out
}

fn label(item: &Value, name: &str) -> Option<String> {
    get_path(item, &["metadata", "labels"])
        .and_then(Value::as_object)
        .and_then(|labels| labels.get(name))
        .and_then(Value::as_str)
        .map(str::to_string)
}

/// A node fact from one `Node` object; `None` when it is not a Node with a name.
pub fn node_fact(item: &Value, location: FileLocation) -> Option<NodeFact> {
    if string(item, &["kind"]).is_some_and(|k| k != "Node") {
        return None;
    }
    let name = string(item, &["metadata", "name"])?;
    let created_at = string(item, &["metadata", "creationTimestamp"]);
    let ready = get_path(item, &["status", "conditions"])
        .and_then(Value::as_array)
        .and_then(|conds| conds.iter().find(|c| string(c, &["type"]).as_deref() == Some("Ready")))
        .and_then(|c| match string(c, &["status"]).as_deref() {
            Some("True") => Some(true),
            Some("False") => Some(false),
            _ => None,
        });
    let has_aks_labels = get_path(item, &["metadata", "labels"])
        .and_then(Value::as_object)
        .is_some_and(|labels| labels.keys().any(|k| k.starts_with("kubernetes.azure.com/")));
    let azure_provider = string(item, &["spec", "providerID"]).is_some_and(|p| p.starts_with("azure://"));
    Some(NodeFact {
        location,
        name,
        created_at_unix: created_at.as_deref().and_then(parse_unix),
        created_at,
        agent_pool: label(item, "kubernetes.azure.com/agentpool").or_else(|| label(item, "agentpool")),
        os: string(item, &["status", "nodeInfo", "operatingSystem"]),
        os_image: string(item, &["status", "nodeInfo", "osImage"]),
        kubelet_version: string(item, &["status", "nodeInfo", "kubeletVersion"]),
        node_image_version: label(item, "kubernetes.azure.com/node-image-version"),
        ready,
        is_aks: has_aks_labels || azure_provider,
        node_resource_group: label(item, "kubernetes.azure.com/cluster"),
        cluster_key: None,
        kubelet_serving_ca: label(item, "kubernetes.azure.com/kubelet-serving-ca"),
    })
}
