//! Reports: golden files for every format, SARIF validity and stability, exit codes, baselines.
//!
//! Golden files live in `tests/golden/`; regenerate them on purpose with `UPDATE_GOLDEN=1 cargo test`.

use crate::util::*;

const FORMATS: &[(&str, &str)] = &[
    ("text", "txt"),
    ("json", "json"),
    ("sarif", "sarif"),
    ("junit", "xml"),
    ("github", "gh"),
];

fn scan_output(scenario: &str, format: &str, extra: &[&str]) -> std::process::Output {
    let mut args: Vec<String> = vec![
        "scan".into(),
        "--format".into(),
        format.into(),
        "--fail-on".into(),
        "never".into(),
    ];
    if !extra.contains(&"--now") {
        args.extend(["--now".into(), NOW.into()]);
    }
    args.extend(scenario_args(scenario));
    args.extend(extra.iter().map(|s| s.to_string()));
    run(&args.iter().map(String::as_str).collect::<Vec<_>>())
}

#[test]
fn golden_files_for_every_format() {
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut stale = Vec::new();
    for scenario in ["rotated", "fleet", "healthy"] {
        for (format, ext) in FORMATS {
            let out = scan_output(scenario, format, &[]);
            assert!(out.status.success(), "{scenario} {format}: {}", stderr(&out));
            let path = root().join("tests/golden").join(format!("{scenario}.{ext}"));
            if update {
                std::fs::create_dir_all(path.parent().expect("dir")).expect("mkdir");
                std::fs::write(&path, &out.stdout).expect("write");
            }
            let golden = std::fs::read(&path).unwrap_or_default();
            if golden != out.stdout {
                stale.push(path.display().to_string());
            }
        }
    }
    assert!(
        stale.is_empty(),
        "output differs from golden files (UPDATE_GOLDEN=1 cargo test regenerates them on purpose): {stale:#?}"
    );
}

#[test]
fn sarif_of_every_scenario_passes_the_validator() {
    let dir = tempdir();
    for scenario in scenarios() {
        let out = scan_output(&scenario, "sarif", &[]);
        let path = dir.path().join(format!("{scenario}.sarif"));
        std::fs::write(&path, &out.stdout).expect("write");
        validate_sarif(&path);
        let log: serde_json::Value = serde_json::from_slice(&out.stdout).expect("sarif json");
        let run = &log["runs"][0];
        assert_eq!(
            run["tool"]["driver"]["rules"].as_array().expect("rules").len(),
            bundled_rule_ids().len(),
            "every rule, fired or not"
        );
        for result in run["results"].as_array().expect("results") {
            let loc = &result["locations"][0]["physicalLocation"];
            assert!(
                loc["artifactLocation"]["uri"]
                    .as_str()
                    .is_some_and(|u| !u.is_empty() && !u.starts_with('/')),
                "{result}"
            );
            assert!(loc["region"]["startLine"].as_u64().is_some_and(|l| l >= 1));
            assert!(result["partialFingerprints"]["aks-certscan/v1"].is_string());
        }
    }
    let bad = dir.path().join("bad.sarif");
    let out = run(&[
        "scan",
        "--now",
        NOW,
        "--format",
        "sarif",
        "--fail-on",
        "never",
        "--certs",
        "testdata/bad/certs",
        "--cluster",
        "-",
        "--output",
        bad.to_str().expect("utf8"),
    ]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "nothing collected, but the SARIF is still written"
    );
    // Standard input names no file: the error points at the facts document beside the SARIF,
    // which is lean (no certificate DER).
    let beside = std::fs::read_to_string(dir.path().join("bad.facts.json")).expect("facts beside");
    let facts: serde_json::Value = serde_json::from_str(&beside).expect("json");
    assert_eq!(facts["schema_version"], 1);
    validate_sarif(&bad);
}

#[test]
fn sarif_is_byte_identical_across_runs() {
    let a = scan_output("rotated", "sarif", &[]);
    let b = scan_output("rotated", "sarif", &[]);
    assert_eq!(a.stdout, b.stdout);
}

#[test]
fn fingerprints_do_not_depend_on_time_or_the_machine_layout() {
    let here = scan_output("rotated", "sarif", &[]);
    let later = scan_output("rotated", "sarif", &["--now", "2027-03-01T00:00:00Z"]);
    // Another checkout elsewhere on disk, scanned from its own root.
    let other = tempdir();
    let copy = other.path().join("elsewhere");
    let status = std::process::Command::new("cp")
        .args([
            "-a",
            root().join("testdata").to_str().expect("utf8"),
            copy.to_str().expect("utf8"),
        ])
        .status()
        .expect("cp");
    assert!(status.success());
    let mut args: Vec<String> = vec![
        "scan".into(),
        "--now".into(),
        NOW.into(),
        "--format".into(),
        "sarif".into(),
        "--fail-on".into(),
        "never".into(),
    ];
    args.extend(
        scenario_args("rotated")
            .into_iter()
            .map(|a| a.replace("testdata/", &format!("{}/", copy.display()))),
    );
    let moved = bin().current_dir(other.path()).args(&args).output().expect("runs");
    assert!(moved.status.success(), "{}", stderr(&moved));
    let prints = |out: &std::process::Output| -> Vec<String> {
        let log: serde_json::Value = serde_json::from_slice(&out.stdout).expect("sarif");
        let mut v: Vec<String> = log["runs"][0]["results"]
            .as_array()
            .expect("results")
            .iter()
            .map(|r| {
                r["partialFingerprints"]["aks-certscan/v1"]
                    .as_str()
                    .expect("fp")
                    .to_string()
            })
            .collect();
        v.sort();
        v
    };
    let later = prints(&later);
    assert!(
        prints(&here).iter().all(|p| later.contains(p)),
        "the same findings keep their fingerprints at another time"
    );
    assert_eq!(prints(&here), prints(&moved));
    let text = String::from_utf8_lossy(&moved.stdout);
    assert!(
        !text.contains(&other.path().display().to_string()),
        "absolute scan paths stay out of SARIF"
    );
}

#[test]
fn several_outputs_in_one_run_and_no_facts_beside_the_sarif_unless_needed() {
    let dir = tempdir();
    let sarif = dir.path().join("results.sarif");
    let junit = dir.path().join("results.xml");
    let mut args: Vec<String> = vec![
        "scan".into(),
        "--now".into(),
        NOW.into(),
        "--format".into(),
        "sarif".into(),
        "--output".into(),
        sarif.display().to_string(),
    ];
    args.extend([
        "--format".into(),
        "junit".into(),
        "--output".into(),
        junit.display().to_string(),
        "--format".into(),
        "text".into(),
    ]);
    args.extend(scenario_args("rotated"));
    let out = run(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("error[KCFG001]"));
    assert!(sarif.exists() && junit.exists());
    // Every finding of this scenario is in a file: SARIF needs no facts document beside it.
    assert!(!dir.path().join("results.facts.json").exists());
}

#[test]
fn exit_codes_follow_fail_on() {
    let code = |scenario: &str, fail_on: &str| {
        let mut args: Vec<String> = vec![
            "scan".into(),
            "--now".into(),
            NOW.into(),
            "--format".into(),
            "json".into(),
            "--fail-on".into(),
            fail_on.into(),
        ];
        args.extend(scenario_args(scenario));
        run(&args.iter().map(String::as_str).collect::<Vec<_>>()).status.code()
    };
    // legacy-ca has warnings and a note, no error.
    assert_eq!(code("legacy-ca", "error"), Some(0));
    assert_eq!(code("legacy-ca", "warning"), Some(1));
    assert_eq!(code("legacy-ca", "note"), Some(1));
    assert_eq!(code("legacy-ca", "never"), Some(0));
    // fleet has an error; healthy has nothing.
    assert_eq!(code("fleet", "error"), Some(1));
    assert_eq!(code("fleet", "never"), Some(0));
    assert_eq!(code("healthy", "note"), Some(0));
}

#[test]
fn baselines_mark_states_and_gate_only_new_findings() {
    let dir = tempdir();
    let old = dir.path().join("old.sarif");
    std::fs::write(&old, scan_output("rotated", "sarif", &[]).stdout).expect("write");
    // Same scan again: everything unchanged, nothing new, so --fail-on error passes.
    let mut args: Vec<String> = vec![
        "scan".into(),
        "--now".into(),
        NOW.into(),
        "--format".into(),
        "sarif".into(),
        "--baseline".into(),
        old.display().to_string(),
    ];
    args.extend(scenario_args("rotated"));
    let same = run(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(same.status.code(), Some(0), "{}", stderr(&same));
    let log: serde_json::Value = serde_json::from_slice(&same.stdout).expect("sarif");
    assert!(log["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .all(|r| r["baselineState"] == "unchanged"));

    // Later, with more findings: the new ones are new, the changed message is updated.
    let mut later_args = args.clone();
    later_args[2] = "2028-08-28T00:00:00Z".into();
    later_args[4] = "json".into();
    let later = run(&later_args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(later.status.code(), Some(1), "new errors fail the run");
    let doc: serde_json::Value = serde_json::from_slice(&later.stdout).expect("json");
    let states: std::collections::BTreeSet<&str> = doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["baseline_state"].as_str().expect("state"))
        .collect();
    assert!(states.contains("new") && states.contains("unchanged"), "{states:?}");

    // A baseline with findings that are gone: absent, and nothing new.
    let mut healthy: Vec<String> = vec![
        "scan".into(),
        "--now".into(),
        NOW.into(),
        "--format".into(),
        "sarif".into(),
        "--baseline".into(),
        old.display().to_string(),
    ];
    healthy.extend(scenario_args("healthy"));
    let fixed = run(&healthy.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(fixed.status.code(), Some(0));
    let log: serde_json::Value = serde_json::from_slice(&fixed.stdout).expect("sarif");
    assert_eq!(
        log["runs"][0]["properties"]["absentResults"]
            .as_array()
            .expect("absent")
            .len(),
        2
    );
    assert!(stderr(&fixed).contains("2 finding(s) of the baseline no longer occur"));
}

#[test]
fn text_output_escapes_hostile_strings() {
    let dir = tempdir();
    let hostile = dir.path().join("evil\u{1b}[31m.json");
    std::fs::write(&hostile, "{not json").expect("write");
    let out = run(&[
        "scan",
        "--now",
        NOW,
        "--cluster",
        hostile.to_str().expect("utf8"),
        "--cluster",
        "testdata/scenarios/stopped/cluster.json",
    ]);
    assert!(
        !stdout(&out).contains('\u{1b}'),
        "no raw escape sequence reaches the terminal"
    );
    assert!(stdout(&out).contains("evil\\u{1b}[31m.json"));
}

#[test]
fn the_facts_beside_sarif_are_lean_and_facts_out_is_full() {
    let dir = tempdir();
    let sarif = dir.path().join("r.sarif");
    let full = dir.path().join("full.json");
    // A stopped cluster (CLUS002) read from standard input: a finding from no file.
    let cluster = std::fs::read(root().join("testdata/scenarios/stopped/cluster.json")).expect("cluster");
    let scan = |extra: &[&str]| {
        let mut args = vec![
            "scan",
            "--now",
            NOW,
            "--fail-on",
            "never",
            "--format",
            "sarif",
            "--output",
            sarif.to_str().expect("utf8"),
            "--kubeconfig",
            "testdata/scenarios/rotated/kubeconfig",
            "--cluster",
            "-",
        ];
        args.extend(extra);
        bin().args(&args).write_stdin(cluster.clone()).output().expect("runs")
    };
    // Its finding points at the facts beside the SARIF.
    let out = scan(&[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let beside = std::fs::read_to_string(dir.path().join("r.facts.json")).expect("facts beside");
    let facts: serde_json::Value = serde_json::from_str(&beside).expect("json");
    assert!(!facts["certificates"].as_array().expect("list").is_empty());
    assert!(
        !beside.contains("der_base64"),
        "the document beside SARIF carries no DER"
    );
    validate_sarif(&sarif);
    // --facts-out asks for the full document, which can be merged later.
    let out = scan(&["--facts-out", full.to_str().expect("utf8")]);
    assert!(out.status.success(), "{}", stderr(&out));
    let facts: serde_json::Value = serde_json::from_slice(&std::fs::read(&full).expect("full")).expect("json");
    let certs = facts["certificates"].as_array().expect("list");
    assert!(!certs.is_empty());
    assert!(certs
        .iter()
        .all(|c| c["der_base64"].as_str().is_some_and(|d| !d.is_empty())));
}

/// The text report prints each distinct caution once, after the findings; findings point at it
/// (the rotate-certs caution was repeated under 13 findings of `scan --certs testdata/scenarios`).
#[test]
fn text_prints_each_caution_once() {
    let out = run(&["scan", "--now", NOW, "--certs", "testdata/scenarios"]);
    let text = stdout(&out);
    let full = "`az aks rotate-certs` recreates all nodes (up to 30 minutes of downtime)";
    assert_eq!(text.matches(full).count(), 1, "{text}");
    assert!(text.matches("= caution: see [1] below").count() > 5, "{text}");
    assert!(text.contains("\ncautions\n  [1] "), "{text}");
}

/// Text output names no facts document that was not written (it said
/// `--> aks-certscan.facts.json` for a failed probe), and SARIF on standard output whose
/// findings all have files names no `factsDocument`.
#[test]
fn no_output_names_a_facts_document_that_was_not_written() {
    let dir = tempdir();
    let mut cmd = plain_bin();
    cmd.current_dir(dir.path())
        .args(["scan", "--now", NOW, "--endpoint", "127.0.0.1:1", "--timeout", "2"]);
    let out = bounded(cmd, std::time::Duration::from_secs(60));
    let text = stdout(&out);
    assert!(text.contains("--> tls://127.0.0.1:1"), "{text}");
    assert!(!text.contains("facts.json"), "{text}");
    assert!(!dir.path().join("aks-certscan.facts.json").exists());

    let out = run(&[
        "scan",
        "--now",
        NOW,
        "--format",
        "sarif",
        "--kubeconfig",
        "testdata/scenarios/rotated/kubeconfig-before-rotation",
    ]);
    let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).expect("sarif");
    assert!(
        sarif["runs"][0]["properties"].get("factsDocument").is_none(),
        "{}",
        stdout(&out)
    );
}
