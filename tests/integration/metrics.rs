//! Prometheus: `scan --format prometheus`, `serve`, and the alert rules of `deploy/prometheus/`,
//! checked with the real consumer: Debian's `prometheus` and `promtool` (2.42). Where they are not
//! installed, the test says that it skipped (`.ci/run` installs them when it can).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::util::*;

fn tool(name: &str) -> Option<PathBuf> {
    let found = Command::new(name)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        skip_missing_tool("Prometheus checks", name, "apt-get install prometheus");
    }
    found.then(|| PathBuf::from(name))
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

/// A plain HTTP GET: (status, body).
fn get(port: u16, path: &str, accept: Option<&str>) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    let accept = accept.map(|a| format!("Accept: {a}\r\n")).unwrap_or_default();
    write!(stream, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n{accept}\r\n").ok()?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).ok()?;
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n")?;
    let status = head.split_whitespace().nth(1)?.parse().ok()?;
    Some((status, body.to_string()))
}

/// Polls `check` every 200 ms until it returns `Some`, for at most `limit`.
fn wait_for<T>(limit: Duration, mut check: impl FnMut() -> Option<T>) -> Option<T> {
    let start = Instant::now();
    while start.elapsed() < limit {
        if let Some(v) = check() {
            return Some(v);
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    None
}

/// A child killed when the test ends, however it ends.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(port: u16, args: &[String]) -> Running {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("aks-certscan"));
    cmd.current_dir(root())
        .env("NO_COLOR", "1")
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--interval",
            "1s",
            "--now",
            NOW,
        ])
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    Running(cmd.spawn().expect("serve starts"))
}

fn rotated_args() -> Vec<String> {
    scenario_args("rotated")
}

#[test]
fn textfile_output_is_valid_deterministic_and_escaped() {
    let mut args = vec!["scan", "--now", NOW, "--format", "prometheus", "--fail-on", "never"];
    let scenario = scenario_args("old-nodes");
    args.extend(scenario.iter().map(String::as_str));
    let first = run(&args);
    let second = run(&args);
    assert!(first.status.success(), "{}", stderr(&first));
    assert_eq!(first.stdout, second.stdout, "the same inputs give the same bytes");
    let text = stdout(&first);
    assert!(text.contains("aks_certscan_certificate_not_after_seconds{cluster=\"rg-ops/ops\",source=\"node-root\""));
    assert!(text.contains("aks_certscan_finding{rule=\"NODE001\",level=\"warning\",cluster=\"rg-ops/ops\""));
    assert!(
        text.contains("aks_certscan_rule_findings{rule=\"CERT001\",name=\"certificate-expired\",level=\"error\"} 0")
    );
    assert!(text.contains("aks_certscan_evaluation_timestamp_seconds 1795910400"));
    if let Some(promtool) = tool("promtool") {
        let mut check = Command::new(promtool)
            .args(["check", "metrics"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("promtool");
        check
            .stdin
            .take()
            .expect("stdin")
            .write_all(&first.stdout)
            .expect("write");
        let out = check.wait_with_output().expect("promtool runs");
        assert!(
            out.status.success(),
            "promtool check metrics: {}{}",
            stdout(&out),
            stderr(&out)
        );
    }

    // A subject with a quote, a backslash and a line feed stays inside its label.
    let dir = tempdir();
    let facts = run(&[
        "facts",
        "--now",
        NOW,
        "--kubeconfig",
        "testdata/scenarios/healthy/kubeconfig",
    ]);
    let mut doc: serde_json::Value = serde_json::from_slice(&facts.stdout).expect("facts");
    // Read from a saved document, a certificate's own fields come from its DER again; where it
    // was found comes from the document, so that is what a hostile document can set.
    doc["certificates"][0]["origin"]["path"] = serde_json::json!("evil\"} 1\nfake_metric{a=\"\\");
    let path = dir.path().join("facts.json");
    std::fs::write(&path, serde_json::to_string(&doc).expect("json")).expect("write");
    let out = run(&[
        "scan",
        "--now",
        NOW,
        "--format",
        "prometheus",
        "--facts",
        path.to_str().expect("utf8"),
    ]);
    let text = stdout(&out);
    assert!(text.contains(r#"path="evil\"} 1\nfake_metric{a=\"\\""#), "{text}");
    assert!(!text.lines().any(|l| l.starts_with("fake_metric")), "{text}");
}

#[test]
fn alert_rules_pass_promtool_checks_and_unit_tests() {
    let Some(promtool) = tool("promtool") else { return };
    let dir = root().join("deploy/prometheus");
    let check = Command::new(&promtool)
        .args(["check", "rules", "alerts.yaml"])
        .current_dir(&dir)
        .output()
        .expect("promtool");
    assert!(check.status.success(), "{}{}", stdout(&check), stderr(&check));
    assert!(stdout(&check).contains("SUCCESS: 6 rules found"), "{}", stdout(&check));
    let test = Command::new(&promtool)
        .args(["test", "rules", "alerts_test.yaml"])
        .current_dir(&dir)
        .output()
        .expect("promtool");
    assert!(test.status.success(), "{}{}", stdout(&test), stderr(&test));
}

#[test]
fn serve_keeps_the_last_good_scan_when_a_scan_fails() {
    let dir = tempdir();
    let facts = run(&[
        "facts",
        "--now",
        NOW,
        "--kubeconfig",
        "testdata/scenarios/healthy/kubeconfig",
    ]);
    assert!(facts.status.success());
    let saved = dir.path().join("facts.json");
    std::fs::write(&saved, &facts.stdout).expect("write");
    let port = free_port();
    let _server = serve(port, &["--facts".into(), saved.display().to_string()]);
    let (status, body) = wait_for(Duration::from_secs(30), || {
        get(port, "/metrics", None).filter(|(s, _)| *s == 200)
    })
    .expect("metrics served");
    assert_eq!(status, 200);
    assert!(body.contains("aks_certscan_scan_success 1"), "{body}");
    assert_eq!(get(port, "/readyz", None).map(|r| r.0), Some(200));
    assert_eq!(get(port, "/healthz", None).map(|r| r.0), Some(200));
    assert_eq!(get(port, "/nope", None).map(|r| r.0), Some(404));
    let open = get(port, "/metrics", Some("application/openmetrics-text; version=1.0.0")).expect("openmetrics");
    assert!(open.1.ends_with("# EOF\n"), "OpenMetrics ends with # EOF");

    // The source turns to garbage: the next scans fail; the last good series stay.
    std::fs::write(&saved, "not json").expect("write");
    let body = wait_for(Duration::from_secs(30), || {
        get(port, "/metrics", None)
            .map(|r| r.1)
            .filter(|b| b.contains("aks_certscan_scan_success 0"))
    })
    .expect("a failed scan is reported");
    assert!(
        body.contains("aks_certscan_certificate_not_after_seconds{"),
        "the last good series stay: {body}"
    );
}

fn prometheus_query(port: u16, query: &str) -> Option<serde_json::Value> {
    let encoded: String = query
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'_' | b'-' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect();
    let (status, body) = get(port, &format!("/api/v1/query?query={encoded}"), None)?;
    (status == 200).then_some(())?;
    let doc: serde_json::Value = serde_json::from_str(&body).ok()?;
    let result = doc["data"]["result"].as_array()?.clone();
    (!result.is_empty()).then_some(serde_json::Value::Array(result))
}

#[test]
fn prometheus_scrapes_serve_and_the_alerts_fire() {
    let Some(prometheus) = tool("prometheus") else { return };
    let dir = tempdir();
    let serve_port = free_port();
    let _server = serve(serve_port, &rotated_args());
    let prometheus_port = free_port();
    let _prometheus = start_prometheus(&prometheus, dir.path(), serve_port, prometheus_port);
    let facts = scenario_facts("rotated");
    let client = facts["certificates"]
        .as_array()
        .expect("certs")
        .iter()
        .find(|c| c["role"] == "kubeconfig-client")
        .expect("a kubeconfig client certificate")
        .clone();
    let id = client["id"].as_str().expect("id");
    let query = format!("aks_certscan_certificate_not_after_seconds{{id=\"{id}\"}}");
    let found = wait_for(Duration::from_secs(60), || prometheus_query(prometheus_port, &query))
        .unwrap_or_else(|| panic!("{}", log_of(dir.path())));
    let value: f64 = found[0]["value"][1].as_str().expect("value").parse().expect("number");
    assert_eq!(value as i64, client["not_after_unix"].as_i64().expect("not_after_unix"));
    eprintln!("prometheus: {query} = {value}");

    let finding = wait_for(Duration::from_secs(30), || {
        prometheus_query(prometheus_port, "aks_certscan_finding{rule=\"KCFG001\"}")
    })
    .expect("the KCFG001 finding is scraped");
    eprintln!(
        "prometheus: aks_certscan_finding{{rule=\"KCFG001\"}} = {}",
        finding[0]["metric"]
    );
    let alert = wait_for(Duration::from_secs(30), || {
        prometheus_query(
            prometheus_port,
            "ALERTS{alertname=\"AksStaleCredentials\",alertstate=\"firing\"}",
        )
    })
    .expect("AksStaleCredentials fires");
    eprintln!("prometheus: ALERTS = {}", alert[0]["metric"]);
    assert_eq!(alert[0]["metric"]["cluster"], "rg-payments/payments");
}

/// Prometheus scraping `serve` on `serve_port` every second, with the bundled alert rules.
fn start_prometheus(prometheus: &Path, dir: &Path, serve_port: u16, prometheus_port: u16) -> Running {
    let config = dir.join("prometheus.yml");
    std::fs::write(
        &config,
        format!(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files:\n  - {}\nscrape_configs:\n  - job_name: aks-certscan\n    static_configs:\n      - targets: ['127.0.0.1:{serve_port}']\n",
            root().join("deploy/prometheus/alerts.yaml").display()
        ),
    )
    .expect("config");
    let log = std::fs::File::create(dir.join("prometheus.log")).expect("log");
    Running(
        Command::new(prometheus)
            .arg(format!("--config.file={}", config.display()))
            .arg(format!("--storage.tsdb.path={}", dir.join("data").display()))
            .arg(format!("--web.listen-address=127.0.0.1:{prometheus_port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("prometheus starts"),
    )
}

/// Every query of the Grafana dashboard (deploy/grafana/aks-certscan.json), run through the
/// real Prometheus's HTTP API after it scraped `serve`: each one returns data. The `cluster`
/// variable is `All` (`.*`), and its own query (`label_values`) is asked of the label API.
#[test]
fn every_grafana_panel_query_returns_data_from_prometheus() {
    let Some(prometheus) = tool("prometheus") else { return };
    let text = std::fs::read_to_string(root().join("deploy/grafana/aks-certscan.json")).expect("dashboard");
    let dashboard: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    // A dashboard Grafana imports: unique panel ids, every panel on the grid, every target on
    // the dashboard's Prometheus variable.
    let panels = dashboard["panels"].as_array().expect("panels");
    let mut ids = std::collections::BTreeSet::new();
    let mut queries = Vec::new();
    for panel in panels {
        assert!(ids.insert(panel["id"].as_i64().expect("id")), "duplicate id: {panel}");
        let grid = &panel["gridPos"];
        assert!(
            grid["w"].as_i64().is_some_and(|w| (1..=24).contains(&w)) && grid["h"].as_i64().is_some(),
            "{panel}"
        );
        if panel["type"] == "row" {
            continue;
        }
        assert!(
            panel["description"].as_str().is_some_and(|d| !d.is_empty()),
            "{}",
            panel["title"]
        );
        for target in panel["targets"].as_array().expect("targets") {
            assert_eq!(target["datasource"]["uid"], "${datasource}", "{}", panel["title"]);
            let expr = target["expr"].as_str().expect("expr");
            queries.push((
                panel["title"].as_str().unwrap_or("").to_string(),
                expr.replace("$cluster", ".*"),
            ));
        }
    }
    assert!(queries.len() >= 12, "{}", queries.len());
    for needed in [
        "aks_certscan_certificate_not_after_seconds",
        "aks_certscan_finding",
        "aks_certscan_scan_success",
    ] {
        assert!(
            queries.iter().any(|(_, q)| q.contains(needed)),
            "no panel uses {needed}"
        );
    }
    let dir = tempdir();
    let serve_port = free_port();
    let _server = serve(serve_port, &rotated_args());
    let prometheus_port = free_port();
    let _prometheus = start_prometheus(&prometheus, dir.path(), serve_port, prometheus_port);
    // Two scrapes at least, so that increase() has two samples.
    wait_for(Duration::from_secs(60), || {
        prometheus_query(prometheus_port, "count_over_time(aks_certscan_scans_total[1m]) >= 3")
    })
    .unwrap_or_else(|| panic!("serve was not scraped: {}", log_of(dir.path())));
    for (title, query) in &queries {
        let result = prometheus_query(prometheus_port, query)
            .unwrap_or_else(|| panic!("panel {title:?}: `{query}` returned no data"));
        eprintln!(
            "grafana panel {title:?}: `{query}` -> {} series",
            result.as_array().map_or(0, Vec::len)
        );
    }
    // The cluster variable's values.
    let (status, body) = get(
        prometheus_port,
        "/api/v1/label/cluster/values?match%5B%5D=aks_certscan_certificate_not_after_seconds",
        None,
    )
    .expect("label values");
    assert_eq!(status, 200);
    assert!(body.contains("rg-payments/payments"), "{body}");
}

fn log_of(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("prometheus.log")).unwrap_or_default()
}

/// `serve` as the DaemonSet runs it (open-file limit 128 here), against what broke tiny_http:
/// 1,000 half-sent requests, pipelining, scrapers that never read, a 256 MiB header line. After
/// each, a fresh scrape is answered, the thread count stays flat (no thread per connection or
/// request) and the peak RSS stays under the manifest's 128 MiB; with Prometheus installed, it
/// scrapes `serve` while 1,000 slow clients are connected.
#[test]
fn serve_survives_slow_pipelining_and_non_reading_clients() {
    let port = free_port();
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("aks-certscan"));
    cmd.current_dir(root())
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--interval",
            "2s",
            "--now",
            NOW,
        ])
        .args(scenario_args("old-nodes"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    with_rlimit(&mut cmd, libc::RLIMIT_NOFILE, 128);
    let server = Running(cmd.spawn().expect("serve starts"));
    let pid = server.0.id();
    let status = |key: &str| -> u64 {
        std::fs::read_to_string(format!("/proc/{pid}/status"))
            .unwrap_or_default()
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .unwrap_or(0)
    };
    let scrape = || {
        let started = Instant::now();
        let got = get(port, "/metrics", None).map(|(code, body)| (code, body.len()));
        (got, started.elapsed())
    };
    wait_for(Duration::from_secs(30), || {
        get(port, "/readyz", None).filter(|(c, _)| *c == 200)
    })
    .expect("serve becomes ready");
    let threads_at_rest = status("Threads:");
    let mut report = Vec::new();
    let check = |phase: &str, report: &mut Vec<String>| {
        let (got, took) = scrape();
        let (code, len) = got.unwrap_or_else(|| panic!("{phase}: no answer to a scrape"));
        assert_eq!(code, 200, "{phase}");
        assert!(len > 1000, "{phase}: a body of {len} bytes");
        let (threads, hwm_kib) = (status("Threads:"), status("VmHWM:"));
        report.push(format!(
            "{phase}: scrape answered in {} ms, {threads} threads, peak RSS {} MiB",
            took.as_millis(),
            hwm_kib / 1024
        ));
        assert!(
            threads <= threads_at_rest + 1,
            "{phase}: {threads} threads (at rest {threads_at_rest})"
        );
        assert!(hwm_kib < 128 * 1024, "{phase}: peak RSS {hwm_kib} KiB");
        assert!(took < Duration::from_secs(5), "{phase}: the scrape took {took:?}");
    };
    check("at rest", &mut report);

    // 1,000 clients that send half a request and wait (more than the file limit allows).
    let mut slow: Vec<TcpStream> = Vec::new();
    for _ in 0..1000 {
        if let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) {
            let _ = s.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\n");
            slow.push(s);
        }
    }
    check("1,000 slow clients connected", &mut report);
    if let Some(prometheus) = tool("prometheus") {
        let dir = tempdir();
        let prometheus_port = free_port();
        let config = dir.path().join("prometheus.yml");
        std::fs::write(
            &config,
            format!("global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: aks-certscan\n    static_configs:\n      - targets: ['127.0.0.1:{port}']\n"),
        )
        .expect("config");
        let _prometheus = Running(
            Command::new(prometheus)
                .arg(format!("--config.file={}", config.display()))
                .arg(format!("--storage.tsdb.path={}", dir.path().join("data").display()))
                .arg(format!("--web.listen-address=127.0.0.1:{prometheus_port}"))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("prometheus starts"),
        );
        // Keep the slow clients coming while Prometheus scrapes.
        for _ in 0..200 {
            if let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) {
                let _ = s.write_all(b"GET /");
                slow.push(s);
            }
        }
        let up = wait_for(Duration::from_secs(60), || {
            prometheus_query(prometheus_port, "up{job=\"aks-certscan\"} == 1")
        });
        assert!(
            up.is_some(),
            "Prometheus could not scrape serve under 1,000 slow clients"
        );
        let series = prometheus_query(prometheus_port, "count(aks_certscan_certificate_not_after_seconds)")
            .expect("series scraped");
        report.push(format!(
            "Prometheus scraped serve with 1,200 slow clients connected: up == 1, {} certificate series",
            series[0]["value"][1]
        ));
    }
    drop(slow);

    // 5,000 pipelined requests on one connection, read back.
    let mut pipelined = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    pipelined
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    let writer = {
        let mut w = pipelined.try_clone().expect("clone");
        std::thread::spawn(move || {
            let request = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
            for _ in 0..5000 {
                if w.write_all(request).is_err() {
                    break;
                }
            }
        })
    };
    let mut answers = Vec::new();
    let _ = pipelined.read_to_end(&mut answers);
    let _ = writer.join();
    let answered = answers.windows(15).filter(|w| w == b"HTTP/1.1 200 OK").count();
    assert_eq!(answered, 1000, "answered up to the per-connection limit, then closed");
    check("5,000 pipelined requests (1,000 answered, then closed)", &mut report);

    // 200 scrapers that send a request and never read the answer.
    let mut deaf: Vec<TcpStream> = Vec::new();
    for _ in 0..200 {
        if let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) {
            let _ = s.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\nGET /metrics HTTP/1.1\r\n\r\n");
            deaf.push(s);
        }
    }
    check("200 scrapers that never read", &mut report);
    drop(deaf);

    // One header line of 256 MiB: refused at 8 KiB, the connection closed.
    let mut huge = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    huge.set_write_timeout(Some(Duration::from_secs(10))).expect("timeout");
    let chunk = vec![b'a'; 1 << 20];
    let mut sent = 0usize;
    let _ = huge.write_all(b"GET /metrics HTTP/1.1\r\nX-Long: ");
    while sent < 256 << 20 {
        match huge.write(&chunk) {
            Ok(n) => sent += n,
            Err(_) => break,
        }
    }
    assert!(sent < 256 << 20, "the server kept reading a 256 MiB header line");
    check("a 256 MiB header line (refused)", &mut report);
    // Still alive and healthy.
    assert_eq!(get(port, "/healthz", None).map(|(c, _)| c), Some(200));
    for line in &report {
        eprintln!("serve load: {line}");
    }
}
