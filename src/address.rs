//! Probe targets as users and kubeconfigs write them.

/// A host and port to probe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Host name or IP literal (IPv6 without brackets).
    pub host: String,
    /// TCP port.
    pub port: u16,
}

/// Why a target cannot be probed. Each names the target without any `user:password@`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AddressError {
    /// `[` without `]`.
    #[error("`{0}`: unclosed `[` in an IPv6 address")]
    UnclosedBracket(String),
    /// No host at all.
    #[error("`{0}` names no host")]
    NoHost(String),
    /// Control characters or spaces (a `server` with CR/LF would become header lines of a
    /// proxy's `CONNECT` request).
    #[error("`{0}` holds control characters or spaces")]
    Controls(String),
    /// A port that is not a number from 0 to 65535.
    #[error("`{target}`: `{port}` is not a port number")]
    BadPort {
        /// The target.
        target: String,
        /// The port text.
        port: String,
    },
}

impl Target {
    /// Parses `host`, `host:port`, `[::1]:6443`, `::1`, or a URL such as
    /// `https://prod-abc.hcp.westeurope.azmk8s.io:443/path` (the port defaults to 443).
    pub fn parse(text: &str) -> Result<Target, AddressError> {
        let text = text.trim();
        // Errors name the target without any `user:password@` it came with.
        let shown = crate::sanitize::without_userinfo(text);
        let original: &str = &shown;
        if text
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || crate::sanitize::is_invisible(c))
        {
            return Err(AddressError::Controls(crate::sanitize::terminal(original)));
        }
        let rest = text.split_once("://").map(|(_, r)| r).unwrap_or(original);
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        let authority = authority.rsplit_once('@').map(|(_, h)| h).unwrap_or(authority);
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let (host, after) = v6
                .split_once(']')
                .ok_or_else(|| AddressError::UnclosedBracket(original.to_string()))?;
            (host.to_string(), after.strip_prefix(':'))
        } else if authority.matches(':').count() > 1 {
            (authority.to_string(), None)
        } else {
            match authority.split_once(':') {
                Some((h, p)) => (h.to_string(), Some(p)),
                None => (authority.to_string(), None),
            }
        };
        if host.is_empty() {
            return Err(AddressError::NoHost(original.to_string()));
        }
        let port = match port {
            None | Some("") => 443,
            Some(p) => p.parse().map_err(|_| AddressError::BadPort {
                target: original.to_string(),
                port: p.to_string(),
            })?,
        };
        Ok(Target {
            host: host.to_ascii_lowercase(),
            port,
        })
    }

    /// `host:port`, with IPv6 literals in brackets.
    pub fn display(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    /// The host is an IP literal (no SNI is sent for those).
    pub fn is_ip(&self) -> bool {
        self.host.parse::<std::net::IpAddr>().is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_spaces_are_refused_before_any_request() {
        for bad in [
            "https://prod.example\r\nX-Injected: 1",
            "prod.example\n:443",
            "https://prod example:443",
            "https://prod.example\u{202e}:443",
            "https://prod.example\u{2028}x:443",
        ] {
            assert!(matches!(Target::parse(bad), Err(AddressError::Controls(_))), "{bad:?}");
        }
        let Err(e) = Target::parse("https://u:secret@pr\r\nod") else {
            panic!("refused")
        };
        assert!(
            !e.to_string().contains("secret") && !e.to_string().contains('\r'),
            "{e}"
        );
    }

    fn t(s: &str) -> (String, u16) {
        let t = Target::parse(s).expect("parses");
        (t.host, t.port)
    }

    #[test]
    fn parses_the_forms_users_and_kubeconfigs_use() {
        assert_eq!(
            t("prod.hcp.westeurope.azmk8s.io"),
            ("prod.hcp.westeurope.azmk8s.io".into(), 443)
        );
        assert_eq!(t("https://Prod.example:6443/api?x"), ("prod.example".into(), 6443));
        assert_eq!(t("[::1]:8443"), ("::1".into(), 8443));
        assert_eq!(t("https://[fd00::1]"), ("fd00::1".into(), 443));
        assert_eq!(t("fd00::1"), ("fd00::1".into(), 443));
        assert_eq!(t("127.0.0.1:9"), ("127.0.0.1".into(), 9));
        assert!(Target::parse("https://").is_err());
        assert!(Target::parse("host:http").is_err());
    }

    #[test]
    fn displays_ipv6_in_brackets() {
        assert_eq!(Target::parse("[::1]:1").expect("ok").display(), "[::1]:1");
    }
}
