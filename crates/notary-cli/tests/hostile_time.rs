//! Hostile time values reach the CLI as clear errors, never as a panic (exit code 101): a
//! signature carrying a crafted timestamp token, and an expiry past the year 9999.

#[path = "support/env.rs"]
mod support;

use base64::Engine as _;

use support::Env;

fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    match content.len() {
        n @ 0..=0x7f => out.push(n as u8),
        n @ 0x80..=0xff => out.extend([0x81, n as u8]),
        n => out.extend([0x82, (n >> 8) as u8, n as u8]),
    }
    out.extend_from_slice(content);
    out
}

/// A TimeStampToken (SignedData with one unverifiable SignerInfo) whose TSTInfo carries the
/// given Accuracy contents.
fn token_with_accuracy(accuracy: &[u8]) -> Vec<u8> {
    const SHA256: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01];
    let alg = |oid: &[u8]| tlv(0x30, &tlv(0x06, oid));
    let tst = tlv(
        0x30,
        &[
            tlv(0x02, &[1]),
            tlv(0x06, &[0x2a, 0x03, 0x04]),
            tlv(0x30, &[alg(SHA256), tlv(0x04, &[0x11; 32])].concat()),
            tlv(0x02, &[0x2a]),
            tlv(0x18, b"20250101120000Z"),
            tlv(0x30, accuracy),
        ]
        .concat(),
    );
    let encap = tlv(
        0x30,
        &[
            tlv(
                0x06,
                &[
                    0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x10, 0x01, 0x04,
                ],
            ),
            tlv(0xa0, &tlv(0x04, &tst)),
        ]
        .concat(),
    );
    let signer_info = tlv(
        0x30,
        &[
            tlv(0x02, &[1]),
            tlv(0x30, &[tlv(0x30, &[]), tlv(0x02, &[1])].concat()),
            alg(SHA256),
            tlv(0xa0, &[]),
            alg(&[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02]),
            tlv(0x04, &[0]),
        ]
        .concat(),
    );
    let signed_data = tlv(
        0x30,
        &[
            tlv(0x02, &[3]),
            tlv(0x31, &alg(SHA256)),
            encap,
            tlv(0x31, &signer_info),
        ]
        .concat(),
    );
    tlv(
        0x30,
        &[
            tlv(
                0x06,
                &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02],
            ),
            tlv(0xa0, &signed_data),
        ]
        .concat(),
    )
}

#[test]
fn inspect_of_a_signature_with_a_hostile_timestamp_reports_the_field() {
    let e = Env::new();
    e.ok(&["cert", "generate-test", "wabbit", "--default"]);
    std::fs::write(e.work.join("artifact.bin"), "the release artifact\n").unwrap();
    e.ok(&["blob", "sign", "artifact.bin"]);
    let sig_path = e.work.join("artifact.bin.jws.sig");
    let mut jws: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&sig_path).unwrap()).unwrap();
    let i64_max = [0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
    for (accuracy, field) in [
        // seconds = 2^63-1 and millis = 1000: the duration sum overflowed.
        (
            [tlv(0x02, &i64_max), tlv(0x80, &[0x03, 0xe8])].concat(),
            "accuracy.millis",
        ),
        // seconds = 2^63: cast to a negative duration.
        (
            tlv(0x02, &[0x00, 0x80, 0, 0, 0, 0, 0, 0, 0]),
            "accuracy.seconds",
        ),
        // seconds = 2^63-1 alone: genTime ± accuracy left the representable range.
        (tlv(0x02, &i64_max), "genTime - accuracy"),
    ] {
        let token =
            base64::engine::general_purpose::STANDARD.encode(token_with_accuracy(&accuracy));
        jws["header"]["io.cncf.notary.timestampSignature"] = token.into();
        std::fs::write(&sig_path, serde_json::to_vec(&jws).unwrap()).unwrap();

        let out = e.ok(&["blob", "inspect", "artifact.bin.jws.sig"]);
        assert!(
            out.contains(&format!("error: failed to parse timestamp countersignature: timestamp {field} is out of range")),
            "{out}"
        );
        let out = e.ok(&["blob", "inspect", "-o", "json", "artifact.bin.jws.sig"]);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        let err = v["unsignedAttributes"]["timestampSignature"]["error"]
            .as_str()
            .unwrap_or_else(|| panic!("{out}"));
        assert!(err.contains(field), "{err}");
    }
}

#[test]
fn sign_with_an_expiry_past_year_9999_fails_cleanly() {
    let e = Env::new();
    e.ok(&["cert", "generate-test", "wabbit", "--default"]);
    std::fs::write(e.work.join("artifact.bin"), "the release artifact\n").unwrap();
    let o = e.run(&["blob", "sign", "--expiry", "277777777h", "artifact.bin"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.starts_with("Error: "), "{err}");
    assert!(err.contains("expiry"), "{err}");
    assert!(!e.work.join("artifact.bin.jws.sig").exists());
}
