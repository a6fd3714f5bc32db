//! The policy pack as a whole: Rego unit tests, the catalogue's contract, and generated docs.

use crate::util::*;

#[test]
fn rego_unit_tests_pass() {
    let out = run(&["policy", "test"]);
    let text = stdout(&out);
    assert!(out.status.success(), "{text}");
    let last = text.lines().last().expect("summary");
    let passed: usize = last.split_whitespace().next().expect("count").parse().expect("number");
    assert!(
        passed >= 17 * 2,
        "at least one firing and one silent case per rule: {last}"
    );
    assert!(last.ends_with(" 0 failed"), "{last}");
}

#[test]
fn a_failing_rego_test_fails_the_command() {
    let out = run(&["policy", "test", "testdata/policies/failing-test"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("FAIL aks_certscan.rules.always_fails_test.test_this_one_fails"));
}

#[test]
fn user_policy_tests_run_too() {
    let out = run(&["policy", "test", "testdata/policies/custom"]);
    assert!(out.status.success());
    assert!(stdout(&out).contains("PASS aks_certscan.rules.org_ca_lifetime_test.test_fires_on_a_thirty_year_ca"));
}

#[test]
fn catalogue_ids_and_names_are_a_public_contract() {
    let out = run(&["rules", "--format", "json"]);
    let rules: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let pairs: Vec<String> = rules
        .as_array()
        .expect("rules")
        .iter()
        .map(|r| {
            format!(
                "{} {}",
                r["id"].as_str().expect("id"),
                r["name"].as_str().expect("name")
            )
        })
        .collect();
    assert_eq!(
        pairs,
        [
            "CERT001 certificate-expired",
            "CERT002 certificate-expiring-soon",
            "CERT003 certificate-not-yet-valid",
            "CERT004 certificate-max-age",
            "CERT005 rotation-overdue",
            "CERT006 legacy-two-year-ca",
            "CERT007 weak-certificate-crypto",
            "CLUS001 rbac-disabled",
            "CLUS002 cluster-stopped",
            "CLUS003 certificate-rotation-in-progress",
            "CLUS004 cluster-provisioning-failed",
            "CLUS005 serving-rotation-opted-out",
            "K8S001 stale-cluster-ca-copy",
            "KCFG001 kubeconfig-stale-credentials",
            "KCFG002 kubeconfig-ca-mismatch",
            "KCFG003 local-account-credential-live",
            "NODE001 tls-bootstrap-missing",
            "NODE002 node-predates-auto-rotation",
            "NODE003 node-cert-not-signed-by-cluster-ca",
            "NODE004 kubelet-client-rotation-disabled",
            "NODE005 kubelet-serving-rotation-disabled",
            "NODE006 kubelet-kubeconfig-permissions",
            "NODE007 kubelet-serving-csr-pending",
            "SCAN001 source-unreadable",
            "SCAN002 exception-not-in-force",
        ]
    );
    let defaults: Vec<(String, String)> = rules
        .as_array()
        .expect("rules")
        .iter()
        .map(|r| {
            (
                r["id"].as_str().expect("id").into(),
                r["severity"].as_str().expect("sev").into(),
            )
        })
        .collect();
    assert!(defaults.contains(&("CERT004".into(), "note".into())));
    assert!(defaults.contains(&("CERT001".into(), "error".into())));
}

#[test]
fn every_rule_file_has_a_test_file_beside_it() {
    let mut missing = Vec::new();
    for entry in walkdir::WalkDir::new(root().join("policies")) {
        let path = entry.expect("entry").into_path();
        let name = path.to_string_lossy().into_owned();
        if name.ends_with(".rego")
            && !name.ends_with("_test.rego")
            && !name.contains("/lib/")
            && !path
                .with_file_name(format!(
                    "{}_test.rego",
                    path.file_stem().expect("stem").to_string_lossy()
                ))
                .exists()
        {
            missing.push(name);
        }
    }
    assert!(missing.is_empty(), "rules without tests: {missing:?}");
}

#[test]
fn docs_rules_md_is_generated_from_metadata() {
    let out = run(&["rules", "--format", "markdown"]);
    let expected = String::from_utf8(out.stdout).expect("utf8");
    let path = root().join("docs/rules.md");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &expected).expect("write");
    }
    let actual = std::fs::read_to_string(&path).expect("docs/rules.md");
    assert!(actual == expected, "docs/rules.md is stale: run `cargo run -- rules --format markdown > docs/rules.md` (or UPDATE_GOLDEN=1 cargo test)");
}

#[test]
fn every_rule_has_its_own_help_uri_at_its_anchor_in_docs_rules_md() {
    let out = run(&["rules", "--format", "json"]);
    let rules: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let docs = std::fs::read_to_string(root().join("docs/rules.md")).expect("docs/rules.md");
    let mut seen = std::collections::BTreeSet::new();
    for rule in rules.as_array().expect("rules") {
        let id = rule["id"].as_str().expect("id");
        let uri = rule["help_uri"].as_str().expect("help_uri");
        assert!(seen.insert(uri.to_string()), "{id} shares its help_uri {uri}");
        let anchor = format!("docs/rules.md#{}", id.to_lowercase());
        assert!(uri.ends_with(&anchor), "{id}: {uri} is not its anchor in docs/rules.md");
        assert!(
            docs.contains(&format!("\n## {id}\n")),
            "docs/rules.md has no heading for {id}"
        );
        assert!(
            rule["references"].as_array().is_some_and(|r| !r.is_empty()),
            "{id} links the Microsoft documentation it relies on"
        );
    }
}

#[test]
fn rego_lines_are_at_most_120_characters() {
    let mut long = Vec::new();
    for dir in ["policies", "testdata/policies"] {
        for entry in walkdir::WalkDir::new(root().join(dir)) {
            let path = entry.expect("entry").into_path();
            if path.extension().is_none_or(|e| e != "rego") {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("read");
            for (n, line) in text.lines().enumerate() {
                // A tab counts as four columns, as editors show it.
                let width: usize = line.chars().map(|c| if c == '\t' { 4 } else { 1 }).sum();
                if width > 120 {
                    long.push(format!("{}:{}: {width}", path.display(), n + 1));
                }
            }
        }
    }
    assert!(long.is_empty(), "lines over 120 characters:\n{}", long.join("\n"));
}

/// `--policy` adds rules; it cannot add to, replace or nest in a bundled package (Rego merges
/// files of one package): `package aks_certscan.params` once set CERT002's thresholds to -100000
/// and turned exit 1 into 0 with nothing printed.
#[test]
fn user_policies_cannot_redefine_bundled_packages() {
    let scenario = scenario_args("stalled-rotation");
    let baseline = {
        let mut args = vec!["scan", "--now", NOW, "--fail-on", "warning"];
        args.extend(scenario.iter().map(String::as_str));
        run(&args)
    };
    assert_eq!(baseline.status.code(), Some(1), "{}", stderr(&baseline));
    for (package, body) in [
        (
            "aks_certscan.params",
            "CERT002 := {\"expiry_warning_days\": -100000, \"expiry_critical_days\": -100000}",
        ),
        ("aks_certscan.rules.certificate_expiring_soon", "extra := true"),
        ("aks_certscan.rules.certificate_expiring_soon.inner", "x := 1"),
        ("aks_certscan.rules", "certificate_expiring_soon := {}"),
        ("aks_certscan.lib", "param(_, _) := -100000"),
        ("aks_certscan.helpers", "x := 1"),
        ("aks_certscan", "params := {}"),
    ] {
        let dir = tempdir();
        std::fs::write(
            dir.path().join("evil.rego"),
            format!("package {package}\n\nimport rego.v1\n\n{body}\n"),
        )
        .expect("write");
        let policy = dir.path().display().to_string();
        let mut args = vec![
            "scan",
            "--now",
            NOW,
            "--fail-on",
            "warning",
            "--policy",
            policy.as_str(),
        ];
        args.extend(scenario.iter().map(String::as_str));
        let out = run(&args);
        assert_eq!(out.status.code(), Some(2), "package {package}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(
            err.contains(&format!("package `{package}`")),
            "package {package}: {err}"
        );
        assert!(err.contains("--param or --data"), "says what to do instead: {err}");
        // `policy test` and `rules` refuse it the same way.
        let out = run(&["policy", "test", policy.as_str()]);
        assert_eq!(
            out.status.code(),
            Some(2),
            "policy test, package {package}: {}",
            stderr(&out)
        );
    }
    // A new rule of one's own, and a helper package outside the namespace, are fine.
    let dir = tempdir();
    std::fs::write(
        dir.path().join("helpers.rego"),
        "package org.helpers\n\nimport rego.v1\n\nlimit := 10\n",
    )
    .expect("write");
    for entry in std::fs::read_dir(root().join("testdata/policies/custom")).expect("dir") {
        let entry = entry.expect("entry");
        std::fs::copy(entry.path(), dir.path().join(entry.file_name())).expect("copy");
    }
    let policy = dir.path().display().to_string();
    let out = run(&["rules", "--format", "json", "--policy", policy.as_str()]);
    assert!(out.status.success(), "{}", stderr(&out));
}
