//! CRL scope against real OpenSSL CRLs (`openssl ca -gencrl`) served over loopback HTTP: a delta
//! CRL served at the base URL, issuingDistributionPoint scopes, and a proper base + delta.
//! PKI from `tests/pki/make-ocsp-crl.sh`; the OCSP responders answer 503, so every check falls
//! back to the CRLs.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use notary_revocation::{CachedCrl, CertStatus, Checker, CrlCache, HttpFetcher, StaticFetcher};
use notary_x509::{Certificate, read_certificates};
use time::OffsetDateTime;

struct Pki {
    _dir: tempfile::TempDir,
    path: PathBuf,
    port: u16,
}

fn run(cmd: &mut Command) {
    let o = cmd.output().unwrap();
    assert!(
        o.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// Answers `GET /crl/NAME` from `root/crl/NAME`; everything else (the OCSP responders) is 503.
fn serve(root: &Path, mut s: TcpStream) {
    let mut r = BufReader::new(s.try_clone().unwrap());
    let mut first = String::new();
    let _ = r.read_line(&mut first);
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
    }
    let target = first.split_whitespace().nth(1).unwrap_or("").to_string();
    let (status, body) = match target.strip_prefix("/crl/") {
        Some(name) if !name.contains('/') && !name.contains("..") => {
            match std::fs::read(root.join("crl").join(name)) {
                Ok(b) => ("200 OK", b),
                Err(_) => ("404 Not Found", Vec::new()),
            }
        }
        _ => ("503 Service Unavailable", Vec::new()),
    };
    let _ = write!(
        s,
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = s.write_all(&body);
}

impl Pki {
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().to_path_buf();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/pki/make-ocsp-crl.sh");
        run(Command::new("bash")
            .arg(script)
            .arg(&path)
            .arg(port.to_string()));
        let root = path.clone();
        std::thread::spawn(move || {
            for s in listener.incoming() {
                let Ok(s) = s else { continue };
                serve(&root, s);
            }
        });
        Self {
            _dir: dir,
            path,
            port,
        }
    }

    fn chain(&self) -> Vec<Certificate> {
        read_certificates(&std::fs::read(self.path.join("chain.pem")).unwrap()).unwrap()
    }

    fn url(&self, name: &str) -> String {
        format!("http://127.0.0.1:{}/crl/{name}", self.port)
    }

    /// A config for CA `ca` that uses the revocation database `db` (created empty) and has
    /// the extra `sections` (CRL extension sections for `-crlexts`).
    fn config(&self, ca: &str, db: &str, sections: &str) -> String {
        let base = std::fs::read_to_string(self.path.join(ca).join("ca.cnf")).unwrap();
        let conf = base.replace("$dir/db/index.txt", &format!("$dir/db/{db}"));
        let dbp = self.path.join(ca).join("db").join(db);
        if !dbp.exists() {
            std::fs::write(&dbp, "").unwrap();
        }
        let name = format!("{ca}/{}.cnf", db.replace('.', "-"));
        std::fs::write(self.path.join(&name), format!("{conf}\n{sections}\n")).unwrap();
        name
    }

    /// The CRL number the next `-gencrl` of `ca` gets (hex, as in the crlnumber file).
    fn next_crl_number(&self, ca: &str) -> String {
        std::fs::read_to_string(self.path.join(ca).join("db/crlnumber"))
            .unwrap()
            .trim()
            .to_string()
    }

    fn revoke(&self, conf: &str, cert: &str) {
        run(Command::new("openssl")
            .args(["ca", "-config", conf, "-revoke", cert])
            .args(["-crl_reason", "keyCompromise"])
            .current_dir(&self.path));
    }

    /// Generates a CRL with `conf` and the `-crlexts` section `exts`, stored (DER) as
    /// `crl/NAME`; returns the DER.
    fn gencrl(&self, conf: &str, exts: &str, name: &str) -> Vec<u8> {
        let pem = format!("crl/{name}.pem");
        run(Command::new("openssl")
            .args(["ca", "-config", conf, "-gencrl", "-crlexts", exts])
            .args(["-out", &pem])
            .current_dir(&self.path));
        run(Command::new("openssl")
            .args(["crl", "-in", &pem, "-outform", "DER", "-out"])
            .arg(format!("crl/{name}"))
            .current_dir(&self.path));
        std::fs::read(self.path.join("crl").join(name)).unwrap()
    }
}

fn status(chain: &[Certificate], i: usize) -> CertStatus {
    Checker::new_with(x509(), Arc::new(HttpFetcher::new())).check_certificate(
        &chain[i],
        &chain[i + 1],
        None,
        OffsetDateTime::now_utc(),
    )
}

fn assert_unknown(s: CertStatus, why: &str) {
    match s {
        CertStatus::Unknown(reason) => assert!(
            reason.contains(why),
            "expected an unknown status naming {why:?}, got {reason}"
        ),
        other => panic!("expected an unknown status ({why}), got {other:?}"),
    }
}

#[test]
fn delta_crl_served_at_the_base_url_is_no_evidence() {
    let pki = Pki::start();
    let chain = pki.chain();
    // The leaf is revoked on the current base CRL.
    let base_number = pki.next_crl_number("inter");
    pki.revoke("inter/ca.cnf", "leaf.crt");
    pki.gencrl("inter/ca.cnf", "crl_ext", "inter.crl");
    assert!(matches!(status(&chain, 0), CertStatus::Revoked(_)));
    // The CA's next delta lists only revocations since that base: not the leaf. Served at
    // the base URL it would hide the revocation.
    let conf = pki.config(
        "inter",
        "delta-index.txt",
        &format!(
            "[ delta_ext ]\nauthorityKeyIdentifier = keyid:always\ndeltaCRL = critical,ASN1:INTEGER:0x{base_number}\n"
        ),
    );
    let delta = pki.gencrl(&conf, "delta_ext", "inter.crl");
    assert!(
        notary_revocation::crl::Crl::parse(&delta)
            .unwrap()
            .delta_crl_indicator
            .is_some()
    );
    assert_unknown(status(&chain, 0), "delta CRL");

    // Nor is it cached as a base CRL.
    let cache_dir = tempfile::tempdir().unwrap();
    let cache = CrlCache::new_with(&provider(), cache_dir.path().join("crl"));
    let st = Checker::new_with(x509(), Arc::new(HttpFetcher::new()))
        .with_cache(cache.clone())
        .check_certificate(&chain[0], &chain[1], None, OffsetDateTime::now_utc());
    assert_unknown(st, "delta CRL");
    let url = pki.url("inter.crl");
    assert_eq!(cache.get(&url, OffsetDateTime::now_utc()), None);
    // A cache entry holding the delta as its base CRL is refused too.
    cache
        .set(
            &url,
            &CachedCrl {
                base: delta,
                delta: None,
            },
        )
        .unwrap();
    let st = Checker::new_with(x509(), Arc::new(StaticFetcher::new()))
        .with_cache(cache)
        .check_certificate(&chain[0], &chain[1], None, OffsetDateTime::now_utc());
    assert_unknown(st, "delta CRL");
}

#[test]
fn base_and_delta_crl_detect_a_revocation_in_the_delta() {
    let pki = Pki::start();
    let chain = pki.chain();
    let base_number = pki.next_crl_number("inter");
    let conf = pki.config(
        "inter",
        "index.txt",
        &format!(
            "[ base_ext ]\nauthorityKeyIdentifier = keyid:always\nfreshestCRL = URI:{}\n\
             [ delta_ext ]\nauthorityKeyIdentifier = keyid:always\ndeltaCRL = critical,ASN1:INTEGER:0x{base_number}\n",
            pki.url("inter-delta.crl")
        ),
    );
    pki.gencrl(&conf, "base_ext", "inter.crl");
    // The delta database holds the revocations since the base.
    let delta_conf = pki.config(
        "inter",
        "delta-index.txt",
        &format!(
            "[ delta_ext ]\nauthorityKeyIdentifier = keyid:always\ndeltaCRL = critical,ASN1:INTEGER:0x{base_number}\n"
        ),
    );
    pki.gencrl(&delta_conf, "delta_ext", "inter-delta.crl");
    assert_eq!(status(&chain, 0), CertStatus::Good);
    pki.revoke(&delta_conf, "leaf.crt");
    pki.gencrl(&delta_conf, "delta_ext", "inter-delta.crl");
    match status(&chain, 0) {
        CertStatus::Revoked(why) => assert!(why.contains("inter.crl"), "{why}"),
        other => panic!("the delta revokes the leaf, got {other:?}"),
    }
}

/// A CRL of `inter` (leaf CRL) or `root` (intermediate CRL) with an issuingDistributionPoint
/// `idp` (openssl `issuingDistributionPoint` section body), made from a database in which the
/// certificate is not revoked: if the scope were ignored it would say "good".
fn scoped(pki: &Pki, ca: &str, name: &str, idp: &str) {
    let conf = pki.config(
        ca,
        &format!("scoped-{name}.txt"),
        &format!(
            "[ scoped_ext ]\nauthorityKeyIdentifier = keyid:always\n\
             issuingDistributionPoint = critical,@idp\n[ idp ]\n{idp}\n"
        ),
    );
    let file = if ca == "inter" {
        "inter.crl"
    } else {
        "root.crl"
    };
    pki.gencrl(&conf, "scoped_ext", file);
}

#[test]
fn issuing_distribution_point_scope_is_honoured() {
    let pki = Pki::start();
    let chain = pki.chain();
    let leaf_url = pki.url("inter.crl");
    let inter_url = pki.url("root.crl");
    // Truth: both are revoked on their CAs' complete CRLs.
    pki.revoke("inter/ca.cnf", "leaf.crt");
    pki.revoke("root/ca.cnf", "inter/ca.crt");

    // Only CA certificates: no evidence for the leaf.
    scoped(&pki, "inter", "ca-only", "onlyCA = TRUE");
    assert_unknown(status(&chain, 0), "onlyContainsCACerts");
    // Only user certificates: no evidence for the intermediate (a CA).
    scoped(&pki, "root", "user-only", "onlyuser = TRUE");
    assert_unknown(status(&chain, 1), "onlyContainsUserCerts");
    // Only attribute certificates.
    scoped(&pki, "inter", "aa-only", "onlyAA = TRUE");
    assert_unknown(status(&chain, 0), "onlyContainsAttributeCerts");
    // Some reasons only: not complete evidence of good status.
    scoped(&pki, "inter", "reasons", "onlysomereasons = keyCompromise");
    assert_unknown(status(&chain, 0), "onlySomeReasons");
    // Indirect CRLs are not supported.
    scoped(&pki, "inter", "indirect", "indirectCRL = TRUE");
    assert_unknown(status(&chain, 0), "indirect");
    // A distribution point name that is not the URL the CRL was fetched from.
    scoped(
        &pki,
        "inter",
        "other-dp",
        &format!("fullname = URI:{}", pki.url("other.crl")),
    );
    assert_unknown(status(&chain, 0), "distribution point");

    // In scope: a user-certificate CRL for this distribution point is evidence both ways.
    scoped(
        &pki,
        "inter",
        "in-scope",
        &format!("fullname = URI:{leaf_url}\nonlyuser = TRUE"),
    );
    assert_eq!(status(&chain, 0), CertStatus::Good);
    let conf = pki.config("inter", "scoped-in-scope.txt", "");
    pki.revoke(&conf, "leaf.crt");
    scoped(
        &pki,
        "inter",
        "in-scope",
        &format!("fullname = URI:{leaf_url}\nonlyuser = TRUE"),
    );
    assert!(matches!(status(&chain, 0), CertStatus::Revoked(_)));
    scoped(
        &pki,
        "root",
        "ca-scope",
        &format!("fullname = URI:{inter_url}\nonlyCA = TRUE"),
    );
    assert_eq!(status(&chain, 1), CertStatus::Good);
    // A partial-reasons CRL that lists the certificate is evidence of revocation.
    let conf = pki.config("inter", "scoped-reasons.txt", "");
    pki.revoke(&conf, "leaf.crt");
    scoped(&pki, "inter", "reasons", "onlysomereasons = keyCompromise");
    assert!(matches!(status(&chain, 0), CertStatus::Revoked(_)));

    // An unknown critical CRL extension fails closed.
    let conf = pki.config(
        "inter",
        "index.txt",
        "[ crit_ext ]\nauthorityKeyIdentifier = keyid:always\n1.3.6.1.4.1.55555.1 = critical,ASN1:NULL\n",
    );
    let der = pki.gencrl(&conf, "crit_ext", "inter.crl");
    assert!(matches!(
        notary_revocation::crl::Crl::parse(&der),
        Err(e) if e.to_string().contains("1.3.6.1.4.1.55555.1")
    ));
    assert_unknown(status(&chain, 0), "1.3.6.1.4.1.55555.1");
}

/// These tests exercise HTTP and CRL scope handling; one provider is enough.
fn provider() -> notary_core::crypto::CryptoProvider {
    notary_provider_aws_lc_rs::provider()
}

fn x509() -> notary_x509::X509Verifier {
    notary_x509::X509Verifier::new(provider())
}
