//! `--format github`: GitHub Actions workflow commands, one per finding, which the runner turns
//! into annotations on the file and line: `::error file=F,line=N,title=T::message`. Notes become
//! `::notice`. Values are escaped as the runner expects (`%`, CR and LF everywhere; `:` and `,`
//! in properties too). Annotations without a file are written without `file=`.

use std::io::{self, Write};

use super::{Emitter, Report};
use crate::findings::Level;

/// GitHub Actions emitter.
pub struct Github;

/// Escapes a workflow-command message: `%`, CR and LF as the runner decodes them; every other
/// control character (C0, C1, DEL: a file named `x\e]0;pwned\a.pem`) and bidi or zero-width
/// character becomes U+FFFD, since the runner has no escape for them.
pub fn escape_data(text: &str) -> String {
    crate::sanitize::strip_controls(text, &['\r', '\n'])
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow-command property value.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

impl Emitter for Github {
    fn emit(&self, report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
        for f in report.findings() {
            let command = match f.level {
                Level::Error => "error",
                Level::Warning => "warning",
                Level::Note => "notice",
            };
            let title = escape_property(&format!("aks-certscan {} ({})", f.rule_id, f.rule_name));
            let place = f
                .locations
                .iter()
                .find(|l| super::is_file(&l.path))
                .map(|l| {
                    let line = l.line.map(|n| format!(",line={n}")).unwrap_or_default();
                    format!("file={}{line},", escape_property(&l.path))
                })
                .unwrap_or_default();
            let message = escape_data(&format!("{}\nFix: {}", f.message, f.remediation));
            writeln!(out, "::{command} {place}title={title}::{message}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_the_actions_toolkit() {
        assert_eq!(escape_data("50%\nnext"), "50%25%0Anext");
        assert_eq!(escape_property("a:b,c"), "a%3Ab%2Cc");
        assert_eq!(
            escape_data("x\u{1b}]0;pwned\u{7}\u{0}.pem"),
            "x\u{FFFD}]0;pwned\u{FFFD}\u{FFFD}.pem"
        );
    }
}
