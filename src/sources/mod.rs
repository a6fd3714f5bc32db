//! Sources: one module per place facts come from, each turning what it reads into a [`Part`]
//! (a source record, the facts read, and the errors met). A collector never fails: whatever it
//! cannot read becomes a [`CollectionError`](crate::facts::model::CollectionError) in its part,
//! and everything else is still collected.
//!
//! ```text
//!  CollectPlan ─▶ Source::collect, one per source (files in parallel, live clusters `--jobs` at a time) ─▶ Vec<Part>
//! ```
//!
//! [`Source`] is the one list of source kinds: its variants, the [`FLAGS`] table the command line
//! builds its source flags from, and the one dispatch ([`Source::collect`]) sit side by side
//! here. A new source is a module and a variant.
//!
//! | flag | module |
//! |---|---|
//! | `--kubeconfig` | [`kubeconfig`] |
//! | `--certs` | [`certs`] |
//! | `--cluster` | [`cluster`] |
//! | `--nodes` | [`nodes`] |
//! | `--k8s-objects` | [`k8s_objects`] |
//! | `--node-root` | [`node_root`] |
//! | `--facts` | [`facts_merge`] |
//! | `--endpoint` | [`endpoint`] (with [`probe`]) |
//! | `--aks`, `--all-clusters`, `--daemonset` | [`live`] (`aks`, `inventory`, `daemonset`, `vmss`) |
//!
//! Low-level readers shared by the sources (size-capped reads, PEM, JSON line numbers, directory
//! walks, ARM field access) are in [`read`].

pub mod certs;
pub mod cluster;
pub mod context;
pub mod endpoint;
pub mod facts_merge;
pub mod k8s_objects;
pub mod kubeconfig;
pub mod live;
pub mod node_root;
pub mod nodes;
pub mod probe;
pub mod read;
pub mod source;

pub use crate::facts::part::Part;
pub use context::CollectContext;
pub use live::{KubeLogin, LiveOptions};
pub use source::{collect, CollectPlan, PathKind, Source, SourceFlag, FLAGS};
