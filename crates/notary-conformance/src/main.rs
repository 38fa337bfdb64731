//! `notary-conformance`: runs every case of the notation interop corpus against notary-rs.
//!
//! ```text
//! cargo run --release -p notary-conformance -- --cases ../shared/interop/cases.json --data ../shared/interop/data
//! ```
//!
//! Prints `PASS <id>`, `FAIL <id>: <why>` or `SKIP <id>: <why>` per case and the closing line
//! `N passed, M failed, K skipped`. Exits non-zero when anything failed, or was skipped unless
//! `--allow-skip` is given. Each handler sees only the case's `input` (never `expected`), and
//! returns the outcome notary-rs produced; the comparison happens here.
#![forbid(unsafe_code)]

mod cases;
mod checks;

use std::path::PathBuf;
use std::process::ExitCode;

use cases::{Case, CaseFile, Outcome};

struct Args {
    cases: PathBuf,
    data: PathBuf,
    allow_skip: bool,
    filter: Option<String>,
    verbose: bool,
    provider: notary::CryptoProvider,
}

fn parse_args() -> Result<Args, String> {
    let mut cases = None;
    let mut data = None;
    let mut allow_skip = false;
    let mut filter = None;
    let mut verbose = false;
    let mut crypto = "aws-lc-rs".to_string();
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--cases" => cases = it.next().map(PathBuf::from),
            "--data" => data = it.next().map(PathBuf::from),
            "--allow-skip" => allow_skip = true,
            "--filter" => filter = it.next(),
            "-v" | "--verbose" => verbose = true,
            "--crypto" => crypto = it.next().unwrap_or_default(),
            "-h" | "--help" => {
                return Err("usage: notary-conformance --cases FILE --data DIR [--allow-skip] [--filter SUBSTRING] [--verbose] [--crypto aws-lc-rs|rustcrypto]".into());
            }
            other => return Err(format!("unknown argument {other:?} (see --help)")),
        }
    }
    Ok(Args {
        cases: cases.ok_or("--cases FILE is required")?,
        data: data.ok_or("--data DIR is required")?,
        allow_skip,
        filter,
        verbose,
        provider: notary::provider_by_name(&crypto).ok_or_else(|| {
            format!("unknown crypto provider {crypto:?} (aws-lc-rs or rustcrypto)")
        })?,
    })
}

fn main() -> ExitCode {
    // The runner doubles as the verification plugin of `plugin-min-version-gate` cases: a real
    // process speaking the plugin protocol, answering every request with success.
    let argv: Vec<String> = std::env::args().collect();
    if argv.get(1).map(String::as_str) == Some("--as-mock-plugin") {
        return checks::mock_plugin(&argv[2..]);
    }
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let file = match CaseFile::load(&args.cases) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    // The runner is a program, not the library: reading the clock here is where it belongs.
    let now = time::OffsetDateTime::now_utc();
    let (mut passed, mut failed, mut skipped) = (0usize, 0usize, 0usize);
    for case in &file.cases {
        if let Some(f) = &args.filter
            && !case.id.contains(f.as_str())
            && case.check != *f
        {
            continue;
        }
        let ctx = checks::Context {
            data: &args.data,
            now: case.verification_time.unwrap_or(now),
            provider: args.provider,
        };
        let outcome = checks::run(&ctx, &case.check, &case.input);
        match judge(case, &outcome) {
            Verdict::Pass => {
                passed += 1;
                match (&outcome, args.verbose) {
                    (Outcome::Fail { validation, reason }, true) => {
                        println!("PASS {} (failed {validation}: {reason})", case.id)
                    }
                    _ => println!("PASS {}", case.id),
                }
            }
            Verdict::Fail(why) => {
                failed += 1;
                println!("FAIL {}: {}", case.id, why);
            }
            Verdict::Skip(why) => {
                skipped += 1;
                println!("SKIP {}: {}", case.id, why);
            }
        }
    }
    println!("{passed} passed, {failed} failed, {skipped} skipped");
    if failed > 0 || (skipped > 0 && !args.allow_skip) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

enum Verdict {
    Pass,
    Fail(String),
    Skip(String),
}

fn judge(case: &Case, outcome: &Outcome) -> Verdict {
    match (outcome, case.expected.as_str()) {
        (Outcome::Skip(why), _) => Verdict::Skip(why.clone()),
        (Outcome::Pass, "pass") => Verdict::Pass,
        (Outcome::Pass, _) => Verdict::Fail(format!(
            "passed, but notation fails it ({})",
            case.expected_validation.as_deref().unwrap_or("?")
        )),
        (Outcome::Fail { validation, reason }, "fail") => {
            if case.expected_validation.as_deref() == Some(validation.as_str()) {
                Verdict::Pass
            } else {
                Verdict::Fail(format!(
                    "failed {validation} ({reason}), but notation fails {}",
                    case.expected_validation.as_deref().unwrap_or("?")
                ))
            }
        }
        (Outcome::Fail { validation, reason }, _) => Verdict::Fail(format!(
            "failed {validation}: {reason}, but notation passes it"
        )),
    }
}
