//! What can go wrong with policies, each error naming the file or rule concerned.

/// What can go wrong with policies. Each variant names the file or rule concerned.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// A policy directory or file could not be read.
    #[error("cannot load policies from `{path}`: {message}")]
    Load {
        /// Path.
        path: String,
        /// Why.
        message: String,
    },
    /// One or more policy files do not compile.
    #[error("{} policy file(s) do not compile:\n{}", .0.len(), .0.join("\n"))]
    Compile(Vec<String>),
    /// Rule metadata is missing or malformed, or ids clash.
    #[error("invalid rule metadata:\n{}", .0.join("\n"))]
    Metadata(Vec<String>),
    /// A rule failed during evaluation.
    #[error("rule {rule} ({file}) failed during evaluation: {message}")]
    Evaluation {
        /// Rule id.
        rule: String,
        /// Its file.
        file: String,
        /// The engine's message.
        message: String,
    },
    /// A rule produced a finding of the wrong shape.
    #[error("rule {rule} ({file}) produced a malformed finding: {message}")]
    BadFinding {
        /// Rule id.
        rule: String,
        /// Its file.
        file: String,
        /// What is wrong.
        message: String,
    },
    /// `--param`, `--data` or `--skip` is wrong.
    #[error("{}", .0.join("\n"))]
    Params(Vec<String>),
    /// The engine failed outside any one rule.
    #[error("policy engine: {0}")]
    Engine(String),
}
