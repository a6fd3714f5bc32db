//! `deploy/kubernetes/` and the `Dockerfile`: the manifests validate against the Kubernetes
//! schemas of the versions AKS supports (PyPI `kubernetes-validate`, strict), keep the promises
//! their comments make (read-only host paths, no API token, every taint tolerated, least
//! capabilities), run the commands the binary accepts, and `--daemonset` gathers the nodes'
//! documents through a stand-in `kubectl`.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::util::*;

/// Kubernetes versions AKS supports (standard and long-term support) at the time of writing.
const AKS_VERSIONS: &[&str] = &["1.31.0", "1.32.0", "1.33.0", "1.34.0", "1.35.0"];

fn manifests() -> Vec<PathBuf> {
    ["namespace.yaml", "serviceaccount.yaml", "daemonset-linux.yaml"]
        .iter()
        .map(|f| root().join("deploy/kubernetes").join(f))
        .collect()
}

fn yaml(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).expect("manifest");
    serde_saphyr::from_str(&text).expect("YAML")
}

fn validator() -> Option<&'static str> {
    let found = Command::new("kubernetes-validate")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        skip_missing_tool(
            "Kubernetes manifests",
            "kubernetes-validate",
            "pip install kubernetes-validate",
        );
    }
    found.then_some("kubernetes-validate")
}

#[test]
fn manifests_validate_for_every_aks_version() {
    let Some(tool) = validator() else { return };
    for version in AKS_VERSIONS {
        let out = Command::new(tool)
            .args(["--strict", "-k", version])
            .args(manifests())
            .output()
            .expect("validator runs");
        assert!(out.status.success(), "{version}: {}{}", stdout(&out), stderr(&out));
    }
    // The check can fail: a field the schema does not know is rejected.
    let dir = tempdir();
    let broken = dir.path().join("broken.yaml");
    let text = std::fs::read_to_string(root().join("deploy/kubernetes/daemonset-linux.yaml")).expect("manifest");
    std::fs::write(
        &broken,
        text.replace("readOnlyRootFilesystem: true", "readOnlyRootFileSystem: true"),
    )
    .expect("write");
    let out = Command::new(tool)
        .args(["--strict", "-k", AKS_VERSIONS[0]])
        .arg(&broken)
        .output()
        .expect("validator runs");
    assert!(!out.status.success(), "a misspelt field passed: {}", stdout(&out));
}

#[test]
fn the_daemonset_keeps_its_least_privilege_promises() {
    let ds = yaml(&root().join("deploy/kubernetes/daemonset-linux.yaml"));
    let spec = &ds["spec"]["template"]["spec"];
    assert_eq!(spec["automountServiceAccountToken"], false);
    assert_eq!(spec["tolerations"], serde_json::json!([{"operator": "Exists"}]));
    assert_eq!(spec["nodeSelector"]["kubernetes.io/os"], "linux");
    let container = &spec["containers"][0];
    let security = &container["securityContext"];
    assert_eq!(security["readOnlyRootFilesystem"], true);
    assert_eq!(security["allowPrivilegeEscalation"], false);
    assert_eq!(security["privileged"], false);
    assert_eq!(security["capabilities"]["drop"], serde_json::json!(["ALL"]));
    assert_eq!(security["capabilities"]["add"], serde_json::json!(["DAC_READ_SEARCH"]));
    let host_paths: Vec<(String, String)> = spec["volumes"]
        .as_array()
        .expect("volumes")
        .iter()
        .filter_map(|v| {
            Some((
                v["name"].as_str()?.to_string(),
                v["hostPath"]["path"].as_str()?.to_string(),
            ))
        })
        .collect();
    let paths: Vec<&str> = host_paths.iter().map(|(_, p)| p.as_str()).collect();
    assert_eq!(
        paths,
        [
            "/etc/kubernetes/certs",
            "/var/lib/kubelet/pki",
            "/var/lib/kubelet/kubeconfig"
        ]
    );
    for (name, _) in &host_paths {
        let mount = container["volumeMounts"]
            .as_array()
            .expect("mounts")
            .iter()
            .find(|m| m["name"] == name.as_str())
            .expect("mounted");
        assert_eq!(mount["readOnly"], true, "{name} is mounted read-only");
        assert!(mount["mountPath"].as_str().expect("path").starts_with("/host/"));
    }
    let sa = yaml(&root().join("deploy/kubernetes/serviceaccount.yaml"));
    assert_eq!(sa["automountServiceAccountToken"], false);
    let ns = yaml(&root().join("deploy/kubernetes/namespace.yaml"));
    assert_eq!(
        ns["metadata"]["labels"]["pod-security.kubernetes.io/enforce"],
        "privileged"
    );
}

#[test]
fn the_daemonset_command_runs_and_becomes_ready() {
    let ds = yaml(&root().join("deploy/kubernetes/daemonset-linux.yaml"));
    let args: Vec<String> = ds["spec"]["template"]["spec"]["containers"][0]["args"]
        .as_array()
        .expect("args")
        .iter()
        .map(|a| a.as_str().expect("string").to_string())
        .collect();
    assert_eq!(args[0], "serve");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let node = root().join("testdata/scenarios/old-nodes/node");
    let local: Vec<String> = args
        .iter()
        .map(|a| match a.as_str() {
            "0.0.0.0:9102" => format!("127.0.0.1:{port}"),
            "/host" => node.display().to_string(),
            other => other.to_string(),
        })
        .collect();
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("aks-certscan"))
        .args(&local)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("serve");
    let start = std::time::Instant::now();
    let mut ready = false;
    while start.elapsed() < Duration::from_secs(30) && !ready {
        std::thread::sleep(Duration::from_millis(200));
        ready = std::net::TcpStream::connect(("127.0.0.1", port))
            .and_then(|mut s| {
                use std::io::{Read, Write};
                s.write_all(b"GET /readyz HTTP/1.0\r\n\r\n")?;
                let mut reply = String::new();
                s.read_to_string(&mut reply)?;
                Ok(reply.starts_with("HTTP/1.1 200") || reply.starts_with("HTTP/1.0 200"))
            })
            .unwrap_or(false);
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(ready, "the DaemonSet's command serves /readyz");
}

/// A stand-in `kubectl`: `get pods` lists three scanner pods (one Pending), `exec` runs this
/// repository's binary against the example node of each pod, as the image would against `/host`.
fn stand_in_kubectl(dir: &Path) -> PathBuf {
    let pods = serde_json::json!({"apiVersion": "v1", "kind": "List", "items": [
        {"metadata": {"name": "aks-certscan-node-a1"}, "spec": {"nodeName": "aks-nodepool1-12345678-vmss000000"}, "status": {"phase": "Running"}},
        {"metadata": {"name": "aks-certscan-node-b2"}, "spec": {"nodeName": "aks-nodepool1-12345678-vmss000001"}, "status": {"phase": "Running"}},
        {"metadata": {"name": "aks-certscan-node-c3"}, "spec": {"nodeName": "aks-gpu-87654321-vmss000000"}, "status": {"phase": "Pending"}},
        {"metadata": {"name": "aks-certscan-node-d4"}, "spec": {"nodeName": "aks-spot-11111111-vmss000000"}, "status": {"phase": "Running"}},
        {"metadata": {"name": "aks-certscan-node-e5"}, "spec": {"nodeName": "aks-spot-11111111-vmss000001"}, "status": {"phase": "Running"}}
    ]});
    std::fs::write(dir.join("pods.json"), pods.to_string()).expect("pods");
    let bin = assert_cmd::cargo::cargo_bin("aks-certscan");
    let kubectl = dir.join("kubectl");
    std::fs::write(
        &kubectl,
        format!(
            r#"#!/bin/sh
printf 'kubectl %s\n' "$*" >> "$STANDIN_LOG"
case "$1" in
  get) [ "$*" = "get pods -n aks-certscan -l app.kubernetes.io/name=aks-certscan-node -o json" ] || exit 2; cat '{pods}' ;;
  exec)
    case "$4" in
      aks-certscan-node-a1) node='{a}' ;;
      aks-certscan-node-b2) node='{b}' ;;
      aks-certscan-node-d4) echo "OCI runtime exec failed: not a facts document"; exit 0 ;;
      aks-certscan-node-e5) sleep 20; exit 0 ;;
      *) echo "error: pod not found" >&2; exit 1 ;;
    esac
    [ "$5 $6 $7 $8 $9" = "-c scanner -- /usr/local/bin/aks-certscan facts" ] || exit 2
    shift 9
    [ "$1 $2" = "--node-root /host" ] || exit 2
    shift 2
    exec '{bin}' facts --node-root "$node" "$@" ;;
esac
"#,
            pods = dir.join("pods.json").display(),
            a = root().join("testdata/scenarios/old-nodes/node").display(),
            b = root().join("testdata/scenarios/rotated/node-recreated").display(),
            bin = bin.display()
        ),
    )
    .expect("write");
    std::fs::set_permissions(&kubectl, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    kubectl
}

#[test]
fn daemonset_gathers_every_node_and_names_the_one_that_failed() {
    let dir = tempdir();
    let kubectl = stand_in_kubectl(dir.path());
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("aks-certscan"));
    cmd.current_dir(root())
        .env("STANDIN_LOG", dir.path().join("calls.log"))
        .args([
            "facts",
            "--now",
            NOW,
            "--daemonset",
            "aks-certscan",
            "--cluster-timeout",
            "3",
            "--kubectl",
        ])
        .arg(&kubectl)
        .stdin(Stdio::null());
    let out = bounded(cmd, Duration::from_secs(60));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("{}", stderr(&out)));
    let roots: Vec<&str> = doc["node_roots"]
        .as_array()
        .expect("roots")
        .iter()
        .map(|r| r["path"].as_str().expect("path"))
        .collect();
    assert_eq!(roots.len(), 2, "{roots:?}");
    assert!(roots[0].starts_with("aks-nodepool1-12345678-vmss000000:"), "{roots:?}");
    assert!(roots[1].starts_with("aks-nodepool1-12345678-vmss000001:"), "{roots:?}");
    let errors: Vec<(String, String)> = doc["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| {
            (
                e["path"].as_str().expect("path").to_string(),
                e["message"].as_str().expect("message").to_string(),
            )
        })
        .collect();
    assert_eq!(errors.len(), 3, "{errors:?}");
    // Node order: the Pending GPU node, the spot node printing garbage, the one that never answers.
    assert_eq!(errors[0].0, "live://daemonset/aks-certscan/aks-gpu-87654321-vmss000000");
    assert!(errors[0].1.contains("Pending"), "{}", errors[0].1);
    assert_eq!(
        errors[1].0,
        "live://daemonset/aks-certscan/aks-spot-11111111-vmss000000"
    );
    assert!(
        errors[1].1.contains("did not print a facts document"),
        "{}",
        errors[1].1
    );
    assert_eq!(
        errors[2].0,
        "live://daemonset/aks-certscan/aks-spot-11111111-vmss000001"
    );
    assert!(errors[2].1.contains("timed out"), "{}", errors[2].1);
    // Certificates follow their node's name.
    assert!(doc["certificates"]
        .as_array()
        .expect("certs")
        .iter()
        .filter_map(|c| c["origin"]["node_root"].as_str())
        .all(|r| r.starts_with("aks-nodepool1-")));
}

#[test]
fn the_image_builds_where_docker_runs() {
    let docker = Command::new("docker")
        .arg("info")
        .output()
        .is_ok_and(|o| o.status.success());
    if !docker {
        skip_missing_tool("container image build", "docker", "a reachable Docker daemon");
        return;
    }
    let out = Command::new("docker")
        .args(["build", "-t", "aks-certscan:test", "."])
        .current_dir(root())
        .output()
        .expect("docker build");
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    let run = Command::new("docker")
        .args(["run", "--rm", "aks-certscan:test", "--version"])
        .output()
        .expect("docker run");
    assert!(stdout(&run).starts_with("aks-certscan "), "{}", stdout(&run));
}

/// The kinds `--aks` lists, with their API groups: `kubectl get nodes`, then
/// `kubectl get <the rest> --all-namespaces` (see `live::aks_reads_the_objects_that_hold_certificates_with_one_kubectl_call`).
const LISTED: &[(&str, &str)] = &[
    ("", "nodes"),
    ("", "secrets"),
    ("", "configmaps"),
    ("admissionregistration.k8s.io", "validatingwebhookconfigurations"),
    ("admissionregistration.k8s.io", "mutatingwebhookconfigurations"),
    ("apiregistration.k8s.io", "apiservices"),
    ("apiextensions.k8s.io", "customresourcedefinitions"),
    ("certificates.k8s.io", "certificatesigningrequests"),
];

#[test]
fn the_objects_cluster_role_lists_exactly_what_aks_reads() {
    let path = root().join("deploy/kubernetes/clusterrole-k8s-objects.yaml");
    let role = yaml(&path);
    assert_eq!(role["kind"], "ClusterRole");
    let mut granted: Vec<(String, String)> = Vec::new();
    for rule in role["rules"].as_array().expect("rules") {
        assert_eq!(rule["verbs"], serde_json::json!(["list"]), "list only: {rule}");
        assert!(rule.get("resourceNames").is_none() && rule.get("nonResourceURLs").is_none());
        for group in rule["apiGroups"].as_array().expect("groups") {
            for resource in rule["resources"].as_array().expect("resources") {
                granted.push((
                    group.as_str().expect("group").to_string(),
                    resource.as_str().expect("resource").to_string(),
                ));
            }
        }
    }
    granted.sort();
    let mut expected: Vec<(String, String)> = LISTED.iter().map(|(g, r)| (g.to_string(), r.to_string())).collect();
    expected.sort();
    assert_eq!(granted, expected);
    // Not part of the node scanner's deployment, which has no API access.
    let kustomization = std::fs::read_to_string(root().join("deploy/kubernetes/kustomization.yaml")).expect("read");
    assert!(!kustomization.contains("clusterrole"));
    let Some(tool) = validator() else { return };
    for version in AKS_VERSIONS {
        let out = Command::new(tool)
            .args(["--strict", "-k", version])
            .arg(&path)
            .output()
            .expect("validator runs");
        assert!(out.status.success(), "{version}: {}{}", stdout(&out), stderr(&out));
    }
}
