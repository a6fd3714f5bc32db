//! `aks-certscan serve`: scan on an interval and serve the last good scan as Prometheus metrics.
//!
//! - `GET /metrics`: the Prometheus text format, or OpenMetrics 1.0 when the scraper's `Accept`
//!   header asks for `application/openmetrics-text` (Prometheus does);
//! - `GET /healthz`: 200 while scans go on (a liveness probe): 503 once the scan thread has
//!   stopped, or when no scan has started or ended for twice the interval plus
//!   [`STALL_GRACE`], so that a kubelet restarts a server whose scans stopped;
//! - `GET /readyz`: 200 once a scan has succeeded, 503 before (a readiness probe).
//!
//! A scan that fails (a policy error, or nothing could be collected at all) keeps the last good
//! scan's series and sets `aks_certscan_scan_success` to 0. No state is kept on disk and no
//! history: Prometheus is the time-series store. The HTTP side ([`http`]) bounds every client.

pub mod http;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::exit::{Error, ExitStatus, Result};
use super::output::warn_errors;
use crate::cli::ServeOptions;
use crate::clock::Instant as EvalTime;
use crate::pipeline::Prepared;
use crate::report::prometheus::{content_type, Prometheus, ServeStatus};
use crate::report::{Emitter, Report};

/// How long a scan may run past twice the interval before `/healthz` says the scans stopped: a
/// fleet scan of many clusters legitimately takes minutes.
pub const STALL_GRACE: Duration = Duration::from_secs(15 * 60);

/// What `/metrics` serves: the last good scan's series with the scans' status, rendered once per
/// scan in both formats and shared by every response (never copied per request).
#[derive(Default)]
struct State {
    /// Prometheus text format.
    text: Option<Arc<[u8]>>,
    /// OpenMetrics (the same, with `# EOF`).
    openmetrics: Option<Arc<[u8]>>,
    /// When a scan last started or ended.
    heartbeat: Option<Instant>,
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
        compliance: &[],
        findings: &outcome.findings,
        absent: None,
        rules: &outcome.rules,
        facts: &outcome.facts,
        certificate_count: outcome.certificate_count,
        series: outcome.series.as_ref(),
        facts_uri: crate::report::DEFAULT_FACTS_FILE,
        facts_written: false,
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

/// The bodies of `/metrics`: the series and the status, in the text format and in OpenMetrics.
fn metrics_bodies(series: &[u8], status: ServeStatus) -> (Arc<[u8]>, Arc<[u8]>) {
    let render = |openmetrics: bool| {
        let mut body = Vec::with_capacity(series.len() + 1024);
        body.extend_from_slice(series);
        let _ = crate::report::prometheus::write_status(&mut body, status, openmetrics);
        if openmetrics {
            let _ = writeln!(body, "# EOF");
        }
        Arc::<[u8]>::from(body)
    };
    (render(false), render(true))
}

/// Scans forever, one scan per interval (a scan that overruns starts the next at once).
fn scan_loop(options: ServeOptions, prepared: Prepared, state: Arc<Mutex<State>>) {
    let mut scans = 0u64;
    let mut last_success_unix = 0i64;
    let mut last_series: Option<Vec<u8>> = None;
    loop {
        let started = Instant::now();
        if let Ok(mut s) = state.lock() {
            s.heartbeat = Some(started);
        }
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
        if let Ok(series) = result {
            last_series = Some(series);
        }
        let status = ServeStatus {
            duration_seconds,
            success,
            last_success_unix,
            scans,
        };
        let bodies = last_series.as_deref().map(|series| metrics_bodies(series, status));
        if let Ok(mut s) = state.lock() {
            if let Some((text, openmetrics)) = bodies {
                s.text = Some(text);
                s.openmetrics = Some(openmetrics);
            }
            s.heartbeat = Some(Instant::now());
        }
        std::thread::sleep(options.interval.saturating_sub(started.elapsed()));
    }
}

/// Whether scans go on: the scan thread runs and a scan started or ended recently.
fn scans_alive(state: &State, scanner_running: bool, interval: Duration) -> bool {
    scanner_running
        && state
            .heartbeat
            .is_some_and(|t| t.elapsed() <= interval.saturating_mul(2) + STALL_GRACE)
}

/// The answer to one request.
fn route(request: &http::Request, state: &Mutex<State>, scanner_running: bool, interval: Duration) -> http::Response {
    if request.method != "GET" && request.method != "HEAD" {
        return http::Response::text(405, "only GET\n");
    }
    let Ok(guard) = state.lock() else {
        return http::Response::text(503, "state unavailable\n");
    };
    match request.path {
        "/metrics" => {
            let body = if request.wants_openmetrics {
                guard.openmetrics.clone()
            } else {
                guard.text.clone()
            };
            match body {
                Some(body) => http::Response {
                    status: 200,
                    content_type: content_type(request.wants_openmetrics),
                    body,
                },
                None => http::Response::text(503, "no successful scan yet\n"),
            }
        }
        "/healthz" if scans_alive(&guard, scanner_running, interval) => http::Response::text(200, "ok\n"),
        "/healthz" => http::Response::text(503, "scans have stopped\n"),
        "/readyz" if guard.text.is_some() => http::Response::text(200, "ready\n"),
        "/readyz" => http::Response::text(503, "no successful scan yet\n"),
        _ => http::Response::text(404, "not found: /metrics, /healthz, /readyz\n"),
    }
}

/// Runs `serve` until the process is stopped.
pub fn run(options: &ServeOptions) -> Result<ExitStatus> {
    let prepared = Prepared::load(&options.plan)?;
    let listener = std::net::TcpListener::bind(&options.listen).map_err(|e| {
        Error::Io(std::io::Error::other(format!(
            "cannot listen on {}: {e}",
            options.listen
        )))
    })?;
    let bound = listener
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or_else(|_| options.listen.clone());
    let limits = http::Limits::default().fitted_to_file_limit();
    crate::log::line(&format!(
        "serve: listening on http://{bound}/metrics, scanning every {} s (at most {} connections)",
        options.interval.as_secs_f64(),
        limits.max_connections
    ));
    let state = Arc::new(Mutex::new(State {
        heartbeat: Some(Instant::now()),
        ..State::default()
    }));
    let scanner = {
        let (options, state) = (options.clone(), Arc::clone(&state));
        std::thread::Builder::new()
            .name("scan".into())
            .spawn(move || scan_loop(options, prepared, state))
            .map_err(|e| Error::Io(std::io::Error::other(format!("cannot start the scan thread: {e}"))))?
    };
    let interval = options.interval;
    http::serve(
        listener,
        limits,
        &|request| route(request, &state, !scanner.is_finished(), interval),
        &|line| crate::log::line(line),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn healthz_fails_once_scans_stop() {
        let interval = Duration::from_secs(60);
        let fresh = State {
            heartbeat: Some(Instant::now()),
            ..State::default()
        };
        assert!(scans_alive(&fresh, true, interval));
        // The scan thread ended (a panic): unhealthy at once.
        assert!(!scans_alive(&fresh, false, interval));
        // No scan started or ended for longer than twice the interval and the grace.
        let stale = State {
            heartbeat: Instant::now().checked_sub(interval * 2 + STALL_GRACE + Duration::from_secs(1)),
            ..State::default()
        };
        if stale.heartbeat.is_some() {
            assert!(!scans_alive(&stale, true, interval));
        }
        let state = Mutex::new(fresh);
        let get = |path| http::Request {
            method: "GET",
            path,
            wants_openmetrics: false,
            keep_alive: true,
        };
        assert_eq!(route(&get("/healthz"), &state, true, interval).status, 200);
        assert_eq!(route(&get("/healthz"), &state, false, interval).status, 503);
        assert_eq!(route(&get("/readyz"), &state, true, interval).status, 503);
        assert_eq!(route(&get("/metrics"), &state, true, interval).status, 503);
        assert_eq!(route(&get("/other"), &state, true, interval).status, 404);
        let post = http::Request {
            method: "POST",
            ..get("/metrics")
        };
        assert_eq!(route(&post, &state, true, interval).status, 405);
    }

    #[test]
    fn metrics_bodies_are_rendered_once_in_both_formats() {
        let status = ServeStatus {
            duration_seconds: 1.0,
            success: true,
            last_success_unix: 1,
            scans: 1,
        };
        let (text, openmetrics) = metrics_bodies(b"a_metric 1\n", status);
        assert!(text.starts_with(b"a_metric 1\n") && !text.ends_with(b"# EOF\n"));
        assert!(openmetrics.starts_with(b"a_metric 1\n") && openmetrics.ends_with(b"# EOF\n"));
        let text_str = String::from_utf8_lossy(&text);
        assert!(text_str.contains("# TYPE aks_certscan_scans_total counter\naks_certscan_scans_total 1\n"));
        let open_str = String::from_utf8_lossy(&openmetrics);
        assert!(open_str.contains("# TYPE aks_certscan_scans counter\naks_certscan_scans_total 1\n"));
        let state = Mutex::new(State {
            text: Some(Arc::clone(&text)),
            openmetrics: Some(openmetrics),
            heartbeat: Some(Instant::now()),
        });
        let request = http::Request {
            method: "GET",
            path: "/metrics",
            wants_openmetrics: false,
            keep_alive: true,
        };
        let response = route(&request, &state, true, Duration::from_secs(60));
        assert!(Arc::ptr_eq(&response.body, &text), "the body is shared, not copied");
    }
}
