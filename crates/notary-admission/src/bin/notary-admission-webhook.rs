//! `notary-admission-webhook`: the Kubernetes validating admission webhook of notary-rs.
//!
//! Serves `/validate` over HTTPS with the certificate pair of `--tls-cert`/`--tls-key` and
//! verifies every image of the reviewed Pods and pod templates against the notation
//! configuration directory `--notation-dir` (a mounted ConfigMap/Secret with
//! `trustpolicy.oci.json` and `truststore/`). Prints `listening on ADDR` once bound.

use std::net::SocketAddr;
use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use notary_admission::{RegistrySettings, Settings, TlsFiles, Webhook, serve};
use notary_registry::remote::DockerConfig;

/// Kubernetes validating admission webhook: admits workloads whose container images carry a
/// Notary Project signature trusted by the notation configuration directory.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "0.0.0.0:8443")]
    listen: SocketAddr,
    /// Serving certificate chain (PEM), reloaded when the file changes.
    #[arg(long)]
    tls_cert: PathBuf,
    /// Serving private key (PEM), reloaded when the file changes.
    #[arg(long)]
    tls_key: PathBuf,
    /// Seconds between checks of the certificate files for changes.
    #[arg(long, default_value_t = 10)]
    tls_reload_seconds: u64,
    /// The notation configuration directory (trustpolicy.oci.json, truststore/, plugins/).
    #[arg(long, default_value = "/etc/notation")]
    notation_dir: PathBuf,
    /// Deny images referenced by tag only instead of resolving the tag to a digest.
    #[arg(long)]
    deny_tag_only: bool,
    /// Seconds a verification result is reused for the same image digest and configuration
    /// (0 disables the cache; concurrent admissions still share a verification).
    #[arg(long, default_value_t = 300)]
    cache_ttl_seconds: u64,
    /// Seconds a tag's resolution to a digest is reused (0: every admission by tag asks the
    /// registry). Tags move: the webhook then admits the digest the tag named up to this long
    /// ago; --deny-tag-only avoids the question.
    #[arg(long, default_value_t = 0)]
    tag_cache_ttl_seconds: u64,
    /// Most verification results cached.
    #[arg(long, default_value_t = 10_000)]
    cache_max_entries: usize,
    /// Largest AdmissionReview body accepted, in bytes (the API server sends at most 3 MiB).
    #[arg(long, default_value_t = notary_admission::DEFAULT_MAX_REVIEW_BYTES)]
    max_review_bytes: usize,
    /// Most connections served at once after their TLS handshake (four times as many, at
    /// least 1024, may be in the handshake); more wait in the listen backlog.
    #[arg(long, default_value_t = nonzero(notary_admission::DEFAULT_MAX_CONNECTIONS))]
    max_connections: NonZeroUsize,
    /// Most reviews handled at once, over all connections; more wait up to their timeout, then
    /// get 429 (the webhook's failurePolicy applies).
    #[arg(long, default_value_t = nonzero(notary_admission::DEFAULT_MAX_REVIEWS_IN_FLIGHT))]
    max_reviews_in_flight: NonZeroUsize,
    /// Most image verifications running at once, counting those still running after their
    /// review timed out; an image finding none free is denied unverified (not cached).
    #[arg(long, default_value_t = nonzero(notary_admission::DEFAULT_MAX_VERIFICATIONS_IN_FLIGHT))]
    max_verifications_in_flight: NonZeroUsize,
    /// Seconds a client has to send a request's headers before its connection is closed.
    #[arg(long, default_value_t = notary_admission::DEFAULT_HEADER_READ_TIMEOUT.as_secs())]
    header_read_timeout_seconds: u64,
    /// Events printed on stderr: off, error, warn, info (denials) or debug (every decision,
    /// and the verifier's steps).
    #[arg(long, default_value = "info")]
    log_level: tracing_subscriber::filter::LevelFilter,
    /// A registry (host or host:port) reached over plain HTTP; repeatable. Test registries only.
    #[arg(long = "plain-http", value_name = "REGISTRY")]
    plain_http: Vec<String>,
    /// Extra trusted root certificate (PEM) for registries; repeatable.
    #[arg(long = "registry-ca", value_name = "FILE")]
    registry_ca: Vec<PathBuf>,
    /// Docker config.json (or a mounted kubernetes.io/dockerconfigjson secret) with registry
    /// credentials; anonymous without it.
    #[arg(long, value_name = "FILE")]
    docker_config: Option<PathBuf>,
    /// Time limit of each registry request, in seconds (keep the sum under the webhook's
    /// timeoutSeconds).
    #[arg(long, default_value_t = 5)]
    registry_timeout_seconds: u64,
    /// Where the webhook makes its private directory (random name, mode 0700, removed at exit)
    /// for copies of the notation configuration (default: the system temporary directory).
    /// Other users must not be able to rename its entries (a sticky or private directory).
    #[arg(long, value_name = "DIR")]
    snapshot_dir: Option<PathBuf>,
    /// Crypto provider: aws-lc-rs or rustcrypto.
    #[arg(long, default_value = "aws-lc-rs")]
    crypto: String,
}

/// Prints the webhook's events on stderr up to `level`. The other notary crates' events (the
/// verifier reports every passed validation at info) only from warn, or with debug; other
/// crates (the HTTP stack) stay quiet.
fn init_logging(level: tracing_subscriber::filter::LevelFilter) {
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;
    use tracing_subscriber::{Layer as _, filter};

    let libraries = if level >= filter::LevelFilter::DEBUG {
        level
    } else {
        level.min(filter::LevelFilter::WARN)
    };
    // Targets match by prefix, the longest one winning.
    let targets = filter::Targets::new()
        .with_target("notary", libraries)
        .with_target("notary_admission", level);
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_filter(targets);
    // Fails only when a subscriber is already set, which nothing here does.
    let _ = tracing_subscriber::registry().with(layer).try_init();
}

fn run(args: Args) -> Result<(), String> {
    init_logging(args.log_level);
    let provider = notary::provider_by_name(&args.crypto)
        .ok_or_else(|| format!("unknown or unavailable crypto provider {:?}", args.crypto))?;
    let mut registry = RegistrySettings::default();
    registry.plain_http = args.plain_http;
    registry.timeout = Duration::from_secs(args.registry_timeout_seconds);
    for f in &args.registry_ca {
        registry
            .ca_certificates_pem
            .push(std::fs::read(f).map_err(|e| format!("{}: {e}", f.display()))?);
    }
    if let Some(f) = args.docker_config {
        registry.credentials = Arc::new(DockerConfig::new(f));
    }
    let mut settings = Settings::new(args.notation_dir);
    settings.provider = provider;
    settings.registry = registry;
    settings.deny_tag_only = args.deny_tag_only;
    settings.cache_ttl = Duration::from_secs(args.cache_ttl_seconds);
    settings.cache_max_entries = args.cache_max_entries;
    settings.tag_cache_ttl = Duration::from_secs(args.tag_cache_ttl_seconds);
    settings.max_review_bytes = args.max_review_bytes;
    settings.max_connections = args.max_connections.get();
    settings.max_reviews_in_flight = args.max_reviews_in_flight.get();
    settings.max_verifications_in_flight = args.max_verifications_in_flight.get();
    settings.header_read_timeout = Duration::from_secs(args.header_read_timeout_seconds.max(1));
    if let Some(d) = args.snapshot_dir {
        settings.snapshot_dir = d;
    }
    let webhook = Arc::new(Webhook::new(settings));
    if let Err(e) = webhook.ready() {
        // Not fatal: /readyz reports it until the configuration appears.
        eprintln!("notary-admission: not ready: {e}");
    }
    let mut tls = TlsFiles::new(args.tls_cert, args.tls_key);
    tls.reload_interval = Duration::from_secs(args.tls_reload_seconds.max(1));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("tokio runtime: {e}"))?;
    let served = rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .map_err(|e| format!("listen on {}: {e}", args.listen))?;
        let addr = listener
            .local_addr()
            .map_err(|e| format!("listen on {}: {e}", args.listen))?;
        println!("listening on {addr}");
        let shutdown = async {
            let mut term =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                () = async { match term.as_mut() { Some(t) => { t.recv().await; } None => std::future::pending().await } } => {}
            }
        };
        serve(listener, webhook, tls, shutdown)
            .await
            .map_err(|e| e.to_string())
    });
    // Verifications still running at shutdown may be waiting on plugins, which would
    // outlive the webhook.
    notary::plugin::kill_running_plugins();
    served
}

fn main() -> ExitCode {
    match run(Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("notary-admission-webhook: {e}");
            ExitCode::FAILURE
        }
    }
}

/// A default limit as clap wants it: the limits are counts of things allowed at once, so `0`
/// is refused at parse time rather than silently read as 1 (or as "no limit").
fn nonzero(n: usize) -> NonZeroUsize {
    NonZeroUsize::new(n).unwrap_or(NonZeroUsize::MIN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_limits_are_refused_and_defaults_are_the_library_ones() {
        let base = [
            "notary-admission-webhook",
            "--tls-cert",
            "c",
            "--tls-key",
            "k",
        ];
        for flag in [
            "--max-connections",
            "--max-reviews-in-flight",
            "--max-verifications-in-flight",
        ] {
            let err = Args::try_parse_from(base.iter().copied().chain([flag, "0"]))
                .err()
                .unwrap_or_else(|| panic!("{flag} 0 was accepted"));
            assert!(err.to_string().contains("zero"), "{flag}: {err}");
            let ok = Args::try_parse_from(base.iter().copied().chain([flag, "1"]));
            assert!(ok.is_ok(), "{flag} 1: {:?}", ok.err());
        }
        let args = Args::try_parse_from(base).unwrap();
        assert_eq!(
            args.max_reviews_in_flight.get(),
            notary_admission::DEFAULT_MAX_REVIEWS_IN_FLIGHT
        );
        assert_eq!(
            args.max_verifications_in_flight.get(),
            notary_admission::DEFAULT_MAX_VERIFICATIONS_IN_FLIGHT
        );
        assert_eq!(
            args.max_connections.get(),
            notary_admission::DEFAULT_MAX_CONNECTIONS
        );
    }
}
