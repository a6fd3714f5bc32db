//! `HTTPS_PROXY` / `NO_PROXY` and the HTTP CONNECT tunnel, written by hand: private AKS API
//! servers are often reached through a proxy, and the tunnel is a few lines of HTTP.
//!
//! The proxy is sent the *host name* (not a resolved address), so that it resolves private DNS.
//! The reply is read one byte at a time up to the blank line, so that no TLS byte is swallowed.

use std::io::{self, Read, Write};

use data_encoding::BASE64;

use super::deadline::DeadlineStream;
use crate::address::Target;

/// Proxy settings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProxyConfig {
    /// The proxy (`HTTPS_PROXY`), when set.
    pub proxy: Option<ProxyUrl>,
    /// `NO_PROXY` entries (host names, `.domain` suffixes, IPs, `*`).
    pub no_proxy: Vec<String>,
}

/// A parsed proxy URL.
#[derive(Clone, PartialEq, Eq)]
pub struct ProxyUrl {
    /// Proxy host and port.
    pub target: Target,
    /// `user:password` from the URL, for `Proxy-Authorization: Basic`.
    pub credentials: Option<String>,
}

impl std::fmt::Debug for ProxyUrl {
    // Credentials never reach logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProxyUrl")
            .field("target", &self.target)
            .field("credentials", &self.credentials.as_ref().map(|_| "<set>"))
            .finish()
    }
}

impl ProxyConfig {
    /// Reads `HTTPS_PROXY` (or `https_proxy`) and `NO_PROXY` (or `no_proxy`) through `get`.
    pub fn from_vars(get: impl Fn(&str) -> Option<String>) -> Result<Self, ProxyError> {
        let first = |names: &[&str]| names.iter().find_map(|n| get(n).filter(|v| !v.trim().is_empty()));
        let proxy = match first(&["HTTPS_PROXY", "https_proxy"]) {
            Some(url) => Some(parse_proxy(&url)?),
            None => None,
        };
        let no_proxy = first(&["NO_PROXY", "no_proxy"])
            .map(|v| {
                v.split(',')
                    .map(|s| s.trim().to_ascii_lowercase())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        Ok(ProxyConfig { proxy, no_proxy })
    }

    /// The proxy to use for `host`, if any. `NO_PROXY` entries are `*`, domain names (`.corp` or
    /// `corp`: the domain and its subdomains), IP addresses, and CIDR ranges (`10.0.0.0/8`,
    /// `fd00::/8`) that an IP literal host falls in, as curl and Go read them; a `:port` suffix
    /// on a name or IPv4 entry is ignored.
    pub fn for_host(&self, host: &str) -> Option<&ProxyUrl> {
        let host = host.to_ascii_lowercase();
        let host_ip: Option<std::net::IpAddr> = host.trim_start_matches('[').trim_end_matches(']').parse().ok();
        let bypass = self.no_proxy.iter().any(|entry| {
            if let Some(inside) = in_cidr(entry, host_ip) {
                return inside;
            }
            let bare = entry.trim_start_matches('[');
            if let (Some(ip), Ok(listed)) = (
                host_ip,
                bare.split(']').next().unwrap_or(bare).parse::<std::net::IpAddr>(),
            ) {
                return ip == listed;
            }
            let entry = entry.split(':').next().unwrap_or(entry);
            entry == "*"
                || host == entry.trim_start_matches('.')
                || host.ends_with(&format!(".{}", entry.trim_start_matches('.')))
        });
        if bypass {
            None
        } else {
            self.proxy.as_ref()
        }
    }
}

/// Whether `ip` is in the CIDR range `entry` (`None` when `entry` is not a range; a host that is
/// not an IP literal is in no range).
fn in_cidr(entry: &str, ip: Option<std::net::IpAddr>) -> Option<bool> {
    use std::net::IpAddr;
    let (network, bits) = entry.split_once('/')?;
    let network: IpAddr = network.trim_start_matches('[').trim_end_matches(']').parse().ok()?;
    let bits: u32 = bits.parse().ok()?;
    let Some(ip) = ip else { return Some(false) };
    Some(match (network, ip) {
        (IpAddr::V4(n), IpAddr::V4(a)) if bits <= 32 => {
            let mask = u32::MAX.checked_shl(32 - bits).unwrap_or(0);
            u32::from(n) & mask == u32::from(a) & mask
        }
        (IpAddr::V6(n), IpAddr::V6(a)) if bits <= 128 => {
            let mask = u128::MAX.checked_shl(128 - bits).unwrap_or(0);
            u128::from(n) & mask == u128::from(a) & mask
        }
        _ => false,
    })
}

/// Why `HTTPS_PROXY` cannot be used. No message repeats the value: it may hold a password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProxyError {
    /// A scheme other than `http://`.
    #[error("HTTPS_PROXY scheme `{0}` is not supported (only http:// proxies)")]
    Scheme(String),
    /// Not a URL of the expected shape.
    #[error("HTTPS_PROXY is not a proxy URL ({SHAPE})")]
    NotAUrl,
    /// No host and port to connect to.
    #[error("HTTPS_PROXY has no usable host and port ({SHAPE})")]
    NoHost,
}

const SHAPE: &str = "expected http://[user:password@]host[:port]; the value is not shown, it may hold a password";

/// Parses `http://[user:password@]host[:port][/]`. Errors never repeat the value: it may hold a
/// password (and a password with a `/` in it is a common reason a URL does not parse).
fn parse_proxy(url: &str) -> Result<ProxyUrl, ProxyError> {
    let rest = match url.split_once("://") {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("http") => rest,
        Some((scheme, _)) if scheme.len() <= 10 && scheme.bytes().all(|b| b.is_ascii_alphanumeric()) => {
            return Err(ProxyError::Scheme(scheme.to_string()))
        }
        Some(_) => return Err(ProxyError::NotAUrl),
        None => url,
    };
    // Credentials end at the last `@`, even when (unescaped) they hold a `/`.
    let (credentials, after) = match rest.rsplit_once('@') {
        Some((c, h)) => (Some(percent_decode(c)), h),
        None => (None, rest),
    };
    let host = after.split(['/', '?', '#']).next().unwrap_or_default();
    let mut target = Target::parse(host).map_err(|_| ProxyError::NoHost)?;
    if !host.contains(':') || host.ends_with(']') {
        target.port = 80;
    }
    Ok(ProxyUrl { target, credentials })
}

/// Decodes `%XX` escapes (user names and passwords in URLs are percent-encoded).
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (
            bytes[i],
            bytes.get(i + 1).copied().and_then(hex),
            bytes.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(hi), Some(lo)) => {
                out.push((hi * 16 + lo) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Opens a CONNECT tunnel to `target` through `proxy`.
pub fn connect(proxy: &ProxyUrl, target: &Target, deadline: std::time::Instant) -> io::Result<DeadlineStream> {
    let mut stream = DeadlineStream::connect(&proxy.target.host, proxy.target.port, deadline)
        .map_err(|e| io::Error::new(e.kind(), format!("proxy {}: {e}", proxy.target.display())))?;
    let authority = target.display();
    let mut request = format!("CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n");
    if let Some(credentials) = &proxy.credentials {
        request.push_str(&format!(
            "Proxy-Authorization: Basic {}\r\n",
            BASE64.encode(credentials.as_bytes())
        ));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes())?;
    let mut reply = Vec::new();
    let mut byte = [0u8; 1];
    while !reply.ends_with(b"\r\n\r\n") {
        if reply.len() > 8192 {
            return Err(io::Error::other("proxy reply headers exceed 8 KiB"));
        }
        match stream.read(&mut byte)? {
            0 => {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "proxy closed the connection during CONNECT",
                ))
            }
            _ => reply.push(byte[0]),
        }
    }
    let status = String::from_utf8_lossy(&reply);
    let line = status.lines().next().unwrap_or_default();
    let code = line.split_whitespace().nth(1).unwrap_or_default();
    if code != "200" {
        return Err(io::Error::other(format!(
            "proxy {} refused CONNECT {authority}: {line}",
            proxy.target.display()
        )));
    }
    Ok(stream)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> ProxyConfig {
        let map: std::collections::HashMap<String, String> =
            pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        ProxyConfig::from_vars(|n| map.get(n).cloned()).expect("valid")
    }

    #[test]
    fn reads_proxy_and_no_proxy() {
        let c = vars(&[
            ("HTTPS_PROXY", "http://user:pw@proxy.corp:3128"),
            ("NO_PROXY", "localhost,.internal, 10.0.0.1"),
        ]);
        let p = c.proxy.clone().expect("proxy");
        assert_eq!(p.target.display(), "proxy.corp:3128");
        assert_eq!(p.credentials.as_deref(), Some("user:pw"));
        assert!(!format!("{p:?}").contains("pw"), "credentials stay out of Debug");
        assert!(c.for_host("api.internal").is_none());
        assert!(c.for_host("localhost").is_none());
        assert!(c.for_host("10.0.0.1").is_none());
        assert!(c.for_host("prod.hcp.westeurope.azmk8s.io").is_some());
    }

    #[test]
    fn no_proxy_cidr_ranges_and_ip_literals() {
        let c = vars(&[
            ("HTTPS_PROXY", "http://proxy.corp:3128"),
            ("NO_PROXY", "127.0.0.0/8, 10.1.0.0/16,fd00::/8,::1,192.168.1.7:443"),
        ]);
        for direct in [
            "127.0.0.1",
            "127.255.0.9",
            "10.1.200.3",
            "fd12::1",
            "[fd12::1]",
            "::1",
            "192.168.1.7",
        ] {
            assert!(c.for_host(direct).is_none(), "{direct}");
        }
        for proxied in [
            "128.0.0.1",
            "10.2.0.1",
            "fe80::1",
            "::2",
            "192.168.1.8",
            "127.example.com",
        ] {
            assert!(c.for_host(proxied).is_some(), "{proxied}");
        }
        assert_eq!(in_cidr("0.0.0.0/0", "8.8.8.8".parse().ok()), Some(true));
        assert_eq!(in_cidr("10.0.0.0/33", "10.0.0.1".parse().ok()), Some(false));
        assert_eq!(in_cidr("corp", None), None);
    }

    #[test]
    fn default_port_and_wildcard() {
        let c = vars(&[("https_proxy", "proxy.corp"), ("no_proxy", "*")]);
        assert_eq!(c.proxy.as_ref().expect("proxy").target.port, 80);
        assert!(c.for_host("anything").is_none());
        assert!(ProxyConfig::from_vars(|n| (n == "HTTPS_PROXY").then(|| "socks5://x:1".to_string())).is_err());
    }

    #[test]
    fn errors_never_repeat_the_value() {
        for bad in [
            "http://u:PW/x@127.0.0.1:port",
            "http://u:S3cr3tPW@",
            "http://u:S3cr3tPW@host:notaport",
            "ftp-ish!://u:S3cr3tPW@host",
        ] {
            let err = ProxyConfig::from_vars(|n| (n == "HTTPS_PROXY").then(|| bad.to_string()))
                .expect_err(bad)
                .to_string();
            assert!(!err.contains("PW"), "{err}");
        }
        // A password with an unescaped `/` still parses, and escapes are decoded.
        let c = vars(&[("HTTPS_PROXY", "http://u:P/W%40x@127.0.0.1:9001")]);
        let p = c.proxy.expect("proxy");
        assert_eq!(p.target.display(), "127.0.0.1:9001");
        assert_eq!(p.credentials.as_deref(), Some("u:P/W@x"));
    }
}
