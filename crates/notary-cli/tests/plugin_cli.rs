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

    // A higher version replaces it without --force, from any package format.
    let zip = e.work.join("demo.zip");
    zip_of(&zip, &[("notation-demo", &plugin_script("demo", "1.1.0"))]);
    let out = e.ok(&["plugin", "install", "--file", zip.to_str().unwrap()]);
    assert!(
        out.contains("Successfully updated plugin demo from version 1.0.0 to 1.1.0"),
        "{out}"
    );
    assert!(e.ok(&["plugin", "list"]).contains("1.1.0"));
    let tgz = e.work.join("demo.tar.gz");
    tar_gz_of(
        &tgz,
        &[("bin/notation-demo", &plugin_script("demo", "1.2.0"))],
    );
    let out = e.ok(&["plugin", "install", "--file", tgz.to_str().unwrap()]);
    assert!(
        out.contains("Successfully updated plugin demo from version 1.1.0 to 1.2.0"),
        "{out}"
    );
    assert!(e.ok(&["plugin", "list"]).contains("1.2.0"));

    // A broken plugin shows its error in the list.
    let broken = e.plugins().join("broken");
    std::fs::create_dir_all(&broken).unwrap();
    write_exe(&broken.join("notation-broken"), b"#!/bin/sh\necho nope\n");
    let out = e.ok(&["plugin", "list"]);
    assert!(
        out.contains("broken")
            && out.contains(
                "failed to unmarshal the response of get-plugin-metadata command for plugin broken"
            ),
        "{out}"
    );
    // One whose stderr ends its error with line breaks (and a terminal escape): still one row.
    let noisy = e.plugins().join("noisy");
    std::fs::create_dir_all(&noisy).unwrap();
    write_exe(
        &noisy.join("notation-noisy"),
        b"#!/bin/sh\nprintf 'nope\\n\\033[2J\\n' >&2\nexit 1\n",
    );
    let out = e.ok(&["plugin", "list"]);
    let rows: Vec<&str> = out.lines().collect();
    // The header, broken, demo and noisy.
    assert_eq!(rows.len(), 4, "{out}");
    assert!(
        rows[3].starts_with("noisy ") && rows[3].contains("exit status 1"),
        "{out}"
    );
    assert!(!out.contains('\u{1b}'), "{out:?}");
    std::fs::remove_dir_all(&noisy).unwrap();

    // The staging directory of an install killed half-way is not a plugin.
    let staging = e.plugins().join(".install-AbC123");
    std::fs::create_dir_all(&staging).unwrap();
    write_exe(
        &staging.join("notation-demo"),
        &plugin_script("demo", "9.9.9"),
    );
    let out = e.ok(&["plugin", "list"]);
    assert!(
        !out.contains(".install-") && !out.contains("9.9.9"),
        "{out}"
    );

    // Uninstall needs confirmation or --yes; declined (or stdin empty), nothing is removed and
    // the command succeeds, as notation's.
    e.ok(&["plugin", "uninstall", "demo"]);
    assert!(installed.is_file());
    let o = e.run_with_stdin(&["plugin", "uninstall", "demo"], b"n\n");
    assert!(o.status.success());
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("Operation cancelled."), "{out}");
    assert!(installed.is_file());
    e.ok(&["plugin", "uninstall", "--yes", "demo"]);
    assert!(!e.plugins().join("demo").exists());
    assert!(
        e.fails(&["plugin", "uninstall", "--yes", "demo"])
            .contains("unable to find plugin demo.")
    );
    // A name that cannot be a plugin's directory names none, in notation's words.
    assert!(
        e.fails(&["plugin", "uninstall", "--yes", "../config"])
            .contains("unable to find plugin ../config.")
    );
}

/// The installed `demo` plugin's version, as `plugin list` shows it.
fn installed_version(e: &Env) -> String {
    let out = e.ok(&["plugin", "list"]);
    let line = out
        .lines()
        .find(|l| l.starts_with("demo "))
        .unwrap_or_else(|| panic!("demo is not listed: {out}"));
    line.split_whitespace()
        .find(|w| w.starts_with(|c: char| c.is_ascii_digit()))
        .unwrap()
        .to_string()
}

#[test]
fn reinstall_follows_notation_version_rules() {
    let e = Env::new();
    let pkg = |version: &str| {
        let p = e.work.join(format!("v{version}/notation-demo"));
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        write_exe(&p, &plugin_script("demo", version));
        p.to_str().unwrap().to_string()
    };
    let install = |version: &str, force: bool| {
        let src = pkg(version);
        let mut args = vec!["plugin", "install", "--file", src.as_str()];
        if force {
            args.push("--force");
        }
        e.run(&args)
    };
    let text = |o: &std::process::Output| {
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    };
    let ok = |version: &str, force: bool| {
        let o = install(version, force);
        assert!(o.status.success(), "{}", text(&o));
        text(&o)
    };
    let refused = |version: &str| {
        let o = install(version, false);
        assert!(!o.status.success(), "{}", text(&o));
        text(&o)
    };

    ok("1.2.0", false);
    assert_eq!(installed_version(&e), "1.2.0");

    // The same version: refused without --force, nothing changes.
    let err = refused("1.2.0");
    assert!(
        err.contains(
            "Error: plugin installation failed: plugin demo with version 1.2.0 already exists"
        ),
        "{err}"
    );
    // A lower version (a pre-release of the same one too): refused, pointing at --force.
    for lower in ["1.1.9", "1.2.0-rc.1"] {
        let err = refused(lower);
        assert!(
            err.contains(&format!("Error: plugin installation failed: failed to install plugin demo. The installing plugin version {lower} is lower than the existing plugin version 1.2.0.\nIt is not recommended to install an older version. To force the installation, use the \"--force\" option")),
            "{err}"
        );
    }
    assert_eq!(installed_version(&e), "1.2.0");

    // A strictly higher version installs without --force (build metadata does not count).
    let out = ok("1.10.0", false);
    assert!(
        out.contains("Successfully updated plugin demo from version 1.2.0 to 1.10.0"),
        "{out}"
    );
    assert_eq!(installed_version(&e), "1.10.0");
    assert!(refused("1.10.0+build.5").contains("with version 1.10.0 already exists"));

    // --force skips the check: the same version, and a downgrade.
    let out = ok("1.10.0", true);
    assert!(
        out.contains("Successfully updated plugin demo from version 1.10.0 to 1.10.0"),
        "{out}"
    );
    let out = ok("0.9.0", true);
    assert!(
        out.contains("Successfully updated plugin demo from version 1.10.0 to 0.9.0"),
        "{out}"
    );
    assert_eq!(installed_version(&e), "0.9.0");

    // Versions that are not SemVer cannot be compared: refused without --force.
    let err = refused("2.0");
    assert!(
        err.contains("failed to compare plugin versions: 2.0 is not a valid semantic version"),
        "{err}"
    );
    assert_eq!(installed_version(&e), "0.9.0");

    // An installed plugin that cannot answer is not replaced without --force; with it, it is
    // (reported as a fresh install: there was no version to update from).
    let exe = e.plugins().join("demo/notation-demo");
    write_exe(&exe, b"#!/bin/sh\necho nope\n");
    let err = refused("3.0.0");
    // notation's words for an answer that is not JSON: the reason alone, with its hint.
    assert!(
        err.contains("Error: plugin installation failed: failed to unmarshal the response of get-plugin-metadata command for plugin demo.\nPlease ensure"),
        "{err}"
    );
    let out = ok("3.0.0", true);
    assert!(
        out.contains("Successfully installed plugin demo, version 3.0.0"),
        "{out}"
    );
    assert_eq!(installed_version(&e), "3.0.0");

    // A leftover directory without an executable is no installed plugin.
    std::fs::remove_file(&exe).unwrap();
    std::fs::write(e.plugins().join("demo/stale"), b"x").unwrap();
    let out = ok("1.0.0", false);
    assert!(
        out.contains("Successfully installed plugin demo, version 1.0.0"),
        "{out}"
    );
    assert!(!e.plugins().join("demo/stale").exists());
    assert_eq!(installed_version(&e), "1.0.0");
}

/// A plugin script answering `get-plugin-metadata` with `metadata` (JSON).
fn metadata_script(metadata: &serde_json::Value) -> Vec<u8> {
    format!(
        "#!/bin/sh\ncat >/dev/null\nif [ \"$1\" = get-plugin-metadata ]; then echo '{metadata}'; exit 0; fi\nexit 1\n"
    )
    .into_bytes()
}

#[test]
fn metadata_without_the_fields_notation_requires_is_refused() {
    let e = Env::new();
    let good = serde_json::json!({
        "name": "demo", "description": "Demo plugin", "version": "1.0.0",
        "url": "https://example.com", "supportedContractVersions": ["1.0"],
        "capabilities": ["SIGNATURE_GENERATOR.RAW"],
    });
    for (field, value, reason) in [
        ("description", serde_json::json!(""), "empty description"),
        ("version", serde_json::json!(""), "empty version"),
        ("url", serde_json::json!(""), "empty url"),
        ("capabilities", serde_json::json!([]), "empty capabilities"),
        (
            "supportedContractVersions",
            serde_json::json!([]),
            "supported contract versions not specified",
        ),
    ] {
        let mut meta = good.clone();
        meta[field] = value;
        let exe = e.work.join("notation-demo");
        write_exe(&exe, &metadata_script(&meta));
        let err = e.fails(&["plugin", "install", "--file", exe.to_str().unwrap()]);
        assert!(
            err.contains(&format!(
                "Error: plugin installation failed: metadata validation failed for plugin demo: {reason}.\nPlease ensure that the plugin executable file is intact"
            )),
            "{field}: {err}"
        );
        assert!(!e.plugins().join("demo").exists(), "{field}");

        // An installed one shows the reason in the list.
        let dir = e.plugins().join("demo");
        std::fs::create_dir_all(&dir).unwrap();
        write_exe(&dir.join("notation-demo"), &metadata_script(&meta));
        let out = e.ok(&["plugin", "list"]);
        assert!(
            out.contains(&format!(
                "metadata validation failed for plugin demo: {reason}"
            )),
            "{field}: {out}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

/// A signing plugin `rec` that writes each request to `<seen>/<command>.json` and fails
/// `describe-key` (the runs here only look at what it was sent).
fn recording_plugin(plugins: &Path, seen: &Path) {
    let dir = plugins.join("rec");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::create_dir_all(seen).unwrap();
    write_exe(
        &dir.join("notation-rec"),
        format!(
            r#"#!/bin/sh
cat > {seen}/$1.json
case "$1" in
get-plugin-metadata) echo '{{"name":"rec","description":"d","version":"1.0.0","url":"u","supportedContractVersions":["1.0"],"capabilities":["SIGNATURE_GENERATOR.RAW"]}}';;
*) echo '{{"errorCode":"GENERIC","errorMessage":"recorded"}}' >&2; exit 1;;
esac
"#,
            seen = seen.display()
        )
        .as_bytes(),
    );
}

#[test]
fn signing_sends_the_merged_plugin_config_with_get_plugin_metadata() {
    let e = Env::new();
    let seen = e.root().join("seen");
    recording_plugin(&e.plugins(), &seen);
    let request = |cmd: &str| -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(seen.join(format!("{cmd}.json"))).unwrap()).unwrap()
    };
    e.ok(&[
        "key",
        "add",
        "rk",
        "--plugin",
        "rec",
        "--id",
        "kid",
        "--plugin-config",
        "region=eu",
        "--plugin-config",
        "color=red",
    ]);
    let blob = e.work.join("blob.txt");
    std::fs::write(&blob, b"hello").unwrap();
    // The key's config merged with --plugin-config (which wins), as notation-go's PluginSigner
    // sends it: with get-plugin-metadata as with describe-key.
    let err = e.fails(&[
        "blob",
        "sign",
        "--key",
        "rk",
        "--plugin-config",
        "color=blue",
        blob.to_str().unwrap(),
    ]);
    assert!(err.contains("recorded"), "{err}");
    let merged = serde_json::json!({"color": "blue", "region": "eu"});
    assert_eq!(request("get-plugin-metadata")["pluginConfig"], merged);
    assert_eq!(request("describe-key")["pluginConfig"], merged);

    // --plugin/--id without config: no pluginConfig at all.
    let err = e.fails(&[
        "blob",
        "sign",
        "--plugin",
        "rec",
        "--id",
        "kid",
        blob.to_str().unwrap(),
    ]);
    assert!(err.contains("recorded"), "{err}");
    assert_eq!(request("get-plugin-metadata"), serde_json::json!({}));

    // plugin list asks with no config (as notation plugin list).
    e.ok(&["plugin", "list"]);
    assert_eq!(request("get-plugin-metadata"), serde_json::json!({}));
}

#[test]
fn a_package_may_carry_a_license_and_other_files() {
    // The spec's package layout: the executable with a LICENSE (and dependencies) beside it,
    // all installed in the plugin's directory, as notation does.
    let e = Env::new();
    let good = plugin_script("demo", "1.0.0");
    let zip = e.work.join("demo.zip");
    zip_of(
        &zip,
        &[
            ("notation-demo", &good),
            ("LICENSE", b"license text"),
            ("lib/helper.so", b"lib"),
        ],
    );
    let out = e.ok(&["plugin", "install", "--file", zip.to_str().unwrap()]);
    assert!(out.contains("Successfully installed plugin demo"), "{out}");
    let dir = e.plugins().join("demo");
    assert_eq!(std::fs::read(dir.join("LICENSE")).unwrap(), b"license text");
    // A zip's directories are ignored, as notation reads only its top level.
    assert!(!dir.join("helper.so").exists() && !dir.join("lib").exists());
    assert!(e.ok(&["plugin", "list"]).contains("1.0.0"));

    // A tar's files are flattened into the plugin's directory, as notation does.
    let tgz = e.work.join("demo.tar.gz");
    tar_gz_of(
        &tgz,
        &[
            ("bin/notation-demo", &plugin_script("demo", "1.1.0")),
            ("lib/helper.so", b"lib"),
        ],
    );
    e.ok(&["plugin", "install", "--file", tgz.to_str().unwrap()]);
    assert_eq!(std::fs::read(dir.join("helper.so")).unwrap(), b"lib");
    assert!(!dir.join("LICENSE").exists());

    // A zip holding the executable only in a directory holds no plugin for notation.
    let nested = e.work.join("nested.zip");
    zip_of(&nested, &[("bin/notation-other", &good)]);
    let err = e.fails(&["plugin", "install", "--file", nested.to_str().unwrap()]);
    assert!(
        err.contains("Error: plugin installation failed: failed to read plugin from input directory: no plugin executable file was found"),
        "{err}"
    );
}

/// An upgrade swaps the plugin's whole directory in (the new one is assembled beside it, in
/// staging directories of its own): afterwards the directory holds exactly the new package's
/// files, whatever they are named, and no staging directory is left behind.
#[test]
fn an_upgrade_replaces_the_whole_directory_and_leaves_no_staging_behind() {
    let e = Env::new();
    let a = e.work.join("a.zip");
    let b = e.work.join("b.zip");
    let (sa, sb) = (
        plugin_script("demo", "2.0.0"),
        plugin_script("demo", "3.0.0"),
    );
    // File names the swap itself might have used.
    zip_of(&a, &[("notation-demo", &sa), ("new", b"a"), ("A", b"a")]);
    zip_of(&b, &[("notation-demo", &sb), ("old", b"b"), ("B", b"b")]);
    let dir = e.plugins().join("demo");
    let names = || {
        let mut n: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|f| f.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        n.sort();
        n
    };
    let others = || -> Vec<String> {
        std::fs::read_dir(e.plugins())
            .unwrap()
            .map(|f| f.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n != "demo")
            .collect()
    };
    e.ok(&["plugin", "install", "--file", a.to_str().unwrap()]);
    assert_eq!(names(), ["A", "new", "notation-demo"]);
    e.ok(&["plugin", "install", "--file", b.to_str().unwrap()]);
    assert_eq!(names(), ["B", "notation-demo", "old"]);
    assert_eq!(std::fs::read(dir.join("notation-demo")).unwrap(), sb);
    assert!(others().is_empty(), "{:?}", others());
    // A refused downgrade leaves the installed plugin as it was.
    e.fails(&["plugin", "install", "--file", a.to_str().unwrap()]);
    assert_eq!(names(), ["B", "notation-demo", "old"]);
    e.ok(&[
        "plugin",
        "install",
        "--force",
        "--file",
        a.to_str().unwrap(),
    ]);
    assert_eq!(names(), ["A", "new", "notation-demo"]);
    assert!(others().is_empty(), "{:?}", others());
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
            "file name in zip cannot contain '..', but found \"../notation-demo\"",
        ),
        (
            "abs.zip",
            Box::new(|p: &Path| zip_of(p, &[("/tmp/notation-demo", &good)])),
            "unsafe path",
        ),
        (
            "slip.tar.gz",
            Box::new(|p: &Path| tar_gz_of(p, &[("x/../../notation-demo", &good)])),
            "file name in tar.gz cannot contain '..', but found \"x/../../notation-demo\"",
        ),
        (
            "two.tar.gz",
            Box::new(|p: &Path| {
                tar_gz_of(p, &[("notation-demo", &good), ("notation-other", &good)])
            }),
            "found more than one plugin executable files",
        ),
        (
            "same-name.tar.gz",
            Box::new(|p: &Path| {
                tar_gz_of(p, &[("a/notation-demo", &good), ("b/notation-demo", &good)])
            }),
            "two files named \"notation-demo\"",
        ),
        (
            "empty.zip",
            // Only an end record: not a zip by its first bytes, so a bare file of a wrong name.
            Box::new(|p: &Path| zip_of(p, &[])),
            "failed to read plugin name from input file empty.zip: invalid plugin executable file name",
        ),
        (
            "badname.zip",
            Box::new(|p: &Path| zip_of(p, &[("demo", &good)])),
            "no plugin executable file was found",
        ),
        (
            "mismatch.zip",
            Box::new(|p: &Path| zip_of(p, &[("notation-other", &good)])),
            "failed to get metadata of new plugin: plugin executable file name must be \"notation-demo\" instead of \"notation-other\"",
        ),
        (
            "notplugin.zip",
            Box::new(|p: &Path| zip_of(p, &[("notation-demo", b"#!/bin/sh\nexit 3\n")])),
            "failed to get metadata of new plugin: exit status 3.\nPlease ensure",
        ),
        (
            "corrupt.zip",
            Box::new(|p: &Path| std::fs::write(p, b"PK\x03\x04garbage").unwrap()),
            "zip: not a valid zip file",
        ),
    ];
    for (file, make, needle) in cases {
        let p = e.work.join(file);
        make(&p);
        let err = e.fails(&["plugin", "install", "--file", p.to_str().unwrap()]);
        assert!(err.contains(needle), "{file}: {err}");
    }
    // Nothing was installed by any of them, no staging directory is left behind, and the
    // plugin directory they created is removed again (notation leaves nothing).
    assert!(!e.plugins().exists());
}

#[test]
fn a_bare_executable_must_be_named_and_executable() {
    let e = Env::new();
    let good = plugin_script("demo", "1.0.0");
    let named = e.work.join("demo");
    write_exe(&named, &good);
    let err = e.fails(&["plugin", "install", "--file", named.to_str().unwrap()]);
    assert!(
        err.contains("Error: plugin installation failed: failed to read plugin name from input file demo: invalid plugin executable file name. Plugin file name requires format notation-{plugin-name}, but got demo"),
        "{err}"
    );
    let exe = e.work.join("notation-demo");
    std::fs::write(&exe, &good).unwrap();
    std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o644)).unwrap();
    let err = e.fails(&["plugin", "install", "--file", exe.to_str().unwrap()]);
    assert!(
        err.contains(
            "Error: plugin installation failed: input file notation-demo is not executable"
        ),
        "{err}"
    );
    // Its type is read from its first bytes, not its name: a script named .zip is a bare file.
    let odd = e.work.join("notation-demo.zip");
    write_exe(&odd, &good);
    let err = e.fails(&["plugin", "install", "--file", odd.to_str().unwrap()]);
    assert!(
        err.contains(
            "plugin executable file name must be \"notation-demo\" instead of \"notation-demo.zip\""
        ),
        "{err}"
    );
    assert!(!e.plugins().exists());
    // A file that is no program: Go's words for the failed start, with notation's hint.
    let junk = e.work.join("junk/notation-demo");
    std::fs::create_dir_all(junk.parent().unwrap()).unwrap();
    write_exe(&junk, b"\x7fELF junk");
    let err = e.fails(&["plugin", "install", "--file", junk.to_str().unwrap()]);
    assert!(
        err.contains(&format!(
            "failed to get metadata of new plugin: fork/exec {}: exec format error.\nPlease ensure that the plugin executable file is compatible with",
            junk.display()
        )),
        "{err}"
    );
    // --sha256sum is compared as given (a space is no hex digit), and needs a value.
    use sha2::Digest as _;
    std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o755)).unwrap();
    let sum = hex::encode(sha2::Sha256::digest(&good));
    let spaced = format!(" {sum}");
    let path = exe.to_str().unwrap();
    let err = e.fails(&["plugin", "install", "--file", path, "--sha256sum", &spaced]);
    assert!(err.contains("checksum does not match user input"), "{err}");
    let err = e.fails(&["plugin", "install", "--file", path, "--sha256sum"]);
    assert!(
        err.contains("Error: flag needs an argument: --sha256sum"),
        "{err}"
    );
    e.ok(&[
        "plugin",
        "install",
        "--file",
        path,
        "--sha256sum",
        &sum.to_uppercase(),
    ]);
}

#[test]
fn installed_files_keep_the_package_modes_as_notation_copies_them() {
    use std::os::unix::fs::MetadataExt as _;
    let e = Env::new();
    let mode = |p: &Path| std::fs::metadata(p).unwrap().mode() & 0o7777;
    let dir = e.plugins().join("demo");
    // A bare executable keeps its bits, without group and other write.
    let exe = e.work.join("notation-demo");
    std::fs::write(&exe, plugin_script("demo", "1.0.0")).unwrap();
    std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o700)).unwrap();
    e.ok(&["plugin", "install", "--file", exe.to_str().unwrap()]);
    assert_eq!(mode(&dir.join("notation-demo")), 0o700);
    // An archive's files keep the bits it records; the one candidate not marked executable
    // gets its owner's execute bit.
    let tgz = e.work.join("demo.tar.gz");
    let gz = flate2::write::GzEncoder::new(
        std::fs::File::create(&tgz).unwrap(),
        flate2::Compression::fast(),
    );
    let mut t = tar::Builder::new(gz);
    for (name, data, bits) in [
        ("notation-demo", plugin_script("demo", "1.1.0"), 0o640),
        ("LICENSE", b"text".to_vec(), 0o600),
        ("lib.so", b"lib".to_vec(), 0o777),
    ] {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(bits);
        h.set_path(name).unwrap();
        h.set_cksum();
        t.append(&h, data.as_slice()).unwrap();
    }
    t.into_inner().unwrap().finish().unwrap();
    e.ok(&["plugin", "install", "--file", tgz.to_str().unwrap()]);
    assert_eq!(mode(&dir.join("notation-demo")), 0o740);
    assert_eq!(mode(&dir.join("LICENSE")), 0o600);
    assert_eq!(mode(&dir.join("lib.so")), 0o755);
}

#[test]
fn uninstall_and_list_in_notations_words() {
    let e = Env::new();
    // A directory without the executable is no installed plugin: nothing is removed.
    let dir = e.plugins().join("demo");
    std::fs::create_dir_all(&dir).unwrap();
    let err = e.fails(&["plugin", "uninstall", "--yes", "demo"]);
    assert!(err.contains("Error: unable to find plugin demo."), "{err}");
    assert!(dir.exists());
    let err = e.fails(&["plugin", "uninstall", "--yes"]);
    assert!(err.contains("Error: plugin name is required"), "{err}");
    let err = e.fails(&["plugin", "uninstall", "--yes", "demo", "other"]);
    assert!(
        err.contains("Error: only one plugin can be removed at a time"),
        "{err}"
    );
    let out = e.ok(&["plugin", "list"]);
    assert!(
        out.contains("plugin executable file `notation-demo` not found. Use `notary plugin install` command to install the plugin"),
        "{out}"
    );
    std::fs::remove_dir_all(e.plugins()).unwrap();
    std::fs::write(e.plugins(), b"").unwrap();
    let err = e.fails(&["plugin", "list"]);
    assert!(
        err.contains("Error: failed to list plugin: open .: not a directory.\nPlease ensure that the current user has permission to access the plugin directory"),
        "{err}"
    );
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
    assert!(err.contains("reached the 256 MiB size limit"), "{err}");

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
    assert!(err.contains("reached the 256 MiB size limit"), "{err}");
    assert!(!e.plugins().join("demo").exists());
}

#[test]
fn signing_with_a_plugin_that_cannot_start_names_its_executable() {
    let e = Env::new();
    let dir = e.plugins().join("noexec");
    std::fs::create_dir_all(&dir).unwrap();
    let exe = dir.join("notation-noexec");
    std::fs::write(&exe, plugin_script("noexec", "1.0.0")).unwrap();
    // Not executable (0644): notation says `fork/exec PATH: permission denied`.
    let blob = e.work.join("blob.txt");
    std::fs::write(&blob, b"hello").unwrap();
    let err = e.fails(&[
        "blob",
        "sign",
        "--plugin",
        "noexec",
        "--id",
        "k",
        blob.to_str().unwrap(),
    ]);
    assert_eq!(
        err.trim_end(),
        format!("Error: fork/exec {}: permission denied", exe.display())
    );
    // A plugin that starts and fails keeps its name, the command and what it wrote.
    std::fs::write(
        &exe,
        "#!/bin/sh\necho 'boom: cannot reach KMS' >&2\nexit 1\n",
    )
    .unwrap();
    std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o755)).unwrap();
    let err = e.fails(&[
        "blob",
        "sign",
        "--plugin",
        "noexec",
        "--id",
        "k",
        blob.to_str().unwrap(),
    ]);
    assert!(
        err.contains("noexec")
            && err.contains("get-plugin-metadata")
            && err.contains("boom: cannot reach KMS"),
        "{err}"
    );
}
