//! `--certs`: a certificate file, or a directory walked recursively.
//!
//! Content decides, not the name: PEM bundles, DER, and base64 PEM inside text are all read.
//! Symbolic links are followed with loop detection ([`crate::walk`]), every file is read under the size
//! cap, and files are parsed in parallel. In a directory, a file that holds no certificate is
//! skipped and counted unless its name says it should be one (`.crt`, `.cer`, `.pem`, `.der`),
//! in which case it is an error; a file named on the command line must hold one.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::walk::{self, WalkError};
use rayon::prelude::*;

use crate::facts::model::*;
use crate::facts::part::{list_digest, Part};
use crate::facts::x509::{analyze, Sha256};
use crate::paths::{display_path, join_display};
use crate::sources::context::CollectContext;
use crate::sources::read::input::{error, io_kind, io_message, read_capped};
use crate::sources::read::pem::extract;

const CERTIFICATE_EXTENSIONS: &[&str] = &["crt", "cer", "pem", "der", "cert"];

/// Files read by one parallel task.
const FILES_PER_TASK: usize = 64;

/// Collects one `--certs` path. For a directory, the source's digest is already in the returned
/// source record.
pub fn collect(root: &Path, ctx: &CollectContext) -> Part {
    let mut stream = Stream::open(root, ctx);
    let mut facts = Facts::default();
    while let Some(batch) = stream.next_batch(ctx, usize::MAX) {
        facts.absorb(batch);
    }
    Part {
        source: stream.finish(),
        facts,
        digests: Vec::new(),
    }
}

/// What [`Stream::read_task`] read from one task's files.
#[derive(Debug)]
pub struct TaskRead {
    /// The certificates and errors of the task's files, in file order.
    pub facts: Facts,
    /// Files read (for [`Stream::absorb_read`]).
    pub files_read: u64,
    /// Files skipped.
    pub files_skipped: u64,
    /// Each file's digest (`None`: not read), for [`Stream::absorb_read`].
    pub digests: Vec<Option<Sha256>>,
    /// How long reading and parsing took.
    pub read: Duration,
}

/// A `--certs` source read a batch of files at a time, so that a scan need not hold every
/// certificate of a large directory at once: what the walk found, and what was read so far.
#[derive(Debug)]
pub struct Stream {
    root: PathBuf,
    shown_root: String,
    /// The files, in walk order (the root itself when it is a file).
    files: Vec<PathBuf>,
    /// Files handed out so far.
    next: usize,
    /// The root is a file named by the user: it must hold a certificate.
    single: bool,
    /// The digest of each file handed out (`None`: not read).
    digests: Vec<Option<Sha256>>,
    /// The source record, counting as files are read.
    record: SourceRecord,
    /// Errors of the walk itself, handed out with the first batch.
    pending_errors: Vec<CollectionError>,
}

impl Stream {
    /// Walks `root` (a directory, or one file); nothing is read yet.
    pub fn open(root: &Path, _ctx: &CollectContext) -> Stream {
        let shown_root = display_path(root);
        let mut stream = Stream {
            root: root.to_path_buf(),
            record: Part::for_source(SourceKind::Certs, &shown_root).source,
            shown_root,
            files: Vec::new(),
            next: 0,
            single: false,
            digests: Vec::new(),
            pending_errors: Vec::new(),
        };
        let meta = match std::fs::metadata(root) {
            Ok(m) => m,
            Err(e) => {
                let error = error(SourceKind::Certs, &stream.shown_root, io_kind(&e), io_message(&e));
                stream.pending_errors.push(error);
                return stream;
            }
        };
        if !meta.is_dir() {
            stream.single = true;
            stream.files.push(root.to_path_buf());
            return stream;
        }
        let walk = walk::walk(root);
        for (path, problem) in &walk.errors {
            let kind = match problem {
                WalkError::Loop => ErrorKind::SymlinkLoop,
                WalkError::Io(io) => io_kind(io),
                WalkError::Special(_) | WalkError::TooDeep(_) | WalkError::TooManyEntries(_) => ErrorKind::Unsupported,
            };
            let message = match problem {
                WalkError::Loop => format!("{problem}; skipped"),
                _ => problem.to_string(),
            };
            let shown = relative_shown(root, &stream.shown_root, path);
            stream
                .pending_errors
                .push(error(SourceKind::Certs, &shown, kind, message));
        }
        stream.files = walk.files;
        stream
    }

    /// The source as the facts document records it (path, kind), before anything is read.
    pub fn source(&self) -> &SourceRecord {
        &self.record
    }

    /// The next `count` files (at least one), read in parallel, in file order: the certificates
    /// and errors they hold (the walk's own errors come first, with the first batch); `None` once
    /// every file was handed out.
    pub fn next_batch(&mut self, ctx: &CollectContext, count: usize) -> Option<Facts> {
        if self.next >= self.files.len() && self.pending_errors.is_empty() {
            return None;
        }
        let end = self.next.saturating_add(count.max(1)).min(self.files.len());
        let tasks = task_ranges(self.next..end, FILES_PER_TASK);
        self.next = end;
        let mut facts = Facts {
            errors: std::mem::take(&mut self.pending_errors),
            ..Facts::default()
        };
        let reads: Vec<TaskRead> = tasks.into_par_iter().map(|task| self.read_task(task, ctx)).collect();
        facts.reserve_for(reads.iter().map(|read| &read.facts));
        for read in reads {
            self.absorb_read(read.files_read, read.files_skipped, read.digests);
            facts.absorb(read.facts);
        }
        Some(facts)
    }

    /// The files not handed out yet, split into tasks of `files_per_task` files (ranges of
    /// the walk's file list, in order), all handed out at once: read them with
    /// [`Stream::read_task`] on any thread, then give back what was read, in task order, with
    /// [`Stream::absorb_read`]. The walk's own errors come with the call.
    pub fn take_tasks(&mut self, files_per_task: usize) -> (Vec<std::ops::Range<usize>>, Vec<CollectionError>) {
        let tasks = task_ranges(self.next..self.files.len(), files_per_task);
        self.next = self.files.len();
        (tasks, std::mem::take(&mut self.pending_errors))
    }

    /// Reads the files of one task of [`Stream::take_tasks`] (on the calling thread), in order:
    /// their certificates and errors, each file's digest, and how long it took. Digests are kept
    /// as bytes; the names are made again for the source digest at the end, instead of living
    /// through the whole walk (100,000 names held from worker threads cost 35 MiB of peak memory).
    pub fn read_task(&self, task: std::ops::Range<usize>, ctx: &CollectContext) -> TaskRead {
        let start = Instant::now();
        let mut part = Part::default();
        let files = self.files.get(task).unwrap_or_default();
        let mut digests = Vec::with_capacity(files.len());
        for file in files {
            // A file the user named must hold a certificate; one found by the walk need not.
            let mut one = collect_file(file, &self.shown(file), self.single, CertificateRole::Unknown, ctx);
            digests.push(one.digests.pop().map(|(_, hash)| hash));
            part.absorb(one);
        }
        TaskRead {
            read: start.elapsed(),
            files_read: part.source.files_read,
            files_skipped: part.source.files_skipped,
            digests,
            facts: part.facts,
        }
    }

    /// Records what a task read (its files' counts and digests): tasks in order, each once.
    pub fn absorb_read(&mut self, files_read: u64, files_skipped: u64, digests: Vec<Option<Sha256>>) {
        self.record.files_read += files_read;
        self.record.files_skipped += files_skipped;
        self.digests.extend(digests);
    }

    /// How `file` (one of the walk's) is shown: the root as the user gave it when the root is
    /// the file, else the root's shown name joined with the path below it.
    fn shown(&self, file: &Path) -> String {
        if self.single {
            self.shown_root.clone()
        } else {
            relative_shown(&self.root, &self.shown_root, file)
        }
    }

    /// The source record once every file was read: files read and skipped, and the digest of
    /// everything read (the file's own, or that of the `sha256sum` list of the directory).
    pub fn finish(mut self) -> SourceRecord {
        let read: Vec<(String, Sha256)> = self
            .files
            .par_iter()
            .zip(std::mem::take(&mut self.digests))
            .filter_map(|(file, digest)| Some((self.shown(file), digest?)))
            .collect();
        self.record.sha256 = list_digest(read);
        self.record
    }
}

/// `range` split into consecutive ranges of `size` (at least 1) items, the last one shorter.
fn task_ranges(range: std::ops::Range<usize>, size: usize) -> Vec<std::ops::Range<usize>> {
    let size = size.max(1);
    let end = range.end;
    range.step_by(size).map(|at| at..(at + size).min(end)).collect()
}

fn relative_shown(root: &Path, shown_root: &str, file: &Path) -> String {
    // The walk names every file as the root's path, `/` and more: cut the root off by its bytes
    // (what `strip_prefix` does by components, at a fraction of the cost).
    let (root_bytes, file_bytes) = (root.as_os_str().as_encoded_bytes(), file.as_os_str().as_encoded_bytes());
    if let Some(rest) = file_bytes.strip_prefix(root_bytes) {
        let rest = if root_bytes.ends_with(b"/") {
            Some(rest)
        } else {
            rest.strip_prefix(b"/")
        };
        if let Some(rest) = rest.and_then(|r| std::str::from_utf8(r).ok()) {
            if !root_bytes.is_empty() && !rest.is_empty() && !rest.starts_with('/') {
                return join_display(shown_root, Path::new(rest));
            }
        }
    }
    relative_shown_by_components(root, shown_root, file)
}

/// [`relative_shown`] by comparing path components.
fn relative_shown_by_components(root: &Path, shown_root: &str, file: &Path) -> String {
    match file.strip_prefix(root) {
        Ok(rel) => join_display(shown_root, rel),
        Err(_) => display_path(file),
    }
}

fn has_certificate_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| CERTIFICATE_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

/// Reads one file and records every certificate in it. `must_hold` makes "no certificate" an
/// error (a file named by the user, or a well-known certificate path).
pub fn collect_file(path: &Path, shown: &str, must_hold: bool, role: CertificateRole, ctx: &CollectContext) -> Part {
    collect_file_with(
        path,
        shown,
        must_hold,
        ctx,
        SourceKind::Certs,
        |_| CertificateOrigin::default(),
        |_| role,
    )
}

/// [`collect_file`] with the source kind, base origin and role chosen by the caller.
pub fn collect_file_with(
    path: &Path,
    shown: &str,
    must_hold: bool,
    ctx: &CollectContext,
    kind: SourceKind,
    base_origin: impl Fn(&str) -> CertificateOrigin,
    role_of: impl Fn(usize) -> CertificateRole,
) -> Part {
    let mut out = Part::default();
    let bytes = match read_capped(path, ctx.max_file_size, kind, shown) {
        Ok(b) => b,
        Err(e) if e.kind == ErrorKind::Empty && !must_hold && !has_certificate_extension(path) => {
            out.source.files_skipped = 1;
            return out;
        }
        Err(e) => return out.with_error(e),
    };
    out.source.files_read = 1;
    out.read(shown, &bytes);
    let extraction = extract(&bytes);
    for problem in &extraction.problems {
        let mut e = error(kind, shown, ErrorKind::MalformedCertificate, problem.message.clone());
        e.line = problem.line;
        out.facts.errors.push(e);
    }
    if extraction.certificates.is_empty() && extraction.problems.is_empty() {
        if must_hold || has_certificate_extension(path) {
            let message = if extraction.private_key_present {
                "holds a private key but no certificate".to_string()
            } else if extraction.any_pem_block {
                "holds PEM blocks but no CERTIFICATE block".to_string()
            } else {
                "holds no certificate: no PEM CERTIFICATE block, not DER, no base64-encoded PEM".to_string()
            };
            out.facts
                .errors
                .push(error(kind, shown, ErrorKind::NotACertificate, message));
        } else {
            out.source.files_skipped = 1;
            out.source.files_read = 0;
        }
        return out;
    }
    for (index, found) in extraction.certificates.into_iter().enumerate() {
        let origin = CertificateOrigin {
            kind: Some(kind),
            path: shown.to_string(),
            index: index as u32,
            encoding: found.encoding.as_str().to_string(),
            line: found.line,
            ..base_origin(shown)
        };
        match analyze(found.der, origin, role_of(index)) {
            Ok(mut cert) => {
                cert.private_key_present = extraction.private_key_present;
                out.facts.certificates.push(cert);
            }
            Err(message) => {
                let mut e = error(
                    kind,
                    shown,
                    ErrorKind::MalformedCertificate,
                    format!("certificate {index}: {message}"),
                );
                e.line = found.line;
                out.facts.errors.push(e);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_shown_relative_to_the_root_as_by_their_components() {
        for (root, file) in [
            ("certs", "certs/d014/svc-7250.crt"),
            ("certs/", "certs/a.pem"),
            ("./certs", "./certs/a/b.pem"),
            ("/tmp/perf/heavy-10000", "/tmp/perf/heavy-10000/d000/svc-0.crt"),
            ("certs", "certs//a.pem"),
            ("certs", "certsx/a.pem"),
            ("certs", "other/a.pem"),
            ("a/./b", "a/./b/c.pem"),
            (".", "./x/y.pem"),
        ] {
            let (root, file) = (Path::new(root), Path::new(file));
            let shown_root = display_path(root);
            assert_eq!(
                relative_shown(root, &shown_root, file),
                relative_shown_by_components(root, &shown_root, file),
                "{root:?} {file:?}"
            );
        }
    }
}
