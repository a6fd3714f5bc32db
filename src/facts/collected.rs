//! What one collector returns: the source record and the facts read from that source.

use super::model::{CollectionError, Facts, SourceKind, SourceRecord};

/// Facts gathered from one source, concatenated into the document in source order.
#[derive(Debug, Clone, Default)]
pub struct Collected {
    /// The source record.
    pub source: SourceRecord,
    /// What was read.
    pub facts: Facts,
    /// `(file as shown, SHA-256)` of every file (or command output) read, for the source's digest.
    pub digests: Vec<(String, String)>,
}

impl Collected {
    /// An empty result for a source.
    pub fn for_source(kind: SourceKind, path: &str) -> Self {
        Collected {
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
        self.digests
            .push((shown.to_string(), super::certificate::sha256_hex(bytes)));
    }

    /// The source's digest: the SHA-256 of its one file, or of the `sha256sum`-style list
    /// (`<hash>  <file>` lines, sorted by file) of all of them; `None` when nothing was read.
    pub fn source_digest(&self) -> Option<String> {
        match self.digests.as_slice() {
            [] => None,
            [(_, one)] => Some(one.clone()),
            many => {
                let mut lines: Vec<String> = many.iter().map(|(f, h)| format!("{h}  {f}\n")).collect();
                lines.sort_by(|a, b| a[66..].cmp(&b[66..]));
                Some(super::certificate::sha256_hex(lines.concat().as_bytes()))
            }
        }
    }

    /// Adds an error and returns self (for early exits).
    pub fn with_error(mut self, error: CollectionError) -> Self {
        self.facts.errors.push(error);
        self
    }

    /// Appends everything from `other` (a part of the same source, such as one file of a
    /// directory) except its source record, whose file counts are added.
    pub fn absorb(&mut self, other: Collected) {
        self.source.files_read += other.source.files_read;
        self.source.files_skipped += other.source.files_skipped;
        self.facts.absorb(other.facts);
        self.digests.extend(other.digests);
    }
}
