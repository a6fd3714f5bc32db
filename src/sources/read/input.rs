//! Reading files safely: a size cap, clear errors, and paths shown the way the user gave them.
//!
//! Every collector reads through [`read_capped`], so "too large", "permission denied" and
//! "empty" are reported the same way everywhere, and [`display_path`] keeps the scanning
//! machine's absolute layout out of facts.

use std::io;
use std::path::Path;

use crate::safe_io::{read_limited, read_regular, ReadError};

use crate::facts::model::{CollectionError, ErrorKind, SourceKind};
use crate::paths::display_path;
use crate::sanitize::redact;

/// Default per-file size cap: real certificates, kubeconfigs and cluster documents are far smaller.
pub use crate::safe_io::DEFAULT_MAX_FILE_SIZE;

/// Describes an I/O error in a lowercase sentence (every collector words them the same way).
pub use crate::safe_io::io_message;

/// Builds a [`CollectionError`].
pub fn error(source: SourceKind, path: &str, kind: ErrorKind, message: impl Into<String>) -> CollectionError {
    CollectionError {
        source,
        path: path.to_string(),
        line: None,
        kind,
        message: redact(&message.into()),
    }
}

/// Maps an I/O error to an error kind.
pub fn io_kind(err: &io::Error) -> ErrorKind {
    match err.kind() {
        io::ErrorKind::NotFound => ErrorKind::NotFound,
        io::ErrorKind::PermissionDenied => ErrorKind::PermissionDenied,
        io::ErrorKind::WouldBlock => ErrorKind::Unsupported,
        _ if err.raw_os_error() == Some(libc::ELOOP) => ErrorKind::SymlinkLoop,
        _ => ErrorKind::Io,
    }
}

/// The collection error for a file that could not be read.
pub fn read_error(source: SourceKind, shown: &str, err: &ReadError) -> CollectionError {
    let kind = match err {
        ReadError::Io(io) => io_kind(io),
        ReadError::Directory => ErrorKind::WrongShape,
        ReadError::Special(_) => ErrorKind::Unsupported,
        ReadError::TooLarge { .. } => ErrorKind::TooLarge,
    };
    error(source, shown, kind, err.to_string())
}

/// Reads a whole regular file, refusing special files, files over `max` bytes and empty files.
pub fn read_capped(path: &Path, max: u64, source: SourceKind, shown: &str) -> Result<Vec<u8>, CollectionError> {
    let bytes = read_regular(path, max).map_err(|e| read_error(source, shown, &e))?;
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(error(source, shown, ErrorKind::Empty, "file is empty"));
    }
    Ok(bytes)
}

/// Reads all of standard input under the same cap.
pub fn read_stdin_capped(max: u64, source: SourceKind) -> Result<Vec<u8>, CollectionError> {
    let bytes = read_limited(io::stdin().lock(), max).map_err(|e| read_error(source, "-", &e))?;
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(error(source, "-", ErrorKind::Empty, "standard input is empty"));
    }
    Ok(bytes)
}

/// Decodes bytes as UTF-8 text (a leading byte-order mark is dropped).
pub fn utf8_text<'a>(bytes: &'a [u8], source: SourceKind, shown: &str) -> Result<&'a str, CollectionError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    std::str::from_utf8(bytes).map_err(|e| {
        error(
            source,
            shown,
            ErrorKind::WrongShape,
            format!(
                "not UTF-8 text (invalid byte at offset {}): binary data?",
                e.valid_up_to()
            ),
        )
    })
}

/// A JSON document read from a file or standard input (`-`), with its text kept for line numbers.
pub struct JsonDocument {
    /// Path as shown.
    pub shown: String,
    /// The raw text.
    pub text: String,
    /// The parsed value.
    pub value: serde_json::Value,
    /// SHA-256 of the bytes read.
    pub sha256: crate::facts::x509::Sha256,
}

/// Reads and parses a JSON source (`-` is standard input).
pub fn read_json(path: &Path, max: u64, source: SourceKind) -> Result<JsonDocument, CollectionError> {
    let stdin = path.as_os_str() == "-";
    let shown = if stdin { "-".to_string() } else { display_path(path) };
    let bytes = if stdin {
        read_stdin_capped(max, source)?
    } else {
        read_capped(path, max, source, &shown)?
    };
    // The digest is of the bytes as stored (a byte-order mark included), as `sha256sum` gives it.
    let sha256 = crate::facts::x509::sha256(&bytes);
    let text = utf8_text(&bytes, source, &shown)?.to_string();
    parse_json_with_digest(text, &shown, source, sha256)
}

/// Parses JSON text that came from `shown` (a file, or a command's output).
pub fn parse_json(text: String, shown: &str, source: SourceKind) -> Result<JsonDocument, CollectionError> {
    let sha256 = crate::facts::x509::sha256(text.as_bytes());
    parse_json_with_digest(text, shown, source, sha256)
}

fn parse_json_with_digest(
    text: String,
    shown: &str,
    source: SourceKind,
    sha256: crate::facts::x509::Sha256,
) -> Result<JsonDocument, CollectionError> {
    let shown = shown.to_string();
    match serde_json::from_str(&text) {
        Ok(value) => Ok(JsonDocument {
            sha256,
            shown,
            text,
            value,
        }),
        Err(e) => {
            let mut err = error(source, &shown, ErrorKind::MalformedJson, format!("not valid JSON: {e}"));
            err.line = u32::try_from(e.line()).ok().filter(|l| *l > 0);
            Err(err)
        }
    }
}
