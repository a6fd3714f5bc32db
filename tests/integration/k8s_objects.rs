//! `--k8s-objects`: the certificates and CA copies services keep in Kubernetes objects, over the
//! `in-cluster` scenario (after `az aks rotate-certs` and after local accounts were disabled), its
//! node root laid out as the kubelet does, and hostile object documents.

use std::path::{Path, PathBuf};
use std::time::Duration;

use data_encoding::BASE64;
use serde_json::{json, Value};

use crate::util::*;

const SCENARIO: &str = "testdata/scenarios/in-cluster";

fn objects_path() -> PathBuf {
    root().join(SCENARIO).join("objects.json")
}

fn objects() -> Value {
    serde_json::from_str(&std::fs::read_to_string(objects_path()).expect("objects")).expect("json")
}

/// Runs `scan --format json` over the whole scenario with `extra` flags; returns the report.
fn scan_scenario(extra: &[&str]) -> Value {
    let args = scenario_args("in-cluster");
    let mut all: Vec<&str> = vec!["--fail-on", "never"];
    all.extend(args.iter().map(String::as_str));
    all.extend(extra);
    let out = scan_json(&all);
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).expect("report")
}

/// Runs `scan --format json` with `args` (plus `--fail-on never`), bounded in time.
fn scan_bounded(args: &[&str], limit: Duration) -> (Value, String) {
    let mut cmd = plain_bin();
    cmd.args(["scan", "--now", NOW, "--format", "json", "--fail-on", "never"])
        .args(args);
    let out = bounded(cmd, limit);
    let err = stderr(&out);
    let doc = serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("report: {err}"));
    (doc, err)
}

fn findings<'a>(doc: &'a Value, rule: &str) -> Vec<&'a Value> {
    doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule_id"] == rule)
        .collect()
}

fn messages(doc: &Value, rule: &str) -> Vec<String> {
    findings(doc, rule)
        .iter()
        .map(|f| f["message"].as_str().expect("message").to_string())
        .collect()
}

/// Writes `doc` as a `--k8s-objects` file in `dir`.
fn write_objects(dir: &Path, name: &str, doc: &Value) -> String {
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_vec_pretty(doc).expect("json")).expect("write");
    path.to_str().expect("utf8").to_string()
}

fn list(items: Vec<Value>) -> Value {
    json!({"apiVersion": "v1", "kind": "List", "items": items, "metadata": {"resourceVersion": ""}})
}

fn item<'a>(doc: &'a Value, kind: &str, name: &str) -> &'a Value {
    doc["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|i| i["kind"] == kind && i["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("{kind} {name}"))
}

#[test]
fn an_expired_tls_secret_is_a_finding_about_its_object() {
    let doc = scan_scenario(&[]);
    let expired = findings(&doc, "CERT001");
    assert_eq!(expired.len(), 1);
    let f = expired[0];
    assert!(
        f["message"].as_str().is_some_and(|m| m
            .contains("certificate CN=web.contoso.com in ingress-nginx/Secret/web-tls#tls.crt expired on 2026-11-01")),
        "{f}"
    );
    assert_eq!(
        f["locations"],
        json!([{"path": format!("{SCENARIO}/objects.json"), "line": 32, "object": "ingress-nginx/Secret/web-tls#tls.crt"}])
    );
    // Tied to its cluster through the CA the objects publish (kube-root-ca.crt = the kubeconfig's).
    assert_eq!(
        f["resource"]["cluster"],
        json!({"resource_group": "rg-web", "name": "web"})
    );
    // A service's certificate: reissue it in its object, not `az aks rotate-certs`.
    let fix = f["remediation"].as_str().expect("fix");
    assert!(
        fix.contains("Reissue the certificate kept in ingress-nginx/Secret/web-tls#tls.crt"),
        "{fix}"
    );
    assert!(!fix.contains("rotate-certs -g"), "{fix}");
    assert!(f["warning"].is_null(), "no rotate-certs caution: {f}");
    assert_eq!(f["evidence"]["subject"], "CN=web.contoso.com");
}

#[test]
fn an_expiring_webhook_ca_bundle_is_one_finding_at_every_object_that_holds_it() {
    let doc = scan_scenario(&[]);
    let expiring: Vec<&Value> = findings(&doc, "CERT002")
        .into_iter()
        .filter(|f| f["evidence"]["subject"] == "CN=cert-manager-webhook-ca")
        .collect();
    assert_eq!(expiring.len(), 1);
    let f = expiring[0];
    assert_eq!(f["level"], "warning", "21 days left");
    let objects: Vec<&str> = f["locations"]
        .as_array()
        .expect("locations")
        .iter()
        .map(|l| l["object"].as_str().expect("object"))
        .collect();
    assert_eq!(
        objects,
        [
            "ValidatingWebhookConfiguration/cert-manager-webhook#webhooks[webhook.cert-manager.io].caBundle",
            "MutatingWebhookConfiguration/cert-manager-webhook#webhooks[webhook.cert-manager.io].caBundle",
            "CustomResourceDefinition/certificates.cert-manager.io#spec.conversion.webhook.clientConfig.caBundle",
        ]
    );
    // The metrics-server CA (2035) is read and silent.
    let facts = scenario_facts("in-cluster");
    assert!(facts["certificates"]
        .as_array()
        .expect("certificates")
        .iter()
        .any(|c| c["origin"]["k8s_object"] == "APIService/v1beta1.metrics.k8s.io#spec.caBundle"));
}

#[test]
fn copies_of_the_old_cluster_ca_are_found_after_a_rotation() {
    let doc = scan_scenario(&[]);
    let stale = findings(&doc, "K8S001");
    let mut places: Vec<&str> = stale
        .iter()
        .map(|f| f["locations"][0]["object"].as_str().expect("object"))
        .collect();
    places.sort();
    assert_eq!(
        places,
        [
            "argocd/Secret/cluster-in-cluster#config",
            "ci/Secret/build-robot-token#ca.crt",
            "flux-system/Secret/web-kubeconfig#value",
        ]
    );
    let facts = scenario_facts("in-cluster");
    let published = facts["k8s_sources"][0]["published_ca_ids"][0]
        .as_str()
        .expect("published")
        .to_string();
    for f in &stale {
        assert_eq!(f["level"], "error");
        assert_eq!(f["evidence"]["current_ca_id"], published.as_str());
        assert_eq!(f["resource"]["cluster"]["name"], "web");
        assert!(f["message"]
            .as_str()
            .expect("m")
            .contains("x509: certificate signed by unknown authority"));
    }

    let dir = tempdir();
    // A token secret that carries the current CA is silent.
    let mut fixed = objects();
    let current = item(&fixed, "ConfigMap", "kube-root-ca.crt")["data"]["ca.crt"]
        .as_str()
        .expect("pem")
        .to_string();
    for i in fixed["items"].as_array_mut().expect("items") {
        if i["metadata"]["name"] == "build-robot-token" {
            i["data"]["ca.crt"] = json!(BASE64.encode(current.as_bytes()));
        }
    }
    let path = write_objects(dir.path(), "fixed.json", &fixed);
    let (doc, _) = scan_bounded(&["--k8s-objects", &path], Duration::from_secs(60));
    assert_eq!(messages(&doc, "K8S001").len(), 1, "only Argo CD's copy is left");

    // Without kube-root-ca.crt, the current CA comes from the fresh kubeconfig of the cluster's
    // API server: the Flux kubeconfig (named by that server) is judged; the in-cluster copies,
    // whose cluster is now unknown, are not.
    let mut bare = objects();
    bare["items"]
        .as_array_mut()
        .expect("items")
        .retain(|i| i["kind"] != "ConfigMap");
    let path = write_objects(dir.path(), "bare.json", &bare);
    let scenario = root().join(SCENARIO);
    let (doc, _) = scan_bounded(
        &[
            "--k8s-objects",
            &path,
            "--cluster",
            scenario.join("cluster.json").to_str().expect("utf8"),
            "--kubeconfig",
            scenario.join("kubeconfig").to_str().expect("utf8"),
        ],
        Duration::from_secs(60),
    );
    let stale = messages(&doc, "K8S001");
    assert_eq!(stale.len(), 1, "{stale:?}");
    assert!(
        stale[0].starts_with("flux-system/Secret/web-kubeconfig#value"),
        "{stale:?}"
    );
}

#[test]
fn a_pending_or_denied_serving_csr_is_found_and_the_limit_is_a_parameter() {
    let doc = scan_scenario(&[]);
    let mut found = messages(&doc, "NODE007");
    found.sort();
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(found[0].contains("csr-4hz8m of node aks-nodepool1-13572468-vmss000001 is denied"));
    assert!(found[1].contains("csr-7xk2p of node aks-nodepool1-13572468-vmss000000 is pending for 240 minutes"));
    let doc = scan_scenario(&["--param", "NODE007.max_pending_minutes=300"]);
    let found = messages(&doc, "NODE007");
    assert_eq!(found.len(), 1, "4 hours is within 300 minutes: {found:?}");
    assert!(found[0].contains("denied"));
}

#[test]
fn a_local_account_credential_that_outlives_disabling_local_accounts() {
    let doc = scan_scenario(&[]);
    let live = findings(&doc, "KCFG003");
    assert_eq!(live.len(), 1);
    assert_eq!(live[0]["locations"][0]["path"], format!("{SCENARIO}/kubeconfig-admin"));
    assert!(live[0]["message"]
        .as_str()
        .expect("m")
        .contains("valid until 2028-07-01"));
    assert!(live[0]["remediation"]
        .as_str()
        .expect("fix")
        .contains("az aks rotate-certs -g rg-web -n web"));
    assert!(live[0]["warning"]
        .as_str()
        .is_some_and(|w| w.contains("up to 30 minutes")));

    // Local accounts still enabled: nothing to say.
    let dir = tempdir();
    let text = std::fs::read_to_string(root().join(SCENARIO).join("cluster.json")).expect("cluster");
    let enabled = dir.path().join("cluster.json");
    std::fs::write(
        &enabled,
        text.replace("\"disableLocalAccounts\": true", "\"disableLocalAccounts\": false"),
    )
    .expect("write");
    let kubeconfig = root().join(SCENARIO).join("kubeconfig-admin");
    let out = scan_json(&[
        "--fail-on",
        "never",
        "--cluster",
        enabled.to_str().expect("utf8"),
        "--kubeconfig",
        kubeconfig.to_str().expect("utf8"),
    ]);
    let doc: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!(findings(&doc, "KCFG003").is_empty());
}

#[test]
fn the_serving_rotation_opt_out_tag_before_and_after_its_deadline() {
    let cluster = root().join(SCENARIO).join("cluster.json");
    let at = |now: &str| -> Vec<String> {
        let out = run(&[
            "scan",
            "--now",
            now,
            "--format",
            "json",
            "--fail-on",
            "never",
            "--cluster",
            cluster.to_str().expect("utf8"),
        ]);
        let doc: Value = serde_json::from_slice(&out.stdout).expect("json");
        messages(&doc, "CLUS005")
    };
    let before = at(NOW);
    assert_eq!(before.len(), 1);
    assert!(before[0].contains("agent pool nodepool1 of cluster rg-web/web"));
    assert!(before[0].contains("AKS honours the tag until 2027-04-01"), "{before:?}");
    let after = at("2027-04-01T00:00:00Z");
    assert!(
        after[0].contains("the tag no longer has effect since 2027-04-01"),
        "{after:?}"
    );
    // The other scenarios' pools have no tag.
    for scenario in ["healthy", "rotated", "kubelet-settings"] {
        assert!(!scenario_rule_ids(scenario, &[]).contains(&"CLUS005".to_string()));
    }
}

#[test]
fn a_node_root_laid_out_by_the_kubelet_with_absolute_links() {
    let node = root().join(SCENARIO).join("node");
    let link = std::fs::read_link(node.join("var/lib/kubelet/pki/kubelet-server-current.pem")).expect("a link");
    assert!(link.is_absolute(), "the kubelet writes absolute links: {link:?}");
    let out = scan_json(&["--fail-on", "never", "--node-root", node.to_str().expect("utf8")]);
    let doc: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!(findings(&doc, "SCAN001").is_empty(), "{}", doc["findings"]);
    let expiring = messages(&doc, "CERT002");
    assert_eq!(expiring.len(), 1, "{expiring:?}");
    assert!(expiring[0].contains("kubelet serving certificate /var/lib/kubelet/pki/kubelet-server-current.pem"));
    assert!(expiring[0].contains("(4 days left"), "{expiring:?}");
    // The dated files behind the links are not counted again, and the rotating store counts as
    // TLS bootstrapping although secure bootstrapping cleared the bootstrap kubeconfig.
    let facts: Value =
        serde_json::from_slice(&facts_at_now(&["--node-root", node.to_str().expect("utf8")]).stdout).expect("facts");
    let paths: Vec<&str> = facts["certificates"]
        .as_array()
        .expect("certs")
        .iter()
        .map(|c| c["origin"]["node_path"].as_str().expect("node path"))
        .collect();
    assert_eq!(
        paths,
        [
            "/etc/kubernetes/certs/ca.crt",
            "/var/lib/kubelet/pki/kubelet-client-current.pem",
            "/var/lib/kubelet/pki/kubelet-server-current.pem",
        ]
    );
    let bootstrap = &facts["node_roots"][0]["tls_bootstrap"];
    assert_eq!(bootstrap["bootstrap_kubeconfig_present"], false);
    assert_eq!(bootstrap["rotating_client_certificate_present"], true);
    assert_eq!(bootstrap["bootstrapped"], true);
}

#[test]
fn a_link_out_of_the_node_root_reads_the_roots_own_file_or_nothing() {
    let dir = tempdir();
    let node = dir.path().join("host");
    let pki = node.join("var/lib/kubelet/pki");
    std::fs::create_dir_all(&pki).expect("mkdir");
    std::fs::create_dir_all(node.join("etc")).expect("mkdir");
    let pem = std::fs::read_to_string(root().join(SCENARIO).join("node/etc/kubernetes/certs/ca.crt")).expect("pem");
    // The root's own etc/shadow holds a certificate; the scanner's /etc/shadow is never read.
    std::fs::write(node.join("etc/shadow"), &pem).expect("write");
    std::os::unix::fs::symlink("/etc/shadow", pki.join("kubelet-client-current.pem")).expect("link");
    std::os::unix::fs::symlink(
        "../../../../../../../../etc/missing",
        pki.join("kubelet-server-current.pem"),
    )
    .expect("link");
    let facts: Value =
        serde_json::from_slice(&facts_at_now(&["--node-root", node.to_str().expect("utf8")]).stdout).expect("facts");
    let certs = facts["certificates"].as_array().expect("certs");
    assert_eq!(certs.len(), 1, "{certs:?}");
    assert_eq!(
        certs[0]["origin"]["node_path"],
        "/var/lib/kubelet/pki/kubelet-client-current.pem"
    );
    assert_eq!(certs[0]["subject"], "CN=ca");
    let errors = facts["errors"].to_string();
    assert!(errors.contains("kubelet-server-current.pem"), "{errors}");
    assert!(!errors.contains("root:"), "nothing of the scanner's own /etc: {errors}");
}

/// `value` as block YAML, the way `kubectl get -o yaml` lays objects out (strings double-quoted).
fn to_yaml(value: &Value, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (k, v) in map {
                match v {
                    Value::Object(m) if !m.is_empty() => {
                        out.push_str(&format!("{pad}{}:\n", json!(k)));
                        to_yaml(v, indent + 2, out);
                    }
                    Value::Array(a) if !a.is_empty() => {
                        out.push_str(&format!("{pad}{}:\n", json!(k)));
                        to_yaml(v, indent, out);
                    }
                    _ => out.push_str(&format!("{pad}{}: {v}\n", json!(k))),
                }
            }
        }
        Value::Array(items) if !items.is_empty() => {
            for v in items {
                let mut inner = String::new();
                to_yaml(v, indent + 2, &mut inner);
                match v {
                    Value::Object(m) if !m.is_empty() => {
                        out.push_str(&format!("{pad}- {}\n", inner.trim_start().trim_end_matches('\n')));
                    }
                    _ => out.push_str(&format!("{pad}- {v}\n")),
                }
            }
        }
        other => out.push_str(&format!("{pad}{other}\n")),
    }
}

#[test]
fn a_yaml_stream_reads_like_the_json_list() {
    let doc = objects();
    let mut yaml = String::new();
    for item in doc["items"].as_array().expect("items") {
        yaml.push_str("---\n");
        to_yaml(item, 0, &mut yaml);
    }
    let dir = tempdir();
    let path = dir.path().join("objects.yaml");
    std::fs::write(&path, &yaml).expect("write");
    let json_path = format!("{SCENARIO}/objects.json");
    let keys = |file: &str| -> Vec<(String, String, String)> {
        let (doc, err) = scan_bounded(&["--k8s-objects", file], Duration::from_secs(60));
        assert!(findings(&doc, "SCAN001").is_empty(), "{file}: {err}");
        let mut keys: Vec<(String, String, String)> = doc["findings"]
            .as_array()
            .expect("f")
            .iter()
            .map(|f| {
                (
                    f["rule_id"].as_str().expect("id").to_string(),
                    f["resource"]["id"].as_str().expect("rid").to_string(),
                    f["message"].as_str().expect("m").replace(file, "<objects>"),
                )
            })
            .collect();
        keys.sort();
        keys
    };
    let from_json = keys(&json_path);
    assert_eq!(from_json.len(), 7, "{from_json:?}");
    assert_eq!(keys(path.to_str().expect("utf8")), from_json);
    // Lines point at each YAML document.
    let facts: Value =
        serde_json::from_slice(&facts_at_now(&["--k8s-objects", path.to_str().expect("utf8")]).stdout).expect("facts");
    let pin = &facts["ca_pins"].as_array().expect("pins")[0];
    let line = pin["location"]["line"].as_u64().expect("line") as usize;
    assert!(yaml
        .lines()
        .nth(line - 1)
        .is_some_and(|l| l.starts_with("---") || l.starts_with("\"apiVersion\"")));
}

#[test]
fn waivers_name_an_object_or_a_namespace_glob() {
    let dir = tempdir();
    let exceptions = dir.path().join("exceptions.yaml");
    std::fs::write(
        &exceptions,
        "exceptions:\n  - rule: CERT001\n    namespace: ingress-*\n    reason: Replaced by the new ingress in CHG-1301\n    expires: 2026-12-31\n  - rule: K8S001\n    resource: ci/Secret/build-robot-token#ca.crt\n    reason: The CI system is being retired (CHG-1302)\n    expires: 2026-12-31\n  - rule: CERT002\n    namespace: prod\n    reason: Nothing of prod is affected\n    expires: 2026-12-31\n",
    )
    .expect("write");
    let doc = scan_scenario(&["--exceptions", exceptions.to_str().expect("utf8")]);
    assert!(findings(&doc, "CERT001").is_empty());
    let stale = messages(&doc, "K8S001");
    assert_eq!(stale.len(), 2, "{stale:?}");
    assert!(stale.iter().all(|m| !m.starts_with("ci/")));
    let waived: Vec<&str> = doc["waived"]
        .as_array()
        .expect("waived")
        .iter()
        .map(|w| w["target"].as_str().expect("target"))
        .collect();
    assert_eq!(
        waived,
        ["namespace ingress-*", "resource ci/Secret/build-robot-token#ca.crt"]
    );
    let unmatched = messages(&doc, "SCAN002");
    assert_eq!(unmatched.len(), 1, "{unmatched:?}");
    assert!(unmatched[0].contains("namespace prod"), "{unmatched:?}");
}

#[test]
fn sarif_and_metrics_name_the_object() {
    let dir = tempdir();
    let sarif = dir.path().join("scan.sarif");
    let metrics = dir.path().join("scan.prom");
    let args = scenario_args("in-cluster");
    let mut all: Vec<&str> = vec!["scan", "--now", NOW, "--fail-on", "never"];
    all.extend(args.iter().map(String::as_str));
    all.extend([
        "--format",
        "sarif",
        "--output",
        sarif.to_str().expect("utf8"),
        "--format",
        "prometheus",
        "--output",
        metrics.to_str().expect("utf8"),
    ]);
    let out = run(&all);
    assert!(out.status.success(), "{}", stderr(&out));
    validate_sarif(&sarif);
    let log: Value = serde_json::from_slice(&std::fs::read(&sarif).expect("sarif")).expect("json");
    let expired = log["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .find(|r| r["ruleId"] == "CERT001")
        .expect("CERT001");
    let location = &expired["locations"][0];
    assert_eq!(
        location["physicalLocation"]["artifactLocation"]["uri"],
        "testdata/scenarios/in-cluster/objects.json"
    );
    assert_eq!(location["physicalLocation"]["region"]["startLine"], 32);
    assert!(location["logicalLocations"]
        .as_array()
        .expect("logical")
        .iter()
        .any(|l| l["kind"] == "object" && l["fullyQualifiedName"] == "ingress-nginx/Secret/web-tls#tls.crt"));

    let text = std::fs::read_to_string(&metrics).expect("metrics");
    let line = text
        .lines()
        .find(|l| {
            l.starts_with("aks_certscan_certificate_not_after_seconds{") && l.contains("CN=web.contoso.com")
                || l.contains("subject_cn=\"web.contoso.com\"")
        })
        .expect("the ingress certificate's series");
    assert!(line.contains("namespace=\"ingress-nginx\""), "{line}");
    assert!(
        line.contains("object=\"ingress-nginx/Secret/web-tls#tls.crt\""),
        "{line}"
    );
    assert!(line.contains("source=\"k8s-objects\""), "{line}");
    // File certificates keep their labels as before.
    assert!(text
        .lines()
        .filter(|l| l.contains("source=\"node-root\""))
        .all(|l| !l.contains("namespace=")));
}

/// Every secret value the scenario keeps, in every form it could leak in: the base64 the object
/// holds, the decoded text line by line, and the Argo CD and Flux credentials inside other values.
fn planted_secrets() -> Vec<String> {
    let doc = objects();
    let mut secrets = Vec::new();
    // A PKCS#8 RSA key starts with its public modulus, which the certificates of the same key
    // show too: the lines after the first eight are private (exponent, primes).
    let add_pem_lines = |text: &str, secrets: &mut Vec<String>| {
        let body = text.lines().filter(|l| l.len() >= 24 && !l.starts_with("-----"));
        let private = text.contains("PRIVATE KEY");
        for line in body.skip(if private { 8 } else { 0 }) {
            secrets.push(line.to_string());
        }
    };
    for (name, keys) in [
        ("web-tls", &["tls.key"][..]),
        ("build-robot-token", &["token"][..]),
        (
            "signing-material",
            &["keystore", "keystore.p12", "private.pem", "password"][..],
        ),
    ] {
        let secret = item(&doc, "Secret", name);
        for key in keys {
            let value = secret["data"][key].as_str().expect("value");
            secrets.push(value[..value.len().min(64)].to_string());
            let decoded = BASE64.decode(value.as_bytes()).expect("base64");
            match String::from_utf8(decoded) {
                Ok(text) if text.len() >= 8 => {
                    if !text.contains("PRIVATE KEY") {
                        secrets.push(text.trim().to_string());
                    }
                    add_pem_lines(&text, &mut secrets);
                }
                _ => {}
            }
        }
    }
    let argocd = item(&doc, "Secret", "cluster-in-cluster");
    let config = BASE64
        .decode(argocd["data"]["config"].as_str().expect("config").as_bytes())
        .expect("base64");
    let config: Value = serde_json::from_slice(&config).expect("json");
    secrets.push(config["bearerToken"].as_str().expect("token").to_string());
    let flux = item(&doc, "Secret", "web-kubeconfig");
    let kubeconfig = String::from_utf8(
        BASE64
            .decode(flux["data"]["value"].as_str().expect("value").as_bytes())
            .expect("base64"),
    )
    .expect("utf8");
    for line in kubeconfig.lines() {
        for key in ["client-key-data: ", "token: "] {
            if let Some(value) = line.trim().strip_prefix(key) {
                secrets.push(value[..value.len().min(64)].to_string());
                let key_pem =
                    String::from_utf8(BASE64.decode(value.as_bytes()).unwrap_or_default()).unwrap_or_default();
                add_pem_lines(&key_pem, &mut secrets);
            }
        }
    }
    // The password is short: look for it with its base64 too.
    secrets.push("changeit".to_string());
    secrets.retain(|s| !s.is_empty());
    assert!(secrets.len() > 40, "{}", secrets.len());
    secrets
}

#[test]
fn no_key_material_token_or_password_from_any_object_reaches_any_output() {
    let secrets = planted_secrets();
    let args = scenario_args("in-cluster");
    let mut outputs: Vec<(String, String)> = Vec::new();
    for format in ["json", "sarif", "text", "junit", "github", "prometheus"] {
        let mut all: Vec<&str> = vec!["scan", "--now", NOW, "--fail-on", "never", "--format", format];
        all.extend(args.iter().map(String::as_str));
        let out = run(&all);
        assert!(out.status.success(), "{format}: {}", stderr(&out));
        outputs.push((format!("scan --format {format}"), stdout(&out)));
        outputs.push((format!("scan --format {format} (stderr)"), stderr(&out)));
    }
    let mut all: Vec<&str> = vec!["facts", "--now", NOW];
    all.extend(args.iter().map(String::as_str));
    let facts = run(&all);
    outputs.push(("facts".into(), stdout(&facts)));
    outputs.push(("facts (stderr)".into(), stderr(&facts)));
    for (what, text) in &outputs {
        for secret in &secrets {
            assert!(!text.contains(secret.as_str()), "{what} holds a secret value: {secret}");
        }
    }
    // Presence is recorded where the kubeconfig reader records it.
    let doc: Value = serde_json::from_str(&outputs.iter().find(|(w, _)| w == "facts").expect("facts").1).expect("json");
    let flux = doc["kubeconfigs"]
        .as_array()
        .expect("kubeconfigs")
        .iter()
        .find(|k| k["object"] == "flux-system/Secret/web-kubeconfig#value")
        .expect("the Flux kubeconfig");
    assert_eq!(flux["users"][0]["auth"]["client_key_present"], true);
    assert_eq!(flux["users"][0]["auth"]["token_present"], true);
}

fn tls_secret(namespace: &str, name: &str, crt: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/tls",
        "metadata": {"name": name, "namespace": namespace},
        "data": {"tls.crt": crt, "tls.key": BASE64.encode(b"-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQDa\n-----END PRIVATE KEY-----\n")}})
}

#[test]
fn bad_values_are_errors_naming_the_object_and_the_rest_is_read() {
    let doc = objects();
    let good = item(&doc, "Secret", "web-tls").clone();
    let key_pem = BASE64
        .decode(good["data"]["tls.key"].as_str().expect("key").as_bytes())
        .expect("base64");
    let keystore = std::fs::read(root().join("testdata/pki/keystore.p12")).expect("p12");
    let bad = list(vec![
        tls_secret("prod", "not-base64", "%%% not base64 %%%"),
        tls_secret("prod", "a-key-only", &BASE64.encode(&key_pem)),
        tls_secret("prod", "pkcs12", &BASE64.encode(&keystore)),
        tls_secret("prod", "junk", &BASE64.encode(b"\x00\x01\x02binary junk\xff\xfe")),
        json!({"apiVersion": "v1", "metadata": {"name": "no-kind"}}),
        json!({"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/tls", "metadata": {"name": "no-crt", "namespace": "prod"}, "data": {}}),
        json!({"apiVersion": "apiregistration.k8s.io/v1", "kind": "APIService", "metadata": {"name": "v1.bad"}, "spec": {"caBundle": 42}}),
        json!({"kind": "Secret", "metadata": "not an object", "data": ["x"]}),
        good,
    ]);
    let dir = tempdir();
    let path = write_objects(dir.path(), "bad.json", &bad);
    let (report, err) = scan_bounded(&["--k8s-objects", &path], Duration::from_secs(60));
    let errors = messages(&report, "SCAN001").join("\n");
    for expected in [
        "Secret prod/not-base64: `tls.crt` is not valid base64",
        "Secret prod/a-key-only: `tls.crt` holds a private key but no certificate",
        "Secret prod/pkcs12: `tls.crt`",
        "Secret prod/junk: `tls.crt`",
        "an item without `kind`",
        "Secret prod/no-crt: a `kubernetes.io/tls` secret without `tls.crt`",
    ] {
        assert!(errors.contains(expected), "missing {expected:?} in:\n{errors}");
    }
    // The good secret after them is still read.
    assert_eq!(messages(&report, "CERT001").len(), 1, "{errors}");
    // No error quotes the key.
    let key_text = String::from_utf8(key_pem).expect("pem");
    for line in key_text.lines().filter(|l| !l.starts_with("-----")) {
        assert!(!errors.contains(line) && !err.contains(line));
    }
    // Not JSON, not YAML, empty, not UTF-8: one error each, naming the file.
    for (name, bytes) in [
        ("broken.json", b"{\"kind\": \"List\", \"items\": [".to_vec()),
        ("empty.json", Vec::new()),
        ("binary.bin", vec![0xff, 0xfe, 0x00, 0x01, 0x80]),
        ("tabs.yaml", b"kind: Secret\n\tdata: [\n".to_vec()),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).expect("write");
        let (report, _) = scan_bounded(
            &["--k8s-objects", path.to_str().expect("utf8")],
            Duration::from_secs(30),
        );
        let errors = messages(&report, "SCAN001");
        assert_eq!(errors.len(), 1, "{name}: {errors:?}");
        assert!(errors[0].contains(name), "{name}: {errors:?}");
    }
}

#[test]
fn yaml_aliases_and_deep_nesting_are_refused_without_a_crash() {
    let dir = tempdir();
    let mut laughs =
        String::from("a0: &a0 [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
    for i in 1..10 {
        let refs = vec![format!("*a{}", i - 1); 9].join(",");
        laughs.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
    }
    laughs.push_str("kind: ConfigMap\nmetadata: {name: x}\ndata: {k: *a9}\n");
    let cases = [
        ("laughs.yaml", laughs),
        (
            "deep.yaml",
            format!("kind: List\nitems: {}{}\n", "[".repeat(100_000), "]".repeat(100_000)),
        ),
        (
            "deep.json",
            format!(
                "{{\"kind\":\"List\",\"items\":{}{}}}",
                "[".repeat(100_000),
                "]".repeat(100_000)
            ),
        ),
        (
            "deep-object.json",
            format!(
                "{{\"kind\":\"Secret\",\"data\":{}1{}}}",
                "{\"a\":".repeat(50_000),
                "}".repeat(50_000)
            ),
        ),
    ];
    for (name, text) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, text).expect("write");
        let (report, _) = scan_bounded(
            &["--k8s-objects", path.to_str().expect("utf8")],
            Duration::from_secs(30),
        );
        let errors = messages(&report, "SCAN001");
        assert_eq!(errors.len(), 1, "{name}: {errors:?}");
    }
}

#[test]
fn a_list_of_100000_objects_and_a_50_megabyte_list_are_read() {
    let dir = tempdir();
    let good = item(&objects(), "Secret", "web-tls").clone();
    // 100,000 small objects (ConfigMaps without certificates) and one expired TLS secret.
    let mut items: Vec<Value> = (0..100_000)
        .map(|i| json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": format!("cm-{i}"), "namespace": "apps"}, "data": {"app.properties": "level=info"}}))
        .collect();
    items.push(good.clone());
    let path = write_objects(dir.path(), "many.json", &list(items));
    let (report, err) = scan_bounded(&["--k8s-objects", &path], Duration::from_secs(240));
    assert_eq!(messages(&report, "CERT001").len(), 1, "{err}");
    assert!(messages(&report, "SCAN001").is_empty(), "{err}");
    let facts: Value = serde_json::from_slice(&facts_at_now(&["--k8s-objects", &path]).stdout).expect("facts");
    assert_eq!(facts["k8s_sources"][0]["objects"]["ConfigMap"], 100_000);

    // 50 MB: 500 Opaque secrets of 100 kB of random-looking data each, and the TLS secret.
    let mut items: Vec<Value> = (0..500u32)
        .map(|i| {
            let blob: Vec<u8> = (0..75_000u32).map(|j| (j.wrapping_mul(2_654_435_761).wrapping_add(i) >> 13) as u8).collect();
            json!({"apiVersion": "v1", "kind": "Secret", "type": "Opaque", "metadata": {"name": format!("blob-{i}"), "namespace": "data"}, "data": {"blob.bin": BASE64.encode(&blob)}})
        })
        .collect();
    items.push(good);
    let path = write_objects(dir.path(), "big.json", &list(items));
    assert!(std::fs::metadata(&path).expect("size").len() > 50_000_000);
    let (report, err) = scan_bounded(&["--k8s-objects", &path], Duration::from_secs(240));
    assert_eq!(messages(&report, "CERT001").len(), 1, "{err}");
    assert!(messages(&report, "SCAN001").is_empty(), "{err}");
}

#[test]
fn a_ca_bundle_of_1000_certificates() {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("key");
    let mut bundle = String::new();
    for i in 0..1000u64 {
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, format!("bundle-ca-{i}"));
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params.serial_number = Some(rcgen::SerialNumber::from(i + 1));
        params.not_before = time::macros::datetime!(2025-01-01 00:00:00 UTC);
        params.not_after = time::macros::datetime!(2030-01-01 00:00:00 UTC);
        bundle.push_str(&params.self_signed(&key).expect("cert").pem());
    }
    let webhook = json!({"apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingWebhookConfiguration",
        "metadata": {"name": "bundled"},
        "webhooks": [{"name": "w.example.com", "clientConfig": {"caBundle": BASE64.encode(bundle.as_bytes())}}]});
    let dir = tempdir();
    let path = write_objects(dir.path(), "bundle.json", &list(vec![webhook]));
    let facts: Value = serde_json::from_slice(&facts_at_now(&["--k8s-objects", &path]).stdout).expect("facts");
    let certs = facts["certificates"].as_array().expect("certs");
    assert_eq!(certs.len(), 1000);
    assert_eq!(certs[999]["origin"]["index"], 999);
    assert_eq!(
        certs[0]["origin"]["k8s_object"],
        "ValidatingWebhookConfiguration/bundled#webhooks[w.example.com].caBundle"
    );
}

#[test]
fn node005_reads_the_serving_label_when_the_nodes_files_are_not_at_hand() {
    // The node that turned serving rotation off, without its serving certificate file.
    let dir = tempdir();
    let node = dir.path().join("node");
    let from = root().join("testdata/scenarios/kubelet-settings/node-rotation-off");
    for entry in walkdir::WalkDir::new(&from) {
        let entry = entry.expect("entry");
        let to = node.join(entry.path().strip_prefix(&from).expect("inside"));
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&to).expect("mkdir");
        } else if entry.path_is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(entry.path()).expect("link"), &to).expect("link");
        } else if entry.file_name() != "kubelet-server-current.pem" {
            std::fs::copy(entry.path(), &to).expect("copy");
        }
    }
    let node_arg = node.to_str().expect("utf8").to_string();
    let rules = |extra: &[&str]| -> Vec<String> {
        let mut args = vec!["--fail-on", "never", "--node-root", node_arg.as_str()];
        args.extend(extra);
        let out = scan_json(&args);
        let doc: Value = serde_json::from_slice(&out.stdout).expect("json");
        messages(&doc, "NODE005")
    };
    assert!(
        rules(&[]).is_empty(),
        "without the certificate, nothing says the cluster signs it"
    );
    let labelled = list(vec![json!({
        "apiVersion": "v1", "kind": "Node",
        "metadata": {"name": "aks-nodepool1-24682468-vmss000000", "labels": {
            "kubernetes.azure.com/agentpool": "nodepool1",
            "kubernetes.azure.com/kubelet-serving-ca": "cluster"}},
        "spec": {}, "status": {}
    })]);
    let nodes = write_objects(dir.path(), "nodes.json", &labelled);
    assert_eq!(
        rules(&["--nodes", &nodes]).len(),
        1,
        "the label says the cluster signs it"
    );
    assert_eq!(
        rules(&["--k8s-objects", &nodes]).len(),
        1,
        "the same label read as an object"
    );
}
