//! Progress of live clusters on stderr, drawn only when it is a terminal and asked for.

use std::io::IsTerminal;
use std::time::Duration;

/// The progress line on a terminal, one per process (there is one stderr): clusters done out of
/// all known so far, and the step running now.
static PROGRESS: std::sync::Mutex<Option<indicatif::ProgressBar>> = std::sync::Mutex::new(None);

/// `clusters` more clusters are to be scanned.
pub fn add_clusters(enabled: bool, clusters: u64) {
    if !enabled || !std::io::stderr().is_terminal() {
        return;
    }
    let Ok(mut slot) = PROGRESS.lock() else { return };
    match slot.as_ref() {
        Some(bar) => bar.inc_length(clusters),
        None => {
            let bar = indicatif::ProgressBar::new(clusters);
            if let Ok(style) = indicatif::ProgressStyle::with_template("{spinner} [{pos}/{len} clusters] {msg}") {
                bar.set_style(style);
            }
            bar.enable_steady_tick(Duration::from_millis(120));
            *slot = Some(bar);
        }
    }
}

/// The step running now.
pub fn step(message: String) {
    if let Ok(slot) = PROGRESS.lock() {
        if let Some(bar) = slot.as_ref() {
            bar.set_message(crate::sanitize::terminal(&message));
        }
    }
}

/// One cluster is done.
pub fn cluster_done() {
    if let Ok(slot) = PROGRESS.lock() {
        if let Some(bar) = slot.as_ref() {
            bar.inc(1);
        }
    }
}

/// Clears the line: collection is over.
pub fn finish() {
    if let Ok(mut slot) = PROGRESS.lock() {
        if let Some(bar) = slot.take() {
            bar.finish_and_clear();
        }
    }
}
