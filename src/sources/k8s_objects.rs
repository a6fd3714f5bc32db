//! `--k8s-objects FILE`: the certificates the services on top of AKS keep in Kubernetes objects,
//! and what they pin. Reads `kubectl get ... -o json` output (a `List`, or one object) and YAML
//! streams (`---` between documents), from a file or standard input (`-`); `--aks` reads the
//! same objects live.
//!
//! | object | what is read |
//! |---|---|
//! | Secret `kubernetes.io/tls` | `tls.crt`, `ca.crt` |
//! | Secret `kubernetes.io/service-account-token` | `ca.crt` (a copy of the cluster CA, pinned) |
//! | Secret with label `argocd.argoproj.io/secret-type: cluster` | `server`, and `config`'s `tlsClientConfig.caData` / `certData` (pinned) |
//! | any other Secret, any ConfigMap | values that are PEM certificates, or kubeconfigs (Flux's `value` / `kubeconfig`; their CAs are pinned) |
//! | ConfigMap `kube-root-ca.crt` | `ca.crt`: the CA the API server publishes, the cluster's current CA |
//! | Validating/MutatingWebhookConfiguration | every webhook's `clientConfig.caBundle` |
//! | APIService | `spec.caBundle` |
//! | CustomResourceDefinition | the conversion webhook's `caBundle` |
//! | CertificateSigningRequest | signer, requester, conditions, and the issued certificate |
//! | Node | labels (`kubernetes.azure.com/kubelet-serving-ca`), as `--nodes` reads it |
//!
//! Key material is never decoded, stored, logged or echoed: values under keys that name it
//! (`tls.key`, `token`, `password`, `*.key`, `keyData`, ...) are skipped unread; other secret
//! values are decoded only to look for a certificate or a kubeconfig (whose own secrets the
//! kubeconfig reader records as present, never as values), and what is neither is dropped
//! unseen. Errors name the object and the key, never a value.
//!
//! Each certificate is a fact whose origin names its object (`namespace/Secret/name#tls.crt`), so
//! that findings, waivers and metrics can point at it.

use std::collections::BTreeSet;
use std::path::Path;

use data_encoding::BASE64;
use serde_json::value::RawValue;
use serde_json::Value;

use crate::facts::model::*;
use crate::facts::part::Part;
use crate::facts::x509::analyze;
use crate::paths::display_path;
use crate::sources::context::CollectContext;
use crate::sources::read::input::{error, read_capped, read_stdin_capped, utf8_text};
use crate::sources::read::lines::LineIndex;
use crate::sources::read::pem::{extract, Extraction};

/// The kinds `--aks` reads live (`kubectl get <kinds> --all-namespaces -o json`); nodes come
/// from their own step. `deploy/kubernetes/clusterrole-k8s-objects.yaml` grants exactly these.
pub const LIVE_KINDS: &[&str] = &[
    "secrets",
    "configmaps",
    "validatingwebhookconfigurations",
    "mutatingwebhookconfigurations",
    "apiservices",
    "customresourcedefinitions",
    "certificatesigningrequests",
];

/// The items of a `List` document, each as its JSON text; `None` when it is not one.
pub fn list_items(json: &str) -> Option<Vec<String>> {
    #[derive(serde::Deserialize)]
    struct Head<'a> {
        #[serde(borrow)]
        items: Vec<&'a RawValue>,
    }
    let head: Head<'_> = serde_json::from_str(json).ok()?;
    Some(head.items.into_iter().map(|i| i.get().to_string()).collect())
}

/// Nested `List`s followed at most (a `List` of `List`s of objects is two).
const MAX_LIST_DEPTH: usize = 4;

/// Collects one `--k8s-objects` file (`-` for standard input).
pub fn collect(path: &Path, ctx: &CollectContext) -> Part {
    let stdin = path.as_os_str() == "-";
    let shown = if stdin { "-".to_string() } else { display_path(path) };
    let bytes = if stdin {
        read_stdin_capped(ctx.max_document_size, SourceKind::K8sObjects)
    } else {
        read_capped(path, ctx.max_document_size, SourceKind::K8sObjects, &shown)
    };
    let bytes = match bytes {
        Ok(b) => b,
        Err(e) => return Part::for_source(SourceKind::K8sObjects, &shown).with_error(e),
    };
    let text = match utf8_text(&bytes, SourceKind::K8sObjects, &shown) {
        Ok(t) => t,
        Err(e) => return Part::for_source(SourceKind::K8sObjects, &shown).with_error(e),
    };
    let mut part = from_text(text, &shown, None, ctx);
    part.read(&shown, &bytes);
    part
}

/// Reads objects from `text` (JSON or a YAML stream) that came from `shown`; `cluster_key` names
/// the cluster they were read from when it is known (a live read).
pub fn from_text(text: &str, shown: &str, cluster_key: Option<String>, ctx: &CollectContext) -> Part {
    let mut reader = Reader::new(shown, ctx, cluster_key);
    reader.out.source.files_read = 1;
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        reader.json(text);
    } else {
        reader.yaml(text);
    }
    let mut out = reader.out;
    let mut source = reader.source;
    let published: BTreeSet<String> = source.published_ca_ids.drain(..).collect();
    source.published_ca_ids = published.into_iter().collect();
    out.facts.k8s_sources.push(source);
    out
}

/// Lists longer than this are read in chunks of this many items, in parallel.
const PARALLEL_ITEMS: usize = 256;

struct Reader<'a> {
    shown: &'a str,
    ctx: &'a CollectContext,
    out: Part,
    source: K8sSourceFact,
}

impl<'a> Reader<'a> {
    /// A reader of objects from `shown`, with nothing read yet.
    fn new(shown: &'a str, ctx: &'a CollectContext, cluster_key: Option<String>) -> Self {
        Reader {
            shown,
            ctx,
            out: Part::for_source(SourceKind::K8sObjects, shown),
            source: K8sSourceFact {
                path: shown.to_string(),
                cluster_key,
                ..Default::default()
            },
        }
    }
}

/// One object's identity as messages and origins name it.
struct ObjectRef {
    kind: String,
    namespace: Option<String>,
    name: String,
    line: Option<u32>,
}

impl ObjectRef {
    /// `namespace/Kind/name#key`, or `Kind/name#key` without a namespace.
    fn key(&self, key: &str) -> String {
        match &self.namespace {
            Some(ns) => format!("{ns}/{}/{}#{key}", self.kind, self.name),
            None => format!("{}/{}#{key}", self.kind, self.name),
        }
    }

    /// `Secret prod/ingress-tls`.
    fn shown(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{} {ns}/{}", self.kind, self.name),
            None => format!("{} {}", self.kind, self.name),
        }
    }
}

/// Whether a key of a Secret or ConfigMap names key material or credentials: never decoded.
fn is_key_material(key: &str) -> bool {
    let lower = key.to_ascii_lowercase();
    let base = lower.rsplit(['/', '.']).next().unwrap_or(&lower);
    lower.ends_with(".key")
        || lower.ends_with("-key")
        || lower.ends_with("_key")
        || lower.ends_with("keydata")
        || lower.ends_with(".p12")
        || lower.ends_with(".pfx")
        || lower.ends_with(".jks")
        || [
            "key",
            "token",
            "password",
            "passwd",
            "secret",
            "credentials",
            "credential",
            "bearertoken",
            "client-secret",
            "client_secret",
            "ssh-privatekey",
            "apikey",
            "api-key",
            ".dockerconfigjson",
            ".dockercfg",
        ]
        .iter()
        .any(|k| lower == *k || base == *k)
        || lower.contains("password")
        || lower.contains("token")
        || lower.contains("private")
}

/// The server of a URL when it is the cluster's own API server seen from inside (`kubernetes`,
/// `kubernetes.default`, `kubernetes.default.svc`, `kubernetes.default.svc.cluster.local`).
fn is_in_cluster_server(server: &str) -> bool {
    let host = crate::facts::derive::server_host(server).unwrap_or_default();
    matches!(
        host.as_str(),
        "kubernetes" | "kubernetes.default" | "kubernetes.default.svc" | "kubernetes.default.svc.cluster.local"
    )
}

impl Reader<'_> {
    fn json(&mut self, text: &str) {
        let lines = LineIndex::new(text);
        let body = text.trim_start_matches('\u{feff}');
        let top: &RawValue = match serde_json::from_str(body) {
            Ok(v) => v,
            Err(e) => {
                let mut err = error(
                    SourceKind::K8sObjects,
                    self.shown,
                    ErrorKind::MalformedJson,
                    format!("not valid JSON: {e}"),
                );
                err.line = u32::try_from(e.line()).ok().filter(|l| *l > 0);
                self.out.facts.errors.push(err);
                return;
            }
        };
        self.json_value(body, &lines, top, 0);
    }

    /// One JSON value: a list of objects (`items`, or a bare array), or one object.
    fn json_value(&mut self, text: &str, lines: &LineIndex, raw: &RawValue, depth: usize) {
        #[derive(serde::Deserialize)]
        struct Head<'a> {
            #[serde(default, borrow)]
            items: Option<Vec<&'a RawValue>>,
        }
        let line = lines.line_of_slice(text, raw.get());
        let items: Option<Vec<&RawValue>> = if raw.get().trim_start().starts_with('[') {
            serde_json::from_str(raw.get()).ok()
        } else {
            serde_json::from_str::<Head<'_>>(raw.get()).ok().and_then(|h| h.items)
        };
        match items {
            Some(items) if depth < MAX_LIST_DEPTH && items.len() > PARALLEL_ITEMS => {
                self.in_parallel(text, lines, &items, depth)
            }
            Some(items) if depth < MAX_LIST_DEPTH => {
                for item in items {
                    self.json_value(text, lines, item, depth + 1);
                }
            }
            Some(_) => self.problem(line, ErrorKind::WrongShape, "lists nested too deeply; skipped".into()),
            None => match serde_json::from_str::<Value>(raw.get()) {
                Ok(value) => self.object(&value, line),
                Err(e) => self.problem(line, ErrorKind::MalformedJson, format!("not valid JSON: {e}")),
            },
        }
    }

    /// The items of a large list read on every core, a chunk per task with a reader of its own,
    /// then merged in list order: the facts (and the errors) come out as a sequential read would
    /// give them. Decoding and parsing 10,000 TLS secrets is most of reading them.
    fn in_parallel(&mut self, text: &str, lines: &LineIndex, items: &[&RawValue], depth: usize) {
        use rayon::prelude::*;
        let (shown, ctx, cluster_key) = (self.shown, self.ctx, self.source.cluster_key.clone());
        let chunks: Vec<(Part, K8sSourceFact)> = items
            .par_chunks(PARALLEL_ITEMS)
            .map(|chunk| {
                let mut reader = Reader::new(shown, ctx, cluster_key.clone());
                for item in chunk {
                    reader.json_value(text, lines, item, depth + 1);
                }
                (reader.out, reader.source)
            })
            .collect();
        // Room for every chunk's facts at once: 100,000 certificate facts appended chunk by
        // chunk would copy the list at each doubling.
        self.out.facts.reserve_for(chunks.iter().map(|(part, _)| &part.facts));
        for (part, source) in chunks {
            self.out.facts.absorb(part.facts);
            for (kind, n) in source.objects {
                *self.source.objects.entry(kind).or_default() += n;
            }
            self.source.published_ca_ids.extend(source.published_ca_ids);
        }
    }

    fn yaml(&mut self, text: &str) {
        let options = serde_saphyr::options! { with_snippet: false };
        let documents: Vec<serde_saphyr::Spanned<Value>> =
            match serde_saphyr::from_str_multiple_with_options(text, options) {
                Ok(d) => d,
                Err(e) => {
                    let message = crate::sanitize::redact(&e.to_string());
                    self.problem(
                        None,
                        ErrorKind::MalformedYaml,
                        format!("neither JSON nor a readable YAML stream: {message}"),
                    );
                    return;
                }
            };
        for document in documents {
            let line = u32::try_from(document.referenced.line()).ok().filter(|l| *l > 0);
            self.yaml_value(&document.value, line, 0);
        }
    }

    fn yaml_value(&mut self, value: &Value, line: Option<u32>, depth: usize) {
        let items = match value {
            Value::Array(items) => Some(items),
            Value::Object(_) => value.get("items").and_then(Value::as_array),
            _ => None,
        };
        match items {
            Some(items) if depth < MAX_LIST_DEPTH => {
                for item in items {
                    self.yaml_value(item, line, depth + 1);
                }
            }
            Some(_) => self.problem(line, ErrorKind::WrongShape, "lists nested too deeply; skipped".into()),
            None if value.is_null() => {}
            None => self.object(value, line),
        }
    }

    fn problem(&mut self, line: Option<u32>, kind: ErrorKind, message: String) {
        let mut e = error(SourceKind::K8sObjects, self.shown, kind, message);
        e.line = line;
        self.out.facts.errors.push(e);
    }

    /// One object, by its kind.
    fn object(&mut self, value: &Value, line: Option<u32>) {
        let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_string);
        let Some(kind) = text(value.get("kind")) else {
            self.problem(line, ErrorKind::WrongShape, "an item without `kind`; skipped".into());
            return;
        };
        let metadata = value.get("metadata");
        let name = text(metadata.and_then(|m| m.get("name"))).unwrap_or_default();
        let object = ObjectRef {
            namespace: text(metadata.and_then(|m| m.get("namespace"))).filter(|n| !n.is_empty()),
            name,
            kind: kind.clone(),
            line,
        };
        *self.source.objects.entry(kind.clone()).or_default() += 1;
        match kind.as_str() {
            "Secret" => self.secret(value, &object),
            "ConfigMap" => self.config_map(value, &object),
            "ValidatingWebhookConfiguration" | "MutatingWebhookConfiguration" => {
                let webhooks = value
                    .get("webhooks")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                for (i, webhook) in webhooks.iter().enumerate() {
                    let name = text(webhook.get("name")).unwrap_or_else(|| i.to_string());
                    if let Some(bundle) = text(webhook.pointer("/clientConfig/caBundle")) {
                        self.base64_certificates(
                            &object,
                            &format!("webhooks[{name}].caBundle"),
                            &bundle,
                            CertificateRole::Unknown,
                            true,
                        );
                    }
                }
            }
            "APIService" => {
                if let Some(bundle) = text(value.pointer("/spec/caBundle")) {
                    self.base64_certificates(&object, "spec.caBundle", &bundle, CertificateRole::Unknown, true);
                }
            }
            "CustomResourceDefinition" => {
                let bundle = text(value.pointer("/spec/conversion/webhook/clientConfig/caBundle"))
                    .or_else(|| text(value.pointer("/spec/conversion/webhookClientConfig/caBundle")));
                if let Some(bundle) = bundle {
                    self.base64_certificates(
                        &object,
                        "spec.conversion.webhook.clientConfig.caBundle",
                        &bundle,
                        CertificateRole::Unknown,
                        true,
                    );
                }
            }
            "CertificateSigningRequest" => self.csr(value, &object),
            "Node" => {
                let location = FileLocation {
                    path: self.shown.to_string(),
                    line,
                };
                match super::nodes::node_fact(value, location) {
                    Some(node) => self.out.facts.nodes.push(node),
                    None => self.problem(line, ErrorKind::WrongShape, "a Node without a name; skipped".into()),
                }
            }
            _ => {}
        }
    }

    fn secret(&mut self, value: &Value, object: &ObjectRef) {
        let secret_type = value
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("Opaque")
            .to_string();
        let data = string_data(value);
        let argocd = value
            .pointer("/metadata/labels")
            .and_then(|l| l.get("argocd.argoproj.io/secret-type"))
            .and_then(Value::as_str)
            == Some("cluster");
        let get = |key: &str| data.iter().find(|(k, _)| *k == key).map(|(_, v)| *v);
        match secret_type.as_str() {
            "kubernetes.io/tls" => {
                match get("tls.crt") {
                    Some(v) => {
                        self.base64_certificates(object, "tls.crt", v, CertificateRole::Unknown, true);
                    }
                    None => self.problem(
                        object.line,
                        ErrorKind::NotACertificate,
                        format!("{}: a `kubernetes.io/tls` secret without `tls.crt`", object.shown()),
                    ),
                }
                if let Some(v) = get("ca.crt").filter(|v| !v.trim().is_empty()) {
                    self.base64_certificates(object, "ca.crt", v, CertificateRole::Unknown, true);
                }
            }
            "kubernetes.io/service-account-token" => {
                if let Some(v) = get("ca.crt") {
                    let ids = self.base64_certificates(object, "ca.crt", v, CertificateRole::ClusterCa, true);
                    self.pin(object, "ca.crt", "service-account-token", None, true, ids);
                }
            }
            _ if argocd => self.argocd_cluster(object, &data),
            _ => {
                for &(key, v) in &data {
                    if is_key_material(key) {
                        continue;
                    }
                    let Ok(decoded) = decode(v) else { continue };
                    self.sniff(object, key, &decoded, "base64-pem");
                }
            }
        }
    }

    fn config_map(&mut self, value: &Value, object: &ObjectRef) {
        let data = string_data(value);
        if object.name == "kube-root-ca.crt" {
            if let Some((_, pem)) = data.iter().find(|(k, _)| *k == "ca.crt") {
                let ids = self.certificates(
                    object,
                    "ca.crt",
                    pem.as_bytes(),
                    "pem",
                    CertificateRole::ClusterCa,
                    true,
                );
                self.source.published_ca_ids.extend(ids);
            }
            return;
        }
        for &(key, v) in &data {
            if is_key_material(key) {
                continue;
            }
            self.sniff(object, key, v.as_bytes(), "pem");
        }
        let binary = value.get("binaryData").and_then(Value::as_object);
        for (key, v) in binary.into_iter().flatten() {
            let Some(v) = v.as_str() else { continue };
            if is_key_material(key) {
                continue;
            }
            let Ok(decoded) = decode(v) else { continue };
            self.sniff(object, key, &decoded, "base64-pem");
        }
    }

    /// A value that may hold certificates or a kubeconfig: read when it does, dropped unseen
    /// when it does not.
    fn sniff(&mut self, object: &ObjectRef, key: &str, bytes: &[u8], encoding: &str) {
        let text = String::from_utf8_lossy(bytes);
        if text.contains("-----BEGIN CERTIFICATE-----") || text.contains("-----BEGIN TRUSTED CERTIFICATE-----") {
            self.certificates(object, key, bytes, encoding, CertificateRole::Unknown, false);
        } else if (text.contains("clusters:") || text.contains("\"clusters\"")) && text.contains("server") {
            self.kubeconfig(object, key, &text);
        }
    }

    /// A kubeconfig kept in an object: its facts (named by the object), and the CA of each of
    /// its clusters, pinned for that cluster's server.
    fn kubeconfig(&mut self, object: &ObjectRef, key: &str, text: &str) {
        let shown = object.key(key);
        let part = super::kubeconfig::from_text(text, &shown, None, self.ctx, Part::default());
        let mut part = part;
        // Findings point at the object in the objects file; `origin.kubeconfig` and the
        // kubeconfig's `path` keep naming the kubeconfig itself (the object and key).
        for cert in &mut part.facts.certificates {
            cert.origin.path = self.shown.to_string();
            cert.origin.k8s_object = Some(shown.clone());
            cert.origin.namespace = object.namespace.clone();
            cert.origin.line = object.line;
        }
        for kc in &mut part.facts.kubeconfigs {
            kc.object = Some(shown.clone());
            kc.object_location = Some(FileLocation {
                path: self.shown.to_string(),
                line: object.line,
            });
        }
        for e in &mut part.facts.errors {
            e.source = SourceKind::K8sObjects;
            e.path = self.shown.to_string();
            e.message = format!("{}: {}", shown, e.message);
            e.line = object.line;
        }
        let pins: Vec<(Option<String>, Vec<String>)> = part
            .facts
            .kubeconfigs
            .iter()
            .flat_map(|kc| &kc.clusters)
            .map(|c| (c.server.clone(), c.ca_certificate_ids.clone()))
            .collect();
        self.out.facts.absorb(part.facts);
        for (server, ids) in pins {
            if ids.is_empty() {
                continue;
            }
            let in_cluster = server.as_deref().is_some_and(is_in_cluster_server);
            self.pin(object, key, "kubeconfig", server, in_cluster, ids);
        }
    }

    fn argocd_cluster(&mut self, object: &ObjectRef, data: &[(&str, &str)]) {
        let get = |key: &str| data.iter().find(|(k, _)| *k == key).map(|(_, v)| *v);
        let server = get("server")
            .and_then(|v| decode(v).ok())
            .map(|b| String::from_utf8_lossy(&b).trim().to_string());
        let Some(config) = get("config") else { return };
        let config = match decode(config)
            .ok()
            .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
        {
            Some(c) => c,
            None => {
                self.problem(
                    object.line,
                    ErrorKind::WrongShape,
                    format!(
                        "{}: `config` is not base64 of a JSON object (Argo CD cluster secret)",
                        object.shown()
                    ),
                );
                return;
            }
        };
        let tls = config.get("tlsClientConfig");
        let field = |name: &str| {
            tls.and_then(|t| t.get(name))
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        let mut ca_ids = Vec::new();
        if let Some(ca) = field("caData") {
            ca_ids = self.base64_certificates(
                object,
                "config.tlsClientConfig.caData",
                &ca,
                CertificateRole::ClusterCa,
                true,
            );
        }
        if let Some(cert) = field("certData") {
            self.base64_certificates(
                object,
                "config.tlsClientConfig.certData",
                &cert,
                CertificateRole::KubeconfigClient,
                true,
            );
        }
        if !ca_ids.is_empty() {
            let in_cluster = server.as_deref().is_some_and(is_in_cluster_server);
            self.pin(object, "config", "argocd-cluster", server, in_cluster, ca_ids);
        }
    }

    fn csr(&mut self, value: &Value, object: &ObjectRef) {
        let text = |pointer: &str| value.pointer(pointer).and_then(Value::as_str).map(str::to_string);
        let conditions = value.pointer("/status/conditions").and_then(Value::as_array);
        let condition = |kind: &str| {
            conditions.is_some_and(|cs| {
                cs.iter().any(|c| {
                    c.get("type").and_then(Value::as_str) == Some(kind)
                        && c.get("status").and_then(Value::as_str).is_none_or(|s| s == "True")
                })
            })
        };
        let signer = text("/spec/signerName");
        let username = text("/spec/username");
        let created_at = text("/metadata/creationTimestamp");
        let role = match signer.as_deref() {
            Some("kubernetes.io/kubelet-serving") => CertificateRole::KubeletServer,
            Some("kubernetes.io/kube-apiserver-client-kubelet") => CertificateRole::KubeletClient,
            _ => CertificateRole::Unknown,
        };
        let issued = text("/status/certificate").filter(|c| !c.trim().is_empty());
        let certificate_id = issued.as_ref().and_then(|c| {
            self.base64_certificates(object, "status.certificate", c, role, true)
                .into_iter()
                .next()
        });
        self.out.facts.csrs.push(CsrFact {
            name: object.name.clone(),
            location: FileLocation {
                path: self.shown.to_string(),
                line: object.line,
            },
            source: self.shown.to_string(),
            node: username
                .as_deref()
                .and_then(|u| u.strip_prefix("system:node:"))
                .map(str::to_string),
            signer_name: signer,
            username,
            created_at_unix: created_at.as_deref().and_then(crate::clock::parse_unix),
            created_at,
            approved: condition("Approved"),
            denied: condition("Denied"),
            failed: condition("Failed"),
            issued: issued.is_some(),
            certificate_id,
            cluster_key: None,
            pending_seconds: None,
        });
    }

    fn pin(
        &mut self,
        object: &ObjectRef,
        key: &str,
        kind: &str,
        server: Option<String>,
        in_cluster: bool,
        ids: Vec<String>,
    ) {
        if ids.is_empty() {
            return;
        }
        self.out.facts.ca_pins.push(CaPinFact {
            object: object.key(key),
            namespace: object.namespace.clone(),
            source: self.shown.to_string(),
            location: FileLocation {
                path: self.shown.to_string(),
                line: object.line,
            },
            kind: kind.to_string(),
            server: server.map(|s| crate::sanitize::without_userinfo(&s).into_owned()),
            in_cluster,
            ca_certificate_ids: ids,
            ..Default::default()
        });
    }

    /// Certificates in base64 (of PEM or DER) under `key`; `must_hold` makes "none" an error.
    fn base64_certificates(
        &mut self,
        object: &ObjectRef,
        key: &str,
        value: &str,
        role: CertificateRole,
        must_hold: bool,
    ) -> Vec<String> {
        match decode(value) {
            Ok(bytes) => self.certificates(object, key, &bytes, "base64-pem", role, must_hold),
            Err(()) => {
                self.problem(
                    object.line,
                    ErrorKind::MalformedCertificate,
                    format!("{}: `{key}` is not valid base64", object.shown()),
                );
                Vec::new()
            }
        }
    }

    /// The certificates in `bytes` (PEM or DER) under `key`, as facts; returns their ids.
    fn certificates(
        &mut self,
        object: &ObjectRef,
        key: &str,
        bytes: &[u8],
        encoding: &str,
        role: CertificateRole,
        must_hold: bool,
    ) -> Vec<String> {
        let extraction: Extraction = extract(bytes);
        if must_hold {
            for problem in &extraction.problems {
                self.problem(
                    object.line,
                    ErrorKind::MalformedCertificate,
                    format!("{}: `{key}`: {}", object.shown(), problem.message),
                );
            }
            if extraction.certificates.is_empty() && extraction.problems.is_empty() {
                let what = if extraction.private_key_present {
                    "holds a private key but no certificate"
                } else {
                    "holds no certificate"
                };
                self.problem(
                    object.line,
                    ErrorKind::NotACertificate,
                    format!("{}: `{key}` {what}", object.shown()),
                );
            }
        }
        let mut ids = Vec::new();
        let named = object.key(key);
        for (index, found) in extraction.certificates.into_iter().enumerate() {
            let origin = CertificateOrigin {
                kind: Some(SourceKind::K8sObjects),
                path: self.shown.to_string(),
                index: index as u32,
                encoding: if found.encoding.as_str() == "der" {
                    "der".to_string()
                } else {
                    encoding.to_string()
                },
                line: object.line,
                k8s_object: Some(named.clone()),
                namespace: object.namespace.clone(),
                ..Default::default()
            };
            match analyze(found.der, origin, role) {
                Ok(cert) => {
                    ids.push(cert.id.clone());
                    self.out.facts.certificates.push(cert);
                }
                // Outside the keys that must hold certificates, a value that only looks like one
                // (a PKCS#12 keystore starts like DER) is dropped unseen.
                Err(e) if must_hold => self.problem(
                    object.line,
                    ErrorKind::MalformedCertificate,
                    format!("{}: `{key}` certificate {index}: {e}", object.shown()),
                ),
                Err(_) => {}
            }
        }
        ids
    }
}

/// The string values of an object's `data`, borrowed (a Secret's key material is never copied).
fn string_data(value: &Value) -> Vec<(&str, &str)> {
    value
        .get("data")
        .and_then(Value::as_object)
        .map(|m| m.iter().filter_map(|(k, v)| Some((k.as_str(), v.as_str()?))).collect())
        .unwrap_or_default()
}

/// Decodes base64, whitespace ignored.
fn decode(value: &str) -> Result<Vec<u8>, ()> {
    let cleaned: Vec<u8> = value.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    BASE64.decode(&cleaned).map_err(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_material_is_recognised_by_name() {
        for key in [
            "tls.key",
            "token",
            "password",
            "client-key",
            "keyData",
            "ssh-privatekey",
            "db_password",
            "keystore.p12",
            ".dockerconfigjson",
            "private.pem",
        ] {
            assert!(is_key_material(key), "{key}");
        }
        for key in [
            "tls.crt",
            "ca.crt",
            "value",
            "kubeconfig",
            "config",
            "server",
            "bundle.pem",
        ] {
            assert!(!is_key_material(key), "{key}");
        }
    }

    #[test]
    fn in_cluster_servers() {
        assert!(is_in_cluster_server("https://kubernetes.default.svc"));
        assert!(is_in_cluster_server("https://kubernetes.default.svc:443"));
        assert!(!is_in_cluster_server("https://prod-abc.hcp.westeurope.azmk8s.io:443"));
    }
}
