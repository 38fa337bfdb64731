//! Certificate policy validation (RFC 5280 §6.1 with RFC 9618's policy graph) against Go's
//! `x509.Verify`, which the TSA chain rules of notation (tspclient-go) run with no policy asked
//! for. `testdata/policy/cases.json` holds 300 random paths of two to four certificates below
//! a trust anchor, each certificate with random certificatePolicies (three private policies and
//! anyPolicy), policyMappings, policyConstraints and inhibitAnyPolicy, and the outcome Go
//! 1.26.8 gave (`testdata/policy/gen.go` made them). The same extension values are put on the
//! fixture certificates here: the check reads nothing else of them.
//!
//! Finding (t2 follow-up): only paths where requireExplicitPolicy ran out below a certificate
//! naming no policy were refused; paths whose policies do not intersect, or whose mappings name
//! anyPolicy, passed where Go refuses them.

mod common;

use common::fixture_with;
use notary_x509::policy::policies_valid;

const CP: &[u8] = &[0x55, 0x1d, 0x20];
const PM: &[u8] = &[0x55, 0x1d, 0x21];
const PC: &[u8] = &[0x55, 0x1d, 0x24];
const IAP: &[u8] = &[0x55, 0x1d, 0x36];

struct Case {
    /// Leaf first, trust anchor last: the hex values of certificatePolicies, policyMappings,
    /// policyConstraints and inhibitAnyPolicy ("" when absent).
    certs: Vec<Vec<String>>,
    valid: bool,
}

fn cases() -> Vec<Case> {
    let text = std::fs::read_to_string(common::fixture("policy/cases.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|c| Case {
            certs: c["certs"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| {
                    let values: Vec<String> = x
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|h| h.as_str().unwrap().to_owned())
                        .collect();
                    assert_eq!(values.len(), 4);
                    values
                })
                .collect(),
            valid: c["valid"].as_bool().unwrap(),
        })
        .collect()
}

#[test]
fn paths_are_judged_as_go_judges_them() {
    let cases = cases();
    assert_eq!(cases.len(), 300);
    // Both outcomes are well represented, so neither a constant answer nor the old check
    // (requireExplicitPolicy over a certificate without policies only) can pass.
    let refused = cases.iter().filter(|c| !c.valid).count();
    assert!((60..=240).contains(&refused), "{refused}");

    let mut wrong = Vec::new();
    for (n, case) in cases.iter().enumerate() {
        let last = case.certs.len() - 1;
        let chain: Vec<_> = case
            .certs
            .iter()
            .enumerate()
            .map(|(i, values)| {
                // Names differ along the path, and no certificate is self-issued but the
                // anchor, as in the generated paths.
                let name = match i {
                    0 => "leaf",
                    i if i == last => "root",
                    _ => "inter",
                };
                let oids = [CP, PM, PC, IAP];
                let exts: Vec<(&[u8], &str)> = oids
                    .iter()
                    .zip(values)
                    .map(|(o, v)| (*o, v.as_str()))
                    .collect();
                fixture_with(name, &exts)
            })
            .collect();
        if policies_valid(&chain) != case.valid {
            wrong.push(n);
        }
    }
    assert!(wrong.is_empty(), "cases judged unlike Go: {wrong:?}");
}

#[test]
fn short_paths_and_anchor_extensions() {
    // The anchor alone, and an anchor whose own constraints would refuse everything: neither
    // counts (the anchor's extensions are not read).
    let root = fixture_with("root", &[(PC, "3003800100")]);
    assert!(policies_valid(std::slice::from_ref(&root)));
    assert!(policies_valid(&[fixture_with("leaf", &[]), root]));
    // The leaf's own requireExplicitPolicy of 0 with no policy anywhere: refused.
    let leaf = fixture_with("leaf", &[(PC, "3003800100")]);
    assert!(!policies_valid(&[leaf, fixture_with("root", &[])]));
    // A mapping naming anyPolicy is refused while policies are being processed, and not
    // looked at once a certificate without policies has ended that.
    let any_policy = "0604551d2000";
    let mapping = format!("300e300c{any_policy}{any_policy}");
    let inter = fixture_with(
        "inter",
        &[(CP, &format!("30083006{any_policy}")), (PM, &mapping)],
    );
    assert!(!policies_valid(&[
        fixture_with("leaf", &[]),
        inter,
        fixture_with("root", &[])
    ]));
    assert!(policies_valid(&[
        fixture_with("leaf", &[]),
        fixture_with("inter", &[(PM, &mapping)]),
        fixture_with("root", &[])
    ]));
}
