//! Revocation endpoints read from real certificates of the interop corpus.

use notary_x509::read_certificates;

fn data(rel: &str) -> Vec<u8> {
    let p = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/interop/data/").to_string() + rel;
    std::fs::read(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

#[test]
fn crl_chain_endpoints() {
    let chain = read_certificates(&data("notation-e2e/config/crl/certchain_with_crl.pem")).unwrap();
    assert_eq!(chain.len(), 3);
    assert_eq!(chain[0].crl_urls(), ["http://localhost:10086/leaf.crl"]);
    assert!(chain[0].ocsp_urls().is_empty());
    assert_eq!(
        chain[1].crl_urls(),
        ["http://localhost:10086/intermediate.crl"]
    );
    assert_eq!(chain[1].ocsp_urls(), ["http://localhost.test/ocsp"]);
    assert!(chain[0].has_revocation_endpoints());
    assert!(!chain[2].has_revocation_endpoints());
}

#[test]
fn ocsp_chain_endpoints() {
    let chain =
        read_certificates(&data("notation-e2e/config/ocsp/certchain_with_ocsp.pem")).unwrap();
    assert_eq!(chain[0].ocsp_urls(), ["http://localhost:10087"]);
    assert!(chain[0].crl_urls().is_empty());
}

#[test]
fn freshest_crl_url() {
    let c = read_certificates(&data("notation-core-go/crl/certificateWithDeltaCRL.cer")).unwrap();
    assert_eq!(
        c[0].freshest_crl_urls().unwrap(),
        [
            "http://localhost:80/ejbca/publicweb/webdist/certdist?cmd=deltacrl&issuer=UID%3Dc-0nwwozqvawvao3ech%2CCN%3DManagementCA%2CO%3DEJBCA+Container+Quickstart"
        ]
    );
}

#[test]
fn malformed_freshest_crl_is_an_error_only_when_asked() {
    let c = read_certificates(&data(
        "notation-core-go/crl/certificateWithIncompleteFreshestCRL.cer",
    ))
    .unwrap();
    assert!(c[0].freshest_crl_urls().is_err());
}

/// How CRL distribution point names are read (files made with Python `cryptography`, see
/// `testdata/cdp/README`): a nameRelativeToCRLIssuer makes the certificate unreadable, as in
/// Go's x509 parser (so notation cannot use it either); every URI of a fullName is taken, where
/// Go stops at the first name of another form.
#[test]
fn distribution_point_name_forms() {
    let fixture = |name: &str| {
        std::fs::read(format!(
            "{}/testdata/cdp/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    };
    let e = read_certificates(&fixture("relative-name.der")).unwrap_err();
    assert!(e.to_string().contains("nameRelativeToCRLIssuer"), "{e}");
    let c = read_certificates(&fixture("directory-name-first.der")).unwrap();
    assert_eq!(
        c[0].crl_urls(),
        [
            "http://example.test/a.crl",
            "http://example.test/b.crl",
            "http://example.test/c.crl"
        ]
    );
}
