//! `read_certificates` finds PEM blocks exactly where Go's `encoding/pem.Decode` (Go 1.26, as
//! notation is built) finds them, as notation-core-go's `ParseCertificates` uses it: text and
//! malformed blocks are skipped, and data holding no block Go accepts is read as DER. Every
//! expected outcome here is what notation does with the same bytes.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use notary_x509::{Error, read_certificates};

fn der(name: &str) -> Vec<u8> {
    let path = format!("{}/testdata/valid/{name}.der", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("reading {path}: {e}"))
}

/// `der` as a PEM block with the given label and line ending, 64 base64 characters a line.
fn pem_with(der: &[u8], label: &str, eol: &str) -> Vec<u8> {
    let b64 = STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----{eol}");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).unwrap());
        out.push_str(eol);
    }
    out.push_str(&format!("-----END {label}-----{eol}"));
    out.into_bytes()
}

fn pem(der: &[u8]) -> Vec<u8> {
    pem_with(der, "CERTIFICATE", "\n")
}

/// The root certificate `R` and another certificate `X`, DER and PEM.
fn r_der() -> Vec<u8> {
    der("root")
}
fn x_der() -> Vec<u8> {
    der("inter")
}
fn r() -> Vec<u8> {
    pem(&r_der())
}
fn x() -> Vec<u8> {
    pem(&x_der())
}

fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

/// Replaces the first occurrence of `from` in `data` (which must hold it).
fn replace_first(data: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let at = data
        .windows(from.len())
        .position(|w| w == from)
        .unwrap_or_else(|| panic!("{:?} not found", String::from_utf8_lossy(from)));
    cat(&[&data[..at], to, &data[at + from.len()..]])
}

/// Inserts `what` at the start of the `n`th line (0 = the BEGIN line) of `data`.
fn insert_at_line(data: &[u8], n: usize, what: &[u8]) -> Vec<u8> {
    let at = if n == 0 {
        0
    } else {
        data.iter()
            .enumerate()
            .filter(|(_, b)| **b == b'\n')
            .nth(n - 1)
            .unwrap()
            .0
            + 1
    };
    cat(&[&data[..at], what, &data[at..]])
}

/// The DER of every certificate read.
#[track_caller]
fn reads(data: &[u8]) -> Vec<Vec<u8>> {
    match read_certificates(data) {
        Ok(certs) => certs.iter().map(|c| c.der().to_vec()).collect(),
        Err(e) => panic!("refused {:?}: {e}", String::from_utf8_lossy(data)),
    }
}

/// Go finds no PEM block, so parses the bytes as DER and fails ("x509: malformed certificate").
#[track_caller]
fn refused(data: &[u8]) {
    match read_certificates(data) {
        Err(Error::Parse { .. }) => {}
        other => panic!(
            "{:?}: expected a parse error, got {:?}",
            String::from_utf8_lossy(data),
            other.map(|c| c.len())
        ),
    }
}

const BOM: &[u8] = b"\xef\xbb\xbf";

#[test]
fn plain_twice_and_crlf() {
    assert_eq!(reads(&r()), vec![r_der()]);
    assert_eq!(reads(&cat(&[&r(), &r()])), vec![r_der(), r_der()]);
    assert_eq!(reads(&cat(&[&r(), &x()])), vec![r_der(), x_der()]);
    assert_eq!(
        reads(&pem_with(&r_der(), "CERTIFICATE", "\r\n")),
        vec![r_der()]
    );
    // No newline after the END line, and trailing spaces, tabs and \r on the lines.
    assert_eq!(reads(r().trim_ascii_end()), vec![r_der()]);
    assert_eq!(
        reads(&pem_with(&r_der(), "CERTIFICATE", " \t\r\n")),
        vec![r_der()]
    );
    // Spaces and tabs inside the base64 are removed.
    assert_eq!(reads(&insert_at_line(&r(), 2, b" \t ")), vec![r_der()]);
    // Any line length.
    let b64 = STANDARD.encode(r_der());
    let one_line = format!("-----BEGIN CERTIFICATE-----\n{b64}\n-----END CERTIFICATE-----\n");
    assert_eq!(reads(one_line.as_bytes()), vec![r_der()]);
}

#[test]
fn headers_inside_a_block() {
    let body = &r()[b"-----BEGIN CERTIFICATE-----\n".len()..];
    for headers in [
        "Proc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,0123456789ABCDEF\n\n",
        "Proc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,0123456789ABCDEF\n",
        "Comment:x\r\n",
    ] {
        let block = cat(&[b"-----BEGIN CERTIFICATE-----\n", headers.as_bytes(), body]);
        assert_eq!(reads(&block), vec![r_der()], "{headers:?}");
    }
    // With headers the END line may not follow the type line directly: the block is skipped.
    let headers_then_end = b"-----BEGIN CERTIFICATE-----\na: b\n-----END CERTIFICATE-----\n";
    assert_eq!(reads(&cat(&[headers_then_end, &r()])), vec![r_der()]);
    // A "header" line running past the END line makes Go give up on the whole data.
    let header_past_end = b"-----BEGIN CERTIFICATE-----\na: b\n-----END CERTIFICATE-----: x\n";
    refused(&cat(&[header_past_end, &r()]));
}

#[test]
fn text_around_blocks_on_their_own_lines() {
    let data = cat(&[b"before\n\n", &r(), b"between: x\n-----\n", &x(), b"after"]);
    assert_eq!(reads(&data), vec![r_der(), x_der()]);
    assert_eq!(
        reads(&cat(&[b"-----END CERTIFICATE-----\n", &r()])),
        vec![r_der()]
    );
}

#[test]
fn any_label_holding_a_certificate() {
    assert_eq!(
        reads(&pem_with(&r_der(), "PUBLIC KEY", "\n")),
        vec![r_der()]
    );
    assert_eq!(
        reads(&cat(&[&pem_with(&r_der(), "X", "\n"), &x()])),
        vec![r_der(), x_der()]
    );
    // A block that is not one certificate is an error, even with good blocks around it.
    let key = b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n";
    refused(&cat(&[&r(), key]));
    let two_in_one = pem(&cat(&[&r_der(), &x_der()]));
    refused(&two_in_one);
    // An empty block decodes to no bytes, not a certificate.
    refused(&cat(&[
        b"-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n",
        &r(),
    ]));
    refused(&cat(&[
        b"-----BEGIN CERTIFICATE-----\n\n-----END CERTIFICATE-----\n",
        &r(),
    ]));
}

#[test]
fn empty_and_whitespace_only() {
    assert_eq!(read_certificates(b""), Err(Error::NoCertificates));
    refused(b" \n\t\r\n");
    refused(b"\n");
}

#[test]
fn der_single_and_concatenated() {
    assert_eq!(reads(&r_der()), vec![r_der()]);
    assert_eq!(
        reads(&cat(&[&r_der(), &x_der(), &r_der()])),
        vec![r_der(), x_der(), r_der()]
    );
    refused(&cat(&[&r_der(), b"\n"]));
}

#[test]
fn accepted_by_pem_crates_but_not_by_go() {
    // Text before -----BEGIN on its line.
    refused(&cat(&[b"junk", &r()]));
    // An indented BEGIN line.
    refused(&cat(&[b" ", &r()]));
    // A UTF-8 byte order mark before the BEGIN line.
    refused(&cat(&[BOM, &r()]));
    // CR-only line endings: Go splits lines on \n only.
    refused(&pem_with(&r_der(), "CERTIFICATE", "\r"));
    // An END line and the next BEGIN on one line: the first END line has text after it and
    // the second BEGIN does not start a line, so Go finds neither block.
    refused(&cat(&[x().trim_ascii_end(), &r()]));
    // A vertical tab in the base64.
    refused(&insert_at_line(&r(), 2, b"\x0b"));
    // Text after the END line's dashes.
    refused(&cat(&[r().trim_ascii_end(), b" x\n"]));
    // BEGIN and END labels differ.
    refused(&replace_first(&r(), b"END CERTIFICATE", b"END CERT"));
    // Bad base64 padding.
    let b64 = STANDARD.encode(&r_der()[..r_der().len() - 1]);
    assert!(b64.ends_with('='));
    let bad = format!("-----BEGIN CERTIFICATE-----\n{b64}=\n-----END CERTIFICATE-----\n");
    refused(bad.as_bytes());
}

#[test]
fn go_skips_bad_blocks_and_reads_the_rest() {
    // A blank line inside the base64: Go's base64 decoder skips \r and \n.
    assert_eq!(reads(&insert_at_line(&r(), 3, b"\n")), vec![r_der()]);
    assert_eq!(reads(&insert_at_line(&r(), 3, b"\r\n\r\n")), vec![r_der()]);
    // A block whose END label does not match, then R.
    let mismatched = replace_first(&x(), b"-----END CERTIFICATE", b"-----END X509 CRL");
    assert_eq!(reads(&cat(&[&mismatched, &r()])), vec![r_der()]);
    // A block with no END line, then R.
    let no_end = replace_first(&x(), b"-----END CERTIFICATE-----\n", b"");
    assert_eq!(reads(&cat(&[&no_end, &r()])), vec![r_der()]);
    // A BEGIN line with nothing else, then R.
    assert_eq!(
        reads(&cat(&[b"-----BEGIN CERTIFICATE-----\n", &r()])),
        vec![r_der()]
    );
    // A block with a character outside base64, before or after R.
    let bad_char = insert_at_line(&x(), 2, b"!");
    assert_eq!(reads(&cat(&[&bad_char, &r()])), vec![r_der()]);
    assert_eq!(reads(&cat(&[&r(), &bad_char])), vec![r_der()]);
    // A block with text after its END line, then R on the next line.
    let junk_after_end = cat(&[x().trim_ascii_end(), b" x\n"]);
    assert_eq!(reads(&cat(&[&junk_after_end, &r()])), vec![r_der()]);
    // A byte order mark before R hides R, but a later block is read.
    assert_eq!(reads(&cat(&[BOM, &r(), &x()])), vec![x_der()]);
}

#[test]
fn certificate_count_is_capped() {
    let one = r();
    let many: Vec<u8> = one.iter().copied().cycle().take(one.len() * 1001).collect();
    assert!(matches!(read_certificates(&many), Err(Error::Parse { .. })));
    assert_eq!(
        read_certificates(&many[..one.len() * 1000]).unwrap().len(),
        1000
    );
}
