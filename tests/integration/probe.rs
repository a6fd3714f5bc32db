//! Live TLS probes against real TLS servers on 127.0.0.1 inside the test process (rustls server,
//! rcgen certificates), including a rotated CA with the same `CN=ca`, an expired chain, a proxy,
//! a reset and a black hole.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, SanType};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use time::macros::datetime;

use crate::util::*;

struct Ca {
    params: CertificateParams,
    key: KeyPair,
    pem: String,
}

fn ca() -> Ca {
    let key = KeyPair::generate().expect("key");
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
    params.distinguished_name.push(DnType::CommonName, "ca");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.not_before = datetime!(2026-11-01 00:00 UTC);
    params.not_after = datetime!(2056-11-01 00:10 UTC);
    let pem = params.self_signed(&key).expect("ca").pem();
    Ca { params, key, pem }
}

/// A leaf for 127.0.0.1 signed by `ca`, valid in the given window.
fn leaf(
    ca: &Ca,
    not_before: time::OffsetDateTime,
    not_after: time::OffsetDateTime,
) -> (CertificateDer<'static>, PrivateKeyDer<'static>) {
    let key = KeyPair::generate().expect("key");
    let mut params = CertificateParams::new(vec!["localhost".to_string()]).expect("params");
    params
        .subject_alt_names
        .push(SanType::IpAddress("127.0.0.1".parse().expect("ip")));
    params
        .subject_alt_names
        .push(SanType::IpAddress("::1".parse().expect("ip")));
    params.distinguished_name.push(DnType::CommonName, "apiserver");
    params.not_before = not_before;
    params.not_after = not_after;
    let cert = params
        .signed_by(&key, &Issuer::from_params(&ca.params, &ca.key))
        .expect("leaf");
    (
        cert.der().clone(),
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
    )
}

/// A TLS server on 127.0.0.1 that completes handshakes for `connections` clients.
fn tls_server(cert: CertificateDer<'static>, key: PrivateKeyDer<'static>, connections: usize) -> u16 {
    tls_server_on(TcpListener::bind("127.0.0.1:0").expect("bind"), cert, key, connections)
}

/// A TLS server on `listener`.
fn tls_server_on(
    listener: TcpListener,
    cert: CertificateDer<'static>,
    key: PrivateKeyDer<'static>,
    connections: usize,
) -> u16 {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_no_client_auth()
        .with_single_cert(vec![cert], key)
        .expect("server config");
    let config = Arc::new(config);
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(connections) {
            let Ok(mut stream) = stream else { continue };
            let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
            let Ok(mut conn) = rustls::ServerConnection::new(config.clone()) else {
                continue;
            };
            while conn.is_handshaking() {
                if conn.complete_io(&mut stream).is_err() {
                    break;
                }
            }
            let _ = conn.complete_io(&mut stream);
        }
    });
    port
}

fn kubeconfig(dir: &std::path::Path, ca_pem: &str, port: u16) -> String {
    let path = dir.join("kubeconfig");
    let b64 = data_encoding::BASE64.encode(ca_pem.as_bytes());
    let text = format!(
        "apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: {b64}\n    server: https://127.0.0.1:{port}\n  name: local\ncontexts:\n- context:\n    cluster: local\n    user: clusterUser_rg_local\n  name: local\ncurrent-context: local\nkind: Config\npreferences: {{}}\nusers:\n- name: clusterUser_rg_local\n  user:\n    token: 0123456789abcdef0123456789abcdef\n"
    );
    std::fs::write(&path, text).expect("write");
    path.display().to_string()
}

fn findings(out: &std::process::Output) -> Vec<serde_json::Value> {
    let doc: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("json: {}", stderr(out)));
    doc["findings"].as_array().expect("findings").clone()
}

fn rule_ids(out: &std::process::Output) -> Vec<String> {
    let mut ids: Vec<String> = findings(out)
        .iter()
        .map(|f| f["rule_id"].as_str().expect("id").to_string())
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

#[test]
fn a_rotated_ca_with_the_same_name_fires_kcfg002_and_the_right_one_nothing() {
    let (old, new) = (ca(), ca());
    let (cert, key) = leaf(&new, datetime!(2026-11-01 00:00 UTC), datetime!(2028-11-01 00:10 UTC));
    let port = tls_server(cert, key, 4);
    let dir = tempdir();
    let endpoint = format!("127.0.0.1:{port}");

    let stale = kubeconfig(dir.path(), &old.pem, port);
    let out = scan_json(&["--kubeconfig", &stale, "--endpoint", &endpoint]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(rule_ids(&out), ["KCFG002"]);
    let f = &findings(&out)[0];
    assert_eq!(f["locations"][0]["line"], 3, "points at the kubeconfig cluster entry");
    assert!(f["message"]
        .as_str()
        .expect("msg")
        .contains("x509: certificate signed by unknown authority"));

    let fresh_dir = tempdir();
    let fresh = kubeconfig(fresh_dir.path(), &new.pem, port);
    let out = scan_json(&["--kubeconfig", &fresh, "--endpoint", &endpoint]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(rule_ids(&out).is_empty(), "{:?}", rule_ids(&out));

    // The same, finding the server from the kubeconfig itself.
    let out = facts_at_now(&["--kubeconfig", &fresh, "--probe-kubeconfig-servers"]);
    let facts: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let endpoint_fact = &facts["endpoints"][0];
    assert_eq!(endpoint_fact["endpoint"], endpoint);
    assert_eq!(endpoint_fact["hostname_matches"], true);
    assert_eq!(
        endpoint_fact["server_name"],
        serde_json::Value::Null,
        "no SNI for an IP literal"
    );
    assert_eq!(endpoint_fact["ca_checks"][0]["verification"]["result"], "verified");
    // An explicit server name is sent as SNI and checked against the leaf.
    let out = facts_at_now(&["--endpoint", &endpoint, "--tls-server-name", "localhost"]);
    let named: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(named["endpoints"][0]["server_name"], "localhost");
    assert_eq!(named["endpoints"][0]["hostname_matches"], true);
    let leaf_fact = facts["certificates"]
        .as_array()
        .expect("certs")
        .iter()
        .find(|c| c["origin"]["kind"] == "endpoint")
        .expect("leaf");
    assert_eq!(leaf_fact["origin"]["path"], format!("tls://{endpoint}"));
    assert_eq!(leaf_fact["role"], "apiserver");
}

#[test]
fn an_expired_chain_fires_cert001_with_a_location_github_accepts() {
    let authority = ca();
    let (cert, key) = leaf(
        &authority,
        datetime!(2024-01-01 00:00 UTC),
        datetime!(2026-01-01 00:00 UTC),
    );
    let port = tls_server(cert, key, 1);
    let dir = tempdir();
    let sarif = dir.path().join("probe.sarif");
    let out = run(&[
        "scan",
        "--now",
        NOW,
        "--format",
        "sarif",
        "--output",
        sarif.to_str().expect("utf8"),
        "--endpoint",
        &format!("127.0.0.1:{port}"),
    ]);
    assert_eq!(out.status.code(), Some(1));
    validate_sarif(&sarif);
    let log: serde_json::Value = serde_json::from_slice(&std::fs::read(&sarif).expect("read")).expect("json");
    let result = &log["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], "CERT001");
    // A fact from no file points at the facts document written beside the SARIF.
    assert_eq!(
        result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .expect("uri")
            .rsplit('/')
            .next(),
        Some("probe.facts.json")
    );
    assert!(result["locations"][0]["logicalLocations"][0]["name"]
        .as_str()
        .expect("name")
        .contains("presented by 127.0.0.1"));
}

#[test]
fn a_connect_proxy_is_used_from_https_proxy() {
    let authority = ca();
    let (cert, key) = leaf(
        &authority,
        datetime!(2026-11-01 00:00 UTC),
        datetime!(2028-11-01 00:10 UTC),
    );
    let port = tls_server(cert, key, 1);
    let seen = Arc::new(Mutex::new(String::new()));
    let proxy = TcpListener::bind("127.0.0.1:0").expect("bind");
    let proxy_port = proxy.local_addr().expect("addr").port();
    let record = seen.clone();
    std::thread::spawn(move || {
        let (mut client, _) = proxy.accept().expect("accept");
        let mut request = Vec::new();
        let mut byte = [0u8; 1];
        while !request.ends_with(b"\r\n\r\n") && client.read(&mut byte).expect("read") == 1 {
            request.push(byte[0]);
        }
        *record.lock().expect("lock") = String::from_utf8_lossy(&request).into_owned();
        let target = String::from_utf8_lossy(&request)
            .split_whitespace()
            .nth(1)
            .expect("authority")
            .to_string();
        let mut upstream = TcpStream::connect(target).expect("upstream");
        client
            .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
            .expect("reply");
        let (mut c2, mut u2) = (client.try_clone().expect("clone"), upstream.try_clone().expect("clone"));
        std::thread::spawn(move || std::io::copy(&mut u2, &mut c2));
        let _ = std::io::copy(&mut client, &mut upstream);
    });
    let out = bin()
        .args([
            "facts",
            "--now",
            NOW,
            "--endpoint",
            &format!("https://127.0.0.1:{port}/healthz"),
        ])
        .env(
            "HTTPS_PROXY",
            format!("http://proxyuser:proxypass@127.0.0.1:{proxy_port}"),
        )
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", stderr(&out));
    let facts: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(
        facts["endpoints"][0]["chain"].as_array().expect("chain").len(),
        1,
        "{}",
        facts["errors"]
    );
    let request = seen.lock().expect("lock").clone();
    assert!(
        request.starts_with(&format!("CONNECT 127.0.0.1:{port} HTTP/1.1\r\n")),
        "{request}"
    );
    assert!(
        request.contains("Proxy-Authorization: Basic cHJveHl1c2VyOnByb3h5cGFzcw=="),
        "{request}"
    );
    assert!(!stdout(&out).contains("proxypass") && !stderr(&out).contains("proxypass"));
}

#[test]
fn a_reset_connection_is_a_scan001_error() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        if let Ok((stream, _)) = listener.accept() {
            drop(stream);
        }
    });
    let out = scan_json(&[
        "--endpoint",
        &format!("127.0.0.1:{port}"),
        "--cluster",
        "testdata/scenarios/healthy/cluster.json",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let f = findings(&out);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0]["rule_id"], "SCAN001");
    assert!(f[0]["message"].as_str().expect("msg").contains("TLS probe failed"));
}

#[test]
fn a_black_hole_cannot_hang_the_scan() {
    // Accepted by the kernel's backlog, never answered.
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let closed = TcpListener::bind("127.0.0.1:0").expect("bind");
    let closed_port = closed.local_addr().expect("addr").port();
    drop(closed);
    let start = Instant::now();
    let out = facts_at_now(&[
        "--timeout",
        "1",
        "--endpoint",
        &format!("127.0.0.1:{port}"),
        "--endpoint",
        &format!("127.0.0.1:{closed_port}"),
    ]);
    let elapsed = start.elapsed();
    assert!(elapsed < Duration::from_secs(8), "the probes took {elapsed:?}");
    assert_eq!(out.status.code(), Some(2), "nothing collected");
    let facts: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let messages: Vec<&str> = facts["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["message"].as_str().expect("m"))
        .collect();
    assert!(messages.iter().any(|m| m.contains("timed out")), "{messages:?}");
    assert!(messages.iter().any(|m| m.contains("refused")), "{messages:?}");
    drop(listener);
}

#[test]
fn ipv6_literals_are_probed() {
    let Ok(listener) = TcpListener::bind("[::1]:0") else {
        skip_here("IPv6 probe", "no IPv6 loopback on this machine");
        return;
    };
    let authority = ca();
    let (cert, key) = leaf(
        &authority,
        datetime!(2026-11-01 00:00 UTC),
        datetime!(2028-11-01 00:10 UTC),
    );
    let port = tls_server_on(listener, cert, key, 1);
    let out = facts_at_now(&["--endpoint", &format!("https://[::1]:{port}/")]);
    assert!(out.status.success(), "{}", stderr(&out));
    let facts: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(facts["endpoints"][0]["endpoint"], format!("[::1]:{port}"));
    assert_eq!(
        facts["endpoints"][0]["hostname_matches"], true,
        "{}",
        facts["certificates"][0]["sans"]
    );
}
