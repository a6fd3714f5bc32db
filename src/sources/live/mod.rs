//! Live sources: the user's own `az` and `kubectl`, run as subprocesses, with what they share.
//!
//! - [`aks`]: `--aks RESOURCE_GROUP/NAME`, one cluster (and the per-cluster steps of
//!   `--all-clusters`);
//! - [`inventory`]: `--all-clusters`, the clusters Azure Resource Graph lists;
//! - [`daemonset`]: `--daemonset NAMESPACE`, every node's facts through `kubectl exec`;
//! - [`vmss`]: `--node-certs`, node certificates through `az vmss run-command invoke`;
//! - [`command`]: running one program under a time limit, its output capped and redacted.
//!
//! Facts from live sources have paths like `live://aks/<rg>/<name>/show`: they came from no
//! file, so reports point at the facts document.
//!
//! The modules:
//!
//! - [`options`]: [`LiveOptions`], [`KubeLogin`];
//! - [`step`]: time limits, step errors, the cluster a step is about, `--jobs` at a time;
//! - [`progress`], [`private_dir`]: the progress line, private temporary files.

pub mod aks;
pub mod command;
pub mod daemonset;
pub mod inventory;
pub mod options;
pub mod private_dir;
pub mod progress;
pub mod step;
pub mod vmss;

pub use options::{KubeLogin, LiveOptions};
