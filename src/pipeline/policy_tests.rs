//! Evaluation as a whole: the results never depend on how the work is split or on which fields
//! the bundled rules are shown, and the bundled rules read only the fields they are shown.

use std::collections::BTreeSet;
use std::path::PathBuf;

use crate::clock::Instant;
use crate::facts::model::FactsDocument;
use crate::policy::{CertificateFields, Engine, Overrides, Skip};
use crate::sources::{CollectPlan, Source};

fn collect(plan: &CollectPlan) -> FactsDocument {
    super::collect_facts(plan).0
}

fn now() -> Instant {
    Instant::parse("2026-11-29T00:00:00Z").expect("now")
}

/// Every scenario of the example estate, and the corpus, as facts.
fn estates() -> Vec<(String, FactsDocument)> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata");
    let mut out = Vec::new();
    let mut scenarios: Vec<PathBuf> = std::fs::read_dir(root.join("scenarios"))
        .expect("scenarios")
        .map(|e| e.expect("entry").path())
        .collect();
    scenarios.sort();
    for dir in scenarios {
        let mut sources = Vec::new();
        let mut entries: Vec<PathBuf> = std::fs::read_dir(&dir)
            .expect("scenario")
            .map(|e| e.expect("entry").path())
            .collect();
        entries.sort();
        for path in entries {
            let name = path.file_name().expect("name").to_string_lossy().into_owned();
            if path.is_dir() && name.starts_with("node") {
                sources.push(Source::NodeRoot(path));
            } else if name.starts_with("kubeconfig") {
                sources.push(Source::Kubeconfig(path));
            } else if name.starts_with("cluster") {
                sources.push(Source::Cluster(path));
            } else if name == "nodes.json" {
                sources.push(Source::Nodes(path));
            }
        }
        let name = dir.file_name().expect("name").to_string_lossy().into_owned();
        out.push((name, collect(&CollectPlan::new(sources, now()))));
    }
    let corpus = CollectPlan::new(
        vec![
            Source::Certs(root.join("corpus/certs")),
            Source::Cluster(root.join("corpus/managedcluster/arm-2019-02-01-ManagedClustersGet.json")),
            Source::Nodes(root.join("corpus/nodes/aks-3node-v1.18-nodelist.json")),
        ],
        now(),
    );
    out.push(("corpus".into(), collect(&corpus)));
    out
}

fn findings_json(engine: &Engine, facts: &FactsDocument) -> String {
    // Findings and coverage come from one pass: neither may depend on how the work is split.
    let evaluation = engine
        .evaluate(facts, &Overrides::new(), &Skip::new(), true)
        .expect("evaluates");
    format!(
        "{}\n{:?}",
        serde_json::to_string_pretty(&evaluation.findings).expect("json"),
        evaluation.coverage
    )
}

#[test]
fn findings_do_not_depend_on_the_chunk_size() {
    let engine = Engine::load(&[]).expect("bundled policies");
    for (name, facts) in estates() {
        let whole = findings_json(&engine, &facts);
        for chunk in [1, 2, 3, 7] {
            let chunked = findings_json(&engine.clone().with_chunk_size(chunk), &facts);
            assert_eq!(chunked, whole, "{name} with chunks of {chunk}");
        }
    }
}

#[test]
fn the_bundled_rules_find_the_same_with_every_field_shown() {
    let engine = Engine::load(&[]).expect("bundled policies");
    let full = engine.clone().with_certificate_fields(CertificateFields::All);
    for (name, facts) in estates() {
        assert_eq!(findings_json(&engine, &facts), findings_json(&full, &facts), "{name}");
    }
}

/// The part of `policies/lib/aks.rego` above this marker is what bundled rules call; below it is
/// the full finding shape kept for user rules, which see every field.
const USER_HELPERS: &str = "# --- The full finding shape";

#[test]
fn the_bundled_rules_read_only_the_certificate_fields_they_are_shown() {
    let shown: BTreeSet<&str> = crate::policy::view::BUNDLED_CERTIFICATE_FIELDS
        .iter()
        .copied()
        .collect();
    let mut unshown = BTreeSet::new();
    for file in crate::policy::bundle::bundled().iter().filter(|f| !f.is_test()) {
        let text = match file.text.split_once(USER_HELPERS) {
            Some((for_rules, _)) => for_rules,
            None => file.text.as_str(),
        };
        // Every `cert.<field>` and `cert.<field>.<field>` read.
        for (at, _) in text.match_indices("cert.") {
            if text[..at]
                .chars()
                .last()
                .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
            {
                continue;
            }
            let path: String = text[at + 5..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '.')
                .collect();
            for field in path.split('.').filter(|f| !f.is_empty() && !shown.contains(f)) {
                unshown.insert(format!("{}: {field}", file.path));
            }
        }
        if !file.path.ends_with("lib/aks.rego") {
            for helper in ["lib.describe(", "lib.cert_resource(", "lib.cert_evidence("] {
                assert!(
                    !text.contains(helper),
                    "{} calls {helper}, meant for user rules",
                    file.path
                );
            }
        }
    }
    assert!(unshown.is_empty(), "fields read but not in the lean view: {unshown:?}");
}

#[test]
fn the_auto_rotation_date_and_seconds_are_the_same_instant() {
    let mut engine = crate::policy::load::compile(&crate::policy::bundle::bundled(), crate::policy::DEFAULT_TIMEOUT)
        .expect("compiles")
        .0;
    let seconds = engine
        .eval_rule("data.aks_certscan.lib.auto_rotation_start_unix".into())
        .expect("defined");
    let date = engine
        .eval_rule("data.aks_certscan.lib.auto_rotation_start_date".into())
        .expect("defined");
    let date = date.as_string().expect("a string").to_string();
    assert_eq!(
        Instant::parse(&date).expect("a date").0,
        seconds.as_i64().expect("a number"),
        "{date}"
    );
}

/// A rule of scope `document` sees every certificate of the estate as one regorus value: at
/// 100,000 certificates that alone is about 150 MB. Bundled rules about nodes, clusters or
/// kubeconfigs read relations Rust derived (`serving_certificate_cluster_signed`, ...) instead.
#[test]
fn no_bundled_rule_needs_the_whole_document() {
    let engine = Engine::load(&[]).expect("bundled policies");
    let whole: Vec<&str> = engine
        .rules()
        .iter()
        .filter(|r| r.meta.scope == crate::policy::Scope::Document)
        .map(|r| r.meta.id.as_str())
        .collect();
    assert!(whole.is_empty(), "rules of scope `document`: {whole:?}");
}
