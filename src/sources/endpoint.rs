//! `--endpoint HOST[:PORT]` (and `--probe-kubeconfig-servers`): the chain a live API server
//! presents, read by a TLS probe (see [`super::probe`]), as facts.
//!
//! Every certificate of the chain is recorded with source kind `endpoint`, its position in the
//! chain, and the path `tls://host:port` (a URI, not a file: reports point findings about it at the
//! facts document). Whether the chain verifies against each kubeconfig CA for that server and
//! whether the host name matches the leaf are computed here and in
//! [`crate::facts::derive::signatures`].

use crate::address::Target;
use crate::facts::model::*;
use crate::facts::part::Part;
use crate::facts::x509::analyze;
use crate::sources::context::CollectContext;
use crate::sources::probe::tls::probe;
use crate::sources::read::input::error;

/// Probes one endpoint.
pub fn collect(text: &str, server_name: Option<&str>, ctx: &CollectContext) -> Part {
    let target = match Target::parse(text) {
        Ok(t) => t,
        Err(message) => {
            // Named like its certificates (`tls://host:port`): no file, so SARIF locates the
            // error at the facts document, which is then written.
            let text = format!("tls://{}", crate::sanitize::without_userinfo(text));
            return Part::for_source(SourceKind::Endpoint, &text).with_error(error(
                SourceKind::Endpoint,
                &text,
                ErrorKind::Unsupported,
                message.to_string(),
            ));
        }
    };
    let shown = target.display();
    let place = format!("tls://{shown}");
    let mut out = Part::for_source(SourceKind::Endpoint, &shown);
    let result = match probe(&target, server_name, &ctx.probe) {
        Ok(r) => r,
        Err(e) => {
            let proxied = ctx
                .probe
                .proxy
                .for_host(&target.host)
                .map(|p| format!(" (through proxy {})", p.target.display()))
                .unwrap_or_default();
            return out.with_error(error(
                SourceKind::Endpoint,
                &place,
                ErrorKind::Probe,
                format!("TLS probe failed{proxied}: {e}"),
            ));
        }
    };
    out.source.files_read = 1;
    let mut fact = EndpointFact {
        endpoint: shown.clone(),
        host: target.host.clone(),
        port: target.port,
        server_name: result.server_name.clone(),
        ..Default::default()
    };
    if result.chain.is_empty() {
        out.facts.errors.push(error(
            SourceKind::Endpoint,
            &place,
            ErrorKind::Probe,
            "the server presented no certificate",
        ));
    }
    for (index, der) in result.chain.into_iter().enumerate() {
        let origin = CertificateOrigin {
            kind: Some(SourceKind::Endpoint),
            path: place.clone(),
            index: index as u32,
            encoding: "der".into(),
            endpoint: Some(shown.clone()),
            ..Default::default()
        };
        let role = if index == 0 {
            CertificateRole::Apiserver
        } else {
            CertificateRole::ChainIntermediate
        };
        match analyze(der, origin, role) {
            Ok(cert) => {
                if index == 0 {
                    fact.hostname_matches = Some(hostname_matches(&cert.sans, server_name.unwrap_or(&target.host)));
                }
                fact.chain.push(cert.id.clone());
                out.facts.certificates.push(cert);
            }
            Err(message) => out.facts.errors.push(error(
                SourceKind::Endpoint,
                &shown,
                ErrorKind::MalformedCertificate,
                format!("certificate {index} of the presented chain: {message}"),
            )),
        }
    }
    out.facts.endpoints.push(fact);
    out
}

/// Whether `host` matches one of the leaf's SANs (`DNS:` with a single-label `*.` wildcard, `IP:`).
pub fn hostname_matches(sans: &[String], host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    sans.iter().any(|san| {
        if let Some(dns) = san.strip_prefix("DNS:") {
            let dns = dns.trim_end_matches('.').to_ascii_lowercase();
            match dns.strip_prefix("*.") {
                Some(suffix) => host
                    .split_once('.')
                    .is_some_and(|(label, rest)| !label.is_empty() && rest == suffix),
                None => dns == host,
            }
        } else if let Some(ip) = san.strip_prefix("IP:") {
            ip.parse::<std::net::IpAddr>().ok() == host.parse::<std::net::IpAddr>().ok()
                && host.parse::<std::net::IpAddr>().is_ok()
        } else {
            false
        }
    })
}

#[cfg(test)]
mod tests {
    use super::hostname_matches;

    #[test]
    fn host_names_match_sans() {
        let sans = vec![
            "DNS:prod.hcp.westeurope.azmk8s.io".to_string(),
            "DNS:*.example.com".into(),
            "IP:127.0.0.1".into(),
            "IP:::1".into(),
        ];
        assert!(hostname_matches(&sans, "PROD.hcp.westeurope.azmk8s.io"));
        assert!(hostname_matches(&sans, "a.example.com"));
        assert!(!hostname_matches(&sans, "a.b.example.com"));
        assert!(hostname_matches(&sans, "127.0.0.1"));
        assert!(hostname_matches(&sans, "::1"));
        assert!(!hostname_matches(&sans, "evil.com"));
    }
}
