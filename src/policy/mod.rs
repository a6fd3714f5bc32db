//! Policies: Rego rules evaluated with regorus.
//!
//! ```text
//!  FactsDocument ─▶ view (regorus values) ─▶ rules, in parallel ─▶ describe ─▶ Vec<Finding>
//! ```
//!
//! From the bottom up (each module uses only those above it in this list):
//!
//! - [`rule`]: a rule's metadata, scope and origin ([`LoadedRule`]); [`frameworks`]: the
//!   compliance frameworks rules map to; [`coverage`]: what a rule examined;
//! - [`bundle`]: the bundled `policies/` tree and user `--policy` directories;
//! - [`value`]: Rust ⇄ regorus values, no JSON text; [`view`]: the facts as policies see them;
//! - [`module`]: what a `.rego` file declares, read from regorus' parsed modules;
//! - [`load`]: compiling the files and reading the catalogue;
//! - [`params`]: `--param` / `--data` overrides, checked against the defaults' types;
//! - [`describe`]: rules decide, Rust describes: findings get names, clusters, standard evidence,
//!   remediation and fingerprints here;
//! - [`engine`]: [`Engine::evaluate`], the one driver from facts to findings and coverage;
//! - [`testing`]: `aks-certscan policy test`, which runs `test_` rules like `opa test`.
//!
//! Rules live in packages under `aks_certscan.rules.`; each declares `metadata` and a
//! `findings` set. Helpers shared by rules are in `aks_certscan.lib`.

pub mod bundle;
pub mod coverage;
pub mod describe;
pub mod engine;
pub mod frameworks;
pub mod load;
pub mod module;
pub mod params;
pub mod rule;
pub mod testing;
pub mod value;
pub mod view;

pub use coverage::{Covered, RuleCoverage};
pub use engine::{CertificateFields, Engine, Evaluation};
pub use params::Overrides;
pub use rule::{LoadedRule, RuleMeta, Scope, Skip};

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
