//! Writes the fuzz test CA (`crates/notary-fuzz-targets/testdata/fuzz/root.der`) and the seed corpora of
//! the `verifier` and `plugin_archive` targets. Run from the repository root, twice (the
//! library embeds the root at build time, so the second run builds against the new one and
//! `cargo test -p notary-fuzz-targets --test fuzz_corpus` then checks the seeds verify):
//!
//! ```sh
//! cargo run -p notary-fuzz-targets --example fuzz_seeds
//! ```

use std::io::Write as _;
use std::path::Path;

use notary::{Descriptor, EnvelopeMediaType, KeySpec, SignOptions, SigningScheme};
use notary_crypto::pki::ChainBuilder;
use notary_fuzz_targets::{VERIFIER_BLOB, VERIFIER_NOW, verifier_oci_target};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let chain = ChainBuilder::new(KeySpec::EcP256, VERIFIER_NOW).build()?;
    std::fs::write(
        root.join("crates/notary-fuzz-targets/testdata/fuzz/root.der"),
        chain.root(),
    )?;

    let corpus = root.join("fuzz/corpus/verifier");
    std::fs::create_dir_all(&corpus)?;
    let (digest, size) = notary::verifier::hash_reader(
        &notary::default_provider(),
        KeySpec::EcP256.hash_algorithm(),
        &mut { VERIFIER_BLOB },
    )?;
    let blob = Descriptor::new("application/octet-stream", digest, size);
    let oci = verifier_oci_target().ok_or("no OCI target")?;
    for (format, selector) in [
        (EnvelopeMediaType::Jws, 0u8),
        (EnvelopeMediaType::Cose, 1u8),
    ] {
        for (scheme, expiry) in [
            (SigningScheme::X509, None),
            (
                SigningScheme::X509SigningAuthority,
                Some(time::Duration::days(30)),
            ),
        ] {
            for (target_name, target) in [("oci", &oci), ("blob", &blob)] {
                let mut o = SignOptions::new(VERIFIER_NOW);
                o.format = format;
                o.signing_scheme = scheme;
                o.expiry = expiry;
                o.user_metadata.insert("buildId".into(), "7".into());
                let signed = notary::sign_artifact(target, &chain.signer()?, &o)?;
                let mut seed = vec![selector];
                seed.extend_from_slice(&signed.bytes);
                let name = format!(
                    "valid-{}-{}-{target_name}",
                    format.format_name(),
                    scheme.as_str()
                );
                std::fs::write(corpus.join(name), seed)?;
            }
        }
    }

    let corpus = root.join("fuzz/corpus/plugin_archive");
    std::fs::create_dir_all(&corpus)?;
    let exe: &[u8] = b"#!/bin/sh\necho '{}'\n";
    let zip_of = |entries: &[(&str, &[u8])]| -> Result<Vec<u8>, Box<dyn std::error::Error>> {
        let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for (name, data) in entries {
            z.start_file(
                *name,
                zip::write::SimpleFileOptions::default().unix_permissions(0o755),
            )?;
            z.write_all(data)?;
        }
        Ok(z.finish()?.into_inner())
    };
    let tar_gz_of =
        |entries: &[(&str, &[u8], tar::EntryType)]| -> Result<Vec<u8>, Box<dyn std::error::Error>> {
            let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            let mut t = tar::Builder::new(gz);
            for (name, data, kind) in entries {
                let mut h = tar::Header::new_gnu();
                h.set_size(data.len() as u64);
                h.set_mode(0o755);
                h.set_entry_type(*kind);
                if kind.is_symlink() {
                    h.set_link_name("/etc/passwd")?;
                }
                t.append_data(&mut h, name, *data)?;
            }
            Ok(t.into_inner()?.finish()?)
        };
    let seeds: Vec<(&str, u8, Vec<u8>)> = vec![
        ("zip-one", 0, zip_of(&[("dir/notation-demo", exe)])?),
        ("zip-slip", 0, zip_of(&[("../notation-demo", exe)])?),
        (
            "zip-two",
            0,
            zip_of(&[("notation-demo", exe), ("README", b"hi")])?,
        ),
        (
            "tgz-one",
            1,
            tar_gz_of(&[("notation-demo", exe, tar::EntryType::Regular)])?,
        ),
        (
            "tgz-dir-and-file",
            1,
            tar_gz_of(&[
                ("d/", b"", tar::EntryType::Directory),
                ("d/notation-demo", exe, tar::EntryType::Regular),
            ])?,
        ),
        (
            "tgz-symlink",
            1,
            tar_gz_of(&[("notation-demo", b"", tar::EntryType::Symlink)])?,
        ),
        ("bare", 2, exe.to_vec()),
    ];
    for (name, selector, data) in seeds {
        let mut seed = vec![selector];
        seed.extend_from_slice(&data);
        std::fs::write(corpus.join(name), seed)?;
    }
    Ok(())
}
