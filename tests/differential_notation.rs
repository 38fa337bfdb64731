//! Differential runs against notation-go, each a Python script in tests/differential:
//! - envelopes.py: ~480 envelopes derived from ones `notary` signs (changed protected and
//!   unprotected headers, payloads, framing, generated certificate chains, the signingAuthority
//!   scheme under a signingAuthority store) are verified by
//!   notation-go's verifier (tests/interop-go/blobpeer) and by `notary blob verify`; the outcomes
//!   must agree except where notary is stricter on purpose, each such case named with its rule.
//!   It runs a second time with `notary --crypto rustcrypto`.
//! - releases.py: ~600 blob signatures as each notation-go release since v1.0.0 writes and
//!   reads them (blobpeer built against v1.0.0, v1.1.0, v1.2.0, v1.3.0 and v1.3.2; six key
//!   types, JWS and COSE, user metadata, expiry): each release's envelopes verify with notary,
//!   notary's verify with each release, and changed, mismatched and expired ones are refused by
//!   both, notary for the validation that must fail.
//! - identities.py: ~85 `x509.subject` identities against ~30 certificate subjects, `notation
//!   verify` and `notary verify` on an OCI layout; every outcome must agree.
//! - levels.py: ~270 verifications on OCI layouts (expired, untrusted, tampered, mixed, COSE
//!   signatures and more) under every verification level, overrides and odd trust store
//!   contents, `notation verify` and `notary verify`; every outcome must agree.
//! - policies.py: ~360 trust policy documents given to `notation policy import` and `notary
//!   policy import`, ~240 verifications choosing a statement by `--scope`, and documents written
//!   straight into trustpolicy.json; the outcomes must agree except where notary differs on
//!   purpose (duplicate members, canonical scopes, invalid Unicode, limits, IPv6 scopes), each
//!   such case named with its rule.
//! - certfiles.py: ~1,900 certificate files and trust store layouts (PEM and DER framing, odd
//!   certificates one edit away from Go's x509 parser rules, names, links) under `cert add`,
//!   `cert ls`, `cert show`, `verify` and `sign --timestamp-root-cert` (with `openssl ts` as a local TSA); the outcomes, and the
//!   output of `cert ls` and `cert show`, must agree except where notary is stricter on purpose,
//!   each such case named with its rule.
//! - revocation.py: ~290 verifications of chains whose CRLs and OCSP responses a local HTTP
//!   server answers (revoked with each reason, on hold and released, expired, from the future,
//!   without nextUpdate, wrong signer or name, unknown critical extensions, delta CRLs, v1 CRLs,
//!   HTTP errors and redirects, size limits; OCSP statuses, delegated responders, embedded
//!   certificates, several responders, OCSP falling back to CRL), the TSA's chain under a
//!   timestamp, invalidity dates against a signingAuthority signature's authentic signing time,
//!   each tool reading the other's CRL cache, and revocation levels and overrides; the outcomes
//!   must agree except where notary is stricter on purpose, each such case named with its rule.
//! - chains.py: ~45 verifications of hand-made JWS envelopes in OCI layouts: chain shapes
//!   (duplicated, appended, cross-signed, missing certificates, an intermediate as the trust
//!   anchor), validity at the authentic time (expired or not-yet-valid certificates, genTime on
//!   a notAfter to the second with and without accuracy, the baseline TSA policy), TSA chains
//!   valid at genTime only or built through extra certificates, the signingAuthority scheme and
//!   levels; both tools must give the specification's outcome for each.
//! - timestamps.py: ~860 cases (JWS and COSE): a local TSA (`openssl ts`, and tokens built by the script for
//!   TSA certificates OpenSSL will not sign with) in ~25 configurations (EKU and key usage
//!   variants, expired, CA, intermediates of ~11 kinds, included or not, ESSCertID v1/v2,
//!   digests, accuracies, ECDSA), both tools signing with it, then verifying every signature,
//!   with a signing certificate still valid and one expired, under tsa stores with the root,
//!   another root, the intermediate, none, and verifyTimestamp afterCertExpiry; outcomes must
//!   agree except where notary is stricter on purpose, each case named with its rule.
//! - layouts.py: ~100 verify and list runs over OCI layouts changed one way each (index.json
//!   entries, `oci-layout`, signature manifest forms and artifact types, layers, subject
//!   descriptors, missing or corrupted blobs, tags, an image index as subject), then ~210
//!   signings and verifications with odd `--user-metadata`; outcomes and listed signatures must
//!   agree except where notary differs on purpose, each case named with its rule.
//! - plugins.py: ~80 verifications of JWS and COSE envelopes naming a verification plugin (a
//!   Python plugin installed in notation's plugin directory): minimum versions against installed
//!   versions
//!   (SemVer edge cases), critical and other extended attributes and what the plugin reports
//!   processed, capabilities, results, contract versions, failures, response member names in
//!   any case, repeated and missing members; outcomes must agree except
//!   where notary is stricter on purpose, each case named with its rule.
//! - auth.py: ~55 `list` runs on docker-registry behind htpasswd Basic auth and behind a token
//!   server the script runs (ES256 JWTs the registry checks): credentials from flags, the
//!   environment, Docker's and notation's `config.json` (`auths` forms, `credsStore`,
//!   `credHelpers` through a helper it writes), token answer shapes and challenge forms, login
//!   and logout, secrets absent from `--debug`; outcomes and the credentials the token server saw
//!   must agree.
//! - signplugins.py: ~160 signings through a signing plugin (RAW and ENVELOPE capabilities)
//!   answering well or badly (metadata, describe-key, generate-signature and generate-envelope
//!   answers: keys, chains, algorithms, payloads, member names, encodings); outcomes, the plugin
//!   requests, cross-verification, manifest annotations and signing agents must agree except
//!   where notary is stricter on purpose, each case named with its rule.
//! - configdir.py: ~20 command sequences (`key`, `cert`, `policy`, `sign`) on fresh configuration
//!   directories; output, the files left (names, modes) and their JSON bytes must agree.
//! - mgmt.py: ~235 sequences of `cert` (add, list, show, delete, generate-test), `key` (add,
//!   list, update, delete) and `policy` (import, show) steps on fresh configuration directories:
//!   several certificate files some bad, files and store names taken or invalid, every `cert
//!   list` filter, prompts answered y, yes, n, an empty line or nothing, `--all`, `-y` and
//!   `--force`, plugin keys, `trustpolicy.json` against `trustpolicy.oci.json`,
//!   `NOTATION_CONFIG` and `XDG_CONFIG_HOME`, a configuration directory that is a file; exit
//!   statuses, stdout byte for byte, error and warning words and the tree left must agree except
//!   where notary differs on purpose, each case named with its rule.
//! - plugincli.py: ~250 `plugin install`, `plugin list` and `plugin uninstall` sequences on fresh
//!   configuration directories: shell-script plugins answering `get-plugin-metadata` well or
//!   badly (SemVer edges, capabilities, contract versions, broken JSON, missing members,
//!   failures, names), installed from executables, .zip and .tar.gz packages (several files and
//!   executables, directories, links, modes, `..` and absolute entries, sniffed types,
//!   corrupted, many entries) and by URL from a local HTTPS server, with `--sha256sum`,
//!   `--force`, upgrades and downgrades, odd plugin directories, and uninstalls answering the
//!   prompt; exit statuses, stdout byte for byte, error and warning words and the tree left
//!   (names, kinds, file modes, contents) must agree except where notary differs on purpose,
//!   each case named with its rule.
//! - flags.py: ~450 `sign`, `verify`, `list` and `inspect` runs on OCI layouts (and references
//!   to a closed registry port) with odd flag values: `--expiry` in Go's duration syntax and its
//!   limits, `--user-metadata` and `--plugin-config` forms, signature formats, signer and
//!   timestamp flag groups, TSA URLs, `--max-signatures`, `-o`, repeated switches, layout paths
//!   and references; exit statuses, the signature each sign leaves, listed digests and error
//!   and warning words must agree except where notary differs on purpose, each case named with
//!   its rule.
//! - inspects.py: ~250 artifacts on docker-registry, each with the signatures of one case
//!   (JWS and COSE, six key types, extended attributes of every JSON and CBOR type, odd
//!   certificate names and validity dates, timestamps, several signatures, broken envelopes),
//!   `notation inspect` and `notary inspect` with and without `-o json` under three time zones;
//!   the texts must be equal byte for byte once notary's newer layout is written in v1.3.2's
//!   older one by fixed rules, except where notary differs on purpose, each case named with its
//!   rule.
//! - blobs.py: ~250 `blob sign`, `blob verify`, `blob inspect` and `blob policy init|import|show`
//!   runs (signature directories and file names, `--force` and the overwrite question, media
//!   types, user metadata, expiry, formats, signer and timestamp flags, statement selection,
//!   signature files missing, garbage or misnamed, odd blob paths, policy documents). notation
//!   v1.3.2 has no `blob` commands: the cases whose code notation's blob commands share with
//!   `sign` and `verify` run as those on an OCI layout of the same bytes (exit status, flag
//!   errors, warnings, the envelope made must agree), the others with notary alone (exit status
//!   0 or 1) unless the peer given has `blob` commands, when every case runs through both and
//!   stdout, errors, warnings and the files left must agree except where notary differs on
//!   purpose, each case named with its rule.
//! - verifyout.py: ~240 `verify` runs on OCI layouts (good, COSE, user metadata, several
//!   signatures some bad, expired signatures and certificates, untrusted signers, tampered
//!   envelopes, none; every level and overrides, identities that do not match, missing and empty
//!   trust stores, no policy, tags, `--user-metadata`, `--max-signatures`) and a few on
//!   docker-registry, each plain and with `-v`: exit status, stdout byte for byte and stderr
//!   line by line must agree except where notary differs on purpose by a named rule (its log
//!   lines under `-v` are `tracing`'s, but notation's failed-validation and skip messages must
//!   be among them).
//!
//! Needs python3 with `cryptography` and `cbor2`, `openssl` and the Go tools: scripts/setup.sh
//! installs them, and a missing one fails the test.

#[path = "../crates/notary-cli/tests/support/env.rs"]
mod cli_env;
#[path = "support/registry.rs"]
mod registry;

use std::path::{Path, PathBuf};
use std::process::Command;

use registry::tool;

/// Runs tests/differential/SCRIPT with `args` and a fresh work directory as its last argument;
/// the script exits 1 on a mismatch or when too few cases were accepted by both tools
/// (tests/differential/common.py), and the failure prints its MISMATCH lines.
fn run(script: &str, args: &[PathBuf]) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/differential")
        .join(script);
    let work = tempfile::tempdir().unwrap();
    let out = Command::new("python3")
        .arg(&path)
        .args(args)
        .arg(work.path())
        .output()
        .expect("python3 (scripts/setup.sh installs it with cryptography and cbor2)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let mismatches: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("MISMATCH") || l.starts_with("  ") || l.starts_with("only "))
        .collect();
    assert!(
        out.status.success(),
        "{script}: notary and notation disagree:\n{}\n{}\n{}",
        mismatches.join("\n"),
        stdout.lines().last().unwrap_or_default(),
        String::from_utf8_lossy(&out.stderr)
    );
    // The summary line: every case ran and none mismatched.
    let summary = stdout.lines().last().unwrap_or_default();
    assert!(summary.ends_with(" 0 mismatched"), "{summary}");
}

#[test]
fn notary_and_notation_go_agree_on_mutated_envelopes() {
    run("envelopes.py", &[cli_env::notary_bin(), tool("blobpeer")]);
}

/// The same envelopes under the pure-Rust provider (`notary --crypto rustcrypto`): an
/// embedder choosing it must get notation-go's outcomes too.
#[test]
fn notary_on_rustcrypto_and_notation_go_agree_on_mutated_envelopes() {
    let dir = tempfile::tempdir().unwrap();
    let wrapper = dir.path().join("notary");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\nexec '{}' --crypto rustcrypto \"$@\"\n",
            cli_env::notary_bin().display()
        ),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    run("envelopes.py", &[wrapper, tool("blobpeer")]);
}

#[test]
fn every_notation_go_release_and_notary_read_each_others_envelopes() {
    let mut args = vec![cli_env::notary_bin()];
    for release in ["v1.0.0", "v1.1.0", "v1.2.0", "v1.3.0"] {
        args.push(tool(&format!("blobpeer-{release}")));
    }
    args.push(tool("blobpeer"));
    run("releases.py", &args);
}

#[test]
fn notary_and_notation_agree_on_trusted_identities() {
    run(
        "identities.py",
        &[cli_env::notary_bin(), tool("notation"), tool("oras")],
    );
}

#[test]
fn notary_and_notation_agree_on_levels_overrides_and_trust_stores() {
    run(
        "levels.py",
        &[cli_env::notary_bin(), tool("notation"), tool("oras")],
    );
}

#[test]
fn notary_and_notation_agree_on_trust_policy_documents_and_statement_selection() {
    run(
        "policies.py",
        &[cli_env::notary_bin(), tool("notation"), tool("oras")],
    );
}

#[test]
fn notary_and_notation_agree_on_certificate_files_and_trust_stores() {
    run(
        "certfiles.py",
        &[cli_env::notary_bin(), tool("notation"), tool("oras")],
    );
}

#[test]
fn notary_and_notation_agree_on_revocation() {
    run(
        "revocation.py",
        &[cli_env::notary_bin(), tool("notation"), tool("oras")],
    );
}

#[test]
fn notary_and_notation_agree_on_chain_shapes_validity_and_timestamp_edges() {
    run(
        "chains.py",
        &[cli_env::notary_bin(), tool("notation"), tool("oras")],
    );
}

#[test]
fn notary_and_notation_agree_on_timestamps() {
    run(
        "timestamps.py",
        &[cli_env::notary_bin(), tool("notation"), tool("oras")],
    );
}

#[test]
fn notary_and_notation_agree_on_oci_layouts() {
    run(
        "layouts.py",
        &[cli_env::notary_bin(), tool("notation"), tool("oras")],
    );
}

#[test]
fn notary_and_notation_agree_on_verification_plugins() {
    run(
        "plugins.py",
        &[cli_env::notary_bin(), tool("notation"), tool("oras")],
    );
}

/// registries.py: ~680 list, verify, inspect and sign runs on real registries
/// (Distribution 2.8 and v3 without the referrers API, olareg with it, a fault-injecting proxy in
/// front): referrers tag index states (absent, empty, SBOMs, deleted signatures, a Docker
/// manifest list, invalid JSON, odd entries, duplicates), odd signature manifests, signature
/// order and `--max-signatures`, paginated referrers with relative `Link` headers, API errors,
/// reference forms (malformed ones refused in notation's words) and repeated signing by both
/// tools; outcomes, the signatures shown and the tag index each signing leaves must agree except
/// where notary differs on purpose, each such case named with its rule.
#[test]
fn notary_and_notation_agree_on_registry_states() {
    run(
        "registries.py",
        &[
            cli_env::notary_bin(),
            tool("notation"),
            registry::Kind::Distribution2.binary(),
            registry::Kind::Olareg.binary(),
            registry::Kind::Distribution3.binary(),
        ],
    );
}

/// auth.py: registry credentials and authentication (see the module docs).
#[test]
fn notary_and_notation_agree_on_registry_authentication() {
    run(
        "auth.py",
        &[
            cli_env::notary_bin(),
            tool("notation"),
            registry::Kind::Distribution2.binary(),
        ],
    );
}

/// configdir.py: the configuration directory each tool leaves (see the module docs).
#[test]
fn notary_and_notation_leave_the_same_configuration_directory() {
    run("configdir.py", &[cli_env::notary_bin(), tool("notation")]);
}

/// mgmt.py: the `cert`, `key` and `policy` commands (see the module docs).
#[test]
fn notary_and_notation_agree_on_management_commands() {
    run("mgmt.py", &[cli_env::notary_bin(), tool("notation")]);
}

/// plugincli.py: the `plugin` commands (see the module docs).
#[test]
fn notary_and_notation_agree_on_plugin_commands() {
    run("plugincli.py", &[cli_env::notary_bin(), tool("notation")]);
}

/// signplugins.py: signing through plugins (see the module docs).
#[test]
fn notary_and_notation_agree_on_signing_plugins() {
    run("signplugins.py", &[cli_env::notary_bin(), tool("notation")]);
}

/// inspects.py: the full output of `inspect` (see the module docs).
#[test]
fn notary_and_notation_show_the_same_inspect_output() {
    run(
        "inspects.py",
        &[
            cli_env::notary_bin(),
            tool("notation"),
            registry::Kind::Distribution2.binary(),
        ],
    );
}

/// flags.py: flag values and references of the artifact commands (see the module docs).
#[test]
fn notary_and_notation_agree_on_flag_values_and_references() {
    run(
        "flags.py",
        &[cli_env::notary_bin(), tool("notation"), tool("oras")],
    );
}

/// blobs.py: the `blob` commands (see the module docs).
#[test]
fn notary_and_notation_agree_on_blob_commands() {
    run("blobs.py", &[cli_env::notary_bin(), tool("notation")]);
}

/// verifyout.py: the text `verify` prints (see the module docs).
#[test]
fn notary_and_notation_print_the_same_verify_text() {
    run(
        "verifyout.py",
        &[
            cli_env::notary_bin(),
            tool("notation"),
            tool("oras"),
            registry::Kind::Distribution2.binary(),
        ],
    );
}
