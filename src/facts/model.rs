//! The facts document: the versioned JSON that collectors write and policies read.
//!
//! Every type here is part of the public file format (`schema_version` 1), documented field by
//! field in `docs/facts.md`. Fields are only ever added; a rename or a change of meaning bumps
//! [`SCHEMA_VERSION`]. Optional facts are `null` when a source did not say, so that a policy can
//! tell "unknown" from "false".

use serde::{Deserialize, Serialize};

/// Version of the facts document format written by this build.
pub const SCHEMA_VERSION: u32 = 1;

/// The whole facts document.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FactsDocument {
    /// Format version; readers refuse versions they do not know.
    pub schema_version: u32,
    /// Which scanner wrote the document.
    pub scanner: ScannerInfo,
    /// Evaluation time (RFC 3339, UTC, whole seconds): every age and remaining time uses it.
    pub now: String,
    /// `now` as Unix seconds.
    pub now_unix: i64,
    /// Every source that was read, in the order given.
    pub sources: Vec<SourceRecord>,
    /// The facts themselves, one list per kind.
    #[serde(flatten)]
    pub facts: Facts,
}

/// Declares the fact kinds once: the [`Facts`] struct with one list per kind, and the methods
/// that treat every list alike (concatenation, emptiness, counts for summaries).
macro_rules! fact_kinds {
    ($(
        $(#[$attr:meta])*
        $field:ident: $ty:ty, $singular:literal / $plural:literal, $always_counted:literal;
    )*) => {
        /// Every fact of a document (or of one source), one list per kind, in source order.
        #[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
        pub struct Facts {
            $($(#[$attr])* pub $field: Vec<$ty>,)*
            /// Everything that could not be read or understood. Each becomes a SCAN001 finding.
            pub errors: Vec<CollectionError>,
        }

        impl Facts {
            /// Appends every list of `other` to this one's (taking a list whole when this one's
            /// is empty, so that a single large source is never copied).
            pub fn absorb(&mut self, other: Facts) {
                $(append(&mut self.$field, other.$field);)*
                append(&mut self.errors, other.errors);
            }

            /// Makes room for every fact of `parts`, so that absorbing them grows each list once.
            pub fn reserve_for<'a>(&mut self, parts: impl Iterator<Item = &'a Facts> + Clone) {
                $(reserve_for_parts(&mut self.$field, parts.clone().map(|p| p.$field.len()));)*
                reserve_for_parts(&mut self.errors, parts.map(|p| p.errors.len()));
            }

            /// True when no fact at all was recorded (errors are not facts).
            pub fn holds_no_fact(&self) -> bool {
                true $(&& self.$field.is_empty())*
            }

            /// `(count, singular, plural)` of each kind, for summaries; kinds that only some
            /// sources produce (endpoints) are left out when there are none.
            pub fn counts(&self) -> Vec<(usize, &'static str, &'static str)> {
                let mut out = Vec::new();
                $(if $always_counted || !self.$field.is_empty() {
                    out.push((self.$field.len(), $singular, $plural));
                })*
                out
            }
        }
    };
}

/// Reserves room in `into` for lists of the given lengths, unless [`append`] will take the only
/// non-empty one whole (one source holding all the certificates: no copy at all).
fn reserve_for_parts<T>(into: &mut Vec<T>, lengths: impl Iterator<Item = usize>) {
    let (total, non_empty) = lengths.fold((0, 0), |(total, n), len| (total + len, n + usize::from(len > 0)));
    if !(into.is_empty() && non_empty <= 1) {
        into.reserve(total);
    }
}

/// `into.extend(from)`, without copying `from` when `into` holds nothing yet.
fn append<T>(into: &mut Vec<T>, from: Vec<T>) {
    if into.is_empty() && from.len() >= into.capacity() {
        *into = from;
    } else {
        into.extend(from);
    }
}

fact_kinds! {
    /// Every certificate occurrence, in source order.
    certificates: CertificateFact, "certificate" / "certificates", true;
    /// Every kubeconfig read.
    kubeconfigs: KubeconfigFact, "kubeconfig" / "kubeconfigs", true;
    /// Every managed cluster read (`az aks show` / ARM).
    clusters: ClusterFact, "cluster" / "clusters", true;
    /// Every Kubernetes node read (`kubectl get nodes -o json`).
    nodes: NodeFact, "node" / "nodes", true;
    /// Every node filesystem read (`--node-root`).
    node_roots: NodeRootFact, "node root" / "node roots", true;
    /// Every probed TLS endpoint.
    #[serde(default)]
    endpoints: EndpointFact, "endpoint" / "endpoints", false;
    /// Every Kubernetes objects source (`--k8s-objects`, or read live): the cluster it is from
    /// and the CA it publishes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    k8s_sources: K8sSourceFact, "Kubernetes objects source" / "Kubernetes objects sources", false;
    /// Every copy of a CA an object pins to authenticate to an API server (a kubeconfig or an
    /// Argo CD cluster secret in the cluster, a service-account token secret's `ca.crt`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    ca_pins: CaPinFact, "pinned CA copy" / "pinned CA copies", false;
    /// Every CertificateSigningRequest read.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    csrs: CsrFact, "certificate signing request" / "certificate signing requests", false;
}

impl FactsDocument {
    /// Forgets every certificate's DER (once every signature check is made): the document
    /// written afterwards is lean, and the memory is freed.
    pub fn drop_der(&mut self) {
        for cert in &mut self.facts.certificates {
            cert.der = Der::default();
        }
    }
}

/// Name and version of the scanner that wrote a document.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ScannerInfo {
    /// Always `aks-certscan`.
    pub name: String,
    /// The crate version.
    pub version: String,
}

/// What kind of source a fact came from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SourceKind {
    /// `--certs`.
    #[default]
    Certs,
    /// `--kubeconfig`, or the default kubeconfig.
    Kubeconfig,
    /// `--cluster`.
    Cluster,
    /// `--nodes`.
    Nodes,
    /// `--node-root`.
    NodeRoot,
    /// `--facts`: a saved document merged in.
    Facts,
    /// `--endpoint`: a live TLS probe.
    Endpoint,
    /// `--k8s-objects`: Kubernetes objects (`kubectl get ... -o json`, YAML streams), or read live.
    K8sObjects,
}

impl SourceKind {
    /// The command-line flag that selects this source.
    pub fn flag(self) -> &'static str {
        match self {
            SourceKind::Kubeconfig => "--kubeconfig",
            SourceKind::Certs => "--certs",
            SourceKind::Cluster => "--cluster",
            SourceKind::Nodes => "--nodes",
            SourceKind::NodeRoot => "--node-root",
            SourceKind::Facts => "--facts",
            SourceKind::Endpoint => "--endpoint",
            SourceKind::K8sObjects => "--k8s-objects",
        }
    }
}

/// One source as the user named it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SourceRecord {
    /// Source kind.
    pub kind: SourceKind,
    /// Path as given (relative to the working directory when it lies below it), `-` for stdin,
    /// or `host:port` for an endpoint.
    pub path: String,
    /// Files read under this source (a directory counts its files).
    pub files_read: u64,
    /// Files under a directory that held no certificate and were skipped (keys, unrelated files).
    pub files_skipped: u64,
    /// SHA-256 of what was read: the file's, or for several files (a directory, a node root, a
    /// kubeconfig with referenced files) that of the `sha256sum` list of them (`<hash>  <file>`
    /// lines sorted by file); `null` when nothing was read. Compliance evidence.
    #[serde(default)]
    pub sha256: Option<String>,
}

/// Where a certificate was found.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct CertificateOrigin {
    /// Source kind (`certs`, `kubeconfig`, `node-root`, `endpoint`).
    pub kind: Option<SourceKind>,
    /// The file the certificate is in, relative to where the user pointed (see `SourceRecord::path`).
    pub path: String,
    /// 0-based index among the certificates of that file (or of that kubeconfig field / chain).
    pub index: u32,
    /// How the certificate was encoded: `pem`, `der`, `base64-pem` (PEM inside base64, as in
    /// kubeconfig `*-data` fields and Helm values).
    pub encoding: String,
    /// 1-based line where the PEM block (or the kubeconfig entry) starts, when known.
    pub line: Option<u32>,
    /// The kubeconfig user whose client certificate this is.
    pub kubeconfig_user: Option<String>,
    /// The kubeconfig cluster whose CA this is.
    pub kubeconfig_cluster: Option<String>,
    /// The kubeconfig that names this certificate (for a `client-certificate` or
    /// `certificate-authority` file, the kubeconfig, while `path` is the file).
    #[serde(default)]
    pub kubeconfig: Option<String>,
    /// The node root directory this came from, as given.
    pub node_root: Option<String>,
    /// Path inside the node filesystem (`/etc/kubernetes/certs/ca.crt`).
    pub node_path: Option<String>,
    /// For endpoint certificates: `host:port`.
    pub endpoint: Option<String>,
    /// For certificates in Kubernetes objects: the object and key, `namespace/Kind/name#key`
    /// (`Kind/name#key` for objects without a namespace).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub k8s_object: Option<String>,
    /// For certificates in Kubernetes objects: the object's namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

/// The part a certificate plays in an AKS cluster, decided from where it was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CertificateRole {
    /// The Cluster CA (`certificate-authority-data`, `ca.crt`).
    ClusterCa,
    /// The API server's serving certificate (`apiserver.crt`, or the leaf an endpoint presents).
    Apiserver,
    /// A kubectl client certificate from a kubeconfig user.
    KubeconfigClient,
    /// The kubelet's client certificate (`client.crt`, `kubelet-client-*.pem`).
    KubeletClient,
    /// The kubelet's serving certificate (`kubeletserver.crt`, `kubelet-server-*.pem`).
    KubeletServer,
    /// An intermediate presented by an endpoint.
    ChainIntermediate,
    /// Found in a file with nothing to say more.
    Unknown,
}

/// One certificate occurrence with everything policies need, precomputed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CertificateFact {
    /// SHA-256 of the DER, lowercase hex: stable across runs, machines and copies.
    pub id: String,
    /// Where it was found.
    pub origin: CertificateOrigin,
    /// Role in the cluster, from the origin.
    pub role: CertificateRole,
    /// How messages name this occurrence (`client certificate of clusterUser_rg_prod`,
    /// `kubelet client certificate /var/lib/kubelet/pki/kubelet-client-current.pem on node
    /// /host`, ...). Derived.
    #[serde(default)]
    pub display_name: String,
    /// `rg/name` (lowercase) of the managed cluster this certificate belongs to, when known.
    pub cluster_key: Option<String>,
    /// Subject, RFC 4514.
    pub subject: String,
    /// Subject common name.
    pub subject_cn: Option<String>,
    /// Issuer, RFC 4514.
    pub issuer: String,
    /// Issuer common name.
    pub issuer_cn: Option<String>,
    /// Serial number as signed hex of the raw bytes, colon-separated (negative serials stay visible).
    pub serial: String,
    /// X.509 version (1, 2, 3; or the raw value for illegal ones).
    pub version: u32,
    /// Start of validity, RFC 3339.
    pub not_before: String,
    /// Start of validity, Unix seconds.
    pub not_before_unix: i64,
    /// End of validity, RFC 3339.
    pub not_after: String,
    /// End of validity, Unix seconds.
    pub not_after_unix: i64,
    /// `not_after - not_before` in seconds (negative for inverted validity). Derived, like every
    /// field down to `not_after_date`.
    pub lifetime_seconds: i64,
    /// Lifetime in days (two decimals).
    pub lifetime_days: f64,
    /// `now - not_before` in seconds.
    pub age_seconds: i64,
    /// Age in days (two decimals).
    pub age_days: f64,
    /// `not_after - now` in seconds (negative once expired).
    pub remaining_seconds: i64,
    /// Remaining time in days (two decimals).
    pub remaining_days: f64,
    /// Fraction of the lifetime already used (`age / lifetime`, four decimals); `null` when the
    /// lifetime is not positive.
    pub lifetime_used: Option<f64>,
    /// `lifetime_used` as a percentage with one decimal (`93.2`), as messages print it.
    #[serde(default)]
    pub lifetime_used_percent: Option<f64>,
    /// Whole days of age, truncated toward zero (`age_seconds / 86400`), as messages print them.
    #[serde(default)]
    pub age_whole_days: i64,
    /// Whole days left, truncated toward zero (negative once expired), as messages print them.
    #[serde(default)]
    pub remaining_whole_days: i64,
    /// The date part of `not_before` (`2026-11-29`).
    #[serde(default)]
    pub not_before_date: String,
    /// The date part of `not_after`.
    #[serde(default)]
    pub not_after_date: String,
    /// basicConstraints CA flag.
    pub is_ca: bool,
    /// Issuer equals subject and the signature verifies with the certificate's own key.
    pub self_signed: bool,
    /// `RSA`, `EC`, `Ed25519`, ... .
    pub key_algorithm: String,
    /// Key size in bits, when known.
    pub key_size: Option<u32>,
    /// Named curve for EC keys.
    pub key_curve: Option<String>,
    /// Signature algorithm (`sha256WithRSAEncryption`, `ecdsa-with-SHA256`, ...).
    pub signature_algorithm: String,
    /// The signature's hash, normalised: `md5`, `sha1`, `sha224`, `sha256`, `sha384`, `sha512`,
    /// `none` (Ed25519, Ed448 hash internally), or `null` when the algorithm is unknown.
    #[serde(default)]
    pub signature_digest: Option<String>,
    /// Subject alternative names (`DNS:...`, `IP:...`, `URI:...`, `email:...`).
    pub sans: Vec<String>,
    /// Subject key identifier, hex.
    pub subject_key_id: Option<String>,
    /// Authority key identifier, hex.
    pub authority_key_id: Option<String>,
    /// Extended key usages (`serverAuth`, `clientAuth`, ...).
    pub extended_key_usage: Vec<String>,
    /// The file this certificate came from also holds a private key (value never recorded).
    pub private_key_present: bool,
    /// The verdict rules read: the check against the cluster's current CA when there is one,
    /// else against the node's own `ca.crt` (node certificates) or the kubeconfig's CA (client
    /// certificates). Derived from the three named checks below, which are never overwritten.
    pub ca_verification: Option<Box<CaVerification>>,
    /// A node certificate checked against the `ca.crt` of the same node. Derived.
    #[serde(default)]
    pub node_ca_verification: Option<Box<CaVerification>>,
    /// A kubeconfig client certificate checked against the CA of the cluster its context
    /// (the current one, else the first) pairs it with, in the same file. Derived.
    #[serde(default)]
    pub kubeconfig_ca_verification: Option<Box<CaVerification>>,
    /// A client or node certificate checked against the current CA of its API server (the
    /// newest CA seen for that server in any source). Derived.
    #[serde(default)]
    pub current_ca_verification: Option<Box<CaVerification>>,
    /// The certificate itself (DER), written as base64 in `der_base64`: public data, kept so that
    /// a saved document merged with `--facts` can still be checked against other sources' CAs.
    /// Absent from the lean document `scan` writes beside SARIF.
    #[serde(rename = "der_base64", default, skip_serializing_if = "Der::is_empty")]
    pub der: Der,
}

/// A certificate's DER bytes, kept in memory for signature checks and written as base64.
/// A value that is not base64 reads as empty (the certificate then cannot be checked).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Der(pub Vec<u8>);

impl Der {
    /// No bytes: not collected here, or dropped once every signature check was made.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Debug for Der {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Der({} bytes)", self.0.len())
    }
}

impl Serialize for Der {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&data_encoding::BASE64.encode(&self.0))
    }
}

impl<'de> Deserialize<'de> for Der {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Ok(Der(data_encoding::BASE64.decode(text.as_bytes()).unwrap_or_default()))
    }
}

/// Result of checking one certificate's signature against a CA.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum VerificationResult {
    /// The signature verifies with the CA's key.
    Verified,
    /// The signature does not verify: signed by another CA (a rotated one has the same name).
    NotSignedByCa,
    /// The signature algorithm cannot be checked (MD5, P-521, ...).
    UnsupportedAlgorithm,
    /// The CA's RSA key is under 2048 bits, which the verifier refuses; the result is unknown.
    CaKeyTooWeak,
    /// No CA certificate was available to check against.
    NoCa,
}

/// A signature check with the CA it was made against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaVerification {
    /// Outcome.
    pub result: VerificationResult,
    /// `id` of the CA certificate used, when there was one.
    pub ca_id: Option<String>,
    /// Where that CA came from (`kubeconfig cluster prod`, `node-root ca.crt`, ...).
    pub ca_source: String,
}

/// A kubeconfig file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct KubeconfigFact {
    /// Path as given.
    pub path: String,
    /// `current-context`.
    pub current_context: Option<String>,
    /// `clusters[]`.
    pub clusters: Vec<KubeconfigCluster>,
    /// `users[]`.
    pub users: Vec<KubeconfigUser>,
    /// `contexts[]`.
    pub contexts: Vec<KubeconfigContext>,
    /// For a kubeconfig kept in a Kubernetes object: the object and key
    /// (`namespace/Kind/name#key`, which is also `path`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object: Option<String>,
    /// For a kubeconfig kept in a Kubernetes object: where that object is (the objects file and
    /// the object's line), which is where findings about it point.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_location: Option<FileLocation>,
    /// Read from a saved facts document (`--facts`, a DaemonSet's), not observed by this run: its
    /// CAs are never candidates for a server's current CA (see [`crate::facts::derive`]). Not
    /// written: a document read back is saved again.
    #[serde(skip)]
    pub from_saved_document: bool,
}

/// One `clusters[]` entry.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct KubeconfigCluster {
    /// `name`.
    pub name: String,
    /// 1-based line where the entry starts.
    pub line: Option<u32>,
    /// `cluster.server`.
    pub server: Option<String>,
    /// `cluster.tls-server-name`.
    pub tls_server_name: Option<String>,
    /// `cluster.insecure-skip-tls-verify`.
    pub insecure_skip_tls_verify: bool,
    /// Where the CA comes from: `data`, `file` or `none`.
    pub ca_source: String,
    /// `certificate-authority` path when the CA is a file.
    pub ca_file: Option<String>,
    /// Ids of the CA certificates (a bundle can hold several).
    pub ca_certificate_ids: Vec<String>,
    /// `rg/name` of the managed cluster this entry points at, when known.
    pub cluster_key: Option<String>,
}

/// The AKS naming of a kubeconfig user (`clusterUser_<rg>_<name>`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AksUserName {
    /// `clusterUser`, `clusterAdmin` or `clusterMonitoringUser`.
    pub kind: String,
    /// Resource group.
    pub resource_group: String,
    /// Cluster name.
    pub cluster_name: String,
}

/// How a kubeconfig user authenticates. Secret values are never recorded, only their presence.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct KubeconfigAuth {
    /// `client-certificate`, `token`, `exec`, `auth-provider`, `basic`, or `none`; the first that
    /// applies in that order.
    pub kind: String,
    /// `data`, `file` or `null`.
    pub client_certificate: Option<String>,
    /// `client-certificate` path when it is a file.
    pub client_certificate_file: Option<String>,
    /// `client-key-data` or `client-key` is set.
    pub client_key_present: bool,
    /// `token` or `tokenFile` is set.
    pub token_present: bool,
    /// `password` is set.
    pub password_present: bool,
    /// `username` is set.
    pub username_present: bool,
    /// `exec.command` (e.g. `kubelogin`).
    pub exec_command: Option<String>,
    /// kubelogin `--login` mode when given (`devicecode`, `azurecli`, ...).
    pub exec_login_mode: Option<String>,
    /// `auth-provider.name`.
    pub auth_provider: Option<String>,
}

/// One `users[]` entry.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct KubeconfigUser {
    /// `name`.
    pub name: String,
    /// 1-based line where the entry starts.
    pub line: Option<u32>,
    /// Parsed AKS user naming, when the name follows it.
    pub aks: Option<AksUserName>,
    /// Authentication.
    pub auth: KubeconfigAuth,
    /// Id of the client certificate, when there is one that parses.
    pub client_certificate_id: Option<String>,
    /// Signature checks of the client certificate against the CA of every cluster a context
    /// pairs this user with.
    pub ca_checks: Vec<UserCaCheck>,
    /// The client certificate checked against the cluster's *current* CA: the newest CA seen
    /// for the same API server in any source (a fresh kubeconfig, a recreated node). A
    /// kubeconfig from before `az aks rotate-certs` is consistent with itself but fails here.
    pub current_ca_check: Option<CaVerification>,
    /// `rg/name` of the managed cluster this user belongs to, when known.
    pub cluster_key: Option<String>,
    /// Derived: the client certificate is within its validity period at the evaluation time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_certificate_valid: Option<bool>,
    /// Derived: the client certificate's `notAfter` (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_certificate_not_after: Option<String>,
}

/// The client certificate of a user checked against one cluster's CA.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserCaCheck {
    /// The context that pairs them.
    pub context: String,
    /// The kubeconfig cluster.
    pub cluster: String,
    /// The check.
    pub verification: CaVerification,
}

/// One `contexts[]` entry.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct KubeconfigContext {
    /// `name`.
    pub name: String,
    /// `context.cluster`.
    pub cluster: Option<String>,
    /// `context.user`.
    pub user: Option<String>,
    /// `context.namespace`.
    pub namespace: Option<String>,
}

/// Where in a source file a fact starts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileLocation {
    /// File path as given.
    pub path: String,
    /// 1-based line where the object starts, when known.
    pub line: Option<u32>,
}

/// Microsoft Entra ID (AAD) integration.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AadFact {
    /// `aadProfile.managed`.
    pub managed: Option<bool>,
    /// `aadProfile.enableAzureRbac`.
    pub enable_azure_rbac: Option<bool>,
}

/// A managed cluster, from `az aks show -o json` (flattened) or an ARM document.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ClusterFact {
    /// Where the cluster object starts.
    pub location: FileLocation,
    /// `az` for the CLI's flattened spelling, `arm` for the raw resource.
    pub spelling: String,
    /// `rg/name`, lowercase: how other facts refer to this cluster.
    pub key: String,
    /// ARM resource id.
    pub id: Option<String>,
    /// Cluster name.
    pub name: String,
    /// Resource group (from `resourceGroup` or the resource id).
    pub resource_group: Option<String>,
    /// Subscription id from the resource id.
    pub subscription_id: Option<String>,
    /// Azure region.
    pub region: Option<String>,
    /// Kubernetes RBAC (`enableRbac` / `properties.enableRBAC`).
    pub enable_rbac: Option<bool>,
    /// Entra ID integration, when configured.
    pub aad: Option<AadFact>,
    /// `disableLocalAccounts`.
    pub disable_local_accounts: Option<bool>,
    /// `powerState.code` (`Running`, `Stopped`); `null` when the document has none (unknown).
    pub power_state: Option<String>,
    /// `provisioningState` (free text: `Succeeded`, `RotatingClusterCertificates`, `Failed`, ...).
    pub provisioning_state: Option<String>,
    /// `kubernetesVersion`.
    pub kubernetes_version: Option<String>,
    /// `currentKubernetesVersion`.
    pub current_kubernetes_version: Option<String>,
    /// Minor version of the newest of the two versions above (`1.29.4` gives 29).
    pub kubernetes_minor: Option<u32>,
    /// Public API server FQDN.
    pub fqdn: Option<String>,
    /// Private API server FQDN.
    pub private_fqdn: Option<String>,
    /// `nodeResourceGroup`.
    pub node_resource_group: Option<String>,
    /// `systemData.createdAt`, RFC 3339, when present.
    pub created_at: Option<String>,
    /// `created_at` as Unix seconds.
    pub created_at_unix: Option<i64>,
    /// Only some of the cluster is known (built from a standalone agent pool document).
    pub partial: bool,
    /// `agentPoolProfiles[]`, or standalone agent pool resources.
    pub agent_pools: Vec<AgentPoolFact>,
}

/// The cluster key of an AKS name: `rg/name`, lowercase (Azure names are case-insensitive).
pub fn cluster_key(resource_group: &str, name: &str) -> String {
    format!("{}/{}", resource_group.to_lowercase(), name.to_lowercase())
}

/// One agent (node) pool.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AgentPoolFact {
    /// Pool name.
    pub name: String,
    /// Node count.
    pub count: Option<i64>,
    /// `System` or `User`.
    pub mode: Option<String>,
    /// `Linux` or `Windows`.
    pub os_type: Option<String>,
    /// `Ubuntu`, `AzureLinux`, `Windows2022`, ...
    pub os_sku: Option<String>,
    /// `VirtualMachineScaleSets` or `AvailabilitySet`.
    pub pool_type: Option<String>,
    /// `nodeImageVersion`.
    pub node_image_version: Option<String>,
    /// Build date inside the node image version (`AKSUbuntu-2204gen2containerd-202403.25.0`), as
    /// RFC 3339 date, when it can be read.
    pub node_image_date: Option<String>,
    /// `node_image_date` as Unix seconds.
    pub node_image_date_unix: Option<i64>,
    /// `orchestratorVersion`.
    pub orchestrator_version: Option<String>,
    /// `currentOrchestratorVersion`.
    pub current_orchestrator_version: Option<String>,
    /// `provisioningState`.
    pub provisioning_state: Option<String>,
    /// `powerState.code`, `null` when absent.
    pub power_state: Option<String>,
    /// Where the pool object starts.
    pub location: Option<FileLocation>,
    /// The pool carries the tag `aks-disable-kubelet-serving-certificate-rotation=true`: it opts
    /// out of kubelet serving certificate rotation (honoured until 2027-04-01).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serving_rotation_opt_out: Option<bool>,
}

/// One node from `kubectl get nodes -o json`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NodeFact {
    /// Where the node object starts.
    pub location: FileLocation,
    /// `metadata.name`.
    pub name: String,
    /// `metadata.creationTimestamp`.
    pub created_at: Option<String>,
    /// `created_at` as Unix seconds.
    pub created_at_unix: Option<i64>,
    /// Label `kubernetes.azure.com/agentpool` or `agentpool`.
    pub agent_pool: Option<String>,
    /// `status.nodeInfo.operatingSystem`.
    pub os: Option<String>,
    /// `status.nodeInfo.osImage`.
    pub os_image: Option<String>,
    /// `status.nodeInfo.kubeletVersion`.
    pub kubelet_version: Option<String>,
    /// Label `kubernetes.azure.com/node-image-version`.
    pub node_image_version: Option<String>,
    /// Condition `Ready`: `true`, `false`, or `null` when unknown.
    pub ready: Option<bool>,
    /// The node carries AKS labels or an `azure://` provider id.
    pub is_aks: bool,
    /// Label `kubernetes.azure.com/cluster` (the node resource group).
    pub node_resource_group: Option<String>,
    /// `rg/name` of the managed cluster, when a cluster fact matches the node resource group.
    pub cluster_key: Option<String>,
    /// Label `kubernetes.azure.com/kubelet-serving-ca` (`cluster`: the kubelet serves with a
    /// certificate the cluster CA signed, renewed through `kubelet-serving` CSRs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kubelet_serving_ca: Option<String>,
}

/// Evidence of kubelet TLS bootstrapping (which is what makes certificate auto-rotation work).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TlsBootstrapEvidence {
    /// `/var/lib/kubelet/bootstrap-kubeconfig` (Windows: `bootstrap-config`) exists.
    pub bootstrap_kubeconfig_present: bool,
    /// Secure TLS bootstrapping unit or configuration files exist.
    pub secure_bootstrap_present: bool,
    /// `/var/lib/kubelet/kubeconfig` (Windows: `config`) exists.
    pub kubelet_kubeconfig_present: bool,
    /// Client certificate the kubelet kubeconfig uses (`client-certificate` path, or `data`).
    pub kubelet_client_certificate: Option<String>,
    /// The kubelet uses the rotating `pki/kubelet-client-current.pem`.
    pub uses_rotating_client_certificate: Option<bool>,
    /// The kubelet uses the static `/etc/kubernetes/certs/client.crt`.
    pub uses_static_client_certificate: Option<bool>,
    /// The kubelet's certificate store holds `pki/kubelet-client-current.pem`: its client
    /// certificate rotates (secure TLS bootstrapping clears the bootstrap kubeconfig, so this is
    /// the evidence that stays).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub rotating_client_certificate_present: bool,
    /// Summary: `true` when any bootstrap evidence was found, `false` when the kubelet config
    /// was read and shows none, `null` when nothing could be read.
    pub bootstrapped: Option<bool>,
}

/// One kubelet setting: its effective value and where it came from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KubeletSetting {
    /// The effective value; `null` when no file read sets it (unknown, never assumed).
    pub value: Option<bool>,
    /// The file that set it, as shown.
    pub file: Option<String>,
    /// Its 1-based line.
    pub line: Option<u32>,
    /// `flag` (command line, which wins) or `config-file`.
    pub from: Option<String>,
}

/// The kubelet's certificate-rotation settings and kubeconfig permissions on a node.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KubeletSettings {
    /// Configuration files read (`/etc/default/kubelet`, drop-ins, the config file).
    #[serde(default)]
    pub files_read: Vec<String>,
    /// The kubelet config file (`--config`), as named on the node.
    #[serde(default)]
    pub config_file: Option<String>,
    /// `--rotate-certificates` / `rotateCertificates`: client certificate rotation.
    #[serde(default)]
    pub rotate_certificates: KubeletSetting,
    /// `--rotate-server-certificates` / `serverTLSBootstrap`: serving certificates from the cluster CA.
    #[serde(default)]
    pub server_tls_bootstrap: KubeletSetting,
    /// The `RotateKubeletServerCertificate` feature gate.
    #[serde(default)]
    pub rotate_kubelet_server_certificate: KubeletSetting,
    /// The kubelet kubeconfig's permission bits, octal (`"0600"`).
    #[serde(default)]
    pub kubeconfig_mode: Option<String>,
    /// Its owner's user id, when known.
    #[serde(default)]
    pub kubeconfig_owner_uid: Option<u32>,
    /// Its owner's group id, when known.
    #[serde(default)]
    pub kubeconfig_owner_gid: Option<u32>,
    /// Why the owner is unknown.
    #[serde(default)]
    pub kubeconfig_owner_unknown: Option<String>,
}

/// A node's filesystem (`--node-root`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NodeRootFact {
    /// Directory as given.
    pub path: String,
    /// `linux` or `windows` (from the layout found).
    pub os: String,
    /// API server URL from the kubelet (or bootstrap) kubeconfig.
    pub api_server: Option<String>,
    /// The kubelet kubeconfig file, as shown (`<root>/var/lib/kubelet/kubeconfig`), when present.
    pub kubelet_kubeconfig: Option<String>,
    /// TLS bootstrapping evidence.
    pub tls_bootstrap: TlsBootstrapEvidence,
    /// Id of the node's `ca.crt`.
    pub ca_certificate_id: Option<String>,
    /// Subject of the kubelet client certificate (`O=system:nodes,CN=system:node:<name>`): the
    /// node's identity, stable across machines and mount points.
    pub kubelet_client_subject: Option<String>,
    /// Ids of every certificate found on the node.
    pub certificate_ids: Vec<String>,
    /// Files found that the collector looks for, relative to the root (for the record).
    pub files_found: Vec<String>,
    /// `rg/name` of the managed cluster, when the API server matches a cluster's FQDN.
    pub cluster_key: Option<String>,
    /// The kubelet's rotation settings and kubeconfig permissions.
    #[serde(default)]
    pub kubelet: KubeletSettings,
    /// Derived: a kubelet serving certificate on the node verifies against the node's `ca.crt`
    /// (it came from the cluster CA, so it must be rotated), as opposed to the kubelet's own
    /// self-signed one.
    #[serde(default)]
    pub serving_certificate_cluster_signed: bool,
    /// Read from a saved facts document (`--facts`, a DaemonSet's), not observed by this run: its
    /// CAs are never candidates for a server's current CA (see [`crate::facts::derive`]). Not
    /// written: a document read back is saved again.
    #[serde(skip)]
    pub from_saved_document: bool,
}

/// A Kubernetes objects source: the cluster its objects come from and the cluster CA the API
/// server publishes in it (`ConfigMap kube-root-ca.crt`, in every namespace).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct K8sSourceFact {
    /// The source, as the facts' `sources` names it.
    pub path: String,
    /// Objects read, by kind.
    pub objects: std::collections::BTreeMap<String, u64>,
    /// Ids of the CAs in `kube-root-ca.crt` (each once): the cluster's current CA.
    pub published_ca_ids: Vec<String>,
    /// `rg/name` of the cluster the objects were read from: given when read live, else derived
    /// from a published CA that a kubeconfig or node of a known cluster also has.
    pub cluster_key: Option<String>,
    /// Read from a saved facts document (`--facts`, a DaemonSet's), not observed by this run: its
    /// CAs are never candidates for a server's current CA (see [`crate::facts::derive`]). Not
    /// written: a document read back is saved again.
    #[serde(skip)]
    pub from_saved_document: bool,
}

/// A CA an object pins to authenticate to an API server.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CaPinFact {
    /// The object and key, `namespace/Kind/name#key`.
    pub object: String,
    /// Its namespace.
    pub namespace: Option<String>,
    /// The objects source it was read from (`path` of a `k8s_sources` entry).
    pub source: String,
    /// Where the object starts.
    pub location: FileLocation,
    /// `kubeconfig`, `argocd-cluster` or `service-account-token`.
    pub kind: String,
    /// The API server it is for (`server`), when it names one.
    pub server: Option<String>,
    /// It is for the cluster it lives in: a service-account token, or a server inside the
    /// cluster (`kubernetes.default.svc`).
    pub in_cluster: bool,
    /// Ids of the CAs it pins.
    pub ca_certificate_ids: Vec<String>,
    /// Derived: `rg/name` of the cluster it authenticates to, when known.
    #[serde(default)]
    pub cluster_key: Option<String>,
    /// Derived: it authenticates to the cluster it lives in.
    #[serde(default)]
    pub targets_own_cluster: bool,
    /// Derived: the current CA of that cluster, when known (`kube-root-ca.crt`, else the newest
    /// CA of its API server in any source).
    #[serde(default)]
    pub current_ca_id: Option<String>,
    /// Derived: where the current CA came from.
    #[serde(default)]
    pub current_ca_source: Option<String>,
    /// Derived: whether it pins the current CA; `null` when unknown (its cluster or that
    /// cluster's current CA is not known).
    #[serde(default)]
    pub pins_current_ca: Option<bool>,
}

/// A CertificateSigningRequest.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CsrFact {
    /// `metadata.name`.
    pub name: String,
    /// Where the object starts.
    pub location: FileLocation,
    /// The objects source it was read from.
    pub source: String,
    /// `spec.signerName` (`kubernetes.io/kubelet-serving`, ...).
    pub signer_name: Option<String>,
    /// `spec.username` (`system:node:<name>` for kubelets).
    pub username: Option<String>,
    /// The node that asked, from the user name.
    pub node: Option<String>,
    /// `metadata.creationTimestamp`.
    pub created_at: Option<String>,
    /// `created_at` as Unix seconds.
    pub created_at_unix: Option<i64>,
    /// A condition `Approved` with status `True`.
    pub approved: bool,
    /// A condition `Denied` with status `True`.
    pub denied: bool,
    /// A condition `Failed` with status `True`.
    pub failed: bool,
    /// `status.certificate` is set.
    pub issued: bool,
    /// Id of the issued certificate, when it parses.
    pub certificate_id: Option<String>,
    /// Derived: `rg/name` of its cluster, when known.
    #[serde(default)]
    pub cluster_key: Option<String>,
    /// Derived: seconds since it was created while it is neither issued, denied nor failed.
    #[serde(default)]
    pub pending_seconds: Option<i64>,
}

/// A probed TLS endpoint (see the live-checks docs).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EndpointFact {
    /// `host:port` as probed.
    pub endpoint: String,
    /// Host.
    pub host: String,
    /// Port.
    pub port: u16,
    /// Server name sent (SNI), when one was.
    pub server_name: Option<String>,
    /// Ids of the presented chain, leaf first.
    pub chain: Vec<String>,
    /// The leaf certificate matches the server name.
    pub hostname_matches: Option<bool>,
    /// The chain checked against each kubeconfig CA for this server.
    pub ca_checks: Vec<EndpointCaCheck>,
    /// `rg/name` of the managed cluster, when known.
    pub cluster_key: Option<String>,
}

/// A presented chain checked against one kubeconfig's CA.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointCaCheck {
    /// Kubeconfig file.
    pub kubeconfig: String,
    /// Kubeconfig cluster entry.
    pub cluster: String,
    /// 1-based line of that entry.
    pub line: Option<u32>,
    /// The check.
    pub verification: CaVerification,
}

/// What went wrong reading a source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ErrorKind {
    /// The path does not exist.
    NotFound,
    /// The path could not be opened for lack of permission.
    PermissionDenied,
    /// Another I/O failure.
    Io,
    /// The file is larger than the size cap.
    TooLarge,
    /// A symbolic link loop.
    SymlinkLoop,
    /// The file is empty.
    Empty,
    /// A PEM block or DER certificate that does not parse.
    MalformedCertificate,
    /// Content holds no certificate at all.
    NotACertificate,
    /// YAML that does not parse.
    MalformedYaml,
    /// JSON that does not parse.
    MalformedJson,
    /// Well-formed, but not the document expected.
    WrongShape,
    /// The source is understood but not supported.
    Unsupported,
    /// A live probe or a subprocess failed.
    Probe,
}

/// One source that could not be read, or read only in part.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct CollectionError {
    /// Source kind.
    pub source: SourceKind,
    /// File (or endpoint) concerned.
    pub path: String,
    /// 1-based line, when known.
    pub line: Option<u32>,
    /// Category.
    pub kind: ErrorKind,
    /// What was wrong, in words; never holds secret values.
    pub message: String,
}
