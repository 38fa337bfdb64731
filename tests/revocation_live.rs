//! Revocation against real OpenSSL authorities: `openssl ocsp` answers OCSP requests (one run
//! per request, so a revocation shows on the next request) and `openssl ca -gencrl` makes the
//! CRLs, both behind a loopback HTTP front. PKI from `tests/pki/make-ocsp-crl.sh`.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

mod support;

use base64::Engine as _;
use notary::revocation::{
    Checker, HttpFetcher, RevocationChecker, RevocationPurpose, RevocationStatus,
};
use notary::truststore::{MemoryTrustStore, TrustStoreType};
use notary::{Descriptor, SignOptions, Validation, Verifier};
use notary_trustpolicy::OciTrustPolicy;
use notary_x509::{Certificate, read_certificates};
use time::OffsetDateTime;

struct Pki {
    _dir: tempfile::TempDir,
    path: PathBuf,
    ocsp_down: Arc<AtomicBool>,
}

fn openssl(args: &[&str], cwd: &Path) {
    let o = Command::new("openssl")
        .args(args)
        .current_dir(cwd)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

impl Pki {
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().to_path_buf();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/pki/make-ocsp-crl.sh");
        let o = Command::new("bash")
            .arg(script)
            .arg(&path)
            .arg(port.to_string())
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let ocsp_down = Arc::new(AtomicBool::new(false));
        let (root, down) = (path.clone(), ocsp_down.clone());
        std::thread::spawn(move || {
            for (i, s) in listener.incoming().enumerate() {
                let Ok(s) = s else { continue };
                serve(&root, s, i, &down);
            }
        });
        Self {
            _dir: dir,
            path,
            ocsp_down,
        }
    }

    fn chain(&self) -> Vec<Certificate> {
        read_certificates(&std::fs::read(self.path.join("chain.pem")).unwrap()).unwrap()
    }

    fn revoke(&self, ca: &str, cert: &str) {
        openssl(
            &[
                "ca",
                "-config",
                &format!("{ca}/ca.cnf"),
                "-revoke",
                cert,
                "-crl_reason",
                "keyCompromise",
            ],
            &self.path,
        );
        openssl(
            &[
                "ca",
                "-config",
                &format!("{ca}/ca.cnf"),
                "-gencrl",
                "-crlexts",
                "crl_ext",
                "-out",
                &format!("crl/{ca}.crl.pem"),
            ],
            &self.path,
        );
        openssl(
            &[
                "crl",
                "-in",
                &format!("crl/{ca}.crl.pem"),
                "-outform",
                "DER",
                "-out",
                &format!("crl/{ca}.crl"),
            ],
            &self.path,
        );
    }
}

fn serve(root: &Path, mut s: std::net::TcpStream, i: usize, ocsp_down: &AtomicBool) {
    let req = support::read_request(&s);
    let (method, target, body) = (req.method.as_str(), req.target, req.body);
    let (status, reply): (&str, Vec<u8>) = if let Some(rest) = target.strip_prefix("/ocsp-") {
        let (ca, req) = match (method, rest.split_once('/')) {
            ("GET", Some((ca, enc))) => {
                let b64 = enc
                    .replace("%2B", "+")
                    .replace("%2F", "/")
                    .replace("%3D", "=");
                (
                    ca.to_string(),
                    base64::engine::general_purpose::STANDARD
                        .decode(b64)
                        .unwrap_or_default(),
                )
            }
            _ => (rest.to_string(), body),
        };
        if ocsp_down.load(Ordering::SeqCst) {
            ("503 Service Unavailable", Vec::new())
        } else {
            let (q, a) = (
                root.join(format!("q{i}.der")),
                root.join(format!("a{i}.der")),
            );
            std::fs::write(&q, req).unwrap();
            let o = Command::new("openssl")
                .args([
                    "ocsp",
                    "-index",
                    &format!("{ca}/db/index.txt"),
                    "-CA",
                    &format!("{ca}/ca.crt"),
                ])
                .args([
                    "-rsigner",
                    &format!("{ca}/ocsp.crt"),
                    "-rkey",
                    &format!("{ca}/ocsp.key"),
                    "-nmin",
                    "5",
                ])
                .arg("-reqin")
                .arg(&q)
                .arg("-respout")
                .arg(&a)
                .current_dir(root)
                .output()
                .unwrap();
            if o.status.success() {
                ("200 OK", std::fs::read(&a).unwrap_or_default())
            } else {
                ("500 Internal Server Error", Vec::new())
            }
        }
    } else if let Some(name) = target.strip_prefix("/crl/") {
        match std::fs::read(root.join("crl").join(name)) {
            Ok(b) => ("200 OK", b),
            Err(_) => ("404 Not Found", Vec::new()),
        }
    } else {
        ("404 Not Found", Vec::new())
    };
    support::respond(&mut s, status, "application/octet-stream", &reply);
}

fn check(chain: &[Certificate]) -> RevocationStatus {
    Checker::new_with(
        notary_x509::X509Verifier::new(notary::default_provider()),
        Arc::new(HttpFetcher::new()),
    )
    .check(
        chain,
        RevocationPurpose::CodeSigning,
        None,
        OffsetDateTime::now_utc(),
    )
}

#[test]
fn leaf_and_intermediate_revocation_with_ocsp_and_crl_fallback() {
    let pki = Pki::start();
    let chain = pki.chain();
    assert_eq!(check(&chain), RevocationStatus::Good);

    pki.revoke("inter", "leaf.crt");
    assert!(
        matches!(check(&chain), RevocationStatus::Revoked { .. }),
        "OCSP reports the leaf revoked"
    );
    // Responder down: the CRL fallback still finds the revocation.
    pki.ocsp_down.store(true, Ordering::SeqCst);
    assert!(matches!(check(&chain), RevocationStatus::Revoked { .. }));
    // Responder down and the CRL gone: unknown.
    std::fs::remove_file(pki.path.join("crl/inter.crl")).unwrap();
    assert!(matches!(check(&chain), RevocationStatus::Unknown { .. }));
}

#[test]
fn revoked_intermediate_and_the_verifier_levels() {
    let pki = Pki::start();
    let chain = pki.chain();
    pki.revoke("root", "inter/ca.crt");
    match check(&chain) {
        RevocationStatus::Revoked { reason } => {
            assert!(reason.contains("Intermediate"), "{reason}")
        }
        other => panic!("expected the intermediate revoked, got {other:?}"),
    }

    // Through the verifier: strict enforces, permissive logs.
    let now = OffsetDateTime::now_utc();
    let signer = notary_crypto::LocalSigner::from_files(
        &pki.path.join("leaf.key"),
        &pki.path.join("chain.pem"),
    )
    .unwrap();
    let reference = "registry.example/app@sha256:b8479de3f88fb259a0a9ea82a5b2a052a1ef3c4ebbcfc61482d5ae4c831f8af9";
    let target = Descriptor::new(
        "application/vnd.oci.image.manifest.v1+json",
        reference.rsplit_once('@').unwrap().1.parse().unwrap(),
        942,
    );
    let env = notary::sign_artifact(&target, &signer, &SignOptions::new(now))
        .unwrap()
        .bytes;
    let verifier = |level: &str| {
        let mut store = MemoryTrustStore::new(notary::default_provider());
        store
            .add(TrustStoreType::Ca, "s", vec![chain[2].clone()])
            .unwrap();
        let policy = format!(
            r#"{{"version":"1.0","trustPolicies":[{{"name":"p","registryScopes":["*"],"signatureVerification":{{"level":"{level}"}},"trustStores":["ca:s"],"trustedIdentities":["*"]}}]}}"#
        );
        notary::NotaryVerifier::new(notary::default_provider(), Arc::new(store))
            .with_oci_policy(OciTrustPolicy::from_json(policy.as_bytes()).unwrap())
            .with_revocation(Arc::new(Checker::new_with(
                notary_x509::X509Verifier::new(notary::default_provider()),
                Arc::new(HttpFetcher::new()),
            )))
    };
    let e = verifier("strict")
        .verify(notary::VerifyRequest::oci(
            &env,
            notary::EnvelopeMediaType::Jws,
            scope_of(reference),
            &target,
            now,
        ))
        .unwrap_err();
    assert_eq!(e.validation(), Some(Validation::Revocation), "{e}");
    let out = verifier("permissive")
        .verify(notary::VerifyRequest::oci(
            &env,
            notary::EnvelopeMediaType::Jws,
            scope_of(reference),
            &target,
            now,
        ))
        .unwrap();
    assert!(out.warnings().any(|(v, _)| v == Validation::Revocation));
}

/// The `registry/repository` of a digest reference (what the trust policy is selected by).
fn scope_of(reference: &str) -> &str {
    reference
        .split_once('@')
        .map_or(reference, |(scope, _)| scope)
}

/// An OCSP response the issuing CA signs itself. OpenSSL's responder embeds the signer's
/// certificate by default, which Go (and so notation) reads as a delegated responder and
/// refuses; without it (`-resp_no_certs`) the response is the issuer's and is read.
#[test]
fn an_ocsp_response_signed_by_the_issuing_ca_itself() {
    let pki = Pki::start();
    let chain = pki.chain();
    let dir = &pki.path;
    openssl(
        &[
            "ocsp",
            "-issuer",
            "inter/ca.crt",
            "-cert",
            "leaf.crt",
            "-no_nonce",
            "-reqout",
            "self-q.der",
        ],
        dir,
    );
    let respond = |extra: &[&str], out: &str| {
        let mut args = vec![
            "ocsp",
            "-index",
            "inter/db/index.txt",
            "-CA",
            "inter/ca.crt",
            "-rsigner",
            "inter/ca.crt",
            "-rkey",
            "inter/ca.key",
            "-nmin",
            "5",
            "-reqin",
            "self-q.der",
            "-respout",
            out,
        ];
        args.extend_from_slice(extra);
        openssl(&args, dir);
        std::fs::read(dir.join(out)).unwrap()
    };
    let x509 = notary_x509::X509Verifier::new(notary::default_provider());
    let evaluate = |response: &[u8]| {
        notary_revocation::ocsp::evaluate_with(
            &x509,
            response,
            &chain[0],
            &chain[1],
            None,
            OffsetDateTime::now_utc(),
        )
    };
    assert_eq!(
        evaluate(&respond(&["-resp_no_certs"], "self-bare.der")).unwrap(),
        notary::revocation::CertStatus::Good
    );
    let e = evaluate(&respond(&[], "self-with-cert.der")).unwrap_err();
    assert!(
        e.to_string().contains(
            "the OCSP response carries the issuer's own certificate as its signer, which is read \
             as a delegated responder and is not one (not issued by the issuer); a response the \
             issuer signs must carry no certificates (OpenSSL: -resp_no_certs)"
        ),
        "{e}"
    );
}
