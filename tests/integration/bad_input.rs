//! Bad input never crashes and never loses data: each problem is one recorded error and one
//! warning line naming the source, and everything else is still collected.

use crate::util::*;

fn errors_of(out: &std::process::Output) -> Vec<serde_json::Value> {
    let f: serde_json::Value = serde_json::from_slice(&out.stdout).expect("a facts document");
    f["errors"].as_array().expect("errors").clone()
}

fn kinds_for(errors: &[serde_json::Value], path_suffix: &str) -> Vec<String> {
    errors
        .iter()
        .filter(|e| e["path"].as_str().is_some_and(|p| p.ends_with(path_suffix)))
        .map(|e| e["kind"].as_str().expect("kind").to_string())
        .collect()
}

/// A copy of `testdata/bad/certs` with a symbolic link loop added.
fn bad_certs_with_loop() -> tempfile::TempDir {
    let dir = tempdir();
    let certs = dir.path().join("certs");
    std::fs::create_dir(&certs).expect("mkdir");
    for entry in std::fs::read_dir(root().join("testdata/bad/certs")).expect("dir") {
        let path = entry.expect("entry").path();
        std::fs::copy(&path, certs.join(path.file_name().expect("name"))).expect("copy");
    }
    std::os::unix::fs::symlink(".", certs.join("loop")).expect("symlink");
    dir
}

#[test]
fn every_bad_file_is_one_error_and_the_scan_goes_on() {
    let bad = bad_certs_with_loop();
    let certs = bad.path().join("certs");
    let out = facts_at_now(&[
        "--certs",
        certs.to_str().expect("utf8"),
        "--kubeconfig",
        "testdata/bad/broken-kubeconfig.yaml",
        "--cluster",
        "testdata/bad/wrong-shape.json",
        "--nodes",
        "testdata/bad/truncated.json",
        "--kubeconfig",
        "testdata/scenarios/healthy/kubeconfig",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "good sources were collected: {}",
        stderr(&out)
    );
    let errors = errors_of(&out);
    assert_eq!(kinds_for(&errors, "truncated.pem"), ["malformed-certificate"]);
    assert_eq!(kinds_for(&errors, "junk.crt"), ["not-a-certificate"]);
    assert_eq!(kinds_for(&errors, "empty.crt"), ["empty"]);
    assert_eq!(kinds_for(&errors, "not-der.pem"), ["malformed-certificate"]);
    assert_eq!(kinds_for(&errors, "certs/loop"), ["symlink-loop"]);
    assert_eq!(kinds_for(&errors, "broken-kubeconfig.yaml"), ["malformed-yaml"]);
    assert_eq!(kinds_for(&errors, "wrong-shape.json"), ["wrong-shape"]);
    assert_eq!(kinds_for(&errors, "truncated.json"), ["malformed-json"]);
    assert!(
        kinds_for(&errors, "random.bin").is_empty(),
        "a non-certificate name in a directory is skipped"
    );
    assert!(kinds_for(&errors, "only-a-key.key").is_empty(), "key files are skipped");
    // One warning line per error, naming the flag and the file.
    let warnings: Vec<String> = stderr(&out)
        .lines()
        .filter(|l| l.starts_with("warning: "))
        .map(str::to_string)
        .collect();
    assert_eq!(warnings.len(), errors.len());
    let expected = format!(
        "warning: --certs {}/truncated.pem:1: truncated PEM block",
        certs.display()
    );
    assert!(warnings.iter().any(|w| w.starts_with(&expected)), "{warnings:#?}");
    // The good kubeconfig was still read.
    let f: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(f["kubeconfigs"].as_array().expect("kubeconfigs").len(), 1);
    let certs = f["sources"]
        .as_array()
        .expect("sources")
        .iter()
        .find(|s| s["kind"] == "certs")
        .expect("certs source")
        .clone();
    assert_eq!(certs["files_skipped"], 2);
}

#[test]
fn a_named_file_must_hold_a_certificate() {
    let out = facts_at_now(&["--certs", "testdata/bad/certs/random.bin"]);
    assert_eq!(out.status.code(), Some(2), "nothing collected at all");
    assert_eq!(kinds_for(&errors_of(&out), "random.bin"), ["not-a-certificate"]);
}

#[test]
fn oversized_files_are_refused_by_the_cap() {
    let out = facts_at_now(&[
        "--max-file-size",
        "100",
        "--certs",
        "testdata/corpus/certs/aks-cluster-ca-2022-10-24.pem",
        "--cluster",
        "testdata/scenarios/healthy/cluster.json",
    ]);
    let errors = errors_of(&out);
    assert_eq!(kinds_for(&errors, "aks-cluster-ca-2022-10-24.pem"), ["too-large"]);
    assert_eq!(kinds_for(&errors, "cluster.json"), ["too-large"]);
    assert!(stderr(&out).contains("--max-file-size"));
}

#[test]
fn missing_paths_are_errors() {
    let out = facts_at_now(&[
        "--certs",
        "testdata/nope",
        "--node-root",
        "testdata/nope",
        "--kubeconfig",
        "testdata/nope",
        "--kubeconfig",
        "testdata/scenarios/healthy/kubeconfig",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let errors = errors_of(&out);
    assert_eq!(
        kinds_for(&errors, "testdata/nope"),
        ["not-found", "not-found", "not-found"]
    );
}

#[test]
fn a_directory_that_is_not_a_node_is_a_clear_error() {
    let out = facts_at_now(&["--node-root", "testdata/corpus"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no AKS node layout found"));
}

#[test]
fn unreadable_files_are_errors() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempdir();
    let file = dir.path().join("secret.crt");
    std::fs::copy(
        root().join("testdata/corpus/certs/aks-cluster-ca-2022-10-24.pem"),
        &file,
    )
    .expect("copy");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o000)).expect("chmod");
    if std::fs::read(&file).is_ok() {
        skip_here("unreadable files", "running as root, permissions do not stop reads");
        return;
    }
    let out = facts_at_now(&["--certs", dir.path().to_str().expect("utf8")]);
    assert_eq!(kinds_for(&errors_of(&out), "secret.crt"), ["permission-denied"]);
}

#[test]
fn collection_errors_become_scan001_findings() {
    let out = scan_json(&[
        "--certs",
        "testdata/bad/certs",
        "--cluster",
        "testdata/scenarios/healthy/cluster.json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "SCAN001 is a warning: not a failure at --fail-on error"
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let scan001 = doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule_id"] == "SCAN001")
        .count();
    assert_eq!(scan001, 4);
    let strict = scan_json(&[
        "--fail-on",
        "warning",
        "--certs",
        "testdata/bad/certs",
        "--cluster",
        "testdata/scenarios/healthy/cluster.json",
    ]);
    assert_eq!(
        strict.status.code(),
        Some(1),
        "lost coverage fails at --fail-on warning"
    );
}

#[test]
fn nothing_collected_exits_2_but_still_reports() {
    let out = scan_json(&["--cluster", "testdata/bad/truncated.json"]);
    assert_eq!(out.status.code(), Some(2));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(doc["findings"][0]["rule_id"], "SCAN001");
}
