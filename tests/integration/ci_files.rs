//! The GitHub Action, the workflows and the Azure Pipelines example: validated offline against
//! SchemaStore's schemas (PyPI `check-jsonschema`, whose vendored schemas need no network;
//! `actionlint` could not be installed here: its PyPI package downloads the binary when built),
//! and the action's steps run locally: the release install (from a local release directory, with
//! its SHA-256 check), the scan, and the upload, which needs GitHub and is stubbed by the SARIF
//! validator GitHub's upload rules are checked with.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util::*;

fn checker() -> Option<&'static str> {
    let found = Command::new("check-jsonschema")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        eprintln!("skipping: check-jsonschema is not installed (pip install check-jsonschema)");
    }
    found.then_some("check-jsonschema")
}

fn validate(schema: &str, files: &[PathBuf]) -> std::process::Output {
    Command::new("check-jsonschema")
        .args(["--regex-variant", "python", "--builtin-schema", schema])
        .args(files)
        .output()
        .expect("check-jsonschema runs")
}

#[test]
fn workflows_action_and_pipelines_validate_against_their_schemas() {
    let Some(_) = checker() else { return };
    let workflows = vec![
        root().join(".github/workflows/release.yml"),
        root().join(".github/workflows/ci.yml"),
        root().join("examples/github-actions.yml"),
    ];
    for schema in ["vendor.github-workflows", "custom.github-workflows-require-timeout"] {
        let out = validate(schema, &workflows);
        assert!(out.status.success(), "{schema}: {}{}", stdout(&out), stderr(&out));
    }
    let out = validate("vendor.github-actions", &[root().join("action.yml")]);
    assert!(out.status.success(), "action.yml: {}{}", stdout(&out), stderr(&out));
    let out = validate("vendor.azure-pipelines", &[root().join("examples/azure-pipelines.yml")]);
    assert!(
        out.status.success(),
        "azure-pipelines.yml: {}{}",
        stdout(&out),
        stderr(&out)
    );
    // The check can fail: an action whose step misspells `shell` is rejected.
    let dir = tempdir();
    let broken = dir.path().join("action.yml");
    let text = std::fs::read_to_string(root().join("action.yml")).expect("action");
    std::fs::write(&broken, text.replacen("      shell: bash", "      shel: bash", 1)).expect("write");
    let out = validate("vendor.github-actions", &[broken]);
    assert!(!out.status.success(), "a broken action passed");
}

/// The `run:` script of the action step named `name`.
fn step_script(name: &str) -> String {
    let text = std::fs::read_to_string(root().join("action.yml")).expect("action");
    let doc: serde_json::Value = serde_saphyr::from_str(&text).expect("yaml");
    doc["runs"]["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .find(|s| s["name"].as_str().is_some_and(|n| n.starts_with(name)))
        .and_then(|s| s["run"].as_str())
        .unwrap_or_else(|| panic!("no step {name}"))
        .to_string()
}

/// A release directory as the release workflow makes it, holding this build's binary.
fn fake_release(dir: &Path, version: &str, corrupt: bool) -> PathBuf {
    let target = match std::env::consts::ARCH {
        "aarch64" => "aarch64-unknown-linux-musl",
        _ => "x86_64-unknown-linux-musl",
    };
    let assets = dir.join("release");
    let staging = dir.join("staging");
    std::fs::create_dir_all(&assets).expect("mkdir");
    std::fs::create_dir_all(&staging).expect("mkdir");
    std::fs::copy(
        assert_cmd::cargo::cargo_bin("aks-certscan"),
        staging.join("aks-certscan"),
    )
    .expect("copy");
    let archive = format!("aks-certscan-{version}-{target}.tar.gz");
    let status = Command::new("tar")
        .args(["-czf"])
        .arg(assets.join(&archive))
        .arg("-C")
        .arg(&staging)
        .arg("aks-certscan")
        .status()
        .expect("tar");
    assert!(status.success());
    let sum = Command::new("sha256sum")
        .arg(&archive)
        .current_dir(&assets)
        .output()
        .expect("sha256sum");
    let mut line = stdout(&sum);
    if corrupt {
        line = format!("{}{}", "0".repeat(64), &line[64..]);
    }
    std::fs::write(assets.join(format!("{archive}.sha256")), line).expect("write");
    assets
}

fn run_step(script: &str, dir: &Path, env: &[(&str, String)]) -> std::process::Output {
    let mut cmd = Command::new("bash");
    cmd.arg("-euo")
        .arg("pipefail")
        .arg("-c")
        .arg(script)
        .current_dir(root());
    cmd.env("GITHUB_ACTION_PATH", root())
        .env("RUNNER_TEMP", dir)
        .env("GITHUB_OUTPUT", dir.join("output"))
        .env("GITHUB_PATH", dir.join("path"))
        .env("NO_COLOR", "1")
        .env_remove("KUBECONFIG");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("bash")
}

#[test]
fn the_action_steps_run_locally() {
    if std::env::consts::OS != "linux" || Command::new("curl").arg("--version").output().is_err() {
        eprintln!("skipping: needs Linux and curl");
        return;
    }
    let dir = tempdir();
    let assets = fake_release(dir.path(), "9.9.9", false);
    // 1. Install aks-certscan (release binary): download, SHA-256 check, PATH.
    let install = run_step(
        &step_script("Install aks-certscan ${{ inputs.version }} (release binary)")
            .replace("$GITHUB_ACTION_PATH", &root().display().to_string()),
        dir.path(),
        &[
            ("VERSION", "9.9.9".into()),
            ("INSTALL", "release".into()),
            ("RELEASE_BASE_URL", format!("file://{}", assets.display())),
        ],
    );
    assert!(install.status.success(), "{}{}", stdout(&install), stderr(&install));
    let outputs = std::fs::read_to_string(dir.path().join("output")).expect("outputs");
    assert!(outputs.contains("installed=true"), "{outputs}");
    let bin_dir = std::fs::read_to_string(dir.path().join("path"))
        .expect("path")
        .trim()
        .to_string();
    assert!(Path::new(&bin_dir).join("aks-certscan").is_file());
    // 2. The cache and cargo steps are skipped when the release installed.
    // 3. Scan, with the installed binary first on the PATH.
    let sarif = dir.path().join("aks-certscan.sarif");
    let path = format!("{bin_dir}:{}", std::env::var("PATH").unwrap_or_default());
    let scan = run_step(
        &step_script("Scan"),
        dir.path(),
        &[
            ("PATH", path),
            (
                "ARGS",
                "--now 2026-11-29T00:00:00Z --cluster testdata/scenarios/fleet/clusters.json --fail-on error".into(),
            ),
            ("SARIF", sarif.display().to_string()),
        ],
    );
    assert!(
        scan.status.success(),
        "exit 1 is reported, not raised: {}",
        stderr(&scan)
    );
    let outputs = std::fs::read_to_string(dir.path().join("output")).expect("outputs");
    assert!(outputs.contains("exit-code=1"), "CLUS004 is an error: {outputs}");
    assert!(
        stdout(&scan).contains("aks-certscan: "),
        "the text report is in the log"
    );
    // 4. "Upload to GitHub code scanning" needs GitHub: stubbed by GitHub's upload rules.
    validate_sarif(&sarif);
    // 5. "Fail on findings" fails the job because exit-code is 1 (an `if:` of the step).
}

#[test]
fn a_release_with_a_wrong_checksum_is_never_installed() {
    if std::env::consts::OS != "linux" || Command::new("curl").arg("--version").output().is_err() {
        eprintln!("skipping: needs Linux and curl");
        return;
    }
    let dir = tempdir();
    let assets = fake_release(dir.path(), "9.9.9", true);
    let install = run_step(
        &format!("{}/scripts/action-install", root().display()),
        dir.path(),
        &[
            ("VERSION", "9.9.9".into()),
            ("INSTALL", "auto".into()),
            ("RELEASE_BASE_URL", format!("file://{}", assets.display())),
        ],
    );
    assert!(!install.status.success(), "not even with install: auto");
    assert!(
        stdout(&install).contains("SHA-256 of aks-certscan-9.9.9-"),
        "{}",
        stdout(&install)
    );
    // A release that does not exist falls back to cargo with install: auto.
    let missing = run_step(
        &format!("{}/scripts/action-install", root().display()),
        dir.path(),
        &[
            ("VERSION", "0.0.0-missing".into()),
            ("INSTALL", "auto".into()),
            ("RELEASE_BASE_URL", format!("file://{}/nowhere", dir.path().display())),
        ],
    );
    assert!(missing.status.success(), "{}", stderr(&missing));
    assert!(std::fs::read_to_string(dir.path().join("output"))
        .expect("o")
        .contains("installed=false"));
}
