//! Scale benchmark: fact collection over a directory of certificates, and policy evaluation over
//! facts with 1,000, 10,000 and 100,000 certificates, in total and rule by rule.
//!
//!     cargo bench --bench scale                      # 10,000 generated files; 1k/10k/100k
//!     cargo bench --bench scale -- 2000              # a smaller generated directory
//!     cargo bench --bench scale -- --dir DIR         # an existing directory (gen_certs.py)
//!     cargo bench --bench scale -- --rules           # also time each rule alone
//!
//! Wall-clock figures on a shared machine vary; the ratios between sizes are what shows whether
//! costs stay linear. Each figure is the median of several runs. The side-by-side comparison
//! with the Python peer is `scripts/bench-peers`.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use aks_certscan::clock::Instant as EvalTime;
use aks_certscan::facts::model::{CertificateRole, ClusterFact, FactsDocument};
use aks_certscan::policy::{Engine, Overrides, Skip};
use aks_certscan::sources::{CollectPlan, Source};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn generate(dir: &Path, count: usize) {
    let ca_key = KeyPair::generate().expect("key");
    let mut ca = CertificateParams::new(Vec::<String>::new()).expect("params");
    ca.distinguished_name.push(DnType::CommonName, "ca");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.not_before = time::macros::datetime!(2025-01-01 00:00 UTC);
    ca.not_after = time::macros::datetime!(2055-01-01 00:00 UTC);
    let issuer = Issuer::from_params(&ca, &ca_key);
    let leaf_key = KeyPair::generate().expect("key");
    for i in 0..count {
        let sub = dir.join(format!("d{:03}", i / 100));
        std::fs::create_dir_all(&sub).expect("mkdir");
        let mut p = CertificateParams::new(vec![format!("node-{i}.example")]).expect("params");
        p.distinguished_name
            .push(DnType::CommonName, format!("system:node:node-{i}"));
        p.not_before = time::macros::datetime!(2025-06-01 00:00 UTC) + time::Duration::hours(i as i64);
        p.not_after = p.not_before + time::Duration::days(730);
        let pem = p.signed_by(&leaf_key, &issuer).expect("sign").pem();
        std::fs::write(sub.join(format!("cert-{i}.pem")), pem).expect("write");
    }
}

fn now() -> EvalTime {
    EvalTime::parse("2026-11-29T00:00:00Z").expect("now")
}

fn time_collect(dir: &Path, runs: usize) -> (Duration, FactsDocument) {
    let plan = CollectPlan::new(vec![Source::Certs(dir.to_path_buf())], now());
    let mut samples = Vec::new();
    let mut doc = FactsDocument::default();
    for _ in 0..runs {
        let start = Instant::now();
        doc = aks_certscan::pipeline::collect_facts(&plan).0;
        samples.push(start.elapsed());
    }
    (median(samples), doc)
}

/// A document with `n` certificates cloned from `base`, half of them linked to a cluster that
/// should auto-rotate, so that the cluster-aware rules do real work.
fn scaled(base: &FactsDocument, n: usize) -> FactsDocument {
    let mut doc = base.clone();
    doc.facts.errors.clear();
    doc.facts.clusters = vec![ClusterFact {
        key: "rg/prod".into(),
        name: "prod".into(),
        resource_group: Some("rg".into()),
        enable_rbac: Some(true),
        kubernetes_minor: Some(30),
        power_state: Some("Running".into()),
        provisioning_state: Some("Succeeded".into()),
        ..Default::default()
    }];
    doc.facts.certificates = (0..n)
        .map(|i| {
            let mut c = base.facts.certificates[i % base.facts.certificates.len()].clone();
            c.id = format!("{}-{i}", c.id);
            c.der = Default::default();
            if i % 2 == 0 {
                c.cluster_key = Some("rg/prod".into());
                c.role = CertificateRole::KubeletClient;
            }
            c
        })
        .collect();
    doc
}

fn time_evaluate(engine: &Engine, facts: &FactsDocument, skip: &Skip, runs: usize) -> (Duration, usize) {
    let overrides = Overrides::new();
    let mut samples = Vec::new();
    let mut findings = 0;
    for _ in 0..runs {
        let start = Instant::now();
        findings = engine
            .evaluate(facts, &overrides, skip, false)
            .expect("evaluates")
            .findings
            .len();
        samples.push(start.elapsed());
    }
    (median(samples), findings)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let per_rule = args.iter().any(|a| a == "--rules");
    let given_dir = args
        .iter()
        .position(|a| a == "--dir")
        .and_then(|i| args.get(i + 1))
        .map(PathBuf::from);
    let count: usize = args.iter().find_map(|a| a.parse().ok()).unwrap_or(10_000);
    let generated = tempfile::tempdir().expect("tempdir");
    let dir = match given_dir {
        Some(dir) => dir,
        None => {
            let start = Instant::now();
            generate(generated.path(), count);
            println!(
                "generated {count} certificates in {:.1} s",
                start.elapsed().as_secs_f64()
            );
            generated.path().to_path_buf()
        }
    };

    let (t_collect, doc) = time_collect(&dir, 5);
    let n = doc.facts.certificates.len();
    println!(
        "collect  {:>7} certificates: {:>8.1} ms  ({:.1} µs per certificate, {} threads)",
        n,
        t_collect.as_secs_f64() * 1e3,
        t_collect.as_secs_f64() * 1e6 / n.max(1) as f64,
        rayon::current_num_threads()
    );
    assert!(n > 0, "the directory held certificates");

    let engine = Engine::load(&[]).expect("bundled policies");
    for size in [1_000usize, 10_000, 100_000] {
        let facts = scaled(&doc, size);
        let runs = if size >= 100_000 { 3 } else { 5 };
        let (t, findings) = time_evaluate(&engine, &facts, &Skip::new(), runs);
        println!(
            "evaluate {:>7} certificates: {:>8.1} ms  ({:.1} µs per certificate, {} findings)",
            size,
            t.as_secs_f64() * 1e3,
            t.as_secs_f64() * 1e6 / size as f64,
            findings
        );
        if per_rule && size == 100_000 {
            for rule in engine.rules() {
                let skip: Skip = engine
                    .rules()
                    .iter()
                    .filter(|r| r.meta.id != rule.meta.id)
                    .map(|r| r.meta.id.clone())
                    .collect();
                let (t, findings) = time_evaluate(&engine, &facts, &skip, 3);
                println!(
                    "  {} alone: {:>8.1} ms ({} findings)",
                    rule.meta.id,
                    t.as_secs_f64() * 1e3,
                    findings
                );
            }
        }
    }
}
