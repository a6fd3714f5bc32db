//! How a command ends: an exit status, or an [`Error`] that `main` prints.

use crate::cli::UsageError;
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
