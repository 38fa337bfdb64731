//! Starting helper programs (credential helpers here, plugins in the `notary` crate).

use std::process::{Child, Command};
use std::time::Duration;

/// Spawns `command`, retrying for a while when the kernel reports the executable busy
/// (ETXTBSY): a thread of this process that forks while another holds a just-written
/// executable open for writing leaves that descriptor open in its child until the child's
/// exec. Cargo retries its build scripts the same way. Shared with the plugin host; not a
/// stable API.
#[doc(hidden)]
pub fn spawn_when_not_busy(command: &mut Command) -> std::io::Result<Child> {
    for pause_ms in [1u64, 2, 5, 10, 20, 50, 100, 200, 400] {
        match command.spawn() {
            Err(e) if e.kind() == std::io::ErrorKind::ExecutableFileBusy => {
                std::thread::sleep(Duration::from_millis(pause_ms));
            }
            other => return other,
        }
    }
    command.spawn()
}
