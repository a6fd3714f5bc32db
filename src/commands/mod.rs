//! One module per subcommand. Each returns an [`ExitStatus`]; `main` maps it to a process exit code.

pub mod facts;
pub mod policy_test;
pub mod rules;
pub mod scan;

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use anyhow::{Context, Result};

pub use crate::cli::UsageError;
use crate::facts::model::{CollectionError, FactsDocument};

/// Runs a parsed command line.
pub fn run(cli: crate::cli::Cli) -> Result<ExitStatus> {
    match cli.command {
        crate::cli::Command::Facts(args) => facts::run(&args.options()?),
        crate::cli::Command::Policy(crate::cli::PolicyCommand::Test(args)) => policy_test::run(&args),
        crate::cli::Command::Scan(args) => scan::run(&args.options()?),
        crate::cli::Command::Rules(args) => rules::run(&args),
    }
}

/// How a command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// Nothing at or above the failure level.
    Success,
    /// Findings at or above the failure level.
    Findings,
    /// Bad usage, bad configuration, or nothing collected.
    Error,
}

impl ExitStatus {
    /// The process exit code.
    pub fn code(self) -> u8 {
        match self {
            ExitStatus::Success => 0,
            ExitStatus::Findings => 1,
            ExitStatus::Error => 2,
        }
    }
}

/// Sizes the worker pool (`--threads`); by default rayon uses one thread per CPU.
pub fn use_threads(threads: Option<usize>) -> Result<()> {
    if let Some(n) = threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global()
            .context("cannot start the worker threads")?;
    }
    Ok(())
}

/// One line per error on stderr: `warning: --certs testdata/x.pem:3: message`.
pub fn warn_errors(errors: &[CollectionError]) {
    let stderr = std::io::stderr();
    let mut lock = stderr.lock();
    for e in errors {
        let line = e.line.map(|l| format!(":{l}")).unwrap_or_default();
        let _ = writeln!(
            lock,
            "warning: {} {}{}: {}",
            e.source.flag(),
            crate::sanitize::terminal(&e.path),
            line,
            crate::sanitize::terminal(&e.message)
        );
    }
}

/// True when nothing at all could be collected and something went wrong: exit code 2.
pub fn nothing_collected(doc: &FactsDocument) -> bool {
    doc.facts.holds_no_fact() && !doc.facts.errors.is_empty()
}

/// Writes to `path` (or standard output when `None`) through a buffer, calling `write` once.
pub fn write_to(path: Option<&Path>, write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> Result<()> {
    match path {
        Some(p) => {
            let file = File::create(p).with_context(|| format!("cannot write `{}`", p.display()))?;
            let mut out = BufWriter::with_capacity(1 << 16, file);
            write(&mut out)
                .and_then(|()| out.flush())
                .with_context(|| format!("cannot write `{}`", p.display()))
        }
        None => {
            let stdout = std::io::stdout();
            let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
            write(&mut out)?;
            out.flush()?;
            Ok(())
        }
    }
}

/// Writes the facts document as pretty JSON with a final newline.
pub fn write_facts(path: Option<&Path>, doc: &FactsDocument) -> Result<()> {
    write_to(path, |out| {
        serde_json::to_writer_pretty(&mut *out, doc)?;
        writeln!(out)
    })
}
