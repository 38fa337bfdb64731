//! Links GCC's unwinder statically into the binaries of `notary-cli` and
//! `notary-containerd-verifier` (whose build.rs is a link to this file) on Linux with glibc, as
//! `-static-libgcc` does for C and C++ programs, so they need no `libgcc_s.so.1`. Both run once
//! per artifact (CI jobs, scripts, one containerd pull each): one shared library fewer to open,
//! map and relocate, and no CPU-model probe in its constructor: 3-10% of a warm verification
//! against a local registry in interleaved runs (benches/HISTORY.md). Anywhere else, or when the
//! toolchain has no `libgcc_eh.a`, the build is unchanged. Never for a published library: it
//! would impose the static unwinder on every program linking it.

use std::path::PathBuf;

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rustc-check-cfg=cfg(notary_static_unwinder)");
    let var = |k: &str| std::env::var(k).unwrap_or_default();
    let static_crt = var("CARGO_CFG_TARGET_FEATURE")
        .split(',')
        .any(|f| f == "crt-static");
    // A static binary already links the unwinder statically (the Rust target does so).
    if var("CARGO_CFG_TARGET_OS") != "linux" || var("CARGO_CFG_TARGET_ENV") != "gnu" || static_crt {
        return;
    }
    if let Some(lib) = gcc_eh()
        && let Some(dir) = lib.parent()
    {
        println!("cargo::rustc-link-search=native={}", dir.display());
        println!("cargo::rustc-link-lib=static:-bundle=gcc_eh");
        println!("cargo::rustc-cfg=notary_static_unwinder");
    }
}

/// The target compiler's `libgcc_eh.a`, if it has one (`cc` honours `CC_<target>` and friends,
/// so a cross build asks the cross compiler). `cc` prints `rerun-if-env-changed` for each of
/// those variables it reads, so choosing another compiler in an existing target directory runs
/// this script again; it prints nothing else before a compilation, which never happens here.
fn gcc_eh() -> Option<PathBuf> {
    let compiler = cc::Build::new()
        .cargo_warnings(false)
        .try_get_compiler()
        .ok()?;
    let out = compiler
        .to_command()
        .arg("-print-file-name=libgcc_eh.a")
        .output()
        .ok()?;
    // gcc and clang print the bare name back when they have no such file.
    let path = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    (out.status.success() && path.is_absolute() && path.is_file()).then_some(path)
}
