//! `aks-certscan serve`: scan on an interval and serve the last good scan as Prometheus metrics.
//!
//! - `GET /metrics`: the Prometheus text format, or OpenMetrics 1.0 when the scraper's `Accept`
//!   header asks for `application/openmetrics-text` (Prometheus does);
//! - `GET /healthz`: 200 while the process runs (a liveness probe);
//! - `GET /readyz`: 200 once a scan has succeeded, 503 before (a readiness probe).
//!
//! A scan that fails (a policy error, or nothing could be collected at all) keeps the last good
//! scan's series and sets `aks_certscan_scan_success` to 0. No state is kept on disk and no
//! history: Prometheus is the time-series store.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use super::exit::{Error, ExitStatus, Result};
use super::output::warn_errors;
use crate::cli::ServeOptions;
use crate::clock::Instant as EvalTime;
use crate::pipeline::Prepared;
use crate::report::prometheus::{content_type, Prometheus, ServeStatus};
use crate::report::{Emitter, Report};

/// What `/metrics` serves: the last good scan's series, and how the scans went.
#[derive(Default)]
struct State {
    /// The series of the last successful scan (text format, without `# EOF`).
    series: Option<Arc<Vec<u8>>>,
    status: Option<ServeStatus>,
}

/// One scan: collect, evaluate, render the series.
fn scan_once(options: &ServeOptions, prepared: &Prepared) -> std::result::Result<Vec<u8>, String> {
    let mut plan = options.plan.clone();
    if !options.fixed_now {
        plan.collect.now = EvalTime::now();
    }
    let outcome = prepared
        .run(&plan, Default::default())
        .map_err(|e| format!("policy evaluation failed: {e}"))?;
    warn_errors(outcome.errors());
    if outcome.nothing_collected() {
        return Err("nothing could be collected from the sources".into());
    }
    let report = Report {
        findings: &outcome.findings,
        absent: None,
        rules: &outcome.rules,
        facts: &outcome.facts,
        certificate_count: outcome.certificate_count,
        series: outcome.series.as_ref(),
        facts_uri: crate::report::DEFAULT_FACTS_FILE,
        automation_id: None,
        provenance: None,
        waived: &outcome.waived,
    };
    let mut body = Vec::with_capacity(1 << 20);
    let emitter = Prometheus {
        openmetrics: false,
        limits: options.limits,
        status: None,
    };
    emitter
        .emit(&report, &mut body)
        .map_err(|e| format!("rendering failed: {e}"))?;
    Ok(body)
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default()
}

/// Scans forever, one scan per interval (a scan that overruns starts the next at once).
fn scan_loop(options: ServeOptions, prepared: Prepared, state: Arc<Mutex<State>>) {
    let mut scans = 0u64;
    let mut last_success_unix = 0i64;
    loop {
        let started = Instant::now();
        let result = scan_once(&options, &prepared);
        scans += 1;
        let duration_seconds = started.elapsed().as_secs_f64();
        let success = result.is_ok();
        if success {
            last_success_unix = unix_now();
        }
        match &result {
            Ok(_) => crate::log::line(&format!("serve: scan {scans} done in {duration_seconds:.2} s")),
            Err(e) => crate::log::line(&format!("serve: scan {scans} failed ({e}); serving the last good scan")),
        }
        if let Ok(mut s) = state.lock() {
            if let Ok(body) = result {
                s.series = Some(Arc::new(body));
            }
            s.status = Some(ServeStatus {
                duration_seconds,
                success,
                last_success_unix,
                scans,
            });
        }
        std::thread::sleep(options.interval.saturating_sub(started.elapsed()));
    }
}

fn wants_openmetrics(request: &tiny_http::Request) -> bool {
    request
        .headers()
        .iter()
        .any(|h| h.field.equiv("Accept") && h.value.as_str().contains("application/openmetrics-text"))
}

fn header(name: &str, value: &str) -> Option<tiny_http::Header> {
    tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes()).ok()
}

fn respond(request: tiny_http::Request, code: u16, content_type: &str, body: Vec<u8>) {
    let mut response = tiny_http::Response::from_data(body).with_status_code(code);
    if let Some(h) = header("Content-Type", content_type) {
        response = response.with_header(h);
    }
    // A scraper that went away is not our problem.
    let _ = request.respond(response);
}

fn metrics_body(state: &State, openmetrics: bool) -> Option<Vec<u8>> {
    let series = state.series.as_ref()?;
    let mut body = Vec::with_capacity(series.len() + 1024);
    body.extend_from_slice(series);
    if let Some(status) = state.status {
        let _ = crate::report::prometheus::write_status(&mut body, status);
    }
    if openmetrics {
        let _ = writeln!(body, "# EOF");
    }
    Some(body)
}

fn answer(request: tiny_http::Request, state: &Mutex<State>) {
    const TEXT: &str = "text/plain; charset=utf-8";
    let path = request.url().split('?').next().unwrap_or("").to_string();
    if *request.method() != tiny_http::Method::Get && *request.method() != tiny_http::Method::Head {
        return respond(request, 405, TEXT, b"only GET\n".to_vec());
    }
    let openmetrics = wants_openmetrics(&request);
    // The lock is held only to copy what is needed.
    let (body, ready) = match state.lock() {
        Ok(guard) => (
            (path == "/metrics")
                .then(|| metrics_body(&guard, openmetrics))
                .flatten(),
            guard.series.is_some(),
        ),
        Err(_) => (None, false),
    };
    match path.as_str() {
        "/metrics" => match body {
            Some(body) => respond(request, 200, content_type(openmetrics), body),
            None => respond(request, 503, TEXT, b"no successful scan yet\n".to_vec()),
        },
        "/healthz" => respond(request, 200, TEXT, b"ok\n".to_vec()),
        "/readyz" if ready => respond(request, 200, TEXT, b"ready\n".to_vec()),
        "/readyz" => respond(request, 503, TEXT, b"no successful scan yet\n".to_vec()),
        _ => respond(request, 404, TEXT, b"not found: /metrics, /healthz, /readyz\n".to_vec()),
    }
}

/// Runs `serve` until the process is stopped.
pub fn run(options: &ServeOptions) -> Result<ExitStatus> {
    let prepared = Prepared::load(&options.plan)?;
    let server = tiny_http::Server::http(&options.listen).map_err(|e| {
        Error::Io(std::io::Error::other(format!(
            "cannot listen on {}: {e}",
            options.listen
        )))
    })?;
    let bound = server
        .server_addr()
        .to_ip()
        .map(|a| a.to_string())
        .unwrap_or_else(|| options.listen.clone());
    crate::log::line(&format!(
        "serve: listening on http://{bound}/metrics, scanning every {} s",
        options.interval.as_secs_f64()
    ));
    let state = Arc::new(Mutex::new(State::default()));
    {
        let (options, state) = (options.clone(), Arc::clone(&state));
        std::thread::Builder::new()
            .name("scan".into())
            .spawn(move || scan_loop(options, prepared, state))
            .map_err(|e| Error::Io(std::io::Error::other(format!("cannot start the scan thread: {e}"))))?;
    }
    for request in server.incoming_requests() {
        // Each request is answered on its own thread: a scraper that reads slowly (or not at
        // all) must not hold up the others.
        let state = Arc::clone(&state);
        let _ = std::thread::Builder::new()
            .name("request".into())
            .spawn(move || answer(request, &state));
    }
    Ok(ExitStatus::Success)
}
