//! Hostile input: one regression test per promise the attack run of issue 9 broke. Every child
//! runs under a time limit, so a hang comes back as a failure, not as a stuck test run.
//!
//! Scaling tests double the input and allow at most 2.5× the time (plus half a second of slack,
//! so that a busy machine does not make them flaky): the quadratic versions took 4× and more.

use std::io::Write;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use rcgen::{CertificateParams, DnType, KeyPair};

use crate::util::*;

/// `aks-certscan ARGS` under a 30-second limit.
fn run_bounded(args: &[&str]) -> Output {
    let mut cmd = plain_bin();
    cmd.args(args);
    bounded(cmd, Duration::from_secs(30))
}

fn all_output(out: &Output) -> String {
    format!("{}{}", stdout(out), stderr(out))
}

/// A self-signed certificate (PEM) with common name `cn` that expired in 2021.
fn expired_pem(cn: &str) -> String {
    let key = KeyPair::generate().expect("key");
    let mut params = CertificateParams::new(vec!["expired.example".to_string()]).expect("params");
    params.distinguished_name.push(DnType::CommonName, cn);
    params.not_before = time::macros::datetime!(2020-01-01 00:00 UTC);
    params.not_after = time::macros::datetime!(2021-01-01 00:00 UTC);
    params.self_signed(&key).expect("sign").pem()
}

fn mkfifo(path: &Path) {
    let c = std::ffi::CString::new(path.to_str().expect("utf8")).expect("c string");
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "mkfifo");
}

fn write_executable(path: &Path, text: &str) {
    std::fs::write(path, text).expect("write");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("JSON ({e}): {}", all_output(out)))
}

fn rule_ids(doc: &serde_json::Value) -> Vec<String> {
    doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["rule_id"].as_str().expect("id").to_string())
        .collect()
}

/// The minimum of three timed runs of `make(size)` (less noise than one).
fn best_of_three(mut run: impl FnMut() -> Duration) -> Duration {
    (0..3).map(|_| run()).min().expect("runs")
}

/// Measures the user CPU time of `args(file)` on inputs of size `n` and `2n` written by `make`
/// (the child's own, see [`bounded_cpu`]: work, not wall time), and asserts it at most grows
/// 2.5× (+0.5 s).
fn assert_linear(what: &str, n: usize, make: impl Fn(usize) -> Vec<u8>, args: impl Fn(&str) -> Vec<String>) {
    let dir = tempdir();
    let mut times = Vec::new();
    for size in [n, 2 * n] {
        let file = dir.path().join(format!("input-{size}"));
        std::fs::write(&file, make(size)).expect("write");
        let argv = args(file.to_str().expect("utf8"));
        let spent = best_of_three(|| {
            let mut cmd = plain_bin();
            cmd.args(&argv);
            let (out, user) = bounded_cpu(cmd, Duration::from_secs(60));
            assert!(out.status.code().is_some_and(|c| c <= 2), "{what}: {}", stderr(&out));
            user
        });
        times.push(spent);
    }
    let allowed = times[0].mul_f64(2.5) + Duration::from_millis(500);
    assert!(
        times[1] <= allowed,
        "{what}: {n} took {:?}, {} took {:?} (more than 2.5×: not linear)",
        times[0],
        2 * n,
        times[1]
    );
}

// 1. Files that block on read.

#[test]
fn fifos_and_devices_never_hang_the_scan() {
    let dir = tempdir();
    let fifo = dir.path().join("p");
    mkfifo(&fifo);
    let p = fifo.to_str().expect("utf8");
    for flag in ["--certs", "--kubeconfig", "--cluster", "--nodes", "--facts"] {
        let out = run_bounded(&["scan", "--now", NOW, "--format", "json", "--fail-on", "never", flag, p]);
        assert!(
            stderr(&out).contains("FIFO (named pipe), not a regular file"),
            "{flag}: {}",
            stderr(&out)
        );
    }
    let expired = dir.path().join("expired.pem");
    std::fs::write(&expired, expired_pem("expired")).expect("write");
    let out = run_bounded(&[
        "scan",
        "--now",
        NOW,
        "--certs",
        expired.to_str().expect("utf8"),
        "--baseline",
        p,
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", all_output(&out));
    assert!(stderr(&out).contains("FIFO"), "{}", stderr(&out));

    // Paths named inside a kubeconfig: a FIFO as the CA, standard input as the client certificate.
    let kubeconfig = dir.path().join("kubeconfig");
    std::fs::write(
        &kubeconfig,
        format!(
            "apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority: {p}\n    server: https://prod.hcp.westeurope.azmk8s.io:443\n  name: prod\ncontexts:\n- context:\n    cluster: prod\n    user: clusterUser_rg_prod\n  name: prod\ncurrent-context: prod\nkind: Config\npreferences: {{}}\nusers:\n- name: clusterUser_rg_prod\n  user:\n    client-certificate: /dev/stdin\n"
        ),
    )
    .expect("write");
    let mut cmd = plain_bin();
    cmd.args([
        "facts",
        "--now",
        NOW,
        "--kubeconfig",
        kubeconfig.to_str().expect("utf8"),
    ]);
    // Standard input is a pipe nobody writes to: reading it would block forever.
    cmd.stdin(Stdio::piped());
    let out = bounded(cmd, Duration::from_secs(30));
    let errors = json(&out)["errors"].to_string();
    assert!(errors.contains("FIFO"), "{errors}");
    assert!(errors.contains("not a regular file"), "{errors}");

    // Links inside a walked directory and a node root to a FIFO and to /proc/kmsg.
    let certs = dir.path().join("certs");
    std::fs::create_dir_all(&certs).expect("mkdir");
    symlink(&fifo, certs.join("fifo.pem")).expect("link");
    if Path::new("/proc/kmsg").exists() {
        symlink("/proc/kmsg", certs.join("kmsg.pem")).expect("link");
    }
    std::fs::copy(&expired, certs.join("ok.pem")).expect("copy");
    let node = dir.path().join("node");
    std::fs::create_dir_all(node.join("var/lib/kubelet/pki")).expect("mkdir");
    std::fs::create_dir_all(node.join("etc/kubernetes/certs")).expect("mkdir");
    symlink(&fifo, node.join("var/lib/kubelet/pki/kubelet-client-current.pem")).expect("link");
    symlink(&fifo, node.join("etc/kubernetes/certs/ca.crt")).expect("link");
    let out = run_bounded(&[
        "facts",
        "--now",
        NOW,
        "--certs",
        certs.to_str().expect("utf8"),
        "--node-root",
        node.to_str().expect("utf8"),
    ]);
    let doc = json(&out);
    assert_eq!(
        doc["certificates"].as_array().expect("certs").len(),
        1,
        "the good file is read"
    );
    let errors = doc["errors"].as_array().expect("errors");
    assert!(
        errors
            .iter()
            .any(|e| e["path"].as_str().is_some_and(|p| p.ends_with("fifo.pem"))),
        "{errors:?}"
    );
    assert!(
        errors
            .iter()
            .any(|e| e["path"].as_str().is_some_and(|p| p.contains("kubelet-client-current"))),
        "{errors:?}"
    );
}

// 2. Symlink fan-out.

#[test]
fn symlink_diamonds_are_walked_once() {
    let dir = tempdir();
    let root_dir = dir.path();
    for level in 0..40 {
        std::fs::create_dir_all(root_dir.join(format!("l{level}"))).expect("mkdir");
    }
    for level in 0..39 {
        let here = root_dir.join(format!("l{level}"));
        let next = root_dir.join(format!("l{}", level + 1));
        symlink(&next, here.join("a")).expect("link");
        symlink(&next, here.join("b")).expect("link");
    }
    std::fs::write(root_dir.join("l39/cert.pem"), expired_pem("deep")).expect("write");
    let out = run_bounded(&[
        "facts",
        "--now",
        NOW,
        "--certs",
        root_dir.join("l0").to_str().expect("utf8"),
    ]);
    let doc = json(&out);
    assert_eq!(doc["certificates"].as_array().expect("certs").len(), 1);
}

// 3. Base64-PEM search.

#[test]
fn base64_pem_search_is_linear() {
    assert_linear(
        "base64 PEM markers back to back",
        256 * 1024 / 14,
        |n| "LS0tLS1CRUdJTi".repeat(n).into_bytes(),
        |file| {
            vec![
                "facts".into(),
                "--now".into(),
                NOW.into(),
                "--certs".into(),
                file.into(),
                "--output".into(),
                "/dev/null".into(),
            ]
        },
    );
}

// 4. SCAN001 aggregation.

#[test]
fn many_collection_errors_in_one_file_are_linear() {
    let good = expired_pem("good");
    assert_linear(
        "broken PEM blocks in one file",
        20_000,
        move |n| {
            let mut text = good.clone();
            text.push_str(&"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n".repeat(n));
            text.into_bytes()
        },
        |file| {
            [
                "scan",
                "--now",
                NOW,
                "--format",
                "sarif",
                "--fail-on",
                "never",
                "--output",
                "/dev/null",
                "--certs",
                file,
            ]
            .map(String::from)
            .to_vec()
        },
    );
}

// 5. Writing through a planted symbolic link.

#[test]
fn outputs_are_never_written_through_a_planted_link() {
    let dir = tempdir();
    let victim = dir.path().join("victim");
    std::fs::write(&victim, "precious").expect("write");
    symlink(&victim, dir.path().join("aks-certscan.facts.json")).expect("link");
    // A cluster read from standard input has no file: SARIF needs the facts document beside it.
    let mut cmd = plain_bin();
    cmd.current_dir(dir.path())
        .args(["scan", "--now", NOW, "--format", "sarif", "--cluster", "-"])
        .stdin(std::fs::File::open(root().join("testdata/scenarios/stopped/cluster.json")).expect("cluster"));
    let out = bounded(cmd, Duration::from_secs(30));
    assert_eq!(std::fs::read_to_string(&victim).expect("victim"), "precious");
    assert_eq!(out.status.code(), Some(2), "{}", all_output(&out));
    assert!(stderr(&out).contains("symbolic link"), "{}", stderr(&out));

    // The same for --output.
    symlink(&victim, dir.path().join("report.sarif")).expect("link");
    let mut cmd = plain_bin();
    cmd.current_dir(dir.path()).args([
        "scan",
        "--now",
        NOW,
        "--format",
        "sarif",
        "--output",
        "report.sarif",
        "--cluster",
        root()
            .join("testdata/scenarios/stopped/cluster.json")
            .to_str()
            .expect("utf8"),
    ]);
    let out = bounded(cmd, Duration::from_secs(30));
    assert_eq!(std::fs::read_to_string(&victim).expect("victim"), "precious");
    assert!(stderr(&out).contains("symbolic link"), "{}", stderr(&out));
    // And a real file is replaced whole, with no temporary file left.
    let mut cmd = plain_bin();
    cmd.current_dir(dir.path()).args([
        "scan",
        "--now",
        NOW,
        "--format",
        "sarif",
        "--output",
        "real.sarif",
        "--fail-on",
        "never",
        "--cluster",
        root()
            .join("testdata/scenarios/stopped/cluster.json")
            .to_str()
            .expect("utf8"),
    ]);
    let out = bounded(cmd, Duration::from_secs(30));
    assert!(out.status.success(), "{}", all_output(&out));
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!names.iter().any(|n| n.ends_with(".tmp")), "{names:?}");
}

// 6. A proxy password.

#[test]
fn proxy_passwords_are_never_echoed() {
    for proxy in [
        "http://u:S3cretPW/x@127.0.0.1:9001",
        "http://u:S3cretPW@127.0.0.1:notaport",
        "http://u:S3cretPW@127.0.0.1:9",
    ] {
        let mut cmd = plain_bin();
        cmd.env("HTTPS_PROXY", proxy).args([
            "scan",
            "--now",
            NOW,
            "--format",
            "json",
            "--timeout",
            "2",
            "--endpoint",
            "prod.hcp.westeurope.azmk8s.io:443",
        ]);
        let out = bounded(cmd, Duration::from_secs(30));
        assert!(!all_output(&out).contains("S3cretPW"), "{proxy}: {}", all_output(&out));
    }
}

// 7. The temporary kubeconfig on SIGTERM.

fn live_stand_ins(dir: &Path, kubectl_body: &str, az_show: &str) -> (PathBuf, PathBuf) {
    let data = root().join("testdata/scenarios/old-nodes");
    let az = dir.join("az");
    write_executable(
        &az,
        &format!(
            "#!/bin/sh\ncase \"$1 $2\" in\n  'aks show') {az_show} ;;\n  'aks get-credentials') cat '{d}/kubeconfig' ;;\n  *) echo '[]' ;;\nesac\n",
            d = data.display()
        ),
    );
    let kubectl = dir.join("kubectl");
    write_executable(&kubectl, &format!("#!/bin/sh\n{kubectl_body}\n"));
    (az, kubectl)
}

fn live_command(az: &Path, kubectl: &Path, extra: &[&str]) -> Command {
    let mut cmd = plain_bin();
    cmd.args([
        "scan",
        "--now",
        NOW,
        "--format",
        "json",
        "--fail-on",
        "never",
        "--timeout",
        "2",
        "--aks",
        "rg-ops/ops",
    ])
    .args(extra)
    .args([
        "--az",
        az.to_str().expect("utf8"),
        "--kubectl",
        kubectl.to_str().expect("utf8"),
    ]);
    cmd
}

fn private_dirs(tmp: &Path) -> Vec<String> {
    std::fs::read_dir(tmp)
        .expect("tmp")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("aks-certscan-"))
        .collect()
}

#[test]
fn the_temporary_kubeconfig_is_removed_on_sigterm_and_sigint() {
    for (signal, code) in [(libc::SIGTERM, 143), (libc::SIGINT, 130)] {
        let dir = tempdir();
        let tmp = dir.path().join("tmp");
        std::fs::create_dir_all(&tmp).expect("mkdir");
        let data = root().join("testdata/scenarios/old-nodes");
        let (az, kubectl) = live_stand_ins(
            dir.path(),
            "sleep 20",
            &format!("cat '{}/cluster.json'", data.display()),
        );
        let mut cmd = live_command(&az, &kubectl, &[]);
        cmd.env("TMPDIR", &tmp).stdout(Stdio::null()).stderr(Stdio::null());
        let mut child = cmd.spawn().expect("spawns");
        let start = Instant::now();
        while private_dirs(&tmp).is_empty() {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "no temporary kubeconfig appeared"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        // SAFETY: signalling our own child.
        unsafe { libc::kill(child.id() as i32, signal) };
        let status = loop {
            if let Some(status) = child.try_wait().expect("wait") {
                break status;
            }
            assert!(start.elapsed() < Duration::from_secs(30), "the scan ignored the signal");
            std::thread::sleep(Duration::from_millis(20));
        };
        assert_eq!(status.code(), Some(code));
        assert!(private_dirs(&tmp).is_empty(), "left behind: {:?}", private_dirs(&tmp));
    }
}

// 8 and 21. Merged facts documents are input too.

#[test]
fn a_bad_value_in_a_merged_document_is_one_error_and_errors_are_kept() {
    let dir = tempdir();
    let out = run_bounded(&[
        "facts",
        "--now",
        NOW,
        "--kubeconfig",
        "testdata/scenarios/healthy/kubeconfig",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let mut doc = json(&out);
    doc["certificates"][0]["lifetime_days"] = serde_json::json!(1.797_693_134_862_315_7e308);
    doc["certificates"][1]["der_base64"] = serde_json::json!("");
    doc["errors"] = serde_json::json!([{
        "source": "certs", "path": "saved/elsewhere.pem", "line": null,
        "kind": "malformed-certificate", "message": "saved error"
    }]);
    let huge = dir.path().join("huge.json");
    std::fs::write(&huge, serde_json::to_string(&doc).expect("json")).expect("write");
    // Another document whose number does not fit: the whole document is one error.
    let mut wrong = doc.clone();
    wrong["certificates"][0]["not_after_unix"] = serde_json::json!(1e300);
    let wrong_path = dir.path().join("wrong.json");
    std::fs::write(&wrong_path, serde_json::to_string(&wrong).expect("json")).expect("write");
    let expired = dir.path().join("expired.pem");
    std::fs::write(&expired, expired_pem("expired")).expect("write");
    let out = run_bounded(&[
        "scan",
        "--now",
        NOW,
        "--format",
        "json",
        "--facts",
        huge.to_str().expect("utf8"),
        "--facts",
        wrong_path.to_str().expect("utf8"),
        "--certs",
        expired.to_str().expect("utf8"),
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "findings, not an abort: {}",
        all_output(&out)
    );
    let report = json(&out);
    assert!(rule_ids(&report).contains(&"CERT001".to_string()));
    let messages: Vec<String> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule_id"] == "SCAN001")
        .map(|f| f["message"].as_str().expect("message").to_string())
        .collect();
    let all = messages.join("\n");
    assert!(all.contains("saved error"), "the saved error is kept: {all}");
    assert!(all.contains("no DER matching"), "the empty DER is reported: {all}");
    assert!(
        all.contains("does not match schema"),
        "the bad document is one error: {all}"
    );
}

// 9. Name resolution under --timeout.

#[test]
fn timeout_bounds_name_resolution() {
    // A black-hole DNS server: a UDP socket that never answers, made the resolver in a private
    // mount namespace. Needs root and `unshare`; the mechanism is also unit-tested
    // (probe::deadline::tests::name_resolution_is_bounded_by_the_deadline).
    let unshare_works = Command::new("unshare")
        .args(["-m", "true"])
        .output()
        .is_ok_and(|o| o.status.success());
    let Ok(socket) = std::net::UdpSocket::bind("127.0.0.53:53").or_else(|_| std::net::UdpSocket::bind("127.0.0.54:53"))
    else {
        skip_here(
            "DNS timeout",
            "cannot bind UDP port 53 for the black-hole resolver (not root?)",
        );
        return;
    };
    if !unshare_works {
        skip_missing_tool("DNS timeout", "unshare", "util-linux, and a mount namespace");
        return;
    }
    let dir = tempdir();
    let resolv = dir.path().join("resolv.conf");
    std::fs::write(
        &resolv,
        format!(
            "nameserver {}\noptions timeout:10 attempts:3\n",
            socket.local_addr().expect("addr").ip()
        ),
    )
    .expect("write");
    let bin = assert_cmd::cargo::cargo_bin("aks-certscan");
    let mut cmd = Command::new("unshare");
    cmd.args(["-m", "sh", "-c"])
        .arg(format!(
            "mount --bind '{}' /etc/resolv.conf && exec '{}' scan --now {NOW} --format json --timeout 2 --endpoint no-such-host.invalid:443",
            resolv.display(),
            bin.display()
        ))
        .current_dir(root())
        .stdin(Stdio::null());
    let start = Instant::now();
    let out = bounded(cmd, Duration::from_secs(30));
    let spent = start.elapsed();
    assert!(
        spent < Duration::from_secs(8),
        "took {spent:?} with --timeout 2: {}",
        all_output(&out)
    );
    assert!(all_output(&out).contains("name resolution"), "{}", all_output(&out));
}

// 10. A password in a kubeconfig server URL.

#[test]
fn server_url_passwords_reach_no_output() {
    let dir = tempdir();
    let text = std::fs::read_to_string(root().join("testdata/scenarios/old-nodes/kubeconfig")).expect("kubeconfig");
    let planted = text.replace(
        "server: https://ops-rg-ops-3f2e8c-2b3c4d5e.hcp.uksouth.azmk8s.io:443",
        "server: https://admin:S3cretPW@127.0.0.1:1",
    );
    assert_ne!(planted, text);
    let kubeconfig = dir.path().join("kubeconfig");
    std::fs::write(&kubeconfig, planted).expect("write");
    let k = kubeconfig.to_str().expect("utf8");
    for format in ["json", "sarif", "text", "github", "junit"] {
        let out = run_bounded(&[
            "scan",
            "--now",
            NOW,
            "--format",
            format,
            "--timeout",
            "1",
            "--probe-kubeconfig-servers",
            "--kubeconfig",
            k,
            "--facts-out",
            dir.path().join("facts.json").to_str().expect("utf8"),
        ]);
        assert!(!all_output(&out).contains("S3cretPW"), "{format}: {}", all_output(&out));
        let facts = std::fs::read_to_string(dir.path().join("facts.json")).expect("facts");
        assert!(!facts.contains("S3cretPW"));
        assert!(
            facts.contains("https://127.0.0.1:1"),
            "the server is kept without its password"
        );
    }
}

// 11. A closed standard output.

#[test]
fn a_closed_stdout_keeps_the_failing_exit_code() {
    let mut cmd = plain_bin();
    let mut args = vec![
        "scan".to_string(),
        "--now".into(),
        NOW.into(),
        "--format".into(),
        "text".into(),
        "--fail-on".into(),
        "warning".into(),
    ];
    args.extend(scenario_args("old-nodes"));
    cmd.args(&args).stdout(Stdio::piped()).stderr(Stdio::null());
    let mut child = cmd.spawn().expect("spawns");
    drop(child.stdout.take());
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        assert!(start.elapsed() < Duration::from_secs(30), "hangs");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(
        status.code(),
        Some(1),
        "findings at --fail-on warning, even with nobody reading"
    );
}

// 12. Control characters reaching a terminal or a CI log.

#[test]
fn control_characters_never_reach_github_junit_or_text() {
    let dir = tempdir();
    let name = "x\u{1b}]0;pwned\u{7}.pem";
    std::fs::write(dir.path().join(name), expired_pem("ctl\u{1b}[31m\u{9b}red")).expect("write");
    for format in ["github", "junit", "text"] {
        let out = run_bounded(&[
            "scan",
            "--now",
            NOW,
            "--format",
            format,
            "--certs",
            dir.path().to_str().expect("utf8"),
        ]);
        assert_eq!(out.status.code(), Some(1), "{}", all_output(&out));
        let text = stdout(&out);
        assert!(
            text.contains("pwned"),
            "{format}: the name is there, made harmless: {text}"
        );
        for bad in ['\u{1b}', '\u{7}', '\u{0}', '\u{9b}', '\u{7f}'] {
            assert!(!text.contains(bad), "{format} passes {:?}: {text:?}", bad);
            assert!(!stderr(&out).contains(bad), "stderr passes {:?}", bad);
        }
    }
    // A merged facts document can carry any character, NUL included.
    let out = run_bounded(&["facts", "--now", NOW, "--certs", dir.path().to_str().expect("utf8")]);
    let mut doc = json(&out);
    for field in ["subject", "subject_cn", "issuer", "issuer_cn"] {
        doc["certificates"][0][field] = serde_json::json!("CN=nul\u{0}esc\u{1b}]0;t\u{7}del\u{7f}");
    }
    doc["certificates"][0]["origin"]["path"] = serde_json::json!("saved\u{0}\u{1b}[2J.pem");
    let saved = dir.path().join("saved.json");
    std::fs::write(&saved, serde_json::to_string(&doc).expect("json")).expect("write");
    for format in ["github", "junit", "text"] {
        let out = run_bounded(&[
            "scan",
            "--now",
            NOW,
            "--format",
            format,
            "--facts",
            saved.to_str().expect("utf8"),
        ]);
        assert_eq!(out.status.code(), Some(1), "{}", all_output(&out));
        let text = stdout(&out);
        for bad in ['\u{1b}', '\u{7}', '\u{0}', '\u{7f}'] {
            assert!(
                !text.contains(bad),
                "{format} passes {:?} from merged facts: {text:?}",
                bad
            );
            assert!(!stderr(&out).contains(bad), "stderr passes {:?}", bad);
        }
    }
}

// 13. SARIF URIs.

#[test]
fn sarif_uris_carry_no_scheme_and_stay_under_the_root() {
    let dir = tempdir();
    let repo = dir.path().join("repo");
    std::fs::create_dir_all(repo.join("sub")).expect("mkdir");
    std::fs::create_dir_all(dir.path().join("outside")).expect("mkdir");
    std::fs::write(repo.join("https:evil.example.pem"), expired_pem("scheme")).expect("write");
    std::fs::write(dir.path().join("outside/ca.pem"), expired_pem("outside-ca")).expect("write");
    let kubeconfig = "apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority: ../../outside/ca.pem\n    server: https://prod.hcp.westeurope.azmk8s.io:443\n  name: prod\ncontexts:\n- context:\n    cluster: prod\n    user: clusterUser_rg_prod\n  name: prod\ncurrent-context: prod\nkind: Config\npreferences: {}\nusers:\n- name: clusterUser_rg_prod\n  user:\n    token: x\n";
    std::fs::write(repo.join("sub/kubeconfig"), kubeconfig).expect("write");
    let mut cmd = plain_bin();
    cmd.current_dir(&repo).args([
        "scan",
        "--now",
        NOW,
        "--format",
        "sarif",
        "--output",
        "r.sarif",
        "--certs",
        "https:evil.example.pem",
        "--kubeconfig",
        "sub/kubeconfig",
    ]);
    let out = bounded(cmd, Duration::from_secs(30));
    assert_eq!(out.status.code(), Some(1), "{}", all_output(&out));
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(repo.join("r.sarif")).expect("sarif")).expect("json");
    let mut uris = Vec::new();
    for result in sarif["runs"][0]["results"].as_array().expect("results") {
        for l in result["locations"]
            .as_array()
            .into_iter()
            .chain(result["relatedLocations"].as_array())
            .flatten()
        {
            uris.push(
                l["physicalLocation"]["artifactLocation"]["uri"]
                    .as_str()
                    .expect("uri")
                    .to_string(),
            );
        }
    }
    assert!(uris.contains(&"https%3Aevil.example.pem".to_string()), "{uris:?}");
    for uri in &uris {
        let first = uri.split('/').next().unwrap_or_default();
        assert!(!first.contains(':'), "a scheme: {uri}");
        assert!(!uri.split('/').any(|s| s == ".."), "outside the root: {uri}");
    }
    validate_sarif(&repo.join("r.sarif"));
}

// 14. Names from cluster JSON in fix commands.

#[test]
fn fix_commands_quote_names_from_cluster_documents() {
    let dir = tempdir();
    let text = std::fs::read_to_string(root().join("testdata/scenarios/stopped/cluster.json")).expect("cluster");
    let mut doc: serde_json::Value = serde_json::from_str(&text).expect("json");
    let hostile = "rg$(touch /tmp/aks-certscan-pwned)";
    doc["resourceGroup"] = serde_json::json!(hostile);
    if let Some(id) = doc["id"].as_str() {
        doc["id"] = serde_json::json!(id.replace("/resourcegroups/rg-batch/", &format!("/resourcegroups/{hostile}/")));
    }
    let path = dir.path().join("cluster.json");
    std::fs::write(&path, serde_json::to_string(&doc).expect("json")).expect("write");
    let out = run_bounded(&[
        "scan",
        "--now",
        NOW,
        "--format",
        "text",
        "--cluster",
        path.to_str().expect("utf8"),
    ]);
    let text = stdout(&out);
    assert!(text.contains("-g 'rg$(touch /tmp/aks-certscan-pwned)'"), "{text}");
    assert!(!text.contains("-g rg$("), "{text}");
}

// 15. Cluster merging.

#[test]
fn cluster_merging_is_linear() {
    assert_linear(
        "clusters in one list",
        20_000,
        |n| {
            let clusters: Vec<serde_json::Value> = (0..n)
                .map(|i| {
                    serde_json::json!({
                        "id": format!("/subscriptions/s/resourcegroups/rg/providers/Microsoft.ContainerService/managedClusters/c{i}"),
                        "name": format!("c{i}"),
                        "type": "Microsoft.ContainerService/ManagedClusters",
                        "resourceGroup": "rg",
                        "enableRbac": true,
                        "kubernetesVersion": "1.30.4",
                        "powerState": {"code": "Running"},
                        "provisioningState": "Succeeded"
                    })
                })
                .collect();
            serde_json::to_vec(&clusters).expect("json")
        },
        |file| {
            ["facts", "--now", NOW, "--cluster", file, "--output", "/dev/null"]
                .map(String::from)
                .to_vec()
        },
    );
}

// 16 and 17. The size cap.

#[test]
fn the_size_cap_has_no_wraparound_and_covers_every_input() {
    let dir = tempdir();
    let expired = dir.path().join("expired.pem");
    std::fs::write(&expired, expired_pem("expired")).expect("write");
    let e = expired.to_str().expect("utf8");
    let out = run_bounded(&[
        "scan",
        "--now",
        NOW,
        "--format",
        "json",
        "--max-file-size",
        "18446744073709551615",
        "--certs",
        e,
    ]);
    assert!(
        rule_ids(&json(&out)).contains(&"CERT001".to_string()),
        "{}",
        all_output(&out)
    );
    for flag in ["--baseline", "--data"] {
        let out = run_bounded(&["scan", "--now", NOW, "--certs", e, flag, "/dev/zero"]);
        assert_eq!(out.status.code(), Some(2), "{flag}: {}", all_output(&out));
        assert!(stderr(&out).contains("character device"), "{flag}: {}", stderr(&out));
    }
    let big = dir.path().join("big.sarif");
    std::fs::write(&big, format!("{{\"runs\": [], \"pad\": \"{}\"}}", "x".repeat(5000))).expect("write");
    let out = run_bounded(&[
        "scan",
        "--now",
        NOW,
        "--certs",
        e,
        "--max-document-size",
        "4096",
        "--baseline",
        big.to_str().expect("utf8"),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("4096-byte cap"), "{}", stderr(&out));
    // Whole documents have their own cap: objects and saved facts.
    for flag in ["--k8s-objects", "--facts"] {
        let out = run_bounded(&[
            "scan",
            "--now",
            NOW,
            "--format",
            "json",
            "--fail-on",
            "never",
            "--certs",
            e,
            "--max-document-size",
            "4096",
            flag,
            big.to_str().expect("utf8"),
        ]);
        assert!(
            json(&out)["findings"].to_string().contains("4096-byte cap"),
            "{flag}: {}",
            all_output(&out)
        );
    }
}

// 18. A flooding subprocess.

#[test]
fn a_flooding_az_is_stopped_at_the_cap() {
    let dir = tempdir();
    let (az, kubectl) = live_stand_ins(dir.path(), "echo '{}'", "exec yes '{\"flood\": true}'");
    let mut cmd = live_command(&az, &kubectl, &["--max-document-size", "1000000"]);
    cmd.env("TMPDIR", dir.path());
    let out = bounded(cmd, Duration::from_secs(30));
    let doc = json(&out);
    let messages = doc["findings"].to_string();
    assert!(messages.contains("printed more than 1000000 bytes"), "{messages}");
}

// 19. Secrets in az's error output.

#[test]
fn az_error_output_is_redacted_everywhere() {
    let dir = tempdir();
    let (az, kubectl) = live_stand_ins(
        dir.path(),
        "echo '{}'",
        "echo 'ERROR: (AuthenticationFailed) AzCliSecretLEAK_v@lue! rejected; password: hunter2xyz' >&2; exit 1",
    );
    for format in ["json", "sarif", "text", "github", "junit"] {
        let mut cmd = plain_bin();
        // In the temporary directory: SARIF on standard output writes the facts document it
        // points at into the working directory, which must not be the repository.
        cmd.current_dir(dir.path());
        cmd.args([
            "scan",
            "--now",
            NOW,
            "--format",
            format,
            "--fail-on",
            "never",
            "--timeout",
            "2",
            "--aks",
            "rg-ops/ops",
        ])
        .args([
            "--az",
            az.to_str().expect("utf8"),
            "--kubectl",
            kubectl.to_str().expect("utf8"),
        ])
        .env("TMPDIR", dir.path());
        let out = bounded(cmd, Duration::from_secs(30));
        let all = all_output(&out);
        assert!(
            all.contains("AuthenticationFailed"),
            "{format}: the error is reported: {all}"
        );
        assert!(!all.contains("AzCliSecretLEAK"), "{format}: {all}");
        assert!(!all.contains("hunter2xyz"), "{format}: {all}");
    }
}

// 20. Embedded links in SARIF messages.

#[test]
fn sarif_messages_have_no_embedded_links() {
    let dir = tempdir();
    std::fs::write(
        dir.path().join("link.pem"),
        expired_pem("[click](https://evil.example)"),
    )
    .expect("write");
    let sarif = dir.path().join("r.sarif");
    let out = run_bounded(&[
        "scan",
        "--now",
        NOW,
        "--format",
        "sarif",
        "--output",
        sarif.to_str().expect("utf8"),
        "--certs",
        dir.path().join("link.pem").to_str().expect("utf8"),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", all_output(&out));
    let doc: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&sarif).expect("sarif")).expect("json");
    for result in doc["runs"][0]["results"].as_array().expect("results") {
        let text = result["message"]["text"].as_str().expect("text");
        if text.contains("click") {
            assert!(text.contains("\\[click\\](https://evil.example)"), "{text}");
        }
        let unescaped = text.replace("\\[", "").replace("\\]", "");
        assert!(!unescaped.contains('[') && !unescaped.contains(']'), "{text}");
    }
    validate_sarif(&sarif);
}

// Inputs the fuzzers found: each is read without a crash.

#[test]
fn fuzz_regressions_are_read_without_a_crash() {
    let flags = [
        ("certificates", "--certs"),
        ("kubeconfig", "--kubeconfig"),
        ("cluster", "--cluster"),
        ("nodes", "--nodes"),
        ("facts_document", "--facts"),
    ];
    for (target, flag) in flags {
        let dir = root().join("fuzz/regressions").join(target);
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries {
            let path = entry.expect("entry").path();
            let out = run_bounded(&[
                "scan",
                "--now",
                NOW,
                "--format",
                "json",
                "--fail-on",
                "never",
                flag,
                path.to_str().expect("utf8"),
            ]);
            assert!(
                out.status.code().is_some_and(|c| c <= 2) && !stderr(&out).contains("panicked"),
                "{}: {}",
                path.display(),
                all_output(&out)
            );
        }
    }
    let _ = std::io::stderr().flush();
}

/// A user rule, in a directory of its own, with `metadata` and `findings` as given.
fn user_rule(dir: &Path, metadata_extra: &str, body: &str) -> String {
    std::fs::write(
        dir.join("rule.rego"),
        format!(
            "package aks_certscan.rules.hostile\n\nimport rego.v1\n\nmetadata := m if {{\n\t{metadata_extra}\n\tm := {{\"id\": \"ORG900\", \"name\": \"hostile\", \"title\": \"t\", \"severity\": \"note\", \"description\": \"d\", \"remediation\": \"r\", \"help_uri\": \"https://example.com/r\"}}\n}}\n\nfindings contains finding if {{\n\t{body}\n\tfinding := {{\"message\": \"m\", \"resource\": {{\"kind\": \"cluster\", \"id\": \"x\", \"name\": \"x\"}}}}\n}}\n"
        ),
    )
    .expect("write");
    dir.display().to_string()
}

const BUSY: &str = "count([1 | some i in numbers.range(1, 30000); some j in numbers.range(1, 30000)]) > 0";

/// The evaluation time limit covers a rule's `metadata` (read when the policies load), every
/// rule, and `policy test`: each is exit 2 (or a failed test) naming the rule, within the limit.
#[test]
fn the_policy_time_limit_covers_metadata_rules_and_tests() {
    let healthy = "testdata/scenarios/healthy/kubeconfig";
    for (metadata_extra, body, what) in [(BUSY, "true", "metadata"), ("true", BUSY, "findings")] {
        let dir = tempdir();
        let policy = user_rule(dir.path(), metadata_extra, body);
        let started = std::time::Instant::now();
        let out = run_bounded(&[
            "scan",
            "--now",
            NOW,
            "--kubeconfig",
            healthy,
            "--policy",
            &policy,
            "--policy-timeout",
            "2",
        ]);
        assert_eq!(out.status.code(), Some(2), "{what}: {}", all_output(&out));
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "{what}: {:?}",
            started.elapsed()
        );
        let err = stderr(&out);
        assert!(err.contains("rule.rego"), "{what}: names the file: {err}");
        assert!(
            err.to_lowercase().contains("time") || err.contains("limit"),
            "{what}: says why: {err}"
        );
    }
    let dir = tempdir();
    let policy = user_rule(dir.path(), "true", "false");
    std::fs::write(
        dir.path().join("rule_test.rego"),
        format!("package aks_certscan.rules.hostile_test\n\nimport rego.v1\n\ntest_forever if {{\n\t{BUSY}\n}}\n"),
    )
    .expect("write");
    let started = std::time::Instant::now();
    let out = run_bounded(&["policy", "test", &policy, "--policy-timeout", "2"]);
    assert_eq!(out.status.code(), Some(1), "{}", all_output(&out));
    assert!(
        stdout(&out).contains("FAIL aks_certscan.rules.hostile_test.test_forever"),
        "{}",
        stdout(&out)
    );
    assert!(started.elapsed() < Duration::from_secs(120), "{:?}", started.elapsed());
}

/// A rule that needs more memory than the process may have is exit 2 with a message, not an
/// abort (status 134) with none.
#[test]
fn running_out_of_memory_is_exit_2_with_a_message() {
    let dir = tempdir();
    let policy = user_rule(
        dir.path(),
        "true",
        "big := [x | some i in numbers.range(1, 400000000); x := sprintf(\"%d-aaaaaaaaaaaaaaaaaaaa\", [i])]\n\tcount(big) > 0",
    );
    let mut cmd = plain_bin();
    cmd.args([
        "scan",
        "--now",
        NOW,
        "--kubeconfig",
        "testdata/scenarios/healthy/kubeconfig",
        "--policy",
        &policy,
    ]);
    with_rlimit(&mut cmd, libc::RLIMIT_AS, 3 << 30);
    let out = bounded(cmd, Duration::from_secs(120));
    assert_eq!(out.status.code(), Some(2), "{}", all_output(&out));
    assert!(
        stderr(&out).contains("error: out of memory: an allocation of"),
        "{}",
        stderr(&out)
    );
}

/// `print()` in a policy goes through the terminal sanitiser (ESC, CR and line separators
/// escaped, and never at the start of a line, so no `::error::` workflow command), and with
/// standard error closed nothing panics: the exit code and the SARIF file are as they would be.
#[test]
fn policy_prints_are_sanitised_and_a_closed_stderr_changes_nothing() {
    let dir = tempdir();
    let policy = user_rule(
        dir.path(),
        "true",
        "print(\"\\u001b[2J\\r::error file=x::owned\\u2028next\\u202e\")\n\ttrue",
    );
    let args = [
        "scan",
        "--now",
        NOW,
        "--kubeconfig",
        "testdata/scenarios/healthy/kubeconfig",
        "--policy",
        &policy,
    ];
    let out = run_bounded(&args);
    let err = stderr(&out);
    assert!(err.contains("print: "), "{err}");
    assert!(
        !err.contains('\u{1b}') && !err.contains('\r') && !err.contains('\u{2028}') && !err.contains('\u{202e}'),
        "{err:?}"
    );
    assert!(!err.lines().any(|l| l.starts_with("::")), "{err}");
    assert!(err.contains("\\u{1b}[2J\\u{d}::error"), "{err}");
    let code = out.status.code();
    assert_eq!(code, Some(0), "{}", all_output(&out));

    // The same with stderr closed (`2>&-`), writing SARIF: same exit code, SARIF written.
    let sarif = dir.path().join("out.sarif");
    let mut cmd = plain_bin();
    cmd.args(args)
        .args(["--format", "sarif", "--output", sarif.to_str().expect("utf8")]);
    use std::os::unix::process::CommandExt;
    // SAFETY: close(2) is async-signal-safe.
    unsafe {
        cmd.pre_exec(|| {
            libc::close(2);
            Ok(())
        });
    }
    let closed = bounded(cmd, Duration::from_secs(120));
    assert_eq!(closed.status.code(), code, "{}", stdout(&closed));
    assert!(sarif.is_file(), "SARIF written with stderr closed");
}

/// `--output /dev/stdout` (or `-`) into a log opened with `>>` appends (opening /dev/stdout again
/// started at offset 0 and overwrote the log), and SARIF there writes no `/dev/stdout.facts.json`
/// side file.
#[test]
fn standard_output_paths_are_streams_that_respect_append_mode() {
    let dir = tempdir();
    let log = dir.path().join("ci.log");
    std::fs::write(&log, "earlier log line\n").expect("write");
    let bin = assert_cmd::cargo::cargo_bin("aks-certscan");
    for output in ["/dev/stdout", "-"] {
        for format in ["text", "sarif"] {
            let script = format!(
                "cd '{}' && '{}' scan --now {NOW} --kubeconfig '{}' --format {format} --output {output} >> '{}'",
                dir.path().display(),
                bin.display(),
                root().join("testdata/scenarios/healthy/kubeconfig").display(),
                log.display()
            );
            let mut cmd = Command::new("sh");
            cmd.args(["-c", &script]);
            let out = bounded(cmd, Duration::from_secs(60));
            assert!(out.status.success(), "{output} {format}: {}", all_output(&out));
        }
    }
    let text = std::fs::read_to_string(&log).expect("log");
    assert!(
        text.starts_with("earlier log line\n"),
        "the log was overwritten: {text:.200}"
    );
    assert_eq!(text.matches("aks-certscan: no findings").count(), 2, "{text:.400}");
    assert_eq!(text.matches("\"$schema\"").count(), 2);
    let side_files: Vec<_> = std::fs::read_dir(dir.path())
        .expect("dir")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name())
        .filter(|n| n != "ci.log")
        .collect();
    assert!(side_files.is_empty(), "{side_files:?}");
    assert!(!Path::new("/dev/stdout.facts.json").exists());
}

/// File names that are not UTF-8 stay distinct (each such byte shown as `%XX`, never U+FFFD)
/// and SARIF's URI decodes to the real name; a failed `--endpoint` probe is located at the
/// facts document, which is written, not at a file named like the endpoint.
#[test]
fn non_utf8_names_stay_distinct_and_probes_point_at_the_facts_document() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempdir();
    let certs = dir.path().join("certs");
    std::fs::create_dir_all(&certs).expect("mkdir");
    let pem = expired_pem("twice");
    for name in [&b"a\xff.pem"[..], b"a\xfe.pem"] {
        std::fs::write(certs.join(std::ffi::OsStr::from_bytes(name)), &pem).expect("write");
    }
    let mut cmd = plain_bin();
    cmd.current_dir(dir.path()).args([
        "scan",
        "--now",
        NOW,
        "--format",
        "sarif",
        "--certs",
        "certs",
        "--fail-on",
        "never",
    ]);
    let out = bounded(cmd, Duration::from_secs(60));
    assert!(out.status.success(), "{}", all_output(&out));
    let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).expect("sarif");
    let mut uris: Vec<String> = sarif["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter(|r| r["ruleId"] == "CERT001")
        .flat_map(|r| {
            let mut all = r["locations"].as_array().expect("locations").clone();
            all.extend(r["relatedLocations"].as_array().cloned().unwrap_or_default());
            all
        })
        .map(|l| {
            l["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .expect("uri")
                .to_string()
        })
        .collect();
    uris.sort();
    assert_eq!(uris, ["certs/a%FE.pem", "certs/a%FF.pem"], "two files, two places");

    let mut cmd = plain_bin();
    cmd.current_dir(dir.path()).args([
        "scan",
        "--now",
        NOW,
        "--format",
        "sarif",
        "--endpoint",
        "127.0.0.1:1",
        "--timeout",
        "2",
        "--fail-on",
        "never",
    ]);
    let out = bounded(cmd, Duration::from_secs(60));
    let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).expect("sarif");
    let result = &sarif["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], "SCAN001");
    assert_eq!(
        result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "aks-certscan.facts.json"
    );
    assert!(
        dir.path().join("aks-certscan.facts.json").is_file(),
        "the facts document it points at exists"
    );
}
