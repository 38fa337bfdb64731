//! `notary plugin list|install|uninstall` with small shell-script plugins, packed as plain
//! executables, .zip and .tar.gz archives (including hostile ones).

#[path = "support/env.rs"]
mod support;

use std::io::{Read as _, Write as _};
use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;

use support::Env;

fn plugin_script(name: &str, version: &str) -> Vec<u8> {
    format!(
        "#!/bin/sh\ncat >/dev/null\nif [ \"$1\" = get-plugin-metadata ]; then echo '{{\"name\":\"{name}\",\"description\":\"Demo plugin\",\"version\":\"{version}\",\"url\":\"https://example.com\",\"supportedContractVersions\":[\"1.0\"],\"capabilities\":[\"SIGNATURE_GENERATOR.RAW\"]}}'; exit 0; fi\nexit 1\n"
    )
    .into_bytes()
}

fn write_exe(path: &Path, data: &[u8]) {
    std::fs::write(path, data).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn zip_of(path: &Path, entries: &[(&str, &[u8])]) {
    let mut z = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    for (name, data) in entries {
        z.start_file(
            *name,
            zip::write::SimpleFileOptions::default().unix_permissions(0o755),
        )
        .unwrap();
        z.write_all(data).unwrap();
    }
    z.finish().unwrap();
}

fn tar_gz_of(path: &Path, entries: &[(&str, &[u8])]) {
    let gz = flate2::write::GzEncoder::new(
        std::fs::File::create(path).unwrap(),
        flate2::Compression::fast(),
    );
    let mut t = tar::Builder::new(gz);
    for (name, data) in entries {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o755);
        h.set_entry_type(tar::EntryType::Regular);
        // Raw name bytes, so hostile paths are written as given.
        let raw = &mut h.as_old_mut().name;
        raw[..name.len()].copy_from_slice(name.as_bytes());
        h.set_cksum();
        t.append(&h, *data).unwrap();
    }
    t.into_inner().unwrap().finish().unwrap();
}

#[test]
fn install_list_uninstall_plain_zip_and_tar_gz() {
    let e = Env::new();
    assert!(e.ok(&["plugin", "list"]).starts_with("NAME"));
    let exe = e.work.join("notation-demo");
    write_exe(&exe, &plugin_script("demo", "1.0.0"));
    let out = e.ok(&["plugin", "install", "--file", exe.to_str().unwrap()]);
    assert!(
        out.contains("Successfully installed plugin demo, version 1.0.0"),
        "{out}"
    );
    let installed = e.plugins().join("demo/notation-demo");
    assert!(installed.is_file());
    let out = e.ok(&["plugin", "list"]);
    assert!(out.contains("demo") && out.contains("Demo plugin") && out.contains("1.0.0"));
    assert!(out.contains("[SIGNATURE_GENERATOR.RAW]"), "{out}");

    // Already installed: refused without --force, replaced with it.
    let err = e.fails(&["plugin", "install", "--file", exe.to_str().unwrap()]);
    assert!(
        err.contains("already installed") && err.contains("--force"),
        "{err}"
    );
    let zip = e.work.join("demo.zip");
    zip_of(&zip, &[("notation-demo", &plugin_script("demo", "1.1.0"))]);
    e.ok(&[
        "plugin",
        "install",
        "--force",
        "--file",
        zip.to_str().unwrap(),
    ]);
    assert!(e.ok(&["plugin", "list"]).contains("1.1.0"));
    let tgz = e.work.join("demo.tar.gz");
    tar_gz_of(
        &tgz,
        &[("bin/notation-demo", &plugin_script("demo", "1.2.0"))],
    );
    e.ok(&[
        "plugin",
        "install",
        "--force",
        "--file",
        tgz.to_str().unwrap(),
    ]);
    assert!(e.ok(&["plugin", "list"]).contains("1.2.0"));

    // A broken plugin shows its error in the list.
    let broken = e.plugins().join("broken");
    std::fs::create_dir_all(&broken).unwrap();
    write_exe(&broken.join("notation-broken"), b"#!/bin/sh\necho nope\n");
    let out = e.ok(&["plugin", "list"]);
    assert!(
        out.contains("broken") && out.contains("malformed response"),
        "{out}"
    );

    // Uninstall needs confirmation (stdin is empty here) or --yes.
    let err = e.fails(&["plugin", "uninstall", "demo"]);
    assert!(err.contains("cancelled"), "{err}");
    assert!(installed.is_file());
    e.ok(&["plugin", "uninstall", "--yes", "demo"]);
    assert!(!e.plugins().join("demo").exists());
    assert!(
        e.fails(&["plugin", "uninstall", "--yes", "demo"])
            .contains("not installed")
    );
    assert!(
        e.fails(&["plugin", "uninstall", "--yes", "../config"])
            .contains("invalid plugin name")
    );
}

/// Writes a test package to the given path.
type Maker<'a> = Box<dyn Fn(&Path) + 'a>;

#[test]
fn hostile_or_wrong_packages_are_refused() {
    let e = Env::new();
    let good = plugin_script("demo", "1.0.0");
    let cases: Vec<(&str, Maker, &str)> = vec![
        (
            "slip.zip",
            Box::new(|p: &Path| zip_of(p, &[("../notation-demo", &good)])),
            "unsafe path",
        ),
        (
            "abs.zip",
            Box::new(|p: &Path| zip_of(p, &[("/tmp/notation-demo", &good)])),
            "unsafe path",
        ),
        (
            "slip.tar.gz",
            Box::new(|p: &Path| tar_gz_of(p, &[("x/../../notation-demo", &good)])),
            "unsafe path",
        ),
        (
            "two.zip",
            Box::new(|p: &Path| zip_of(p, &[("notation-demo", &good), ("README", b"hi")])),
            "exactly one file",
        ),
        (
            "two.tar.gz",
            Box::new(|p: &Path| {
                tar_gz_of(p, &[("notation-demo", &good), ("notation-other", &good)])
            }),
            "exactly one file",
        ),
        ("empty.zip", Box::new(|p: &Path| zip_of(p, &[])), "no file"),
        (
            "badname.zip",
            Box::new(|p: &Path| zip_of(p, &[("demo", &good)])),
            "must be named notation-",
        ),
        (
            "mismatch.zip",
            Box::new(|p: &Path| zip_of(p, &[("notation-other", &good)])),
            "reports the name \"demo\"",
        ),
        (
            "notplugin.zip",
            Box::new(|p: &Path| zip_of(p, &[("notation-demo", b"#!/bin/sh\nexit 3\n")])),
            "is not a valid plugin",
        ),
        (
            "corrupt.zip",
            Box::new(|p: &Path| std::fs::write(p, b"PK\x03\x04garbage").unwrap()),
            "not a valid zip",
        ),
    ];
    for (file, make, needle) in cases {
        let p = e.work.join(file);
        make(&p);
        let err = e.fails(&["plugin", "install", "--file", p.to_str().unwrap()]);
        assert!(err.contains(needle), "{file}: {err}");
    }
    // Nothing was installed by any of them, and no staging directory is left behind.
    let left: Vec<_> = std::fs::read_dir(e.plugins())
        .map(|d| d.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn decompression_is_capped_while_streaming() {
    let e = Env::new();
    // 300 MiB of zeros: a small archive that inflates past the 256 MiB limit.
    let bomb = e.work.join("bomb.tar.gz");
    let gz = flate2::write::GzEncoder::new(
        std::fs::File::create(&bomb).unwrap(),
        flate2::Compression::fast(),
    );
    let mut t = tar::Builder::new(gz);
    let size = 300u64 * 1024 * 1024;
    let mut h = tar::Header::new_gnu();
    h.set_size(size);
    h.set_mode(0o755);
    h.set_path("notation-demo").unwrap();
    h.set_cksum();
    t.append(&h, std::io::repeat(0).take(size)).unwrap();
    t.into_inner().unwrap().finish().unwrap();
    assert!(std::fs::metadata(&bomb).unwrap().len() < 10 * 1024 * 1024);
    let err = e.fails(&["plugin", "install", "--file", bomb.to_str().unwrap()]);
    assert!(err.contains("exceeds 256 MiB"), "{err}");

    // The same as a zip (one deflated entry).
    let bomb = e.work.join("bomb.zip");
    let mut z = zip::ZipWriter::new(std::fs::File::create(&bomb).unwrap());
    z.start_file(
        "notation-demo",
        zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .compression_level(Some(1))
            .large_file(true),
    )
    .unwrap();
    std::io::copy(&mut std::io::repeat(0).take(size), &mut z).unwrap();
    z.finish().unwrap();
    assert!(std::fs::metadata(&bomb).unwrap().len() < 10 * 1024 * 1024);
    let err = e.fails(&["plugin", "install", "--file", bomb.to_str().unwrap()]);
    assert!(err.contains("exceeds 256 MiB"), "{err}");
    assert!(!e.plugins().join("demo").exists());
}
