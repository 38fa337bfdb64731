//! Files and directories the CLI writes: existing directories keep their mode (notation never
//! chmods them), missing ones are created 0700, written files are 0600.
#![cfg(unix)]

#[path = "support/env.rs"]
mod support;

use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::Command;

struct Env {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    xdg: PathBuf,
    work: PathBuf,
}

impl Env {
    fn new() -> Self {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().to_path_buf();
        let xdg = root.join("config");
        let work = root.join("work");
        std::fs::create_dir_all(&work).unwrap();
        Self {
            _tmp: tmp,
            root,
            xdg,
            work,
        }
    }

    fn ok(&self, args: &[&str]) {
        let o = Command::new(support::notary_bin())
            .args(args)
            .current_dir(&self.work)
            .env_remove("NOTATION_CONFIG")
            .env("XDG_CONFIG_HOME", &self.xdg)
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "notary {args:?} failed:\n{}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o7777
}

fn dir_with_mode(p: &Path, m: u32) {
    std::fs::create_dir_all(p).unwrap();
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap();
    assert_eq!(mode(p), m);
}

fn signed_env() -> Env {
    let e = Env::new();
    e.ok(&["cert", "generate-test", "wabbit", "--default"]);
    std::fs::write(e.work.join("artifact.bin"), b"the release artifact\n").unwrap();
    e
}

#[test]
fn blob_sign_into_existing_directories_keeps_their_mode() {
    let e = signed_env();
    // A shared directory like /tmp (sticky, world-writable) and an ordinary 0755 one.
    for (name, m) in [("shared", 0o1777), ("public", 0o755)] {
        let dir = e.root.join(name);
        dir_with_mode(&dir, m);
        e.ok(&[
            "blob",
            "sign",
            "--signature-directory",
            dir.to_str().unwrap(),
            "artifact.bin",
        ]);
        let sig = dir.join("artifact.bin.jws.sig");
        assert_eq!(mode(&sig), 0o600, "{}", sig.display());
        assert_eq!(mode(&dir), m, "blob sign changed the mode of {name}");
    }
    // The default directory (`.`) too.
    dir_with_mode(&e.work, 0o755);
    e.ok(&["blob", "sign", "--signature-format", "cose", "artifact.bin"]);
    assert_eq!(mode(&e.work.join("artifact.bin.cose.sig")), 0o600);
    assert_eq!(mode(&e.work), 0o755);
}

#[test]
fn blob_sign_creates_missing_directories_0700() {
    let e = signed_env();
    let dir = e.root.join("new/sigs");
    e.ok(&[
        "blob",
        "sign",
        "--signature-directory",
        dir.to_str().unwrap(),
        "artifact.bin",
    ]);
    assert_eq!(mode(&dir.join("artifact.bin.jws.sig")), 0o600);
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(mode(&e.root.join("new")), 0o700);
}

#[test]
fn existing_config_directory_keeps_its_mode_and_new_ones_are_0700() {
    let e = Env::new();
    let config = e.xdg.join("notation");
    dir_with_mode(&config, 0o755);
    e.ok(&["cert", "generate-test", "wabbit", "--default"]);
    assert_eq!(mode(&config), 0o755);
    assert_eq!(mode(&config.join("signingkeys.json")), 0o600);
    assert_eq!(mode(&config.join("localkeys")), 0o700);
    assert_eq!(mode(&config.join("localkeys/wabbit.key")), 0o600);
}
