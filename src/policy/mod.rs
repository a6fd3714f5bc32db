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
pub mod error;
pub mod frameworks;
pub mod load;
pub mod module;
pub mod params;
pub mod prints;
pub mod rule;
pub mod testing;
pub mod value;
pub mod view;

pub use coverage::{Covered, RuleCoverage};
pub use engine::{CertificateFields, ChunkFindings, Engine, Evaluation, Merger, Session, DEFAULT_TIMEOUT};
pub use error::PolicyError;
pub use params::Overrides;
pub use rule::{LoadedRule, RuleMeta, Scope, Skip};
