//! Replays every file of the fuzz corpora (`fuzz/corpus/<target>/`) through the fuzz entry
//! points on stable Rust, so inputs that once crashed stay fixed.

use std::path::Path;

fn replay(target: &str, f: fn(&[u8])) -> usize {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target);
    let mut n = 0;
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("corpus entry").path();
        if path.is_file() {
            f(&std::fs::read(&path).expect("corpus file"));
            n += 1;
        }
    }
    n
}

#[test]
fn jws_corpus() {
    assert!(replay("jws_parse", notary::fuzz_targets::jws_parse) > 0);
}

#[test]
fn cose_corpus() {
    assert!(replay("cose_parse", notary::fuzz_targets::cose_parse) > 0);
}

#[test]
fn cert_chain_corpus() {
    assert!(replay("cert_chain", notary::fuzz_targets::cert_chain) > 0);
}

#[test]
fn trust_policy_corpus() {
    assert!(replay("trust_policy", notary::fuzz_targets::trust_policy) > 0);
}

#[test]
fn timestamp_token_corpus() {
    assert!(replay("timestamp_token", notary::fuzz_targets::timestamp_token) > 0);
}

#[test]
fn revocation_corpus() {
    assert!(replay("revocation", notary::fuzz_targets::revocation) > 0);
}

#[test]
fn oci_manifest_corpus() {
    assert!(replay("oci_manifest", notary::fuzz_targets::oci_manifest) > 0);
}

#[test]
fn registry_text_corpus() {
    assert!(replay("registry_text", notary::fuzz_targets::registry_text) > 0);
}

#[test]
fn plugin_output_corpus() {
    assert!(replay("plugin_output", notary::fuzz_targets::plugin_output) > 0);
}

#[test]
fn oci_layout_corpus() {
    assert!(replay("oci_layout", notary::fuzz_targets::oci_layout) > 0);
}
