//! `--certs`: a certificate file, or a directory walked recursively.
//!
//! Content decides, not the name: PEM bundles, DER, and base64 PEM inside text are all read.
//! Symbolic links are followed with loop detection ([`crate::walk`]), every file is read under the size
//! cap, and files are parsed in parallel. In a directory, a file that holds no certificate is
//! skipped and counted unless its name says it should be one (`.crt`, `.cer`, `.pem`, `.der`),
//! in which case it is an error; a file named on the command line must hold one.

use std::path::Path;

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
    let shown_root = display_path(root);
    let mut out = Part::for_source(SourceKind::Certs, &shown_root);
    let meta = match std::fs::metadata(root) {
        Ok(m) => m,
        Err(e) => return out.with_error(error(SourceKind::Certs, &shown_root, io_kind(&e), io_message(&e))),
    };
    if !meta.is_dir() {
        out.absorb(collect_file(root, &shown_root, true, CertificateRole::Unknown, ctx));
        return out;
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
        let shown = relative_shown(root, &shown_root, path);
        out.facts.errors.push(error(SourceKind::Certs, &shown, kind, message));
    }
    let files = walk.files;
    // Files are read in parallel, a batch per task, and the batches joined in file order. Each
    // file's digest is kept as bytes beside the file list; the names are made again for the
    // source digest at the end, on one thread, instead of living through the whole walk
    // (100,000 names held from worker threads cost 35 MiB of peak memory).
    let batches: Vec<(Part, Vec<Option<Sha256>>)> = files
        .par_chunks(FILES_PER_TASK)
        .map(|batch| {
            let mut part = Part::default();
            let mut digests = Vec::with_capacity(batch.len());
            for file in batch {
                let mut one = collect_file(
                    file,
                    &relative_shown(root, &shown_root, file),
                    false,
                    CertificateRole::Unknown,
                    ctx,
                );
                digests.push(one.digests.pop().map(|(_, hash)| hash));
                part.absorb(one);
            }
            (part, digests)
        })
        .collect();
    out.facts.reserve_for(batches.iter().map(|(b, _)| &b.facts));
    let mut digests = Vec::with_capacity(files.len());
    for (batch, batch_digests) in batches {
        out.absorb(batch);
        digests.extend(batch_digests);
    }
    let read: Vec<(String, Sha256)> = files
        .iter()
        .zip(digests)
        .filter_map(|(file, digest)| Some((relative_shown(root, &shown_root, file), digest?)))
        .collect();
    out.source.sha256 = list_digest(read);
    out
}

fn relative_shown(root: &Path, shown_root: &str, file: &Path) -> String {
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
