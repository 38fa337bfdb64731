//! `notary blob`: detached signatures of arbitrary files.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::{Args, Subcommand};
use notary::{
    BlobTarget, Descriptor, EnvelopeMediaType, NotaryVerifier, SignOptions, Verifier, VerifyRequest,
};

use notary::config::KeySource;

use crate::config;
use crate::policy::{self, Kind, PolicyCommand};
use crate::{CmdResult, Failure, parse_duration, parse_pairs};

#[derive(Subcommand)]
// Built when used: a run parses one subcommand, not the whole tree.
#[command(defer = true)]
pub enum BlobCommand {
    /// Produce a detached signature for a file
    Sign(BlobSignArgs),
    /// Verify a file against its detached signature
    Verify(BlobVerifyArgs),
    /// Inspect a detached signature
    Inspect {
        /// Output format: text or json
        #[arg(short = 'o', long = "output", default_value = "text")]
        output: String,
        /// The signature file (`<name>.jws.sig` or `<name>.cose.sig`)
        signature: Option<PathBuf>,
    },
    /// Manage the blob trust policy
    #[command(subcommand)]
    Policy(PolicyCommand),
}

#[derive(Args)]
pub struct BlobSignArgs {
    /// Signature envelope format: jws or cose (default from config.json, else jws)
    #[arg(long = "signature-format")]
    pub format: Option<String>,
    /// Signing key name (default: the default key)
    #[arg(short = 'k', long = "key")]
    pub key: Option<String>,
    /// Directory to write the signature to (no short form: notation's `-d` is `--debug`)
    #[arg(long = "signature-directory", default_value = ".")]
    pub dir: PathBuf,
    /// Media type of the blob
    #[arg(long = "media-type", default_value = "application/octet-stream")]
    pub media_type: String,
    /// Signature expiry duration (e.g. 24h)
    #[arg(short = 'e', long = "expiry", allow_hyphen_values = true)]
    pub expiry: Option<String>,
    /// User metadata key=value (repeatable)
    #[arg(short = 'm', long = "user-metadata")]
    pub user_metadata: Vec<String>,
    /// Overwrite an existing signature file
    #[arg(long)]
    pub force: bool,
    /// RFC 3161 timestamp authority URL (http)
    #[arg(long = "timestamp-url")]
    pub timestamp_url: Option<String>,
    /// The TSA's root certificate (one self-signed certificate, PEM or DER)
    #[arg(long = "timestamp-root-cert")]
    pub timestamp_root_cert: Option<PathBuf>,
    /// Sign with this plugin (with --id) instead of a configured key
    #[arg(long)]
    pub plugin: Option<String>,
    /// Key id for --plugin
    #[arg(long)]
    pub id: Option<String>,
    /// Plugin configuration key=value (repeatable; overrides the key's configuration)
    #[arg(long = "plugin-config")]
    pub plugin_config: Vec<String>,
    /// The file to sign
    pub file: PathBuf,
}

#[derive(Args)]
pub struct BlobVerifyArgs {
    /// The signature file
    #[arg(short = 's', long = "signature")]
    pub signature: Option<PathBuf>,
    /// Blob trust policy statement name (default: the global statement)
    #[arg(long = "policy-name")]
    pub policy_name: Option<String>,
    /// Media type the signed blob must have
    #[arg(long = "media-type")]
    pub media_type: Option<String>,
    /// User metadata the signature must carry, key=value (repeatable)
    #[arg(short = 'm', long = "user-metadata")]
    pub user_metadata: Vec<String>,
    /// Configuration key=value passed to the verification plugin (repeatable)
    #[arg(long = "plugin-config")]
    pub plugin_config: Vec<String>,
    /// The file to verify
    pub file: PathBuf,
}

/// A plugin signer for `plugin` / `key_id` with `config` (`--plugin-config` entries override
/// the key's own).
pub fn plugin_signer(
    plugin: &str,
    key_id: &str,
    config: BTreeMap<String, String>,
) -> Result<Box<dyn notary_core::Signer>, Failure> {
    let host = crate::notation_dir()?.plugin_host();
    let signer = notary::plugin::PluginSigner::new(host, plugin, key_id, config)
        .map_err(|e| Failure::msg(format!("signing key uses {e}")))?;
    Ok(Box::new(signer))
}

/// The signer for a `signingkeys.json` entry (a local key and certificate, or a plugin key),
/// with `--plugin-config` overrides for plugin keys.
pub fn signer_with(
    key: Option<&str>,
    overrides: &BTreeMap<String, String>,
) -> Result<Box<dyn notary_core::Signer>, Failure> {
    match signer_source(key, overrides)? {
        SignerSource::Ready(s) => Ok(s),
        SignerSource::LocalFiles { key, cert } => Ok(Box::new(
            notary_crypto::LocalSigner::from_files(&key, &cert)?,
        )),
    }
}

/// Where a signer comes from: built already (a plugin key), or a local key and certificate
/// still to be read and parsed (which `notary sign` does while its first requests are out).
pub enum SignerSource {
    Ready(Box<dyn notary_core::Signer>),
    LocalFiles { key: PathBuf, cert: PathBuf },
}

/// notation's (cobra's) flag groups of the signer flags, in cobra's order: `--id` and
/// `--plugin` together, then `--key` apart from each (a flag counts as set even when empty).
/// Returns the plugin and key id when a plugin signs.
pub fn signer_flags<'a>(
    key: Option<&str>,
    plugin: Option<&'a str>,
    id: Option<&'a str>,
) -> Result<Option<(&'a str, &'a str)>, Failure> {
    match (plugin, id) {
        (Some(_), None) | (None, Some(_)) => {
            return Err(Failure::msg(format!(
                "if any flags in the group [id plugin] are set they must all be set; missing [{}]",
                if plugin.is_some() { "id" } else { "plugin" }
            )));
        }
        _ => {}
    }
    if key.is_some() {
        for (other, set) in [("id", id.is_some()), ("plugin", plugin.is_some())] {
            if set {
                let mut both = ["key", other];
                both.sort_unstable();
                return Err(Failure::msg(format!(
                    "if any flags in the group [key {other}] are set none of the others can be; [{} {}] were all set",
                    both[0], both[1]
                )));
            }
        }
    }
    match (plugin, id) {
        // notation would fall back to the default key here; a plugin asked for by name is
        // never silently replaced.
        (Some(""), _) | (_, Some("")) => Err(Failure::msg(
            "--plugin and --id must name a plugin and a key id",
        )),
        (Some(p), Some(i)) => Ok(Some((p, i))),
        _ => Ok(None),
    }
}

/// [`signer_with`], leaving local key files unread: the signer of `--key` (an empty name is the
/// default key, as in notation), configured in `signingkeys.json`.
pub fn signer_source(
    key: Option<&str>,
    overrides: &BTreeMap<String, String>,
) -> Result<SignerSource, Failure> {
    let key = key.filter(|k| !k.is_empty());
    let keys = crate::notation_dir()?.signing_keys()?;
    let entry = keys.get(key).map_err(|e| match e {
        notary::config::ConfigError::NoDefaultKey => Failure::msg(format!(
            "{e} (--key NAME; `notary key update NAME --default` or `notary cert generate-test NAME --default` sets one)"
        )),
        e => Failure::from(e),
    })?;
    match entry.source()? {
        // notation-go's words (`signer.NewFromFiles`) for an entry with an empty path.
        KeySource::Local { key, .. } if key.as_os_str().is_empty() => {
            Err(Failure::msg("key path not specified"))
        }
        KeySource::Local { cert, .. } if cert.as_os_str().is_empty() => {
            Err(Failure::msg("certificate path not specified"))
        }
        KeySource::Local { key, cert } => Ok(SignerSource::LocalFiles {
            key: PathBuf::from(key),
            cert: PathBuf::from(cert),
        }),
        KeySource::Plugin { plugin, id, config } => {
            let mut config = config.cloned().unwrap_or_default();
            config.extend(overrides.clone());
            plugin_signer(plugin, id, config).map(SignerSource::Ready)
        }
        _ => Err(Failure::msg(format!(
            "signing key {:?}: unsupported key source",
            entry.name
        ))),
    }
}

/// Envelope type from a signature file name: `x.jws.sig` or `x.cose.sig` (`.sig` any case),
/// refused in notation's words otherwise.
pub fn envelope_type_of(path: &Path) -> Result<EnvelopeMediaType, Failure> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let parts: Vec<&str> = name.split('.').collect();
    let [.., fmt, ext] = parts.as_slice() else {
        return Err(Failure::msg(format!(
            "invalid signature filename {name}. A valid signature file name must contain signature format and .sig file extension"
        )));
    };
    if parts.len() < 3 {
        return Err(Failure::msg(format!(
            "invalid signature filename {name}. A valid signature file name must contain signature format and .sig file extension"
        )));
    }
    if !ext.eq_ignore_ascii_case("sig") {
        return Err(Failure::msg(format!(
            "invalid signature filename {name}. The file extension must be .sig"
        )));
    }
    EnvelopeMediaType::from_format_name(fmt).map_err(|_| {
        Failure::msg(format!(
            "signature format {fmt:?} not supported\nSupported signature envelope formats are \"jws\" and \"cose\""
        ))
    })
}

/// The timestamper for `--timestamp-url` / `--timestamp-root-cert` (both or neither).
pub fn timestamper(
    url: Option<String>,
    root: Option<PathBuf>,
) -> Result<Option<Arc<dyn notary::timestamp::Timestamper>>, Failure> {
    match (url, root) {
        (None, None) => Ok(None),
        // notation: an empty `--timestamp-url` is refused, not taken as "no timestamping".
        (Some(url), _) if url.is_empty() => {
            Err(Failure::msg("timestamping: tsa url cannot be empty"))
        }
        (Some(_), Some(root)) if root.as_os_str().is_empty() => Err(Failure::msg(
            "timestamping: tsa root certificate path cannot be empty",
        )),
        (Some(url), Some(root)) => {
            let bytes = crate::config::read_input(&root, crate::config::MAX_SMALL_FILE)?;
            let x509 = notary_x509::X509Verifier::new(crate::provider());
            let cert = x509
                .validate_tsa_root_certificate(&bytes)
                .map_err(|e| tsa_root_failure(&root, e))?;
            Ok(Some(Arc::new(
                notary::timestamp::Rfc3161Timestamper::new(url, vec![cert])
                    .with_provider(crate::provider()),
            )))
        }
        // notation's (cobra's) words for a flag group given in part.
        (url, _) => Err(Failure::msg(format!(
            "if any flags in the group [timestamp-url timestamp-root-cert] are set they must all be set; missing [{}]",
            if url.is_some() {
                "timestamp-root-cert"
            } else {
                "timestamp-url"
            }
        ))),
    }
}

/// Why `--timestamp-root-cert` is not usable, in notation's words.
fn tsa_root_failure(root: &Path, e: notary_x509::Error) -> Failure {
    use notary_x509::Error as E;
    let file = root.display().to_string();
    const EXPECTING: &str =
        "Expecting single x509 root certificate in PEM or DER format from the file";
    Failure::msg(match e {
        E::NoCertificates => format!("cannot find any certificate from {file:?}. {EXPECTING}"),
        E::TooManyCertificates { .. } => {
            format!("found more than one certificates from {file:?}. {EXPECTING}")
        }
        E::Parse { .. } => format!("x509: {e} ({file})"),
        E::NotSelfIssued { .. } => {
            format!("certificate from {file:?} is not a root certificate. {EXPECTING}")
        }
        other => format!("failed to check root certificate with error: {other} ({file})"),
    })
}

pub fn sign_options(
    format: Option<String>,
    expiry: Option<String>,
    metadata: &[String],
) -> Result<SignOptions, Failure> {
    let format = match format {
        Some(f) => f,
        // notation takes its default format from config.json only when the file reads; a
        // malformed one leaves JWS (the registry flows still fail on it, in both tools).
        None => match crate::notation_dir()?.config_json() {
            Ok(c) => c.signature_format_name(),
            Err(e) => {
                tracing::warn!(error = %e, "config.json unreadable: signing with JWS, notation's default");
                None
            }
        }
        .unwrap_or_else(|| "jws".to_string()),
    };
    let mut o = SignOptions::new(crate::now());
    o.provider = crate::provider();
    o.format = EnvelopeMediaType::from_format_name(&format).map_err(|_| {
        Failure::msg(format!(
            "signature format {format:?} not supported\nSupported signature envelope formats are \"jws\" and \"cose\""
        ))
    })?;
    o.expiry = expiry.map(|e| parse_duration(&e)).transpose()?;
    o.user_metadata = parse_pairs(metadata, "--user-metadata")?;
    Ok(o)
}

fn sign(a: BlobSignArgs) -> CmdResult {
    // Flags are checked before the key is loaded, so usage errors come first (flag groups
    // first, as cobra checks them).
    let plugin = signer_flags(a.key.as_deref(), a.plugin.as_deref(), a.id.as_deref())?;
    // notation-go's SignBlob reads the media type as Go's mime package does.
    notary_core::mediatype::check_media_type(&a.media_type).map_err(|e| {
        Failure::msg(format!(
            "invalid content media type {:?}: mime: {e}",
            a.media_type
        ))
    })?;
    let mut options = sign_options(a.format, a.expiry, &a.user_metadata)?;
    options.timestamper = timestamper(a.timestamp_url, a.timestamp_root_cert)?;
    let plugin_config = parse_pairs(&a.plugin_config, "--plugin-config")?;
    let signer = match plugin {
        Some((p, id)) => plugin_signer(p, id, plugin_config)?,
        None => signer_with(a.key.as_deref(), &plugin_config)?,
    };
    if signer.envelope_generator().is_some() {
        return Err(Failure::msg(
            "blob signing needs a plugin with the SIGNATURE_GENERATOR.RAW capability",
        ));
    }
    let spec = notary_core::Signer::key_spec(&signer)?;
    let mut f =
        File::open(&a.file).map_err(|e| Failure::msg(format!("{}: {e}", a.file.display())))?;
    // Streamed once with the hash the signing key implies: memory does not grow with the file.
    let (digest, size) =
        notary::verifier::hash_reader(&crate::provider(), spec.hash_algorithm(), &mut f)
            .map_err(|e| Failure::msg(format!("{}: {e}", a.file.display())))?;
    let desc = Descriptor::new(a.media_type, digest, size);
    let signed = notary::sign_artifact(&desc, &signer, &options)?;
    let base = a
        .file
        .file_name()
        .ok_or_else(|| Failure::msg(format!("{}: not a file", a.file.display())))?
        .to_string_lossy()
        .to_string();
    let out = a
        .dir
        .join(format!("{base}.{}.sig", options.format.format_name()));
    if out.exists() && !a.force {
        return Err(Failure::msg(format!(
            "signature file {} already exists, use --force to overwrite it",
            out.display()
        )));
    }
    // Creates a missing directory 0700 and leaves an existing one (`-d /tmp`) as it is.
    config::write_private(&out, &signed.bytes)?;
    println!("Successfully signed {}", a.file.display());
    println!("Signature file written to {}", out.display());
    Ok(())
}

/// The verifier `notation verify` / `notation blob verify` builds from the configuration
/// directory: its trust policy, trust store, online revocation (OCSP then CRL, CRLs cached in
/// notation's cache directory) and plugins.
pub fn verifier(kind: Kind) -> Result<NotaryVerifier, Failure> {
    let dir = crate::notation_dir()?;
    let built = match kind {
        Kind::Blob => dir.blob_verifier(crate::provider()),
        Kind::Oci => dir.oci_verifier(crate::provider()),
    };
    // One run reads each named store once (the thumbprint filter, then every signature).
    let store =
        notary::truststore::SnapshotTrustStore::new(Arc::new(dir.trust_store(crate::provider())));
    built
        .map(|v| v.with_trust_store(Arc::new(store)))
        .map_err(|e| Failure::msg(e.to_string()))
}

pub fn print_warnings(out: &notary::VerificationOutcome) {
    for (v, reason) in out.warnings() {
        // notation's names: authenticTimestamp, and authenticity for a trusted identity.
        eprintln!(
            "Warning: {} was set to \"log\" and failed with error: {reason}",
            v.notation_name()
        );
    }
}

fn verify(a: BlobVerifyArgs) -> CmdResult {
    // Checked here rather than by the parser, for notation's words.
    let signature = a
        .signature
        .as_deref()
        .filter(|p| !p.as_os_str().is_empty())
        .ok_or_else(|| Failure::msg("filepath of the signature cannot be empty"))?;
    let format = envelope_type_of(signature)?;
    let envelope = crate::config::read_input(signature, crate::config::MAX_ENVELOPE_FILE)?;
    let plugin_config = parse_pairs(&a.plugin_config, "--plugin-config")?;
    let v = verifier(Kind::Blob)?.with_plugin_config(plugin_config);
    let metadata: BTreeMap<String, String> = parse_pairs(&a.user_metadata, "--user-metadata")?;
    let mut f =
        File::open(&a.file).map_err(|e| Failure::msg(format!("{}: {e}", a.file.display())))?;
    let mut blob = BlobTarget::new(&mut f);
    // An empty value asks for nothing, as notation treats it (its options are plain strings).
    if let Some(mt) = a.media_type.as_deref().filter(|m| !m.is_empty()) {
        blob = blob.with_media_type(mt);
    }
    if let Some(name) = a.policy_name.as_deref().filter(|n| !n.is_empty()) {
        blob = blob.with_policy_name(name);
    }
    let out = v
        .verify(
            VerifyRequest::blob(&envelope, format, blob, crate::now())
                .with_user_metadata(&metadata),
        )
        .map_err(|e| Failure::msg(format!("signature verification failed: {e}")))?;
    print_warnings(&out);
    print!(
        "{}",
        crate::output::verification_text(&out, &a.file.display().to_string(), false)
    );
    Ok(())
}

fn inspect(output: &str, sig: &Path) -> CmdResult {
    // `tree` is notation's name of the text view here.
    let json = crate::output::wants_json(if output == "tree" { "text" } else { output })?;
    let format = envelope_type_of(sig)?;
    let bytes = crate::config::read_input(sig, crate::config::MAX_ENVELOPE_FILE)
        .map_err(|Failure(e)| Failure::msg(format!("failed to read signature file: {e}")))?;
    let i = notary::inspect::inspect_envelope(
        format,
        &bytes,
        None,
        &notary::inspect::TimeZone::local(),
    )
        .map_err(|e| Failure::msg(format!("failed to parse signature {}: {e}", sig.display())))?;
    if json {
        print!("{}", notary::inspect::to_notation_json(&i)?);
    } else {
        print!("{}", i.tree(sig.display().to_string()).render());
    }
    Ok(())
}

pub fn run(c: BlobCommand) -> CmdResult {
    match c {
        BlobCommand::Sign(a) => sign(a),
        BlobCommand::Verify(a) => verify(a),
        BlobCommand::Inspect { output, signature } => match signature {
            Some(signature) => inspect(&output, &signature),
            None => Err(Failure::msg(
                "missing signature path: use `notary blob inspect --help` to see what parameters are required",
            )),
        },
        BlobCommand::Policy(p) => policy::run(p, Kind::Blob),
    }
}
