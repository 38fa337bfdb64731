//! `notary::plugin::kill_running_plugins`, in a test binary of its own: it kills every plugin
//! the process runs, which would reach the plugins of tests running beside it.

#[path = "support/plugin_request.rs"]
mod plugin_request;

use std::os::unix::fs::PermissionsExt as _;
use std::time::{Duration, Instant};

use notary::plugin::PluginHost;

/// True while `pid` is a live process (a zombie awaiting its reaper counts as gone).
fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        let state = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next());
        !matches!(state, Some("Z" | "X"))
    })
}

/// A process exiting on a deadline of its own (the containerd verifier's watchdog, the
/// webhook at shutdown) kills the plugins it is running, with what they forked, rather than
/// leave them behind.
#[test]
fn running_plugins_are_killed_on_request_with_their_children() {
    let tmp = tempfile::tempdir().unwrap();
    let plugins = tmp.path().join("plugins");
    let pids = tmp.path().join("pids");
    let dir = plugins.join("hung");
    std::fs::create_dir_all(&dir).unwrap();
    let exe = dir.join("notation-hung");
    std::fs::write(
        &exe,
        format!(
            "#!/bin/sh\ncat >/dev/null; echo $$ > {p}; sleep 300 & echo $! >> {p}; sleep 300\n",
            p = pids.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o755)).unwrap();
    let request = plugin_request::verify_signature_request("AAAA".into());
    let host = PluginHost::new(&plugins).with_timeout(Duration::from_secs(300));
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(host.verify_signature("hung", &request));
    });
    let read_pids = || -> Vec<u32> {
        std::fs::read_to_string(&pids)
            .unwrap_or_default()
            .split_whitespace()
            .filter_map(|p| p.parse().ok())
            .collect()
    };
    let until = Instant::now() + Duration::from_secs(10);
    while read_pids().len() < 2 && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(20));
    }
    let started = read_pids();
    assert_eq!(started.len(), 2, "the plugin recorded its pids");
    notary::plugin::kill_running_plugins();
    for pid in started {
        let until = Instant::now() + Duration::from_secs(3);
        while alive(pid) && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(!alive(pid), "process {pid} survived");
    }
    // The host sees its plugin killed and says so, long before its own deadline.
    let r = rx
        .recv_timeout(Duration::from_secs(10))
        .expect("the plugin call must end once its plugin is killed");
    assert!(r.is_err(), "{r:?}");
}
