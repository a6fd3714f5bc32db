//! Line numbers of byte offsets in a text: the line breaks found once, each offset looked up by
//! binary search (linear in the text, logarithmic per lookup, however many lookups).

/// Where every line of a text starts.
#[derive(Debug, Clone)]
pub struct LineIndex {
    /// Byte offset of each line break.
    breaks: Vec<usize>,
}

impl LineIndex {
    /// Indexes `text`.
    pub fn new(text: &str) -> Self {
        LineIndex {
            breaks: text
                .bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i)
                .collect(),
        }
    }

    /// The 1-based line of byte `offset`.
    pub fn line_of(&self, offset: usize) -> u32 {
        let line = self.breaks.partition_point(|&b| b < offset) + 1;
        u32::try_from(line).unwrap_or(u32::MAX)
    }

    /// The 1-based line where `part` starts, when `part` is a slice of `text` (the text this
    /// index was made from).
    pub fn line_of_slice(&self, text: &str, part: &str) -> Option<u32> {
        let start = (part.as_ptr() as usize).checked_sub(text.as_ptr() as usize)?;
        (start <= text.len()).then(|| self.line_of(start))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_map_to_lines() {
        let text = "a\nbc\n\nd";
        let index = LineIndex::new(text);
        assert_eq!(index.line_of(0), 1);
        assert_eq!(index.line_of(1), 1);
        assert_eq!(index.line_of(2), 2);
        assert_eq!(index.line_of(6), 4);
        assert_eq!(index.line_of_slice(text, &text[3..]), Some(2));
        let elsewhere = String::from("elsewhere");
        assert_eq!(index.line_of_slice(text, &elsewhere), None);
    }
}
