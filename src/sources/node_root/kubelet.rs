//! The kubelet's certificate-rotation settings on a node, from its own configuration files, with
//! the file and line each value came from:
//!
//! - Linux (AgentBaker's layout): `/etc/default/kubelet` (`KUBELET_FLAGS=...`), the systemd
//!   drop-ins `/etc/systemd/system/kubelet.service.d/*.conf` (`Environment="KUBELET_...=..."` and
//!   `ExecStart=` flags), and the kubelet config file that `--config` names (AgentBaker writes
//!   `/etc/default/kubeletconfig.json`; that file is read when no `--config` flag was found);
//! - Windows: `c:\k\kubeclusterconfig.json` (`Kubelet.ConfigArgs`).
//!
//! Flags override the config file, as the kubelet applies them; among flags, the last one wins
//! (drop-ins come before `KUBELET_FLAGS` on the kubelet's command line). A setting found in no
//! file is unknown (`value: null`), never assumed. Also recorded: the kubelet kubeconfig's mode and
//! owner, the owner only when the node root itself is owned by root (a real node or a DaemonSet
//! mount; a copy in someone's home directory says nothing about ownership on the node).

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::facts::model::{KubeletSetting, KubeletSettings};

/// A flag as found: name, value (`None` for a bare `--flag`), file and line.
#[derive(Debug, Clone, PartialEq)]
struct Flag {
    name: String,
    value: Option<String>,
    file: String,
    line: u32,
}

/// Splits a command line into words, honouring single and double quotes.
fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut quote: Option<char> = None;
    let mut any = false;
    for c in text.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => current.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                any = true;
            }
            (None, c) if c.is_whitespace() => {
                if any || !current.is_empty() {
                    out.push(std::mem::take(&mut current));
                }
                any = false;
            }
            (None, c) => current.push(c),
        }
    }
    if any || !current.is_empty() {
        out.push(current);
    }
    out
}

/// The `--flags` of a command line, in order. A word after a `--flag` without `=` is its value
/// unless it is itself a flag (bare boolean flags).
fn flags_of(text: &str, file: &str, line: u32) -> Vec<Flag> {
    let words = words(text);
    let mut out = Vec::new();
    let mut i = 0;
    while i < words.len() {
        if let Some(flag) = words[i].strip_prefix("--") {
            let (name, value) = match flag.split_once('=') {
                Some((n, v)) => (n.to_string(), Some(v.to_string())),
                None => {
                    let next = words.get(i + 1).filter(|w| !w.starts_with('-'));
                    // Only flags known to take a value consume the next word.
                    if next.is_some()
                        && matches!(flag, "config" | "feature-gates" | "kubeconfig" | "bootstrap-kubeconfig")
                    {
                        i += 1;
                        (flag.to_string(), next.cloned())
                    } else {
                        (flag.to_string(), None)
                    }
                }
            };
            out.push(Flag {
                name,
                value,
                file: file.to_string(),
                line,
            });
        }
        i += 1;
    }
    out
}

fn boolean(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "t" => Some(true),
        "false" | "0" | "f" => Some(false),
        _ => None,
    }
}

/// The value of a boolean flag: bare means true.
fn flag_bool(flag: &Flag) -> Option<bool> {
    match &flag.value {
        None => Some(true),
        Some(v) => boolean(v),
    }
}

/// The value of one gate in `--feature-gates=A=true,B=false`.
fn gate(flag: &Flag, name: &str) -> Option<bool> {
    flag.value
        .as_deref()?
        .split(',')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| k.trim() == name)
        .and_then(|(_, v)| boolean(v))
}

fn setting(value: Option<bool>, file: &str, line: u32, from: &str) -> KubeletSetting {
    KubeletSetting {
        value,
        file: Some(file.to_string()),
        line: Some(line),
        from: Some(from.to_string()),
    }
}

fn line_of(text: &str, needle: &str) -> u32 {
    text.lines()
        .position(|l| l.contains(needle))
        .map(|n| n as u32 + 1)
        .unwrap_or(1)
}

/// What the files of a node say. `read` reads a file below the root (capped, regular files only)
/// and returns its text, or `None` when it is absent or unreadable (the caller records why).
pub fn settings(
    fs: &super::rootfs::NodeFs,
    shown_root: &str,
    windows_k: Option<&Path>,
    read: &mut dyn FnMut(&Path, &str) -> Option<String>,
) -> KubeletSettings {
    let root = fs.root();
    let mut out = KubeletSettings::default();
    let shown_of = |path: &Path| -> String {
        match path.strip_prefix(root) {
            Ok(rel) => crate::paths::join_display(shown_root, rel),
            Err(_) => crate::paths::display_path(path),
        }
    };
    let mut flags: Vec<Flag> = Vec::new();
    let mut config: Option<(String, PathBuf)> = None;
    if let Some(k) = windows_k {
        let path = k.join("kubeclusterconfig.json");
        if let Some(text) = read(&path, &shown_of(&path)) {
            let shown = shown_of(&path);
            out.files_read.push(shown.clone());
            if let Ok(doc) = serde_json::from_str::<Value>(&text) {
                let args = doc
                    .get("Kubelet")
                    .and_then(|k| k.get("ConfigArgs"))
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                for arg in args.iter().filter_map(Value::as_str) {
                    let line = line_of(&text, arg);
                    flags.extend(flags_of(arg, &shown, line));
                }
            }
        }
    } else {
        // Drop-ins first: on the kubelet's command line they come before $KUBELET_FLAGS.
        let dropins = root.join("etc/systemd/system/kubelet.service.d");
        let confs: Vec<PathBuf> = fs
            .entries(&dropins)
            .into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "conf"))
            .collect();
        for path in confs {
            let shown = shown_of(&path);
            let Some(text) = read(&path, &shown) else { continue };
            out.files_read.push(shown.clone());
            for (n, raw) in text.lines().enumerate() {
                let line = raw.trim();
                let body = line
                    .strip_prefix("Environment=")
                    .map(|e| {
                        let e = e.trim().trim_matches('"');
                        e.split_once('=').map(|(_, v)| v.to_string()).unwrap_or_default()
                    })
                    .or_else(|| line.strip_prefix("ExecStart=").map(str::to_string));
                if let Some(body) = body {
                    flags.extend(flags_of(&body, &shown, n as u32 + 1));
                }
            }
        }
        let defaults = root.join("etc/default/kubelet");
        let shown = shown_of(&defaults);
        if let Some(text) = read(&defaults, &shown) {
            out.files_read.push(shown.clone());
            for (n, raw) in text.lines().enumerate() {
                if let Some(value) = raw.trim().strip_prefix("KUBELET_FLAGS=") {
                    let value = value.trim();
                    let value = value
                        .strip_prefix('"')
                        .and_then(|v| v.strip_suffix('"'))
                        .unwrap_or(value);
                    flags.extend(flags_of(value, &shown, n as u32 + 1));
                }
            }
        }
        if let Some(flag) = flags.iter().rev().find(|f| f.name == "config") {
            if let Some(named) = &flag.value {
                // As the node names it, resolved inside the root: `/../../x` is the root's `x`.
                let inside = fs
                    .real(Path::new(named))
                    .unwrap_or_else(|_| root.join(named.trim_start_matches('/')));
                config = Some((named.clone(), inside));
            }
        } else {
            let path = root.join("etc/default/kubeletconfig.json");
            if fs.is_file(&path) {
                config = Some(("/etc/default/kubeletconfig.json".to_string(), path));
            }
        }
    }

    // The config file first; flags then override it.
    if let Some((named, path)) = &config {
        out.config_file = Some(named.clone());
        let shown = shown_of(path);
        if let Some(text) = read(path, &shown) {
            out.files_read.push(shown.clone());
            let doc: Option<Value> = serde_json::from_str(&text)
                .ok()
                .or_else(|| serde_saphyr::from_str::<Value>(&text).ok());
            if let Some(doc) = doc {
                if let Some(v) = doc.get("rotateCertificates").and_then(Value::as_bool) {
                    out.rotate_certificates =
                        setting(Some(v), &shown, line_of(&text, "rotateCertificates"), "config-file");
                }
                if let Some(v) = doc.get("serverTLSBootstrap").and_then(Value::as_bool) {
                    out.server_tls_bootstrap =
                        setting(Some(v), &shown, line_of(&text, "serverTLSBootstrap"), "config-file");
                }
                if let Some(v) = doc
                    .get("featureGates")
                    .and_then(|g| g.get("RotateKubeletServerCertificate"))
                    .and_then(Value::as_bool)
                {
                    out.rotate_kubelet_server_certificate = setting(
                        Some(v),
                        &shown,
                        line_of(&text, "RotateKubeletServerCertificate"),
                        "config-file",
                    );
                }
            }
        }
    }
    for flag in &flags {
        match flag.name.as_str() {
            "rotate-certificates" => {
                out.rotate_certificates = setting(flag_bool(flag), &flag.file, flag.line, "flag");
            }
            "rotate-server-certificates" => {
                out.server_tls_bootstrap = setting(flag_bool(flag), &flag.file, flag.line, "flag");
            }
            "feature-gates" => {
                if let Some(v) = gate(flag, "RotateKubeletServerCertificate") {
                    out.rotate_kubelet_server_certificate = setting(Some(v), &flag.file, flag.line, "flag");
                }
            }
            _ => {}
        }
    }
    out.files_read.sort();
    out.files_read.dedup();
    out
}

/// The kubelet kubeconfig's mode (`"0600"`) and, when the node root is owned by root, its owner.
#[cfg(unix)]
pub fn kubeconfig_permissions(root: &Path, kubeconfig: &Path, out: &mut KubeletSettings) {
    use std::os::unix::fs::MetadataExt;
    let Ok(meta) = std::fs::metadata(kubeconfig) else {
        return;
    };
    out.kubeconfig_mode = Some(format!("{:04o}", meta.mode() & 0o7777));
    match std::fs::metadata(root) {
        Ok(root_meta) if root_meta.uid() == 0 => {
            out.kubeconfig_owner_uid = Some(meta.uid());
            out.kubeconfig_owner_gid = Some(meta.gid());
        }
        _ => out.kubeconfig_owner_unknown = Some(
            "the node root is not owned by root (a copy, not a node): the kubeconfig's owner on the node is unknown"
                .into(),
        ),
    }
}

/// Windows and other systems: modes and owners are not Unix ones.
#[cfg(not(unix))]
pub fn kubeconfig_permissions(_root: &Path, _kubeconfig: &Path, out: &mut KubeletSettings) {
    out.kubeconfig_owner_unknown = Some("file modes and owners are not read on this system".into());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_parse_like_a_command_line() {
        let flags = flags_of(
            "--rotate-certificates=false --feature-gates=A=true,RotateKubeletServerCertificate=false --config /etc/x.json --v=2 --anonymous-auth",
            "f",
            3,
        );
        let names: Vec<&str> = flags.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(
            names,
            ["rotate-certificates", "feature-gates", "config", "v", "anonymous-auth"]
        );
        assert_eq!(flag_bool(&flags[0]), Some(false));
        assert_eq!(gate(&flags[1], "RotateKubeletServerCertificate"), Some(false));
        assert_eq!(flags[2].value.as_deref(), Some("/etc/x.json"));
        assert_eq!(flag_bool(&flags[4]), Some(true));
        assert_eq!(words("a \"b c\" 'd'"), ["a", "b c", "d"]);
    }

    #[test]
    fn flags_override_the_config_file_and_the_last_flag_wins() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        std::fs::create_dir_all(root.join("etc/default")).expect("mkdir");
        std::fs::create_dir_all(root.join("etc/systemd/system/kubelet.service.d")).expect("mkdir");
        std::fs::write(
            root.join("etc/default/kubeletconfig.json"),
            "{\n  \"kind\": \"KubeletConfiguration\",\n  \"rotateCertificates\": false,\n  \"serverTLSBootstrap\": true\n}\n",
        )
        .expect("write");
        std::fs::write(
            root.join("etc/systemd/system/kubelet.service.d/10-x.conf"),
            "[Service]\nEnvironment=\"KUBELET_EXTRA=--rotate-certificates=false\"\n",
        )
        .expect("write");
        std::fs::write(
            root.join("etc/default/kubelet"),
            "KUBELET_FLAGS=--config=/etc/default/kubeletconfig.json --rotate-certificates=true\nKUBELET_NODE_LABELS=a=b\n",
        )
        .expect("write");
        let mut read = |p: &Path, _: &str| std::fs::read_to_string(p).ok();
        let s = settings(&super::super::rootfs::NodeFs::new(root), "node", None, &mut read);
        assert_eq!(s.rotate_certificates.value, Some(true));
        assert_eq!(s.rotate_certificates.file.as_deref(), Some("node/etc/default/kubelet"));
        assert_eq!(s.rotate_certificates.line, Some(1));
        assert_eq!(s.server_tls_bootstrap.value, Some(true));
        assert_eq!(s.server_tls_bootstrap.from.as_deref(), Some("config-file"));
        assert_eq!(s.server_tls_bootstrap.line, Some(4));
        assert_eq!(
            s.rotate_kubelet_server_certificate.value, None,
            "absent everywhere: unknown"
        );
        assert_eq!(s.config_file.as_deref(), Some("/etc/default/kubeletconfig.json"));
    }
}
