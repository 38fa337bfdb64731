//! `notary`: the notation-compatible command line of notary-rs.
//!
//! Same commands, flags, exit codes and configuration directory as `notation`
//! (`$NOTATION_CONFIG`, else `$XDG_CONFIG_HOME/notation`): trust policies, trust stores,
//! `signingkeys.json` and `localkeys/` written by one tool are read by the other.
#![forbid(unsafe_code)]

mod arity;
mod blob;
mod cert;
mod config;
mod key;
mod login;
mod oci;
mod output;
mod plugin;
mod policy;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

// musl's allocator serialises threads on one lock (scripts/build-release.sh).
#[cfg(target_env = "musl")]
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A user-facing failure: printed as `Error: ...`, exit code 1.
#[derive(Debug)]
pub struct Failure(String);

impl Failure {
    /// A failure with this message.
    pub fn msg(m: impl Into<String>) -> Self {
        Self(m.into())
    }
}

impl<E: std::error::Error> From<E> for Failure {
    fn from(e: E) -> Self {
        Self(e.to_string())
    }
}

/// What every command returns.
pub type CmdResult = Result<(), Failure>;

#[derive(Parser)]
#[command(
    name = "notary",
    version,
    about = "Sign and verify artifacts: a notation-compatible CLI (notary-rs)",
    // pflag: a flag given twice takes its last value.
    args_override_self = true
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// The crypto backend (`aws-lc-rs`, the default, or `rustcrypto`); for testing both.
    #[arg(long, global = true, hide = true, default_value = "aws-lc-rs")]
    crypto: String,
    /// Debug level output: HTTP requests, token requests (never credentials or tokens),
    /// signature and CRL cache use, plugin runs and every validation, on stderr
    #[arg(short = 'd', long, global = true)]
    debug: bool,
    /// Verbose output: the trust policy and result of each validation, on stderr
    #[arg(short = 'v', long, global = true)]
    verbose: bool,
}

/// Sends the notary crates' events to stderr: DEBUG with `--debug`, INFO with `--verbose`
/// (notation's `-d`/`-v`). Other crates (the HTTP stack) stay quiet; without either flag nothing
/// is installed and events cost nothing.
fn init_logging(debug: bool, verbose: bool) {
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;
    use tracing_subscriber::{Layer as _, filter};

    let level = match (debug, verbose) {
        (true, _) => filter::LevelFilter::DEBUG,
        (false, true) => filter::LevelFilter::INFO,
        (false, false) => return,
    };
    // Targets match by prefix: `notary` covers this binary and every `notary_*` crate.
    let targets = filter::Targets::new().with_target("notary", level);
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_target(false)
        .with_filter(targets);
    // Fails only when a subscriber is already set, which nothing here does.
    let _ = tracing_subscriber::registry().with(layer).try_init();
}

static PROVIDER: std::sync::OnceLock<notary::CryptoProvider> = std::sync::OnceLock::new();

/// The crypto provider chosen with the hidden `--crypto` flag.
pub fn provider() -> notary::CryptoProvider {
    *PROVIDER.get_or_init(notary::default_provider)
}

#[derive(Subcommand)]
// Built when used: a run parses one subcommand, not the whole tree.
#[command(defer = true)]
enum Command {
    /// Manage certificates in trust stores
    #[command(subcommand, name = "certificate", alias = "cert")]
    Cert(cert::CertCommand),
    /// Manage signing keys
    #[command(subcommand)]
    Key(key::KeyCommand),
    /// Manage OCI trust policy configuration
    #[command(subcommand)]
    Policy(policy::PolicyCommand),
    /// Sign, verify and inspect signatures of arbitrary files
    #[command(subcommand)]
    Blob(blob::BlobCommand),
    /// Sign artifacts
    Sign(oci::SignArgs),
    /// Verify artifacts
    Verify(oci::VerifyArgs),
    /// List signatures of the signed artifact
    #[command(alias = "ls")]
    List(oci::ListArgs),
    /// Inspect all signatures associated with the signed artifact
    Inspect(oci::InspectArgs),
    /// Copy an artifact and all its referrers (signatures, SBOMs, ...) between registries and
    /// OCI image layouts
    #[command(alias = "cp")]
    Copy(oci::CopyArgs),
    /// Log in to an OCI registry (credentials are checked, then stored as notation stores them)
    Login(login::LoginArgs),
    /// Log out from a registry
    Logout(login::LogoutArgs),
    /// Manage plugins
    #[command(subcommand)]
    Plugin(plugin::PluginCommand),
    /// Show the notary version information
    Version,
    /// Generate the autocompletion script for a shell (bash, zsh, fish, powershell, elvish), as
    /// `notation completion` does: `source <(notary completion bash)`
    Completion {
        /// The shell (without one, this help)
        shell: Option<clap_complete::Shell>,
        /// Leave the descriptions of commands and flags out of the completions
        #[arg(long = "no-descriptions")]
        no_descriptions: bool,
    },
}

fn main() -> ExitCode {
    let args = pflag_args(std::env::args_os());
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(e) => return usage_exit(&e, &args),
    };
    init_logging(cli.debug, cli.verbose);
    match notary::provider_by_name(&cli.crypto) {
        Some(p) => {
            let _ = PROVIDER.set(p);
        }
        None => {
            eprintln!("Error: unknown crypto provider {:?}", cli.crypto);
            return ExitCode::from(1);
        }
    }
    let result = match cli.command {
        Command::Cert(c) => cert::run(c),
        Command::Key(c) => key::run(c),
        Command::Policy(c) => policy::run(c, policy::Kind::Oci),
        Command::Blob(c) => blob::run(c),
        Command::Sign(a) => oci::sign(a),
        Command::Verify(a) => oci::verify(a),
        Command::List(a) => oci::list(a),
        Command::Inspect(a) => oci::inspect(a),
        Command::Copy(a) => oci::copy(a),
        Command::Login(a) => login::login(a),
        Command::Logout(a) => login::logout(a),
        Command::Plugin(c) => plugin::run(c),
        // No shell: the command's help, and success, as notation's.
        Command::Completion { shell: None, .. } => {
            use clap::CommandFactory as _;
            let mut root = Cli::command();
            root.build();
            match root.find_subcommand_mut("completion") {
                Some(c) => c.print_help().map_err(Failure::from),
                None => Ok(()),
            }
        }
        Command::Completion {
            shell: Some(shell),
            no_descriptions,
        } => {
            use clap::CommandFactory as _;
            let mut cmd = Cli::command();
            if no_descriptions {
                cmd.build();
                cmd = without_descriptions(cmd);
            }
            // Rendered first: clap_complete panics when its writer fails (a closed pipe).
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut cmd, "notary", &mut script);
            match std::io::Write::write_all(&mut std::io::stdout(), &script) {
                // A reader that stopped early (`| head`) is not an error of ours.
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                    Err(Failure::msg(format!("writing the completion script: {e}")))
                }
                _ => Ok(()),
            }
        }
        Command::Version => {
            println!(
                "notary - a notation-compatible tool to sign and verify artifacts (notary-rs)\n\nVersion:     {}",
                env!("CARGO_PKG_VERSION")
            );
            Ok(())
        }
    };
    // Entries the signature cache is still writing (after the output, which need not wait).
    oci::flush_signature_cache();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure(m)) => {
            eprintln!("Error: {}", go_style_os_errors(&m));
            ExitCode::from(1)
        }
    }
}

/// `cmd` and its subcommands with no about text on commands or help on flags, for
/// `completion --no-descriptions` (the completions then offer names alone).
fn without_descriptions(cmd: clap::Command) -> clap::Command {
    cmd.about(None)
        .long_about(None)
        .mut_args(|a| a.help(None).long_help(None))
        .mut_subcommands(without_descriptions)
}

/// The boolean flags (switches) of every command, long and short: pflag lets each take a value
/// after `=` in any of Go's `strconv.ParseBool` spellings (`--default=false`, `-y=1`).
const SWITCHES: &[&str] = &[
    "all",
    "debug",
    "default",
    "file",
    "force",
    "from-oci-layout",
    "global",
    "insecure-registry",
    "migrate",
    "no-descriptions",
    "no-signature-cache",
    "oci-layout",
    "password-stdin",
    "plain-http",
    "to-oci-layout",
    "url",
    "verbose",
    "yes",
    "a",
    "d",
    "v",
    "y",
];
/// The names of the switch `name`: its long and short forms and aliases.
fn switch_names(name: &str) -> Vec<&str> {
    const SAME: &[&[&str]] = &[
        &["debug", "d"],
        &["verbose", "v"],
        &["yes", "y"],
        &["all", "a"],
        &["insecure-registry", "plain-http"],
    ];
    SAME.iter()
        .find(|names| names.contains(&name))
        .map_or_else(|| vec![name], |names| names.to_vec())
}

/// Boolean flags that already take `=true`/`=false` (their default is true).
const VALUED_SWITCHES: &[&str] = &["allow-referrers-api", "force-referrers-tag"];

/// Go's `strconv.ParseBool`.
fn go_bool(v: &str) -> Option<bool> {
    match v {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// Rewrites arguments that pflag reads differently from clap:
/// - `--switch=<Go bool>`: `--switch` for true, nothing for false (a valued switch gets
///   `=true`/`=false`); a value that is not a Go boolean passes unchanged, for clap to name;
/// - a flag that takes a value, given alone and followed by an argument starting with `-`:
///   pflag takes that argument as the value (`--password -secret`, `-m -x=1`), clap would read
///   it as a flag, so the two are joined (`--password=-secret`).
///
/// Everything after `--` passes unchanged.
fn pflag_args(args: impl Iterator<Item = std::ffi::OsString>) -> Vec<std::ffi::OsString> {
    let mut out = Vec::new();
    let mut operands = false;
    let mut args = args.peekable();
    while let Some(arg) = args.next() {
        if !operands && let Some(s) = arg.to_str() {
            if s == "--" {
                operands = true;
            } else if let Some((dashes, name, value)) = s
                .strip_prefix("--")
                .map(|f| ("--", f))
                .or_else(|| s.strip_prefix('-').map(|f| ("-", f)))
                .and_then(|(d, f)| f.split_once('=').map(|(n, v)| (d, n, v)))
                && (dashes == "--") == (name.len() > 1)
                && let Some(b) = go_bool(value)
            {
                if SWITCHES.contains(&name) {
                    if b {
                        out.push(format!("{dashes}{name}").into());
                    } else {
                        // The last value counts (pflag): `--oci-layout --oci-layout=false` is
                        // false, whichever of the flag's names each gave.
                        let names = switch_names(name);
                        out.retain(|a: &std::ffi::OsString| {
                            !a.to_str().is_some_and(|a| {
                                names.iter().any(|n| {
                                    a.strip_prefix(if n.len() == 1 { "-" } else { "--" }) == Some(n)
                                })
                            })
                        });
                    }
                    continue;
                }
                if VALUED_SWITCHES.contains(&name) {
                    out.push(format!("--{name}={b}").into());
                    continue;
                }
            } else if takes_value(s)
                && let Some(value) = args.next_if(|next| next.as_encoded_bytes().starts_with(b"-"))
            {
                let mut joined = arg;
                joined.push("=");
                joined.push(value);
                out.push(joined);
                continue;
            }
        }
        out.push(arg);
    }
    out
}

/// Whether `arg` is a flag that needs a value and does not carry one (`--key`, `-k`): any flag
/// but the switches, help and version (the switch lists are checked against the command tree).
fn takes_value(arg: &str) -> bool {
    let name = match arg.strip_prefix("--") {
        Some(long) if long.len() > 1 => long,
        Some(_) => return false,
        None => match arg.strip_prefix('-') {
            Some(short) if short.chars().count() == 1 && short != "-" => short,
            _ => return false,
        },
    };
    !name.contains('=')
        && !SWITCHES.contains(&name)
        && !VALUED_SWITCHES.contains(&name)
        && !["help", "version", "h", "V"].contains(&name)
}

/// An integer flag value as pflag reads one (Go's `strconv.ParseInt(s, 0, 64)`): an optional
/// sign, then decimal, `0x`/`0o`/`0b` or leading-`0` octal digits, with `_` between digits.
pub fn go_int(s: &str) -> Result<i64, String> {
    let bad = || format!("strconv.ParseInt: parsing {s:?}: invalid syntax");
    let out_of_range = || format!("strconv.ParseInt: parsing {s:?}: value out of range");
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let lower = body.get(..2).map(str::to_ascii_lowercase);
    let (radix, digits, prefixed) = match lower.as_deref() {
        Some("0x") => (16, &body[2..], true),
        Some("0o") => (8, &body[2..], true),
        Some("0b") => (2, &body[2..], true),
        _ if body.len() > 1 && body.starts_with('0') => (8, &body[1..], true),
        _ => (10, body, false),
    };
    // Go's underscoreOK: each `_` follows a digit (or the base prefix) and precedes a digit.
    let mut prev_digit = prefixed;
    let mut clean = String::with_capacity(digits.len());
    for c in digits.chars() {
        if c == '_' {
            if !prev_digit {
                return Err(bad());
            }
            prev_digit = false;
        } else {
            clean.push(c);
            prev_digit = true;
        }
    }
    if clean.is_empty() || !prev_digit {
        return Err(bad());
    }
    let magnitude = u64::from_str_radix(&clean, radix).map_err(|e| match e.kind() {
        std::num::IntErrorKind::PosOverflow => out_of_range(),
        _ => bad(),
    })?;
    let value = if neg {
        0i64.checked_sub_unsigned(magnitude)
    } else {
        i64::try_from(magnitude).ok()
    };
    value.ok_or_else(out_of_range)
}

/// Operating-system errors as Go prints them, which notation's users and tests match ("no such
/// file or directory", "permission denied"): Rust writes "No such file or directory (os error
/// 2)".
fn go_style_os_errors(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(at) = rest.find(" (os error ") {
        let (head, tail) = rest.split_at(at);
        let Some(close) = tail.find(')') else { break };
        // The system's text starts after the last ": " before it.
        let start = head.rfind(": ").map_or(0, |i| i + 2);
        let (before, text) = head.split_at(start);
        out.push_str(before);
        let mut chars = text.chars();
        if let Some(first) = chars.next() {
            out.extend(first.to_lowercase());
            out.push_str(chars.as_str());
        }
        rest = tail.split_at(close + 1).1;
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod switch_tests {
    use super::{Cli, SWITCHES, VALUED_SWITCHES, pflag_args};
    use clap::{ArgAction, CommandFactory as _};

    fn collect(cmd: &clap::Command, switches: &mut Vec<String>, valued: &mut Vec<String>) {
        for a in cmd.get_arguments() {
            let names: Vec<String> = a
                .get_long_and_visible_aliases()
                .unwrap_or_default()
                .into_iter()
                .map(str::to_owned)
                .chain(
                    a.get_aliases()
                        .unwrap_or_default()
                        .into_iter()
                        .map(str::to_owned),
                )
                .chain(a.get_short().map(String::from))
                .collect();
            match a.get_action() {
                ArgAction::SetTrue => switches.extend(names),
                // Bool-valued flags that may stand alone.
                ArgAction::Set if a.get_num_args().is_some_and(|r| r.min_values() == 0) => {
                    valued.extend(names)
                }
                ArgAction::Help | ArgAction::Version => {}
                // `pflag_args` counts every other flag as one that needs a value.
                action => assert!(
                    names.is_empty()
                        || (action.takes_values()
                            && a.get_num_args().is_none_or(|r| r.min_values() >= 1)),
                    "{:?} neither is a switch nor needs a value",
                    a.get_id()
                ),
            }
        }
        for sub in cmd.get_subcommands() {
            collect(sub, switches, valued);
        }
    }

    #[test]
    fn the_switch_lists_name_every_boolean_flag() {
        let mut cmd = Cli::command();
        cmd.build();
        let (mut switches, mut valued) = (Vec::new(), Vec::new());
        collect(&cmd, &mut switches, &mut valued);
        for list in [&mut switches, &mut valued] {
            list.retain(|n| n != "help" && n != "version" && n != "h" && n != "V");
            list.sort();
            list.dedup();
        }
        let mut expected: Vec<String> = SWITCHES.iter().map(|s| s.to_string()).collect();
        expected.sort();
        assert_eq!(switches, expected);
        let mut expected: Vec<String> = VALUED_SWITCHES.iter().map(|s| s.to_string()).collect();
        expected.sort();
        assert_eq!(valued, expected);
    }

    #[test]
    fn a_switch_set_false_drops_its_earlier_forms() {
        let args = |v: &[&str]| -> Vec<String> {
            pflag_args(v.iter().map(std::ffi::OsString::from))
                .into_iter()
                .map(|a| a.into_string().unwrap())
                .collect()
        };
        assert_eq!(
            args(&["notary", "list", "-d", "--oci-layout", "--debug=false", "r"]),
            ["notary", "list", "--oci-layout", "r"]
        );
        assert_eq!(
            args(&["notary", "list", "--oci-layout=false", "--oci-layout", "r"]),
            ["notary", "list", "--oci-layout", "r"]
        );
        assert_eq!(
            args(&["notary", "ls", "--plain-http", "--insecure-registry=0", "r"]),
            ["notary", "ls", "r"]
        );
        // A value that merely looks like the switch is left alone.
        assert_eq!(
            args(&[
                "notary",
                "sign",
                "-m",
                "--oci-layout",
                "--oci-layout=f",
                "r"
            ]),
            ["notary", "sign", "-m=--oci-layout", "r"]
        );
    }

    #[test]
    fn durations_are_read_as_go_reads_them_and_quoted_as_go_quotes_them() {
        use super::{expiry_duration, go_duration, go_quote};
        assert_eq!(
            go_duration("-9223372036854775808ns").ok(),
            Some(-(1i128 << 63))
        );
        assert_eq!(
            go_duration("-2562047h47m16.854775808s").ok(),
            Some(-(1i128 << 63))
        );
        assert!(go_duration("9223372036854775808ns").is_err());
        assert!(go_duration("-9223372036854775809ns").is_err());
        assert_eq!(go_duration("1.5h").ok(), Some(5_400_000_000_000));
        assert_eq!(go_duration("-0").ok(), Some(0));
        // Go adds a fraction in float64 arithmetic, keeping 18 digits: these come out whole.
        assert_eq!(
            go_duration("1.9999999999999999999s").ok(),
            Some(2_000_000_000)
        );
        assert_eq!(
            go_duration("0.3333333333333333333h").ok(),
            Some(1_200_000_000_000)
        );
        assert!(expiry_duration(-1).is_err());
        assert!(expiry_duration(1_500_000_000).is_err());
        assert_eq!(
            expiry_duration(3_000_000_000).ok(),
            Some(time::Duration::seconds(3))
        );
        let err = go_duration("\u{661}h").unwrap_err().0;
        assert_eq!(
            err,
            "invalid argument \"\u{661}h\" for \"-e, --expiry\" flag: time: invalid duration \"\\xd9\\xa1h\""
        );
        let err = go_duration("1\u{7f}").unwrap_err().0;
        assert!(err.starts_with("invalid argument \"1\\x7f\""), "{err}");
        assert_eq!(
            go_quote("a\"b\\c\td\u{1}\u{200b}é"),
            "\"a\\\"b\\\\c\\td\\x01\\u200bé\""
        );
    }

    #[test]
    fn integers_are_read_as_go_reads_them() {
        use super::go_int;
        for (s, v) in [
            ("10", 10),
            ("+7", 7),
            ("-1", -1),
            ("0x10", 16),
            ("0X1f", 31),
            ("0b101", 5),
            ("0o17", 15),
            ("017", 15),
            ("0", 0),
            ("1_000", 1000),
            ("0x_1F", 31),
            ("-9223372036854775808", i64::MIN),
        ] {
            assert_eq!(go_int(s), Ok(v), "{s}");
        }
        for s in [
            "",
            "-",
            "abc",
            "1__0",
            "_1",
            "1_",
            "0x",
            "08",
            "1.0",
            " 1",
            "9223372036854775808",
        ] {
            assert!(go_int(s).is_err(), "{s}");
        }
    }

    /// `args` as `pflag_args` rewrites them.
    fn run(args: &[&str]) -> Vec<String> {
        pflag_args(args.iter().map(|a| a.into()))
            .into_iter()
            .map(|a| a.into_string().unwrap())
            .collect()
    }

    #[test]
    fn switches_take_go_boolean_values() {
        assert_eq!(
            run(&["notary", "--oci-layout=T", "--default=0", "-y=1", "x"]),
            ["notary", "--oci-layout", "-y", "x"]
        );
        assert_eq!(
            run(&[
                "notary",
                "--force-referrers-tag=FALSE",
                "--allow-referrers-api=t"
            ]),
            [
                "notary",
                "--force-referrers-tag=false",
                "--allow-referrers-api=true"
            ]
        );
        // Not a Go boolean, not a switch, a long name with one dash, or an operand: unchanged.
        for args in [
            &["notary", "--default=yes"][..],
            &["notary", "--key=1"],
            &["notary", "-default=1"],
            &["notary", "--", "--oci-layout=true"],
        ] {
            assert_eq!(run(args), args);
        }
    }

    #[test]
    fn a_flag_takes_the_next_argument_as_its_value_even_with_a_dash() {
        assert_eq!(
            run(&[
                "notary",
                "login",
                "-u",
                "-bob",
                "--password",
                "-secret",
                "r"
            ]),
            ["notary", "login", "-u=-bob", "--password=-secret", "r"]
        );
        // The joined value is not read again as a flag; `-` alone is a value too.
        assert_eq!(
            run(&["notary", "sign", "-m", "-y=1", "--key", "-", "r"]),
            ["notary", "sign", "-m=-y=1", "--key=-", "r"]
        );
        // Switches, help, a flag with its value, a short cluster, an ordinary value and
        // operands after `--`: unchanged.
        for args in [
            &["notary", "verify", "-d", "-v", "r"][..],
            &["notary", "sign", "--oci-layout", "-k", "k", "r"],
            &["notary", "sign", "--key=k", "-d"],
            &["notary", "sign", "-dk", "-x"],
            &["notary", "sign", "-h", "-d"],
            &["notary", "sign", "--", "-k", "-x"],
        ] {
            assert_eq!(run(args), args);
        }
        // clap then reads the joined forms as pflag read the separate ones.
        use clap::Parser as _;
        let cli = Cli::try_parse_from(run(&[
            "notary",
            "sign",
            "--key",
            "-weird",
            "-m",
            "-x=1",
            "-d",
            "localhost:5000/app:v1",
        ]));
        let cli = cli.expect("parsed");
        let super::Command::Sign(a) = cli.command else {
            panic!("not sign")
        };
        assert_eq!(a.key.as_deref(), Some("-weird"));
        assert_eq!(a.user_metadata, ["-x=1"]);
        assert!(cli.debug);
    }
}

#[cfg(test)]
mod os_error_tests {
    use super::go_style_os_errors;

    #[test]
    fn os_errors_read_as_go_writes_them() {
        assert_eq!(
            go_style_os_errors(
                "failed to read signature file: x.jws.sig: No such file or directory (os error 2)"
            ),
            "failed to read signature file: x.jws.sig: no such file or directory"
        );
        assert_eq!(
            go_style_os_errors(
                "Permission denied (os error 13); then a: Is a directory (os error 21)"
            ),
            "permission denied; then a: is a directory"
        );
        assert_eq!(go_style_os_errors("nothing to change"), "nothing to change");
        assert_eq!(go_style_os_errors("odd (os error 2"), "odd (os error 2");
    }
}

/// Ends a run clap did not get to a command: notation (cobra) exits 0 after help or version
/// output, including the help shown for a missing subcommand, and 1 for every error (clap's own
/// default is 2).
fn usage_exit(e: &clap::Error, args: &[std::ffi::OsString]) -> ExitCode {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    if e.kind() == ErrorKind::InvalidSubcommand && args.get(1).is_some_and(|a| a == "help") {
        return help_topic(&args[2..]);
    }
    // cobra's order: an unknown flag, then the operand count, then the required flags.
    let positional_value = e.kind() == ErrorKind::InvalidValue
        && !matches!(e.get(ContextKind::InvalidArg), Some(ContextValue::String(a)) if a.starts_with('-'));
    if matches!(
        e.kind(),
        ErrorKind::MissingRequiredArgument | ErrorKind::UnknownArgument
    ) || positional_value
    {
        use clap::CommandFactory as _;
        let mut root = Cli::command();
        root.build();
        let inv = arity::scan(&root, args);
        if let Some(m) = &inv.unknown_flag {
            eprintln!("Error: {m}");
            return ExitCode::from(1);
        }
        // `completion NAME` where NAME is no shell: cobra shows the group's help, exit 0.
        if inv.path == ["completion"]
            && let Some(shell) = inv.operands.first()
            && !["bash", "zsh", "fish", "powershell", "elvish"].contains(&shell.as_str())
        {
            if let Some(c) = root.find_subcommand_mut("completion") {
                let _ = c.print_help();
            }
            return ExitCode::SUCCESS;
        }
        if let Some(m) = arity::operand_error(&inv) {
            eprintln!("Error: {m}");
            return ExitCode::from(1);
        }
        if let Some(m) = arity::required_flags_error(&root, &inv) {
            eprintln!("Error: {m}");
            return ExitCode::from(1);
        }
    }
    match e.kind() {
        // cobra prints a command group's help on stdout when no subcommand is given.
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            print!("{}", e.render());
            return ExitCode::SUCCESS;
        }
        // An unknown subcommand of a group (`notary key bogus`): cobra shows the group's help
        // and exits 0 (only the root command refuses unknown commands).
        ErrorKind::InvalidSubcommand => {
            if let Some(ContextValue::String(bad)) = e.get(ContextKind::InvalidSubcommand) {
                if let Some(at) = args.iter().position(|a| a.to_str() == Some(bad.as_str()))
                    && args[1..at]
                        .iter()
                        .any(|a| !a.to_str().is_some_and(|s| s.starts_with('-')))
                {
                    let mut help: Vec<std::ffi::OsString> = args[..at].to_vec();
                    help.push("--help".into());
                    if let Err(h) = Cli::try_parse_from(&help)
                        && h.kind() == ErrorKind::DisplayHelp
                    {
                        let _ = h.print();
                        return ExitCode::SUCCESS;
                    }
                }
                // At the root: cobra's words.
                let mut text = format!("Error: unknown command {bad:?} for \"notary\"\n");
                // cobra suggests commands within two edits, or that start with the input.
                let near: Vec<&String> = match e.get(ContextKind::SuggestedSubcommand) {
                    Some(ContextValue::Strings(s)) => s
                        .iter()
                        .filter(|c| edit_distance(c, bad) <= 2 || c.starts_with(bad.as_str()))
                        .collect(),
                    _ => Vec::new(),
                };
                if !near.is_empty() {
                    text.push_str("\nDid you mean this?\n");
                    for s in near {
                        text.push_str(&format!("\t{s}\n"));
                    }
                    text.push('\n');
                }
                text.push_str("Run 'notary --help' for usage.");
                eprintln!("{text}");
                return ExitCode::from(1);
            }
        }
        // pflag's words for an unknown flag and a value it cannot read (notation's e2e tests
        // and users' scripts match them).
        ErrorKind::UnknownArgument => {
            if let Some(ContextValue::String(arg)) = e.get(ContextKind::InvalidArg) {
                if let Some(long) = arg.strip_prefix("--").filter(|l| !l.is_empty()) {
                    let name = long.split('=').next().unwrap_or(long);
                    eprintln!("Error: unknown flag: --{name}");
                    return ExitCode::from(1);
                }
                if let Some(c) = arg.strip_prefix('-').and_then(|s| s.chars().next()) {
                    eprintln!("Error: unknown shorthand flag: '{c}' in {arg}");
                    return ExitCode::from(1);
                }
            }
        }
        ErrorKind::ValueValidation | ErrorKind::InvalidValue | ErrorKind::TooManyValues => {
            if let (Some(ContextValue::String(arg)), Some(ContextValue::String(value))) = (
                e.get(ContextKind::InvalidArg),
                e.get(ContextKind::InvalidValue),
            ) && arg.starts_with('-')
            {
                let flag = arg.split([' ', '=', '[']).next().unwrap_or(arg);
                let name = flag.trim_start_matches('-');
                // A valued flag last on the line, with no value at all (an empty one is a value).
                if value.is_empty()
                    && e.kind() == ErrorKind::InvalidValue
                    && e.to_string().contains("none was supplied")
                {
                    match flag.strip_prefix("--") {
                        Some(long) => eprintln!("Error: flag needs an argument: --{long}"),
                        None => eprintln!("Error: flag needs an argument: '{name}' in {flag}"),
                    }
                    return ExitCode::from(1);
                }
                let reason = if SWITCHES.contains(&name) || VALUED_SWITCHES.contains(&name) {
                    format!("strconv.ParseBool: parsing {value:?}: invalid syntax")
                } else {
                    std::error::Error::source(e).map_or_else(String::new, ToString::to_string)
                };
                eprintln!(
                    "Error: invalid argument {value:?} for {:?} flag: {reason}",
                    pflag_flag_name(args, flag)
                );
                return ExitCode::from(1);
            }
        }
        _ => {}
    }
    match e.kind() {
        // clap picks the stream: stdout for help and version. If even that cannot be
        // written, the exit code still tells.
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = e.print();
            ExitCode::SUCCESS
        }
        // Any other usage error in notation's form (one `Error: ` line, as every other error
        // of the CLI), not clap's lower-case `error:` with a usage block.
        // (Its detail lines, such as the arguments missing or a `tip:`, are kept; the usage
        // block after them is not.)
        _ => {
            let text = e.to_string();
            let mut lines = text
                .lines()
                .take_while(|l| !l.starts_with("Usage:"))
                .filter(|l| !l.trim().is_empty());
            let first = lines.next().unwrap_or_default();
            let mut message = format!("Error: {}", first.strip_prefix("error: ").unwrap_or(first));
            for l in lines {
                message.push('\n');
                message.push_str(l);
            }
            eprintln!("{message}");
            ExitCode::from(1)
        }
    }
}

/// A long flag as pflag names it in its errors: `-b, --bits` when the command the line names
/// gives it a shorthand, else as given.
fn pflag_flag_name(args: &[std::ffi::OsString], flag: &str) -> String {
    use clap::CommandFactory as _;
    let Some(long) = flag.strip_prefix("--") else {
        return flag.to_string();
    };
    let mut root = Cli::command();
    root.build();
    let inv = arity::scan(&root, args);
    let mut cmd = &root;
    for name in &inv.path {
        match cmd.find_subcommand(name) {
            Some(sub) => cmd = sub,
            None => break,
        }
    }
    match cmd
        .get_arguments()
        .find(|a| a.get_long() == Some(long))
        .and_then(clap::Arg::get_short)
    {
        Some(c) => format!("-{c}, --{long}"),
        None => flag.to_string(),
    }
}

/// `notary help TOPIC...` where clap found no such command, as cobra's help command answers:
/// the help of the deepest command the topics name (words after it are ignored), or, when the
/// first names no command, `Unknown help topic [...]` and the root's help on stderr; exit 0.
fn help_topic(topics: &[std::ffi::OsString]) -> ExitCode {
    use clap::CommandFactory as _;
    use std::io::Write as _;
    let root = Cli::command();
    let mut cmd = &root;
    let mut path = Vec::new();
    for t in topics {
        let Some(sub) = t.to_str().and_then(|t| cmd.find_subcommand(t)) else {
            break;
        };
        path.push(sub.get_name().to_string());
        cmd = sub;
    }
    if path.is_empty() {
        // Go's %#q of the topics: backquoted where Go can, else double-quoted with escapes.
        let quoted: Vec<String> = topics
            .iter()
            .map(|t| {
                let t = t.to_string_lossy();
                if t.chars()
                    .all(|c| c != '`' && c != '\u{feff}' && (c == '\t' || !c.is_control()))
                {
                    format!("`{t}`")
                } else {
                    format!("{t:?}")
                }
            })
            .collect();
        // Written, not eprint!ed: a closed stderr (`2>&1 | head`) is no reason to panic.
        let _ = write!(
            std::io::stderr(),
            "Unknown help topic [{}]\n{}",
            quoted.join(" "),
            root.clone().render_help()
        );
        return ExitCode::SUCCESS;
    }
    // clap renders the command's help as for `notary PATH --help`.
    let mut argv = vec![std::ffi::OsString::from("notary")];
    argv.extend(path.into_iter().map(Into::into));
    argv.push("--help".into());
    if let Err(h) = Cli::try_parse_from(&argv) {
        let _ = h.print();
    }
    ExitCode::SUCCESS
}

/// Levenshtein distance (case-insensitive, as cobra's suggestions compare).
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (
        a.to_lowercase().chars().collect(),
        b.to_lowercase().chars().collect(),
    );
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut row = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            row.push((prev[j] + cost).min(prev[j + 1] + 1).min(row[j] + 1));
        }
        prev = row;
    }
    prev[b.len()]
}

/// Parses `k=v` pairs of `--user-metadata` / `--plugin-config`: as notation's `ParseFlagMap`,
/// each needs a non-empty key and a non-empty value; a key given twice is refused (notation
/// silently keeps the last one).
pub fn parse_pairs(
    pairs: &[String],
    flag: &str,
) -> Result<std::collections::BTreeMap<String, String>, Failure> {
    let mut out = std::collections::BTreeMap::new();
    for p in pairs {
        // notation's one message for a missing separator, key or value.
        let (k, v) = p
            .split_once('=')
            .filter(|(k, v)| !k.is_empty() && !v.is_empty())
            .ok_or_else(|| {
                Failure::msg(format!(
                    "could not parse flag {}: key-value pair requires \"=\" as separator",
                    flag.trim_start_matches('-')
                ))
            })?;
        if out.insert(k.to_string(), v.to_string()).is_some() {
            return Err(Failure::msg(format!(
                "{flag} key {k:?} is given more than once"
            )));
        }
    }
    Ok(out)
}

/// Parses an `--expiry` duration as Go's `time.ParseDuration` does (`24h`, `1h30m`, `4.1m`,
/// `90s`, `+1h`; at most 2562047h), then applies notation-go's rules: not negative, whole
/// seconds.
pub fn parse_duration(s: &str) -> Result<time::Duration, Failure> {
    expiry_duration(go_duration(s)?)
}

/// Go's `strconv.Quote` (`%q`) of `s` ([`notary_core::json::go_quote`]).
pub fn go_quote(s: &str) -> String {
    notary_core::json::go_quote(s.as_bytes())
}

/// How Go's `time` package quotes a duration in its errors: every byte of a character outside
/// printable ASCII as `\xNN`, `"` and `\` escaped.
fn go_time_quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        if (c as u32) >= 0x80 || c < ' ' {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("\\x{b:02x}"));
            }
        } else {
            if c == '"' || c == '\\' {
                out.push('\\');
            }
            out.push(c);
        }
    }
    out.push('"');
    out
}

/// An `--expiry` value read as Go's `time.ParseDuration` reads it (pflag parses it before the
/// command runs): its nanoseconds, negative ones included, or pflag's words around Go's.
pub fn go_duration(s: &str) -> Result<i128, Failure> {
    let flag_err = |reason: String| {
        Failure::msg(format!(
            "invalid argument {} for \"-e, --expiry\" flag: time: {reason}",
            go_quote(s)
        ))
    };
    let bad = || flag_err(format!("invalid duration {}", go_time_quote(s)));
    let (neg, mut rest) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if rest == "0" {
        return Ok(0);
    }
    if rest.is_empty() {
        return Err(bad());
    }
    // Nanoseconds: up to 1<<63 while reading (the magnitude of Go's smallest duration).
    const LIMIT: u128 = 1 << 63;
    let mut total: u128 = 0;
    while !rest.is_empty() {
        let int_end = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        let int_part = &rest[..int_end];
        rest = &rest[int_end..];
        let mut frac_part = "";
        if let Some(r) = rest.strip_prefix('.') {
            let frac_end = r.find(|c: char| !c.is_ascii_digit()).unwrap_or(r.len());
            frac_part = &r[..frac_end];
            rest = &r[frac_end..];
        }
        if int_part.is_empty() && frac_part.is_empty() {
            return Err(bad());
        }
        let unit_end = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let unit: u64 = match &rest[..unit_end] {
            "ns" => 1,
            "us" | "\u{b5}s" | "\u{3bc}s" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            "" => {
                return Err(flag_err(format!(
                    "missing unit in duration {}",
                    go_time_quote(s)
                )));
            }
            u => {
                return Err(flag_err(format!(
                    "unknown unit {} in duration {}",
                    go_time_quote(u),
                    go_time_quote(s)
                )));
            }
        };
        rest = &rest[unit_end..];
        // Go's leadingInt: an overflow is an invalid duration.
        let mut int: u128 = 0;
        for d in int_part.bytes() {
            int = int * 10 + u128::from(d - b'0');
            if int > LIMIT {
                return Err(bad());
            }
        }
        // Go's leadingFraction: digits are kept while they fit, the scale as a float64.
        let (mut frac, mut scale, mut overflow) = (0u64, 1.0f64, false);
        for d in frac_part.bytes() {
            if overflow {
                continue;
            }
            if frac > (i64::MAX as u64) / 10 {
                overflow = true;
                continue;
            }
            let next = frac * 10 + u64::from(d - b'0');
            if u128::from(next) > LIMIT {
                overflow = true;
                continue;
            }
            frac = next;
            scale *= 10.0;
        }
        if int > LIMIT / u128::from(unit) {
            return Err(bad());
        }
        let mut v = int * u128::from(unit);
        if frac > 0 {
            // Go adds the fraction in float64 arithmetic, truncated: so does this, exactly as Go.
            v += (frac as f64 * (unit as f64 / scale)) as u64 as u128;
            if v > LIMIT {
                return Err(bad());
            }
        }
        total += v;
        if total > LIMIT {
            return Err(bad());
        }
    }
    if neg {
        return Ok(-(total as i128));
    }
    if total > i64::MAX as u128 {
        return Err(bad());
    }
    Ok(total as i128)
}

/// notation-go's rules for an expiry duration (checked once the artifact has resolved): not
/// negative, whole seconds.
pub fn expiry_duration(nanos: i128) -> Result<time::Duration, Failure> {
    if nanos < 0 {
        return Err(Failure::msg("expiry duration cannot be a negative value"));
    }
    if nanos % 1_000_000_000 != 0 {
        return Err(Failure::msg(
            "expiry duration supports minimum granularity of seconds",
        ));
    }
    Ok(time::Duration::seconds((nanos / 1_000_000_000) as i64))
}

/// notation's configuration and cache directories, from the environment.
pub fn notation_dir() -> Result<notary::config::NotationDir, Failure> {
    notary::config::NotationDir::from_env()
        .map(|d| d.with_warning_handler(|m| eprintln!("Warning: {m}")))
        .map_err(|e| Failure::msg(e.to_string()))
}

/// The current time: the CLI owns the clock; the library takes it as a parameter.
pub fn now() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc()
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory as _;

    #[test]
    fn the_whole_command_tree_is_consistent_deferred_subcommands_included() {
        // Subcommands are built only when used; building them all here checks every one.
        super::Cli::command().debug_assert();
    }

    #[test]
    fn a_deferred_subcommand_still_parses_its_arguments() {
        use clap::Parser as _;
        let cli = super::Cli::try_parse_from([
            "notary",
            "sign",
            "--insecure-registry",
            "--key",
            "k",
            "localhost:5000/app@sha256:0000000000000000000000000000000000000000000000000000000000000000",
        ])
        .unwrap();
        assert!(
            matches!(cli.command, super::Command::Sign(ref a) if a.key.as_deref() == Some("k"))
        );
        assert!(
            super::Cli::try_parse_from(["notary", "sign", "--no-such-flag", "x"]).is_err(),
            "unknown flags of a deferred subcommand are refused"
        );
    }

    /// build.rs may link GCC's unwinder statically: panics must still unwind (tokio turns a
    /// task's panic into an error that way) and backtraces must still walk the stack.
    #[test]
    fn panics_unwind_and_backtraces_walk_with_the_linked_unwinder() {
        let caught = std::panic::catch_unwind(|| {
            let v: Vec<u8> = Vec::new();
            // An index out of bounds, the panic the runtime raises itself.
            v[std::hint::black_box(3)]
        });
        assert!(caught.is_err(), "the panic was not caught");
        let trace = std::backtrace::Backtrace::force_capture();
        assert_eq!(trace.status(), std::backtrace::BacktraceStatus::Captured);
        let text = trace.to_string();
        assert!(
            text.contains("panics_unwind_and_backtraces_walk"),
            "the backtrace does not reach this test: {text}"
        );
    }

    /// Where build.rs found `libgcc_eh.a`, the shared unwinder is not loaded at all.
    #[cfg(notary_static_unwinder)]
    #[test]
    fn the_shared_gcc_unwinder_is_not_loaded() {
        let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
        assert!(
            !maps.contains("libgcc_s"),
            "libgcc_s is mapped although the unwinder was linked statically"
        );
    }
}
