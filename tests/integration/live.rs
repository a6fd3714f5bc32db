//! `--aks`: the live scan with stand-in `az` and `kubectl` executables that print the recorded
//! documents of `testdata/scenarios/old-nodes` and log the exact arguments they were given.
//! (The live mode is tested this way, not against Azure.)

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::util::*;

/// Writes stand-in `az` and `kubectl` into `dir`. `az` fails `get-credentials` when
/// `fail_credentials` is set, with the message az prints when nobody is logged in.
fn stand_ins(dir: &Path, fail_credentials: bool) {
    let data = root().join("testdata/scenarios/old-nodes");
    let credentials = if fail_credentials {
        "echo \"ERROR: Please run 'az login' to setup account.\" >&2; exit 1".to_string()
    } else {
        format!("cat '{}/kubeconfig'", data.display())
    };
    let az = format!(
        "#!/bin/sh\nprintf 'az %s\\n' \"$*\" >> \"$STANDIN_LOG\"\ncase \"$1 $2\" in\n  'aks show') cat '{d}/cluster.json' ;;\n  'aks get-credentials') {credentials} ;;\n  'vmss list') echo '[{{\"name\": \"aks-nodepool1-12345678-vmss\"}}]' ;;\n  'vmss list-instances') echo '[{{\"instanceId\": \"0\"}}]' ;;\n  'vmss run-command') cat \"$RUN_COMMAND_OUTPUT\" ;;\n  *) echo \"unexpected az call: $*\" >&2; exit 2 ;;\nesac\n",
        d = data.display()
    );
    // `kubectl get nodes` prints the recorded nodes; `kubectl get <kind>` prints
    // `$OBJECTS_DIR/<kind>.json` and `kubectl get <kind>,<kind>,...` `$OBJECTS_DIR/all.json` (an
    // empty list without them), or refuses what `$FORBIDDEN` names (any call listing it) the way
    // the API server does.
    let kubectl = format!(
        r#"#!/bin/sh
printf 'kubectl %s\n' "$*" >> "$STANDIN_LOG"
for a in "$@"; do last="$a"; done
printf 'kubeconfig mode %s\n' "$(stat -c %a "$last")" >> "$STANDIN_LOG"
if [ "$2" = nodes ]; then cat '{}/nodes.json'; exit 0; fi
if [ -n "$FORBIDDEN" ]; then
  case ",$2," in *",$FORBIDDEN,"*)
    echo "Error from server (Forbidden): $FORBIDDEN is forbidden: User \"scanner\" cannot list resource \"$FORBIDDEN\" in API group \"\" at the cluster scope" >&2
    exit 1 ;;
  esac
fi
case "$2" in *,*) file="$OBJECTS_DIR/all.json" ;; *) file="$OBJECTS_DIR/$2.json" ;; esac
if [ -n "$OBJECTS_DIR" ] && [ -f "$file" ]; then cat "$file"; else echo '{{"apiVersion": "v1", "items": [], "kind": "List"}}'; fi
"#,
        data.display()
    );
    for (name, text) in [("az", az), ("kubectl", kubectl)] {
        let path = dir.join(name);
        std::fs::write(&path, text).expect("write");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
}

/// A recorded `az vmss run-command invoke` result for the node of `old-nodes`, built the way the
/// node-side script prints it.
fn run_command_output(dir: &Path) -> String {
    let node = root().join("testdata/scenarios/old-nodes/node");
    let mut stdout = String::new();
    for file in [
        "etc/kubernetes/certs/apiserver.crt",
        "etc/kubernetes/certs/ca.crt",
        "etc/kubernetes/certs/client.crt",
    ] {
        stdout.push_str(&format!(
            "### file /{file}\n{}",
            std::fs::read_to_string(node.join(file)).expect("cert")
        ));
    }
    stdout.push_str("### exists /var/lib/kubelet/kubeconfig\n### kubelet server: https://ops-rg-ops-3f2e8c-2b3c4d5e.hcp.uksouth.azmk8s.io:443\n### kubelet client-certificate: /etc/kubernetes/certs/client.crt\n");
    let result = serde_json::json!({"value": [{"code": "ProvisioningState/succeeded", "displayStatus": "Provisioning succeeded", "level": "Info", "message": format!("Enable succeeded: \n[stdout]\n{stdout}\n[stderr]\n"), "time": null}]});
    let path = dir.join("run-command.json");
    std::fs::write(&path, result.to_string()).expect("write");
    path.display().to_string()
}

/// Runs `scan --format json --aks rg-ops/ops` with the stand-ins in `dir` and `extra` flags.
fn live_scan(dir: &Path, extra: &[&str], env: &[(&str, &Path)]) -> std::process::Output {
    let (az, kubectl) = (dir.join("az"), dir.join("kubectl"));
    let mut cmd = bin();
    cmd.args([
        "scan",
        "--now",
        NOW,
        "--format",
        "json",
        "--fail-on",
        "never",
        "--timeout",
        "1",
        "--aks",
        "rg-ops/ops",
    ])
    .args(extra)
    .args([
        "--az",
        az.to_str().expect("utf8"),
        "--kubectl",
        kubectl.to_str().expect("utf8"),
    ])
    .env("STANDIN_LOG", dir.join("calls.log"));
    for (name, value) in env {
        cmd.env(name, value);
    }
    cmd.output().expect("runs")
}

fn finding_keys(out: &std::process::Output) -> Vec<(String, String)> {
    let doc: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("json: {}", stderr(out)));
    let mut keys: Vec<(String, String)> = doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule_id"] != "SCAN001")
        .map(|f| {
            (
                f["rule_id"].as_str().expect("id").to_string(),
                f["resource"]["id"].as_str().expect("rid").to_string(),
            )
        })
        .collect();
    keys.sort();
    keys
}

#[test]
fn aks_live_scan_matches_scanning_the_recorded_files() {
    let dir = tempdir();
    stand_ins(dir.path(), false);
    let log = dir.path().join("calls.log");
    let out = live_scan(dir.path(), &["--subscription", "sub-123"], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let direct = scan_json(&[
        "--fail-on",
        "never",
        "--cluster",
        "testdata/scenarios/old-nodes/cluster.json",
        "--kubeconfig",
        "testdata/scenarios/old-nodes/kubeconfig",
        "--nodes",
        "testdata/scenarios/old-nodes/nodes.json",
    ]);
    let live_keys = finding_keys(&out);
    assert!(!live_keys.is_empty());
    assert_eq!(live_keys, finding_keys(&direct));

    let calls = std::fs::read_to_string(&log).expect("log");
    let lines: Vec<&str> = calls.lines().collect();
    assert_eq!(lines[0], "az aks show -g rg-ops -n ops -o json --subscription sub-123");
    assert_eq!(
        lines[1],
        "az aks get-credentials -g rg-ops -n ops --file - --subscription sub-123"
    );
    assert!(
        lines[2].starts_with("kubectl get nodes -o json --kubeconfig "),
        "{}",
        lines[2]
    );
    assert_eq!(lines[3], "kubeconfig mode 600", "the temporary kubeconfig is private");
    let temp_kubeconfig = lines[2].rsplit(' ').next().expect("path");
    assert!(
        !Path::new(temp_kubeconfig).exists(),
        "the temporary kubeconfig is deleted"
    );

    // The API server probe was attempted (the recorded FQDN does not resolve here).
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let probe_error = doc["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .find(|e| e["source"] == "endpoint")
        .expect("probe recorded");
    assert_eq!(
        probe_error["path"],
        "tls://ops-rg-ops-3f2e8c-2b3c4d5e.hcp.uksouth.azmk8s.io:443"
    );
    // Live facts name no file: their findings point at the facts document.
    assert!(doc["findings"]
        .as_array()
        .expect("f")
        .iter()
        .filter(|f| f["rule_id"] == "NODE002")
        .all(|f| f["locations"][0]["path"]
            .as_str()
            .is_some_and(|p| p.starts_with("live://aks/rg-ops/ops/"))));
}

#[test]
fn node_certs_read_through_run_command() {
    let dir = tempdir();
    stand_ins(dir.path(), false);
    let output = run_command_output(dir.path());
    let log = dir.path().join("calls.log");
    let out = live_scan(
        dir.path(),
        &["--node-certs"],
        &[("RUN_COMMAND_OUTPUT", Path::new(&output))],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let calls = std::fs::read_to_string(&log).expect("log");
    assert!(
        calls.contains("az vmss list -g MC_rg-ops_ops_uksouth -o json"),
        "{calls}"
    );
    assert!(
        calls.contains("az vmss list-instances -g MC_rg-ops_ops_uksouth -n aks-nodepool1-12345678-vmss -o json"),
        "{calls}"
    );
    assert!(calls.contains("az vmss run-command invoke -g MC_rg-ops_ops_uksouth -n aks-nodepool1-12345678-vmss --command-id RunShellScript --instance-id 0 --scripts "), "{calls}");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let ids: Vec<&str> = doc["findings"]
        .as_array()
        .expect("f")
        .iter()
        .map(|f| f["rule_id"].as_str().expect("id"))
        .collect();
    assert!(
        ids.contains(&"NODE001"),
        "the node without TLS bootstrapping is found through run-command: {ids:?}"
    );
}

#[test]
fn failing_steps_are_reported_and_the_rest_goes_on() {
    let dir = tempdir();
    stand_ins(dir.path(), true);
    let out = live_scan(dir.path(), &[], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("az login"), "{err}");
    assert!(
        err.contains("skipped: `az aks get-credentials` gave no kubeconfig"),
        "{err}"
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!(doc["findings"]
        .as_array()
        .expect("f")
        .iter()
        .any(|f| f["rule_id"] == "SCAN001"));

    let missing = facts_at_now(&["--timeout", "1", "--aks", "rg/x", "--az", "/nonexistent/az"]);
    assert!(
        stderr(&missing).contains("`/nonexistent/az` is not installed or not on PATH"),
        "{}",
        stderr(&missing)
    );
    let bad = facts_at_now(&["--aks", "just-a-name"]);
    assert!(stderr(&bad).contains("expected RESOURCE_GROUP/NAME"));
}

/// Splits the `in-cluster` scenario's objects into `kubectl get` outputs in `dir`: `all.json`
/// (every kind but nodes, which have their own step) and one `<kind>.json` per kind.
fn objects_dir(dir: &Path) -> std::path::PathBuf {
    let out = dir.join("objects");
    std::fs::create_dir_all(&out).expect("mkdir");
    let text = std::fs::read_to_string(root().join("testdata/scenarios/in-cluster/objects.json")).expect("objects");
    let doc: serde_json::Value = serde_json::from_str(&text).expect("json");
    let mut by_kind: std::collections::BTreeMap<String, Vec<serde_json::Value>> = Default::default();
    for item in doc["items"].as_array().expect("items") {
        let kind = item["kind"].as_str().expect("kind");
        if kind != "Node" {
            by_kind
                .entry(format!("{}s", kind.to_ascii_lowercase()))
                .or_default()
                .push(item.clone());
        }
    }
    let list = |items: Vec<serde_json::Value>| {
        serde_json::json!({"apiVersion": "v1", "items": items, "kind": "List"}).to_string()
    };
    std::fs::write(
        out.join("all.json"),
        list(by_kind.values().flatten().cloned().collect()),
    )
    .expect("write");
    for (kind, items) in by_kind {
        std::fs::write(out.join(format!("{kind}.json")), list(items)).expect("write");
    }
    out
}

fn findings_of(out: &std::process::Output) -> Vec<serde_json::Value> {
    let doc: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("json: {}", stderr(out)));
    doc["findings"].as_array().expect("findings").clone()
}

#[test]
fn aks_reads_the_objects_that_hold_certificates_with_one_kubectl_call() {
    let dir = tempdir();
    stand_ins(dir.path(), false);
    let objects = objects_dir(dir.path());
    let out = live_scan(dir.path(), &[], &[("OBJECTS_DIR", &objects)]);
    assert!(out.status.success(), "{}", stderr(&out));
    let calls = std::fs::read_to_string(dir.path().join("calls.log")).expect("log");
    let gets: Vec<&str> = calls.lines().filter(|l| l.starts_with("kubectl get ")).collect();
    assert_eq!(gets.len(), 2, "{calls}");
    assert!(
        gets[1].starts_with(
            "kubectl get secrets,configmaps,validatingwebhookconfigurations,mutatingwebhookconfigurations,apiservices,customresourcedefinitions,certificatesigningrequests --all-namespaces -o json --kubeconfig "
        ),
        "{}",
        gets[1]
    );
    // Read live, the objects are the cluster's own: their findings name it.
    let findings = findings_of(&out);
    let of = |rule: &str| -> Vec<&serde_json::Value> { findings.iter().filter(|f| f["rule_id"] == rule).collect() };
    let stale = of("K8S001");
    assert_eq!(
        stale.len(),
        2,
        "the service-account token and the Argo CD secret: {stale:?}"
    );
    for f in &stale {
        assert_eq!(f["resource"]["cluster"]["name"], "ops");
        assert!(f["resource"]["id"].as_str().expect("id").starts_with("rg-ops/ops:"));
    }
    let expired = of("CERT001");
    assert_eq!(expired.len(), 1);
    assert_eq!(expired[0]["resource"]["cluster"]["resource_group"], "rg-ops");
    assert_eq!(
        expired[0]["locations"][0]["object"],
        "ingress-nginx/Secret/web-tls#tls.crt"
    );
    assert!(expired[0]["locations"][0]["path"]
        .as_str()
        .is_some_and(|p| p.starts_with("live://aks/rg-ops/ops/objects")));
    assert_eq!(of("NODE007").len(), 2);
}

#[test]
fn a_forbidden_kind_is_its_own_error_and_the_other_kinds_are_read() {
    let dir = tempdir();
    stand_ins(dir.path(), false);
    let objects = objects_dir(dir.path());
    let out = live_scan(
        dir.path(),
        &[],
        &[("OBJECTS_DIR", &objects), ("FORBIDDEN", Path::new("secrets"))],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let calls = std::fs::read_to_string(dir.path().join("calls.log")).expect("log");
    for kind in [
        "secrets",
        "configmaps",
        "validatingwebhookconfigurations",
        "mutatingwebhookconfigurations",
        "apiservices",
        "customresourcedefinitions",
        "certificatesigningrequests",
    ] {
        assert!(
            calls.contains(&format!("kubectl get {kind} --all-namespaces -o json")),
            "one call per kind after the combined one failed: {calls}"
        );
    }
    let findings = findings_of(&out);
    let scan001: Vec<&str> = findings
        .iter()
        .filter(|f| f["rule_id"] == "SCAN001")
        .map(|f| f["message"].as_str().expect("m"))
        .collect();
    assert!(
        scan001
            .iter()
            .any(|m| m.contains("kubectl get secrets") && m.contains("Forbidden")),
        "{scan001:?}"
    );
    let rules: std::collections::BTreeSet<&str> = findings.iter().map(|f| f["rule_id"].as_str().expect("id")).collect();
    assert!(
        rules.contains("CERT002"),
        "the webhook caBundle is still read: {rules:?}"
    );
    assert!(rules.contains("NODE007"), "{rules:?}");
    assert!(
        !rules.contains("K8S001") && !rules.contains("CERT001"),
        "no secret was read: {rules:?}"
    );
}

#[test]
fn no_k8s_objects_reads_nodes_only() {
    let dir = tempdir();
    stand_ins(dir.path(), false);
    let out = live_scan(dir.path(), &["--no-k8s-objects"], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let calls = std::fs::read_to_string(dir.path().join("calls.log")).expect("log");
    let gets: Vec<&str> = calls.lines().filter(|l| l.starts_with("kubectl get ")).collect();
    assert_eq!(gets.len(), 1, "{calls}");
    assert!(gets[0].starts_with("kubectl get nodes "));
}
