//! The least work any `facts` run must do on a certificate directory, with nothing else: walk it,
//! read every file, hash it, decode its PEM, parse the X.509 certificate, hash the DER (its id),
//! on every CPU; then write as many bytes as the real facts document. No facts are
//! built, no JSON is formatted. `scripts/bench-peers --floor` times it beside `facts`, so the
//! distance between the two is what the document itself costs.
//!
//!     cargo build --release --example facts-floor
//!     target/release/examples/facts-floor DIR BYTES OUT
//!
//! It uses the scanner's own walk and PEM reader, so the floor moves with them.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use aks_certscan::sources::read::pem;
use aks_certscan::walk;
use rayon::prelude::*;
use x509_parser::prelude::{FromDer, X509Certificate};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [dir, bytes, out] = args.as_slice() else {
        eprintln!("usage: facts-floor DIR BYTES OUT");
        return ExitCode::from(2);
    };
    let Ok(bytes) = bytes.parse::<usize>() else {
        eprintln!("facts-floor: BYTES must be a number, not `{bytes}`");
        return ExitCode::from(2);
    };
    let files: Vec<PathBuf> = walk::walk(dir.as_ref()).files;
    let certificates: usize = files
        .par_iter()
        .map(|file| {
            let Ok(content) = std::fs::read(file) else { return 0 };
            let file_digest = ring::digest::digest(&ring::digest::SHA256, &content);
            std::hint::black_box(file_digest);
            pem::extract(&content)
                .certificates
                .iter()
                .filter(|found| {
                    let id = ring::digest::digest(&ring::digest::SHA256, &found.der);
                    std::hint::black_box(id);
                    X509Certificate::from_der(&found.der).is_ok()
                })
                .count()
        })
        .sum();
    // The same 1 MiB written again and again: the floor pays for the write, not for memory.
    let chunk = vec![b' '; 1 << 20];
    let written = std::fs::File::create(out).and_then(|mut f| {
        let mut left = bytes;
        while left > 0 {
            let n = left.min(chunk.len());
            f.write_all(&chunk[..n])?;
            left -= n;
        }
        Ok(())
    });
    if let Err(e) = written {
        eprintln!("facts-floor: cannot write `{out}`: {e}");
        return ExitCode::from(2);
    }
    eprintln!(
        "facts-floor: {} files, {certificates} certificates, {bytes} bytes written",
        files.len()
    );
    ExitCode::SUCCESS
}
