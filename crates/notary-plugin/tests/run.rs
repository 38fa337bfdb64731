//! `run` as a host meets it: this test binary is also the plugin (it runs itself with
//! `NOTARY_PLUGIN_PROBE` set), so the process boundary, stdio and exit codes are the real ones.

use std::io::Write as _;
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use notary_plugin::api::{self, DescribeKeyRequest, DescribeKeyResponse};
use notary_plugin::{Plugin, PluginResult};

/// Misbehaves as `NOTARY_PLUGIN_PROBE` says, in `describe-key`.
struct Probe;

impl Plugin for Probe {
    fn metadata(&self, _: &api::GetMetadataRequest) -> api::GetMetadataResponse {
        notary_plugin::metadata(
            "probe",
            "test",
            "1.0.0",
            "https://example.com",
            &[api::capability::SIGNATURE_GENERATOR_RAW],
        )
    }

    fn describe_key(&self, r: &DescribeKeyRequest) -> PluginResult<DescribeKeyResponse> {
        let mode = std::env::var("NOTARY_PLUGIN_PROBE").unwrap_or_default();
        match mode.as_str() {
            "panic" => panic!("the key store is gone"),
            "resume" => std::panic::resume_unwind(Box::new("resumed without a hook")),
            "print" => {
                println!("debug: looking up {}", r.key_id);
                print!("unterminated noise");
                eprintln!("warn: slow key store");
            }
            "print-then-fail" => {
                println!("debug: failing");
                eprintln!("warn: about to fail");
                return Err(notary_plugin::generic_error("key store unreachable"));
            }
            _ => {}
        }
        Ok(DescribeKeyResponse {
            key_id: r.key_id.clone(),
            key_spec: "EC-256".into(),
        })
    }
}

struct Ran {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs this binary as the plugin with `args`, `mode` and `stdin`.
fn plugin(args: &[&std::ffi::OsStr], mode: &str, stdin: &[u8]) -> Ran {
    plugin_with(args, mode, &[], stdin)
}

/// [`plugin`] with more environment variables.
fn plugin_with(
    args: &[&std::ffi::OsStr],
    mode: &str,
    env: &[(&str, &std::ffi::OsStr)],
    stdin: &[u8],
) -> Ran {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(args)
        .env("NOTARY_PLUGIN_PROBE", mode)
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    let out = child.wait_with_output().unwrap();
    Ran {
        code: out.status.code(),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

const REQUEST: &[u8] = br#"{"contractVersion":"1.0","keyId":"k1"}"#;

fn error_object(stderr: &str) -> api::PluginError {
    serde_json::from_str(stderr)
        .unwrap_or_else(|e| panic!("stderr is not an error object ({e}): {stderr:?}"))
}

fn a_panic_is_an_error_object() {
    let r = plugin(&["describe-key".as_ref()], "panic", REQUEST);
    assert_eq!(r.code, Some(1));
    assert_eq!(r.stdout, "");
    let e = error_object(&r.stderr);
    assert_eq!(e.error_code, api::error_code::GENERIC);
    assert!(
        e.error_message.starts_with("the plugin failed: ")
            && e.error_message.contains("the key store is gone"),
        "{e:?}"
    );
}

fn a_resumed_unwind_is_named_by_its_payload() {
    let r = plugin(&["describe-key".as_ref()], "resume", REQUEST);
    assert_eq!(r.code, Some(1));
    let e = error_object(&r.stderr);
    assert_eq!(e.error_message, "the plugin failed: resumed without a hook");
}

fn the_plugins_own_panic_hook_still_runs() {
    let log = std::env::temp_dir().join(format!("notary-plugin-hook-{}", std::process::id()));
    let _ = std::fs::remove_file(&log);
    let r = plugin_with(
        &["describe-key".as_ref()],
        "panic",
        &[("NOTARY_PLUGIN_HOOK_LOG", log.as_os_str())],
        REQUEST,
    );
    assert_eq!(r.code, Some(1));
    let e = error_object(&r.stderr);
    assert!(e.error_message.contains("the key store is gone"), "{e:?}");
    let logged = std::fs::read_to_string(&log).unwrap();
    let _ = std::fs::remove_file(&log);
    assert!(logged.contains("the key store is gone"), "{logged:?}");
}

fn prints_do_not_reach_the_host() {
    let r = plugin(&["describe-key".as_ref()], "print", REQUEST);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(r.stdout, r#"{"keyId":"k1","keySpec":"EC-256"}"#);
    assert_eq!(r.stderr, "");

    let r = plugin(&["describe-key".as_ref()], "print-then-fail", REQUEST);
    assert_eq!(r.code, Some(1));
    assert_eq!(r.stdout, "");
    let e = error_object(&r.stderr);
    assert_eq!(e.error_message, "key store unreachable");
}

fn an_unknown_command_is_refused_without_reading_stdin() {
    let started = Instant::now();
    // stdin stays open: the plugin must not wait for it.
    let mut child = Command::new(std::env::current_exe().unwrap())
        .arg("frobnicate")
        .env("NOTARY_PLUGIN_PROBE", "")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdin = child.stdin.take();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if started.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            panic!("the plugin waited on stdin for an unknown command");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    drop(stdin);
    assert_eq!(status.code(), Some(1));
    let out = child.wait_with_output().unwrap();
    let e = error_object(&String::from_utf8(out.stderr).unwrap());
    assert_eq!(e.error_code, api::error_code::VALIDATION_ERROR);
    assert!(e.error_message.contains("frobnicate"), "{e:?}");
}

#[cfg(unix)]
fn a_command_that_is_not_utf8_is_an_error_object() {
    use std::os::unix::ffi::OsStrExt as _;
    let r = plugin(&[std::ffi::OsStr::from_bytes(b"\xff")], "", REQUEST);
    assert_eq!(r.code, Some(1));
    let e = error_object(&r.stderr);
    assert_eq!(e.error_code, api::error_code::VALIDATION_ERROR);
    assert!(e.error_message.contains("unknown command"), "{e:?}");
}

fn main() -> ExitCode {
    if std::env::var_os("NOTARY_PLUGIN_PROBE").is_some() {
        // A plugin's own hook, logging panics to a file.
        if let Some(log) = std::env::var_os("NOTARY_PLUGIN_HOOK_LOG") {
            std::panic::set_hook(Box::new(move |info| {
                let _ = std::fs::write(&log, info.to_string());
            }));
        }
        return notary_plugin::run(&Probe);
    }
    let tests: &[(&str, fn())] = &[
        ("a_panic_is_an_error_object", a_panic_is_an_error_object),
        (
            "a_resumed_unwind_is_named_by_its_payload",
            a_resumed_unwind_is_named_by_its_payload,
        ),
        (
            "the_plugins_own_panic_hook_still_runs",
            the_plugins_own_panic_hook_still_runs,
        ),
        ("prints_do_not_reach_the_host", prints_do_not_reach_the_host),
        (
            "an_unknown_command_is_refused_without_reading_stdin",
            an_unknown_command_is_refused_without_reading_stdin,
        ),
        #[cfg(unix)]
        (
            "a_command_that_is_not_utf8_is_an_error_object",
            a_command_that_is_not_utf8_is_an_error_object,
        ),
    ];
    for (name, test) in tests {
        test();
        println!("test {name} ... ok");
    }
    println!("test result: ok. {} passed; 0 failed", tests.len());
    ExitCode::SUCCESS
}
