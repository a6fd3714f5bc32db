//! Walking a `--certs` directory: every regular file below it, in file-name order, following
//! symbolic links.
//!
//! - The kind of each entry comes from the directory listing itself (`d_type`), so a directory
//!   of 100,000 certificates costs no `stat` per file; only symbolic links are resolved.
//! - A link back to a directory above it (a loop) is reported and not followed.
//! - A directory reached again by another path (a link "diamond") is walked once: its files
//!   are already listed, and forty levels of two links each would otherwise mean 2^40 paths.
//! - Anything else that is not a regular file (sockets, FIFOs, devices), or a link to one, is
//!   reported and not read: reading it could block forever.
//! - A tree deeper than [`Limits::depth`] directories, or with more than [`Limits::entries`]
//!   entries, is cut there, and the cut is reported.

use std::collections::HashSet;
use std::fs::FileType;
use std::io;
use std::path::{Path, PathBuf};

use crate::safe_io::special_kind;

/// What went wrong with one path of the walk; the walk goes on.
#[derive(Debug)]
pub enum WalkError {
    /// A symbolic link points at a directory above it.
    Loop,
    /// The path could not be read (permission, a broken link, ...).
    Io(io::Error),
    /// Not a regular file or directory (a FIFO, socket or device; the words say which).
    Special(&'static str),
    /// The directory lies deeper than the depth limit: not walked.
    TooDeep(usize),
    /// The walk stopped here: the entry limit was reached.
    TooManyEntries(usize),
}

/// How far a walk goes before it stops and says so.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Directories below the root (real trees are a few levels deep).
    pub depth: usize,
    /// Directory entries listed in all (files, directories, links).
    pub entries: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            depth: 64,
            entries: 10_000_000,
        }
    }
}

/// The regular files under a directory, and what could not be walked.
#[derive(Debug, Default)]
pub struct Walk {
    /// Files, in walk order (each directory's entries sorted by name, depth first).
    pub files: Vec<PathBuf>,
    /// Paths that could not be walked, in walk order.
    pub errors: Vec<(PathBuf, WalkError)>,
}

impl std::fmt::Display for WalkError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WalkError::Loop => write!(f, "symbolic link loop: the link points back at a directory above it"),
            WalkError::Io(e) => write!(f, "{}", crate::safe_io::io_message(e)),
            WalkError::Special(what) => write!(
                f,
                "is {what}, not a regular file: not read (it could block or never end)"
            ),
            WalkError::TooDeep(depth) => write!(f, "lies more than {depth} directories deep: not walked"),
            WalkError::TooManyEntries(limit) => {
                write!(
                    f,
                    "the walk stopped here: more than {limit} directory entries below the root"
                )
            }
        }
    }
}

/// A directory's identity, to recognise it again by another path.
type DirId = (u64, u64);

#[cfg(unix)]
fn dir_id(meta: &std::fs::Metadata) -> Option<DirId> {
    use std::os::unix::fs::MetadataExt;
    Some((meta.dev(), meta.ino()))
}

#[cfg(not(unix))]
fn dir_id(_meta: &std::fs::Metadata) -> Option<DirId> {
    None
}

/// Walks the directory `root` (a link to one is followed) within the default [`Limits`].
pub fn walk(root: &Path) -> Walk {
    walk_within(root, Limits::default())
}

/// Walks the directory `root` within `limits`.
pub fn walk_within(root: &Path, limits: Limits) -> Walk {
    let mut walk = Walk::default();
    let mut walker = Walker {
        visited: HashSet::new(),
        ancestors: Vec::new(),
        limits,
        depth: 0,
        listed: 0,
        stopped: false,
        out: &mut walk,
    };
    match std::fs::metadata(root) {
        Ok(meta) => walker.directory(root, dir_id(&meta)),
        Err(e) => walker.out.errors.push((root.to_path_buf(), WalkError::Io(e))),
    }
    walk
}

struct Walker<'a> {
    visited: HashSet<DirId>,
    ancestors: Vec<DirId>,
    limits: Limits,
    /// Directories below the root of the one being listed.
    depth: usize,
    /// Entries listed so far.
    listed: usize,
    /// The entry limit was reached (and reported): nothing more is listed.
    stopped: bool,
    out: &'a mut Walk,
}

impl Walker<'_> {
    fn directory(&mut self, dir: &Path, id: Option<DirId>) {
        if self.stopped {
            return;
        }
        if self.depth > self.limits.depth {
            self.out
                .errors
                .push((dir.to_path_buf(), WalkError::TooDeep(self.limits.depth)));
            return;
        }
        if let Some(id) = id {
            if self.ancestors.contains(&id) {
                self.out.errors.push((dir.to_path_buf(), WalkError::Loop));
                return;
            }
            if !self.visited.insert(id) {
                return;
            }
            self.ancestors.push(id);
        }
        self.depth += 1;
        match list(dir) {
            Ok(entries) => {
                for (path, kind) in entries {
                    if self.stopped {
                        break;
                    }
                    self.listed += 1;
                    if self.listed > self.limits.entries {
                        self.stopped = true;
                        self.out
                            .errors
                            .push((path, WalkError::TooManyEntries(self.limits.entries)));
                        break;
                    }
                    self.entry(path, kind);
                }
            }
            Err(e) => self.out.errors.push((dir.to_path_buf(), WalkError::Io(e))),
        }
        self.depth -= 1;
        if id.is_some() {
            self.ancestors.pop();
        }
    }

    fn entry(&mut self, path: PathBuf, kind: FileType) {
        if kind.is_file() {
            self.out.files.push(path);
        } else if kind.is_dir() {
            match std::fs::symlink_metadata(&path) {
                Ok(meta) => self.directory(&path, dir_id(&meta)),
                Err(e) => self.out.errors.push((path, WalkError::Io(e))),
            }
        } else if kind.is_symlink() {
            match std::fs::metadata(&path) {
                Ok(meta) if meta.is_file() => self.out.files.push(path),
                Ok(meta) if meta.is_dir() => {
                    let id = dir_id(&meta);
                    self.directory(&path, id);
                }
                Ok(meta) => self
                    .out
                    .errors
                    .push((path, WalkError::Special(special_kind(&meta.file_type())))),
                Err(e) => self.out.errors.push((path, WalkError::Io(e))),
            }
        } else {
            self.out.errors.push((path, WalkError::Special(special_kind(&kind))));
        }
    }
}

/// The entries of `dir`, sorted by name, with their kind as the listing gives it.
fn list(dir: &Path) -> io::Result<Vec<(PathBuf, FileType)>> {
    let mut entries = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        entries.push((entry.file_name(), entry.file_type()?));
    }
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(entries.into_iter().map(|(name, kind)| (dir.join(name), kind)).collect())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn files_come_sorted_depth_first() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        std::fs::create_dir_all(root.join("b/c")).expect("mkdir");
        for f in ["z.pem", "a.pem", "b/c/x.pem", "b/y.pem"] {
            std::fs::write(root.join(f), "x").expect("write");
        }
        let found: Vec<String> = walk(root)
            .files
            .iter()
            .map(|p| p.strip_prefix(root).expect("below").display().to_string())
            .collect();
        assert_eq!(found, ["a.pem", "b/c/x.pem", "b/y.pem", "z.pem"]);
    }

    #[test]
    fn loops_are_errors_and_diamonds_are_walked_once() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        // 30 levels, each with two links to the next: 2^30 paths if every path were walked.
        for level in 0..30 {
            std::fs::create_dir_all(root.join(format!("l{level}"))).expect("mkdir");
        }
        for level in 0..29 {
            let here = root.join(format!("l{level}"));
            symlink(root.join(format!("l{}", level + 1)), here.join("a")).expect("link");
            symlink(root.join(format!("l{}", level + 1)), here.join("b")).expect("link");
        }
        std::fs::write(root.join("l29/cert.pem"), "x").expect("write");
        // A link from the deepest level back to the first: a loop.
        symlink(root.join("l0"), root.join("l29/back")).expect("link");
        let walk = walk(&root.join("l0"));
        assert_eq!(walk.files.len(), 1, "{:?}", walk.files);
        assert_eq!(walk.errors.len(), 1, "{:?}", walk.errors);
        assert!(matches!(&walk.errors[0], (p, WalkError::Loop) if p.ends_with("back")));
    }

    #[test]
    fn broken_links_and_special_files_are_errors() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        symlink(root.join("nowhere"), root.join("broken")).expect("link");
        std::fs::write(root.join("ok.pem"), "x").expect("write");
        let fifo = std::ffi::CString::new(root.join("pipe").to_str().expect("utf8")).expect("c");
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);
        symlink(root.join("pipe"), root.join("to-pipe")).expect("link");
        let walk = walk(root);
        assert_eq!(walk.files.len(), 1);
        assert!(
            matches!(&walk.errors[..], [
            (a, WalkError::Io(_)),
            (b, WalkError::Special(_)),
            (c, WalkError::Special(_)),
        ] if a.ends_with("broken") && b.ends_with("pipe") && c.ends_with("to-pipe")),
            "{:?}",
            walk.errors
        );
    }

    #[test]
    fn depth_and_entry_limits_are_errors() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        std::fs::create_dir_all(root.join("a/b/c/d")).expect("mkdir");
        std::fs::write(root.join("a/b/c/d/deep.pem"), "x").expect("write");
        std::fs::write(root.join("a/top.pem"), "x").expect("write");
        let shallow = walk_within(root, Limits { depth: 2, entries: 100 });
        assert_eq!(shallow.files.len(), 1);
        assert!(matches!(&shallow.errors[..], [(p, WalkError::TooDeep(2))] if p.ends_with("c")));
        let few = walk_within(root, Limits { depth: 64, entries: 3 });
        assert!(
            matches!(few.errors.last(), Some((_, WalkError::TooManyEntries(3)))),
            "{:?}",
            few.errors
        );
    }
}
