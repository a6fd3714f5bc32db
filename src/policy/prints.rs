//! What policies `print()`: gathered by regorus (never written by it: regorus writes raw text
//! with `eprintln!`, which panics once stderr is closed) and forwarded here, each line prefixed
//! with `print:`, made safe for a terminal and for CI logs (control, bidi and line-separator
//! characters escaped, so `\x1b[2J`, a carriage return or `::error::` at the start of a line
//! cannot rewrite the log or become a GitHub workflow command), and bounded: after
//! [`MAX_LINES`] lines in one run the rest are counted, not printed.

use std::sync::atomic::{AtomicUsize, Ordering};

/// Lines of `print()` output shown per run.
pub const MAX_LINES: usize = 1000;

static SHOWN: AtomicUsize = AtomicUsize::new(0);

/// Forwards what `engine` gathered from `print()` since the last call (`file` names the policy
/// for the reader).
pub fn forward(engine: &mut regorus::Engine, file: &str) {
    let Ok(lines) = engine.take_prints() else {
        return;
    };
    for line in lines {
        let n = SHOWN.fetch_add(1, Ordering::Relaxed);
        if n < MAX_LINES {
            crate::log::line(&format!("print: {}", crate::sanitize::terminal(&line)));
        } else if n == MAX_LINES {
            crate::log::line(&format!(
                "print: further print() output of {} and other policies is not shown ({MAX_LINES} lines at most)",
                crate::sanitize::terminal(file)
            ));
        }
    }
}
