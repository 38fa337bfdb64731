//! Runs exactly the `cert-file-read`, `tsa-root-cert-file` and `tsa-chain-validate` cases of
//! the shared interop corpus (cases.json) and asserts each expected outcome.

#[macro_use]
mod common;

use common::*;
use notary_x509::{Error, read_certificates};
use time::format_description::well_known::Rfc3339;

for_each_provider! {
    /// The validation notation reports for an error of these checks.
    fn validation_of(check: &str, e: &Error) -> &'static str {
        match e {
            Error::Parse { .. } | Error::NoCertificates => "parse",
            _ if check == "cert-file-read" => "parse",
            _ => "authentic_timestamp",
        }
    }

    #[test]
    fn interop_certificate_cases() {
        let text = read(&format!(
            "{}/../../../shared/interop/cases.json",
            env!("CARGO_MANIFEST_DIR")
        ));
        let doc: serde_json::Value = serde_json::from_slice(&text).unwrap();
        let cases = doc["cases"].as_array().unwrap();
        let mut ran = 0;
        for case in cases {
            let check = case["check"].as_str().unwrap();
            if !matches!(
                check,
                "cert-file-read" | "tsa-root-cert-file" | "tsa-chain-validate"
            ) {
                continue;
            }
            let id = case["id"].as_str().unwrap();
            let input = &case["input"];
            let outcome: Result<(), Error> = match check {
                "cert-file-read" => {
                    read_certificates(&read(&interop(input["path"].as_str().unwrap()))).map(|_| ())
                }
                "tsa-root-cert-file" => {
                    validate_tsa_root_certificate(&read(&interop(input["path"].as_str().unwrap())))
                        .map(|_| ())
                }
                _ => {
                    let at = input
                        .get("at_time")
                        .and_then(|v| v.as_str())
                        .map(|s| time::OffsetDateTime::parse(s, &Rfc3339).unwrap());
                    let mut chain = Vec::new();
                    let mut err = None;
                    for p in input["chain"].as_array().unwrap() {
                        match read_certificates(&read(&interop(p.as_str().unwrap()))) {
                            Ok(c) => chain.extend(c),
                            Err(e) => {
                                err = Some(e);
                                break;
                            }
                        }
                    }
                    match err {
                        Some(e) => Err(e),
                        None => validate_timestamping_chain(&chain, at),
                    }
                }
            };
            match (case["expected"].as_str().unwrap(), outcome) {
                ("pass", Ok(())) => {}
                ("fail", Err(e)) => {
                    let want = case["expected_validation"].as_str().unwrap();
                    assert_eq!(validation_of(check, &e), want, "{id}: {e}");
                }
                (want, got) => panic!("{id}: expected {want}, got {got:?}"),
            }
            ran += 1;
        }
        assert_eq!(ran, 11, "number of certificate cases in cases.json");
    }

    #[test]
    fn tsa_root_file_errors_are_specific() {
        let t = |f: &str| {
            validate_tsa_root_certificate(&read(&interop(&format!(
                "notation-e2e/config/timestamp/{f}"
            ))))
        };
        assert!(matches!(t("invalid.crt"), Err(Error::Parse { .. })));
        assert_eq!(t("Empty.txt").unwrap_err(), Error::NoCertificates);
        assert_eq!(
            t("CertChain.pem").unwrap_err(),
            Error::TooManyCertificates { count: 2 }
        );
        assert!(matches!(
            t("intermediate.pem"),
            Err(Error::NotSelfSigned { index: 0, .. })
        ));
        assert!(matches!(
            t("notSelfIssued.crt"),
            Err(Error::NotSelfIssued { index: 0, .. })
        ));
        // Go regroups the DER order O, OU, CN as CN, OU, O.
        let root = t("globalsignTSARoot.cer").unwrap();
        assert_eq!(
            root.subject_string(),
            "CN=GlobalSign,OU=GlobalSign Root CA - R6,O=GlobalSign"
        );
    }
}
