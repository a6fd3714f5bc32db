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

/// Whether a character must never reach a reader raw: C0 and C1 controls, DEL, bidi overrides
/// and zero-width characters (they can rewrite a terminal line or hide text).
pub fn is_invisible(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
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
}
