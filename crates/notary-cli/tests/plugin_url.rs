//! `notary plugin install --url URL --sha256sum HEX`: HTTPS only (as notation, which has no
//! escape for tests), so the package is served over TLS from loopback with a test CA that the
//! CLI trusts through `SSL_CERT_FILE`. A wrong checksum, plain HTTP, a missing checksum or an
//! announced oversized body install nothing.

#[path = "support/env.rs"]
mod support;

#[path = "../../../tests/support/tls.rs"]
mod tls;

use std::io::{BufRead as _, BufReader, Write as _};
use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use support::Env;

/// A fresh configuration whose TLS roots are the test CA's only.
fn env(tls: &tls::TestTls) -> Env {
    let mut e = Env::new();
    let ca_file = e.root().join("ca.pem");
    std::fs::write(&ca_file, &tls.ca_pem).unwrap();
    e.set_var("SSL_CERT_FILE", &ca_file);
    e.remove_var("SSL_CERT_DIR");
    e
}

/// What is in the plugin directory.
trait Installed {
    fn installed(&self) -> Vec<String>;
}

impl Installed for Env {
    fn installed(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.plugins())
            .map(|r| {
                r.filter_map(|e| e.ok())
                    .map(|e| e.file_name().to_string_lossy().to_string())
                    .filter(|n| !n.starts_with('.'))
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    }
}

fn plugin_zip(path: &Path, name: &str) {
    let script = format!(
        "#!/bin/sh\ncat >/dev/null\nif [ \"$1\" = get-plugin-metadata ]; then echo '{{\"name\":\"{name}\",\"description\":\"Downloaded\",\"version\":\"1.2.3\",\"url\":\"https://example.com\",\"supportedContractVersions\":[\"1.0\"],\"capabilities\":[\"SIGNATURE_GENERATOR.RAW\"]}}'; exit 0; fi\nexit 1\n"
    );
    let mut z = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    z.start_file(
        format!("notation-{name}"),
        zip::write::SimpleFileOptions::default().unix_permissions(0o755),
    )
    .unwrap();
    z.write_all(script.as_bytes()).unwrap();
    z.finish().unwrap();
}

fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest as _;
    hex::encode(sha2::Sha256::digest(data))
}

/// A plain-HTTP backend (behind the TLS front): `/pkg.zip` is the package, `/huge.zip`
/// announces a body over the 256 MiB cap, anything else is 404. Counts requests.
fn backend(package: Vec<u8>) -> (String, Arc<AtomicUsize>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", l.local_addr().unwrap());
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    std::thread::spawn(move || {
        for s in l.incoming() {
            let Ok(mut s) = s else { continue };
            counter.fetch_add(1, Ordering::SeqCst);
            let mut r = BufReader::new(s.try_clone().unwrap());
            let mut first = String::new();
            let _ = r.read_line(&mut first);
            loop {
                let mut line = String::new();
                if r.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
            }
            let path = first.split_whitespace().nth(1).unwrap_or("").to_string();
            let _ = match path.as_str() {
                "/pkg.zip" => {
                    let _ = write!(
                        s,
                        "HTTP/1.1 200 OK\r\nContent-Type: application/zip\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                        package.len()
                    );
                    s.write_all(&package)
                }
                // Announces 300 MiB, sends a little: refused from the header alone.
                "/huge.zip" => s.write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Length: 314572800\r\nConnection: close\r\n\r\nPK",
                ),
                _ => s.write_all(
                    b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                ),
            };
        }
    });
    (base, hits)
}

#[test]
fn install_from_https_url_checks_the_checksum_first() {
    let tls = tls::TestTls::new();
    let e = env(&tls);
    let pkg_path = e.work.join("pkg.zip");
    plugin_zip(&pkg_path, "downloaded");
    let package = std::fs::read(&pkg_path).unwrap();
    let sum = sha256_hex(&package);
    let (base, hits) = backend(package);
    // One TLS front per path: `front` maps its own path to the backend's.
    let url = tls.front(&format!("{base}/pkg.zip"));
    assert!(url.starts_with("https://127.0.0.1:"), "{url}");

    // Wrong checksum: downloaded, refused, nothing installed.
    let wrong = "0".repeat(64);
    let err = e.fails(&["plugin", "install", "--url", &url, "--sha256sum", &wrong]);
    assert!(err.contains("checksum does not match"), "{err}");
    assert!(e.installed().is_empty(), "{:?}", e.installed());
    assert_eq!(hits.load(Ordering::SeqCst), 1);

    // Missing checksum: refused before any request.
    let err = e.fails(&["plugin", "install", "--url", &url]);
    assert!(err.contains("SHA256 checksum"), "{err}");
    // Plain HTTP: refused before any request, whatever the checksum.
    let err = e.fails(&[
        "plugin",
        "install",
        "--url",
        &format!("{base}/pkg.zip"),
        "--sha256sum",
        &sum,
    ]);
    assert!(err.contains("only the HTTPS scheme is supported"), "{err}");
    assert_eq!(hits.load(Ordering::SeqCst), 1);
    assert!(e.installed().is_empty());

    // Neither or both of --file and --url.
    let err = e.fails(&["plugin", "install", &url, "--sha256sum", &sum]);
    assert!(
        err.contains("at least one of the flags in the group [file url] is required"),
        "{err}"
    );

    // The right checksum (upper case is fine): installed and listed.
    let out = e.ok(&[
        "plugin",
        "install",
        "--url",
        &url,
        "--sha256sum",
        &sum.to_uppercase(),
    ]);
    assert!(
        out.contains("Successfully installed plugin downloaded, version 1.2.3"),
        "{out}"
    );
    assert_eq!(e.installed(), vec!["downloaded".to_string()]);
    let exe = e.plugins().join("downloaded/notation-downloaded");
    assert!(std::fs::metadata(&exe).unwrap().permissions().mode() & 0o111 != 0);
    let listed = e.ok(&["plugin", "list"]);
    assert!(
        listed.contains("downloaded") && listed.contains("1.2.3"),
        "{listed}"
    );
}

#[test]
fn url_downloads_that_fail_install_nothing() {
    let tls = tls::TestTls::new();
    let e = env(&tls);
    let (base, _) = backend(Vec::new());
    let sum = "a".repeat(64);
    // Over the size cap (announced): refused without reading it.
    let huge = tls.front(&format!("{base}/huge.zip"));
    let err = e.fails(&["plugin", "install", "--url", &huge, "--sha256sum", &sum]);
    assert!(err.contains("size limit"), "{err}");
    // Not found.
    let missing = tls.front(&format!("{base}/missing.zip"));
    let err = e.fails(&["plugin", "install", "--url", &missing, "--sha256sum", &sum]);
    assert!(err.contains("404"), "{err}");
    // A server whose certificate the CLI does not trust: no install either.
    let other = tls::TestTls::new();
    let untrusted = other.front(&format!("{base}/pkg.zip"));
    let err = e.fails(&[
        "plugin",
        "install",
        "--url",
        &untrusted,
        "--sha256sum",
        &sum,
    ]);
    assert!(
        err.contains("failed to download") && err.contains("invalid peer certificate"),
        "{err}"
    );
    assert!(e.installed().is_empty(), "{:?}", e.installed());
}
