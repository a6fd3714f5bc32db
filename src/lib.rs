//! # aks-certscan
//!
//! Tells platform and security teams, before an outage, whether their Azure Kubernetes Service
//! clusters' certificates are healthy and rotating.
//!
//! The pipeline is **collect → facts → Rego → findings → reports**:
//!
//! ```text
//!  kubeconfig ─┐                                   ┌─ text
//!  certs dir  ─┤                                   ├─ json
//!  az aks show ┼─▶ facts (JSON, versioned) ─▶ Rego ┼─ sarif
//!  nodes list ─┤      src/facts/          src/policy/ ├─ junit
//!  node root  ─┘                                   └─ github   (src/report/)
//! ```
//!
//! - [`facts`]: one collector per source; bad input becomes a recorded error, never a crash.
//! - [`probe`]: live TLS probes of API servers (rustls, deadline-bounded, CONNECT proxies).
//! - [`live`]: `--aks`, a live scan through the user's own `az` and `kubectl`.
//! - [`policy`]: the Rego rules (bundled and user), evaluated with regorus in one pass.
//! - [`findings`]: the one findings model every report reads.
//! - [`report`]: one emitter per output format (text, JSON, SARIF, JUnit, GitHub).
//! - [`cli`] and [`commands`]: argument parsing, and one module per subcommand.
//! - [`clock`]: the evaluation time, an input so that output is reproducible.
//! - [`pretty_json`]: large pretty JSON documents written in parallel; [`sanitize`]: untrusted
//!   text made safe for each reader; [`safe_io`]: the one way files are read (regular files under
//!   a cap, never blocking) and written (temporary file and rename, never through a link).
#![deny(missing_docs)]

pub mod address;
pub mod choice;
pub mod cli;
pub mod clock;
pub mod commands;
pub mod compliance;
pub mod facts;
pub mod findings;
pub mod paths;
pub mod pipeline;
pub mod policy;
pub mod pretty_json;
pub mod report;
pub mod safe_io;
pub mod sanitize;
pub mod sources;
pub mod triage;
pub mod walk;
