//! `aks-certscan facts`: every source kind, both cluster spellings, relations, determinism.

use crate::util::*;

fn find<'a>(list: &'a serde_json::Value, key: &str, value: &str) -> &'a serde_json::Value {
    list.as_array()
        .expect("array")
        .iter()
        .find(|x| x[key] == value)
        .unwrap_or_else(|| panic!("no {key} = {value}"))
}

#[test]
fn healthy_scenario_reads_every_source_kind() {
    let f = scenario_facts("healthy");
    assert_eq!(f["schema_version"], 1);
    assert_eq!(f["now"], NOW);
    let kinds: Vec<&str> = f["sources"]
        .as_array()
        .expect("sources")
        .iter()
        .map(|s| s["kind"].as_str().expect("kind"))
        .collect();
    assert_eq!(kinds, ["kubeconfig", "cluster", "nodes", "node-root", "node-root"]);
    assert!(f["errors"].as_array().expect("errors").is_empty(), "{}", f["errors"]);

    let kc = &f["kubeconfigs"][0];
    assert_eq!(kc["current_context"], "prod");
    assert_eq!(kc["clusters"][0]["line"], 3);
    assert_eq!(kc["clusters"][0]["ca_source"], "data");
    let user = &kc["users"][0];
    assert_eq!(user["name"], "clusterUser_rg-prod_prod");
    assert_eq!(user["line"], 16);
    assert_eq!(user["aks"]["resource_group"], "rg-prod");
    assert_eq!(user["aks"]["cluster_name"], "prod");
    assert_eq!(user["auth"]["kind"], "client-certificate");
    assert_eq!(user["auth"]["client_key_present"], true);
    assert_eq!(user["auth"]["token_present"], true);
    assert_eq!(user["ca_checks"][0]["verification"]["result"], "verified");
    assert_eq!(user["cluster_key"], "rg-prod/prod");

    let cluster = &f["clusters"][0];
    assert_eq!(cluster["spelling"], "az");
    assert_eq!(cluster["key"], "rg-prod/prod");
    assert_eq!(cluster["enable_rbac"], true);
    assert_eq!(cluster["power_state"], "Running");
    assert_eq!(cluster["created_at"], "2024-05-10T09:04:11.5Z");
    assert_eq!(cluster["agent_pools"][0]["node_image_date"], "2024-10-27");
    assert_eq!(cluster["location"]["line"], 1);

    assert_eq!(f["nodes"].as_array().expect("nodes").len(), 3);
    let node = &f["nodes"][0];
    assert_eq!(node["agent_pool"], "nodepool1");
    assert_eq!(node["ready"], true);
    assert_eq!(node["is_aks"], true);
    assert_eq!(node["cluster_key"], "rg-prod/prod");

    let linux = find(&f["node_roots"], "os", "linux");
    assert_eq!(linux["tls_bootstrap"]["bootstrapped"], true);
    assert_eq!(linux["tls_bootstrap"]["uses_rotating_client_certificate"], true);
    assert_eq!(linux["cluster_key"], "rg-prod/prod");
    let windows = find(&f["node_roots"], "os", "windows");
    assert_eq!(windows["tls_bootstrap"]["bootstrap_kubeconfig_present"], true);
    assert!(
        windows["ca_certificate_id"].is_string(),
        "CA.crt found regardless of case"
    );
}

#[test]
fn certificates_carry_every_documented_fact() {
    let f = scenario_facts("healthy");
    let certs = f["certificates"].as_array().expect("certificates");
    let client = certs
        .iter()
        .find(|c| c["role"] == "kubeconfig-client")
        .expect("client cert");
    assert_eq!(client["subject"], "O=system:masters,CN=masterclient");
    assert_eq!(client["subject_cn"], "masterclient");
    assert_eq!(client["issuer"], "CN=ca");
    assert_eq!(client["serial"], "0a:02");
    assert_eq!(client["not_before"], "2026-10-01T08:00:00Z");
    assert_eq!(client["not_after"], "2028-10-01T08:10:00Z");
    assert_eq!(client["lifetime_days"], 731.01);
    assert_eq!(client["age_days"], 58.67);
    assert_eq!(client["key_algorithm"], "RSA");
    assert_eq!(client["key_size"], 2048);
    assert_eq!(client["signature_algorithm"], "sha256WithRSAEncryption");
    assert_eq!(client["extended_key_usage"], serde_json::json!(["clientAuth"]));
    assert_eq!(client["origin"]["encoding"], "base64-pem");
    assert_eq!(client["origin"]["kubeconfig_user"], "clusterUser_rg-prod_prod");
    assert_eq!(client["ca_verification"]["result"], "verified");
    assert_eq!(client["id"].as_str().expect("id").len(), 64);

    let ca = certs.iter().find(|c| c["role"] == "cluster-ca").expect("CA");
    assert_eq!(ca["is_ca"], true);
    assert_eq!(ca["self_signed"], true);
    assert_eq!(ca["key_size"], 4096);
    assert!(ca["subject_key_id"].is_string());

    let apiserver = certs.iter().find(|c| c["role"] == "apiserver").expect("apiserver");
    assert!(apiserver["sans"]
        .as_array()
        .expect("sans")
        .iter()
        .any(|s| s == "DNS:kubernetes.default.svc"));
    assert!(apiserver["authority_key_id"].is_string());

    // The kubelet's rotating client certificate is read once, through `-current.pem`.
    let kubelet: Vec<_> = certs
        .iter()
        .filter(|c| {
            c["role"] == "kubelet-client"
                && c["origin"]["node_root"]
                    .as_str()
                    .is_some_and(|r| r.ends_with("node-linux"))
        })
        .collect();
    assert_eq!(kubelet.len(), 1);
    assert_eq!(
        kubelet[0]["origin"]["node_path"],
        "/var/lib/kubelet/pki/kubelet-client-current.pem"
    );
    assert_eq!(kubelet[0]["private_key_present"], true);
}

#[test]
fn both_cluster_spellings_give_the_same_facts() {
    let arm = scenario_facts("legacy-ca");
    let c = &arm["clusters"][0];
    assert_eq!(c["spelling"], "arm");
    assert_eq!(c["resource_group"], "rg-legacy", "taken from the resource id");
    assert_eq!(c["enable_rbac"], true);
    assert_eq!(c["power_state"], "Running");
    assert_eq!(c["kubernetes_minor"], 29);
    assert_eq!(c["created_at"], "2018-11-05T10:00:00Z");
    assert_eq!(c["agent_pools"][0]["pool_type"], "AvailabilitySet");
    assert_eq!(c["agent_pools"][0]["os_sku"], "Ubuntu");
    let az = scenario_facts("healthy");
    let keys = |v: &serde_json::Value| v.as_object().expect("object").keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(c), keys(&az["clusters"][0]));
}

#[test]
fn az_aks_list_holds_several_clusters_with_their_lines() {
    let f = scenario_facts("fleet");
    let clusters = f["clusters"].as_array().expect("clusters");
    assert_eq!(clusters.len(), 3);
    assert_eq!(clusters[0]["location"]["line"], 2);
    assert!(clusters[1]["location"]["line"].as_u64().expect("line") > 2);
    assert_eq!(clusters[2]["created_at"], serde_json::Value::Null);
}

#[test]
fn rotated_ca_with_the_same_name_is_told_apart_by_signature() {
    let f = scenario_facts("rotated");
    let cas: Vec<_> = f["certificates"]
        .as_array()
        .expect("certs")
        .iter()
        .filter(|c| c["role"] == "cluster-ca")
        .collect();
    assert!(cas.iter().all(|c| c["subject"] == "CN=ca"));
    let ids: std::collections::BTreeSet<&str> = cas.iter().map(|c| c["id"].as_str().expect("id")).collect();
    assert_eq!(ids.len(), 2, "old and new CA");
    let users: Vec<_> = f["kubeconfigs"]
        .as_array()
        .expect("kubeconfigs")
        .iter()
        .map(|k| (k["path"].as_str().expect("path").to_string(), k["users"][0].clone()))
        .collect();
    for (path, user) in users {
        // Each kubeconfig is consistent with itself...
        assert_eq!(user["ca_checks"][0]["verification"]["result"], "verified", "{path}");
        // ...but only the fresh one verifies against the newest CA for the server.
        let expected = if path.ends_with("before-rotation") {
            "not-signed-by-ca"
        } else {
            "verified"
        };
        assert_eq!(user["current_ca_check"]["result"], expected, "{path}");
    }
    let stale_node = f["certificates"]
        .as_array()
        .expect("certs")
        .iter()
        .find(|c| {
            c["role"] == "kubelet-client"
                && c["origin"]["node_root"]
                    .as_str()
                    .is_some_and(|r| r.ends_with("node-stopped-during-rotation"))
        })
        .expect("stale node cert");
    assert_eq!(stale_node["ca_verification"]["result"], "not-signed-by-ca");
}

#[test]
fn node_without_bootstrapping_is_recorded() {
    let f = scenario_facts("old-nodes");
    let tls = &f["node_roots"][0]["tls_bootstrap"];
    assert_eq!(tls["bootstrapped"], false);
    assert_eq!(tls["uses_static_client_certificate"], true);
    assert_eq!(tls["kubelet_client_certificate"], "/etc/kubernetes/certs/client.crt");
}

#[test]
fn facts_are_byte_identical_across_runs() {
    let mut args = vec!["facts".to_string(), "--now".into(), NOW.into()];
    for s in scenarios() {
        args.extend(scenario_args(&s));
    }
    args.extend(["--certs".into(), "testdata/corpus/certs".into()]);
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let a = run(&argv);
    let b = run(&argv);
    assert!(a.status.success());
    assert_eq!(a.stdout, b.stdout);
}

#[test]
fn saved_facts_merge_into_one_evaluation() {
    let dir = tempdir();
    let saved = dir.path().join("node.facts.json");
    let out = facts_at_now(&[
        "--node-root",
        "testdata/scenarios/rotated/node-stopped-during-rotation",
        "--output",
        saved.to_str().expect("utf8"),
    ]);
    assert!(out.status.success());
    let merged = run(&[
        "facts",
        "--now",
        "2027-01-01T00:00:00Z",
        "--facts",
        saved.to_str().expect("utf8"),
        "--kubeconfig",
        "testdata/scenarios/rotated/kubeconfig",
    ]);
    assert!(merged.status.success(), "{}", stderr(&merged));
    let f: serde_json::Value = serde_json::from_slice(&merged.stdout).expect("json");
    assert_eq!(f["node_roots"].as_array().expect("roots").len(), 1);
    let kubelet = f["certificates"]
        .as_array()
        .expect("certs")
        .iter()
        .find(|c| c["role"] == "kubelet-client")
        .expect("kubelet")
        .clone();
    // Times are recomputed at the evaluator's `now`...
    assert_eq!(kubelet["remaining_days"], 609.32);
    // ...and the merged node is checked against the current CA from the other source, while its
    // own verdict against the node's `ca.crt` is kept beside it.
    assert_eq!(kubelet["ca_verification"]["result"], "not-signed-by-ca");
    assert_eq!(kubelet["current_ca_verification"]["result"], "not-signed-by-ca");
    assert_eq!(kubelet["node_ca_verification"]["result"], "verified");
}

#[test]
fn each_verdict_has_its_own_field_and_none_overwrites_another() {
    let node = "testdata/scenarios/rotated/node-stopped-during-rotation";
    let kubelet = |f: &serde_json::Value| {
        f["certificates"]
            .as_array()
            .expect("certs")
            .iter()
            .find(|c| c["role"] == "kubelet-client")
            .expect("kubelet")
            .clone()
    };
    // Scanned alone, the node is consistent with itself: its own `ca.crt` is the newest CA seen.
    let alone: serde_json::Value = serde_json::from_slice(&facts_at_now(&["--node-root", node]).stdout).expect("json");
    let cert = kubelet(&alone);
    assert_eq!(cert["node_ca_verification"]["result"], "verified");
    assert_eq!(cert["current_ca_verification"]["result"], "verified");
    assert_eq!(cert["ca_verification"]["result"], "verified");
    // With a fresh kubeconfig the current CA is newer: that verdict fails, the node's stays.
    let with_kubeconfig: serde_json::Value = serde_json::from_slice(
        &facts_at_now(&[
            "--node-root",
            node,
            "--kubeconfig",
            "testdata/scenarios/rotated/kubeconfig",
        ])
        .stdout,
    )
    .expect("json");
    let cert = kubelet(&with_kubeconfig);
    assert_eq!(cert["node_ca_verification"]["result"], "verified");
    assert_eq!(cert["current_ca_verification"]["result"], "not-signed-by-ca");
    assert_eq!(cert["ca_verification"]["result"], "not-signed-by-ca");
    // A client certificate keeps its check against its own file's CA beside the current one.
    let stale: serde_json::Value = serde_json::from_slice(
        &facts_at_now(&[
            "--kubeconfig",
            "testdata/scenarios/rotated/kubeconfig",
            "--kubeconfig",
            "testdata/scenarios/rotated/kubeconfig-before-rotation",
        ])
        .stdout,
    )
    .expect("json");
    let client = stale["certificates"]
        .as_array()
        .expect("certs")
        .iter()
        .find(|c| {
            c["role"] == "kubeconfig-client"
                && c["origin"]["path"]
                    .as_str()
                    .is_some_and(|p| p.ends_with("before-rotation"))
        })
        .expect("old client certificate");
    assert_eq!(client["kubeconfig_ca_verification"]["result"], "verified");
    assert_eq!(client["current_ca_verification"]["result"], "not-signed-by-ca");
    assert_eq!(client["ca_verification"]["result"], "not-signed-by-ca");
}

#[test]
fn merging_a_lean_document_says_once_that_it_cannot_be_checked() {
    let dir = tempdir();
    let full = dir.path().join("full.json");
    let out = facts_at_now(&[
        "--node-root",
        "testdata/scenarios/rotated/node-stopped-during-rotation",
        "--output",
        full.to_str().expect("utf8"),
    ]);
    assert!(out.status.success());
    // The document beside SARIF drops the DER: make one by hand from the full one.
    let mut doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&full).expect("read")).expect("json");
    let count = doc["certificates"].as_array().expect("certs").len();
    for cert in doc["certificates"].as_array_mut().expect("certs") {
        cert.as_object_mut().expect("object").remove("der_base64");
    }
    let lean = dir.path().join("lean.json");
    std::fs::write(&lean, serde_json::to_vec(&doc).expect("json")).expect("write");
    let out = facts_at_now(&[
        "--facts",
        lean.to_str().expect("utf8"),
        "--kubeconfig",
        "testdata/scenarios/rotated/kubeconfig",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let merged: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let errors: Vec<&str> = merged["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["message"].as_str())
        .filter(|m| m.contains("no DER"))
        .collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].starts_with(&format!("{count} certificate(s)")),
        "{}",
        errors[0]
    );
    // The verdicts recorded in the lean document are claims nothing can check: dropped.
    let kubelet = merged["certificates"]
        .as_array()
        .expect("certs")
        .iter()
        .find(|c| c["role"] == "kubelet-client")
        .expect("kubelet");
    assert_eq!(kubelet["node_ca_verification"], serde_json::Value::Null);
    assert_eq!(kubelet["ca_verification"], serde_json::Value::Null);
}

#[test]
fn cluster_json_can_come_from_stdin() {
    let json = std::fs::read(root().join("testdata/scenarios/stopped/cluster.json")).expect("read");
    let out = bin()
        .args(["facts", "--now", NOW, "--cluster", "-"])
        .write_stdin(json)
        .output()
        .expect("runs");
    assert!(out.status.success());
    let f: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(f["clusters"][0]["power_state"], "Stopped");
    assert_eq!(f["clusters"][0]["location"]["path"], "-");
}

#[test]
fn default_kubeconfig_comes_from_the_environment() {
    let out = bin()
        .args(["facts", "--now", NOW])
        .env("KUBECONFIG", "does-not-exist:testdata/scenarios/healthy/kubeconfig")
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", stderr(&out));
    let f: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(f["sources"][0]["path"], "testdata/scenarios/healthy/kubeconfig");
}

#[test]
fn no_source_and_no_kubeconfig_is_a_usage_error() {
    let out = run(&["facts"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    for flag in [
        "--kubeconfig",
        "--certs",
        "--cluster",
        "--nodes",
        "--node-root",
        "--facts",
    ] {
        assert!(err.contains(flag), "message lists {flag}: {err}");
    }
}

#[test]
fn bundled_corpus_copies_are_read() {
    let out = facts_at_now(&[
        "--certs",
        "testdata/corpus/certs",
        "--cluster",
        "testdata/corpus/managedcluster/arm-2019-02-01-ManagedClustersGet.json",
        "--cluster",
        "testdata/corpus/managedcluster/c7n-cassette-aks-2019-04-01-list.json",
        "--cluster",
        "testdata/corpus/managedcluster/arm-2025-07-01-AgentPools_Stop.json",
        "--nodes",
        "testdata/corpus/nodes/aks-3node-v1.18-nodelist.json",
        "--nodes",
        "testdata/corpus/nodes/rke2-gpu-nonaks-nodelist.json",
        "--kubeconfig",
        "testdata/corpus/kubeconfig/k8s-client-js-kubeconfig.yaml",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let f: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    // 9 files; the bundle holds 3 and the Helm values repeat the AKS CA: 11 occurrences.
    assert_eq!(f["certificates"].as_array().expect("certs").len(), 11);
    let negative = f["certificates"]
        .as_array()
        .expect("certs")
        .iter()
        .find(|c| {
            c["origin"]["path"]
                .as_str()
                .is_some_and(|p| p.ends_with("negative_serial.pem"))
        })
        .expect("negative");
    assert_eq!(negative["serial"], "fb:ce:99:6c:13");
    let inverted = f["certificates"]
        .as_array()
        .expect("certs")
        .iter()
        .find(|c| {
            c["origin"]["path"]
                .as_str()
                .is_some_and(|p| p.ends_with("Prior2050.pem"))
        })
        .expect("inverted");
    assert!(inverted["lifetime_seconds"].as_i64().expect("lifetime") < 0);
    assert_eq!(inverted["lifetime_used"], serde_json::Value::Null);
    // The stopped pool's own document names the cluster of the 2019 example: one cluster, two pools.
    let example = f["clusters"]
        .as_array()
        .expect("clusters")
        .iter()
        .find(|c| c["key"] == "rg1/clustername1")
        .expect("rg1/clustername1");
    assert_eq!(example["agent_pools"][1]["power_state"], "Stopped");
    assert_eq!(
        f["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .filter(|n| n["is_aks"] == true)
            .count(),
        3
    );
    // The kubeconfig's `*-data` fields hold no certificates: errors, not crashes.
    assert!(f["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .all(|e| e["source"] == "kubeconfig"));
}

#[test]
fn shared_corpus_is_read_without_crashing() {
    let corpus = root().join("../shared/corpus");
    if !corpus.exists() {
        skip_here("shared corpus", "../shared/corpus is not beside this checkout");
        return;
    }
    for (dir, flag) in [
        ("certs", "--certs"),
        ("kubeconfig", "--kubeconfig"),
        ("managedcluster", "--cluster"),
        ("nodes", "--nodes"),
    ] {
        for entry in std::fs::read_dir(corpus.join(dir)).expect("dir") {
            let path = entry.expect("entry").path();
            let out = facts_at_now(&[flag, path.to_str().expect("utf8")]);
            let code = out.status.code();
            assert!(
                code == Some(0) || code == Some(2),
                "{} crashed: {:?} {}",
                path.display(),
                code,
                stderr(&out)
            );
            let f: serde_json::Value = serde_json::from_slice(&out.stdout).expect("a facts document even on errors");
            let read = f["certificates"].as_array().expect("certs").len()
                + f["clusters"].as_array().expect("c").len()
                + f["nodes"].as_array().expect("n").len()
                + f["kubeconfigs"].as_array().expect("k").len();
            assert!(
                read > 0 || !f["errors"].as_array().expect("errors").is_empty(),
                "{} gave neither facts nor an error",
                path.display()
            );
        }
    }
}

#[test]
fn kubeconfigs_in_json_read_like_yaml() {
    let yaml = std::fs::read_to_string(root().join("testdata/scenarios/healthy/kubeconfig")).expect("read");
    let value: serde_json::Value = serde_saphyr::from_str(&yaml).expect("yaml");
    let dir = tempdir();
    let json = dir.path().join("kubeconfig.json");
    std::fs::write(&json, serde_json::to_string_pretty(&value).expect("json")).expect("write");
    let out = facts_at_now(&["--kubeconfig", json.to_str().expect("utf8")]);
    assert!(out.status.success(), "{}", stderr(&out));
    let f: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let user = &f["kubeconfigs"][0]["users"][0];
    assert_eq!(user["name"], "clusterUser_rg-prod_prod");
    assert!(
        user["line"].as_u64().is_some_and(|l| l > 1),
        "JSON entries have lines too"
    );
    assert_eq!(user["ca_checks"][0]["verification"]["result"], "verified");
}

#[test]
fn daemonset_documents_with_the_same_mount_path_merge_into_distinct_nodes() {
    let dir = tempdir();
    let mut saved = Vec::new();
    for node in ["node-recreated", "node-stopped-during-rotation"] {
        let out_file = dir.path().join(format!("{node}.json"));
        // Every DaemonSet pod sees its node at the same path.
        let out = bin()
            .current_dir(root().join("testdata/scenarios/rotated").join(node))
            .args([
                "facts",
                "--now",
                NOW,
                "--node-root",
                ".",
                "--output",
                out_file.to_str().expect("utf8"),
            ])
            .output()
            .expect("runs");
        assert!(out.status.success(), "{}", stderr(&out));
        saved.push(out_file.display().to_string());
    }
    let out = scan_json(&[
        "--fail-on",
        "never",
        "--facts",
        &saved[0],
        "--facts",
        &saved[1],
        "--kubeconfig",
        "testdata/scenarios/rotated/kubeconfig",
        "--cluster",
        "testdata/scenarios/rotated/cluster.json",
        "--cluster",
        "testdata/scenarios/rotated/cluster.json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let nodes: Vec<&serde_json::Value> = doc["findings"]
        .as_array()
        .expect("f")
        .iter()
        .filter(|f| f["rule_id"] == "NODE003")
        .collect();
    assert_eq!(nodes.len(), 1, "{}", doc["findings"]);
    assert!(
        nodes[0]["message"]
            .as_str()
            .expect("m")
            .contains("on node .#aks-userpool-87654321-vmss000000"),
        "{}",
        nodes[0]["message"]
    );

    let facts = facts_at_now(&[
        "--facts",
        &saved[0],
        "--facts",
        &saved[1],
        "--cluster",
        "testdata/scenarios/rotated/cluster.json",
        "--cluster",
        "testdata/scenarios/rotated/cluster.json",
    ]);
    let f: serde_json::Value = serde_json::from_slice(&facts.stdout).expect("json");
    let paths: Vec<&str> = f["node_roots"]
        .as_array()
        .expect("roots")
        .iter()
        .map(|r| r["path"].as_str().expect("p"))
        .collect();
    assert_eq!(paths, [".", ".#aks-userpool-87654321-vmss000000"]);
    assert_eq!(
        f["clusters"].as_array().expect("clusters").len(),
        1,
        "the same cluster read twice is one cluster"
    );
}

#[test]
fn a_standalone_agent_pool_joins_its_cluster() {
    let out = facts_at_now(&[
        "--cluster",
        "testdata/corpus/managedcluster/arm-2025-07-01-AgentPools_Stop.json",
        "--cluster",
        "testdata/corpus/managedcluster/arm-2019-02-01-ManagedClustersGet.json",
    ]);
    let f: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let clusters = f["clusters"].as_array().expect("clusters");
    assert_eq!(clusters.len(), 1);
    assert_eq!(
        clusters[0]["partial"], false,
        "the full document wins over the pool-only one"
    );
    let pools: Vec<&str> = clusters[0]["agent_pools"]
        .as_array()
        .expect("pools")
        .iter()
        .map(|p| p["name"].as_str().expect("n"))
        .collect();
    assert_eq!(pools, ["nodepool1", "agentpool1"]);
}

#[test]
fn kubeconfig_file_references_resolve_beside_the_kubeconfig() {
    let dir = tempdir();
    let node = root().join("testdata/scenarios/healthy/node-linux/etc/kubernetes/certs");
    std::fs::copy(node.join("ca.crt"), dir.path().join("ca.crt")).expect("copy");
    std::fs::copy(node.join("apiserver.crt"), dir.path().join("client.crt")).expect("copy");
    let kubeconfig = dir.path().join("config");
    std::fs::write(
        &kubeconfig,
        "apiVersion: v1\nclusters:\n- name: c\n  cluster:\n    server: https://x:443\n    certificate-authority: ca.crt\nusers:\n- name: u\n  user:\n    client-certificate: client.crt\n    client-key: client.key\ncontexts:\n- name: ctx\n  context: {cluster: c, user: u}\ncurrent-context: ctx\n",
    )
    .expect("write");
    let out = facts_at_now(&["--kubeconfig", kubeconfig.to_str().expect("utf8")]);
    assert!(out.status.success(), "{}", stderr(&out));
    let f: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let kc = &f["kubeconfigs"][0];
    assert_eq!(kc["clusters"][0]["ca_source"], "file");
    assert_eq!(kc["users"][0]["auth"]["client_certificate"], "file");
    assert_eq!(kc["users"][0]["ca_checks"][0]["verification"]["result"], "verified");
    assert_eq!(f["sources"][0]["files_read"], 3);
}

#[test]
fn every_field_of_the_facts_document_is_documented() {
    fn keys(value: &serde_json::Value, out: &mut std::collections::BTreeSet<String>) {
        match value {
            serde_json::Value::Object(map) => {
                for (k, v) in map {
                    out.insert(k.clone());
                    keys(v, out);
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| keys(v, out)),
            _ => {}
        }
    }
    let mut all = std::collections::BTreeSet::new();
    for scenario in scenarios() {
        keys(&scenario_facts(&scenario), &mut all);
    }
    let doc = std::fs::read_to_string(root().join("docs/facts.md")).expect("docs/facts.md");
    let is_word = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
    let mentioned = |key: &str| {
        doc.match_indices(key)
            .any(|(at, _)| !is_word(doc[..at].chars().last()) && !is_word(doc[at + key.len()..].chars().next()))
    };
    let undocumented: Vec<&String> = all.iter().filter(|k| !mentioned(k)).collect();
    assert!(
        undocumented.is_empty(),
        "fields missing from docs/facts.md: {undocumented:?}"
    );
}

/// A saved document is a claim: one with the genuine DER of the old CA but a forged
/// `not_before_unix` made that CA the cluster's "current" one and moved KCFG001 from the stale
/// kubeconfig to the fresh one (and NODE003 onto a recreated node). Certificates are read again
/// from their DER, and a saved document's CAs are never a server's current CA.
#[test]
fn a_forged_saved_document_cannot_move_verdicts() {
    let dir = tempdir();
    let s = "testdata/scenarios/rotated";
    let saved = dir.path().join("old.json");
    let saved_arg = saved.display().to_string();
    let out = run(&[
        "facts",
        "--now",
        NOW,
        "--kubeconfig",
        &format!("{s}/kubeconfig-before-rotation"),
        "--output",
        &saved_arg,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let original: serde_json::Value = serde_json::from_slice(&std::fs::read(&saved).expect("read")).expect("json");
    for keep_der in [true, false] {
        let mut forged = original.clone();
        for cert in forged["certificates"].as_array_mut().expect("certificates") {
            if cert["role"] == "cluster-ca" {
                // Newer than the rotated CA (2026-11-20): it would win the "current CA".
                cert["not_before_unix"] = serde_json::json!(1_796_000_000);
                cert["not_before"] = serde_json::json!("2026-11-29T00:00:00Z");
            }
            if !keep_der {
                cert.as_object_mut().expect("object").remove("der_base64");
                cert["ca_verification"] = serde_json::json!({"result": "verified", "ca_source": "forged"});
            }
        }
        let forged_path = dir.path().join(format!("forged-{keep_der}.json"));
        std::fs::write(&forged_path, serde_json::to_vec(&forged).expect("json")).expect("write");
        let out = run(&[
            "scan",
            "--now",
            NOW,
            "--format",
            "json",
            "--cluster",
            &format!("{s}/cluster.json"),
            "--kubeconfig",
            &format!("{s}/kubeconfig"),
            "--node-root",
            &format!("{s}/node-recreated"),
            "--facts",
            forged_path.to_str().expect("utf8"),
        ]);
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("{}", stderr(&out)));
        let findings: Vec<(String, String)> = doc["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .filter(|f| f["rule_id"] != "SCAN001")
            .map(|f| {
                (
                    f["rule_id"].as_str().expect("id").to_string(),
                    f["locations"][0]["path"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect();
        let expected: Vec<(String, String)> = if keep_der {
            // Read from the DER, the old CA is old: the stale kubeconfig is the one that fails.
            vec![("KCFG001".into(), format!("{s}/kubeconfig-before-rotation"))]
        } else {
            // No DER: nothing to check it with, and its saved "verified" is not believed; what
            // it claims of itself (a validity starting today) concerns only itself.
            vec![("CERT003".into(), format!("{s}/kubeconfig-before-rotation"))]
        };
        assert_eq!(findings, expected, "DER kept: {keep_der}");
    }
}
