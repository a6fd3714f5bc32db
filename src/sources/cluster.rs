//! `--cluster`: managed clusters as JSON, in both spellings.
//!
//! - `az aks show -o json` / `az aks list`: flattened (`enableRbac`, `resourceGroup`,
//!   `agentPoolProfiles` at the top), with nulls everywhere.
//! - Raw ARM (`GET .../managedClusters/<name>`, a list's `value`, Swagger examples,
//!   recorded HTTP cassettes): `properties.enableRBAC`, `properties.privateFQDN`, ...
//!
//! Clusters are found wherever they sit in the document (arrays, `value`, wrappers), so one file
//! can hold several. A standalone agent pool resource (`.../agentPools/<name>`) is attached to
//! its cluster, which is created as `partial` if the document does not hold it. Missing facts stay
//! `null`: a cluster without `powerState` has an unknown power state, not "running".

use std::collections::{HashMap, HashSet};
use std::path::Path;

use serde_json::Value;

use crate::clock::parse_unix;
use crate::facts::model::*;
use crate::facts::part::Part;
use crate::sources::context::CollectContext;
use crate::sources::read::azure::{
    boolean, get, integer, kubernetes_minor, node_image_date, parse_resource_id, string,
};
use crate::sources::read::input::{error, read_json, JsonDocument};
use crate::sources::read::json_lines::start_lines;

enum Found<'a> {
    Cluster(String, &'a Value),
    AgentPool(String, &'a Value),
}

/// Collects one `--cluster` document (`-` for standard input).
pub fn collect(path: &Path, ctx: &CollectContext) -> Part {
    match read_json(path, ctx.max_file_size, SourceKind::Cluster) {
        Ok(doc) => from_document(doc),
        Err(e) => {
            let shown = e.path.clone();
            Part::for_source(SourceKind::Cluster, &shown).with_error(e)
        }
    }
}

/// Reads clusters from a parsed JSON document (a file, standard input, or `az` output).
pub fn from_document(doc: JsonDocument) -> Part {
    let mut out = Part::for_source(SourceKind::Cluster, &doc.shown);
    out.digests.push((doc.shown.clone(), doc.sha256));
    out.source.files_read = 1;
    let mut found = Vec::new();
    find(&doc.value, String::new(), &mut found);
    if found.is_empty() && get(&doc.value, "kubeconfigs").is_some() {
        return out.with_error(error(
            SourceKind::Cluster,
            &doc.shown,
            ErrorKind::WrongShape,
            "this is a listClusterUserCredential result, not a managed cluster: base64-decode `kubeconfigs[].value` and pass it with `--kubeconfig`",
        ));
    }
    if found.is_empty() {
        return out.with_error(error(
            SourceKind::Cluster,
            &doc.shown,
            ErrorKind::WrongShape,
            "no managed cluster found: expected `az aks show -o json`, `az aks list -o json` or an ARM managedClusters resource",
        ));
    }
    let wanted: HashSet<String> = found
        .iter()
        .map(|f| match f {
            Found::Cluster(p, _) | Found::AgentPool(p, _) => p.clone(),
        })
        .collect();
    let lines = start_lines(&doc.text, &wanted);
    let location = |pointer: &str| FileLocation {
        path: doc.shown.clone(),
        line: lines.get(pointer).copied(),
    };
    let mut clusters: Vec<ClusterFact> = Vec::new();
    let mut standalone_pools: Vec<(String, AgentPoolFact, FileLocation, Option<String>)> = Vec::new();
    for item in found {
        match item {
            Found::Cluster(pointer, value) => match cluster_fact(value, location(&pointer)) {
                Some(c) => clusters.push(c),
                None => {
                    let mut e = error(
                        SourceKind::Cluster,
                        &doc.shown,
                        ErrorKind::WrongShape,
                        "managed cluster has no name and no resource id; skipped",
                    );
                    e.line = lines.get(&pointer).copied();
                    out.facts.errors.push(e);
                }
            },
            Found::AgentPool(pointer, value) => {
                let id = string(value, &["id"]).unwrap_or_default();
                let parsed = parse_resource_id(&id);
                let pool_location = location(&pointer);
                let pool = agent_pool(value, Some(pool_location.clone()));
                match (parsed.resource_group, parsed.cluster) {
                    (Some(rg), Some(name)) => {
                        standalone_pools.push((cluster_key(&rg, &name), pool, pool_location, Some(id)))
                    }
                    _ => {
                        let mut e = error(
                            SourceKind::Cluster,
                            &doc.shown,
                            ErrorKind::WrongShape,
                            "agent pool resource without a managed cluster resource id; skipped",
                        );
                        e.line = pool_location.line;
                        out.facts.errors.push(e);
                    }
                }
            }
        }
    }
    // Clusters by key, so that attaching pools stays linear in the document's size.
    let mut by_key: HashMap<String, usize> = HashMap::with_capacity(clusters.len());
    let mut pool_at: HashMap<(usize, String), usize> = HashMap::new();
    for (at, c) in clusters.iter().enumerate() {
        by_key.entry(c.key.clone()).or_insert(at);
        for (i, p) in c.agent_pools.iter().enumerate() {
            pool_at.entry((at, p.name.clone())).or_insert(i);
        }
    }
    for (key, pool, pool_location, id) in standalone_pools {
        match by_key.get(&key) {
            Some(&at) => {
                // The same pool can appear in several responses of one document; the last wins.
                let pools = &mut clusters[at].agent_pools;
                match pool_at.get(&(at, pool.name.clone())) {
                    Some(&same) => pools[same] = pool,
                    None => {
                        pool_at.insert((at, pool.name.clone()), pools.len());
                        pools.push(pool);
                    }
                }
            }
            None => {
                by_key.insert(key.clone(), clusters.len());
                pool_at.insert((clusters.len(), pool.name.clone()), 0);
                let parsed = parse_resource_id(id.as_deref().unwrap_or_default());
                let name = parsed.cluster.unwrap_or_default();
                clusters.push(ClusterFact {
                    location: pool_location,
                    spelling: "arm".into(),
                    key,
                    id: id.map(|i| i.split("/agentPools/").next().unwrap_or_default().to_string()),
                    name,
                    resource_group: parsed.resource_group,
                    subscription_id: parsed.subscription,
                    partial: true,
                    agent_pools: vec![pool],
                    ..Default::default()
                })
            }
        }
    }
    out.facts.clusters = clusters;
    out
}

fn type_is(value: &Value, suffix: &str) -> bool {
    string(value, &["type"]).is_some_and(|t| t.to_ascii_lowercase().ends_with(suffix))
}

fn looks_like_cluster(value: &Value) -> bool {
    if type_is(value, "microsoft.containerservice/managedclusters") {
        return true;
    }
    let body = get(value, "properties").unwrap_or(value);
    get(body, "agentPoolProfiles").is_some()
        || (get(body, "kubernetesVersion").is_some()
            && (get(body, "dnsPrefix").is_some() || get(body, "fqdn").is_some() || get(body, "enableRbac").is_some()))
}

fn looks_like_agent_pool(value: &Value) -> bool {
    type_is(value, "managedclusters/agentpools")
        || (string(value, &["id"]).is_some_and(|id| id.to_ascii_lowercase().contains("/agentpools/"))
            && get(get(value, "properties").unwrap_or(value), "orchestratorVersion").is_some())
}

fn find<'a>(value: &'a Value, pointer: String, out: &mut Vec<Found<'a>>) {
    match value {
        Value::Object(map) => {
            if looks_like_cluster(value) {
                out.push(Found::Cluster(pointer, value));
            } else if looks_like_agent_pool(value) {
                out.push(Found::AgentPool(pointer, value));
            } else {
                for (k, v) in map {
                    find(v, format!("{pointer}/{}", k.replace('~', "~0").replace('/', "~1")), out);
                }
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                find(v, format!("{pointer}/{i}"), out);
            }
        }
        _ => {}
    }
}

fn cluster_fact(value: &Value, location: FileLocation) -> Option<ClusterFact> {
    let arm = get(value, "properties").filter(|p| p.is_object());
    let body = arm.unwrap_or(value);
    let id = string(value, &["id"]);
    let parsed = id.as_deref().map(parse_resource_id).unwrap_or_default();
    let name = string(value, &["name"]).or(parsed.cluster.clone())?;
    let resource_group = string(value, &["resourceGroup"]).or(parsed.resource_group.clone());
    let kubernetes_version = string(body, &["kubernetesVersion"]);
    let current_kubernetes_version = string(body, &["currentKubernetesVersion"]);
    let kubernetes_minor = [&kubernetes_version, &current_kubernetes_version]
        .iter()
        .filter_map(|v| v.as_deref().and_then(kubernetes_minor))
        .max();
    let created_at = string(value, &["systemData", "createdAt"]);
    let aad = get(body, "aadProfile").map(|aad| AadFact {
        managed: boolean(aad, &["managed"]),
        enable_azure_rbac: boolean(aad, &["enableAzureRbac"]),
    });
    let agent_pools = get(body, "agentPoolProfiles")
        .and_then(Value::as_array)
        .map(|pools| pools.iter().map(|p| agent_pool(p, None)).collect())
        .unwrap_or_default();
    Some(ClusterFact {
        location,
        spelling: if arm.is_some() { "arm" } else { "az" }.into(),
        key: cluster_key(resource_group.as_deref().unwrap_or(""), &name),
        id,
        name,
        resource_group,
        subscription_id: parsed.subscription,
        region: string(value, &["location"]),
        enable_rbac: boolean(body, &["enableRbac"]),
        aad,
        disable_local_accounts: boolean(body, &["disableLocalAccounts"]),
        power_state: string(body, &["powerState", "code"]),
        provisioning_state: string(body, &["provisioningState"]),
        kubernetes_version,
        current_kubernetes_version,
        kubernetes_minor,
        fqdn: string(body, &["fqdn"]),
        private_fqdn: string(body, &["privateFqdn"]),
        node_resource_group: string(body, &["nodeResourceGroup"]),
        created_at_unix: created_at.as_deref().and_then(parse_unix),
        created_at,
        partial: false,
        agent_pools,
    })
}

fn agent_pool(value: &Value, location: Option<FileLocation>) -> AgentPoolFact {
    let body = get(value, "properties").filter(|p| p.is_object()).unwrap_or(value);
    let node_image_version = string(body, &["nodeImageVersion"]);
    let node_image_date = node_image_version.as_deref().and_then(node_image_date);
    AgentPoolFact {
        name: string(value, &["name"]).unwrap_or_default(),
        count: integer(body, &["count"]),
        mode: string(body, &["mode"]),
        os_type: string(body, &["osType"]),
        os_sku: string(body, &["osSku"]),
        pool_type: string(body, &["type"]).filter(|t| !t.contains('/')),
        node_image_date_unix: node_image_date
            .as_deref()
            .and_then(|d| parse_unix(&format!("{d}T00:00:00Z"))),
        node_image_date,
        node_image_version,
        orchestrator_version: string(body, &["orchestratorVersion"]),
        current_orchestrator_version: string(body, &["currentOrchestratorVersion"]),
        provisioning_state: string(body, &["provisioningState"]),
        power_state: string(body, &["powerState", "code"]),
        location,
        serving_rotation_opt_out: tag(body, SERVING_ROTATION_OPT_OUT)
            .or_else(|| tag(value, SERVING_ROTATION_OPT_OUT))
            .map(|v| v.trim().eq_ignore_ascii_case("true")),
    }
}

/// The node pool tag that opts out of kubelet serving certificate rotation (honoured until
/// 2027-04-01).
pub const SERVING_ROTATION_OPT_OUT: &str = "aks-disable-kubelet-serving-certificate-rotation";

/// The value of tag `name` (tag names are case-insensitive in Azure).
fn tag(value: &Value, name: &str) -> Option<String> {
    get(value, "tags")
        .and_then(Value::as_object)?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .and_then(|(_, v)| v.as_str().map(str::to_string))
}
