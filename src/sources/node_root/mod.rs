//! `--node-root`: a node's filesystem as a debug pod or DaemonSet mounts it (`/host`).
//!
//! Linux: `/etc/kubernetes/certs/*` (`ca.crt`, `apiserver.crt`, `client.crt`,
//! `kubeletserver.crt`), `/var/lib/kubelet/pki/*.pem`, `/var/lib/kubelet/kubeconfig`,
//! `/var/lib/kubelet/bootstrap-kubeconfig`, and the secure TLS bootstrap unit and scripts.
//! Windows (`c:\k\`, names matched without case): `ca.crt`, `config`, `bootstrap-config`,
//! `pki\`, and the secure bootstrap client. The root may be the node's `/`, or for Windows the
//! `k` directory itself or a drive holding `c/k` or `k`.
//!
//! Records every certificate with its role and the TLS-bootstrapping evidence; every non-CA
//! certificate is checked against the node's own `ca.crt` afterwards ([`crate::facts::derive`]). When
//! the kubelet rotates its client
//! certificate, only the certificate `kubelet-client-current.pem` points at is read; the older
//! dated files are listed in `files_found`.

pub mod kubelet;
pub mod rootfs;

use std::path::{Path, PathBuf};

use crate::facts::model::*;
use crate::facts::part::Part;
use crate::paths::{display_path, join_display};
use crate::sources::certs::collect_file_with;
use crate::sources::context::CollectContext;
use crate::sources::kubeconfig::parse as parse_kubeconfig;
use crate::sources::read::input::{error, read_capped, utf8_text};
use rootfs::NodeFs;

/// Secure TLS bootstrap files on Linux nodes, relative to the root.
pub const SECURE_BOOTSTRAP_LINUX: &[&str] = &[
    "etc/systemd/system/secure-tls-bootstrap.service",
    "opt/azure/tlsbootstrap",
    "opt/azure/containers/secure-tls-bootstrap.sh",
];
const SECURE_BOOTSTRAP_WINDOWS: &[&str] = &["aks-secure-tls-bootstrap-client.exe", "securetlsbootstrap.ps1"];

/// One certificate file to read, with its role and its path on the node.
struct Planned {
    path: PathBuf,
    node_path: String,
    role: CertificateRole,
}

/// Collects one node root.
pub fn collect(root: &Path, ctx: &CollectContext) -> Part {
    let shown = display_path(root);
    let mut out = Part::for_source(SourceKind::NodeRoot, &shown);
    if !root.is_dir() {
        let message = if root.exists() {
            "is not a directory"
        } else {
            "no such directory"
        };
        return out.with_error(error(SourceKind::NodeRoot, &shown, ErrorKind::NotFound, message));
    }
    let fs = NodeFs::new(root);
    let layout = if fs.is_dir(&root.join("etc/kubernetes")) || fs.is_dir(&root.join("var/lib/kubelet")) {
        Layout::Linux
    } else if let Some(k) = windows_k_dir(&fs) {
        Layout::Windows(k)
    } else {
        return out.with_error(error(
            SourceKind::NodeRoot,
            &shown,
            ErrorKind::WrongShape,
            "no AKS node layout found: expected `etc/kubernetes/certs` or `var/lib/kubelet` (Linux) or a `c:\\k` directory (Windows)",
        ));
    };
    let mut fact = NodeRootFact {
        path: shown.clone(),
        os: layout.os().into(),
        ..Default::default()
    };
    let (planned, kubelet_kubeconfig, bootstrap_kubeconfig, secure) = layout.plan(&fs);
    // Every file is read where it really is on the node: links resolved inside the root.
    let real = |path: &Path| fs.real(path).unwrap_or_else(|_| path.to_path_buf());
    for rel in secure.iter().chain(&bootstrap_kubeconfig).chain(&kubelet_kubeconfig) {
        fact.files_found.push(relative(root, rel));
    }
    fact.kubelet_kubeconfig = kubelet_kubeconfig
        .as_ref()
        .map(|p| join_display(&shown, Path::new(&relative(root, p))));
    let mut client_certificate = None;
    if let Some(path) = kubelet_kubeconfig.as_ref().or(bootstrap_kubeconfig.as_ref()) {
        let file_shown = join_display(&shown, Path::new(&relative(root, path)));
        let read = read_file(&fs, path, ctx.max_file_size, &file_shown);
        if let Ok(bytes) = &read {
            out.read(&file_shown, bytes);
        }
        match read.and_then(|b| utf8_text(&b, SourceKind::NodeRoot, &file_shown).map(str::to_string)) {
            Ok(text) => match parse_kubeconfig(&text) {
                Ok(raw) => {
                    let view = raw.kubelet_view();
                    fact.api_server = view.server;
                    if kubelet_kubeconfig.as_ref() == Some(path) {
                        client_certificate = view
                            .client_certificate_file
                            .or(view.client_certificate_data.map(|_| "data".to_string()));
                    }
                }
                Err(message) => out.facts.errors.push(error(
                    SourceKind::NodeRoot,
                    &file_shown,
                    ErrorKind::MalformedYaml,
                    format!("kubelet kubeconfig: {message}"),
                )),
            },
            Err(e) => out.facts.errors.push(e),
        }
    }
    let windows_k = match &layout {
        Layout::Windows(k) => Some(k.clone()),
        Layout::Linux => None,
    };
    let mut read = |path: &Path, file_shown: &str| -> Option<String> {
        if !fs.exists(path) {
            return None;
        }
        let read = read_file(&fs, path, ctx.max_file_size, file_shown);
        if let Ok(bytes) = &read {
            out.read(file_shown, bytes);
        }
        match read.and_then(|b| utf8_text(&b, SourceKind::NodeRoot, file_shown).map(str::to_string)) {
            Ok(text) => Some(text),
            Err(e) => {
                out.facts.errors.push(e);
                None
            }
        }
    };
    fact.kubelet = kubelet::settings(&fs, &shown, windows_k.as_deref(), &mut read);
    if let Some(path) = &kubelet_kubeconfig {
        kubelet::kubeconfig_permissions(root, &real(path), &mut fact.kubelet);
    }
    let rotating_present = planned.iter().any(|p| {
        p.node_path
            .to_ascii_lowercase()
            .ends_with("pki/kubelet-client-current.pem")
            || p.node_path
                .to_ascii_lowercase()
                .ends_with("pki\\kubelet-client-current.pem")
    });
    fact.tls_bootstrap = bootstrap_evidence(
        bootstrap_kubeconfig.is_some(),
        !secure.is_empty(),
        kubelet_kubeconfig.is_some(),
        rotating_present,
        client_certificate,
    );
    for plan in &planned {
        fact.files_found.push(relative(root, &plan.path));
        let file_shown = join_display(&shown, Path::new(&relative(root, &plan.path)));
        let role = plan.role;
        let part = collect_file_with(
            &real(&plan.path),
            &file_shown,
            true,
            ctx,
            SourceKind::NodeRoot,
            |_| CertificateOrigin {
                node_root: Some(shown.clone()),
                node_path: Some(plan.node_path.clone()),
                ..Default::default()
            },
            |index| {
                if index == 0 {
                    role
                } else {
                    CertificateRole::ChainIntermediate
                }
            },
        );
        out.absorb(part);
    }
    fact.files_found.sort();
    fact.files_found.dedup();
    summarize_certificates(&out, &mut fact);
    if planned.is_empty() && fact.api_server.is_none() {
        out.facts.errors.push(error(
            SourceKind::NodeRoot,
            &shown,
            ErrorKind::WrongShape,
            "node layout found, but no certificate or kubelet kubeconfig in it",
        ));
    }
    out.facts.node_roots.push(fact);
    out
}

/// Decides the TLS-bootstrapping evidence of a node from what was found on it: bootstrapped with
/// any bootstrap file or a rotating client certificate; not bootstrapped when the kubelet
/// kubeconfig was read and shows none; unknown otherwise.
pub fn bootstrap_evidence(
    bootstrap_kubeconfig: bool,
    secure_bootstrap: bool,
    kubelet_kubeconfig: bool,
    rotating_present: bool,
    client_certificate: Option<String>,
) -> TlsBootstrapEvidence {
    let rotating = client_certificate
        .as_ref()
        .map(|c| c.contains("kubelet-client-current.pem"));
    let is_static = client_certificate.as_ref().map(|c| {
        c == "data"
            || c.ends_with("/etc/kubernetes/certs/client.crt")
            || c.to_ascii_lowercase().ends_with("\\client.crt")
    });
    // Secure TLS bootstrapping (2026) gets the client certificate before the kubelet starts and
    // clears the bootstrap kubeconfig: a rotating certificate store is evidence enough.
    let bootstrapped = if bootstrap_kubeconfig || secure_bootstrap || rotating == Some(true) || rotating_present {
        Some(true)
    } else if kubelet_kubeconfig && client_certificate.is_some() {
        Some(false)
    } else {
        None
    };
    TlsBootstrapEvidence {
        bootstrap_kubeconfig_present: bootstrap_kubeconfig,
        secure_bootstrap_present: secure_bootstrap,
        kubelet_kubeconfig_present: kubelet_kubeconfig,
        kubelet_client_certificate: client_certificate,
        uses_rotating_client_certificate: rotating,
        uses_static_client_certificate: is_static,
        rotating_client_certificate_present: rotating_present,
        bootstrapped,
    }
}

/// The role of a certificate file on a node, by name (`ca.crt`, `apiserver.crt`, `client.crt`,
/// `kubeletserver.crt`, `kubelet-client-*.pem`, `kubelet-server-*.pem`, `kubelet.crt`).
pub fn role_of_node_file(name: &str) -> CertificateRole {
    let lower = name.to_ascii_lowercase();
    if lower.starts_with("kubelet-client") {
        CertificateRole::KubeletClient
    } else if lower.starts_with("kubelet-server") || lower == "kubelet.crt" {
        CertificateRole::KubeletServer
    } else {
        linux_cert_role(&lower).unwrap_or(CertificateRole::Unknown)
    }
}

/// Fills what a node root fact says about the certificates found on it: the id of its `ca.crt`,
/// the ids of every certificate, and the kubelet client certificate's subject (the node's
/// identity).
pub fn summarize_certificates(out: &Part, fact: &mut NodeRootFact) {
    let certs = &out.facts.certificates;
    fact.ca_certificate_id = certs
        .iter()
        .find(|c| c.role == CertificateRole::ClusterCa)
        .map(|c| c.id.clone());
    fact.certificate_ids = certs.iter().map(|c| c.id.clone()).collect();
    fact.kubelet_client_subject = certs
        .iter()
        .find(|c| c.role == CertificateRole::KubeletClient)
        .map(|c| c.subject.clone());
}

enum Layout {
    Linux,
    Windows(PathBuf),
}

type Plan = (Vec<Planned>, Option<PathBuf>, Option<PathBuf>, Vec<PathBuf>);

impl Layout {
    fn os(&self) -> &'static str {
        match self {
            Layout::Linux => "linux",
            Layout::Windows(_) => "windows",
        }
    }

    fn plan(&self, fs: &NodeFs) -> Plan {
        let root = fs.root();
        match self {
            Layout::Linux => {
                let mut planned = Vec::new();
                for file in sorted_files(fs, &root.join("etc/kubernetes/certs")) {
                    let name = file_name(&file);
                    if let Some(role) = linux_cert_role(&name) {
                        planned.push(Planned {
                            node_path: format!("/etc/kubernetes/certs/{name}"),
                            path: file,
                            role,
                        });
                    }
                }
                for (file, role) in pki_files(fs, &root.join("var/lib/kubelet/pki")) {
                    let name = file_name(&file);
                    planned.push(Planned {
                        node_path: format!("/var/lib/kubelet/pki/{name}"),
                        path: file,
                        role,
                    });
                }
                let existing = |rel: &str| Some(root.join(rel)).filter(|p| fs.is_file(p));
                let secure = SECURE_BOOTSTRAP_LINUX
                    .iter()
                    .map(|r| root.join(r))
                    .filter(|p| fs.exists(p))
                    .collect();
                (
                    planned,
                    existing("var/lib/kubelet/kubeconfig"),
                    existing("var/lib/kubelet/bootstrap-kubeconfig"),
                    secure,
                )
            }
            Layout::Windows(k) => {
                let mut planned = Vec::new();
                for file in sorted_files(fs, k) {
                    let name = file_name(&file).to_ascii_lowercase();
                    if let Some(role) = linux_cert_role(&name) {
                        planned.push(Planned {
                            node_path: format!("c:\\k\\{}", file_name(&file)),
                            path: file,
                            role,
                        });
                    }
                }
                if let Some(pki) = find_ci(fs, k, "pki").filter(|p| fs.is_dir(p)) {
                    for (file, role) in pki_files(fs, &pki) {
                        planned.push(Planned {
                            node_path: format!("c:\\k\\pki\\{}", file_name(&file)),
                            path: file,
                            role,
                        });
                    }
                }
                let secure = SECURE_BOOTSTRAP_WINDOWS
                    .iter()
                    .filter_map(|n| find_ci(fs, k, n))
                    .collect();
                (
                    planned,
                    find_ci(fs, k, "config").filter(|p| fs.is_file(p)),
                    find_ci(fs, k, "bootstrap-config").filter(|p| fs.is_file(p)),
                    secure,
                )
            }
        }
    }
}

fn linux_cert_role(name: &str) -> Option<CertificateRole> {
    let lower = name.to_ascii_lowercase();
    match lower.as_str() {
        "ca.crt" => Some(CertificateRole::ClusterCa),
        "apiserver.crt" => Some(CertificateRole::Apiserver),
        "client.crt" => Some(CertificateRole::KubeletClient),
        "kubeletserver.crt" => Some(CertificateRole::KubeletServer),
        _ if lower.ends_with(".crt") || lower.ends_with(".pem") || lower.ends_with(".cer") => {
            Some(CertificateRole::Unknown)
        }
        _ => None,
    }
}

/// Files of the kubelet `pki` directory: the `*-current.pem` links, or the dated files when
/// there is no link, plus `kubelet.crt`.
fn pki_files(fs: &NodeFs, dir: &Path) -> Vec<(PathBuf, CertificateRole)> {
    let files = sorted_files(fs, dir);
    let names: Vec<String> = files.iter().map(|f| file_name(f).to_ascii_lowercase()).collect();
    let has_current = |prefix: &str| names.iter().any(|n| n == &format!("{prefix}-current.pem"));
    files
        .into_iter()
        .zip(names.iter())
        .filter_map(|(file, name)| {
            let role = if name.starts_with("kubelet-client") {
                CertificateRole::KubeletClient
            } else if name.starts_with("kubelet-server") || name == "kubelet.crt" {
                CertificateRole::KubeletServer
            } else if name.ends_with(".crt") || name.ends_with(".pem") {
                CertificateRole::Unknown
            } else {
                return None;
            };
            let prefix = if name.starts_with("kubelet-client") {
                "kubelet-client"
            } else {
                "kubelet-server"
            };
            let dated_but_linked = name.starts_with(prefix) && !name.ends_with("-current.pem") && has_current(prefix);
            (!dated_but_linked).then_some((file, role))
        })
        .collect()
}

/// Every entry of `dir` that is not a directory, sorted: special files and links to them are
/// kept, so that reading them reports them (a FIFO named `ca.crt` is an error, not a silence).
fn sorted_files(fs: &NodeFs, dir: &Path) -> Vec<PathBuf> {
    fs.entries(dir).into_iter().filter(|p| !fs.is_dir(p)).collect()
}

/// Reads `path` below the node root where it really is (links resolved inside the root).
fn read_file(fs: &NodeFs, path: &Path, max: u64, shown: &str) -> Result<Vec<u8>, CollectionError> {
    match fs.real(path) {
        Ok(real) => read_capped(&real, max, SourceKind::NodeRoot, shown),
        Err(e) => Err(error(
            SourceKind::NodeRoot,
            shown,
            ErrorKind::SymlinkLoop,
            crate::safe_io::io_message(&e),
        )),
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn find_ci(fs: &NodeFs, dir: &Path, name: &str) -> Option<PathBuf> {
    fs.entries(dir).into_iter().find(|p| {
        p.file_name()
            .is_some_and(|n| n.to_string_lossy().eq_ignore_ascii_case(name))
    })
}

fn windows_k_dir(fs: &NodeFs) -> Option<PathBuf> {
    let root = fs.root();
    let is_k = |dir: &Path| {
        ["ca.crt", "config", "bootstrap-config", "pki"]
            .iter()
            .any(|n| find_ci(fs, dir, n).is_some())
    };
    if is_k(root) {
        return Some(root.to_path_buf());
    }
    let k = find_ci(fs, root, "k").filter(|d| fs.is_dir(d) && is_k(d));
    k.or_else(|| {
        find_ci(fs, root, "c")
            .and_then(|c| find_ci(fs, &c, "k"))
            .filter(|d| fs.is_dir(d) && is_k(d))
    })
}

fn relative(root: &Path, path: &Path) -> String {
    display_path(path.strip_prefix(root).unwrap_or(path))
}
