//! Fleets: `--all-clusters` over Azure Resource Graph pages, many clusters at once, Entra ID
//! clusters through kubelogin, and the per-cluster deadline, with stand-in `az`, `kubectl` and
//! `kubelogin` that replay responses in the real shapes and log their exact arguments.
//!
//! Resource Graph rows are built from the ARM example in `testdata/corpus/managedcluster/`
//! (Azure/azure-rest-api-specs), with the `resourceGroup` and `subscriptionId` columns the query
//! projects; a page is `{"count", "data", "skip_token", "total_records"}` as `az graph query`
//! prints it.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::util::*;

const QUERY: &str = "resources | where type =~ 'microsoft.containerservice/managedclusters' | project id, name, type, location, resourceGroup, subscriptionId, sku, identity, tags, properties | order by id asc";

fn write_executable(path: &Path, text: &str) {
    std::fs::write(path, text).expect("write");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

/// One Resource Graph row: the ARM example cluster as `c{n}` in `rg-{n % 7}` of `sub`.
fn row(n: usize, sub: &str) -> serde_json::Value {
    let text =
        std::fs::read_to_string(root().join("testdata/corpus/managedcluster/arm-2019-02-01-ManagedClustersGet.json"))
            .expect("ARM example");
    let example: serde_json::Value = serde_json::from_str(&text).expect("json");
    let mut body = example["responses"]["200"]["body"].clone();
    let (rg, name) = (format!("rg-{}", n % 7), format!("c{n:05}"));
    body["id"] = serde_json::json!(format!(
        "/subscriptions/{sub}/resourcegroups/{rg}/providers/Microsoft.ContainerService/managedClusters/{name}"
    ));
    body["name"] = serde_json::json!(name);
    body["resourceGroup"] = serde_json::json!(rg);
    body["subscriptionId"] = serde_json::json!(sub);
    body["sku"] = serde_json::json!(null);
    body["identity"] = serde_json::json!(null);
    body["properties"]["fqdn"] = serde_json::json!(format!("{name}-abcd1234.hcp.eastus.invalid"));
    body["properties"]["nodeResourceGroup"] = serde_json::json!(format!("MC_{rg}_{name}_eastus"));
    if n.is_multiple_of(5) {
        body["properties"]["powerState"] = serde_json::json!({"code": "Stopped"});
    }
    body
}

/// Writes pages of `per_page` rows for `total` clusters: `page-1.json` has no token, the others
/// are named by the token that asks for them.
fn write_pages(dir: &Path, total: usize, per_page: usize) {
    let rows: Vec<serde_json::Value> = (0..total).map(|n| row(n, "sub-1")).collect();
    let chunks: Vec<&[serde_json::Value]> = rows.chunks(per_page).collect();
    for (i, chunk) in chunks.iter().enumerate() {
        let next = (i + 1 < chunks.len()).then(|| format!("token-{}", i + 2));
        let page = serde_json::json!({
            "count": chunk.len(),
            "data": chunk,
            "skip_token": next,
            "total_records": total,
        });
        let name = if i == 0 {
            "page-1.json".to_string()
        } else {
            format!("token-{}.json", i + 1)
        };
        std::fs::write(dir.join(name), serde_json::to_string(&page).expect("json")).expect("write");
    }
}

/// A stand-in `az` that answers `graph query` from the pages in `pages` and checks its exact
/// arguments, and `aks get-credentials` with `kubeconfig` (failing for clusters named in
/// `$FAIL_CLUSTER`).
fn stand_in_az(dir: &Path, pages: &Path, kubeconfig: &Path) -> PathBuf {
    let az = dir.join("az");
    write_executable(
        &az,
        &format!(
            r#"#!/bin/sh
printf 'az %s\n' "$*" >> "$STANDIN_LOG"
case "$1 $2" in
  'graph query')
    [ "$3" = "-q" ] && [ "$4" = "{QUERY}" ] && [ "$5" = "--first" ] && [ "$6" = "1000" ] || {{ echo "unexpected graph arguments: $*" >&2; exit 2; }}
    token=page-1
    prev=""
    for a in "$@"; do [ "$prev" = "--skip-token" ] && token="$a"; prev="$a"; done
    cat '{pages}'/"$token".json ;;
  'aks show') cat '{show}' ;;
  'aks get-credentials')
    case " $* " in *" $FAIL_CLUSTER "*) echo "ERROR: (ResourceNotFound) The Resource 'Microsoft.ContainerService/managedClusters/$FAIL_CLUSTER' was not found." >&2; exit 3 ;; esac
    cat '{kubeconfig}' ;;
  *) echo "unexpected az call: $*" >&2; exit 2 ;;
esac
"#,
            pages = pages.display(),
            kubeconfig = kubeconfig.display(),
            show = root().join("testdata/scenarios/old-nodes/cluster.json").display()
        ),
    );
    az
}

/// A stand-in `kubectl` that refuses a kubeconfig whose user would prompt (a kubelogin device
/// code), and otherwise prints the node list of `old-nodes` after `$KUBECTL_DELAY` seconds (and an
/// empty list of the other objects at once).
fn stand_in_kubectl(dir: &Path) -> PathBuf {
    let kubectl = dir.join("kubectl");
    write_executable(
        &kubectl,
        &format!(
            r#"#!/bin/sh
printf 'kubectl %s\n' "$*" >> "$STANDIN_LOG"
for a in "$@"; do last="$a"; done
if grep -q 'devicecode' "$last"; then
  echo "To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code ABCD1234 to authenticate. (refusing: this stand-in never waits for a person)" >&2
  exit 1
fi
if [ "$2" != nodes ]; then
  echo '{{"apiVersion": "v1", "items": [], "kind": "List", "metadata": {{"resourceVersion": ""}}}}'
  exit 0
fi
sleep "${{KUBECTL_DELAY:-0}}"
cat '{}'
"#,
            root().join("testdata/scenarios/old-nodes/nodes.json").display()
        ),
    );
    kubectl
}

fn scan(dir: &Path, az: &Path, kubectl: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("aks-certscan"));
    cmd.current_dir(root())
        .env("NO_COLOR", "1")
        .env("TMPDIR", dir)
        .env("STANDIN_LOG", dir.join("calls.log"))
        .env_remove("KUBECONFIG")
        .args([
            "scan",
            "--now",
            NOW,
            "--format",
            "json",
            "--fail-on",
            "never",
            "--timeout",
            "1",
        ])
        .args(args)
        .args([
            "--az",
            az.to_str().expect("utf8"),
            "--kubectl",
            kubectl.to_str().expect("utf8"),
        ])
        .stdin(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    bounded(cmd, Duration::from_secs(120))
}

fn report(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("JSON ({e}): {}", stderr(out)))
}

fn scan001_messages(doc: &serde_json::Value) -> Vec<String> {
    doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule_id"] == "SCAN001")
        .map(|f| f["message"].as_str().expect("message").to_string())
        .collect()
}

fn calls(dir: &Path) -> Vec<String> {
    std::fs::read_to_string(dir.join("calls.log"))
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn an_inventory_of_2600_clusters_arrives_complete() {
    let dir = tempdir();
    let pages = dir.path().join("pages");
    std::fs::create_dir_all(&pages).expect("mkdir");
    write_pages(&pages, 2600, 1000);
    let az = stand_in_az(
        dir.path(),
        &pages,
        &root().join("testdata/scenarios/old-nodes/kubeconfig"),
    );
    let kubectl = stand_in_kubectl(dir.path());
    let facts_out = dir.path().join("facts.json");
    let out = scan(
        dir.path(),
        &az,
        &kubectl,
        &[
            "--all-clusters",
            "--inventory-only",
            "--subscription",
            "sub-1",
            "--management-group",
            "mg-platform",
            "--facts-out",
            facts_out.to_str().expect("utf8"),
        ],
        &[],
    );
    let doc = report(&out);
    assert!(scan001_messages(&doc).is_empty(), "{:?}", scan001_messages(&doc));
    let facts: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&facts_out).expect("facts")).expect("json");
    assert_eq!(facts["clusters"].as_array().expect("clusters").len(), 2600);
    // Stopped clusters (every fifth) are found by the cluster rules.
    let stopped = doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule_id"] == "CLUS002")
        .count();
    assert_eq!(stopped, 520);
    let log = calls(dir.path());
    let suffix = "--subscriptions sub-1 --management-groups mg-platform -o json";
    assert_eq!(log.len(), 3, "{log:?}");
    assert!(log[0].ends_with(&format!("--first 1000 {suffix}")), "{}", log[0]);
    assert!(
        log[1].ends_with(&format!("--first 1000 --skip-token token-2 {suffix}")),
        "{}",
        log[1]
    );
    assert!(
        log[2].ends_with(&format!("--first 1000 --skip-token token-3 {suffix}")),
        "{}",
        log[2]
    );
}

#[test]
fn bad_pages_are_errors_and_the_rest_of_the_fleet_is_scanned() {
    // (page 2 content, expected message, clusters kept)
    let cases: [(&str, &str, usize); 4] = [
        ("this is not json", "page 2 is not complete JSON", 1000),
        ("{\"count\": 1000, \"data\": [", "page 2 is not complete JSON", 1000),
        ("", "2000 of 2500 clusters", 2000),
        // Page 3 sends the client back to page 2: tokens that cycle A, B, A stop at once.
        ("cycle", "page 3 repeated an earlier skip_token", 2500),
    ];
    for (page2, expected, kept) in cases {
        let dir = tempdir();
        let pages = dir.path().join("pages");
        std::fs::create_dir_all(&pages).expect("mkdir");
        write_pages(&pages, 2500, 1000);
        if page2 == "cycle" {
            let text = std::fs::read_to_string(pages.join("token-3.json")).expect("page");
            let mut page: serde_json::Value = serde_json::from_str(&text).expect("json");
            page["skip_token"] = serde_json::json!("token-2");
            std::fs::write(pages.join("token-3.json"), page.to_string()).expect("write");
        } else if page2.is_empty() {
            // Page 2 ends the paging although rows remain.
            let text = std::fs::read_to_string(pages.join("token-2.json")).expect("page");
            let mut page: serde_json::Value = serde_json::from_str(&text).expect("json");
            page["skip_token"] = serde_json::Value::Null;
            std::fs::write(pages.join("token-2.json"), page.to_string()).expect("write");
        } else {
            std::fs::write(pages.join("token-2.json"), page2).expect("write");
        }
        let az = stand_in_az(
            dir.path(),
            &pages,
            &root().join("testdata/scenarios/old-nodes/kubeconfig"),
        );
        let kubectl = stand_in_kubectl(dir.path());
        let facts_out = dir.path().join("facts.json");
        let out = scan(
            dir.path(),
            &az,
            &kubectl,
            &[
                "--all-clusters",
                "--inventory-only",
                "--facts-out",
                facts_out.to_str().expect("utf8"),
            ],
            &[],
        );
        let doc = report(&out);
        let messages = scan001_messages(&doc).join("\n");
        assert!(messages.contains(expected), "{expected}: {messages}");
        let facts: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&facts_out).expect("facts")).expect("json");
        assert_eq!(
            facts["clusters"].as_array().expect("clusters").len(),
            kept,
            "{expected}"
        );
    }
}

#[test]
fn clusters_listed_on_two_pages_are_kept_once() {
    let dir = tempdir();
    let pages = dir.path().join("pages");
    std::fs::create_dir_all(&pages).expect("mkdir");
    write_pages(&pages, 1500, 1000);
    // Page 2 repeats the last 100 rows of page 1 (the inventory changed while it was read).
    let first: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(pages.join("page-1.json")).expect("p1")).expect("json");
    let mut second: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(pages.join("token-2.json")).expect("p2")).expect("json");
    let mut data = first["data"].as_array().expect("data")[900..].to_vec();
    data.extend(second["data"].as_array().expect("data").iter().cloned());
    second["data"] = serde_json::json!(data);
    std::fs::write(pages.join("token-2.json"), second.to_string()).expect("write");
    let az = stand_in_az(
        dir.path(),
        &pages,
        &root().join("testdata/scenarios/old-nodes/kubeconfig"),
    );
    let kubectl = stand_in_kubectl(dir.path());
    let facts_out = dir.path().join("facts.json");
    let out = scan(
        dir.path(),
        &az,
        &kubectl,
        &[
            "--all-clusters",
            "--inventory-only",
            "--facts-out",
            facts_out.to_str().expect("utf8"),
        ],
        &[],
    );
    assert!(scan001_messages(&report(&out)).is_empty());
    let facts: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&facts_out).expect("facts")).expect("json");
    assert_eq!(facts["clusters"].as_array().expect("clusters").len(), 1500);
}

#[test]
fn a_missing_resource_graph_extension_is_one_clear_error() {
    let dir = tempdir();
    let az = dir.path().join("az");
    write_executable(
        &az,
        "#!/bin/sh\necho \"ERROR: 'graph' is misspelled or not recognized by the system.\" >&2\nexit 2\n",
    );
    let kubectl = stand_in_kubectl(dir.path());
    let out = scan(dir.path(), &az, &kubectl, &["--all-clusters"], &[]);
    let messages = scan001_messages(&report(&out));
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert!(
        messages[0].contains("az extension add --name resource-graph"),
        "{}",
        messages[0]
    );
}

#[test]
fn many_clusters_run_in_parallel_and_one_failure_is_its_own_finding() {
    let dir = tempdir();
    let pages = dir.path().join("pages");
    std::fs::create_dir_all(&pages).expect("mkdir");
    write_pages(&pages, 6, 1000);
    let az = stand_in_az(
        dir.path(),
        &pages,
        &root().join("testdata/scenarios/old-nodes/kubeconfig"),
    );
    let kubectl = stand_in_kubectl(dir.path());
    let start = Instant::now();
    let out = scan(
        dir.path(),
        &az,
        &kubectl,
        &["--all-clusters", "--jobs", "3"],
        &[("FAIL_CLUSTER", "c00002"), ("KUBECTL_DELAY", "1")],
    );
    let spent = start.elapsed();
    let doc = report(&out);
    let messages = scan001_messages(&doc);
    let failed: Vec<&String> = messages.iter().filter(|m| m.contains("ResourceNotFound")).collect();
    assert_eq!(failed.len(), 1, "{messages:?}");
    assert!(
        failed[0].contains("c00002"),
        "the failing cluster is named: {}",
        failed[0]
    );
    // Five clusters ran kubectl (one second each), three at a time: well under five seconds.
    let kubectl_calls = calls(dir.path())
        .iter()
        .filter(|l| l.starts_with("kubectl get nodes "))
        .count();
    assert_eq!(kubectl_calls, 5);
    assert!(spent < Duration::from_secs(5) + Duration::from_secs(3), "{spent:?}");
    // Every cluster's getting credentials named its subscription.
    assert!(calls(dir.path())
        .iter()
        .filter(|l| l.starts_with("az aks get-credentials"))
        .all(|l| l.ends_with("--subscription sub-1")));
}

const ENTRA_KUBECONFIG_USER: &str = "users:
- name: clusterUser_rg-ops_ops
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      args:
      - get-token
      - --environment
      - AzurePublicCloud
      - --server-id
      - 6dae42f8-4368-4678-94ff-3960e28e3630
      - --client-id
      - 80faf920-1908-4b52-b5ef-a8e7bedfc67a
      - --tenant-id
      - 72f988bf-86f1-41af-91ab-2d7cd011db47
      - --login
      - devicecode
      command: kubelogin
      env: null
      installHint: |2

        kubelogin is not installed which is required to connect to AAD enabled cluster.

        To learn more, please go to https://aka.ms/aks/kubelogin
      provideClusterInfo: false
";

/// The kubeconfig `az aks get-credentials` writes for an Entra ID cluster (the cluster part of
/// `old-nodes`, a kubelogin user).
fn entra_kubeconfig(dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(root().join("testdata/scenarios/old-nodes/kubeconfig")).expect("kubeconfig");
    let head = text.split("users:").next().expect("head");
    let path = dir.join("entra-kubeconfig");
    std::fs::write(&path, format!("{head}{ENTRA_KUBECONFIG_USER}")).expect("write");
    path
}

#[test]
fn entra_id_kubeconfigs_are_made_non_interactive_with_kubelogin() {
    let dir = tempdir();
    let pages = dir.path().join("pages");
    std::fs::create_dir_all(&pages).expect("mkdir");
    let az = stand_in_az(dir.path(), &pages, &entra_kubeconfig(dir.path()));
    let kubectl = stand_in_kubectl(dir.path());
    let kubelogin = dir.path().join("kubelogin");
    write_executable(
        &kubelogin,
        "#!/bin/sh\nprintf 'kubelogin %s\\n' \"$*\" >> \"$STANDIN_LOG\"\n[ \"$1 $2 $3\" = 'convert-kubeconfig -l azurecli' ] && [ \"$4\" = --kubeconfig ] || { echo \"unexpected: $*\" >&2; exit 2; }\nsed -i 's/devicecode/azurecli/' \"$5\"\n",
    );
    // Without the stand-in's approval of the arguments, or with a prompting kubeconfig, kubectl
    // refuses: the nodes arrive only when the conversion happened.
    let out = scan(
        dir.path(),
        &az,
        &kubectl,
        &["--aks", "rg-ops/ops", "--kubelogin", kubelogin.to_str().expect("utf8")],
        &[],
    );
    let doc = report(&out);
    let messages = scan001_messages(&doc).join("\n");
    assert!(!messages.contains("devicelogin"), "{messages}");
    assert!(!messages.contains("rg-ops/ops/nodes"), "{messages}");
    let log = calls(dir.path());
    assert!(
        log.iter()
            .any(|l| l.starts_with("kubelogin convert-kubeconfig -l azurecli --kubeconfig ")),
        "{log:?}"
    );
    assert!(log.iter().any(|l| l.starts_with("kubectl get nodes")), "{log:?}");

    // Without kubelogin: a clear message at once, not a 300-second wait for a device code.
    let start = Instant::now();
    let out = scan(
        dir.path(),
        &az,
        &kubectl,
        &["--aks", "rg-ops/ops", "--kubelogin", "/nonexistent/kubelogin"],
        &[],
    );
    assert!(start.elapsed() < Duration::from_secs(20));
    let messages = scan001_messages(&report(&out)).join("\n");
    assert!(messages.contains("Entra ID cluster"), "{messages}");
    assert!(messages.contains("az aks install-cli"), "{messages}");
}

#[test]
fn the_per_cluster_deadline_bounds_every_step() {
    let dir = tempdir();
    let pages = dir.path().join("pages");
    std::fs::create_dir_all(&pages).expect("mkdir");
    let az = stand_in_az(
        dir.path(),
        &pages,
        &root().join("testdata/scenarios/old-nodes/kubeconfig"),
    );
    let kubectl = stand_in_kubectl(dir.path());
    let start = Instant::now();
    let out = scan(
        dir.path(),
        &az,
        &kubectl,
        &["--aks", "rg-ops/ops", "--cluster-timeout", "2"],
        &[("KUBECTL_DELAY", "30")],
    );
    let spent = start.elapsed();
    assert!(spent < Duration::from_secs(10), "{spent:?}");
    let messages = scan001_messages(&report(&out)).join("\n");
    assert!(messages.contains("timed out"), "{messages}");
}

/// A facts document of `n` expired certificates (lean, as a fleet's merged node documents are),
/// cloned from one real certificate with distinct ids and paths.
fn fleet_facts(dir: &Path, n: usize) -> PathBuf {
    let expired = root().join("testdata/scenarios/rotated/kubeconfig-before-rotation");
    let out = run(&[
        "facts",
        "--now",
        "2030-01-01T00:00:00Z",
        "--kubeconfig",
        expired.to_str().expect("utf8"),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let mut doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("facts");
    let mut template = doc["certificates"]
        .as_array()
        .expect("certs")
        .iter()
        .find(|c| c["role"] == "kubeconfig-client")
        .expect("the client certificate, expired in 2030")
        .clone();
    template["der_base64"] = serde_json::json!("");
    let certs: Vec<serde_json::Value> = (0..n)
        .map(|i| {
            let mut c = template.clone();
            c["id"] = serde_json::json!(format!("{i:064x}"));
            c["origin"]["path"] = serde_json::json!(format!("fleet/pool-{}/node-{i}.pem", i % 50));
            c
        })
        .collect();
    doc["certificates"] = serde_json::json!(certs);
    doc["kubeconfigs"] = serde_json::json!([]);
    let path = dir.join("fleet.json");
    std::fs::write(&path, serde_json::to_vec(&doc).expect("json")).expect("write");
    path
}

fn gzip_size(path: &Path) -> Option<usize> {
    let out = Command::new("gzip").args(["-c"]).arg(path).output().ok()?;
    out.status.success().then_some(out.stdout.len())
}

/// 30,000 certificates: above GitHub's 25,000 results per run (so `never` must split runs) and
/// its 5,000 shown (so `auto` aggregates). The same at 100,000 is a benchmark
/// (`scripts/bench-peers`), not a test: it took 112 s of the test suite.
const SARIF_LIMIT_CERTIFICATES: usize = 30_000;

#[test]
fn sarif_for_30000_certificates_stays_within_githubs_limits() {
    let dir = tempdir();
    let facts = fleet_facts(dir.path(), SARIF_LIMIT_CERTIFICATES);
    for (mode, max_results) in [("auto", 5_000), ("never", 25_000)] {
        let sarif = dir.path().join(format!("{mode}.sarif"));
        let out = run(&[
            "scan",
            "--now",
            "2030-01-01T00:00:00Z",
            "--facts",
            facts.to_str().expect("utf8"),
            "--max-file-size",
            "1000000000",
            "--format",
            "sarif",
            "--output",
            sarif.to_str().expect("utf8"),
            "--fail-on",
            "never",
            "--sarif-aggregate",
            mode,
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
        let doc: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&sarif).expect("sarif")).expect("json");
        let runs = doc["runs"].as_array().expect("runs");
        assert!(runs.len() <= 20, "{mode}: {} runs", runs.len());
        let total: usize = runs
            .iter()
            .map(|r| r["results"].as_array().expect("results").len())
            .sum();
        for run in runs {
            assert!(
                run["results"].as_array().expect("results").len() <= max_results,
                "{mode}"
            );
        }
        let ids: std::collections::HashSet<&str> = runs
            .iter()
            .map(|r| r["automationDetails"]["id"].as_str().expect("id"))
            .collect();
        assert_eq!(ids.len(), runs.len(), "{mode}: one category per run");
        if mode == "auto" {
            assert!(total < 100, "{mode}: {total} results");
            // Every certificate expired, and one SCAN001 (the lean document has no DER).
            assert!(
                stderr(&out).contains(&format!(
                    "{} findings aggregated into 2 results",
                    SARIF_LIMIT_CERTIFICATES + 1
                )),
                "{}",
                stderr(&out)
            );
            let aggregated = &runs[0]["results"][0];
            assert_eq!(
                aggregated["properties"]["evidence"]["aggregated"],
                SARIF_LIMIT_CERTIFICATES
            );
            if let Some(size) = gzip_size(&sarif) {
                assert!(size < 10 * 1024 * 1024, "{size} bytes gzip-compressed");
                eprintln!("auto: {total} results, {size} bytes gzip-compressed");
            }
            validate_sarif(&sarif);
        } else {
            // Every finding kept, split into runs GitHub accepts. (The schema check of a 45 MB
            // file takes minutes; the runs are built by the same code as the one checked above.)
            assert_eq!(total, SARIF_LIMIT_CERTIFICATES + 1);
            assert_eq!(runs.len(), SARIF_LIMIT_CERTIFICATES.div_ceil(25_000));
        }
    }
}

#[test]
fn sarif_per_cluster_writes_one_file_and_category_per_cluster() {
    let dir = tempdir();
    let per = dir.path().join("per-cluster");
    let mut args = vec![
        "scan".to_string(),
        "--now".into(),
        NOW.into(),
        "--fail-on".into(),
        "never".into(),
    ];
    args.extend(scenario_args("fleet"));
    args.extend([
        "--sarif-per-cluster".into(),
        per.display().to_string(),
        "--format".into(),
        "json".into(),
    ]);
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = run(&argv);
    assert!(out.status.success(), "{}", stderr(&out));
    let mut files: Vec<String> = std::fs::read_dir(&per)
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert!(files.len() >= 2, "{files:?}");
    let mut categories = std::collections::HashSet::new();
    for file in &files {
        let path = per.join(file);
        let doc: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).expect("sarif")).expect("json");
        let id = doc["runs"][0]["automationDetails"]["id"]
            .as_str()
            .expect("id")
            .to_string();
        let stem = file.trim_end_matches(".sarif").replace('_', "/");
        assert_eq!(id, format!("aks-certscan/{stem}/"), "{file}");
        assert!(categories.insert(id));
        validate_sarif(&path);
    }
}
