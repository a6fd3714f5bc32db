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
        skip_missing_tool(
            "workflow and action schemas",
            "check-jsonschema",
            "pip install check-jsonschema",
        );
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

/// A release directory as the release workflow makes it, holding this build's binary; returns
/// the directory and the `sha256sum` line of the archive (`<hash>  <name>`).
fn fake_release(dir: &Path, version: &str) -> (PathBuf, String) {
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
    let line = stdout(&sum).trim().to_string();
    std::fs::write(assets.join(format!("{archive}.sha256")), format!("{line}\n")).expect("write");
    (assets, line)
}

/// A checkout of the action at version `version` (what `$GITHUB_ACTION_PATH` holds), carrying
/// `checksums` as its release-checksums.txt.
fn fake_action_checkout(dir: &Path, version: &str, checksums: &str) -> PathBuf {
    let action = dir.join("action");
    std::fs::create_dir_all(&action).expect("mkdir");
    std::fs::write(
        action.join("Cargo.toml"),
        format!("[package]\nname = \"aks-certscan\"\nversion = \"{version}\"\n"),
    )
    .expect("write");
    std::fs::copy(root().join("Cargo.lock"), action.join("Cargo.lock")).expect("copy");
    std::fs::write(
        action.join("release-checksums.txt"),
        format!("# carried hashes\n{checksums}\n"),
    )
    .expect("write");
    action
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
        .env_remove("GH_TOKEN")
        .env_remove("GITHUB_ACTION_REF")
        .env_remove("KUBECONFIG");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("bash")
}

/// Runs scripts/action-install in `dir` with the action checkout `action` and `env`; the
/// outputs file is emptied first.
fn install(dir: &Path, action: &Path, env: &[(&str, String)]) -> (std::process::Output, String) {
    let _ = std::fs::remove_file(dir.join("output"));
    let mut all = vec![("GITHUB_ACTION_PATH", action.display().to_string())];
    all.extend(env.iter().cloned());
    let out = run_step(&format!("{}/scripts/action-install", root().display()), dir, &all);
    let outputs = std::fs::read_to_string(dir.join("output")).unwrap_or_default();
    (out, outputs)
}

/// A stand-in for a program on PATH: logs its arguments to `<dir>/<name>.log`, runs `body`.
fn stub_program(dir: &Path, name: &str, body: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let bin = dir.join("stubs");
    std::fs::create_dir_all(&bin).expect("mkdir");
    let path = bin.join(name);
    let log = dir.join(format!("{name}.log"));
    std::fs::write(
        &path,
        format!("#!/bin/sh\nprintf '%s\\n' \"$*\" >> '{}'\n{body}\n", log.display()),
    )
    .expect("write");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    bin
}

fn linux_with_curl() -> bool {
    if std::env::consts::OS != "linux" || Command::new("curl").arg("--version").output().is_err() {
        skip_missing_tool("GitHub Action steps", "curl", "the action needs Linux and curl");
        return false;
    }
    true
}

#[test]
fn the_action_steps_run_locally() {
    if !linux_with_curl() {
        return;
    }
    let dir = tempdir();
    let (assets, line) = fake_release(dir.path(), "9.9.9");
    let action = fake_action_checkout(dir.path(), "9.9.9", &line);
    // 1. From its release tag, the action installs the release binary the checkout carries a
    //    SHA-256 for: download, check, PATH.
    let (out, outputs) = install(
        dir.path(),
        &action,
        &[
            ("GITHUB_ACTION_REF", "v9.9.9".into()),
            ("RELEASE_BASE_URL", format!("file://{}", assets.display())),
        ],
    );
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    assert!(outputs.contains("installed=true"), "{outputs}");
    assert!(
        stdout(&out).contains("matches the SHA-256 this action carries"),
        "{}",
        stdout(&out)
    );
    let bin_dir = std::fs::read_to_string(dir.path().join("path"))
        .expect("path")
        .trim()
        .to_string();
    assert!(Path::new(&bin_dir).join("aks-certscan").is_file());
    // 2. The cache and build steps are skipped when the release installed.
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
fn the_action_builds_exactly_the_ref_it_runs_from() {
    if !linux_with_curl() {
        return;
    }
    let dir = tempdir();
    // The repository's own checkout, as `uses: aks-certscan/aks-certscan@main` gets it.
    let own_version = std::fs::read_to_string(root().join("Cargo.toml"))
        .expect("Cargo.toml")
        .lines()
        .find_map(|l| l.strip_prefix("version = \""))
        .and_then(|l| l.strip_suffix('"'))
        .expect("version")
        .to_string();
    for reference in ["main", "0123456789abcdef0123456789abcdef01234567"] {
        let (out, outputs) = install(
            dir.path(),
            &root(),
            &[
                ("GITHUB_ACTION_REF", reference.into()),
                // Were anything downloaded, it would fail: nothing may be.
                ("RELEASE_BASE_URL", "file:///nonexistent".into()),
            ],
        );
        assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
        assert!(outputs.contains("installed=false"), "{outputs}");
        assert!(outputs.contains(&format!("build-version={own_version}")), "{outputs}");
        assert!(outputs.contains("cache-key="), "{outputs}");
        assert!(
            stdout(&out).contains(&format!("runs from {reference}")),
            "{}",
            stdout(&out)
        );
    }
    // The build step installs the checkout itself, with its lock file, onto the PATH.
    let real = assert_cmd::cargo::cargo_bin("aks-certscan");
    let stubs = stub_program(
        dir.path(),
        "cargo",
        &format!(
            "root=''; while [ $# -gt 0 ]; do [ \"$1\" = --root ] && root=$2; shift; done\n\
             mkdir -p \"$root/bin\" && cp '{}' \"$root/bin/aks-certscan\"",
            real.display()
        ),
    );
    let _ = std::fs::remove_file(dir.path().join("path"));
    let build = run_step(
        &format!("{}/scripts/action-build", root().display()),
        dir.path(),
        &[
            ("CARGO", stubs.join("cargo").display().to_string()),
            ("ROOT", dir.path().join("cargo-root").display().to_string()),
        ],
    );
    assert!(build.status.success(), "{}{}", stdout(&build), stderr(&build));
    let args = std::fs::read_to_string(dir.path().join("cargo.log")).expect("cargo ran");
    assert!(
        args.contains(&format!("install --locked --force --path {} ", root().display())),
        "{args}"
    );
    assert!(stdout(&build).starts_with("aks-certscan "), "{}", stdout(&build));
    let path = std::fs::read_to_string(dir.path().join("path")).expect("path");
    assert_eq!(path.trim(), dir.path().join("cargo-root/bin").display().to_string());
    // Without cargo the step says what to add.
    let no_cargo = run_step(
        &format!("{}/scripts/action-build", root().display()),
        dir.path(),
        &[("CARGO", "/nonexistent/cargo".into())],
    );
    assert!(!no_cargo.status.success());
    assert!(
        stdout(&no_cargo).contains("cargo is not installed"),
        "{}",
        stdout(&no_cargo)
    );
}

#[test]
fn a_release_is_installed_only_once_verified() {
    if !linux_with_curl() {
        return;
    }
    let dir = tempdir();
    let (assets, line) = fake_release(dir.path(), "9.9.9");
    let from_tag = |action: &Path, extra: &[(&str, String)]| {
        let mut env = vec![
            ("GITHUB_ACTION_REF", "v9.9.9".to_string()),
            ("RELEASE_BASE_URL", format!("file://{}", assets.display())),
        ];
        env.extend(extra.iter().cloned());
        install(dir.path(), action, &env)
    };
    // A carried SHA-256 that does not match is an error, even with install: auto.
    let tampered = fake_action_checkout(
        &dir.path().join("tampered"),
        "9.9.9",
        &format!("{}{}", "0".repeat(64), &line[64..]),
    );
    let (out, outputs) = from_tag(&tampered, &[]);
    assert!(
        !out.status.success(),
        "installed a release that does not match: {outputs}"
    );
    assert!(
        stdout(&out).contains("but this action carries 0000"),
        "{}",
        stdout(&out)
    );
    // No carried hash: the GitHub build attestation decides (gh stand-in).
    let unlisted = fake_action_checkout(&dir.path().join("unlisted"), "9.9.9", "");
    let good_gh = stub_program(&dir.path().join("good"), "gh", "exit 0");
    let path = format!("{}:{}", good_gh.display(), std::env::var("PATH").unwrap_or_default());
    let (out, outputs) = from_tag(&unlisted, &[("PATH", path), ("GH_TOKEN", "t".into())]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    assert!(outputs.contains("installed=true"), "{outputs}");
    let gh_args = std::fs::read_to_string(dir.path().join("good/gh.log")).expect("gh ran");
    assert!(
        gh_args.contains("attestation verify")
            && gh_args.contains(
                "--repo aks-certscan/aks-certscan --signer-workflow aks-certscan/aks-certscan/.github/workflows/release.yml"
            ),
        "{gh_args}"
    );
    // An attestation that does not verify is an error, never a fallback to building.
    let bad_gh = stub_program(&dir.path().join("bad"), "gh", "exit 1");
    let path = format!("{}:{}", bad_gh.display(), std::env::var("PATH").unwrap_or_default());
    let (out, outputs) = from_tag(&unlisted, &[("PATH", path), ("GH_TOKEN", "t".into())]);
    assert!(!out.status.success(), "{outputs}");
    assert!(stdout(&out).contains("no valid build attestation"), "{}", stdout(&out));
    // Nothing to verify with (no hash, no gh token): auto builds the checkout instead, release
    // fails.
    let (out, outputs) = from_tag(&unlisted, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(outputs.contains("installed=false"), "{outputs}");
    assert!(stdout(&out).contains("cannot be verified"), "{}", stdout(&out));
    let (out, _) = from_tag(&unlisted, &[("INSTALL", "release".into())]);
    assert!(!out.status.success());
    // A release that does not exist falls back to building the checkout of that version…
    let (out, outputs) = install(
        dir.path(),
        &unlisted,
        &[
            ("GITHUB_ACTION_REF", "v9.9.9".into()),
            ("RELEASE_BASE_URL", format!("file://{}/nowhere", dir.path().display())),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(outputs.contains("installed=false"), "{outputs}");
    // …but never builds a checkout of another version than the one asked for.
    let (out, _) = install(
        dir.path(),
        &unlisted,
        &[
            ("VERSION", "9.9.8".into()),
            ("RELEASE_BASE_URL", format!("file://{}/nowhere", dir.path().display())),
        ],
    );
    assert!(!out.status.success());
    assert!(stdout(&out).contains("is version 9.9.9, not 9.9.8"), "{}", stdout(&out));
}

#[test]
fn third_party_actions_are_pinned_to_commits() {
    // Every `uses:` of a third-party action names a full commit SHA and its version in a
    // comment; the upload uses the current major version of codeql-action.
    let mut seen = 0;
    for file in [
        ".github/workflows/ci.yml",
        ".github/workflows/release.yml",
        "action.yml",
        "examples/github-actions.yml",
    ] {
        let text = std::fs::read_to_string(root().join(file)).expect(file);
        for line in text
            .lines()
            .filter(|l| l.trim_start().starts_with("- uses:") || l.trim_start().starts_with("uses:"))
        {
            let spec = line.split("uses:").nth(1).expect("uses").trim();
            if spec.starts_with("aks-certscan/aks-certscan@") || spec.starts_with("./") {
                continue;
            }
            seen += 1;
            let (_, rest) = spec.split_once('@').unwrap_or_else(|| panic!("{file}: {line}"));
            let sha = rest.split_whitespace().next().unwrap_or("");
            assert!(
                sha.len() == 40 && sha.bytes().all(|b| b.is_ascii_hexdigit()),
                "{file}: not pinned to a commit: {line}"
            );
            assert!(rest.contains("# v"), "{file}: no version comment: {line}");
        }
        assert!(!text.contains("macos-13"), "{file}: retired runner image");
    }
    assert!(seen >= 8, "{seen}");
    let action = std::fs::read_to_string(root().join("action.yml")).expect("action");
    assert!(action.contains("codeql-action/upload-sarif@") && action.contains("# v4."));
    // No example names a tag or release that does not exist: there is no release yet.
    let checksums = std::fs::read_to_string(root().join("release-checksums.txt")).expect("sums");
    if checksums.lines().all(|l| l.starts_with('#') || l.trim().is_empty()) {
        for file in ["README.md", "action.yml", "examples/github-actions.yml"] {
            let text = std::fs::read_to_string(root().join(file)).expect(file);
            assert!(!text.contains("aks-certscan@v"), "{file} names a release tag");
            assert!(!text.contains("--tag v"), "{file} names a release tag");
        }
    }
}
