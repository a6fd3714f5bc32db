//! A part: what one source gave (its record, the facts read from it, and the digests of what was
//! read), concatenated into the document in source order by [`super::assemble`].

use rayon::prelude::*;
use std::cmp::Ordering;

use data_encoding::HEXLOWER;

use super::model::{CollectionError, Facts, SourceKind, SourceRecord};
use super::x509::{sha256, Sha256};

/// Facts gathered from one source, concatenated into the document in source order.
#[derive(Debug, Clone, Default)]
pub struct Part {
    /// The source record.
    pub source: SourceRecord,
    /// What was read.
    pub facts: Facts,
    /// `(file as shown, SHA-256)` of every file (or command output) read, for the source's digest.
    /// A collector that reads many files (a `--certs` directory) computes the digest itself with
    /// [`list_digest`], sets `source.sha256` and leaves this empty.
    pub digests: Vec<(String, Sha256)>,
}

impl Part {
    /// An empty result for a source.
    pub fn for_source(kind: SourceKind, path: &str) -> Self {
        Part {
            source: SourceRecord {
                kind,
                path: path.to_string(),
                files_read: 0,
                files_skipped: 0,
                sha256: None,
            },
            facts: Facts::default(),
            digests: Vec::new(),
        }
    }

    /// Notes the content of one file read for this source.
    pub fn read(&mut self, shown: &str, bytes: &[u8]) {
        // Raw bytes, not hex: at 100,000 files the hex strings alone were 10 MB.
        self.digests.push((shown.to_string(), sha256(bytes)));
    }

    /// The source's digest: the SHA-256 of its one file, or of the `sha256sum`-style list
    /// (`<hash>  <file>` lines, sorted by line after the hash) of all of them; `None` when
    /// nothing was read.
    pub fn source_digest(&self) -> Option<String> {
        list_digest(self.digests.iter().map(|(file, hash)| (file.as_str(), *hash)).collect())
    }

    /// Adds an error and returns self (for early exits).
    pub fn with_error(mut self, error: CollectionError) -> Self {
        self.facts.errors.push(error);
        self
    }

    /// Appends everything from `other` (a part of the same source, such as one file of a
    /// directory) except its source record, whose file counts are added.
    pub fn absorb(&mut self, other: Part) {
        self.source.files_read += other.source.files_read;
        self.source.files_skipped += other.source.files_skipped;
        self.facts.absorb(other.facts);
        self.digests.extend(other.digests);
    }
}

/// The digest of a source read from `files` (`(file as shown, SHA-256)`, in any order): the
/// SHA-256 of its one file, or of the `sha256sum`-style list of all of them, sorted by line after
/// the hash; `None` when nothing was read. The list is hashed as it is made, never held whole.
pub fn list_digest<S: AsRef<str> + Send>(mut files: Vec<(S, Sha256)>) -> Option<String> {
    match files.as_slice() {
        [] => None,
        [(_, one)] => Some(HEXLOWER.encode(one)),
        _ => {
            // Files come in walk order, which is the list's order but for names that sort
            // below `/` (`d-x` before `d/`): one pass to check is cheaper than a sort.
            let ordered = files
                .windows(2)
                .all(|pair| line_order(pair[0].0.as_ref(), pair[1].0.as_ref()) != Ordering::Greater);
            if !ordered {
                files.par_sort_by(|(a, _), (b, _)| line_order(a.as_ref(), b.as_ref()));
            }
            let mut list = ring::digest::Context::new(&ring::digest::SHA256);
            for (file, hash) in &files {
                list.update(HEXLOWER.encode(hash).as_bytes());
                list.update(b"  ");
                list.update(file.as_ref().as_bytes());
                list.update(b"\n");
            }
            Some(HEXLOWER.encode(list.finish().as_ref()))
        }
    }
}

/// How two `<file>\n` lines of the digest list sort, without building them: byte order, with the
/// line break counted (a file name can hold a tab, which sorts before it).
fn line_order(a: &str, b: &str) -> Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let common = a.len().min(b.len());
    match a[..common].cmp(&b[..common]) {
        Ordering::Equal => {
            let next = |s: &[u8]| s.get(common).copied().unwrap_or(b'\n');
            next(a).cmp(&next(b)).then(a.len().cmp(&b.len()))
        }
        unequal => unequal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The list as it was first built: whole lines, sorted by everything after the hash.
    fn digest_of_lines(digests: &[(String, Sha256)]) -> String {
        let mut lines: Vec<String> = digests
            .iter()
            .map(|(f, h)| format!("{}  {f}\n", HEXLOWER.encode(h)))
            .collect();
        lines.sort_by(|a, b| a[66..].cmp(&b[66..]));
        HEXLOWER.encode(&sha256(lines.concat().as_bytes()))
    }

    #[test]
    fn the_source_digest_is_that_of_the_sorted_sha256sum_list() {
        let names = [
            "b.crt",
            "a.crt",
            "a",
            "a\tb",
            "a\nb",
            "a/b.crt",
            "a.crt.d/x",
            "",
            "ä.crt",
            "a\u{1}",
            "A.crt",
        ];
        let mut collected = Part::default();
        for (i, name) in names.iter().enumerate() {
            collected.read(name, format!("content {i}").as_bytes());
        }
        assert_eq!(collected.source_digest(), Some(digest_of_lines(&collected.digests)));
        // Already in the list's order (as a walk mostly gives them): the same digest, unsorted.
        let mut in_order = Part::default();
        let names = ["", "A.crt", "a\tb", "a", "a\nb", "a.crt", "a/b.crt", "b.crt"];
        assert!(names.windows(2).all(|p| line_order(p[0], p[1]) == Ordering::Less));
        for (i, name) in names.iter().enumerate() {
            in_order.read(name, format!("content {i}").as_bytes());
        }
        assert_eq!(in_order.source_digest(), Some(digest_of_lines(&in_order.digests)));
        // Two files: the digest of `sha256sum`'s output for them, sorted by name.
        let mut two = Part::default();
        two.read("b", b"2");
        two.read("a", b"1");
        let list = format!(
            "{}  a\n{}  b\n",
            HEXLOWER.encode(&sha256(b"1")),
            HEXLOWER.encode(&sha256(b"2"))
        );
        assert_eq!(two.source_digest(), Some(HEXLOWER.encode(&sha256(list.as_bytes()))));
        // One file: its own digest.
        let mut one = Part::default();
        one.read("a", b"1");
        assert_eq!(one.source_digest(), Some(HEXLOWER.encode(&sha256(b"1"))));
        assert_eq!(Part::default().source_digest(), None);
    }
}
