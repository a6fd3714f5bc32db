//! Reading files safely: a size cap, clear errors, and paths shown the way the user gave them.
//!
//! Every collector reads through [`read_capped`], so "too large", "permission denied" and
//! "empty" are reported the same way everywhere, and [`display_path`] keeps the scanning
//! machine's absolute layout out of facts.

use std::io;
use std::path::{Component, Path};

use crate::safe_io::{read_limited, read_regular, ReadError};

use super::model::{CollectionError, ErrorKind, SourceKind};

/// Default per-file size cap: real certificates, kubeconfigs and cluster documents are far smaller.
pub use crate::safe_io::DEFAULT_MAX_FILE_SIZE;

/// Shows a path as the user would recognise it: relative to the working directory when it lies
/// below it, with `/` separators, and with no `./` prefix.
pub fn display_path(path: &Path) -> String {
    // The working directory is read once: this runs for every file of a large directory.
    static CWD: std::sync::OnceLock<Option<std::path::PathBuf>> = std::sync::OnceLock::new();
    let shown = match CWD.get_or_init(|| std::env::current_dir().ok()) {
        Some(cwd) if path.is_absolute() => path.strip_prefix(cwd).unwrap_or(path),
        _ => path,
    };
    let mut joined = String::with_capacity(shown.as_os_str().len() + 1);
    let mut absolute = false;
    for component in shown.components() {
        let part = match component {
            Component::CurDir => continue,
            Component::RootDir => {
                absolute = true;
                continue;
            }
            other => other.as_os_str().to_string_lossy(),
        };
        if !joined.is_empty() {
            joined.push('/');
        }
        joined.push_str(&part);
    }
    match (absolute, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_string(),
        (false, false) => joined,
    }
}

/// Joins a displayed root and a relative path inside it.
pub fn join_display(root: &str, relative: &Path) -> String {
    let rel = display_path(relative);
    if rel == "." {
        root.to_string()
    } else if root == "." {
        rel
    } else {
        format!("{}/{}", root.trim_end_matches('/'), rel)
    }
}

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

/// Describes an I/O error in a lowercase sentence.
pub fn io_message(err: &io::Error) -> String {
    crate::safe_io::io_message(err)
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

/// Removes anything that looks like secret material from a message: long runs of base64
/// (mixed case and digits) or hex (keys, tokens). Parser messages can quote the input they
/// choke on, and this is the last line of defence behind parsing secrets as presence only.
pub fn redact(message: &str) -> String {
    fn secret_like(run: &str) -> bool {
        let has = |f: fn(&char) -> bool| run.chars().any(|c| f(&c));
        let base64 = run.len() >= 20
            && has(char::is_ascii_uppercase)
            && has(char::is_ascii_lowercase)
            && has(char::is_ascii_digit);
        let hex = run.len() >= 24 && run.chars().all(|c| c.is_ascii_hexdigit());
        base64 || hex
    }
    let mut out = String::with_capacity(message.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        if secret_like(run) {
            out.push_str("<redacted>");
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in message.chars() {
        if c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=') {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

/// A JSON document read from a file or standard input (`-`), with its text kept for line numbers.
pub struct JsonDocument {
    /// Path as shown.
    pub shown: String,
    /// The raw text.
    pub text: String,
    /// The parsed value.
    pub value: serde_json::Value,
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
    let text = utf8_text(&bytes, source, &shown)?.to_string();
    parse_json(text, &shown, source)
}

/// Parses JSON text that came from `shown` (a file, or a command's output).
pub fn parse_json(text: String, shown: &str, source: SourceKind) -> Result<JsonDocument, CollectionError> {
    let shown = shown.to_string();
    match serde_json::from_str(&text) {
        Ok(value) => Ok(JsonDocument { shown, text, value }),
        Err(e) => {
            let mut err = error(source, &shown, ErrorKind::MalformedJson, format!("not valid JSON: {e}"));
            err.line = u32::try_from(e.line()).ok().filter(|l| *l > 0);
            Err(err)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_path_drops_dot_prefix_and_keeps_relative_paths() {
        assert_eq!(display_path(Path::new("./testdata/a.pem")), "testdata/a.pem");
        assert_eq!(display_path(Path::new("testdata")), "testdata");
        assert_eq!(display_path(Path::new(".")), ".");
    }

    #[test]
    fn display_path_strips_the_working_directory() {
        let cwd = std::env::current_dir().expect("cwd");
        assert_eq!(display_path(&cwd.join("x/y.crt")), "x/y.crt");
    }

    #[test]
    fn join_display_joins_root_and_relative() {
        assert_eq!(join_display("certs", Path::new("a/b.pem")), "certs/a/b.pem");
        assert_eq!(join_display(".", Path::new("b.pem")), "b.pem");
        assert_eq!(join_display("certs/", Path::new("")), "certs/");
    }

    #[test]
    fn redact_hides_long_tokens_but_keeps_words() {
        let msg = "invalid value `LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0t` at line 3";
        assert_eq!(redact(msg), "invalid value `<redacted>` at line 3");
        assert_eq!(redact("expected a mapping"), "expected a mapping");
        assert_eq!(redact("token 0123456789abcdef0123456789abcdef"), "token <redacted>");
        let kept = "state RotatingClusterCertificates in testdata/clusters/prod.json";
        assert_eq!(redact(kept), kept);
    }
}
