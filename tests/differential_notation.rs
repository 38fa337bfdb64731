//! Differential run against notation-go: ~340 envelopes derived from ones `notary` signs
//! (changed protected and unprotected headers, payloads, framing, generated certificate chains)
//! are verified by notation-go's verifier (tests/interop-go/blobpeer) and by `notary blob
//! verify`; the outcomes must agree except where notary is stricter on purpose, each such case
//! named with its rule (tests/differential/envelopes.py). Needs python3 with `cryptography` and
//! `cbor2` and the Go tools: scripts/setup.sh installs them, and a missing one fails the test.

#[path = "../crates/notary-cli/tests/support/env.rs"]
mod cli_env;
#[path = "support/registry.rs"]
mod registry;

use std::path::Path;
use std::process::Command;

#[test]
fn notary_and_notation_go_agree_on_mutated_envelopes() {
    let peer = registry::tools_dir().join("blobpeer");
    assert!(
        peer.is_file(),
        "{} not found: run scripts/setup.sh",
        peer.display()
    );
    let script =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/differential/envelopes.py");
    let work = tempfile::tempdir().unwrap();
    let out = Command::new("python3")
        .arg(&script)
        .arg(cli_env::notary_bin())
        .arg(&peer)
        .arg(work.path())
        .output()
        .expect("python3 (scripts/setup.sh installs it with cryptography and cbor2)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let mismatches: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("MISMATCH") || l.starts_with("  "))
        .collect();
    assert!(
        out.status.success(),
        "notary and notation-go disagree:\n{}\n{}\n{stderr}",
        mismatches.join("\n"),
        stdout.lines().last().unwrap_or_default()
    );
    // The summary line: every case ran and most agree (a broken builder would refuse them all).
    let summary = stdout.lines().last().unwrap_or_default();
    assert!(summary.ends_with(" 0 mismatched"), "{summary}");
    let accepted = stdout
        .lines()
        .filter(|l| l.starts_with("agree  accepted"))
        .count();
    assert!(
        accepted >= 60,
        "only {accepted} cases accepted by both:\n{stdout}"
    );
}
