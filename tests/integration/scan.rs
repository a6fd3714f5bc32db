//! `aks-certscan scan` end to end: the exact rule ids of each scenario, skips, parameters, user
//! policies and their errors.

use crate::util::*;

fn ids(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[test]
fn each_scenario_fires_exactly_its_rules() {
    let expected: &[(&str, &[&str])] = &[
        ("fleet", &["CLUS001", "CLUS003", "CLUS004"]),
        ("healthy", &[]),
        // What services keep in the cluster after a rotation and after local accounts were
        // disabled; the node root's absolute links lead to a serving certificate 4 days from its end.
        (
            "in-cluster",
            &[
                "CERT001", "CERT002", "CERT004", "CERT005", "CLUS005", "K8S001", "KCFG001", "KCFG003", "NODE007",
            ],
        ),
        // NODE004 and NODE005 on the node that turned rotation off; the others pass or are unknown.
        ("kubelet-settings", &["CERT004", "NODE004", "NODE005"]),
        // CERT005: the clusterAdmin client certificate is past the point where AKS renews it.
        ("legacy-ca", &["CERT002", "CERT004", "CERT005", "CERT006"]),
        ("old-nodes", &["CERT004", "NODE001", "NODE002"]),
        ("rotated", &["KCFG001", "NODE003"]),
        ("stalled-rotation", &["CERT002", "CERT004", "CERT005"]),
        ("stopped", &["CLUS002"]),
    ];
    assert_eq!(
        scenarios(),
        expected.iter().map(|(n, _)| n.to_string()).collect::<Vec<_>>(),
        "every scenario has expectations"
    );
    for (name, rules) in expected {
        assert_eq!(scenario_rule_ids(name, &[]), ids(rules), "scenario {name}");
    }
}

#[test]
fn corpus_files_fire_the_certificate_rules() {
    let out = scan_json(&[
        "--fail-on",
        "never",
        "--certs",
        "testdata/corpus/certs",
        "--cluster",
        "testdata/corpus/managedcluster/arm-2019-02-01-ManagedClustersGet.json",
        "--cluster",
        "testdata/corpus/managedcluster/arm-2025-07-01-AgentPools_Stop.json",
        "--nodes",
        "testdata/corpus/nodes/aks-3node-v1.18-nodelist.json",
        "--nodes",
        "testdata/corpus/nodes/rke2-gpu-nonaks-nodelist.json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let findings = doc["findings"].as_array().expect("findings");
    let mut rule_ids: Vec<&str> = findings.iter().map(|f| f["rule_id"].as_str().expect("id")).collect();
    rule_ids.sort();
    rule_ids.dedup();
    assert_eq!(
        rule_ids,
        ["CERT001", "CERT003", "CERT007", "CLUS001", "CLUS002", "NODE002"]
    );
    // The real 2021 AKS nodes predate auto-rotation; the RKE2 node is not AKS.
    assert_eq!(findings.iter().filter(|f| f["rule_id"] == "NODE002").count(), 3);
    // The same AKS CA in a PEM file and inside Helm values is one finding-free certificate,
    // and the SHA-1 certificate is flagged.
    assert!(findings.iter().any(|f| f["rule_id"] == "CERT007"
        && f["message"]
            .as_str()
            .is_some_and(|m| m.contains("sha1WithRSAEncryption"))));
}

#[test]
fn skip_removes_a_rule_and_unknown_ids_are_errors() {
    assert_eq!(
        scenario_rule_ids("legacy-ca", &["--skip", "CERT004"]),
        ids(&["CERT002", "CERT005", "CERT006"])
    );
    let out = run(&[
        "scan",
        "--now",
        NOW,
        "--skip",
        "CERT999",
        "--cluster",
        "testdata/scenarios/stopped/cluster.json",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("--skip CERT999: unknown rule id"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn params_change_thresholds() {
    assert_eq!(
        scenario_rule_ids("legacy-ca", &["--param", "CERT004.max_age_days=1000"]),
        ids(&["CERT002", "CERT005", "CERT006"])
    );
    assert_eq!(
        scenario_rule_ids(
            "legacy-ca",
            &[
                "--param",
                "expiry_warning_fraction=0.01",
                "--param",
                "expiry_warning_days=7"
            ]
        ),
        ids(&["CERT004", "CERT005", "CERT006"])
    );
}

#[test]
fn data_file_sets_params_and_param_wins() {
    let dir = tempdir();
    let data = dir.path().join("params.yaml");
    std::fs::write(&data, "params:\n  CERT004:\n    max_age_days: 1000\n").expect("write");
    assert_eq!(
        scenario_rule_ids("legacy-ca", &["--data", data.to_str().expect("utf8")]),
        ids(&["CERT002", "CERT005", "CERT006"])
    );
    assert_eq!(
        scenario_rule_ids(
            "legacy-ca",
            &[
                "--data",
                data.to_str().expect("utf8"),
                "--param",
                "CERT004.max_age_days=30"
            ]
        ),
        ids(&["CERT002", "CERT004", "CERT005", "CERT006"])
    );
}

#[test]
fn bad_params_are_rejected_before_evaluation() {
    let out = run(&[
        "scan",
        "--now",
        NOW,
        "--param",
        "CERT002.expiry_warning_days=soon",
        "--param",
        "nosuch=1",
        "--param",
        "novalue",
        "--cluster",
        "testdata/scenarios/stopped/cluster.json",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("parameter `CERT002.expiry_warning_days` expects a number (default 30), got a string `\"soon\"`"),
        "{err}"
    );
    assert!(err.contains("unknown parameter `nosuch`"), "{err}");
    assert!(err.contains("--param novalue: expected KEY=VALUE"), "{err}");
    assert!(out.stdout.is_empty(), "no report when configuration is wrong");
}

#[test]
fn user_policies_join_the_catalogue_findings_and_sarif() {
    let out = run(&["rules", "--format", "json", "--policy", "testdata/policies/custom"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let rules: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!(rules.as_array().expect("rules").iter().any(|r| r["id"] == "ORG001"));
    assert_eq!(
        scenario_rule_ids("healthy", &["--policy", "testdata/policies/custom"]),
        ids(&["ORG001", "ORG002"])
    );
    assert_eq!(
        scenario_rule_ids(
            "healthy",
            &[
                "--policy",
                "testdata/policies/custom",
                "--param",
                "ORG001.max_ca_years=40",
                "--param",
                "ORG002.max_client_days=800"
            ]
        ),
        ids(&[])
    );
    let sarif = run(&[
        "scan",
        "--now",
        NOW,
        "--format",
        "sarif",
        "--policy",
        "testdata/policies/custom",
        "--kubeconfig",
        "testdata/scenarios/healthy/kubeconfig",
    ]);
    let log: serde_json::Value = serde_json::from_slice(&sarif.stdout).expect("sarif");
    let rules = log["runs"][0]["tool"]["driver"]["rules"].as_array().expect("rules");
    let index = rules
        .iter()
        .position(|r| r["id"] == "ORG001")
        .expect("ORG001 in driver rules");
    assert_eq!(log["runs"][0]["results"][0]["ruleId"], "ORG001");
    assert_eq!(log["runs"][0]["results"][0]["ruleIndex"], index);
}

#[test]
fn a_policy_that_does_not_compile_names_its_file_and_line() {
    let out = run(&[
        "scan",
        "--now",
        NOW,
        "--policy",
        "testdata/policies/broken",
        "--cluster",
        "testdata/scenarios/stopped/cluster.json",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("testdata/policies/broken/syntax_error.rego:"), "{err}");
    assert!(err.contains("do not compile"), "{err}");
}

#[test]
fn a_rule_that_fails_during_evaluation_is_named() {
    let out = run(&[
        "scan",
        "--now",
        NOW,
        "--policy",
        "testdata/policies/runtime-error",
        "--cluster",
        "testdata/scenarios/fleet/clusters.json",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("rule ERR001 (testdata/policies/runtime-error/conflicting.rego) failed during evaluation"),
        "{err}"
    );
    assert!(err.contains("conflicting.rego:19"), "{err}");
}

#[test]
fn a_client_certificate_past_renewal_is_a_stale_copy_with_its_own_fix() {
    let args = scenario_args("legacy-ca");
    let mut all = vec!["--fail-on", "never"];
    all.extend(args.iter().map(String::as_str));
    let out = scan_json(&all);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let stale: Vec<&serde_json::Value> = doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule_id"] == "CERT005")
        .collect();
    assert_eq!(stale.len(), 1);
    let f = stale[0];
    assert!(f["message"]
        .as_str()
        .expect("message")
        .starts_with("client certificate of clusterAdmin_rg-legacy_legacy has used 93.5% of its lifetime"));
    assert!(f["message"].as_str().expect("message").contains("this copy is stale"));
    assert_eq!(
        f["remediation"],
        "Fetch the credentials again: `az aks get-credentials -g rg-legacy -n legacy --admin --overwrite-existing`."
    );
    assert_eq!(
        f["warning"],
        serde_json::Value::Null,
        "fetching credentials needs no caution"
    );
    // Its expiry itself stays CERT002's.
    assert!(doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .any(|g| g["rule_id"] == "CERT002" && g["resource"]["id"] == f["resource"]["id"]));
}
