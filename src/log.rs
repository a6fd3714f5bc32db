//! Lines on standard error that can never stop the program: a closed or full stderr (the reader
//! of a CI log went away, `2>&-`, a DaemonSet whose log pipe broke) loses the line, never the scan,
//! the report or the exit code. `eprintln!` panics in those cases, so nothing else prints to stderr.

use std::io::Write;

/// Writes `text` and a newline to standard error, ignoring any failure.
pub fn line(text: &str) {
    let stderr = std::io::stderr();
    let mut lock = stderr.lock();
    let _ = lock.write_all(text.as_bytes());
    let _ = lock.write_all(b"\n");
}

/// Writes each of `lines` to standard error under one lock (so lines of other threads do not
/// interleave), ignoring any failure.
pub fn lines<I, S>(lines: I)
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let stderr = std::io::stderr();
    let mut lock = stderr.lock();
    for text in lines {
        let _ = lock.write_all(text.as_ref().as_bytes());
        let _ = lock.write_all(b"\n");
    }
}
