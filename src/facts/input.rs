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

/// Describes an I/O error in a lowercase sentence (every collector words them the same way).
pub use crate::safe_io::io_message;

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

/// Words after which a value is a secret: `password: x`, `token=x`, `client secret is x`.
const SECRET_MARKERS: &[&str] = &[
    "secret",
    "password",
    "passwd",
    "pwd",
    "token",
    "key",
    "credential",
    "credentials",
    "apikey",
    "sig",
];

/// Removes anything that looks like secret material from a message. Parser messages can quote
/// the input they choke on and `az` quotes what it was given, so this is the last line of defence
/// behind parsing secrets as presence only:
///
/// - long runs of base64 (mixed case and digits) or hex (keys, tokens, certificates);
/// - the value after a secret marker (`password: x`, `token=x`, `client_secret: x`, `key is x`);
/// - a token that contains a marker and digits or symbols (`AzCliSecretLEAK_v@lue!`), which is
///   more likely a secret than a word.
pub fn redact(message: &str) -> String {
    redact_marked(&redact_runs(message))
}

fn redact_runs(message: &str) -> String {
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

/// Ends a token: whitespace, quotes, brackets and list separators.
fn ends_token(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '"' | '\'' | '`' | ',' | ';' | '(' | ')' | '[' | ']' | '{' | '}' | '<' | '>'
        )
}

/// `password`, `client-secret`, `access_token`: a word that labels a secret.
fn is_marker_word(word: &str) -> bool {
    let lower = word.to_ascii_lowercase();
    SECRET_MARKERS
        .iter()
        .any(|m| lower == *m || lower.ends_with(&format!("-{m}")) || lower.ends_with(&format!("_{m}")))
}

fn redact_marked(message: &str) -> String {
    // Tokens and the separators between them, in order.
    let mut pieces: Vec<(&str, bool)> = Vec::new();
    let mut start = 0;
    for (i, c) in message.char_indices() {
        if ends_token(c) {
            if start < i {
                pieces.push((&message[start..i], true));
            }
            pieces.push((&message[i..i + c.len_utf8()], false));
            start = i + c.len_utf8();
        }
    }
    if start < message.len() {
        pieces.push((&message[start..], true));
    }
    let mut out = String::with_capacity(message.len());
    // Set after `password:` / `secret is`: the next token is the value.
    let mut value_next = false;
    let mut after_marker = false;
    for (piece, is_token) in pieces {
        if !is_token {
            out.push_str(piece);
            continue;
        }
        if value_next {
            out.push_str("<redacted>");
            value_next = false;
            after_marker = false;
            continue;
        }
        let lower = piece.to_ascii_lowercase();
        if after_marker && lower == "is" {
            out.push_str(piece);
            value_next = true;
            continue;
        }
        after_marker = false;
        let has_marker = SECRET_MARKERS.iter().any(|m| lower.contains(m));
        if !has_marker {
            out.push_str(piece);
            continue;
        }
        // `label=value` / `label:value` in one token, the label a marker word.
        if let Some(sep) = piece.find([':', '=']) {
            let (label, value) = (&piece[..sep], &piece[sep + 1..]);
            if is_marker_word(label) {
                out.push_str(&piece[..=sep]);
                if value.is_empty() {
                    value_next = true;
                } else {
                    out.push_str("<redacted>");
                }
                continue;
            }
        }
        if is_marker_word(piece) {
            out.push_str(piece);
            after_marker = true;
            continue;
        }
        // A marker inside a token with digits or symbols reads as a secret, not a word.
        let secret_like = piece.chars().any(|c| c.is_ascii_digit() || "@!#$%^&*+=?~|".contains(c));
        if secret_like && !piece.contains('/') {
            out.push_str("<redacted>");
        } else {
            out.push_str(piece);
        }
    }
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
    /// SHA-256 of the bytes read.
    pub sha256: crate::facts::certificate::Sha256,
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
    let sha256 = crate::facts::certificate::sha256(&bytes);
    let text = utf8_text(&bytes, source, &shown)?.to_string();
    parse_json_with_digest(text, &shown, source, sha256)
}

/// Parses JSON text that came from `shown` (a file, or a command's output).
pub fn parse_json(text: String, shown: &str, source: SourceKind) -> Result<JsonDocument, CollectionError> {
    let sha256 = crate::facts::certificate::sha256(text.as_bytes());
    parse_json_with_digest(text, shown, source, sha256)
}

fn parse_json_with_digest(
    text: String,
    shown: &str,
    source: SourceKind,
    sha256: crate::facts::certificate::Sha256,
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

    #[test]
    fn redact_hides_values_after_secret_markers() {
        assert_eq!(
            redact("ERROR: AzCliSecretLEAK_v@lue! is invalid"),
            "ERROR: <redacted> is invalid"
        );
        assert_eq!(redact("password: hunter2 rejected"), "password: <redacted> rejected");
        assert_eq!(redact("client secret is s3cr3t"), "client secret is <redacted>");
        assert_eq!(redact("bad token=abc.def;"), "bad token=<redacted>;");
        assert_eq!(redact("client_secret: abc"), "client_secret: <redacted>");
        assert_eq!(
            redact("AADSTS7000215: Invalid client secret provided."),
            "AADSTS7000215: Invalid client secret provided."
        );
        // Words and paths that only mention a marker are kept.
        let kept = [
            "holds a private key but no certificate",
            "cannot read testdata/bad/apiserver.key: permission denied",
            "user `clusterUser_rg_prod`: client-key-data is present",
            "expected a mapping for key `users`",
        ];
        for k in kept {
            assert_eq!(redact(k), k);
        }
    }
}
