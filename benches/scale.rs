//! Scale benchmark: fact collection over a generated directory of certificates, and one policy
//! pass over facts with 1,000, 10,000 and 100,000 certificates.
//!
//!     cargo bench --bench scale                # 10,000 files; evaluation at 1k/10k/100k
//!     cargo bench --bench scale -- 2000        # a smaller directory
//!
//! Wall-clock figures on a shared machine vary; the ratios between sizes are what shows whether
//! costs stay linear. Each figure is the median of several runs.

use std::path::Path;
use std::time::{Duration, Instant};

use aks_certscan::clock::Instant as EvalTime;
use aks_certscan::facts::model::{ClusterFact, FactsDocument, SourceKind};
use aks_certscan::facts::{collect, CollectContext, SourceSpec};
use aks_certscan::policy::engine::PolicySet;
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

fn time_collect(dir: &Path, runs: usize) -> (Duration, FactsDocument) {
    let ctx = CollectContext {
        now: EvalTime::parse("2026-11-29T00:00:00Z").expect("now"),
        max_file_size: 1 << 20,
        probe: Default::default(),
    };
    let spec = [SourceSpec::new(SourceKind::Certs, dir)];
    let mut samples = Vec::new();
    let mut doc = FactsDocument::default();
    for _ in 0..runs {
        let start = Instant::now();
        doc = collect(&spec, &ctx);
        samples.push(start.elapsed());
    }
    (median(samples), doc)
}

/// A document with `n` certificates cloned from `base`, half of them linked to a cluster that
/// should auto-rotate, so that the cluster-aware rules do real work.
fn scaled(base: &FactsDocument, n: usize) -> FactsDocument {
    let mut doc = base.clone();
    doc.errors.clear();
    doc.clusters = vec![ClusterFact {
        key: "rg/prod".into(),
        name: "prod".into(),
        resource_group: Some("rg".into()),
        enable_rbac: Some(true),
        kubernetes_minor: Some(30),
        power_state: Some("Running".into()),
        provisioning_state: Some("Succeeded".into()),
        ..Default::default()
    }];
    doc.certificates = (0..n)
        .map(|i| {
            let mut c = base.certificates[i % base.certificates.len()].clone();
            c.id = format!("{}-{i}", c.id);
            c.der_base64.clear();
            if i % 2 == 0 {
                c.cluster_key = Some("rg/prod".into());
                c.role = aks_certscan::facts::model::CertificateRole::KubeletClient;
            }
            c
        })
        .collect();
    doc
}

fn main() {
    let count: usize = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(10_000);
    let dir = tempfile::tempdir().expect("tempdir");
    let start = Instant::now();
    generate(dir.path(), count);
    println!(
        "generated {count} certificates in {:.1} s",
        start.elapsed().as_secs_f64()
    );

    let small = count / 10;
    let small_dir = tempfile::tempdir().expect("tempdir");
    generate(small_dir.path(), small);
    let (t_small, _) = time_collect(small_dir.path(), 5);
    let (t_full, doc) = time_collect(dir.path(), 5);
    println!(
        "collect  {:>7} certificates: {:>8.1} ms  ({:.1} µs per certificate, {} threads)",
        small,
        t_small.as_secs_f64() * 1e3,
        t_small.as_secs_f64() * 1e6 / small as f64,
        rayon::current_num_threads()
    );
    println!(
        "collect  {:>7} certificates: {:>8.1} ms  ({:.1} µs per certificate)",
        count,
        t_full.as_secs_f64() * 1e3,
        t_full.as_secs_f64() * 1e6 / count as f64
    );
    assert_eq!(
        doc.certificates.len(),
        count,
        "every generated certificate was collected"
    );

    let policies = PolicySet::load(&[]).expect("bundled policies");
    let params = serde_json::json!({});
    let skip = Default::default();
    for n in [1_000usize, 10_000, 100_000] {
        let facts = serde_json::to_string(&scaled(&doc, n)).expect("json");
        let runs = if n >= 100_000 { 3 } else { 5 };
        let mut samples = Vec::new();
        let mut findings = 0;
        for _ in 0..runs {
            let start = Instant::now();
            findings = policies
                .evaluate(&facts, &params, &skip, Duration::from_secs(600))
                .expect("evaluates")
                .len();
            samples.push(start.elapsed());
        }
        let t = median(samples);
        println!(
            "evaluate {:>7} certificates: {:>8.1} ms  ({:.1} µs per certificate, {} findings)",
            n,
            t.as_secs_f64() * 1e3,
            t.as_secs_f64() * 1e6 / n as f64,
            findings
        );
    }
}
