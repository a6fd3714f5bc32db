//! `--aks ... --node-certs`: node certificates read through `az vmss run-command invoke`, without
//! logging in to any node.
//!
//! For every Linux scale set of the cluster's node resource group and every instance in it, the
//! script below prints the certificate blocks (only `CERTIFICATE` blocks: keys never leave the
//! node) of `/etc/kubernetes/certs/*.crt` and the kubelet's current certificates, which TLS
//! bootstrap files exist, and the kubelet kubeconfig's `server` and `client-certificate` lines.
//! Each instance becomes a node root fact (`live://aks/<rg>/<name>/vmss/<set>/<id>`) judged by
//! the same rules as `--node-root`.

use std::path::Path;

use serde_json::Value;

use super::command::run;
use super::step::{step_error, AksTarget, StepError, COMMAND_TIMEOUT};
use crate::facts::model::{CertificateOrigin, ErrorKind, NodeRootFact, SourceKind};
use crate::facts::part::Part;
use crate::facts::x509::analyze;
use crate::sources::node_root::{
    bootstrap_evidence, role_of_node_file, summarize_certificates, SECURE_BOOTSTRAP_LINUX,
};
use crate::sources::read::input::error;
use crate::sources::read::pem::extract;

/// The script run on each node. Only certificate blocks are printed.
pub const SCRIPT: &str = r####"for f in /etc/kubernetes/certs/*.crt /var/lib/kubelet/pki/kubelet-client-current.pem /var/lib/kubelet/pki/kubelet-server-current.pem; do [ -f "$f" ] && { echo "### file $f"; sed -n '/-----BEGIN CERTIFICATE-----/,/-----END CERTIFICATE-----/p' "$f"; }; done; for f in /var/lib/kubelet/bootstrap-kubeconfig /var/lib/kubelet/kubeconfig /etc/systemd/system/secure-tls-bootstrap.service /opt/azure/tlsbootstrap /opt/azure/containers/secure-tls-bootstrap.sh; do [ -e "$f" ] && echo "### exists $f"; done; [ -f /var/lib/kubelet/kubeconfig ] && grep -E '^ *(server|client-certificate):' /var/lib/kubelet/kubeconfig | sed 's/^ */### kubelet /'; true"####;

fn az_json(az: &Path, args: &[&str], common: &[String], max_output: u64) -> Result<Value, StepError> {
    let argv: Vec<String> = args
        .iter()
        .map(|s| s.to_string())
        .chain(common.iter().cloned())
        .collect();
    let text = run(az, &argv, &[], COMMAND_TIMEOUT, max_output)?;
    serde_json::from_str(&text).map_err(|e| StepError::Other(format!("`az {}` printed no JSON: {e}", args.join(" "))))
}

/// Reads the certificates of every instance of every Linux scale set in `node_rg`.
pub fn collect(target: &AksTarget, node_rg: &str, az: &Path, common: &[String], max_output: u64) -> Vec<Part> {
    let list_uri = target.uri("vmss");
    let sets = match az_json(az, &["vmss", "list", "-g", node_rg, "-o", "json"], common, max_output) {
        Ok(Value::Array(sets)) => sets,
        Ok(_) => {
            return vec![step_error(
                SourceKind::NodeRoot,
                &list_uri,
                "`az vmss list` did not print a list",
            )]
        }
        Err(message) => return vec![step_error(SourceKind::NodeRoot, &list_uri, message)],
    };
    let mut parts = Vec::new();
    for set in &sets {
        let Some(name) = set.get("name").and_then(Value::as_str) else {
            continue;
        };
        let os = set
            .pointer("/virtualMachineProfile/storageProfile/osDisk/osType")
            .and_then(Value::as_str)
            .unwrap_or("Linux");
        let set_uri = target.uri(&format!("vmss/{name}"));
        if os.eq_ignore_ascii_case("windows") {
            parts.push(Part::for_source(SourceKind::NodeRoot, &set_uri).with_error(error(
                SourceKind::NodeRoot,
                &set_uri,
                ErrorKind::Unsupported,
                "Windows scale sets are not read by --node-certs; use --node-root on a mounted c:\\k",
            )));
            continue;
        }
        let instances = match az_json(
            az,
            &["vmss", "list-instances", "-g", node_rg, "-n", name, "-o", "json"],
            common,
            max_output,
        ) {
            Ok(Value::Array(list)) => list,
            Ok(_) => {
                parts.push(step_error(
                    SourceKind::NodeRoot,
                    &set_uri,
                    "`az vmss list-instances` did not print a list",
                ));
                continue;
            }
            Err(message) => {
                parts.push(step_error(SourceKind::NodeRoot, &set_uri, message));
                continue;
            }
        };
        for instance in &instances {
            let Some(id) = instance.get("instanceId").and_then(Value::as_str) else {
                continue;
            };
            let uri = target.uri(&format!("vmss/{name}/{id}"));
            let args = [
                "vmss",
                "run-command",
                "invoke",
                "-g",
                node_rg,
                "-n",
                name,
                "--command-id",
                "RunShellScript",
                "--instance-id",
                id,
                "--scripts",
                SCRIPT,
                "-o",
                "json",
            ];
            match az_json(az, &args, common, max_output) {
                Ok(result) => parts.push(from_run_command(&uri, &result)),
                Err(message) => parts.push(step_error(SourceKind::NodeRoot, &uri, message)),
            }
        }
    }
    parts
}

/// The `[stdout]` part of a run-command result's message.
fn stdout_of(result: &Value) -> Option<String> {
    let message = result
        .get("value")?
        .as_array()?
        .iter()
        .find_map(|v| v.get("message")?.as_str())?;
    let after = message.split_once("[stdout]").map(|(_, s)| s).unwrap_or(message);
    Some(after.split("[stderr]").next().unwrap_or(after).to_string())
}

/// Turns one instance's run-command output into a node root fact.
pub fn from_run_command(uri: &str, result: &Value) -> Part {
    let mut out = Part::for_source(SourceKind::NodeRoot, uri);
    let Some(stdout) = stdout_of(result) else {
        return out.with_error(error(
            SourceKind::NodeRoot,
            uri,
            ErrorKind::WrongShape,
            "run-command result has no message",
        ));
    };
    out.source.files_read = 1;
    let mut fact = NodeRootFact {
        path: uri.to_string(),
        os: "linux".into(),
        ..Default::default()
    };
    let (mut bootstrap, mut secure, mut kubelet_kubeconfig, mut client_cert) = (false, false, false, None);
    let mut sections: Vec<(String, String)> = Vec::new();
    for line in stdout.lines() {
        if let Some(file) = line.strip_prefix("### file ") {
            sections.push((file.trim().to_string(), String::new()));
        } else if let Some(path) = line.strip_prefix("### exists ") {
            let path = path.trim();
            fact.files_found.push(path.trim_start_matches('/').to_string());
            match path {
                "/var/lib/kubelet/bootstrap-kubeconfig" => bootstrap = true,
                "/var/lib/kubelet/kubeconfig" => kubelet_kubeconfig = true,
                p if SECURE_BOOTSTRAP_LINUX.iter().any(|s| p == format!("/{s}")) => secure = true,
                _ => {}
            }
        } else if let Some(kv) = line.strip_prefix("### kubelet ") {
            match kv.split_once(':') {
                Some(("server", v)) => fact.api_server = Some(v.trim().to_string()),
                Some(("client-certificate", v)) => client_cert = Some(v.trim().to_string()),
                _ => {}
            }
        } else if let Some((_, body)) = sections.last_mut() {
            body.push_str(line);
            body.push('\n');
        }
    }
    let rotating_present = sections
        .iter()
        .any(|(node_path, _)| node_path == "/var/lib/kubelet/pki/kubelet-client-current.pem");
    fact.tls_bootstrap = bootstrap_evidence(bootstrap, secure, kubelet_kubeconfig, rotating_present, client_cert);
    for (node_path, body) in sections {
        let name = node_path.rsplit('/').next().unwrap_or(&node_path).to_string();
        let role = role_of_node_file(&name);
        fact.files_found.push(node_path.trim_start_matches('/').to_string());
        for (index, found) in extract(body.as_bytes()).certificates.into_iter().enumerate() {
            let origin = CertificateOrigin {
                kind: Some(SourceKind::NodeRoot),
                path: format!("{uri}{node_path}"),
                index: index as u32,
                encoding: "pem".into(),
                node_root: Some(uri.to_string()),
                node_path: Some(node_path.clone()),
                ..Default::default()
            };
            match analyze(found.der, origin, role) {
                Ok(cert) => {
                    out.facts.certificates.push(cert);
                }
                Err(message) => out.facts.errors.push(error(
                    SourceKind::NodeRoot,
                    uri,
                    ErrorKind::MalformedCertificate,
                    format!("{node_path}: {message}"),
                )),
            }
        }
    }
    fact.files_found.sort();
    fact.files_found.dedup();
    summarize_certificates(&out, &mut fact);
    out.facts.node_roots.push(fact);
    out
}
