//! Untrusted strings (certificate subjects, file names, cluster names) made safe for each reader:
//! a terminal ([`terminal`]), and URLs stripped of the passwords they may carry
//! ([`without_userinfo`]). Output formats with their own escaping rules (GitHub workflow
//! commands, XML, SARIF) build on [`strip_controls`].

use std::borrow::Cow;

/// Escapes control, bidi and zero-width characters as `\u{..}`.
pub fn terminal(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if is_invisible(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// Whether a character must never reach a reader raw: C0 and C1 controls, DEL, every bidi
/// control (U+061C, U+200E-F, U+202A-E, U+2066-9), the line and paragraph separators (U+2028,
/// U+2029: a new line for JavaScript, many editors and some terminals), and zero-width or
/// invisible characters (U+180E, U+200B-D, U+2060-4, U+FEFF): they can rewrite a line, reorder
/// it or hide text.
pub fn is_invisible(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}'
                | '\u{180E}'
                | '\u{200B}'..='\u{200F}'
                | '\u{2028}'..='\u{202E}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{2069}'
                | '\u{FEFF}'
        )
}

/// Replaces every invisible character (see [`is_invisible`]) but `keep` ones with U+FFFD, for
/// sinks that have no escape syntax of their own (annotation titles, XML attributes).
pub fn strip_controls<'a>(text: &'a str, keep: &[char]) -> Cow<'a, str> {
    if !text.chars().any(|c| is_invisible(c) && !keep.contains(&c)) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|c| {
                if is_invisible(c) && !keep.contains(&c) {
                    '\u{FFFD}'
                } else {
                    c
                }
            })
            .collect(),
    )
}

/// A URL (or `host:port`) without its `user:password@` part: kubeconfig `server` values and
/// proxy settings can carry credentials, which must not be stored or printed. Everything up to
/// the last `@` of the authority goes, even a password holding an unescaped `/`.
pub fn without_userinfo(url: &str) -> Cow<'_, str> {
    let (scheme, rest) = match url.split_once("://") {
        Some((scheme, rest)) => (Some(scheme), rest),
        None => (None, url),
    };
    let before_query = rest.split(['?', '#']).next().unwrap_or(rest);
    match before_query.rfind('@') {
        None => Cow::Borrowed(url),
        Some(at) => {
            let after = &rest[at + 1..];
            Cow::Owned(match scheme {
                Some(scheme) => format!("{scheme}://{after}"),
                None => after.to_string(),
            })
        }
    }
}

/// A value for a shell command line that people copy: plain AKS names (letters, digits, `.`,
/// `_`, `-`) as they are, anything else in single quotes (`rg$(touch x)` becomes
/// `'rg$(touch x)'`, a quote inside becomes `'\''`). Names come from cluster JSON, which an
/// attacker can shape; the fix line must stay one harmless command.
pub fn shell_word(value: &str) -> Cow<'_, str> {
    let plain = !value.is_empty()
        && !value.starts_with('-')
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if plain {
        Cow::Borrowed(value)
    } else {
        Cow::Owned(format!("'{}'", value.replace('\'', "'\\''")))
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_words_quote_anything_but_plain_names() {
        assert_eq!(shell_word("rg-prod_1.eu"), "rg-prod_1.eu");
        assert_eq!(shell_word("rg$(touch /tmp/pwned)"), "'rg$(touch /tmp/pwned)'");
        assert_eq!(shell_word("it's"), "'it'\\''s'");
        assert_eq!(shell_word("rg (old)"), "'rg (old)'");
        assert_eq!(shell_word(""), "''");
    }

    #[test]
    fn userinfo_is_removed_from_urls() {
        assert_eq!(without_userinfo("https://admin:PW@host:443/x"), "https://host:443/x");
        assert_eq!(without_userinfo("https://a:P/W@host"), "https://host");
        assert_eq!(without_userinfo("admin:PW@host:443"), "host:443");
        assert_eq!(
            without_userinfo("https://host:443/api?user=a@b"),
            "https://host:443/api?user=a@b"
        );
        assert_eq!(without_userinfo("https://host"), "https://host");
    }

    #[test]
    fn controls_are_replaced_where_no_escape_exists() {
        assert_eq!(
            strip_controls("a\u{1b}]0;x\u{7}b\u{0}", &[]),
            "a\u{FFFD}]0;x\u{FFFD}b\u{FFFD}"
        );
        assert_eq!(strip_controls("line\nnext\u{85}", &['\n']), "line\nnext\u{FFFD}");
        assert!(matches!(strip_controls("plain", &[]), Cow::Borrowed(_)));
    }

    #[test]
    fn escapes_escape_sequences_and_bidi() {
        assert_eq!(terminal("a\u{1b}[31mb"), "a\\u{1b}[31mb");
        assert_eq!(terminal("x\u{202E}y"), "x\\u{202e}y");
        assert_eq!(terminal("CN=ca"), "CN=ca");
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
