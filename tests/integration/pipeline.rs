//! The pipeline as a whole: output bytes do not depend on the number of threads, and rules
//! written in either finding shape are described alike. (The layers are checked in
//! `architecture.rs`.)

use crate::util::*;

/// A directory of `copies` copies of an expired certificate (two chunks of evaluation and more),
/// plus the corpus' certificates.
fn many_copies(copies: usize) -> tempfile::TempDir {
    let dir = tempdir();
    let expired = std::fs::read(root().join("testdata/corpus/certs/zlint-RSASHA1Good.pem")).expect("corpus cert");
    for i in 0..copies {
        let sub = dir.path().join(format!("d{:02}", i / 500));
        std::fs::create_dir_all(&sub).expect("mkdir");
        std::fs::write(sub.join(format!("copy-{i:05}.pem")), &expired).expect("write");
    }
    for entry in std::fs::read_dir(root().join("testdata/corpus/certs")).expect("corpus") {
        let path = entry.expect("entry").path();
        std::fs::copy(&path, dir.path().join(path.file_name().expect("name"))).expect("copy");
    }
    dir
}

#[test]
fn output_bytes_do_not_depend_on_the_number_of_threads() {
    let dir = many_copies(4200);
    let certs = dir.path().to_str().expect("utf8").to_string();
    let scan = |threads: &str, format: &str| {
        let out = run(&[
            "scan",
            "--now",
            NOW,
            "--fail-on",
            "never",
            "--threads",
            threads,
            "--format",
            format,
            "--certs",
            &certs,
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
        out.stdout
    };
    for format in ["json", "sarif"] {
        assert_eq!(scan("1", format), scan("3", format), "{format} with 1 and 3 threads");
    }
    // One certificate in 4,200 files (two evaluation chunks) is one finding with every location.
    let doc: serde_json::Value = serde_json::from_slice(&scan("2", "json")).expect("json");
    let expired: Vec<&serde_json::Value> = doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule_id"] == "CERT001" && f["locations"].as_array().is_some_and(|l| l.len() > 1))
        .collect();
    assert_eq!(expired.len(), 1);
    assert_eq!(expired[0]["locations"].as_array().expect("locations").len(), 4201);
    let facts = |threads: &str| {
        let out = run(&["facts", "--now", NOW, "--threads", threads, "--certs", &certs]);
        assert!(out.status.success(), "{}", stderr(&out));
        out.stdout
    };
    assert_eq!(facts("1"), facts("3"), "facts with 1 and 3 threads");
}

#[test]
fn user_rules_in_both_finding_shapes_are_described_alike() {
    let mut args = vec!["--policy", "testdata/policies/custom", "--fail-on", "never"];
    let scenario = scenario_args("healthy");
    args.extend(scenario.iter().map(String::as_str));
    let out = scan_json(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let finding = |id: &str| {
        doc["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .find(|f| f["rule_id"] == id)
            .unwrap_or_else(|| panic!("{id} fired"))
            .clone()
    };
    // ORG001 spells out the whole finding; ORG002 returns only what identifies it.
    for id in ["ORG001", "ORG002"] {
        let f = finding(id);
        assert_eq!(f["resource"]["kind"], "certificate");
        assert_eq!(
            f["resource"]["cluster"],
            serde_json::json!({"resource_group": "rg-prod", "name": "prod"}),
            "{id}"
        );
        for key in ["subject", "issuer", "serial", "not_after", "remaining_days", "sha256"] {
            assert!(!f["evidence"][key].is_null(), "{id} evidence {key}");
        }
        assert!(
            f["remediation"].as_str().expect("fix").contains("-g rg-prod -n prod"),
            "{id}"
        );
    }
    let minimal = finding("ORG002");
    assert_eq!(
        minimal["resource"]["name"],
        "client certificate of clusterUser_rg-prod_prod"
    );
    assert_eq!(
        minimal["evidence"]["max_client_days"], 365,
        "the rule's own evidence is kept"
    );
}

#[test]
fn a_rule_that_names_no_resource_of_a_kind_rust_cannot_name_is_an_error() {
    let dir = tempdir();
    std::fs::write(
        dir.path().join("nameless.rego"),
        r#"package aks_certscan.rules.nameless

import rego.v1

metadata := {
	"id": "ORG009",
	"name": "nameless-node",
	"title": "t",
	"severity": "note",
	"description": "d",
	"remediation": "r",
	"help_uri": "https://example.com",
	"params": {},
}

findings contains {"message": "m", "resource": {"kind": "node", "id": n.name}} if some n in input.nodes
"#,
    )
    .expect("write");
    let mut args = vec!["--policy", dir.path().to_str().expect("utf8")];
    let scenario = scenario_args("healthy");
    args.extend(scenario.iter().map(String::as_str));
    let out = scan_json(&args);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("rule ORG009"), "{}", stderr(&out));
    assert!(stderr(&out).contains("needs `resource.name`"), "{}", stderr(&out));
}
