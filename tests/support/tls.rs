//! A TLS front for the loopback test servers: a test CA (rcgen) issues a server certificate for
//! 127.0.0.1 and `localhost`, and each TLS connection's HTTP/1.1 request is passed to a plain
//! HTTP backend (e.g. the OpenSSL TSA front of `support::start_tsa`) and its answer sent back.
//! Included with `#[path = ".../tests/support/tls.rs"] mod tls;` by the tests that need it
//! (top-level tests and the registry and revocation crates' tests).
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;

/// The test CA and the server configuration it issued.
pub struct TestTls {
    /// The CA certificate, DER.
    pub ca_der: Vec<u8>,
    /// The CA certificate, PEM (for `SSL_CERT_FILE`).
    pub ca_pem: String,
    config: Arc<rustls::ServerConfig>,
}

impl TestTls {
    /// The server configuration (certificate for 127.0.0.1 and `localhost`, chain with the CA),
    /// for tests that run their own TLS servers.
    pub fn config(&self) -> Arc<rustls::ServerConfig> {
        self.config.clone()
    }

    pub fn new() -> Self {
        Self::with_leaf(&["localhost", "127.0.0.1"], |_| {})
    }

    /// A CA and a server certificate for `names` (DNS names or IP addresses), which `adjust`
    /// may change further (validity, say) before the CA signs it.
    pub fn with_leaf(names: &[&str], adjust: impl FnOnce(&mut rcgen::CertificateParams)) -> Self {
        let ca_key = rcgen::KeyPair::generate().unwrap();
        let mut ca = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        ca.distinguished_name
            .push(rcgen::DnType::CommonName, "Notary Test HTTPS CA");
        ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca.key_usages = vec![
            rcgen::KeyUsagePurpose::KeyCertSign,
            rcgen::KeyUsagePurpose::CrlSign,
        ];
        let ca_cert = ca.self_signed(&ca_key).unwrap();
        let issuer = rcgen::Issuer::new(ca, ca_key);
        let key = rcgen::KeyPair::generate().unwrap();
        let mut leaf = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        for n in names {
            leaf.subject_alt_names.push(match n.parse() {
                Ok(ip) => rcgen::SanType::IpAddress(ip),
                Err(_) => rcgen::SanType::DnsName((*n).try_into().unwrap()),
            });
        }
        leaf.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
        adjust(&mut leaf);
        let cert = leaf.signed_by(&key, &issuer).unwrap();
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(
                vec![cert.der().clone(), ca_cert.der().clone()],
                rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
            )
            .unwrap();
        Self {
            ca_der: ca_cert.der().to_vec(),
            ca_pem: ca_cert.pem(),
            config: Arc::new(config),
        }
    }

    /// Serves `https://127.0.0.1:PORT/...` in front of the plain-HTTP `backend` URL
    /// (`http://127.0.0.1:P/path`); returns the HTTPS URL of the same path.
    pub fn front(&self, backend: &str) -> String {
        let rest = backend.strip_prefix("http://").unwrap();
        let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        let host = host.to_string();
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("https://{}{path}", l.local_addr().unwrap());
        let config = self.config.clone();
        std::thread::spawn(move || {
            for s in l.incoming() {
                let Ok(s) = s else { continue };
                let (config, host) = (config.clone(), host.clone());
                std::thread::spawn(move || relay(config, s, &host));
            }
        });
        url
    }
}

/// One request over TLS → the backend (which answers and closes) → the answer back over TLS.
fn relay(config: Arc<rustls::ServerConfig>, s: TcpStream, backend: &str) {
    let conn = rustls::ServerConnection::new(config).unwrap();
    let mut tls = rustls::StreamOwned::new(conn, s);
    let mut request = Vec::new();
    let mut len = 0usize;
    {
        let mut r = BufReader::new(&mut tls);
        loop {
            let mut line = String::new();
            if r.read_line(&mut line).unwrap_or(0) == 0 {
                return; // handshake refused or nothing sent
            }
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                len = v.trim().parse().unwrap_or(0);
            }
            request.extend_from_slice(line.as_bytes());
            if line == "\r\n" {
                break;
            }
        }
        let mut body = vec![0u8; len];
        if r.read_exact(&mut body).is_err() {
            return;
        }
        request.extend_from_slice(&body);
    }
    let mut up = TcpStream::connect(backend).unwrap();
    up.write_all(&request).unwrap();
    let mut answer = Vec::new();
    let _ = up.read_to_end(&mut answer);
    let _ = tls.write_all(&answer);
    tls.conn.send_close_notify();
    let _ = tls.flush();
}
