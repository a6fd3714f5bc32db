//! What one collector returns: the source record and the facts read from that source.

use super::model::{CollectionError, Facts, SourceKind, SourceRecord};

/// Facts gathered from one source, concatenated into the document in source order.
#[derive(Debug, Clone, Default)]
pub struct Collected {
    /// The source record.
    pub source: SourceRecord,
    /// What was read.
    pub facts: Facts,
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
            },
            facts: Facts::default(),
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
    }
}
