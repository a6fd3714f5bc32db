//! `--format html` in a real browser: headless Chromium (Debian's `chromium`) opens the page
//! under its own Content-Security-Policy, the page's script runs (it marks the document
//! `data-ready` and applies the filter and sort named in the address's fragment), nothing is
//! logged to the console (no script error, no CSP violation), and a screenshot is not blank.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util::*;

/// Chromium, when installed (`chromium` or `chromium-browser`).
fn chromium() -> Option<&'static str> {
    ["chromium", "chromium-browser"].into_iter().find(|name| {
        Command::new(name)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

/// Headless Chromium on `url` with `args`: (stdout, the console lines it logged).
fn browse(browser: &str, url: &str, args: &[&str]) -> (String, Vec<String>) {
    let profile = tempdir();
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(["--enable-logging=stderr", "--v=0", "--virtual-time-budget=5000"])
        .args(args)
        .arg(url)
        .output()
        .expect("chromium runs");
    let console = stderr(&out)
        .lines()
        .filter(|l| l.contains(":CONSOLE"))
        .map(str::to_string)
        .collect();
    (stdout(&out), console)
}

/// The example estate, the waived stalled rotation, and a certificate whose file name is markup.
fn write_report(dir: &Path) -> PathBuf {
    let hostile = dir.join("hostile");
    std::fs::create_dir_all(&hostile).expect("mkdir");
    std::fs::copy(
        root().join("testdata/corpus/certs/limbo-negative_serial.pem"),
        hostile.join("<img src=x onerror=alert(1)>\"'.pem"),
    )
    .expect("copy");
    let html = dir.join("report.html");
    let out = run(&[
        "scan",
        "--now",
        NOW,
        "--fail-on",
        "never",
        "--cluster",
        "testdata/scenarios/rotated/cluster.json",
        "--kubeconfig",
        "testdata/scenarios/rotated/kubeconfig-before-rotation",
        "--node-root",
        "testdata/scenarios/rotated/node-stopped-during-rotation",
        "--cluster",
        "testdata/scenarios/fleet/clusters.json",
        "--cluster",
        "testdata/scenarios/stalled-rotation/cluster.json",
        "--node-root",
        "testdata/scenarios/stalled-rotation/node",
        "--k8s-objects",
        "testdata/scenarios/in-cluster/objects.json",
        "--exceptions",
        "testdata/exceptions.yaml",
        "--certs",
        &hostile.display().to_string(),
        "--output",
        &html.display().to_string(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    html
}

#[test]
fn the_html_report_is_self_contained_escaped_and_complete() {
    let dir = tempdir();
    let html = std::fs::read_to_string(write_report(dir.path())).expect("html");
    // Self-contained: nothing loaded from anywhere.
    for external in [
        "src=\"http",
        "href=\"http",
        "<link",
        "@import",
        "url(",
        "<iframe",
        "<object",
    ] {
        assert!(!html.contains(external), "{external}");
    }
    assert_eq!(html.matches("<script").count(), 1);
    assert_eq!(html.matches("<style").count(), 1);
    // The policy allows exactly the page's own style and script, by their hashes.
    let csp = html
        .split("http-equiv=\"Content-Security-Policy\" content=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a CSP");
    assert!(csp.starts_with("default-src 'none';"), "{csp}");
    let inline = |open: &str, close: &str| {
        let start = html.find(open).expect("open") + open.len();
        let end = start + html[start..].find(close).expect("close");
        html[start..end].to_string()
    };
    for (open, close, directive) in [
        ("<style>", "</style>", "style-src"),
        ("<script>", "</script>", "script-src"),
    ] {
        let digest = ring::digest::digest(&ring::digest::SHA256, inline(open, close).as_bytes());
        let source = format!("{directive} 'sha256-{}'", data_encoding::BASE64.encode(digest.as_ref()));
        assert!(csp.contains(&source), "{csp} lacks {source}");
    }
    // Nothing inline beyond that: no handlers, no style attributes.
    for tag in html.split('<').skip(1).map(|t| t.split('>').next().unwrap_or("")) {
        let attributes: Vec<&str> = tag.split_whitespace().skip(1).collect();
        assert!(
            !attributes
                .iter()
                .any(|a| a.starts_with("on") || a.starts_with("style=")),
            "inline handler or style in <{tag}>"
        );
    }
    // The hostile file name is text.
    assert!(
        html.contains("&lt;img src=x onerror=alert(1)&gt;&quot;&#39;.pem"),
        "escaped"
    );
    // Every part: clusters, timeline, findings, waivers with their end dates, compliance.
    for part in [
        "id=\"cluster-summary\"",
        "<svg id=\"expiry-timeline\"",
        "id=\"findings\"",
        "id=\"waived\"",
        "<time>2026-12-15</time>",
        "CHG-1234",
        "CIS Azure Kubernetes Service (AKS) Benchmark",
        "class=\"verdict-fail\">fail<",
        "rg-payments/payments",
    ] {
        assert!(html.contains(part), "missing {part}");
    }
    // The timeline: a bar per 10 days that has expiries, each with a tooltip.
    assert!(
        html.contains("certificates already expired</title>") || html.contains("certificate already expired</title>")
    );
    // Same inputs, same bytes (apart from the temporary directory the hostile source is in).
    let other = tempdir();
    let again = std::fs::read_to_string(write_report(other.path())).expect("html");
    let dir_text = dir.path().display().to_string();
    let other_text = other.path().display().to_string();
    assert_eq!(html.replace(&dir_text, "DIR"), again.replace(&other_text, "DIR"));
}

#[test]
fn headless_chromium_renders_the_report_and_its_script_runs_without_errors() {
    let Some(browser) = chromium() else {
        skip_missing_tool("HTML report in a browser", "chromium", "apt-get install chromium");
        return;
    };
    let dir = tempdir();
    let html = write_report(dir.path());
    let url = format!("file://{}", html.display());
    // The script ran under the CSP: the document is marked, and the fragment's filter applied.
    let (dom, console) = browse(
        browser,
        &format!("{url}#q=CERT002&level=warning&sort=expiry"),
        &["--dump-dom"],
    );
    assert!(console.is_empty(), "the console logged: {console:#?}");
    assert!(
        dom.contains("data-ready=\"yes\""),
        "the script did not run:\n{}",
        &dom[..dom.len().min(600)]
    );
    let rows: Vec<&str> = dom.split("<tr data-index=").skip(1).collect();
    assert!(rows.len() > 5, "{}", rows.len());
    let visible: Vec<&&str> = rows
        .iter()
        .filter(|r| !r.split('>').next().unwrap_or("").contains("hidden"))
        .collect();
    assert!(
        !visible.is_empty() && visible.len() < rows.len(),
        "{} of {}",
        visible.len(),
        rows.len()
    );
    for row in &visible {
        assert!(
            row.contains("data-level=\"warning\"") && row.contains("CERT002"),
            "{row}"
        );
    }
    // Sorted by days left: the visible rows' values ascend.
    let days: Vec<f64> = visible
        .iter()
        .filter_map(|r| r.split("data-key=\"expiry\" data-value=\"").nth(1))
        .filter_map(|v| v.split('"').next())
        .filter_map(|v| v.parse().ok())
        .collect();
    assert!(days.windows(2).all(|w| w[0] <= w[1]), "{days:?}");
    assert!(dom.contains("aria-sort=\"ascending\""));
    // The hostile name stayed text: no image element was made of it.
    assert!(!dom.contains("<img"), "markup from a file name was rendered");
    // A screenshot, compared with one of a blank page of the same size: not empty.
    let shot = dir.path().join("report.png");
    let (_, console) = browse(
        browser,
        &url,
        &["--window-size=1400,2200", &format!("--screenshot={}", shot.display())],
    );
    assert!(console.is_empty(), "{console:#?}");
    let blank_page = dir.path().join("blank.html");
    std::fs::write(&blank_page, "<!DOCTYPE html><html><body></body></html>").expect("write");
    let blank = dir.path().join("blank.png");
    browse(
        browser,
        &format!("file://{}", blank_page.display()),
        &["--window-size=1400,2200", &format!("--screenshot={}", blank.display())],
    );
    let size = |p: &Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    assert!(size(&blank) > 0, "chromium wrote no screenshot of the blank page");
    assert!(
        size(&shot) > 10 * size(&blank),
        "report {} bytes, blank page {} bytes",
        size(&shot),
        size(&blank)
    );
    if let Ok(keep) = std::env::var("AKS_CERTSCAN_KEEP_SCREENSHOT") {
        std::fs::copy(&shot, keep).expect("keep the screenshot");
    }
}

#[test]
fn the_console_check_can_fail() {
    // The same check, on a page whose script is blocked by its policy and one that throws.
    let Some(browser) = chromium() else {
        skip_missing_tool("HTML report in a browser", "chromium", "apt-get install chromium");
        return;
    };
    let dir = tempdir();
    let page = dir.path().join("bad.html");
    std::fs::write(
        &page,
        "<!DOCTYPE html><html><head><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'\"></head><body><script>document.documentElement.setAttribute('data-ready','yes')</script></body></html>",
    )
    .expect("write");
    let (dom, console) = browse(browser, &format!("file://{}", page.display()), &["--dump-dom"]);
    assert!(!console.is_empty(), "a CSP violation was not seen");
    assert!(!dom.contains("data-ready=\"yes\""));
}
