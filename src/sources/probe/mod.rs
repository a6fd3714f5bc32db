//! Live TLS probes of API servers: connect (directly or through an HTTP CONNECT proxy), send SNI,
//! accept whatever chain is presented without trusting it (like `curl -k`), and record it.
//!
//! - targets (`HOST[:PORT]`, `https://` URLs from kubeconfigs, IPv6 literals) are parsed by [`crate::address`].
//! - [`proxy`]: `HTTPS_PROXY` / `NO_PROXY` and the CONNECT tunnel.
//! - [`deadline`]: a stream wrapper that bounds the *whole* exchange, not each read: a server that
//!   drips one byte at a time cannot keep a probe alive past its timeout.
//! - [`tls`]: the rustls handshake with a recording verifier.
//!
//! rustls speaks TLS 1.2 and 1.3 only; a server limited to older versions is reported as a probe
//! error.

pub mod deadline;
pub mod proxy;

pub mod tls;

use std::time::Duration;

/// Settings of every probe.
#[derive(Debug, Clone)]
pub struct ProbeOptions {
    /// Overall time limit of one probe (connect, proxy and handshake together).
    pub timeout: Duration,
    /// Proxy settings, read from the environment by the caller.
    pub proxy: proxy::ProxyConfig,
}

impl Default for ProbeOptions {
    fn default() -> Self {
        ProbeOptions {
            timeout: Duration::from_secs(5),
            proxy: proxy::ProxyConfig::default(),
        }
    }
}
