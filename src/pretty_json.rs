//! Pretty JSON for large documents, written in parallel, byte for byte what
//! `serde_json::to_writer_pretty` writes.
//!
//! A facts document or a SARIF log is mostly one long array (certificates, results). The
//! document is serialized once with that array empty (the skeleton), and the array's items are
//! serialized in parallel chunks, indented for the depth at which the array sits, and spliced in
//! where the skeleton has `"key": []`. JSON strings never hold a raw newline, so every newline in
//! an item's pretty form starts a line that needs the extra indentation.

use std::io::{self, Write};

use rayon::prelude::*;
use serde::Serialize;

/// serde_json's pretty indentation: two spaces per level.
const INDENT: &[u8] = b"  ";

/// Items per parallel piece: big enough to amortise the hand-off, small enough to spread.
const PIECE: usize = 1024;

/// Pieces serialized before they are written out: bounds the memory held by a long array to a
/// few megabytes, whatever its length.
const PIECES_IN_FLIGHT: usize = 8;

/// Serializes one item, pretty, into a buffer (`|item, buf| serde_json::to_writer_pretty(buf, item)`).
pub trait ItemWriter<T>: Fn(&T, &mut Vec<u8>) -> serde_json::Result<()> + Sync {}

impl<T, F: Fn(&T, &mut Vec<u8>) -> serde_json::Result<()> + Sync> ItemWriter<T> for F {}

/// Writes `item` pretty into `buf`: the [`ItemWriter`] of items that are themselves `Serialize`.
pub fn itself<T: Serialize>(item: &T, buf: &mut Vec<u8>) -> serde_json::Result<()> {
    serde_json::to_writer_pretty(buf, item)
}

/// Writes `skeleton` (a pretty document whose array under `key` at `depth` is empty) with that
/// array's items taken from `items`, written by `item` in parallel. `depth` is the nesting depth
/// of the object that holds `key` (the top-level object is depth 1).
pub fn write_spliced<T: Sync>(
    out: &mut dyn Write,
    skeleton: &[u8],
    key: &str,
    depth: usize,
    items: &[T],
    item: impl ItemWriter<T>,
) -> io::Result<()> {
    let placeholder = placeholder(key, depth);
    let Some(at) = find(skeleton, &placeholder) else {
        return Err(io::Error::other(format!(
            "no empty `{key}` array to fill in the document"
        )));
    };
    // Keep `"key": ` and write the filled array in place of `[]`.
    let head = at + placeholder.len() - 2;
    out.write_all(&skeleton[..head])?;
    write_array(out, depth, items, item)?;
    out.write_all(&skeleton[at + placeholder.len()..])
}

/// Writes a pretty array of `items` whose own line is indented `depth` levels, as serde_json would.
pub fn write_array<T: Sync>(
    out: &mut dyn Write,
    depth: usize,
    items: &[T],
    item: impl ItemWriter<T>,
) -> io::Result<()> {
    if items.is_empty() {
        return out.write_all(b"[]");
    }
    let item_indent = INDENT.repeat(depth + 1);
    out.write_all(b"[")?;
    for (batch, group) in items.chunks(PIECE * PIECES_IN_FLIGHT).enumerate() {
        let pieces: Vec<Vec<u8>> = group
            .par_chunks(PIECE)
            .enumerate()
            .map(|(n, chunk)| -> io::Result<Vec<u8>> {
                let mut buf = Vec::with_capacity(chunk.len() * 1024);
                let mut one = Vec::with_capacity(2048);
                for (i, value) in chunk.iter().enumerate() {
                    let first = batch == 0 && n == 0 && i == 0;
                    buf.extend_from_slice(if first { b"\n" } else { b",\n" });
                    buf.extend_from_slice(&item_indent);
                    one.clear();
                    item(value, &mut one).map_err(io::Error::other)?;
                    let mut lines = one.split(|&b| b == b'\n');
                    if let Some(first) = lines.next() {
                        buf.extend_from_slice(first);
                    }
                    for line in lines {
                        buf.push(b'\n');
                        buf.extend_from_slice(&item_indent);
                        buf.extend_from_slice(line);
                    }
                }
                Ok(buf)
            })
            .collect::<io::Result<_>>()?;
        for piece in &pieces {
            out.write_all(piece)?;
        }
    }
    out.write_all(b"\n")?;
    out.write_all(&INDENT.repeat(depth))?;
    out.write_all(b"]")
}

/// `\n<indent>"key": []` as serde_json writes an empty array member at `depth`.
fn placeholder(key: &str, depth: usize) -> Vec<u8> {
    let mut p = b"\n".to_vec();
    p.extend_from_slice(&INDENT.repeat(depth));
    p.extend_from_slice(serde_json::to_string(key).unwrap_or_default().as_bytes());
    p.extend_from_slice(b": []");
    p
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Serialize;

    #[derive(Serialize, Clone)]
    struct Item {
        name: String,
        tags: Vec<String>,
        nested: Option<Box<Item>>,
    }

    #[derive(Serialize)]
    struct Doc {
        before: u32,
        items: Vec<Item>,
        after: Vec<String>,
    }

    fn items(n: usize) -> Vec<Item> {
        (0..n)
            .map(|i| Item {
                name: format!("item \"{i}\"\n"),
                tags: (0..i % 3).map(|t| t.to_string()).collect(),
                nested: (i % 2 == 0).then(|| {
                    Box::new(Item {
                        name: "inner".into(),
                        tags: vec![],
                        nested: None,
                    })
                }),
            })
            .collect()
    }

    #[test]
    fn splicing_gives_the_same_bytes_as_serde_json() {
        for n in [0, 1, 2, PIECE, PIECE + 3, 3 * PIECE, PIECE * PIECES_IN_FLIGHT + 5] {
            let all = items(n);
            let expected = serde_json::to_vec_pretty(&Doc {
                before: 1,
                items: all.clone(),
                after: vec!["x".into()],
            })
            .expect("json");
            let skeleton = serde_json::to_vec_pretty(&Doc {
                before: 1,
                items: vec![],
                after: vec!["x".into()],
            })
            .expect("json");
            let mut out = Vec::new();
            write_spliced(&mut out, &skeleton, "items", 1, &all, itself).expect("writes");
            assert_eq!(
                String::from_utf8_lossy(&out),
                String::from_utf8_lossy(&expected),
                "{n} items"
            );
        }
    }

    #[test]
    fn a_missing_placeholder_is_an_error() {
        let mut out = Vec::new();
        assert!(write_spliced(&mut out, b"{}", "items", 1, &[1u8], itself).is_err());
    }
}
