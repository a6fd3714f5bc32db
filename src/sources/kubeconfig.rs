//! `--kubeconfig`: kubeconfig files as `az aks get-credentials` (and kubectl) write them, in YAML
//! or JSON.
//!
//! Records clusters (server, CA from `certificate-authority-data` or a `certificate-authority`
//! file), users (how they authenticate, AKS `clusterUser_<rg>_<name>` naming), contexts and the
//! current context, with the line where each entry starts. Signature checks of client
//! certificates against the CAs are derived afterwards (see [`crate::facts::derive`]).
//!
//! Secrets (`client-key-data`, `token`, `password`, auth-provider config) are deserialized as
//! [`Presence`], which never holds the value, and YAML errors are built without source snippets.

use std::path::{Path, PathBuf};

use serde::de::{Deserializer, IgnoredAny};
use serde::Deserialize;
use serde_saphyr::Spanned;

use crate::facts::model::*;
use crate::facts::part::Part;
use crate::facts::x509::analyze;
use crate::paths::display_path;
use crate::sanitize::redact;
use crate::sanitize::without_userinfo;
use crate::sources::context::CollectContext;
use crate::sources::read::input::{error, read_capped, utf8_text};
use crate::sources::read::pem::{extract, extract_base64_pem, Extraction};

/// A field whose value is never kept: only whether it was there.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Presence;

impl<'de> Deserialize<'de> for Presence {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        IgnoredAny::deserialize(d)?;
        Ok(Presence)
    }
}

/// The parts of a kubeconfig the scanner reads.
#[derive(Debug, Default, Deserialize)]
pub struct RawKubeconfig {
    #[serde(default)]
    clusters: Option<Vec<Spanned<RawNamedCluster>>>,
    #[serde(default)]
    users: Option<Vec<Spanned<RawNamedUser>>>,
    #[serde(default)]
    contexts: Option<Vec<RawNamedContext>>,
    #[serde(rename = "current-context", default)]
    current_context: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct RawNamedCluster {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    cluster: Option<RawCluster>,
}

#[derive(Debug, Default, Deserialize)]
struct RawCluster {
    #[serde(default)]
    server: Option<String>,
    #[serde(rename = "certificate-authority-data", default)]
    ca_data: Option<String>,
    #[serde(rename = "certificate-authority", default)]
    ca_file: Option<String>,
    #[serde(rename = "tls-server-name", default)]
    tls_server_name: Option<String>,
    #[serde(rename = "insecure-skip-tls-verify", default)]
    insecure: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
struct RawNamedUser {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    user: Option<RawUser>,
}

#[derive(Debug, Default, Deserialize)]
struct RawUser {
    #[serde(rename = "client-certificate-data", default)]
    cert_data: Option<String>,
    #[serde(rename = "client-certificate", default)]
    cert_file: Option<String>,
    #[serde(rename = "client-key-data", default)]
    key_data: Option<Presence>,
    #[serde(rename = "client-key", default)]
    key_file: Option<Presence>,
    #[serde(default)]
    token: Option<Presence>,
    #[serde(rename = "tokenFile", default)]
    token_file: Option<Presence>,
    #[serde(default)]
    username: Option<Presence>,
    #[serde(default)]
    password: Option<Presence>,
    #[serde(default)]
    exec: Option<RawExec>,
    #[serde(rename = "auth-provider", default)]
    auth_provider: Option<RawAuthProvider>,
}

#[derive(Debug, Default, Deserialize)]
struct RawExec {
    #[serde(default)]
    command: Option<String>,
    // Arguments can carry secrets (`--client-secret`); only the login mode is kept.
    #[serde(default)]
    args: Option<Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
struct RawAuthProvider {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    #[allow(dead_code)]
    config: Option<Presence>,
}

#[derive(Debug, Default, Deserialize)]
struct RawNamedContext {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    context: Option<RawContext>,
}

#[derive(Debug, Default, Deserialize)]
struct RawContext {
    #[serde(default)]
    cluster: Option<String>,
    #[serde(default)]
    user: Option<String>,
    #[serde(default)]
    namespace: Option<String>,
}

/// Kubeconfig text that does not parse; the message never quotes the input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct KubeconfigError(pub String);

/// Parses kubeconfig text (YAML or JSON). Errors never quote the input.
pub fn parse(text: &str) -> Result<RawKubeconfig, KubeconfigError> {
    let options = serde_saphyr::options! {
        with_snippet: false,
        duplicate_keys: serde_saphyr::options::DuplicateKeyPolicy::LastWins,
    };
    let parsed: Option<RawKubeconfig> =
        serde_saphyr::from_str_with_options(text, options).map_err(|e| KubeconfigError(redact(&e.to_string())))?;
    parsed.ok_or_else(|| KubeconfigError("document is empty".to_string()))
}

/// The server URL and client certificate reference of the first cluster and user of a kubeconfig
/// (what a kubelet kubeconfig holds).
#[derive(Debug, Default)]
pub struct KubeletView {
    /// `clusters[0].cluster.server`.
    pub server: Option<String>,
    /// `users[0].user.client-certificate` path.
    pub client_certificate_file: Option<String>,
    /// `users[0].user.client-certificate-data` is present.
    pub client_certificate_data: Option<String>,
}

impl RawKubeconfig {
    /// The view a node-root collector needs.
    pub fn kubelet_view(&self) -> KubeletView {
        let cluster = self.clusters.iter().flatten().find_map(|c| c.value.cluster.as_ref());
        let user = self.users.iter().flatten().find_map(|u| u.value.user.as_ref());
        KubeletView {
            server: cluster
                .and_then(|c| c.server.as_deref())
                .map(|s| without_userinfo(s).into_owned()),
            client_certificate_file: user.and_then(|u| u.cert_file.clone()),
            client_certificate_data: user.and_then(|u| u.cert_data.clone()),
        }
    }
}

/// Parses an AKS kubeconfig user name: `clusterUser_<rg>_<name>`, `clusterAdmin_<rg>_<name>`,
/// `clusterMonitoringUser_<rg>_<name>`. Resource groups and cluster names may both contain
/// underscores, so a cluster entry name that ends the user name decides the split; otherwise
/// the last underscore does.
pub fn parse_aks_user(name: &str, cluster_names: &[&str]) -> Option<AksUserName> {
    let (kind, rest) = name.split_once('_')?;
    if !matches!(kind, "clusterUser" | "clusterAdmin" | "clusterMonitoringUser") {
        return None;
    }
    let by_cluster = cluster_names.iter().find_map(|cluster| {
        let rg = rest.strip_suffix(cluster)?.strip_suffix('_')?;
        (!rg.is_empty() && !cluster.is_empty()).then(|| (rg.to_string(), cluster.to_string()))
    });
    let (resource_group, cluster_name) = match by_cluster {
        Some(split) => split,
        None => {
            let (rg, cluster) = rest.rsplit_once('_')?;
            if rg.is_empty() || cluster.is_empty() {
                return None;
            }
            (rg.to_string(), cluster.to_string())
        }
    };
    Some(AksUserName {
        kind: kind.to_string(),
        resource_group,
        cluster_name,
    })
}

/// Collects one kubeconfig file.
pub fn collect(path: &Path, ctx: &CollectContext) -> Part {
    let shown = display_path(path);
    let mut out = Part::for_source(SourceKind::Kubeconfig, &shown);
    let bytes = match read_capped(path, ctx.max_file_size, SourceKind::Kubeconfig, &shown) {
        Ok(b) => b,
        Err(e) => return out.with_error(e),
    };
    out.source.files_read = 1;
    out.read(&shown, &bytes);
    let text = match utf8_text(&bytes, SourceKind::Kubeconfig, &shown) {
        Ok(t) => t,
        Err(e) => return out.with_error(e),
    };
    let base_dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    from_text(text, &shown, Some(base_dir), ctx, out)
}

/// Reads a kubeconfig from text (a file's, or `az aks get-credentials --file -` output) into `out`.
/// `base_dir` resolves relative `certificate-authority` / `client-certificate` paths; `None` for
/// a kubeconfig that did not come from a file of this machine (a command's output, a Kubernetes
/// secret), whose file references are not followed.
pub fn from_text(text: &str, shown: &str, base_dir: Option<PathBuf>, ctx: &CollectContext, mut out: Part) -> Part {
    let shown = shown.to_string();
    let raw = match parse(text) {
        Ok(raw) => raw,
        Err(message) => {
            let kind = if text.trim_start().starts_with('{') {
                ErrorKind::MalformedJson
            } else {
                ErrorKind::MalformedYaml
            };
            return out.with_error(error(
                SourceKind::Kubeconfig,
                &shown,
                kind,
                format!("not a readable kubeconfig: {message}"),
            ));
        }
    };
    if raw.clusters.is_none() && raw.users.is_none() && raw.contexts.is_none() {
        return out.with_error(error(
            SourceKind::Kubeconfig,
            &shown,
            ErrorKind::WrongShape,
            "not a kubeconfig: no `clusters`, `users` or `contexts`",
        ));
    }
    KubeconfigReader {
        ctx,
        shown: &shown,
        base_dir,
        out: &mut out,
    }
    .read(raw);
    out
}

struct KubeconfigReader<'a> {
    ctx: &'a CollectContext,
    shown: &'a str,
    base_dir: Option<PathBuf>,
    out: &'a mut Part,
}

impl KubeconfigReader<'_> {
    fn read(mut self, raw: RawKubeconfig) {
        let mut fact = KubeconfigFact {
            path: self.shown.to_string(),
            current_context: raw.current_context.clone(),
            ..Default::default()
        };
        for entry in raw.clusters.into_iter().flatten() {
            let line = line_of(&entry);
            let named = entry.value;
            let name = named.name.unwrap_or_default();
            let cluster = named.cluster.unwrap_or_default();
            let mut kc = KubeconfigCluster {
                name: name.clone(),
                line,
                // A password in the URL (`https://admin:PW@host`) is never kept.
                server: cluster.server.as_deref().map(|s| without_userinfo(s).into_owned()),
                tls_server_name: cluster.tls_server_name,
                insecure_skip_tls_verify: cluster.insecure.unwrap_or(false),
                ca_source: "none".into(),
                ..Default::default()
            };
            let origin = CertificateOrigin {
                kubeconfig_cluster: Some(name.clone()),
                ..Default::default()
            };
            kc.ca_certificate_ids = if let Some(data) = cluster.ca_data {
                kc.ca_source = "data".into();
                self.data_field(
                    &data,
                    "certificate-authority-data",
                    &format!("cluster `{name}`"),
                    line,
                    origin,
                    CertificateRole::ClusterCa,
                )
            } else if let Some(file) = cluster.ca_file {
                kc.ca_source = "file".into();
                kc.ca_file = Some(file.clone());
                self.file_field(
                    &file,
                    &format!("cluster `{name}` certificate-authority"),
                    origin,
                    CertificateRole::ClusterCa,
                )
            } else {
                Vec::new()
            };
            fact.clusters.push(kc);
        }
        let cluster_names: Vec<&str> = fact.clusters.iter().map(|c| c.name.as_str()).collect();
        let mut users = Vec::new();
        for entry in raw.users.into_iter().flatten() {
            let line = line_of(&entry);
            let named = entry.value;
            let name = named.name.unwrap_or_default();
            let user = named.user.unwrap_or_default();
            let mut ku = KubeconfigUser {
                aks: parse_aks_user(&name, &cluster_names),
                name: name.clone(),
                line,
                auth: auth_of(&user),
                ..Default::default()
            };
            let origin = CertificateOrigin {
                kubeconfig_user: Some(name.clone()),
                ..Default::default()
            };
            let ids = if let Some(data) = &user.cert_data {
                self.data_field(
                    data,
                    "client-certificate-data",
                    &format!("user `{name}`"),
                    line,
                    origin,
                    CertificateRole::KubeconfigClient,
                )
            } else if let Some(file) = &user.cert_file {
                self.file_field(
                    file,
                    &format!("user `{name}` client-certificate"),
                    origin,
                    CertificateRole::KubeconfigClient,
                )
            } else {
                Vec::new()
            };
            ku.client_certificate_id = ids.into_iter().next();
            users.push(ku);
        }
        fact.contexts = raw
            .contexts
            .into_iter()
            .flatten()
            .map(|c| {
                let ctx = c.context.unwrap_or_default();
                KubeconfigContext {
                    name: c.name.unwrap_or_default(),
                    cluster: ctx.cluster,
                    user: ctx.user,
                    namespace: ctx.namespace,
                }
            })
            .collect();
        fact.users = users;
        self.out.facts.kubeconfigs.push(fact);
    }

    /// Decodes a `*-data` field and records its certificates.
    fn data_field(
        &mut self,
        data: &str,
        field: &str,
        what: &str,
        line: Option<u32>,
        origin: CertificateOrigin,
        role: CertificateRole,
    ) -> Vec<String> {
        let mut err = |kind, message: String| {
            let mut e = error(
                SourceKind::Kubeconfig,
                self.shown,
                kind,
                format!("{what}: {field} {message}"),
            );
            e.line = line;
            self.out.facts.errors.push(e);
        };
        let extraction = match extract_base64_pem(data) {
            Ok(x) => x,
            Err(message) => {
                err(ErrorKind::MalformedCertificate, message.to_string());
                return Vec::new();
            }
        };
        if extraction.certificates.is_empty() && extraction.problems.is_empty() {
            err(
                ErrorKind::NotACertificate,
                "decodes to something that holds no certificate".into(),
            );
        }
        let origin = CertificateOrigin {
            path: self.shown.to_string(),
            line,
            ..origin
        };
        self.record(extraction, origin, role, what)
    }

    /// Reads a certificate file named by a kubeconfig field (relative to the kubeconfig).
    fn file_field(&mut self, file: &str, what: &str, origin: CertificateOrigin, role: CertificateRole) -> Vec<String> {
        let Some(base_dir) = &self.base_dir else {
            self.out.facts.errors.push(error(
                SourceKind::Kubeconfig,
                self.shown,
                ErrorKind::Unsupported,
                format!("{what} names a file; not read: this kubeconfig did not come from a file of this machine"),
            ));
            return Vec::new();
        };
        let path = base_dir.join(file);
        let shown = display_path(&path);
        let bytes = match read_capped(&path, self.ctx.max_file_size, SourceKind::Kubeconfig, &shown) {
            Ok(b) => b,
            Err(mut e) => {
                e.message = format!("{what} (named in {}): {}", self.shown, e.message);
                self.out.facts.errors.push(e);
                return Vec::new();
            }
        };
        self.out.source.files_read += 1;
        self.out.read(&shown, &bytes);
        let extraction = extract(&bytes);
        if extraction.certificates.is_empty() && extraction.problems.is_empty() {
            self.out.facts.errors.push(error(
                SourceKind::Kubeconfig,
                &shown,
                ErrorKind::NotACertificate,
                format!("{what}: file holds no certificate"),
            ));
        }
        let origin = CertificateOrigin { path: shown, ..origin };
        self.record(extraction, origin, role, what)
    }

    fn record(
        &mut self,
        extraction: Extraction,
        origin: CertificateOrigin,
        role: CertificateRole,
        what: &str,
    ) -> Vec<String> {
        let mut ids = Vec::new();
        for problem in extraction.problems {
            let mut e = error(
                SourceKind::Kubeconfig,
                &origin.path,
                ErrorKind::MalformedCertificate,
                format!("{what}: {}", problem.message),
            );
            e.line = origin.line.or(problem.line);
            self.out.facts.errors.push(e);
        }
        for (index, found) in extraction.certificates.into_iter().enumerate() {
            let this_origin = CertificateOrigin {
                kind: Some(SourceKind::Kubeconfig),
                index: index as u32,
                encoding: found.encoding.as_str().to_string(),
                line: origin.line.or(found.line),
                kubeconfig: Some(self.shown.to_string()),
                ..origin.clone()
            };
            // Certificates after the first in a client field are its chain.
            let this_role = if index > 0 && role == CertificateRole::KubeconfigClient {
                CertificateRole::ChainIntermediate
            } else {
                role
            };
            match analyze(found.der, this_origin, this_role) {
                Ok(mut cert) => {
                    cert.private_key_present = extraction.private_key_present;
                    ids.push(cert.id.clone());
                    self.out.facts.certificates.push(cert);
                }
                Err(message) => {
                    let mut e = error(
                        SourceKind::Kubeconfig,
                        &origin.path,
                        ErrorKind::MalformedCertificate,
                        format!("{what}: certificate {index}: {message}"),
                    );
                    e.line = origin.line.or(found.line);
                    self.out.facts.errors.push(e);
                }
            }
        }
        ids
    }
}

fn line_of<T>(spanned: &Spanned<T>) -> Option<u32> {
    let line = spanned.referenced.line();
    (line > 0).then_some(line as u32)
}

fn auth_of(user: &RawUser) -> KubeconfigAuth {
    let has_cert = user.cert_data.is_some() || user.cert_file.is_some();
    let kind = if has_cert {
        "client-certificate"
    } else if user.token.is_some() || user.token_file.is_some() {
        "token"
    } else if user.exec.is_some() {
        "exec"
    } else if user.auth_provider.is_some() {
        "auth-provider"
    } else if user.username.is_some() || user.password.is_some() {
        "basic"
    } else {
        "none"
    };
    let login_mode = user.exec.as_ref().and_then(|e| e.args.as_ref()).and_then(|args| {
        args.iter().enumerate().find_map(|(i, a)| {
            if let Some(v) = a.strip_prefix("--login=") {
                Some(v.to_string())
            } else if a == "--login" || a == "-l" {
                args.get(i + 1).cloned()
            } else {
                None
            }
        })
    });
    KubeconfigAuth {
        kind: kind.to_string(),
        client_certificate: if user.cert_data.is_some() {
            Some("data".into())
        } else if user.cert_file.is_some() {
            Some("file".into())
        } else {
            None
        },
        client_certificate_file: user.cert_file.clone(),
        client_key_present: user.key_data.is_some() || user.key_file.is_some(),
        token_present: user.token.is_some() || user.token_file.is_some(),
        password_present: user.password.is_some(),
        username_present: user.username.is_some(),
        exec_command: user.exec.as_ref().and_then(|e| e.command.clone()),
        exec_login_mode: login_mode,
        auth_provider: user.auth_provider.as_ref().and_then(|a| a.name.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aks_user_names_split_into_group_and_cluster() {
        let a = parse_aks_user("clusterUser_rg-prod_prod", &[]).expect("aks name");
        assert_eq!(
            (a.kind.as_str(), a.resource_group.as_str(), a.cluster_name.as_str()),
            ("clusterUser", "rg-prod", "prod")
        );
        let b = parse_aks_user("clusterAdmin_my_rg_my_cluster", &["my_cluster"]).expect("aks name");
        assert_eq!(
            (b.resource_group.as_str(), b.cluster_name.as_str()),
            ("my_rg", "my_cluster")
        );
        assert!(parse_aks_user("admin", &[]).is_none());
        assert!(parse_aks_user("clusterUser_onlyone", &[]).is_none());
    }

    #[test]
    fn secrets_are_parsed_as_presence_only() {
        let yaml = "users:\n- name: u\n  user:\n    token: SUPERSECRET\n    password: hunter2\n";
        let raw = parse(yaml).expect("parses");
        let debug = format!("{raw:?}");
        assert!(!debug.contains("SUPERSECRET") && !debug.contains("hunter2"));
    }

    #[test]
    fn spans_give_entry_lines() {
        let yaml = "apiVersion: v1\nusers:\n- name: a\n  user: {}\n- user: {}\n  name: b\n";
        let raw = parse(yaml).expect("parses");
        let lines: Vec<_> = raw.users.iter().flatten().map(line_of).collect();
        assert_eq!(lines, vec![Some(3), Some(5)]);
    }

    #[test]
    fn broken_yaml_is_an_error_without_the_secret() {
        let yaml =
            "users:\n- name: u\n  user:\n    client-key-data: LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0tCg==\n   bad: [\n";
        let err = parse(yaml).expect_err("must fail").to_string();
        assert!(!err.contains("LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0tCg"), "{err}");
    }
}
