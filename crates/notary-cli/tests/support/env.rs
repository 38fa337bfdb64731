//! The `notary` binary run the way a user runs it, inside a temporary directory that holds all
//! it could read or write: notation's configuration (`$XDG_CONFIG_HOME/notation`, as notation
//! finds it), plugins (`$NOTATION_LIBEXEC`), the cache, `$HOME` and Docker's configuration.
//! Nothing of the machine's (keys, credentials, caches, proxies, log filters) leaks in.

// Each test binary uses its own part of the harness.
#![allow(dead_code)]

use std::ffi::{OsStr, OsString};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// Variables of the machine that would change what `notary` does, removed from every run.
const CLEARED: &[&str] = &[
    "NOTATION_CONFIG",
    "NOTATION_USERNAME",
    "NOTATION_PASSWORD",
    "NOTARY_SIGNATURE_CACHE",
    "NOTARY_CONFIRM_REFERRERS_TAG",
    "RUST_LOG",
    "HTTP_PROXY",
    "http_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "ALL_PROXY",
    "all_proxy",
];

/// The `notary` under test: this build's, or `$NOTARY_BIN` (the release build of
/// `scripts/build-release.sh`, which `scripts/test.sh` runs this suite against as well).
pub fn notary_bin() -> PathBuf {
    std::env::var_os("NOTARY_BIN")
        .map_or_else(|| env!("CARGO_BIN_EXE_notary").into(), PathBuf::from)
}

pub struct Env {
    tmp: tempfile::TempDir,
    /// notation's configuration directory (`$XDG_CONFIG_HOME/notation`).
    pub config: PathBuf,
    /// `$NOTATION_LIBEXEC` (plugins under `plugins/`).
    pub libexec: PathBuf,
    /// The working directory of every run.
    pub work: PathBuf,
    /// `$NOTATION_CACHE`.
    pub cache: PathBuf,
    /// Put first in `PATH` (credential helpers).
    pub bin: PathBuf,
    vars: Vec<(OsString, Option<OsString>)>,
}

impl Env {
    pub fn new() -> Self {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        let work = root.join("work");
        let bin = root.join("bin");
        std::fs::create_dir_all(&work).unwrap();
        std::fs::create_dir_all(&bin).unwrap();
        Self {
            config: root.join("xdg/notation"),
            libexec: root.join("libexec"),
            cache: root.join("cache"),
            work,
            bin,
            tmp,
            vars: Vec::new(),
        }
    }

    /// The temporary directory everything lives in (also `$HOME`).
    pub fn root(&self) -> &Path {
        self.tmp.path()
    }

    /// Sets a variable for every later run.
    pub fn set_var(&mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) {
        self.vars
            .push((key.as_ref().to_owned(), Some(value.as_ref().to_owned())));
    }

    /// Removes a variable of the machine's from every later run.
    pub fn remove_var(&mut self, key: impl AsRef<OsStr>) {
        self.vars.push((key.as_ref().to_owned(), None));
    }

    /// `notary ARGS`, ready to run (stdin empty).
    pub fn command(&self, args: &[&str]) -> Command {
        let path = format!(
            "{}:{}",
            self.bin.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let mut c = Command::new(notary_bin());
        c.args(args)
            .current_dir(&self.work)
            .env("XDG_CONFIG_HOME", self.config.parent().unwrap())
            .env("NOTATION_LIBEXEC", &self.libexec)
            .env("NOTATION_CACHE", &self.cache)
            .env("HOME", self.root())
            .env("DOCKER_CONFIG", self.root().join("docker"))
            .env("PATH", path)
            .stdin(Stdio::null());
        for k in CLEARED {
            c.env_remove(k);
        }
        for (k, v) in &self.vars {
            match v {
                Some(v) => c.env(k, v),
                None => c.env_remove(k),
            };
        }
        c
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().unwrap()
    }

    pub fn run_with_stdin(&self, args: &[&str], stdin: &[u8]) -> Output {
        let mut child = self
            .command(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(stdin).unwrap();
        child.wait_with_output().unwrap()
    }

    /// Runs a command that must succeed with `stdin` as its input (answers to a prompt); its
    /// stdout.
    pub fn ok_with_stdin(&self, args: &[&str], stdin: &str) -> String {
        let o = self.run_with_stdin(args, stdin.as_bytes());
        let out = String::from_utf8_lossy(&o.stdout).into_owned();
        assert!(
            o.status.success(),
            "notary {args:?} exited {:?}:\n{out}\n{}",
            o.status.code(),
            String::from_utf8_lossy(&o.stderr)
        );
        out
    }

    /// Runs a command that must succeed; its stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        self.ok_both(args).0
    }

    /// Runs a command that must succeed; its stdout and stderr.
    pub fn ok_both(&self, args: &[&str]) -> (String, String) {
        let o = self.run(args);
        let (out, err) = (
            String::from_utf8_lossy(&o.stdout).into_owned(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        );
        assert!(
            o.status.success(),
            "notary {args:?} exited {:?}:\n{out}\n{err}",
            o.status.code()
        );
        (out, err)
    }

    /// Runs a command that must fail with exit code 1 and one `Error: ` message (after a
    /// prompt, if the command asked something); its stderr.
    pub fn fails(&self, args: &[&str]) -> String {
        let o = self.run(args);
        let err = String::from_utf8_lossy(&o.stderr).into_owned();
        assert_eq!(
            o.status.code(),
            Some(1),
            "notary {args:?} should exit 1: {err}"
        );
        assert_eq!(
            err.matches("Error: ").count(),
            1,
            "one error message expected: {err}"
        );
        err
    }

    /// Writes a file into the working directory.
    pub fn write(&self, name: &str, content: &str) -> PathBuf {
        let p = self.work.join(name);
        std::fs::write(&p, content).unwrap();
        p
    }

    /// An OCI layout `work/layout` holding one small artifact (`hello`, tagged `v1`, of
    /// `artifact_type`): the layout's path and the artifact's descriptor.
    pub fn layout_with_artifact(
        &self,
        artifact_type: Option<&str>,
    ) -> (PathBuf, notary_core::Descriptor) {
        let layout = self.work.join("layout");
        let l = notary_registry::OciLayout::create(&layout).unwrap();
        let config = l
            .push_blob("application/vnd.oci.empty.v1+json", b"{}")
            .unwrap();
        let layer = l.push_blob("text/plain", b"hello").unwrap();
        let manifest =
            notary_registry::manifest::image_manifest(&config, &[layer], artifact_type, None, None);
        let artifact = l
            .push_manifest(
                notary_registry::manifest::IMAGE_MANIFEST,
                &manifest,
                Some("v1"),
            )
            .unwrap();
        (layout, artifact)
    }

    /// The plugin directory.
    pub fn plugins(&self) -> PathBuf {
        self.libexec.join("plugins")
    }

    /// A P-256 test key `name` (`cert generate-test`) as the default signing key.
    pub fn default_test_key(&self, name: &str) {
        self.ok_both(&["cert", "generate-test", "--bits", "256", name, "--default"]);
    }

    /// A P-256 test key `name` as the default signing key, and a strict policy `policy` for
    /// `scope` trusting its CA (trust store `ca:<name>`), imported with `notary policy import`.
    pub fn trust_test_key(&self, name: &str, scope: &str, policy: &str) {
        self.default_test_key(name);
        let file = self.write(
            "policy.json",
            &format!(
                r#"{{"version":"1.0","trustPolicies":[{{"name":"{policy}","registryScopes":["{scope}"],
                "signatureVerification":{{"level":"strict"}},"trustStores":["ca:{name}"],"trustedIdentities":["*"]}}]}}"#
            ),
        );
        self.ok_both(&["policy", "import", file.to_str().unwrap()]);
    }
}
