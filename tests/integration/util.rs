//! Helpers: the binary with a clean environment, scenario arguments, SARIF validation.

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;

/// Checks that did not run, with why: printed as one line when the test binary exits (so it is
/// the last thing `cargo test` prints) and appended to `$AKS_CERTSCAN_SKIP_LOG` when that is set
/// (`.ci/run` sums them up at its end).
static SKIPPED: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

extern "C" fn print_skip_summary() {
    let skipped = SKIPPED.lock().map(|s| s.clone()).unwrap_or_default();
    if skipped.is_empty() {
        eprintln!("aks-certscan tests: no check skipped");
        return;
    }
    let mut counts: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for what in &skipped {
        *counts.entry(what).or_default() += 1;
    }
    let list: Vec<String> = counts
        .iter()
        .map(|(what, n)| {
            if *n > 1 {
                format!("{what} (x{n})")
            } else {
                what.to_string()
            }
        })
        .collect();
    eprintln!(
        "aks-certscan tests: {} checks skipped: {}",
        skipped.len(),
        list.join("; ")
    );
}

fn record_skip(what: String) {
    eprintln!("skipping {what}");
    if let Ok(log) = std::env::var("AKS_CERTSCAN_SKIP_LOG") {
        use std::io::Write;
        if let Ok(mut file) = std::fs::OpenOptions::new().create(true).append(true).open(log) {
            let _ = writeln!(file, "{what}");
        }
    }
    static SUMMARY: std::sync::Once = std::sync::Once::new();
    // SAFETY: registers a plain function to run at exit; it only locks a static and writes
    // to stderr.
    SUMMARY.call_once(|| unsafe {
        libc::atexit(print_skip_summary);
    });
    if let Ok(mut skipped) = SKIPPED.lock() {
        skipped.push(what);
    }
}

/// `CI` is set to `true` by GitHub Actions, Azure Pipelines (as `True`) and `.ci/run`.
fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true") || v == "1")
}

/// Skips `check` because `tool` is missing (`install` says how to get it). Under `CI=true` that
/// is an error, unless `AKS_CERTSCAN_MAY_SKIP` (comma-separated tool names) lists the tool: a
/// CI machine that is meant to have every tool must not pass having checked nothing.
pub fn skip_missing_tool(check: &str, tool: &str, install: &str) {
    let allowed = std::env::var("AKS_CERTSCAN_MAY_SKIP")
        .unwrap_or_default()
        .split(',')
        .any(|t| t.trim() == tool);
    if in_ci() && !allowed {
        panic!(
            "{check} needs {tool}, which is missing ({install}); under CI=true a missing tool is an \
             error (AKS_CERTSCAN_MAY_SKIP={tool} allows it on a machine that cannot have it)"
        );
    }
    record_skip(format!("{check}: {tool} missing"));
}

/// Skips `check` (or part of it) for a reason of this machine that no tool changes (not root,
/// no IPv6 loopback): never an error, always in the summary.
pub fn skip_here(check: &str, reason: &str) {
    record_skip(format!("{check}: {reason}"));
}

/// The evaluation time every test uses (the example estate is built around it).
pub const NOW: &str = "2026-11-29T00:00:00Z";

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Variables through which a CI system names the repository and commit.
pub const CI_VARIABLES: &[&str] = &[
    "GITHUB_SERVER_URL",
    "GITHUB_REPOSITORY",
    "GITHUB_SHA",
    "GITHUB_REF",
    "BUILD_REPOSITORY_URI",
    "BUILD_SOURCEVERSION",
    "BUILD_SOURCEBRANCH",
];

/// The binary, run from the repository root, with no kubeconfig or colour from the environment.
pub fn bin() -> Command {
    let mut cmd = Command::cargo_bin("aks-certscan").expect("binary");
    cmd.current_dir(root())
        .env_remove("KUBECONFIG")
        .env("NO_COLOR", "1")
        .env("HOME", root().join("testdata/no-home"))
        .env_remove("AKS_CERTSCAN_TRUSTED_CONFIG");
    // Outputs must not depend on the CI system the tests run in (SARIF provenance).
    for var in CI_VARIABLES {
        cmd.env_remove(var);
    }
    cmd
}

/// The source flags for every input of a scenario directory (relative to the repository root):
/// `kubeconfig*` files, `cluster*.json`, `nodes.json`, and `node*/` directories.
pub fn scenario_args(name: &str) -> Vec<String> {
    let dir = root().join("testdata/scenarios").join(name);
    let mut entries: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("scenario")
        .map(|e| e.expect("entry").path())
        .collect();
    entries.sort();
    let mut args = Vec::new();
    for path in entries {
        let file = path.file_name().expect("name").to_string_lossy().into_owned();
        let rel = format!("testdata/scenarios/{name}/{file}");
        let flag = if path.is_dir() && file.starts_with("node") {
            "--node-root"
        } else if file.starts_with("kubeconfig") {
            "--kubeconfig"
        } else if file.starts_with("cluster") {
            "--cluster"
        } else if file == "nodes.json" {
            "--nodes"
        } else if file == "objects.json" {
            "--k8s-objects"
        } else {
            continue;
        };
        args.push(flag.to_string());
        args.push(rel);
    }
    args
}

/// Every scenario name.
pub fn scenarios() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(root().join("testdata/scenarios"))
        .expect("scenarios")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Runs the binary with `args` and returns its output.
pub fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("runs")
}

/// Standard output as text.
pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Standard error as text.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Runs `facts` on a scenario and parses the document.
pub fn scenario_facts(name: &str) -> serde_json::Value {
    let args = scenario_args(name);
    let mut all: Vec<&str> = vec!["facts", "--now", NOW];
    all.extend(args.iter().map(String::as_str));
    let out = run(&all);
    assert!(out.status.success(), "facts failed: {}", stderr(&out));
    serde_json::from_slice(&out.stdout).expect("facts JSON")
}

/// Runs `scan --format json` on a scenario and returns the sorted, deduplicated rule ids.
pub fn scenario_rule_ids(name: &str, extra: &[&str]) -> Vec<String> {
    let args = scenario_args(name);
    let mut all: Vec<&str> = vec!["scan", "--now", NOW, "--format", "json", "--fail-on", "never"];
    all.extend(args.iter().map(String::as_str));
    all.extend(extra);
    let out = run(&all);
    assert!(out.status.success(), "scan failed: {}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("findings JSON");
    let mut ids: Vec<String> = doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["rule_id"].as_str().expect("id").to_string())
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

/// The shared SARIF validator, when this checkout sits beside `shared/` and python3 exists.
pub fn sarif_validator() -> Option<PathBuf> {
    let tool = root().join("../shared/tools/validate-sarif");
    let python = std::process::Command::new("python3")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    (tool.exists() && python).then_some(tool)
}

/// The OASIS SARIF 2.1.0 schema, vendored with its licence (tests/vendor/sarif/README.md).
pub fn vendored_sarif_schema() -> PathBuf {
    root().join("tests/vendor/sarif/sarif-schema-2.1.0.json")
}

/// Validates a SARIF file with `shared/tools/validate-sarif` (the OASIS schema and GitHub's
/// upload rules) when it is beside this checkout, else against the vendored OASIS schema with
/// `check-jsonschema` (the project's own CI has no `../shared`); skips, and says so, with neither.
pub fn validate_sarif(path: &Path) {
    let Some(tool) = sarif_validator() else {
        let out = std::process::Command::new("check-jsonschema")
            .arg("--schemafile")
            .arg(vendored_sarif_schema())
            .arg(path)
            .output();
        match out {
            Ok(out) => assert!(
                out.status.success(),
                "{} is not valid against the SARIF 2.1.0 schema:\n{}{}",
                path.display(),
                stdout(&out),
                stderr(&out)
            ),
            Err(_) => skip_missing_tool(
                "SARIF schema validation",
                "check-jsonschema",
                "pip install check-jsonschema, or ../shared/tools/validate-sarif beside the checkout",
            ),
        }
        return;
    };
    // Warnings fail too: each one is a GitHub behaviour we did not intend (a severity ignored,
    // a tag dropped).
    let out = std::process::Command::new(tool)
        .args(["--fail-on", "warning"])
        .arg(path)
        .output()
        .expect("validator runs");
    assert!(
        out.status.success(),
        "validate-sarif rejected {}:\n{}{}",
        path.display(),
        stdout(&out),
        stderr(&out)
    );
}

/// A fresh temporary directory.
pub fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("tempdir")
}

/// Runs `scan --now NOW --format json` with `args`.
pub fn scan_json(args: &[&str]) -> Output {
    let mut all = vec!["scan", "--now", NOW, "--format", "json"];
    all.extend(args);
    run(&all)
}

/// Runs `facts --now NOW` with `args`.
pub fn facts_at_now(args: &[&str]) -> Output {
    let mut all = vec!["facts", "--now", NOW];
    all.extend(args);
    run(&all)
}

/// Runs `cmd` like [`bounded`] and also returns the user CPU time the child itself spent (its own
/// `wait4` rusage): linearity checks compare work, which neither other tests running beside it
/// nor this machine's page-reclaim stalls (system time) change the way they change wall time.
// The child is reaped by `wait4` (for its rusage), which clippy cannot see.
#[allow(clippy::zombie_processes)]
pub fn bounded_cpu(mut cmd: std::process::Command, limit: std::time::Duration) -> (Output, std::time::Duration) {
    use std::os::unix::process::ExitStatusExt;
    cmd.stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().expect("spawns");
    let pid = child.id() as libc::pid_t;
    let mut out = child.stdout.take().expect("stdout");
    let mut err = child.stderr.take().expect("stderr");
    let out_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = std::io::Read::read_to_end(&mut out, &mut buf);
        buf
    });
    let err_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = std::io::Read::read_to_end(&mut err, &mut buf);
        buf
    });
    let start = std::time::Instant::now();
    let (status, usage) = loop {
        let mut status: libc::c_int = 0;
        // SAFETY: an all-zero rusage is valid, and wait4 fills it for our own child.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: waits (without blocking) for the child spawned above, reaping it once.
        let reaped = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        if reaped == pid {
            break (std::process::ExitStatus::from_raw(status), usage);
        }
        assert!(reaped == 0, "wait4: {}", std::io::Error::last_os_error());
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{cmd:?} did not finish within {limit:?}: it hangs");
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    };
    let user = std::time::Duration::from_secs(usage.ru_utime.tv_sec as u64)
        + std::time::Duration::from_micros(usage.ru_utime.tv_usec as u64);
    let output = Output {
        status,
        stdout: out_reader.join().expect("stdout"),
        stderr: err_reader.join().expect("stderr"),
    };
    (output, user)
}

/// Runs `cmd`, failing the test (and killing the child) if it takes longer than `limit`.
pub fn bounded(cmd: std::process::Command, limit: std::time::Duration) -> Output {
    bounded_cpu(cmd, limit).0
}

/// The ids of the bundled rules, from `rules --format json`.
pub fn bundled_rule_ids() -> Vec<String> {
    let out = run(&["rules", "--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("rules JSON");
    let rules = doc
        .as_array()
        .or_else(|| doc["rules"].as_array())
        .expect("a list of rules");
    rules
        .iter()
        .map(|r| r["id"].as_str().expect("id").to_string())
        .collect()
}

/// The binary as a plain `std::process::Command` (for [`bounded`]), with the environment
/// [`bin`] gives it, no proxy and no standard input.
pub fn plain_bin() -> std::process::Command {
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("aks-certscan"));
    cmd.current_dir(root())
        .env_remove("KUBECONFIG")
        .env_remove("HTTPS_PROXY")
        .env_remove("https_proxy")
        .env("NO_COLOR", "1")
        .env("HOME", root().join("testdata/no-home"))
        .stdin(std::process::Stdio::null());
    for var in CI_VARIABLES {
        cmd.env_remove(var);
    }
    cmd
}

/// Makes `cmd`'s child start with `resource` (`libc::RLIMIT_NOFILE`, `libc::RLIMIT_AS`, ...)
/// limited to `limit`.
pub fn with_rlimit(cmd: &mut std::process::Command, resource: libc::__rlimit_resource_t, limit: u64) {
    use std::os::unix::process::CommandExt;
    // SAFETY: setrlimit is async-signal-safe; nothing else runs between fork and exec.
    unsafe {
        cmd.pre_exec(move || {
            let value = libc::rlimit {
                rlim_cur: limit,
                rlim_max: limit,
            };
            if libc::setrlimit(resource, &value) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}
