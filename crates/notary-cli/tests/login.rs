//! `notary login|logout` against a real registry (Debian's docker-registry behind htpasswd):
//! credentials are checked before they are stored, then `sign`/`verify`/`list` use them without
//! `-u/-p`, and `logout` takes them away again. Stored as notation does: in `auths` of
//! notation's `config.json`, or through the `docker-credential-<helper>` it names.

#[path = "support/env.rs"]
mod support;

#[path = "../../../tests/support/registry.rs"]
mod registry;

use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;

use base64::Engine as _;
use registry::{Kind, Options, Registry};

use support::Env;

/// notation's `config.json` as written.
trait NotationConfig {
    fn notation_config(&self) -> serde_json::Value;
}

impl NotationConfig for Env {
    fn notation_config(&self) -> serde_json::Value {
        match std::fs::read(self.config.join("config.json")) {
            Ok(b) => serde_json::from_slice(&b).unwrap(),
            Err(_) => serde_json::Value::Null,
        }
    }
}

const USER: &str = "alice";
const PASS: &str = "s3cret";

fn start_registry() -> Registry {
    Registry::start(
        Kind::Distribution2,
        &Options {
            basic_auth: Some((USER.into(), PASS.into())),
            ..Options::default()
        },
    )
}

#[test]
fn login_stores_checked_credentials_in_auths_and_logout_removes_them() {
    let reg = start_registry();
    let e = Env::new();
    e.trust_test_key("acme", &format!("{}/app", reg.host), "p");
    let reference = reg.push_image("app", "v1", b"hello", Some((USER, PASS)));
    let host = reg.host.as_str();

    // Without credentials the registry refuses.
    let err = e.fails(&["verify", "--insecure-registry", &reference]);
    assert!(err.contains("user name and password"), "{err}");

    // A wrong password is refused by the registry, and nothing is stored.
    let err = e.fails(&[
        "login",
        "-u",
        USER,
        "-p",
        "wrong",
        "--insecure-registry",
        host,
    ]);
    assert!(
        err.contains("failed to log in to") && err.contains("refused"),
        "{err}"
    );
    assert_eq!(e.notation_config()["auths"], serde_json::Value::Null);

    // The right one, from stdin: stored in notation's config.json, 0600.
    let o = e.run_with_stdin(
        &[
            "login",
            "-u",
            USER,
            "--password-stdin",
            "--insecure-registry",
            host,
        ],
        format!("{PASS}\n").as_bytes(),
    );
    let (out, err) = (
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr),
    );
    assert!(o.status.success(), "{out}\n{err}");
    assert!(out.contains("Login Succeeded"), "{out}");
    assert!(err.contains("stored unencrypted"), "{err}");
    let cfg = e.notation_config();
    let auth = cfg["auths"][host]["auth"].as_str().unwrap();
    assert_eq!(
        base64::engine::general_purpose::STANDARD
            .decode(auth)
            .unwrap(),
        format!("{USER}:{PASS}").as_bytes()
    );
    let mode = std::fs::metadata(e.config.join("config.json"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);

    // sign and verify without -u/-p.
    let (out, _) = e.ok_both(&["sign", "--insecure-registry", &reference]);
    assert!(out.contains("Successfully signed"), "{out}");
    let (out, _) = e.ok_both(&["verify", "--insecure-registry", &reference]);
    assert!(out.contains("Successfully verified"), "{out}");

    // Other settings in config.json survive login and logout.
    let mut with_extra = e.notation_config();
    with_extra["signatureFormat"] = "cose".into();
    std::fs::write(
        e.config.join("config.json"),
        serde_json::to_vec(&with_extra).unwrap(),
    )
    .unwrap();
    let (out, _) = e.ok_both(&["logout", host]);
    assert!(out.contains("Logout Succeeded"), "{out}");
    let cfg = e.notation_config();
    assert_eq!(cfg["auths"][host], serde_json::Value::Null, "{cfg}");
    assert_eq!(cfg["signatureFormat"], "cose");

    // Logged out: the registry refuses again.
    let err = e.fails(&["verify", "--insecure-registry", &reference]);
    assert!(err.contains("user name and password"), "{err}");
}

/// A credential helper keeping one credential in a file and logging each action.
fn fake_helper(bin: &Path, state: &Path) {
    fake_helper_named(bin, "test", state);
}

/// [`fake_helper`] installed as `docker-credential-<name>`.
fn fake_helper_named(bin: &Path, name: &str, state: &Path) {
    let exe = bin.join(format!("docker-credential-{name}"));
    std::fs::write(
        &exe,
        format!(
            r#"#!/bin/sh
s={state}
case "$1" in
store) cat > "$s/cred.json"; echo store >> "$s/log";;
get) read host; echo "get $host" >> "$s/log"; if [ -f "$s/cred.json" ]; then cat "$s/cred.json"; else echo "credentials not found in native keychain"; exit 1; fi;;
erase) read host; echo "erase $host" >> "$s/log"; rm -f "$s/cred.json";;
*) exit 1;;
esac
"#,
            state = state.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// A registry with one image behind Basic auth, a user environment, the image's reference and
/// a directory for a fake helper's state.
fn helper_fixture() -> (Registry, Env, String, std::path::PathBuf) {
    let reg = start_registry();
    let e = Env::new();
    let reference = reg.push_image("app", "v1", b"hello", Some((USER, PASS)));
    let state = e.root().join("helper-state");
    std::fs::create_dir_all(&state).unwrap();
    (reg, e, reference, state)
}

#[test]
fn login_and_logout_go_through_the_configured_credential_helper() {
    let (reg, e, reference, state) = helper_fixture();
    let host = reg.host.as_str();
    fake_helper(&e.bin, &state);
    std::fs::create_dir_all(&e.config).unwrap();
    std::fs::write(e.config.join("config.json"), r#"{"credsStore":"test"}"#).unwrap();
    let log = || std::fs::read_to_string(state.join("log")).unwrap_or_default();

    // Refused credentials never reach the helper.
    e.fails(&[
        "login",
        "-u",
        USER,
        "-p",
        "wrong",
        "--insecure-registry",
        host,
    ]);
    assert!(!log().contains("store"), "{}", log());

    let (out, err) = e.ok_both(&["login", "-u", USER, "-p", PASS, "--insecure-registry", host]);
    assert!(out.contains("Login Succeeded"), "{out}");
    assert!(!err.contains("unencrypted"), "{err}");
    assert_eq!(log().lines().collect::<Vec<_>>(), vec!["store"]);
    let stored: serde_json::Value =
        serde_json::from_slice(&std::fs::read(state.join("cred.json")).unwrap()).unwrap();
    assert_eq!(
        stored,
        serde_json::json!({"ServerURL": host, "Username": USER, "Secret": PASS})
    );
    // Nothing in plain text.
    assert_eq!(
        e.notation_config(),
        serde_json::json!({"credsStore": "test"})
    );

    // The registry commands get the credential from the helper.
    let (out, _) = e.ok_both(&["list", "--insecure-registry", &reference]);
    assert!(out.contains("has no associated signatures"), "{out}");
    assert!(log().contains(&format!("get {host}")), "{}", log());

    let (out, _) = e.ok_both(&["logout", host]);
    assert!(out.contains("Logout Succeeded"), "{out}");
    assert!(log().contains(&format!("erase {host}")), "{}", log());
    assert!(!state.join("cred.json").exists());
    let err = e.fails(&["list", "--insecure-registry", &reference]);
    assert!(err.contains("user name and password"), "{err}");
}

#[test]
fn with_nothing_configured_the_platform_store_is_used_as_notation_does() {
    let (reg, e, reference, state) = helper_fixture();
    let host = reg.host.as_str();
    // On Linux oras-go picks `pass` when the `pass` program is on PATH (put here, so that the
    // machine's own programs do not decide), then needs its helper.
    let pass = e.bin.join("pass");
    std::fs::write(&pass, "#!/bin/sh\nexit 1\n").unwrap();
    std::fs::set_permissions(&pass, std::fs::Permissions::from_mode(0o755)).unwrap();
    fake_helper_named(&e.bin, "pass", &state);
    let log = || std::fs::read_to_string(state.join("log")).unwrap_or_default();

    // No config.json anywhere: login stores through the platform's helper, not in plain text.
    let (out, err) = e.ok_both(&["login", "-u", USER, "-p", PASS, "--insecure-registry", host]);
    assert!(out.contains("Login Succeeded"), "{out}");
    assert!(!err.contains("unencrypted"), "{err}");
    assert_eq!(log().lines().collect::<Vec<_>>(), vec!["store"]);
    assert_eq!(e.notation_config(), serde_json::Value::Null);

    // The registry commands find it there.
    let (out, _) = e.ok_both(&["list", "--insecure-registry", &reference]);
    assert!(out.contains("has no associated signatures"), "{out}");
    assert!(log().contains(&format!("get {host}")), "{}", log());

    // A credential configured in config.json (for any registry) turns the fallback off.
    std::fs::create_dir_all(&e.config).unwrap();
    std::fs::write(
        e.config.join("config.json"),
        r#"{"auths":{"elsewhere.example":{"auth":"dTpw"}}}"#,
    )
    .unwrap();
    let err = e.fails(&["list", "--insecure-registry", &reference]);
    assert!(err.contains("user name and password"), "{err}");
    std::fs::remove_file(e.config.join("config.json")).unwrap();

    let (out, _) = e.ok_both(&["logout", host]);
    assert!(out.contains("Logout Succeeded"), "{out}");
    assert!(log().contains(&format!("erase {host}")), "{}", log());
    assert!(!state.join("cred.json").exists());
}

#[test]
fn a_credential_helper_is_never_run_from_a_relative_path_entry() {
    let reg = start_registry();
    let mut e = Env::new();
    let host = reg.host.clone();
    // `PATH` names `rel`, relative to the working directory, where a helper waits.
    let rel = e.work.join("rel");
    std::fs::create_dir_all(&rel).unwrap();
    let ran = e.root().join("ran");
    let exe = rel.join("docker-credential-test");
    std::fs::write(
        &exe,
        format!("#!/bin/sh\ntouch {}\ncat > /dev/null\n", ran.display()),
    )
    .unwrap();
    std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::create_dir_all(&e.config).unwrap();
    std::fs::write(e.config.join("config.json"), r#"{"credsStore":"test"}"#).unwrap();
    e.set_var(
        "PATH",
        format!("rel:{}", std::env::var("PATH").unwrap_or_default()),
    );
    let err = e.fails(&[
        "login",
        "-u",
        USER,
        "-p",
        PASS,
        "--insecure-registry",
        &host,
    ]);
    assert!(err.contains("docker-credential-test not found"), "{err}");
    assert!(!ran.exists(), "the helper in the working directory ran");
}

#[test]
fn a_user_name_with_a_colon_is_refused_before_it_is_stored_in_plain_text() {
    let e = Env::new();
    // Nothing listens there: the refusal comes before any request.
    let err = e.fails(&["login", "-u", "a:b", "-p", "pw", "localhost:1"]);
    assert!(err.contains("colons (:) are not allowed"), "{err}");
    assert!(!e.config.join("config.json").exists());
}

#[test]
fn a_password_on_stdin_is_read_up_to_a_bound() {
    let e = Env::new();
    // Nothing listens there: the refusal comes before any request. One byte over 1 MiB, as a
    // runaway pipe would give it (without a bound the whole stream is held in memory).
    let big = vec![b'a'; 1024 * 1024 + 1];
    for args in [
        &["login", "-u", "bob", "--password-stdin", "localhost:1"][..],
        // The user name prompt reads a line from stdin too.
        &["login", "localhost:1"][..],
    ] {
        let o = e.run_with_stdin(args, &big);
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!o.status.success(), "{args:?}");
        assert!(err.contains("longer than 1048576 bytes"), "{args:?}: {err}");
    }
    assert!(!e.config.join("config.json").exists());
}

/// Finding (a review against notation v1.3.2): the prompts went to stderr, the password's line
/// was never ended, and a user name cut short by the end of input was taken as empty (so a
/// token was asked for). notation prompts on stdout, ends the line once the password is read,
/// and refuses a user name without its line end.
#[test]
fn prompts_read_as_notation_reads_them() {
    let e = Env::new();
    // Nothing listens there: every case stops before or at the registry check.
    for (stdin, stdout, error) in [
        (&b""[..], "Username: ", "Error: error reading username: EOF"),
        (b"bob", "Username: ", "Error: error reading username: EOF"),
        (b"\n", "Username: Token: \n", "Error: token required"),
        (
            b"bob\n",
            "Username: Password: \n",
            "Error: password required",
        ),
        (
            b"bob\nsecret",
            "Username: Password: \n",
            "Error: failed to log in to localhost:1: failed to validate the credentials for localhost:1: ",
        ),
    ] {
        let o = e.run_with_stdin(&["login", "localhost:1"], stdin);
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!o.status.success(), "{stdin:?}");
        assert_eq!(String::from_utf8_lossy(&o.stdout), stdout, "{stdin:?}");
        assert!(err.starts_with(error), "{stdin:?}: {err}");
    }
    assert!(!e.config.join("config.json").exists());
}

/// Two logins at once (to two names of one registry) both stay stored: `config.json` is read
/// again and written under a lock after the credentials are checked.
#[test]
fn parallel_logins_keep_both_entries() {
    let reg = start_registry();
    let e = Env::new();
    let port = reg.host.rsplit_once(':').unwrap().1.to_string();
    let hosts = [reg.host.clone(), format!("localhost:{port}")];
    for round in 0..3 {
        let children: Vec<_> = hosts
            .iter()
            .map(|h| {
                let mut c = e.command(&[
                    "login",
                    "-u",
                    USER,
                    "--password-stdin",
                    "--insecure-registry",
                    h,
                ]);
                c.stdin(std::process::Stdio::piped())
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::null());
                let mut child = c.spawn().unwrap();
                use std::io::Write as _;
                child
                    .stdin
                    .take()
                    .unwrap()
                    .write_all(format!("{PASS}\n").as_bytes())
                    .unwrap();
                child
            })
            .collect();
        for mut c in children {
            assert!(c.wait().unwrap().success());
        }
        let cfg = e.notation_config();
        for h in &hosts {
            assert!(
                cfg["auths"][h]["auth"].is_string(),
                "round {round}: {h} lost: {cfg}"
            );
        }
        for h in &hosts {
            e.ok(&["logout", h]);
        }
    }
}
