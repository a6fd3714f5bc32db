//! Line numbers for JSON values. serde_json keeps no positions, and SARIF regions want the line
//! where a cluster or node object starts, so this scans the text once and reports the start line
//! of the values at the JSON pointers asked for.

use std::collections::{HashMap, HashSet};

enum Frame {
    Object { key: Option<String>, expecting_key: bool },
    Array { index: usize },
}

/// Returns the 1-based start line of each value in `wanted` (RFC 6901 pointers like
/// `/items/2`) found in `text`. Linear in the text; malformed text yields what was found.
pub fn start_lines(text: &str, wanted: &HashSet<String>) -> HashMap<String, u32> {
    start_lines_counting(text, wanted, &mut 0)
}

/// [`start_lines`], adding to `work` the bytes it hashes or copies beyond reading the text once
/// (for the test that proves it linear without timing anything). Two things kept it linear on
/// hostile text (1.6 MB took 30 s): the current pointer is looked up only when it is no longer
/// than the longest wanted one (`[[[[…` made every lookup hash the whole depth), and an object
/// key is used for one value only (`{"<1 MB key>": {}{}{}…` copied the key at every brace).
fn start_lines_counting(text: &str, wanted: &HashSet<String>, work: &mut usize) -> HashMap<String, u32> {
    let mut found = HashMap::new();
    if wanted.is_empty() {
        return found;
    }
    let longest = wanted.iter().map(String::len).max().unwrap_or(0);
    let mut stack: Vec<Frame> = Vec::new();
    let mut pointer = String::new();
    let mut lengths: Vec<usize> = Vec::new();
    let mut line: u32 = 1;
    let mut chars = text.chars().peekable();
    let mut pending_string = String::new();
    while let Some(c) = chars.next() {
        match c {
            '\n' => line += 1,
            '"' => {
                pending_string.clear();
                while let Some(s) = chars.next() {
                    match s {
                        '\\' => {
                            if let Some(escaped) = chars.next() {
                                pending_string.push(escaped);
                            }
                        }
                        '"' => break,
                        '\n' => {
                            line += 1;
                            pending_string.push(s)
                        }
                        _ => pending_string.push(s),
                    }
                }
                match stack.last_mut() {
                    Some(Frame::Object { key, expecting_key }) if *expecting_key => {
                        *key = Some(std::mem::take(&mut pending_string));
                        *expecting_key = false;
                    }
                    _ => {}
                }
            }
            '{' | '[' => {
                let segment = match stack.last_mut() {
                    Some(Frame::Object { key, .. }) => key.take().map(|k| {
                        *work += k.len();
                        k.replace('~', "~0").replace('/', "~1")
                    }),
                    Some(Frame::Array { index }) => Some(index.to_string()),
                    None => Some(String::new()),
                };
                lengths.push(pointer.len());
                if let Some(seg) = segment {
                    if !stack.is_empty() {
                        pointer.push('/');
                        pointer.push_str(&seg);
                    }
                    if pointer.len() <= longest {
                        *work += pointer.len();
                        if wanted.contains(&pointer) {
                            found.entry(pointer.clone()).or_insert(line);
                        }
                    }
                }
                stack.push(if c == '{' {
                    Frame::Object {
                        key: None,
                        expecting_key: true,
                    }
                } else {
                    Frame::Array { index: 0 }
                });
            }
            '}' | ']' => {
                stack.pop();
                if let Some(len) = lengths.pop() {
                    pointer.truncate(len);
                }
            }
            ',' => match stack.last_mut() {
                Some(Frame::Object { key, expecting_key }) => {
                    *key = None;
                    *expecting_key = true;
                }
                Some(Frame::Array { index }) => *index += 1,
                None => {}
            },
            _ => {}
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn want(p: &[&str]) -> HashSet<String> {
        p.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn finds_array_elements_and_nested_objects() {
        let text = "{\n  \"items\": [\n    {\"a\": \"x,{]\"},\n    {\n      \"b\": {\"c\": 1}\n    }\n  ]\n}\n";
        let lines = start_lines(text, &want(&["", "/items/0", "/items/1", "/items/1/b"]));
        assert_eq!(lines[""], 1);
        assert_eq!(lines["/items/0"], 3);
        assert_eq!(lines["/items/1"], 4);
        assert_eq!(lines["/items/1/b"], 5);
    }

    /// Doubling hostile text at most doubles the work (counted, not timed).
    #[test]
    fn hostile_text_costs_linear_work() {
        let wanted = want(&["", "/items/0", "/items/1/spec"]);
        let deep = |n: usize| "[".repeat(n);
        let key = |n: usize| format!("{{\"{}\": {}", "k".repeat(n), "{}".repeat(n));
        let many = |n: usize| format!("{{\"items\": [{}]}}", vec!["{\"spec\": {}}"; n].join(","));
        for make in [&deep as &dyn Fn(usize) -> String, &key, &many] {
            let mut previous = None;
            for n in [25_000, 50_000, 100_000] {
                let mut work = 0;
                start_lines_counting(&make(n), &wanted, &mut work);
                if let Some(before) = previous {
                    // 2.2: array indexes grow a digit now and then.
                    assert!(work * 10 <= 22 * before + 640, "{n}: {work} after {before}");
                }
                previous = Some(work.max(1));
            }
        }
    }

    #[test]
    fn malformed_text_does_not_panic() {
        let lines = start_lines("]]}}{\"a", &want(&["/a"]));
        assert!(lines.is_empty());
    }
}
