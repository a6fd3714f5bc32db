//! One module per subcommand: each runs on typed options ([`crate::cli::Mode`]), renders what the
//! pipeline gives, and returns an [`ExitStatus`]; `main` maps it to a process exit code and prints
//! an [`Error`], the one place errors are printed.

pub mod compliance;
pub mod facts;
pub mod policy_test;
pub mod rules;
pub mod scan;
pub mod serve;

use std::io::Write;
use std::path::Path;

use crate::cli::{Mode, UsageError};
use crate::facts::model::CollectionError;
use crate::pipeline::PipelineError;
use crate::policy::PolicyError;

/// Why a command failed (exit code 2).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A usage or configuration problem.
    #[error(transparent)]
    Usage(#[from] UsageError),
    /// A policy, parameter, baseline or exceptions problem, or a rule that failed.
    #[error(transparent)]
    Pipeline(#[from] PipelineError),
    /// An output could not be written.
    #[error("writing {what}: cannot write `{path}`: {source}")]
    Write {
        /// Which output.
        what: String,
        /// Its file, as shown.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// Something else went wrong with input or output.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

impl From<PolicyError> for Error {
    fn from(e: PolicyError) -> Self {
        Error::Pipeline(e.into())
    }
}

impl Error {
    /// Whether the reader of standard output went away (`scan | head`): not a failure.
    pub fn is_broken_pipe(&self) -> bool {
        let io = match self {
            Error::Io(e) | Error::Write { source: e, .. } => Some(e),
            Error::Pipeline(PipelineError::Write { source, .. }) => Some(source),
            _ => None,
        };
        io.is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    }
}

/// The result of a command.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Runs a command.
pub fn run(mode: Mode) -> Result<ExitStatus> {
    match mode {
        Mode::Facts(options) => facts::run(&options),
        Mode::Scan(options) => scan::run(&options),
        Mode::Compliance(options) => compliance::run(&options),
        Mode::Serve(options) => serve::run(&options),
        Mode::Rules(options) => rules::run(&options),
        Mode::PolicyTest(dirs) => policy_test::run(&dirs),
        Mode::Completions(shell) => {
            let mut command = <crate::cli::Cli as clap::CommandFactory>::command();
            let mut buf = Vec::new();
            clap_complete::generate(shell, &mut command, "aks-certscan", &mut buf);
            write_to(None, "completions", |out| out.write_all(&buf))?;
            Ok(ExitStatus::Success)
        }
        Mode::Man => {
            let command = <crate::cli::Cli as clap::CommandFactory>::command();
            let mut buf = Vec::new();
            clap_mangen::Man::new(command).render(&mut buf)?;
            write_to(None, "the man page", |out| out.write_all(&buf))?;
            Ok(ExitStatus::Success)
        }
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
            .map_err(|e| Error::Io(std::io::Error::other(format!("cannot start the worker threads: {e}"))))?;
    }
    Ok(())
}

/// Collection errors printed one per line on stderr before the rest are only counted: a file
/// with 70,000 broken blocks must not flood a terminal or a CI log (reports keep every error).
const WARNINGS_SHOWN: usize = 20;

/// One line per error on stderr (`warning: --certs testdata/x.pem:3: message`), the first
/// [`WARNINGS_SHOWN`] of them, then how many more there are.
pub fn warn_errors(errors: &[CollectionError]) {
    let stderr = std::io::stderr();
    let mut lock = stderr.lock();
    for e in errors.iter().take(WARNINGS_SHOWN) {
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
    if errors.len() > WARNINGS_SHOWN {
        let _ = writeln!(
            lock,
            "warning: ... and {} more collection errors (every one is in the report and the facts document)",
            errors.len() - WARNINGS_SHOWN
        );
    }
}

/// Writes output `what` to `path` (standard output when `None`), calling `write` once; see
/// [`crate::safe_io::write_output`].
pub fn write_to(
    path: Option<&Path>,
    what: &str,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<()> {
    crate::safe_io::write_output(path, write).map_err(|source| Error::Write {
        what: what.to_string(),
        path: path
            .map(|p| crate::sanitize::terminal(&p.display().to_string()))
            .unwrap_or_else(|| "standard output".into()),
        source,
    })
}
