//! Closed sets of named values that the command line and the configuration file accept (output
//! formats, `--fail-on` levels, `--sarif-aggregate`, `--login`): each is a plain enum of the layer
//! that owns it, naming its values once through [`Choice`]; the command line turns every one into
//! a clap value the same way.

/// An enum whose values have a fixed spelling and a line of help.
pub trait Choice: Sized + Copy + 'static {
    /// Every value, in the order help lists them.
    const ALL: &'static [Self];

    /// The spelling on the command line and in config files.
    fn name(self) -> &'static str;

    /// One line of help.
    fn help(self) -> &'static str;

    /// The value spelled `name`.
    fn parse(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|v| v.name() == name)
    }
}

/// The candidate a mistyped `word` most likely meant: the same word in another case or with `_`
/// for `-` (`cert004` → `CERT004`, `fail_on` → `fail-on`), else the closest within two edits.
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let normal = |s: &str| s.to_ascii_lowercase().replace('_', "-");
    let wanted = normal(word);
    let mut best: Option<(usize, &'a str)> = None;
    for candidate in candidates {
        let distance = if normal(candidate) == wanted {
            0
        } else {
            edit_distance(&wanted, &normal(candidate))
        };
        if distance <= 2 && best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, c)| c)
}

/// Levenshtein distance, in characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1).min(row[j] + 1).min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod suggestion_tests {
    use super::did_you_mean;

    #[test]
    fn mistyped_names_get_their_likely_meaning() {
        let ids = ["CERT001", "CERT004", "KCFG001"];
        assert_eq!(did_you_mean("cert004", ids), Some("CERT004"));
        assert_eq!(did_you_mean("CERT04", ids), Some("CERT004"));
        assert_eq!(did_you_mean("NODE009", ids), None);
        assert_eq!(did_you_mean("fail_on", ["format", "fail-on"]), Some("fail-on"));
        assert_eq!(did_you_mean("certz", ["certs", "cluster"]), Some("certs"));
    }
}
