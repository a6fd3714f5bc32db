//! Shared set-up of the fuzz targets: one call per parser, each taking raw bytes as an attacker
//! would hand them over. Every target only checks that nothing panics, hangs or runs away with
//! memory; what the parsers record is tested in the scanner's own tests.

use aks_certscan::facts::model::{CertificateOrigin, CertificateRole, SourceKind};
use aks_certscan::facts::part::Part;
use aks_certscan::sources::read::input::parse_json;
use aks_certscan::sources::CollectContext;

/// Text the way the collectors see it: invalid UTF-8 becomes replacement characters.
pub fn text(data: &[u8]) -> String {
    String::from_utf8_lossy(data).into_owned()
}

/// Every certificate found in a file, analysed: PEM, DER, base64 PEM in text.
pub fn certificates(data: &[u8]) {
    let found = aks_certscan::sources::read::pem::extract(data);
    for cert in found.certificates {
        let _ = aks_certscan::facts::x509::analyze(cert.der, CertificateOrigin::default(), CertificateRole::Unknown);
    }
}

/// A kubeconfig (YAML or JSON). Paths inside it resolve below a directory that does not exist.
pub fn kubeconfig(data: &[u8]) {
    let ctx = CollectContext::default();
    let base = Part::for_source(SourceKind::Kubeconfig, "fuzz");
    let _ =
        aks_certscan::sources::kubeconfig::from_text(&text(data), "fuzz", Some("/nonexistent-fuzz".into()), &ctx, base);
}

/// `az aks show` / `az aks list` / ARM JSON.
pub fn cluster(data: &[u8]) {
    if let Ok(doc) = parse_json(text(data), "fuzz", SourceKind::Cluster) {
        let _ = aks_certscan::sources::cluster::from_document(doc);
    }
}

/// `kubectl get nodes -o json`.
pub fn nodes(data: &[u8]) {
    if let Ok(doc) = parse_json(text(data), "fuzz", SourceKind::Nodes) {
        let _ = aks_certscan::sources::nodes::from_document(doc);
    }
}

/// Kubernetes objects (`kubectl get ... -o json`, YAML streams), then derived as a scan would:
/// relations, pinned CA copies, CSR ages.
pub fn k8s_objects(data: &[u8]) {
    let ctx = CollectContext::default();
    let part = aks_certscan::sources::k8s_objects::from_text(&text(data), "fuzz", None, &ctx);
    let mut assembled = aks_certscan::facts::assemble(vec![part]);
    let now = aks_certscan::clock::Instant::parse("2026-11-29T00:00:00Z").expect("fixed time");
    aks_certscan::facts::derive::derive(&mut assembled, now);
}

/// A saved facts document, merged and derived again as `--facts` does.
pub fn facts_document(data: &[u8]) {
    if let Ok(doc) = parse_json(text(data), "fuzz", SourceKind::Facts) {
        let part = aks_certscan::sources::facts_merge::from_document(doc);
        let mut assembled = aks_certscan::facts::assemble(vec![part]);
        let now = aks_certscan::clock::Instant::parse("2026-11-29T00:00:00Z").expect("fixed time");
        aks_certscan::facts::derive::derive(&mut assembled, now);
    }
}

/// A baseline SARIF file.
pub fn baseline(data: &[u8]) {
    let _ = aks_certscan::triage::baseline::Baseline::from_text(&text(data), "fuzz");
}

/// The files a node collector reads, in one input: sections separated by a 0xFF byte, written
/// to the well-known paths below a node root in memory-backed storage, then collected.
pub fn node_root(data: &[u8]) {
    const FILES: &[&str] = &[
        "etc/kubernetes/certs/ca.crt",
        "etc/kubernetes/certs/apiserver.crt",
        "etc/kubernetes/certs/client.crt",
        "var/lib/kubelet/kubeconfig",
        "var/lib/kubelet/pki/kubelet-client-current.pem",
        "var/lib/kubelet/bootstrap-kubeconfig",
        "etc/kubernetes/certs/kubeletserver.crt",
    ];
    let base = std::env::temp_dir().join(format!("aks-certscan-fuzz-node-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    let mut sections = data.split(|b| *b == 0xff);
    for file in FILES {
        let Some(content) = sections.next() else { break };
        let path = base.join(file);
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let _ = std::fs::write(&path, content);
    }
    let _ = aks_certscan::sources::node_root::collect(&base, &CollectContext::default());
}

/// One HTTP request head as `serve` reads it, under a small head limit so that both the limit
/// and complete heads are reached.
pub fn http_request(data: &[u8]) {
    use aks_certscan::commands::serve::http::{parse_request, Parsed};
    let mut rest = data;
    // Pipelined requests, as the server answers them: one after the other.
    while let Parsed::Complete(_, consumed) = parse_request(rest, 4096) {
        assert!(
            consumed > 0 && consumed <= rest.len(),
            "a request takes some of the input"
        );
        rest = &rest[consumed..];
    }
}

/// A waiver's path glob against a path: the first line is the glob, the rest the path.
pub fn exception_glob(data: &[u8]) {
    let text = text(data);
    let (glob, path) = text.split_once('\n').unwrap_or((&text, ""));
    let _ = aks_certscan::triage::glob::matches(glob, path);
}
