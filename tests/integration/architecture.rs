//! The layers of `docs/architecture.md`, checked on the source: every `crate::` and `super::` path
//! (in `use` statements and in code) is an import; imports only go down the layers, and no module
//! imports one that imports it back (at the level of files, re-exports followed to where a name
//! is defined).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::util::root;

/// What each top-level module may use, besides itself and the leaves. The drawing of
/// `docs/architecture.md`, with the arrows that go past a layer spelled out.
const ALLOWED: &[(&str, &[&str])] = &[
    (
        "commands",
        &[
            "cli",
            "pipeline",
            "report",
            "triage",
            "compliance",
            "policy",
            "sources",
            "findings",
            "facts",
        ],
    ),
    (
        "cli",
        &["pipeline", "report", "triage", "policy", "sources", "findings", "facts"],
    ),
    ("report", &["triage", "compliance", "policy", "findings", "facts"]),
    (
        "pipeline",
        &["sources", "triage", "compliance", "policy", "findings", "facts"],
    ),
    ("triage", &["findings", "facts"]),
    ("compliance", &["policy", "findings", "facts"]),
    ("policy", &["findings", "facts"]),
    ("sources", &["facts"]),
    ("findings", &["facts"]),
    ("facts", &[]),
];

/// Modules that depend on nothing of the crate but other leaves.
const LEAVES: &[&str] = &[
    "address",
    "choice",
    "clock",
    "paths",
    "pretty_json",
    "safe_io",
    "sanitize",
    "log",
    "walk",
];

/// A module of the crate, as the path of its file below `src` without the extension
/// (`policy/engine`, `sources/mod` is `sources`).
type Module = String;

/// Every module file below `src`, with its text.
fn modules() -> BTreeMap<Module, String> {
    let src = root().join("src");
    let mut out = BTreeMap::new();
    let mut stack = vec![src.clone()];
    while let Some(path) = stack.pop() {
        if path.is_dir() {
            stack.extend(std::fs::read_dir(&path).expect("dir").map(|e| e.expect("entry").path()));
            continue;
        }
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let rel = path.strip_prefix(&src).expect("below src").with_extension("");
        let mut name = rel.to_string_lossy().replace('\\', "/");
        if let Some(parent) = name.strip_suffix("/mod") {
            name = parent.to_string();
        }
        if name == "lib" || name == "main" {
            continue;
        }
        out.insert(name, std::fs::read_to_string(&path).expect("read"));
    }
    out
}

/// The code of a file without comments, string literals and `#[cfg(test)]` modules: tests may
/// reach anywhere.
fn code_of(text: &str) -> String {
    let text = ["#[cfg(test)]\nmod tests", "#[cfg(all(test, unix))]\nmod tests"]
        .iter()
        .filter_map(|marker| text.find(marker))
        .min()
        .map_or(text, |at| &text[..at]);
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("//") {
            continue;
        }
        let mut in_string = false;
        let mut prev = ' ';
        for c in line.chars() {
            if c == '"' && prev != '\\' {
                in_string = !in_string;
            } else if !in_string {
                out.push(c);
            }
            prev = if prev == '\\' && c == '\\' { ' ' } else { c };
        }
        out.push('\n');
    }
    out
}

/// Expands `use` trees: `a::{b, c::{d, e}}` gives `a::b`, `a::c::d`, `a::c::e`.
fn expand(tree: &str, prefix: &str, out: &mut Vec<String>) {
    let tree = tree.trim();
    match tree.find('{') {
        None => {
            for item in tree.split(',') {
                let item = item.trim().split(" as ").next().unwrap_or("").trim();
                if !item.is_empty() {
                    out.push(format!("{prefix}{item}"));
                }
            }
        }
        Some(open) => {
            let head = tree[..open].trim();
            let close = tree.rfind('}').unwrap_or(tree.len());
            let inner = &tree[open + 1..close];
            // Split `inner` at top-level commas.
            let mut depth = 0;
            let mut start = 0;
            let mut parts = Vec::new();
            for (i, c) in inner.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        parts.push(&inner[start..i]);
                        start = i + 1;
                    }
                    _ => {}
                }
            }
            parts.push(&inner[start..]);
            for part in parts {
                expand(part, &format!("{prefix}{head}"), out);
            }
        }
    }
}

/// Every path a file names: `use` trees expanded, and `crate::`/`super::` paths in code.
fn paths_named(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("use ") {
        let before = rest[..at].chars().last();
        let after = &rest[at + 4..];
        if before.is_none_or(|c| c.is_whitespace() || c == ';' || c == '{' || c == '}') {
            if let Some(end) = after.find(';') {
                let tree: String = after[..end].split_whitespace().collect::<Vec<_>>().join(" ");
                expand(&tree, "", &mut out);
                rest = &after[end..];
                continue;
            }
        }
        rest = after;
    }
    for start in ["crate::", "super::"] {
        for (at, _) in code.match_indices(start) {
            if code[..at]
                .chars()
                .last()
                .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':')
            {
                continue;
            }
            let path: String = code[at..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            out.push(path.trim_end_matches(':').to_string());
        }
    }
    out.retain(|p| p.contains("::"));
    out
}

/// Bare paths in code that start with one of `children` (`kubeconfig::collect(...)` in
/// `sources/mod.rs`).
fn child_paths(code: &str, children: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    for child in children {
        let needle = format!("{child}::");
        for (at, _) in code.match_indices(&needle) {
            if code[..at]
                .chars()
                .last()
                .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':')
            {
                continue;
            }
            let path: String = code[at..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            out.push(path.trim_end_matches(':').to_string());
        }
    }
    out
}

/// The paths `pub use` statements of a file re-export.
fn reexports(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (at, _) in code.match_indices("pub use ") {
        if let Some(end) = code[at..].find(';') {
            let tree: String = code[at + 8..at + end].split_whitespace().collect::<Vec<_>>().join(" ");
            expand(&tree, "", &mut out);
        }
    }
    out
}

/// The module a path names, from inside `from`: the longest prefix that is a module file,
/// followed through `pub use` re-exports to the module that defines the name.
fn resolve(path: &str, from: &str, files: &BTreeMap<Module, String>) -> Option<Module> {
    let mut parts: Vec<&str> = path.split("::").collect();
    let mut base: Vec<String> = Vec::new();
    match parts.first() {
        Some(&"crate") => {
            parts.remove(0);
        }
        // A bare path from inside a module: `child::f` names a child module of `from`.
        Some(first) if !matches!(*first, "super" | "self") && files.contains_key(&format!("{from}/{first}")) => {
            base = from.split('/').map(str::to_string).collect();
        }
        Some(first) if !matches!(*first, "super" | "self") => return None,
        Some(_) => {
            base = from.split('/').map(str::to_string).collect();
            // Inside `a/b` (a file), `self` is `a/b` and `super` is `a`; inside a directory
            // module the same holds of its `mod.rs`.
            while let Some(&first) = parts.first() {
                match first {
                    "super" => {
                        base.pop();
                    }
                    "self" => {}
                    _ => break,
                }
                parts.remove(0);
            }
        }
        None => return None,
    }
    let mut module = base.join("/");
    let mut last_module = (!module.is_empty()).then(|| module.clone());
    for part in &parts {
        let candidate = if module.is_empty() {
            part.to_string()
        } else {
            format!("{module}/{part}")
        };
        if files.contains_key(&candidate) {
            module = candidate;
            last_module = Some(module.clone());
        } else {
            // `part` is an item of `module`: re-exported from where?
            if let Some(text) = files.get(&module) {
                let from_here = reexports(&code_of(text))
                    .into_iter()
                    .find(|named| named.rsplit("::").next() == Some(part));
                if let Some(named) = from_here {
                    return resolve(&named, &module, files).or(last_module);
                }
            }
            break;
        }
    }
    last_module
}

fn top(module: &str) -> &str {
    module.split('/').next().unwrap_or(module)
}

#[test]
fn imports_only_go_down_the_layers_and_no_module_imports_one_that_imports_it_back() {
    let files = modules();
    let allowed: BTreeMap<&str, &[&str]> = ALLOWED.iter().copied().collect();
    let mut upward = Vec::new();
    let mut edges: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
    for (module, text) in &files {
        let own = top(module);
        let code = code_of(text);
        let children: Vec<&str> = files
            .keys()
            .filter_map(|m| m.strip_prefix(&format!("{module}/")))
            .filter(|rest| !rest.contains('/'))
            .collect();
        let mut named = paths_named(&code);
        named.extend(child_paths(&code, &children));
        for path in named {
            let Some(used) = resolve(&path, module, &files) else {
                continue;
            };
            if used == *module {
                continue;
            }
            let theirs = top(&used);
            let fine = own == theirs
                || LEAVES.contains(&theirs)
                || allowed.get(own).is_some_and(|list| list.contains(&theirs));
            if !fine {
                upward.push(format!("src/{module}: uses {path} ({theirs})"));
            }
            edges.entry(module.clone()).or_default().insert(used);
        }
    }
    upward.sort();
    upward.dedup();
    assert!(
        upward.is_empty(),
        "imports that go up the layers:\n{}",
        upward.join("\n")
    );

    // Cycles: any module reachable from itself.
    let mut cycles = BTreeSet::new();
    for start in files.keys() {
        let mut stack: Vec<(Module, Vec<Module>)> = vec![(start.clone(), vec![start.clone()])];
        let mut seen = BTreeSet::new();
        while let Some((node, trail)) = stack.pop() {
            for next in edges.get(&node).into_iter().flatten() {
                if next == start {
                    let mut cycle = trail.clone();
                    let min = cycle
                        .iter()
                        .enumerate()
                        .min_by_key(|(_, m)| (*m).clone())
                        .map(|(i, _)| i);
                    cycle.rotate_left(min.unwrap_or(0));
                    cycles.insert(cycle.join(" -> "));
                } else if seen.insert(next.clone()) {
                    let mut longer = trail.clone();
                    longer.push(next.clone());
                    stack.push((next.clone(), longer));
                }
            }
        }
    }
    // The check itself must see the arrows that are there.
    assert!(
        edges
            .get("sources/source")
            .is_some_and(|e| e.contains("sources/kubeconfig")),
        "the dispatch in sources/source.rs calls sources/kubeconfig"
    );
    assert!(
        edges.get("pipeline").is_some_and(|e| e.contains("policy/engine")),
        "the pipeline evaluates with policy/engine"
    );
    assert!(
        cycles.is_empty(),
        "modules that import one that imports them back:\n{}",
        cycles.into_iter().collect::<Vec<_>>().join("\n")
    );
}

#[test]
fn the_architecture_page_names_every_top_level_module() {
    let page = std::fs::read_to_string(root().join("docs/architecture.md")).expect("docs/architecture.md");
    let tops: BTreeSet<String> = modules().keys().map(|m| top(m).to_string()).collect();
    let missing: Vec<&String> = tops.iter().filter(|m| !page.contains(&format!("`{m}`"))).collect();
    assert!(missing.is_empty(), "docs/architecture.md does not name: {missing:?}");
    assert!(Path::new(&root().join("src/pipeline/mod.rs")).exists());
}
