//! Pretty JSON for large documents, written in parallel, byte for byte what
//! `serde_json::to_writer_pretty` writes.
//!
//! A facts document or a SARIF log is mostly one long array (certificates, results). The
//! document is serialized once with that array empty (the skeleton), and the array's items are
//! serialized in parallel chunks, each with a pretty formatter that starts at the depth where
//! the array sits, and spliced in where the skeleton has `"key": []`.

use std::io::{self, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use rayon::prelude::*;
use serde::Serialize;

/// serde_json's pretty indentation: two spaces per level.
const INDENT: &[u8] = b"  ";

/// Spaces ready to be written after a line break: enough for 32 levels.
const SPACES: usize = 64;

/// `,\n` and [`SPACES`] spaces, sliced for each line break.
const NEWLINE_AND_SPACES: &[u8; 2 + SPACES] = b",\n                                                                ";

/// Items per parallel piece: big enough to amortise the hand-off, small enough to spread.
const PIECE: usize = 1024;

/// Pieces serialized before they are written out: bounds the memory held by a long array to a
/// few megabytes, whatever its length.
const PIECES_IN_FLIGHT: usize = 4;

/// Serializes one item into a buffer with the given serializer (`|item, ser| item.serialize(ser)`).
pub trait ItemWriter<T>: Fn(&T, &mut Serializer<'_>) -> serde_json::Result<()> + Sync {}

impl<T, F: Fn(&T, &mut Serializer<'_>) -> serde_json::Result<()> + Sync> ItemWriter<T> for F {}

/// A JSON serializer writing pretty output that starts at some depth.
pub type Serializer<'a> = serde_json::Serializer<&'a mut Vec<u8>, Indented>;

/// The [`ItemWriter`] of items that are themselves `Serialize`.
pub fn itself<T: Serialize>(item: &T, ser: &mut Serializer<'_>) -> serde_json::Result<()> {
    item.serialize(ser)
}

/// serde_json's pretty format (two spaces per level), starting `depth` levels in.
#[derive(Debug, Clone)]
pub struct Indented {
    depth: usize,
    has_value: bool,
}

impl Indented {
    fn at(depth: usize) -> Self {
        Indented {
            depth,
            has_value: false,
        }
    }

    fn newline<W: ?Sized + Write>(&self, writer: &mut W, first: bool) -> io::Result<()> {
        // One write per line break: this runs for every key of every item.
        let line = if first {
            &NEWLINE_AND_SPACES[1..]
        } else {
            &NEWLINE_AND_SPACES[..]
        };
        match line.get(..line.len() - SPACES + INDENT.len() * self.depth) {
            Some(prefix) => writer.write_all(prefix),
            None => {
                writer.write_all(&line[..line.len() - SPACES])?;
                (0..self.depth).try_for_each(|_| writer.write_all(INDENT))
            }
        }
    }

    fn close<W: ?Sized + Write>(&mut self, writer: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.depth -= 1;
        if self.has_value {
            writer.write_all(b"\n")?;
            for _ in 0..self.depth {
                writer.write_all(INDENT)?;
            }
        }
        writer.write_all(bracket)
    }
}

impl serde_json::ser::Formatter for Indented {
    fn begin_array<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        writer.write_all(b"[")
    }
    fn end_array<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.close(writer, b"]")
    }
    fn begin_array_value<W: ?Sized + Write>(&mut self, writer: &mut W, first: bool) -> io::Result<()> {
        self.newline(writer, first)
    }
    fn end_array_value<W: ?Sized + Write>(&mut self, _writer: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
    fn begin_object<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        writer.write_all(b"{")
    }
    fn end_object<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.close(writer, b"}")
    }
    fn begin_object_key<W: ?Sized + Write>(&mut self, writer: &mut W, first: bool) -> io::Result<()> {
        self.newline(writer, first)
    }
    fn begin_object_value<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        writer.write_all(b": ")
    }
    fn end_object_value<W: ?Sized + Write>(&mut self, _writer: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
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

/// [`write_spliced`] for a skeleton with several empty arrays under `key` (one per run of a
/// SARIF log): the n-th placeholder is filled with `parts[n]`.
pub fn write_spliced_parts<T: Sync>(
    out: &mut dyn Write,
    skeleton: &[u8],
    key: &str,
    depth: usize,
    parts: &[&[T]],
    item: impl ItemWriter<T>,
) -> io::Result<()> {
    let placeholder = placeholder(key, depth);
    let mut rest = skeleton;
    for part in parts {
        let Some(at) = find(rest, &placeholder) else {
            return Err(io::Error::other(format!(
                "no empty `{key}` array to fill in the document"
            )));
        };
        let head = at + placeholder.len() - 2;
        out.write_all(&rest[..head])?;
        write_array(out, depth, part, &item)?;
        rest = &rest[at + placeholder.len()..];
    }
    out.write_all(rest)
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
    out.write_all(b"[")?;
    write_items(out, depth, items, item, true)?;
    close_array(out, depth)
}

/// Ends a non-empty array whose own line is indented `depth` levels.
pub fn close_array(out: &mut dyn Write, depth: usize) -> io::Result<()> {
    out.write_all(b"\n")?;
    out.write_all(&INDENT.repeat(depth))?;
    out.write_all(b"]")
}

/// An array written a part at a time (items that stream past, never all in memory): the inside
/// of the array, each item after its line break and indentation, as [`write_array`] writes it.
/// [`ArrayParts::splice`] puts the parts, written to a file as they came, into a document.
#[derive(Debug, Clone, Copy)]
pub struct ArrayParts {
    depth: usize,
    items: usize,
}

impl ArrayParts {
    /// The parts of an array whose own line is indented `depth` levels.
    pub fn new(depth: usize) -> Self {
        ArrayParts { depth, items: 0 }
    }

    /// Writes the next `items`.
    pub fn write<T: Sync>(&mut self, out: &mut dyn Write, items: &[T], item: impl ItemWriter<T>) -> io::Result<()> {
        if items.is_empty() {
            return Ok(());
        }
        write_items(out, self.depth, items, item, self.items == 0)?;
        self.items += items.len();
        Ok(())
    }

    /// Items written so far.
    pub fn len(&self) -> usize {
        self.items
    }

    /// Whether nothing was written.
    pub fn is_empty(&self) -> bool {
        self.items == 0
    }

    /// Writes `skeleton` (see [`write_spliced`]) with the array under `key` made of the parts
    /// `inside` reads back.
    pub fn splice(&self, out: &mut dyn Write, skeleton: &[u8], key: &str, inside: &mut dyn io::Read) -> io::Result<()> {
        let placeholder = placeholder(key, self.depth);
        let Some(at) = find(skeleton, &placeholder) else {
            return Err(io::Error::other(format!(
                "no empty `{key}` array to fill in the document"
            )));
        };
        let head = at + placeholder.len() - 2;
        out.write_all(&skeleton[..head])?;
        if self.items == 0 {
            out.write_all(b"[]")?;
        } else {
            out.write_all(b"[")?;
            io::copy(inside, &mut WriteAll(out))?;
            close_array(out, self.depth)?;
        }
        out.write_all(&skeleton[at + placeholder.len()..])
    }
}

/// `&mut dyn Write` as a sized writer, for `io::copy`.
struct WriteAll<'a>(&'a mut dyn Write);

impl Write for WriteAll<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

/// Writes `items` as the inside of an array at `depth` (each after its line break, with a comma
/// before every one but the array's very first, `first`).
fn write_items<T: Sync>(
    out: &mut dyn Write,
    depth: usize,
    items: &[T],
    item: impl ItemWriter<T>,
    first: bool,
) -> io::Result<()> {
    let item_indent = INDENT.repeat(depth + 1);
    // Buffers are recycled from one batch to the one after next, sized from the bytes per item
    // seen so far: fresh memory costs a page fault per page, and regrowing a buffer copies it.
    let spare: Mutex<Vec<Vec<u8>>> = Mutex::new(Vec::new());
    let bytes_per_item = AtomicUsize::new(1024);
    let serialize = |batch: usize, group: &[T]| -> io::Result<Vec<Vec<u8>>> {
        group
            .par_chunks(PIECE)
            .enumerate()
            .map(|(n, chunk)| -> io::Result<Vec<u8>> {
                let wanted = chunk.len() * bytes_per_item.load(Ordering::Relaxed);
                let recycled = spare.lock().ok().and_then(|mut s| s.pop());
                let mut buf = recycled.unwrap_or_default();
                buf.reserve(wanted + wanted / 8);
                for (i, value) in chunk.iter().enumerate() {
                    let first = first && batch == 0 && n == 0 && i == 0;
                    buf.extend_from_slice(if first { b"\n" } else { b",\n" });
                    buf.extend_from_slice(&item_indent);
                    let mut ser = serde_json::Serializer::with_formatter(&mut buf, Indented::at(depth + 1));
                    item(value, &mut ser).map_err(io::Error::other)?;
                }
                bytes_per_item.fetch_max(buf.len().div_ceil(chunk.len()), Ordering::Relaxed);
                Ok(buf)
            })
            .collect()
    };
    // Each batch is written while the next one is serialized.
    let mut groups = items.chunks(PIECE * PIECES_IN_FLIGHT).enumerate();
    let mut pending = match groups.next() {
        Some((batch, group)) => serialize(batch, group)?,
        None => Vec::new(),
    };
    loop {
        let next = groups.next();
        let mut serialized = None;
        let mut written = Ok(());
        rayon::in_place_scope(|scope| {
            if let Some((batch, group)) = next {
                let serialized = &mut serialized;
                let serialize = &serialize;
                scope.spawn(move |_| *serialized = Some(serialize(batch, group)));
            }
            written = pending.iter().try_for_each(|piece| out.write_all(piece));
        });
        written?;
        if let Ok(mut spare) = spare.lock() {
            spare.extend(pending.drain(..).map(|mut piece| {
                piece.clear();
                piece
            }));
        }
        match serialized.transpose()? {
            Some(pieces) => pending = pieces,
            None => break,
        }
    }
    Ok(())
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
    fn deep_nesting_past_the_ready_made_indentation_is_still_serde_json() {
        // Items nested deeper than the spaces kept for one write per line break (32 levels).
        let mut deep = serde_json::json!({"leaf": [1, "two"]});
        for level in 0..40 {
            deep = serde_json::json!({ "level": level, "inner": [deep] });
        }
        let all = vec![deep.clone(), deep];
        let expected = serde_json::to_vec_pretty(&serde_json::json!({"items": all, "after": 1})).expect("json");
        let skeleton = serde_json::to_vec_pretty(&serde_json::json!({"items": [], "after": 1})).expect("json");
        let mut out = Vec::new();
        write_spliced(&mut out, &skeleton, "items", 1, &all, itself).expect("writes");
        assert_eq!(String::from_utf8_lossy(&out), String::from_utf8_lossy(&expected));
    }

    #[test]
    fn an_array_written_in_parts_is_the_array_written_at_once() {
        let skeleton = serde_json::to_vec_pretty(&Doc {
            before: 1,
            items: vec![],
            after: vec!["x".into()],
        })
        .expect("json");
        for sizes in [
            vec![],
            vec![0],
            vec![1],
            vec![0, 3, 0, 2],
            vec![PIECE + 1, 5, 2 * PIECE],
        ] {
            let all = items(sizes.iter().sum());
            let mut expected = Vec::new();
            write_spliced(&mut expected, &skeleton, "items", 1, &all, itself).expect("writes");
            let mut parts = ArrayParts::new(1);
            let mut inside = Vec::new();
            let mut at = 0;
            for n in &sizes {
                parts.write(&mut inside, &all[at..at + n], itself).expect("part");
                at += n;
            }
            let mut out = Vec::new();
            parts
                .splice(&mut out, &skeleton, "items", &mut inside.as_slice())
                .expect("spliced");
            assert_eq!(
                String::from_utf8_lossy(&out),
                String::from_utf8_lossy(&expected),
                "{sizes:?}"
            );
        }
    }

    #[test]
    fn a_missing_placeholder_is_an_error() {
        let mut out = Vec::new();
        assert!(write_spliced(&mut out, b"{}", "items", 1, &[1u8], itself).is_err());
    }
}
