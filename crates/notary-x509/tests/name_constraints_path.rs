//! Name constraints over a whole path as Go 1.26.8's `Certificate.Verify` applies them (the
//! TSA chain rules of notation's tspclient-go). Each case's outcome and message were taken by
//! running Go 1.26.8 on a root → intermediate → leaf chain carrying the same extension values.
//!
//! Finding (t2): only the leaf's subjectAltNames were checked, so an intermediate naming a
//! host outside its root's permitted subtree passed; Go checks every certificate below each
//! constraining CA. Go 1.26 also checks a name's permitted bases before its excluded ones and
//! the forms in the order IP, DNS, URI, e-mail, reads every URI and mailbox of a certificate
//! before any constraint, and matches excluded wildcard names against sibling hosts.

mod common;

use common::fixture_with as fixture;
use notary_x509::{Error, name_constraints};

const SAN: &[u8] = &[0x55, 0x1d, 0x11];
const NC: &[u8] = &[0x55, 0x1d, 0x1e];

#[test]
fn names_of_the_whole_path_are_checked_as_go_does() {
    // (case, root nameConstraints, intermediate subjectAltName, intermediate nameConstraints,
    //  leaf subjectAltName, Go's refusal: index of the constraining certificate and detail)
    #[allow(clippy::type_complexity)]
    let cases: &[(&str, &str, &str, &str, &str, Option<(usize, &str)>)] = &[
        (
            "inter_san_outside_root_permitted",
            "3012a010300e820c6578616d706c652e74657374",
            "300c820a6576696c2e6f74686572",
            "",
            "",
            Some((
                2,
                "DNS name \"evil.other\" is not permitted by any constraint",
            )),
        ),
        (
            "inter_san_inside_root_permitted",
            "3012a010300e820c6578616d706c652e74657374",
            "3010820e612e6578616d706c652e74657374",
            "",
            "",
            None,
        ),
        (
            "leaf_san_outside_root_permitted",
            "3012a010300e820c6578616d706c652e74657374",
            "",
            "",
            "300c820a6576696c2e6f74686572",
            Some((
                2,
                "DNS name \"evil.other\" is not permitted by any constraint",
            )),
        ),
        // Bytes after the subjectAltName SEQUENCE: Go reads the names and ignores them, so
        // the names are still checked (notary once read such a name list as absent).
        (
            "leaf_san_outside_root_permitted_trailing_bytes",
            "3012a010300e820c6578616d706c652e74657374",
            "",
            "",
            "300c820a6576696c2e6f746865720500",
            Some((
                2,
                "DNS name \"evil.other\" is not permitted by any constraint",
            )),
        ),
        (
            "inter_own_constraints_not_applied",
            "",
            "300c820a6576696c2e6f74686572",
            "3022a010300e820c6578616d706c652e74657374a10e300c820a6576696c2e6f74686572",
            "",
            None,
        ),
        (
            "no_san_cn_ignored",
            "3012a010300e820c6578616d706c652e74657374",
            "",
            "",
            "",
            None,
        ),
        (
            "inter_uri_without_host",
            "3012a010300e820c6578616d706c652e74657374",
            "3007860575726e3a78",
            "",
            "",
            Some((
                2,
                "URI with empty host (\"urn:x\") cannot be matched against constraints",
            )),
        ),
        (
            "excluded_subdomain",
            "3029a011300f820d2e6578616d706c652e74657374a114301282106261642e6578616d706c652e74657374",
            "",
            "",
            "3022820e612e6578616d706c652e7465737482106261642e6578616d706c652e74657374",
            Some((
                2,
                "DNS name \"bad.example.test\" is excluded by constraint \"bad.example.test\"",
            )),
        ),
        (
            "permitted_checked_before_excluded",
            "301fa00e300c820a6f746865722e74657374a10d300b82096576696c2e74657374",
            "",
            "",
            "300b82096576696c2e74657374",
            Some((
                2,
                "DNS name \"evil.test\" is not permitted by any constraint",
            )),
        ),
        (
            "ip_checked_before_dns",
            "3019a017300982076f6b2e74657374300a8708c0a80000ffff0000",
            "",
            "",
            "301182096576696c2e7465737487040a000001",
            Some((
                2,
                "IP address \"10.0.0.1\" is not permitted by any constraint",
            )),
        ),
        (
            "wildcard_excluded_by_sibling",
            "3014a1123010820e612e6578616d706c652e74657374",
            "",
            "",
            "3010820e2a2e6578616d706c652e74657374",
            Some((
                2,
                "DNS name \"*.example.test\" is excluded by constraint \"a.example.test\"",
            )),
        ),
        (
            "wildcard_not_matched_when_permitted",
            "3014a0123010820e612e6578616d706c652e74657374",
            "",
            "",
            "3010820e2a2e6578616d706c652e74657374",
            Some((
                2,
                "DNS name \"*.example.test\" is not permitted by any constraint",
            )),
        ),
        (
            "full_email_permitted",
            "3018a01630148112416c696365404578616d706c652e54455354",
            "",
            "",
            "30148112416c696365406578616d706c652e74657374",
            None,
        ),
        (
            "full_email_local_case",
            "3018a01630148112416c696365404578616d706c652e54455354",
            "",
            "",
            "30148112616c696365406578616d706c652e74657374",
            Some((
                2,
                "email address \"alice@example.test\" is not permitted by any constraint",
            )),
        ),
        (
            "full_email_excluded",
            "3016a11430128110626f62404578616d706c652e74657374",
            "",
            "",
            "30128110626f62404558414d504c452e74657374",
            Some((
                2,
                "email address \"bob@example.test\" is excluded by constraint \"bob@example.test\"",
            )),
        ),
        (
            "email_domain_excluded",
            "3013a111300f810d2e6578616d706c652e74657374",
            "",
            "",
            "301281107840612e6578616d706c652e74657374",
            Some((
                2,
                "email address \"x@a.example.test\" is excluded by constraint \".example.test\"",
            )),
        ),
        (
            "email_unparsable_under_dns_constraint",
            "3012a010300e820c6578616d706c652e74657374",
            "",
            "",
            "300f810d6e6f742d612d6d61696c626f78",
            Some((2, "cannot parse rfc822Name \"not-a-mailbox\"")),
        ),
        (
            "mapped_ip_not_in_v4_set",
            "300ea10c300a87080a000000ff000000",
            "",
            "",
            "3012871000000000000000000000ffff0a000001",
            None,
        ),
        (
            "mapped_ip_excluded_by_mapped",
            "3026a1243022872000000000000000000000ffff0a000000ffffffffffffffffffffffffff000000",
            "",
            "",
            "3012871000000000000000000000ffff0a010203",
            Some((
                2,
                "IP address \"10.1.2.3\" is excluded by constraint \"10.0.0.0/8\"",
            )),
        ),
        (
            "v4_ip_excluded",
            "300ea10c300a87080a000000ff000000",
            "",
            "",
            "300687040a010203",
            Some((
                2,
                "IP address \"10.1.2.3\" is excluded by constraint \"10.0.0.0/8\"",
            )),
        ),
        (
            "v6_ip_not_permitted",
            "3026a0243022872020010db8000000000000000000000000ffffffff000000000000000000000000",
            "",
            "",
            "3012871020010db9000000000000000000000001",
            Some((
                2,
                "IP address \"2001:db9::1\" is not permitted by any constraint",
            )),
        ),
        (
            "both_cas_inter_first",
            "3012a010300e820c6578616d706c652e74657374",
            "",
            "3016a114301282106261642e6578616d706c652e74657374",
            "301282106261642e6578616d706c652e74657374",
            Some((
                1,
                "DNS name \"bad.example.test\" is excluded by constraint \"bad.example.test\"",
            )),
        ),
        (
            "both_cas_root_second",
            "3012a010300e820c6578616d706c652e74657374",
            "",
            "3016a114301282106261642e6578616d706c652e74657374",
            "300c820a6f746865722e74657374",
            Some((
                2,
                "DNS name \"other.test\" is not permitted by any constraint",
            )),
        ),
        (
            "uri_with_port_permitted",
            "3013a011300f860d2e6578616d706c652e74657374",
            "",
            "",
            "301f861d68747470733a2f2f612e6578616d706c652e746573743a383434332f78",
            None,
        ),
        (
            "uri_with_ip_host",
            "3013a011300f860d2e6578616d706c652e74657374",
            "",
            "",
            "3013861168747470733a2f2f31302e302e302e312f",
            Some((
                2,
                "URI with IP (\"https://10.0.0.1/\") cannot be matched against constraints",
            )),
        ),
        (
            "uri_with_bracketed_host",
            "3012a010300e820c6578616d706c652e74657374",
            "",
            "",
            "3014861268747470733a2f2f5b3a3a315d3a3434332f",
            Some((
                2,
                "URI with IP (\"https://[::1]:443/\") cannot be matched against constraints",
            )),
        ),
        (
            "uri_not_permitted",
            "3012a010300e860c6578616d706c652e74657374",
            "",
            "",
            "3014861268747470733a2f2f6576696c2e746573742f",
            Some((
                2,
                "URI \"https://evil.test/\" is not permitted by any constraint",
            )),
        ),
        (
            "uri_excluded",
            "3012a110300e860c4578616d706c652e74657374",
            "",
            "",
            "301b861968747470733a2f2f5757572e6578616d706c652e746573742f",
            Some((
                2,
                "URI \"https://WWW.example.test/\" is excluded by constraint \"Example.test\"",
            )),
        ),
        (
            "leading_dot_needs_a_label",
            "3013a011300f820d2e6578616d706c652e74657374",
            "",
            "",
            "300e820c6578616d706c652e74657374",
            Some((
                2,
                "DNS name \"example.test\" is not permitted by any constraint",
            )),
        ),
        (
            "empty_excluded_dns_excludes_all",
            "3006a10430028200",
            "",
            "",
            "30088206612e74657374",
            Some((2, "DNS name \"a.test\" is excluded by constraint \"\"")),
        ),
        (
            "san_without_go_forms",
            "3012a010300e820c6578616d706c652e74657374",
            "3010a40e300c310a300806035504030c0178",
            "",
            "",
            None,
        ),
        (
            "most_general_excluded_reported",
            "3038a13630128210612e622e6578616d706c652e74657374300e820c6578616d706c652e746573743010820e622e6578616d706c652e74657374",
            "",
            "",
            "30128210612e622e6578616d706c652e74657374",
            Some((
                2,
                "DNS name \"a.b.example.test\" is excluded by constraint \"example.test\"",
            )),
        ),
        (
            "other_forms_unconstrained",
            "3012a010300e820c6578616d706c652e74657374",
            "",
            "",
            "3027810b78406576696c2e74657374861268747470733a2f2f6576696c2e746573742f87040a000001",
            None,
        ),
        (
            "dns_case_insensitive",
            "3012a010300e820c4558414d504c452e74657374",
            "",
            "",
            "3010820e612e4578616d706c652e54455354",
            None,
        ),
        (
            "opaque_uri_has_no_host",
            "3012a010300e860c6578616d706c652e74657374",
            "",
            "",
            "3015861375726e3a666f6f3a2f2f6261642e2e686f7374",
            Some((
                2,
                "URI with empty host (\"urn:foo://bad..host\") cannot be matched against constraints",
            )),
        ),
        (
            "uri_host_with_two_colons",
            "3012a010300e860c6578616d706c652e74657374",
            "",
            "",
            "300f860d666f6f3a2f2f613a623a38302f",
            Some((
                2,
                "cannot parse URI host \"a:b:80\": address a:b:80: too many colons in address",
            )),
        ),
        (
            "uri_ipv6_zone_literal",
            "3012a010300e860c6578616d706c652e74657374",
            "",
            "",
            "301a8618687474703a2f2f5b666538303a3a31253235657468305d2f",
            Some((
                2,
                "URI with IP (\"http://[fe80::1%25eth0]/\") cannot be matched against constraints",
            )),
        ),
        (
            "uri_empty_host_with_port",
            "3012a010300e860c6578616d706c652e74657374",
            "",
            "",
            "300d860b687474703a2f2f3a38302f",
            Some((2, "URI \"http://:80/\" is not permitted by any constraint")),
        ),
        (
            "uri_escaped_host",
            "300ea10c300a86086125622e74657374",
            "",
            "",
            "30148612687474703a2f2f41253235422e746573742f",
            Some((
                2,
                "URI \"http://A%25B.test/\" is excluded by constraint \"a%b.test\"",
            )),
        ),
        (
            "uri_userinfo_ignored",
            "3013a011300f860d2e6578616d706c652e74657374",
            "",
            "",
            "3023862168747470733a2f2f6576696c2e7465737440612e6578616d706c652e746573742f",
            None,
        ),
        (
            "suffix_at_label_boundary",
            "3012a010300e820c6578616d706c652e74657374",
            "",
            "",
            "3011820f6261646578616d706c652e74657374",
            Some((
                2,
                "DNS name \"badexample.test\" is not permitted by any constraint",
            )),
        ),
    ];
    for &(case, root_nc, inter_san, inter_nc, leaf_san, expected) in cases {
        let path = [
            fixture("leaf", &[(SAN, leaf_san)]),
            fixture("inter", &[(SAN, inter_san), (NC, inter_nc)]),
            fixture("root", &[(NC, root_nc)]),
        ];
        match (name_constraints::check(&path), expected) {
            (Ok(()), None) => {}
            (
                Err(Error::NameNotAuthorized {
                    index,
                    subject,
                    detail,
                }),
                Some((want_index, want_detail)),
            ) => {
                assert_eq!(detail, want_detail, "{case}");
                assert_eq!(index, want_index, "{case}");
                assert_eq!(subject, path[index].subject_string(), "{case}");
            }
            (got, want) => panic!("{case}: got {got:?}, Go gives {want:?}"),
        }
    }
}
