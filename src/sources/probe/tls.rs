//! The handshake: rustls with the ring provider and a verifier that records the presented chain
//! and accepts it (the checks happen afterwards, in facts and policies, against the CAs the user
//! actually has).
//!
//! The handshake signature is still checked with the provider's algorithms and its outcome
//! recorded, but never returned as an error: some real certificates (v1, explicit curves) are
//! refused by webpki and would otherwise abort the probe.

use std::io;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, ClientConnection, DigitallySignedStruct, SignatureScheme};

use super::deadline::DeadlineStream;
use super::ProbeOptions;
use crate::address::Target;

/// What a probe saw.
#[derive(Debug, Clone)]
pub struct ProbeResult {
    /// The presented chain, leaf first (DER).
    pub chain: Vec<Vec<u8>>,
    /// The server name sent (SNI); `None` for IP literals without `--tls-server-name`.
    pub server_name: Option<String>,
    /// The negotiated protocol (`TLSv1_3`).
    pub protocol: Option<String>,
    /// The handshake signature did not verify with the leaf's key (recorded, not fatal).
    pub signature_problem: Option<String>,
}

#[derive(Debug)]
struct Recorder {
    provider: Arc<CryptoProvider>,
    chain: Mutex<Vec<Vec<u8>>>,
    signature_problem: Mutex<Option<String>>,
}

impl Recorder {
    fn note(
        &self,
        result: Result<HandshakeSignatureValid, rustls::Error>,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        if let Err(e) = result {
            if let Ok(mut slot) = self.signature_problem.lock() {
                *slot = Some(e.to_string());
            }
        }
        Ok(HandshakeSignatureValid::assertion())
    }
}

impl ServerCertVerifier for Recorder {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if let Ok(mut chain) = self.chain.lock() {
            *chain = std::iter::once(end_entity)
                .chain(intermediates)
                .map(|c| c.as_ref().to_vec())
                .collect();
        }
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.note(verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        ))
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.note(verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        ))
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider.signature_verification_algorithms.supported_schemes()
    }
}

/// Connects to `target` and completes a TLS handshake, sending `server_name` (or the host when
/// it is a name) as SNI. Everything, proxy included, happens within `options.timeout`.
pub fn probe(target: &Target, server_name: Option<&str>, options: &ProbeOptions) -> io::Result<ProbeResult> {
    let deadline = Instant::now() + options.timeout;
    let mut stream = match options.proxy.for_host(&target.host) {
        Some(proxy) => super::proxy::connect(proxy, target, deadline)?,
        None => DeadlineStream::connect(&target.host, target.port, deadline)?,
    };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let recorder = Arc::new(Recorder {
        provider: provider.clone(),
        chain: Mutex::new(Vec::new()),
        signature_problem: Mutex::new(None),
    });
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(io::Error::other)?
        .dangerous()
        .with_custom_certificate_verifier(recorder.clone())
        .with_no_client_auth();
    let sni = server_name.map(str::to_string).unwrap_or_else(|| target.host.clone());
    let name = ServerName::try_from(sni.clone()).map_err(|e| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("`{sni}` is not a valid server name: {e}"),
        )
    })?;
    let sent_sni = matches!(name, ServerName::DnsName(_)).then_some(sni);
    let mut conn = ClientConnection::new(Arc::new(config), name).map_err(io::Error::other)?;
    while conn.is_handshaking() {
        match conn.complete_io(&mut stream) {
            Ok((0, 0)) if conn.is_handshaking() => {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the server closed the connection during the TLS handshake",
                ))
            }
            Ok(_) => {}
            Err(e) => return Err(e),
        }
    }
    conn.send_close_notify();
    let _ = conn.complete_io(&mut stream);
    let chain = recorder.chain.lock().map(|c| c.clone()).unwrap_or_default();
    let signature_problem = recorder.signature_problem.lock().ok().and_then(|p| p.clone());
    Ok(ProbeResult {
        chain,
        server_name: sent_sni,
        protocol: conn.protocol_version().map(|v| format!("{v:?}")),
        signature_problem,
    })
}
