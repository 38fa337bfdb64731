//! `notary-containerd-verifier`: containerd's image-verifier executable (see the library docs).
//! Prints exactly one line on stdout (the reason containerd shows) and exits 0 to allow.
#![forbid(unsafe_code)]

use std::io::{Read, Write};
use std::process::ExitCode;
use std::sync::Mutex;

use notary_containerd_verifier::{Args, HELP, Image, MAX_INPUT, Settings, Verdict, label_of};

// musl's allocator serialises threads on one lock (scripts/build-release.sh).
#[cfg(target_env = "musl")]
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Held by whoever prints the verdict: the main thread or the timeout watchdog, never both.
static DECIDED: Mutex<()> = Mutex::new(());

fn emit(verdict: &Verdict) -> ! {
    let _guard = DECIDED.lock();
    for w in &verdict.warnings {
        eprintln!("warning: {w}");
    }
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{}", verdict.reason);
    let _ = out.flush();
    // A plugin still running (the watchdog's verdict) would outlive this process.
    notary::plugin::kill_running_plugins();
    // Exit while holding the lock so that a late watchdog cannot print a second line.
    std::process::exit(i32::from(verdict.exit_code()))
}

fn main() -> ExitCode {
    let args = match Args::parse(std::env::args().skip(1)) {
        Ok(a) => a,
        Err(e) => emit(&Verdict::deny(
            "(arguments)",
            format_args!("{e} (see --help)"),
        )),
    };
    if args.help {
        print!("{HELP}");
        return ExitCode::SUCCESS;
    }
    if args.version {
        println!("notary-containerd-verifier {}", env!("CARGO_PKG_VERSION"));
        return ExitCode::SUCCESS;
    }
    let label = label_of(&args);
    // A bug must still refuse with a reason on stdout, not only a backtrace on stderr.
    let panic_label = label.clone();
    std::panic::set_hook(Box::new(move |info| {
        emit(&Verdict::deny(
            &panic_label,
            format_args!("internal error: {info}"),
        ))
    }));
    let settings = match Settings::load(&args) {
        Ok(s) => s,
        Err(e) => emit(&Verdict::deny(&label, e)),
    };
    // A verification that overruns (a slow registry, an OCSP responder, a plugin) is refused
    // with our reason before containerd's own per-verifier timeout kills the process.
    let timeout = settings.timeout;
    let watchdog_label = label.clone();
    std::thread::spawn(move || {
        std::thread::sleep(timeout);
        emit(&Verdict::deny(
            &watchdog_label,
            format_args!(
                "verification timed out after {:.1} s (raise --timeout, and containerd's per_verifier_timeout above it)",
                timeout.as_secs_f64()
            ),
        ));
    });
    let stdin = if args.stdin_media_type.is_some() {
        let mut buf = Vec::new();
        if let Err(e) = std::io::stdin()
            .lock()
            .take(MAX_INPUT.saturating_add(1))
            .read_to_end(&mut buf)
        {
            emit(&Verdict::deny(&label, format_args!("stdin: {e}")));
        }
        // Cut short, the input could parse as something it is not.
        if buf.len() as u64 > MAX_INPUT {
            emit(&Verdict::deny(
                &label,
                format_args!("stdin: the input is larger than {MAX_INPUT} bytes"),
            ));
        }
        Some(buf)
    } else {
        None
    };
    let image = match Image::from_args(&args, stdin.as_deref()) {
        Ok(i) => i,
        Err(e) => emit(&Verdict::deny(&label, e)),
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => emit(&Verdict::deny(&label, format_args!("runtime: {e}"))),
    };
    let verdict = runtime.block_on(notary_containerd_verifier::verify(&image, &settings));
    // The signature cache writes beside the verification; `emit` exits the process.
    if let Some(c) = &settings.cache {
        c.flush();
    }
    emit(&verdict)
}

#[cfg(test)]
mod tests {
    /// containerd starts this binary once per pull: where build.rs (shared with notary-cli)
    /// found `libgcc_eh.a`, the shared unwinder is not loaded at all.
    #[cfg(notary_static_unwinder)]
    #[test]
    fn the_shared_gcc_unwinder_is_not_loaded() {
        let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
        assert!(!maps.contains("libgcc_s"), "libgcc_s is mapped");
    }

    /// The statically linked unwinder still unwinds a panic and walks the stack for a backtrace.
    #[test]
    fn panics_unwind_with_the_linked_unwinder() {
        let caught = std::panic::catch_unwind(|| {
            let v: Vec<u8> = Vec::new();
            v[std::hint::black_box(3)]
        });
        assert!(caught.is_err(), "the panic was not caught");
        let trace = std::backtrace::Backtrace::force_capture();
        assert!(
            trace
                .to_string()
                .contains("panics_unwind_with_the_linked_unwinder")
        );
    }
}
