//! Secrets never leave: key material, tokens and passwords planted in every kind of input are
//! recorded as present, and appear in no output, log or error.

use crate::util::*;

const TOKEN: &str = "f3a9c2e1b7d84e6a9c0b1d2e3f4a5b6c";
const PASSWORD: &str = "Hunter2-Planted-Password";
const ACCESS_TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.PlantedAccessToken.Signature0123";
const CLIENT_SECRET: &str = "Planted~Client~Secret~0123456789";

fn key_lines() -> Vec<String> {
    let key = std::fs::read_to_string(root().join("testdata/pki/keys/leaf-a.key")).expect("key");
    key.lines()
        .filter(|l| !l.starts_with("-----"))
        .map(str::to_string)
        .collect()
}

fn planted(dir: &std::path::Path) -> Vec<String> {
    let key_pem = std::fs::read_to_string(root().join("testdata/pki/keys/leaf-a.key")).expect("key");
    let key_b64 = data_encoding::BASE64.encode(key_pem.as_bytes());
    let good = std::fs::read_to_string(root().join("testdata/scenarios/healthy/kubeconfig")).expect("kubeconfig");
    let with_secrets = good.replace(
        "    token: f3a9c2e1b7d84e6a9c0b1d2e3f4a5b6c\n",
        &format!(
            "    token: {TOKEN}\n- name: basic\n  user:\n    username: admin\n    password: {PASSWORD}\n- name: oidc\n  user:\n    auth-provider:\n      name: azure\n      config:\n        access-token: {ACCESS_TOKEN}\n- name: sp\n  user:\n    exec:\n      command: kubelogin\n      args: [get-token, --login, spn, --client-secret, {CLIENT_SECRET}]\n"
        ),
    );
    assert_ne!(with_secrets, good);
    std::fs::write(dir.join("kubeconfig"), &with_secrets).expect("write");
    // A broken kubeconfig whose parse error sits next to the key.
    std::fs::write(
        dir.join("broken"),
        format!("users:\n- name: u\n  user:\n    client-key-data: {key_b64}\n    token: [{TOKEN}\n"),
    )
    .expect("write");
    // A kubeconfig of the wrong type right on the secret.
    std::fs::write(
        dir.join("wrong-type"),
        format!("users:\n- name: u\n  user:\n    client-certificate-data: [{key_b64}]\n"),
    )
    .expect("write");
    // A certificate file with its key, as kubelet-client-current.pem is.
    let cert = std::fs::read_to_string(
        root().join("testdata/scenarios/healthy/node-linux/etc/kubernetes/certs/apiserver.crt"),
    )
    .expect("cert");
    std::fs::write(dir.join("with-key.pem"), format!("{cert}{key_pem}")).expect("write");
    std::fs::write(dir.join("key-only.crt"), &key_pem).expect("write");
    let mut secrets: Vec<String> = vec![
        TOKEN.into(),
        PASSWORD.into(),
        ACCESS_TOKEN.into(),
        CLIENT_SECRET.into(),
        key_b64[..60].to_string(),
    ];
    secrets.extend(key_lines());
    secrets
}

fn assert_clean(what: &str, text: &str, secrets: &[String]) {
    for s in secrets {
        assert!(!text.contains(s.as_str()), "{what} leaks a secret: {s}");
    }
}

#[test]
fn no_secret_reaches_facts_findings_logs_or_errors() {
    let dir = tempdir();
    let secrets = planted(dir.path());
    let p = |name: &str| dir.path().join(name).to_str().expect("utf8").to_string();
    let sources = [
        "--kubeconfig".to_string(),
        p("kubeconfig"),
        "--kubeconfig".into(),
        p("broken"),
        "--kubeconfig".into(),
        p("wrong-type"),
        "--certs".into(),
        p("with-key.pem"),
        "--certs".into(),
        p("key-only.crt"),
        "--node-root".into(),
        "testdata/scenarios/healthy/node-linux".into(),
    ];
    let mut facts_args = vec!["facts".to_string(), "--now".into(), NOW.into()];
    facts_args.extend(sources.iter().cloned());
    let out = run(&facts_args.iter().map(String::as_str).collect::<Vec<_>>());
    let facts = stdout(&out);
    assert_clean("facts", &facts, &secrets);
    assert_clean("facts stderr", &stderr(&out), &secrets);
    // The secrets were seen: their presence is recorded.
    let f: serde_json::Value = serde_json::from_str(&facts).expect("json");
    let users = f["kubeconfigs"][0]["users"].as_array().expect("users");
    assert!(users.iter().any(|u| u["auth"]["password_present"] == true));
    assert!(users.iter().any(|u| u["auth"]["auth_provider"] == "azure"));
    assert!(users.iter().any(|u| u["auth"]["exec_login_mode"] == "spn"));
    assert!(f["certificates"]
        .as_array()
        .expect("certs")
        .iter()
        .any(|c| c["private_key_present"] == true));
    assert!(
        f["errors"].as_array().expect("errors").len() >= 3,
        "broken, wrong-type and key-only are errors"
    );

    for format in ["text", "json", "sarif", "junit", "github", "prometheus", "html"] {
        let mut args = vec![
            "scan".to_string(),
            "--now".into(),
            NOW.into(),
            "--format".into(),
            format.into(),
            "--fail-on".into(),
            "never".into(),
        ];
        args.extend(sources.iter().cloned());
        let out = run(&args.iter().map(String::as_str).collect::<Vec<_>>());
        assert!(out.status.success(), "{format}: {}", stderr(&out));
        assert_clean(format, &stdout(&out), &secrets);
        assert_clean(&format!("{format} stderr"), &stderr(&out), &secrets);
    }
}
