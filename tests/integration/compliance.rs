//! `aks-certscan compliance`: goldens of the example estate for every bundled framework, real
//! passes only, and the evidence an auditor keeps.
//!
//! The goldens read `testdata/compliance/estate.facts.json`, the facts of every scenario saved
//! once: the live node roots record the kubelet kubeconfig's owner only when the checkout is owned
//! by root, and a report must not depend on who cloned the repository.
//! `UPDATE_GOLDEN=1 cargo test` regenerates the document (run it as root, as CI does) and the
//! goldens.

use std::path::PathBuf;

use crate::util::*;

const FIXTURE: &str = "testdata/compliance/estate.facts.json";

/// Every scenario's sources, as `facts` takes them.
fn estate_args() -> Vec<String> {
    scenarios().iter().flat_map(|s| scenario_args(s)).collect()
}

fn regenerate_fixture() {
    let mut args = vec![
        "facts".to_string(),
        "--now".into(),
        NOW.into(),
        "--output".into(),
        FIXTURE.into(),
    ];
    args.extend(estate_args());
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = run(&argv);
    assert!(out.status.success(), "{}", stderr(&out));
}

fn compliance(framework: &str, format: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["compliance", "--now", NOW, "--framework", framework, "--format", format];
    args.extend(extra);
    run(&args)
}

#[test]
fn goldens_of_the_example_estate_for_every_framework() {
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    if update {
        regenerate_fixture();
    }
    let mut stale = Vec::new();
    for (framework, format, ext) in [
        ("cis-aks", "markdown", "md"),
        ("cis-aks", "json", "json"),
        ("mcsb", "markdown", "md"),
        ("nist-800-53", "markdown", "md"),
        ("org", "markdown", "md"),
    ] {
        let out = compliance(framework, format, &["--facts", FIXTURE, "--fail-on", "never"]);
        assert!(out.status.success(), "{framework}: {}", stderr(&out));
        let path = root()
            .join("tests/golden")
            .join(format!("compliance-{framework}.{ext}"));
        if update {
            std::fs::write(&path, &out.stdout).expect("write");
        }
        if std::fs::read(&path).unwrap_or_default() != out.stdout {
            stale.push(path.display().to_string());
        }
    }
    assert!(
        stale.is_empty(),
        "compliance output differs from goldens (UPDATE_GOLDEN=1 cargo test): {stale:?}"
    );
}

#[test]
fn the_estate_fixture_is_the_scenarios_facts() {
    // The saved document and a fresh collection agree on everything but what depends on the
    // checkout's owner.
    let mut args = vec!["facts".to_string(), "--now".into(), NOW.into()];
    args.extend(estate_args());
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let fresh: serde_json::Value = serde_json::from_slice(&run(&argv).stdout).expect("facts");
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root().join(FIXTURE)).expect("fixture")).expect("json");
    let strip = |mut v: serde_json::Value| {
        for root in v["node_roots"].as_array_mut().expect("roots") {
            for k in [
                "kubeconfig_owner_uid",
                "kubeconfig_owner_gid",
                "kubeconfig_owner_unknown",
            ] {
                root["kubelet"][k] = serde_json::Value::Null;
            }
        }
        v
    };
    assert_eq!(
        strip(fresh),
        strip(saved),
        "testdata/compliance/estate.facts.json is stale: UPDATE_GOLDEN=1 cargo test"
    );
}

fn report(out: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("{}", stderr(out)))
}

fn verdicts(doc: &serde_json::Value) -> Vec<(String, String)> {
    doc["controls"]
        .as_array()
        .expect("controls")
        .iter()
        .map(|c| {
            (
                c["id"].as_str().expect("id").to_string(),
                c["verdict"].as_str().expect("v").to_string(),
            )
        })
        .collect()
}

#[test]
fn a_control_with_nothing_examined_never_passes() {
    // Clusters only: the node controls have nothing to examine.
    let out = compliance(
        "cis-aks",
        "json",
        &["--cluster", "testdata/scenarios/healthy/cluster.json"],
    );
    let doc = report(&out);
    assert!(
        verdicts(&doc).iter().all(|(_, v)| v == "not-applicable"),
        "{:?}",
        verdicts(&doc)
    );

    // A node with no kubelet configuration file: rotation is unknown, not passed.
    let out = compliance(
        "cis-aks",
        "json",
        &["--node-root", "testdata/scenarios/kubelet-settings/node-no-config"],
    );
    let doc = report(&out);
    let v: std::collections::BTreeMap<String, String> = verdicts(&doc).into_iter().collect();
    assert_eq!(v["3.2.8"], "unknown", "{v:?}");
    assert_eq!(v["3.2.9"], "not-applicable", "a self-signed serving certificate: {v:?}");
    let control = doc["controls"]
        .as_array()
        .expect("controls")
        .iter()
        .find(|c| c["id"] == "3.2.8")
        .expect("3.2.8");
    assert!(control["unknown_resources"][0]["reason"]
        .as_str()
        .expect("reason")
        .contains("rotateCertificates"));

    // A user rule that declares no `examined` set cannot make its control pass.
    let dir = tempdir();
    std::fs::write(
        dir.path().join("org_rule.rego"),
        r#"package aks_certscan.rules.org_rule

import rego.v1

metadata := {
	"id": "ORG010",
	"name": "org-rule",
	"title": "An organisation rule",
	"severity": "warning",
	"description": "Finds nothing, and does not say what it looked at.",
	"remediation": "None.",
	"help_uri": "https://example.com/org010",
	"controls": {"cis-aks": ["3.2.8"], "acme-policy": ["ACME-1"]},
}

findings := set()
"#,
    )
    .expect("write");
    let out = compliance(
        "cis-aks",
        "json",
        &[
            "--policy",
            dir.path().to_str().expect("utf8"),
            "--node-root",
            "testdata/scenarios/healthy/node-linux",
        ],
    );
    let doc = report(&out);
    let control = doc["controls"]
        .as_array()
        .expect("controls")
        .iter()
        .find(|c| c["id"] == "3.2.8")
        .expect("3.2.8");
    assert_eq!(control["verdict"], "unknown");
    assert!(control["notes"][0]
        .as_str()
        .expect("note")
        .contains("ORG010 does not declare what it examines"));
    // A user's own framework is reported by id.
    let out = compliance(
        "acme-policy",
        "json",
        &[
            "--policy",
            dir.path().to_str().expect("utf8"),
            "--node-root",
            "testdata/scenarios/healthy/node-linux",
        ],
    );
    let doc = report(&out);
    assert_eq!(verdicts(&doc), [("ACME-1".to_string(), "unknown".to_string())]);
}

#[test]
fn passes_and_failures_per_control_and_cluster_and_the_exit_code() {
    let args: Vec<String> = scenario_args("kubelet-settings");
    let mut argv: Vec<&str> = args.iter().map(String::as_str).collect();
    argv.push("--fail-on");
    argv.push("warning");
    let out = compliance("cis-aks", "json", &argv);
    assert_eq!(out.status.code(), Some(1), "failing controls at --fail-on warning");
    let doc = report(&out);
    let v: std::collections::BTreeMap<String, String> = verdicts(&doc).into_iter().collect();
    assert_eq!(v["3.2.8"], "fail");
    assert_eq!(v["3.2.9"], "fail");
    assert_eq!(doc["clusters"][0]["cluster"], "rg-pay/pay");
    assert_eq!(doc["clusters"][0]["controls"]["3.2.9"], "fail");
    let out = compliance("cis-aks", "json", &args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(
        out.status.code(),
        Some(0),
        "warnings do not fail at the default --fail-on error"
    );
}

#[test]
fn evidence_names_the_scanner_time_sources_and_policy_digest() {
    let out = compliance("org", "json", &["--cluster", "testdata/scenarios/healthy/cluster.json"]);
    let doc = report(&out);
    let e = &doc["evidence"];
    assert_eq!(e["scanner"], format!("aks-certscan {}", env!("CARGO_PKG_VERSION")));
    assert_eq!(e["evaluation_time"], NOW);
    let bytes = std::fs::read(root().join("testdata/scenarios/healthy/cluster.json")).expect("cluster");
    let expected: String = ring::digest::digest(&ring::digest::SHA256, &bytes)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(e["sources"][0]["sha256"], expected);
    let digest = e["policy_bundle_sha256"].as_str().expect("digest");
    assert_eq!(digest.len(), 64);
    // The same policies give the same digest; another policy set another one.
    let again = report(&compliance(
        "org",
        "json",
        &["--cluster", "testdata/scenarios/healthy/cluster.json"],
    ));
    assert_eq!(again["evidence"]["policy_bundle_sha256"], digest);
    let custom: PathBuf = root().join("testdata/policies/custom");
    let other = report(&compliance(
        "org",
        "json",
        &[
            "--cluster",
            "testdata/scenarios/healthy/cluster.json",
            "--policy",
            custom.to_str().expect("utf8"),
        ],
    ));
    assert_ne!(other["evidence"]["policy_bundle_sha256"], digest);
}

#[test]
fn an_unknown_framework_is_a_usage_error() {
    let out = compliance(
        "soc2",
        "markdown",
        &["--cluster", "testdata/scenarios/healthy/cluster.json"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("frameworks: cis-aks, mcsb, nist-800-53, org"),
        "{}",
        stderr(&out)
    );
}

/// Copies a directory tree (regular files and symbolic links).
fn copy_tree(from: &std::path::Path, to: &std::path::Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.expect("entry");
        let target = to.join(entry.path().strip_prefix(from).expect("below"));
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).expect("mkdir");
        } else if entry.file_type().is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(entry.path()).expect("link"), &target).expect("symlink");
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

#[test]
fn node006_fires_on_open_or_foreign_kubeconfigs_and_is_unknown_on_a_copy() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempdir();
    let node = dir.path().join("node");
    copy_tree(
        &root().join("testdata/scenarios/kubelet-settings/node-config-file"),
        &node,
    );
    let kubeconfig = node.join("var/lib/kubelet/kubeconfig");
    std::fs::set_permissions(&kubeconfig, std::fs::Permissions::from_mode(0o666)).expect("chmod");
    let ids = |out: &std::process::Output| -> Vec<String> {
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        doc["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .map(|f| f["rule_id"].as_str().expect("id").to_string())
            .collect()
    };
    let scan = |extra: &[&str]| {
        let mut args = vec![
            "scan",
            "--now",
            NOW,
            "--format",
            "json",
            "--fail-on",
            "never",
            "--node-root",
        ];
        args.push(node.to_str().expect("utf8"));
        args.extend(extra);
        run(&args)
    };
    let out = scan(&[]);
    assert!(
        ids(&out).contains(&"NODE006".to_string()),
        "mode 0666 fires: {}",
        stdout(&out)
    );
    std::fs::set_permissions(&kubeconfig, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    // SAFETY: geteuid has no preconditions.
    let as_root = unsafe { libc::geteuid() } == 0;
    if !as_root {
        // Not root: the copy belongs to us, so its ownership is unknown and NODE006 stays silent.
        assert!(!ids(&scan(&[])).contains(&"NODE006".to_string()));
        skip_here("NODE006 ownership half", "not running as root");
        return;
    }
    assert!(
        !ids(&scan(&[])).contains(&"NODE006".to_string()),
        "0600 root:root passes"
    );
    let c = std::ffi::CString::new(kubeconfig.to_str().expect("utf8")).expect("c");
    // SAFETY: a valid path; chown to an unprivileged user.
    assert_eq!(unsafe { libc::chown(c.as_ptr(), 1000, 1000) }, 0);
    let out = scan(&[]);
    assert!(
        ids(&out).contains(&"NODE006".to_string()),
        "owner 1000 fires: {}",
        stdout(&out)
    );
    // A node root not owned by root (a copy elsewhere): ownership is unknown, not a finding.
    let root_c = std::ffi::CString::new(node.to_str().expect("utf8")).expect("c");
    // SAFETY: as above.
    assert_eq!(unsafe { libc::chown(root_c.as_ptr(), 1000, 1000) }, 0);
    let out = scan(&[]);
    assert!(!ids(&out).contains(&"NODE006".to_string()), "{}", stdout(&out));
    let report = compliance("cis-aks", "json", &["--node-root", node.to_str().expect("utf8")]);
    let doc: serde_json::Value = serde_json::from_slice(&report.stdout).expect("json");
    let control = doc["controls"]
        .as_array()
        .expect("controls")
        .iter()
        .find(|c| c["id"] == "3.1.2")
        .expect("3.1.2");
    assert_eq!(control["verdict"], "unknown");
    assert!(control["unknown_resources"][0]["reason"]
        .as_str()
        .expect("reason")
        .contains("not owned by root"));
}
