//! Real registries for the live tests and benches: Debian's `docker-registry` (CNCF
//! Distribution 2.8, no referrers API) and CNCF Distribution v3 (referrers API), each started
//! on 127.0.0.1 with a throwaway config and storage, optionally behind htpasswd and TLS.
//! A missing registry binary fails the test: `scripts/setup.sh` installs both.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A two-worker runtime, so blocking signers and servers in the test can make progress.
pub fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// Which registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Debian `docker-registry` (Distribution 2.8): referrers tag schema only.
    Distribution2,
    /// CNCF Distribution v3.0.0: no referrers API either.
    Distribution3,
    /// olareg v0.1.2: OCI 1.1 referrers API (OCI-Subject, artifactType filter, pagination).
    Olareg,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::Distribution2, Kind::Distribution3, Kind::Olareg];

    /// Whether the registry has the referrers API.
    pub fn has_referrers_api(self) -> bool {
        self == Kind::Olareg
    }

    pub fn binary(self) -> PathBuf {
        let (env, candidates): (&str, Vec<PathBuf>) = match self {
            Kind::Distribution2 => (
                "NOTARY_TEST_DOCKER_REGISTRY",
                vec!["/usr/bin/docker-registry".into()],
            ),
            Kind::Distribution3 => (
                "NOTARY_TEST_DISTRIBUTION_V3",
                vec![
                    tools_dir().join("distribution-registry"),
                    "/usr/local/bin/distribution-registry".into(),
                ],
            ),
            Kind::Olareg => ("NOTARY_TEST_OLAREG", vec![tools_dir().join("olareg")]),
        };
        if let Some(p) = std::env::var_os(env) {
            return p.into();
        }
        candidates
            .into_iter()
            .find(|p| p.is_file())
            .unwrap_or_else(|| {
                panic!("{self:?} registry binary not found (set {env} or run scripts/setup.sh)")
            })
    }
}

/// Where scripts/setup.sh puts the Go tools.
pub fn tools_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("NOTARY_TOOLS_BIN") {
        return d.into();
    }
    let home = std::env::var_os("HOME").unwrap_or_else(|| "/root".into());
    Path::new(&home).join(".cache/notary-rs/tools")
}

/// A Go tool built by scripts/setup.sh (notation, oras, blobpeer, kube-apiserver, ...); a missing
/// one fails the test that needs it, never skips it.
pub fn tool(name: &str) -> PathBuf {
    let p = tools_dir().join(name);
    assert!(
        p.is_file(),
        "{name} not found at {}: run scripts/setup.sh (scripts/install-go-tools.sh builds the Go tools from their released modules)",
        p.display()
    );
    p
}

/// Options of a test registry.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// htpasswd Basic auth with this user and password.
    pub basic_auth: Option<(String, String)>,
    /// Serve HTTPS with a certificate issued by a fresh test CA.
    pub tls: bool,
    /// Bearer-token auth: (realm URL, service, issuer, PEM of the token signing certificate).
    pub token: Option<(String, String, String, String)>,
}

/// A running registry; stopped (SIGKILL, throwaway storage) on drop.
pub struct Registry {
    pub kind: Kind,
    /// `127.0.0.1:<port>`
    pub host: String,
    /// PEM of the CA that issued the server certificate (TLS only).
    pub ca_pem: Option<Vec<u8>>,
    pub dir: tempfile::TempDir,
    child: Child,
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `cmd`, failing the test with its stderr if it fails.
pub fn run(cmd: &mut Command) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A P-256 CA and a separate server leaf (rustls refuses a CA certificate used as a server
/// certificate) for `subject_alt_names` (OpenSSL syntax; Go ignores the CN, the SAN is
/// required), as PEM files in `dir`: `<name>-ca.crt`, `<name>.crt`, `<name>.key`.
/// Returns (CA, leaf, key) paths.
pub fn server_cert(dir: &Path, name: &str, subject_alt_names: &str) -> (PathBuf, PathBuf, PathBuf) {
    let p = |s: &str| dir.join(format!("{name}{s}"));
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
    ];
    run(Command::new("openssl")
        .args(["req", "-x509"])
        .args(ec)
        .arg("-keyout")
        .arg(p("-ca.key"))
        .arg("-out")
        .arg(p("-ca.crt"))
        .args(["-days", "2", "-subj", &format!("/CN={name} test CA")])
        .args(["-addext", "basicConstraints=critical,CA:TRUE"])
        .args(["-addext", "keyUsage=critical,keyCertSign,cRLSign"]));
    run(Command::new("openssl")
        .arg("req")
        .args(ec)
        .arg("-keyout")
        .arg(p(".key"))
        .arg("-out")
        .arg(p(".csr"))
        .args(["-subj", "/CN=localhost"]));
    std::fs::write(
        p(".ext"),
        format!(
            "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName={subject_alt_names}\n"
        ),
    )
    .unwrap();
    run(Command::new("openssl")
        .args(["x509", "-req", "-sha256", "-days", "2", "-CAcreateserial"])
        .arg("-in")
        .arg(p(".csr"))
        .arg("-CA")
        .arg(p("-ca.crt"))
        .arg("-CAkey")
        .arg(p("-ca.key"))
        .arg("-extfile")
        .arg(p(".ext"))
        .arg("-out")
        .arg(p(".crt")));
    (p("-ca.crt"), p(".crt"), p(".key"))
}

/// The registry's server certificate: (leaf, key, CA PEM).
fn make_tls(dir: &Path) -> (PathBuf, PathBuf, Vec<u8>) {
    let (ca, crt, key) = server_cert(dir, "registry", "IP:127.0.0.1,DNS:localhost");
    (crt, key, std::fs::read(ca).unwrap())
}

impl Registry {
    pub fn start(kind: Kind, options: &Options) -> Registry {
        let bin = kind.binary();
        let dir = tempfile::tempdir().unwrap();
        if kind == Kind::Olareg {
            return Self::start_olareg(bin, dir, options);
        }
        let mut config = format!(
            "version: 0.1\nlog: {{level: info, accesslog: {{disabled: true}}}}\nstorage: {{filesystem: {{rootdirectory: {}}}, delete: {{enabled: true}}}}\nhttp:\n  addr: 127.0.0.1:0\n  secret: test-only-secret\n",
            dir.path().join("data").display()
        );
        let mut ca_pem = None;
        if options.tls {
            let (crt, key, ca) = make_tls(dir.path());
            config.push_str(&format!(
                "  tls: {{certificate: {}, key: {}}}\n",
                crt.display(),
                key.display()
            ));
            ca_pem = Some(ca);
        }
        if let Some((user, pass)) = &options.basic_auth {
            let out = Command::new("htpasswd")
                .args(["-Bbn", user, pass])
                .output()
                .expect("htpasswd (apache2-utils) is required: run scripts/setup.sh");
            assert!(out.status.success());
            let path = dir.path().join("htpasswd");
            std::fs::write(&path, &out.stdout).unwrap();
            config.push_str(&format!(
                "auth: {{htpasswd: {{realm: test-realm, path: {}}}}}\n",
                path.display()
            ));
        }
        if let Some((realm, service, issuer, cert_pem)) = &options.token {
            let bundle = dir.path().join("token-root.pem");
            std::fs::write(&bundle, cert_pem).unwrap();
            config.push_str(&format!(
                "auth: {{token: {{realm: \"{realm}\", service: {service}, issuer: {issuer}, rootcertbundle: {}}}}}\n",
                bundle.display()
            ));
        }
        let config_path = dir.path().join("config.yml");
        std::fs::write(&config_path, config).unwrap();
        let log_path = dir.path().join("registry.log");
        let log = std::fs::File::create(&log_path).unwrap();
        let child = Command::new(&bin)
            .arg("serve")
            .arg(&config_path)
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("starting {}: {e}", bin.display()));
        let mut reg = Registry {
            kind,
            host: String::new(),
            ca_pem,
            dir,
            child,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let text = std::fs::read_to_string(&log_path).unwrap_or_default();
            if let Some(i) = text.find("listening on 127.0.0.1:") {
                let rest = &text[i + "listening on 127.0.0.1:".len()..];
                let port: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
                reg.host = format!("127.0.0.1:{port}");
                return reg;
            }
            if let Ok(Some(status)) = reg.child.try_wait() {
                panic!("{kind:?} registry exited with {status}: {text}");
            }
            assert!(
                Instant::now() < deadline,
                "{kind:?} registry did not start: {text}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn start_olareg(bin: PathBuf, dir: tempfile::TempDir, options: &Options) -> Registry {
        assert!(options.basic_auth.is_none(), "olareg has no auth");
        // olareg does not report an ephemeral port: take a free one and hand it over.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let log = std::fs::File::create(dir.path().join("registry.log")).unwrap();
        let mut cmd = Command::new(&bin);
        cmd.args([
            "serve",
            "--addr",
            "127.0.0.1",
            "--port",
            &port.to_string(),
            "--dir",
        ])
        .arg(dir.path().join("data"))
        .args(["--api-delete", "--gc-frequency", "-1s"]);
        let mut ca_pem = None;
        if options.tls {
            let (crt, key, ca) = make_tls(dir.path());
            cmd.arg("--tls-cert").arg(crt).arg("--tls-key").arg(key);
            ca_pem = Some(ca);
        }
        let child = cmd
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("starting {}: {e}", bin.display()));
        let mut reg = Registry {
            kind: Kind::Olareg,
            host: format!("127.0.0.1:{port}"),
            ca_pem,
            dir,
            child,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(&reg.host).is_err() {
            if let Ok(Some(status)) = reg.child.try_wait() {
                let text = std::fs::read_to_string(reg.dir.path().join("registry.log"))
                    .unwrap_or_default();
                panic!("olareg exited with {status}: {text}");
            }
            assert!(Instant::now() < deadline, "olareg did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        reg
    }

    /// Whether clients must use plain HTTP.
    pub fn plain_http(&self) -> bool {
        self.ca_pem.is_none()
    }

    /// notary-rs client options for this registry: plain HTTP or its test CA, quick retries.
    pub fn remote_options(&self) -> notary_registry::RemoteOptions {
        let mut o = notary_registry::RemoteOptions::default();
        o.plain_http = self.plain_http();
        o.ca_certificates_pem = self.ca_pem.iter().cloned().collect();
        o.retry_base_delay = Duration::from_millis(20);
        o
    }

    /// Pushes a small image (empty config, one `content` layer) to `repo:tag` with notary-rs's
    /// client, as `basic` (user, password) where given, and returns `host/repo@digest`.
    pub fn push_image(
        &self,
        repo: &str,
        tag: &str,
        content: &[u8],
        basic: Option<(&str, &str)>,
    ) -> String {
        use notary_registry::remote::{Credential, StaticCredential};
        let mut o = self.remote_options();
        if let Some((username, password)) = basic {
            o.credentials = std::sync::Arc::new(StaticCredential(Credential::Basic {
                username: username.into(),
                password: password.into(),
            }));
        }
        let r = notary_registry::RemoteRepository::new(&self.host, repo, o).unwrap();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let desc = rt.block_on(push_artifact(&r, tag, content));
        format!("{}/{repo}@{}", self.host, desc.digest)
    }

    /// A notary-rs client for repository `name` of this registry.
    pub fn repo(&self, name: &str) -> notary_registry::RemoteRepository {
        notary_registry::RemoteRepository::new(&self.host, name, self.remote_options()).unwrap()
    }
}

/// Pushes a small image (empty config, one `content` layer) tagged `tag` through `r`.
pub async fn push_artifact(
    r: &notary_registry::RemoteRepository,
    tag: &str,
    content: &[u8],
) -> notary_core::Descriptor {
    use notary_registry::manifest;
    let config = r.push_blob(manifest::EMPTY_JSON, b"{}").await.unwrap();
    let layer = r.push_blob("text/plain", content).await.unwrap();
    let m = manifest::image_manifest(&config, &[layer], None, None, None);
    r.push_manifest(manifest::IMAGE_MANIFEST, &m, Some(tag))
        .await
        .unwrap()
}
