//! Writing what a command produces: outputs to files or standard output, and collection
//! warnings on standard error.

use std::io::Write;
use std::path::Path;

use super::exit::{Error, Result};
use crate::facts::model::CollectionError;

/// Collection errors printed one per line on stderr before the rest are only counted: a file
/// with 70,000 broken blocks must not flood a terminal or a CI log (reports keep every error).
const WARNINGS_SHOWN: usize = 20;

/// One line per error on stderr (`warning: --certs testdata/x.pem:3: message`), the first
/// 20 of them, then how many more there are.
pub fn warn_errors(errors: &[CollectionError]) {
    let stderr = std::io::stderr();
    let mut lock = stderr.lock();
    for e in errors.iter().take(WARNINGS_SHOWN) {
        let line = e.line.map(|l| format!(":{l}")).unwrap_or_default();
        let _ = writeln!(
            lock,
            "warning: {} {}{}: {}",
            e.source.flag(),
            crate::sanitize::terminal(&e.path),
            line,
            crate::sanitize::terminal(&e.message)
        );
    }
    if errors.len() > WARNINGS_SHOWN {
        let _ = writeln!(
            lock,
            "warning: ... and {} more collection errors (every one is in the report and the facts document)",
            errors.len() - WARNINGS_SHOWN
        );
    }
}

/// Writes output `what` to `path` (standard output when `None`), calling `write` once; see
/// [`crate::safe_io::write_output`].
pub fn write_to(
    path: Option<&Path>,
    what: &str,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<()> {
    crate::safe_io::write_output(path, write).map_err(|source| Error::Write {
        what: what.to_string(),
        path: path
            .map(|p| crate::sanitize::terminal(&p.display().to_string()))
            .unwrap_or_else(|| "standard output".into()),
        source,
    })
}
