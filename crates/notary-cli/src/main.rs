//! `notary`: the notation-compatible command line of notary-rs.
//!
//! Same commands, flags, exit codes and configuration directory as `notation`
//! (`$NOTATION_CONFIG`, else `$XDG_CONFIG_HOME/notation`): trust policies, trust stores,
//! `signingkeys.json` and `localkeys/` written by one tool are read by the other.
#![forbid(unsafe_code)]

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
    about = "Sign and verify artifacts: a notation-compatible CLI (notary-rs)"
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
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_exit(&e),
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
        Command::Version => {
            println!(
                "notary - a notation-compatible tool to sign and verify artifacts (notary-rs)\n\nVersion:     {}",
                env!("CARGO_PKG_VERSION")
            );
            Ok(())
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure(m)) => {
            eprintln!("Error: {m}");
            ExitCode::from(1)
        }
    }
}

/// Ends a run clap did not get to a command: notation (cobra) exits 0 after help or version
/// output, including the help shown for a missing subcommand, and 1 for every error (clap's own
/// default is 2).
fn usage_exit(e: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    // clap picks the stream: stdout for help and version, stderr for errors. If even that
    // cannot be written, the exit code still tells.
    let _ = e.print();
    match e.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => ExitCode::SUCCESS,
        _ => ExitCode::from(1),
    }
}

/// Parses `k=v` pairs of `--user-metadata` / `--plugin-config`.
pub fn parse_pairs(
    pairs: &[String],
    flag: &str,
) -> Result<std::collections::BTreeMap<String, String>, Failure> {
    let mut out = std::collections::BTreeMap::new();
    for p in pairs {
        let (k, v) = p
            .split_once('=')
            .ok_or_else(|| Failure::msg(format!("{flag} {p:?} must be of the form key=value")))?;
        if k.is_empty() {
            return Err(Failure::msg(format!("{flag} {p:?} has an empty key")));
        }
        if out.insert(k.to_string(), v.to_string()).is_some() {
            return Err(Failure::msg(format!(
                "{flag} key {k:?} is given more than once"
            )));
        }
    }
    Ok(out)
}

/// Parses a Go-style duration (`24h`, `1h30m`, `90s`, `1.5h`) into whole seconds.
pub fn parse_duration(s: &str) -> Result<time::Duration, Failure> {
    let bad = || {
        Failure::msg(format!(
            "invalid duration {s:?} (examples: 24h, 1h30m, 90s)"
        ))
    };
    if s == "0" {
        return Ok(time::Duration::ZERO);
    }
    let mut total = 0f64;
    let mut rest = s;
    if rest.is_empty() {
        return Err(bad());
    }
    while !rest.is_empty() {
        let n_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(bad)?;
        let n: f64 = rest[..n_end].parse().map_err(|_| bad())?;
        rest = &rest[n_end..];
        let u_end = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let unit = match &rest[..u_end] {
            "ns" => 1e-9,
            "us" | "µs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return Err(bad()),
        };
        total += n * unit;
        rest = &rest[u_end..];
    }
    if total.fract() != 0.0 || !(0.0..=1e12).contains(&total) {
        return Err(Failure::msg(format!(
            "duration {s:?} must be a non-negative whole number of seconds"
        )));
    }
    Ok(time::Duration::seconds(total as i64))
}

/// notation's configuration and cache directories, from the environment.
pub fn notation_dir() -> Result<notary::config::NotationDir, Failure> {
    notary::config::NotationDir::from_env().map_err(|e| Failure::msg(e.to_string()))
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
}
