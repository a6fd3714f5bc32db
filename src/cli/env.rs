//! What the command line takes from the environment and from small texts: durations, whether
//! to colour, proxies, the kubeconfig kubectl would read, the CI system's repository and commit.
//! Read here, once, so that nothing below the command line reads the environment.

use std::path::PathBuf;
use std::time::Duration;

use super::error::UsageError;
use crate::report::Provenance;
use crate::sources::probe::proxy::ProxyConfig;

/// Parses `30s`, `15m`, `1h`, `1d` or plain seconds.
pub fn parse_duration(text: &str) -> Result<Duration, UsageError> {
    let text = text.trim();
    let (number, unit) = match text.find(|c: char| !c.is_ascii_digit() && c != '.') {
        Some(at) => text.split_at(at),
        None => (text, "s"),
    };
    let scale = match unit {
        "ms" => 0.001,
        "s" => 1.0,
        "m" => 60.0,
        "h" => 3600.0,
        "d" => 86400.0,
        _ => return Err(UsageError(format!("`{text}`: expected a duration like 30s, 15m or 1h"))),
    };
    let value: f64 = number
        .parse()
        .map_err(|_| UsageError(format!("`{text}`: expected a duration like 30s, 15m or 1h")))?;
    let seconds = value * scale;
    if !(seconds.is_finite() && seconds > 0.0 && seconds <= 366.0 * 86400.0) {
        return Err(UsageError(format!(
            "`{text}`: expected a duration between 1ms and a year"
        )));
    }
    Ok(Duration::from_secs_f64(seconds))
}

/// Whether text on standard output is coloured: a terminal, no `--no-color`, no `NO_COLOR`.
pub fn color(no_color_flag: bool) -> bool {
    !no_color_flag
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        && std::io::IsTerminal::is_terminal(&std::io::stdout())
}

/// The width the text report wraps to: standard output's terminal width (`COLUMNS` when set,
/// else the terminal's own), `None` when standard output is not a terminal.
pub fn terminal_width() -> Option<usize> {
    if !std::io::IsTerminal::is_terminal(&std::io::stdout()) {
        return None;
    }
    if let Some(columns) = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
    {
        return (columns > 0).then_some(columns);
    }
    let mut size = libc::winsize {
        ws_row: 0,
        ws_col: 0,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: TIOCGWINSZ fills the winsize it is given; standard output is a terminal.
    let ok = unsafe { libc::ioctl(libc::STDOUT_FILENO, libc::TIOCGWINSZ, &mut size) } == 0;
    (ok && size.ws_col > 0).then_some(usize::from(size.ws_col))
}

/// `HTTPS_PROXY` and `NO_PROXY`, as probes use them.
pub fn proxy() -> Result<ProxyConfig, UsageError> {
    ProxyConfig::from_vars(|name| std::env::var(name).ok()).map_err(|e| UsageError(e.to_string()))
}

/// The repository and commit of a CI run (GitHub Actions, Azure Pipelines), for SARIF.
pub fn provenance() -> Option<Provenance> {
    Provenance::from_vars(|name| std::env::var(name).ok())
}

/// The kubeconfig kubectl would read: every existing file of `$KUBECONFIG` (a `:`-separated
/// list), else `~/.kube/config` when it exists.
pub fn default_kubeconfigs() -> Vec<PathBuf> {
    if let Some(list) = std::env::var_os("KUBECONFIG") {
        let found: Vec<PathBuf> = std::env::split_paths(&list)
            .filter(|p| !p.as_os_str().is_empty() && p.exists())
            .collect();
        if !found.is_empty() {
            return found;
        }
    }
    let home = std::env::var_os("HOME").or_else(|| std::env::var_os("USERPROFILE"));
    home.map(|h| PathBuf::from(h).join(".kube").join("config"))
        .filter(|p| p.is_file())
        .into_iter()
        .collect()
}
