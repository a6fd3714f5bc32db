//! `--all-clusters`: every AKS cluster the user can see, from Azure Resource Graph through the
//! user's own `az` (`az graph query`, the `resource-graph` extension), paged 1,000 rows at a time
//! with `--skip-token` until none is returned. Rows are ARM-shaped managed cluster resources and are
//! read by the same collector as `--cluster`.
//!
//! A page that is not JSON, is truncated, or ends the paging before `total_records` rows arrived
//! is an error entry naming the page; the clusters of the pages read before it are kept and
//! scanned. A cluster listed twice (pages overlap when the inventory changes while it is read) is
//! kept once.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use serde_json::Value;

use super::command;
use super::options::LiveOptions;
use crate::facts::model::{ClusterFact, ErrorKind, SourceKind};
use crate::facts::part::Part;
use crate::sources::cluster;
use crate::sources::context::CollectContext;
use crate::sources::read::input::{error, parse_json};

/// Rows per page: Resource Graph's maximum for `--first`.
pub const PAGE_SIZE: usize = 1000;

/// Pages read at most (5,000,000 clusters): a paging loop that never ends is an error.
const MAX_PAGES: usize = 5000;

/// The query: every managed cluster with the properties the rules read, in a stable order so that
/// pages do not overlap.
pub const QUERY: &str = "resources | where type =~ 'microsoft.containerservice/managedclusters' | project id, name, type, location, resourceGroup, subscriptionId, sku, identity, tags, properties | order by id asc";

/// `live://resource-graph/page-N`.
pub fn page_uri(page: usize) -> String {
    format!("live://resource-graph/page-{page}")
}

/// The `az graph query` arguments for one page.
pub fn arguments(options: &LiveOptions, skip_token: Option<&str>) -> Vec<String> {
    let mut args: Vec<String> = ["graph", "query", "-q", QUERY, "--first"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    args.push(PAGE_SIZE.to_string());
    if let Some(token) = skip_token {
        args.push("--skip-token".into());
        args.push(token.into());
    }
    if !options.subscriptions.is_empty() {
        args.push("--subscriptions".into());
        args.extend(options.subscriptions.iter().cloned());
    }
    if !options.management_groups.is_empty() {
        args.push("--management-groups".into());
        args.extend(options.management_groups.iter().cloned());
    }
    args.extend(["-o".to_string(), "json".to_string()]);
    args
}

/// What `az` says when the extension is missing.
fn explain(message: String) -> String {
    let lower = message.to_ascii_lowercase();
    if lower.contains("'graph' is misspelled")
        || lower.contains("'graph' is not in the")
        || lower.contains("extension") && lower.contains("resource-graph")
    {
        format!(
            "Azure Resource Graph is not available in az: install it with `az extension add --name resource-graph` ({message})"
        )
    } else {
        message
    }
}

/// The inventory: the pages read (as cluster collector parts, plus any error), and the clusters.
pub struct Inventory {
    /// One part per page with clusters, and error parts.
    pub parts: Vec<Part>,
    /// Every cluster found, once, in inventory order.
    pub clusters: Vec<ClusterFact>,
}

/// Reads the whole inventory.
pub fn collect(options: &LiveOptions, ctx: &CollectContext, timeout: Duration) -> Inventory {
    let mut parts = Vec::new();
    let mut clusters: Vec<ClusterFact> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    let mut skip_token: Option<String> = None;
    // Every token asked for: a cycle (A, B, A, ...) would otherwise run to MAX_PAGES.
    let mut tokens_seen: HashSet<String> = HashSet::new();
    let mut total: Option<u64> = None;
    for page in 1..=MAX_PAGES {
        let uri = page_uri(page);
        let fail = |kind: ErrorKind, message: String| {
            Part::for_source(SourceKind::Cluster, &uri).with_error(error(SourceKind::Cluster, &uri, kind, message))
        };
        let args = arguments(options, skip_token.as_deref());
        let text = match command::run(&options.az, &args, &[], timeout, ctx.max_document_size) {
            Ok(text) => text,
            Err(message) => {
                parts.push(fail(ErrorKind::Probe, explain(message.to_string())));
                break;
            }
        };
        let doc = match parse_json(text, &uri, SourceKind::Cluster) {
            Ok(doc) => doc,
            Err(e) => {
                parts.push(Part::for_source(SourceKind::Cluster, &uri).with_error(error(
                    SourceKind::Cluster,
                    &uri,
                    ErrorKind::MalformedJson,
                    format!(
                        "Resource Graph page {page} is not complete JSON ({}); the inventory stops here",
                        e.message
                    ),
                )));
                break;
            }
        };
        let Some(rows) = doc.value.get("data").and_then(Value::as_array) else {
            parts.push(fail(
                ErrorKind::WrongShape,
                format!("Resource Graph page {page} has no `data` array; the inventory stops here"),
            ));
            break;
        };
        let rows_here = rows.len();
        total = total.or_else(|| doc.value.get("total_records").and_then(Value::as_u64));
        let next = doc
            .value
            .get("skip_token")
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
            .map(str::to_string);
        if rows_here > 0 {
            let mut part = cluster::from_document(doc);
            part.facts.clusters.retain(|c| {
                let identity = c.id.clone().unwrap_or_else(|| c.key.clone()).to_ascii_lowercase();
                seen.insert(identity)
            });
            clusters.extend(part.facts.clusters.iter().cloned());
            parts.push(part);
        }
        match next {
            Some(token) if tokens_seen.insert(token.clone()) => skip_token = Some(token),
            Some(_) => {
                parts.push(fail(
                    ErrorKind::WrongShape,
                    format!("Resource Graph page {page} repeated an earlier skip_token; the inventory stops here"),
                ));
                break;
            }
            None => {
                if let Some(total) = total.filter(|t| (seen.len() as u64) < *t) {
                    parts.push(fail(
                        ErrorKind::WrongShape,
                        format!(
                            "Resource Graph returned {} of {total} clusters: page {page} has no skip_token although rows remain",
                            seen.len()
                        ),
                    ));
                }
                break;
            }
        }
        if page == MAX_PAGES {
            parts.push(fail(
                ErrorKind::WrongShape,
                format!("Resource Graph paging did not end after {MAX_PAGES} pages"),
            ));
        }
    }
    disambiguate(&mut parts, &mut clusters);
    Inventory { parts, clusters }
}

/// The same resource group and name in two subscriptions are two clusters: their keys get the
/// subscription in front (`SUBSCRIPTION/rg/name`) so that neither is merged into the other.
fn disambiguate(parts: &mut [Part], clusters: &mut [ClusterFact]) {
    let mut subscriptions: HashMap<String, HashSet<String>> = HashMap::new();
    for c in clusters.iter() {
        subscriptions
            .entry(c.key.clone())
            .or_default()
            .insert(c.subscription_id.clone().unwrap_or_default().to_ascii_lowercase());
    }
    let ambiguous: HashSet<String> = subscriptions
        .into_iter()
        .filter(|(_, subs)| subs.len() > 1)
        .map(|(key, _)| key)
        .collect();
    if ambiguous.is_empty() {
        return;
    }
    let rekey = |c: &mut ClusterFact| {
        if ambiguous.contains(&c.key) {
            c.key = format!(
                "{}/{}",
                c.subscription_id.clone().unwrap_or_default().to_ascii_lowercase(),
                c.key
            );
        }
    };
    clusters.iter_mut().for_each(rekey);
    for part in parts {
        part.facts.clusters.iter_mut().for_each(rekey);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_page_and_narrow() {
        let options = LiveOptions {
            subscriptions: vec!["s1".into(), "s2".into()],
            management_groups: vec!["mg".into()],
            ..Default::default()
        };
        let args = arguments(&options, Some("tok"));
        let joined = args.join(" ");
        assert!(joined.starts_with("graph query -q resources | where type =~"));
        assert!(joined.ends_with("--first 1000 --skip-token tok --subscriptions s1 s2 --management-groups mg -o json"));
    }

    #[test]
    fn a_missing_extension_is_explained() {
        let message = explain("ERROR: 'graph' is misspelled or not recognized by the system.".into());
        assert!(message.contains("az extension add --name resource-graph"), "{message}");
    }
}
