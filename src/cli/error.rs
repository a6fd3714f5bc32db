//! Why a command line cannot be run.

/// A usage problem: printed as it is, exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// Why the command line could not be turned into a [`Mode`](super::Mode).
#[derive(Debug)]
pub enum ParseFailure {
    /// clap's own error (or `--help` / `--version`): print it the clap way.
    Clap(clap::Error),
    /// A flag or config file problem.
    Usage(UsageError),
}
