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
    let mut found = HashMap::new();
    if wanted.is_empty() {
        return found;
    }
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
                let segment = match stack.last() {
                    Some(Frame::Object { key: Some(k), .. }) => Some(k.replace('~', "~0").replace('/', "~1")),
                    Some(Frame::Array { index }) => Some(index.to_string()),
                    Some(Frame::Object { key: None, .. }) => None,
                    None => Some(String::new()),
                };
                lengths.push(pointer.len());
                if let Some(seg) = segment {
                    if !stack.is_empty() {
                        pointer.push('/');
                        pointer.push_str(&seg);
                    }
                    if wanted.contains(&pointer) {
                        found.entry(pointer.clone()).or_insert(line);
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

    #[test]
    fn malformed_text_does_not_panic() {
        let lines = start_lines("]]}}{\"a", &want(&["/a"]));
        assert!(lines.is_empty());
    }
}
