//! What one collector returns: a slice of the facts document for one source.

use super::model::*;

/// Facts gathered from one source, merged into the document in source order.
#[derive(Debug, Clone, Default)]
pub struct Collected {
    /// The source record.
    pub source: SourceRecord,
    /// Certificates found.
    pub certificates: Vec<CertificateFact>,
    /// Kubeconfigs read.
    pub kubeconfigs: Vec<KubeconfigFact>,
    /// Clusters read.
    pub clusters: Vec<ClusterFact>,
    /// Nodes read.
    pub nodes: Vec<NodeFact>,
    /// Node roots read.
    pub node_roots: Vec<NodeRootFact>,
    /// Endpoints probed.
    pub endpoints: Vec<EndpointFact>,
    /// Problems.
    pub errors: Vec<CollectionError>,
}

impl Collected {
    /// An empty result for a source.
    pub fn for_source(kind: SourceKind, path: &str) -> Self {
        Collected {
            source: SourceRecord {
                kind,
                path: path.to_string(),
                files_read: 0,
                files_skipped: 0,
            },
            ..Default::default()
        }
    }

    /// Adds an error and returns self (for early exits).
    pub fn with_error(mut self, error: CollectionError) -> Self {
        self.errors.push(error);
        self
    }

    /// Appends everything from `other` except its source record.
    pub fn absorb(&mut self, other: Collected) {
        self.source.files_read += other.source.files_read;
        self.source.files_skipped += other.source.files_skipped;
        self.certificates.extend(other.certificates);
        self.kubeconfigs.extend(other.kubeconfigs);
        self.clusters.extend(other.clusters);
        self.nodes.extend(other.nodes);
        self.node_roots.extend(other.node_roots);
        self.endpoints.extend(other.endpoints);
        self.errors.extend(other.errors);
    }
}
