//! # aks-certscan
//!
//! Tells platform and security teams, before an outage, whether their Azure Kubernetes Service
//! clusters' certificates are healthy and rotating.
//!
//! The pipeline is **collect → facts → Rego → findings → triage → reports**, and imports only go
//! down these layers (`docs/architecture.md`, checked by a test):
//!
//! ```text
//!  commands ─▶ cli, report, pipeline
//!  pipeline ─▶ sources ──────────────┐
//!           ─▶ triage, compliance ─▶ policy ─▶ findings ─▶ facts
//!  leaves: address, choice, clock, log, paths, pretty_json, safe_io, sanitize, walk
//! ```
//!
//! - [`sources`]: one module per source (files, live probes, `az`/`kubectl`); bad input becomes a
//!   recorded error, never a crash.
//! - [`facts`]: the versioned facts document, how parts become one, and everything derived.
//! - [`policy`]: the Rego rules (bundled and user), evaluated with regorus in one pass.
//! - [`findings`]: the one findings model every report reads.
//! - [`triage`]: waivers, baseline and the `--fail-on` gate; [`compliance`]: verdicts per control.
//! - [`pipeline`]: the one composition of all of the above, for every command.
//! - [`report`]: emitters only, one per output format.
//! - [`cli`] and [`commands`]: flags into typed options, and one module per subcommand.
//! - Leaves: [`clock`] (the evaluation time, an input so that output is reproducible),
//!   [`address`] (API server addresses), [`log`] (stderr lines that never panic), [`paths`] (paths as shown), [`choice`] (closed sets of
//!   named values), [`pretty_json`] (large pretty JSON written in parallel), [`sanitize`]
//!   (untrusted text made safe for each reader), [`safe_io`] (the one way files are read and
//!   written), [`walk`] (directory walks without loops).
#![deny(missing_docs)]

pub mod address;
pub mod choice;
pub mod cli;
pub mod clock;
pub mod commands;
pub mod compliance;
pub mod facts;
pub mod findings;
pub mod log;
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
