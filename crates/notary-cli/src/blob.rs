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
use crate::policy::{self, BlobPolicyCommand, Kind};
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
    Policy(BlobPolicyCommand),
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
    // (An empty path is the current directory, as Go joins it.)
    #[arg(long = "signature-directory", default_value = ".", value_parser = clap::builder::TypedValueParser::map(clap::builder::OsStringValueParser::new(), PathBuf::from))]
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
    // (An empty path is the command's to refuse, in notation's words.)
    #[arg(long = "timestamp-root-cert", value_parser = clap::builder::TypedValueParser::map(clap::builder::OsStringValueParser::new(), PathBuf::from))]
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
    pub file: Option<PathBuf>,
}

#[derive(Args)]
pub struct BlobVerifyArgs {
    /// The signature file
    // (An empty path is the command's to refuse, in notation's words.)
    #[arg(short = 's', long = "signature", value_parser = clap::builder::TypedValueParser::map(clap::builder::OsStringValueParser::new(), PathBuf::from))]
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
    pub file: Option<PathBuf>,
}

/// A plugin signer for `plugin` / `key_id` with `config` (`--plugin-config` entries override
/// the key's own).
pub fn plugin_signer(
    plugin: &str,
    key_id: &str,
    config: BTreeMap<String, String>,
) -> Result<Box<dyn notary_core::Signer>, Failure> {
    let host = crate::notation_dir()?.plugin_host();
    let exe = host.dir().join(plugin).join(format!("notation-{plugin}"));
    let signer =
        notary::plugin::PluginSigner::new(host, plugin, key_id, config).map_err(|e| match e {
            e @ notary::plugin::PluginError::NotInstalled { .. } => crate::oci::plugin_missing(e),
            // notation's words for a plugin that cannot start: `fork/exec PATH: ...`.
            e @ notary::plugin::PluginError::Process { .. } => {
                Failure::msg(crate::plugin::go_words(&e, &exe).0)
            }
            // The others name the plugin and what it said (its stderr included).
            e => Failure::msg(format!("signing key uses {e}")),
        })?;
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

/// notation's (cobra's) flag groups of the signer flags, in cobra's order: the groups whose
/// flags go together (`--id` and `--plugin`, then `--timestamp-url` and `--timestamp-root-cert`,
/// whether each was given), then `--key` apart from each of `--id` and `--plugin` (a flag
/// counts as set even when empty). Returns the plugin and key id when a plugin signs.
pub fn signer_flags<'a>(
    key: Option<&str>,
    plugin: Option<&'a str>,
    id: Option<&'a str>,
    timestamp: [bool; 2],
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
    if timestamp[0] != timestamp[1] {
        return Err(Failure::msg(format!(
            "if any flags in the group [timestamp-url timestamp-root-cert] are set they must all be set; missing [{}]",
            if timestamp[0] {
                "timestamp-root-cert"
            } else {
                "timestamp-url"
            }
        )));
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
    // notation: the extension first (`.sig`, any case), then at least three parts, then the
    // format before it, in any case.
    let parts: Vec<&str> = name.split('.').collect();
    if parts.len() < 2 || !parts[parts.len() - 1].eq_ignore_ascii_case("sig") {
        return Err(Failure::msg(format!(
            "invalid signature filename {name}. The file extension must be .sig"
        )));
    }
    if parts.len() < 3 {
        return Err(Failure::msg(format!(
            "invalid signature filename {name}. A valid signature file name must contain signature format and .sig file extension"
        )));
    }
    let fmt = parts[parts.len() - 2].to_ascii_lowercase();
    EnvelopeMediaType::from_format_name(&fmt).map_err(|_| {
        Failure::msg(format!(
            "signature format {fmt:?} not supported\nSupported signature envelope formats are \"jws\" and \"cose\""
        ))
    })
}

/// notation's checks of `--timestamp-url` and `--timestamp-root-cert` given empty.
fn timestamper_flags_given(url: Option<&str>, root: Option<&Path>) -> Result<(), Failure> {
    match (url, root) {
        // notation: an empty `--timestamp-url` is refused, not taken as "no timestamping".
        (Some(""), _) => Err(Failure::msg("timestamping: tsa url cannot be empty")),
        (Some(_), Some(root)) if root.as_os_str().is_empty() => Err(Failure::msg(
            "timestamping: tsa root certificate path cannot be empty",
        )),
        _ => Ok(()),
    }
}

/// The timestamper for `--timestamp-url` / `--timestamp-root-cert` (both or neither).
pub fn timestamper(
    url: Option<String>,
    root: Option<PathBuf>,
) -> Result<Option<Arc<dyn notary::timestamp::Timestamper>>, Failure> {
    match (url, root) {
        (None, None) => Ok(None),
        (Some(url), Some(root)) => {
            timestamper_flags_given(Some(&url), Some(&root))?;
            // notation reads the URL before the root certificate.
            if let Some(why) = tsa_url_error(&url) {
                return Err(Failure::msg(format!(
                    "cannot get http timestamper for timestamping: {why}"
                )));
            }
            let bytes = crate::config::read_input(&root, crate::config::MAX_SMALL_FILE)?;
            let x509 = notary_x509::X509Verifier::new(crate::provider());
            let cert = x509
                .validate_tsa_root_certificate(&bytes)
                .map_err(|e| tsa_root_failure(&root, e))?;
            // The TSA's chain is checked for revocation after timestamping, as notation's
            // `sign` checks it (CRLs cached where `verify` caches them).
            let revocation = crate::notation_dir()?.revocation_checker(crate::provider());
            Ok(Some(Arc::new(
                notary::timestamp::Rfc3161Timestamper::new(url, vec![cert])
                    .with_provider(crate::provider())
                    .with_revocation(revocation),
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

/// Why notation refuses a `--timestamp-url` before signing, in its words: Go's `url.Parse`
/// (control characters, scheme, authority, `%` escapes), then an `http` or `https` scheme and a
/// host. `None` for a URL it takes.
pub fn tsa_url_error(raw: &str) -> Option<String> {
    // Go's url.Error: the URL before the fragment, except for an error in the fragment.
    let (before, fragment) = raw
        .split_once('#')
        .map_or((raw, None), |(u, f)| (u, Some(f)));
    let parse = |url: &str, why: String| Some(format!("parse {}: {why}", crate::go_quote(url)));
    if before.bytes().any(|b| b < 0x20 || b == 0x7f) {
        return parse(before, "net/url: invalid control character in URL".into());
    }
    let mut scheme = String::new();
    let mut rest = before;
    for (i, c) in before.char_indices() {
        match c {
            'a'..='z' | 'A'..='Z' => {}
            '0'..='9' | '+' | '-' | '.' if i > 0 => {}
            ':' if i == 0 => return parse(before, "missing protocol scheme".into()),
            ':' => {
                scheme = before[..i].to_ascii_lowercase();
                rest = &before[i + 1..];
                break;
            }
            _ => break,
        }
    }
    // The query is taken as it is.
    let rest = rest.split_once('?').map_or(rest, |(r, _)| r);
    let mut host = None;
    if !rest.starts_with('/') && !scheme.is_empty() {
        // An opaque URL (`http:x`): no host, no path to read.
    } else {
        let mut path = rest;
        if !rest.starts_with('/') {
            if rest.split('/').next().is_some_and(|seg| seg.contains(':')) {
                return parse(
                    before,
                    "first path segment in URL cannot contain colon".into(),
                );
            }
        } else if (!scheme.is_empty() || !rest.starts_with("///")) && rest.starts_with("//") {
            let after = &rest[2..];
            let (authority, p) = after.find('/').map_or((after, ""), |i| after.split_at(i));
            match go_url_authority(authority) {
                Ok(h) => host = Some(h),
                Err(why) => return parse(before, why),
            }
            path = p;
        }
        if let Err(why) = go_unescape(path, Escape::Other) {
            return parse(before, why);
        }
    }
    if let Some(f) = fragment
        && let Err(why) = go_unescape(f, Escape::Other)
    {
        return parse(raw, why);
    }
    if scheme != "http" && scheme != "https" {
        return Some(format!(
            "endpoint {}: scheme must be http or https, but got {}",
            crate::go_quote(raw),
            crate::go_quote(&scheme)
        ));
    }
    if host.is_none_or(str::is_empty) {
        return Some(format!(
            "endpoint {}: host cannot be empty",
            crate::go_quote(raw)
        ));
    }
    None
}

/// What Go's `url.unescape` checks in a part of a URL.
#[derive(Clone, Copy, PartialEq)]
enum Escape {
    Host,
    Zone,
    Other,
}

/// Go's `url.unescape` as a check: `%` must start two hex digits (a host may only escape bytes
/// from 0x80 and `%25`), and a host may hold only the characters Go allows there.
fn go_unescape(s: &str, mode: Escape) -> Result<(), String> {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            if i + 2 >= b.len() || !b[i + 1].is_ascii_hexdigit() || !b[i + 2].is_ascii_hexdigit() {
                let bad = &s[i..];
                let bad = bad.get(..3).unwrap_or(bad);
                return Err(format!("invalid URL escape {}", crate::go_quote(bad)));
            }
            let hex = &s[i..i + 3];
            let high = (b[i + 1] as char).to_digit(16).unwrap_or(0);
            if mode == Escape::Host && high < 8 && hex != "%25" {
                return Err(format!("invalid URL escape {}", crate::go_quote(hex)));
            }
            i += 3;
            continue;
        }
        let c = b[i];
        let allowed = c.is_ascii_alphanumeric() || b"!$&'()*+,;=:[]<>\"-_.~".contains(&c);
        if mode != Escape::Other && c < 0x80 && !allowed {
            return Err(format!(
                "invalid character {} in host name",
                crate::go_quote(&s[i..i + 1])
            ));
        }
        i += 1;
    }
    Ok(())
}

/// Go's `url.parseAuthority`: user information (checked, then dropped) and the host with its
/// port, which it returns.
fn go_url_authority(authority: &str) -> Result<&str, String> {
    let (userinfo, host) = match authority.rfind('@') {
        Some(i) => (Some(&authority[..i]), &authority[i + 1..]),
        None => (None, authority),
    };
    let valid_port = |p: &str| {
        p.is_empty()
            || p.strip_prefix(':')
                .is_some_and(|d| d.bytes().all(|c| c.is_ascii_digit()))
    };
    let port_err = |p: &str| format!("invalid port {} after host", crate::go_quote(p));
    if host.starts_with('[') {
        let close = host.rfind(']').ok_or("missing ']' in host")?;
        if !valid_port(&host[close + 1..]) {
            return Err(port_err(&host[close + 1..]));
        }
        match host[..close].find("%25") {
            Some(zone) => {
                go_unescape(&host[..zone], Escape::Host)?;
                go_unescape(&host[zone..close], Escape::Zone)?;
                go_unescape(&host[close..], Escape::Host)?;
            }
            None => go_unescape(host, Escape::Host)?,
        }
    } else {
        if let Some(i) = host.rfind(':')
            && !valid_port(&host[i..])
        {
            return Err(port_err(&host[i..]));
        }
        go_unescape(host, Escape::Host)?;
    }
    if let Some(u) = userinfo {
        if !u
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || b"-._:~!$&'()*+,;=%@".contains(&c))
        {
            return Err("net/url: invalid userinfo".into());
        }
        go_unescape(u, Escape::Other)?;
    }
    Ok(host)
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

/// The envelope format without `--signature-format`: notation takes it from config.json only
/// when the file reads; a malformed one leaves JWS (the registry flows still fail on it, in both
/// tools).
pub fn default_format() -> Result<String, Failure> {
    Ok(match crate::notation_dir()?.config_json() {
        Ok(c) => c.signature_format_name(),
        Err(e) => {
            tracing::warn!(error = %e, "config.json unreadable: signing with JWS, notation's default");
            None
        }
    }
    .unwrap_or_else(|| "jws".to_string()))
}

/// The envelope format named by `--signature-format`, refused in notation's words.
pub fn envelope_format(format: &str) -> Result<EnvelopeMediaType, Failure> {
    EnvelopeMediaType::from_format_name(format).map_err(|_| {
        Failure::msg(format!(
            "signature format {format:?} not supported\nSupported signature envelope formats are \"jws\" and \"cose\""
        ))
    })
}

pub fn sign_options(
    format: Option<String>,
    expiry: Option<String>,
    metadata: &[String],
) -> Result<SignOptions, Failure> {
    let format = match format {
        Some(f) => f,
        None => default_format()?,
    };
    let mut o = SignOptions::new(crate::now());
    o.provider = crate::provider();
    o.format = envelope_format(&format)?;
    o.expiry = expiry.map(|e| parse_duration(&e)).transpose()?;
    o.user_metadata = parse_pairs(metadata, "--user-metadata")?;
    Ok(o)
}

fn sign(a: BlobSignArgs) -> CmdResult {
    let file = a.file.ok_or_else(|| {
        Failure::msg(
            "missing file path to the blob artifact: use `notary blob sign --help` to see what parameters are required",
        )
    })?;
    // Flags are checked before the key is loaded, so usage errors come first (flag groups
    // first, as cobra checks them; `--expiry` when pflag parses it).
    let plugin = signer_flags(
        a.key.as_deref(),
        a.plugin.as_deref(),
        a.id.as_deref(),
        [a.timestamp_url.is_some(), a.timestamp_root_cert.is_some()],
    )?;
    let expiry = a.expiry.map(|e| parse_duration(&e)).transpose()?;
    // The command's own checks of the timestamping flags come before the signer.
    if a.timestamp_url.is_some() {
        timestamper_flags_given(a.timestamp_url.as_deref(), a.timestamp_root_cert.as_deref())?;
    }
    let plugin_config = parse_pairs(&a.plugin_config, "--plugin-config")?;
    // Then notation's order: the signer, the signing options, the file, its media type.
    let signer = match plugin {
        Some((p, id)) => plugin_signer(p, id, plugin_config)?,
        None => signer_with(a.key.as_deref(), &plugin_config)?,
    };
    let mut options = sign_options(a.format, None, &a.user_metadata)?;
    options.expiry = expiry;
    options.timestamper = timestamper(a.timestamp_url, a.timestamp_root_cert)?;
    if signer.envelope_generator().is_some() {
        return Err(Failure::msg(
            "blob signing needs a plugin with the SIGNATURE_GENERATOR.RAW capability",
        ));
    }
    let spec = notary_core::Signer::key_spec(&signer)?;
    let mut f =
        File::open(&file).map_err(|e| Failure::msg(format!("open {}: {e}", file.display())))?;
    // notation-go's SignBlob reads the media type as Go's mime package does.
    notary_core::mediatype::check_media_type(&a.media_type).map_err(|e| {
        Failure::msg(format!(
            "invalid content media type {:?}: mime: {e}",
            a.media_type
        ))
    })?;
    // Streamed once with the hash the signing key implies: memory does not grow with the file.
    let (digest, size) =
        notary::verifier::hash_reader(&crate::provider(), spec.hash_algorithm(), &mut f)
            .map_err(|e| Failure::msg(format!("{}: {e}", file.display())))?;
    // notation-go's words for a reserved key, once the blob is read (as for `sign`).
    if let Some(reserved) = crate::oci::reserved_metadata(&options.user_metadata) {
        return Err(reserved);
    }
    let desc = Descriptor::new(a.media_type, digest, size);
    let signed = notary::sign_artifact(&desc, &signer, &options)?;
    let base = file
        .file_name()
        .ok_or_else(|| Failure::msg(format!("{}: not a file", file.display())))?
        .to_string_lossy()
        .to_string();
    let out = go_join(
        &a.dir,
        &format!("{base}.{}.sig", options.format.format_name()),
    );
    // As notation: --force warns whether or not there is a file to replace; without it, an
    // existing file is replaced only once the user agrees (no answer declines, and succeeds).
    if a.force {
        eprintln!("Warning: existing signature file will be overwritten");
    } else if out.exists()
        && !crate::cert::confirm("The signature file already exists, do you want to overwrite it?")?
    {
        return Ok(());
    }
    // Creates a missing directory 0700 and leaves an existing one (`-d /tmp`) as it is.
    config::write_private(&out, &signed.bytes)?;
    println!("Successfully signed {}", file.display());
    println!("Signature file written to {}", out.display());
    Ok(())
}

/// Go's `filepath.Join(dir, name)`: the two joined, then cleaned lexically (`.` elements
/// dropped, `x/..` folded, no trailing separator; `.` for nothing), so the default directory
/// `.` names `a.txt.jws.sig` as notation prints it.
fn go_join(dir: &Path, name: &str) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    let mut depth = 0usize;
    for c in dir.join(name).components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir if depth > 0 => {
                out.pop();
                depth -= 1;
            }
            // `..` above the root is the root; above a relative start, it stays.
            Component::ParentDir if out.has_root() => {}
            Component::ParentDir => out.push(".."),
            Component::Normal(n) => {
                out.push(n);
                depth += 1;
            }
            Component::RootDir | Component::Prefix(_) => out.push(c.as_os_str()),
        }
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
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
    // notation's (cobra's) order: the argument, then the flags it checks itself.
    let file = a.file.ok_or_else(|| {
        Failure::msg(
            "missing path to the blob artifact: use `notary blob verify --help` to see what parameters are required",
        )
    })?;
    // Checked here rather than by the parser, for notation's words.
    let signature = a
        .signature
        .as_deref()
        .filter(|p| !p.as_os_str().is_empty())
        .ok_or_else(|| Failure::msg("filepath of the signature cannot be empty"))?;
    if a.media_type.as_deref() == Some("") {
        return Err(Failure::msg("--media-type is set but with empty value"));
    }
    // Then the blob, the signature, the verifier, the flag values and the signature's format.
    let mut f =
        File::open(&file).map_err(|e| Failure::msg(format!("open {}: {e}", file.display())))?;
    let envelope = crate::config::read_input(signature, crate::config::MAX_ENVELOPE_FILE)?;
    let v = verifier(Kind::Blob)?;
    let plugin_config = parse_pairs(&a.plugin_config, "--plugin-config")?;
    let v = v.with_plugin_config(plugin_config);
    let metadata: BTreeMap<String, String> = parse_pairs(&a.user_metadata, "--user-metadata")?;
    let format = envelope_type_of(signature)?;
    let mut blob = BlobTarget::new(&mut f);
    if let Some(mt) = a.media_type.as_deref() {
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
        .map_err(|e| {
            // A trust store missing or empty is the whole error, as for `verify`.
            if let Some(m) = crate::output::trust_store_failure(&e) {
                return Failure::msg(m);
            }
            // notation's headline for a failed validation (notation-go's ErrorVerificationFailed)
            // names the blob; other failures (policy, request, user metadata) keep theirs.
            // Either way the reason follows.
            match &e {
                notary::VerificationError::Failed {
                    validation: notary::Validation::UserMetadata,
                    ..
                } => Failure::msg(format!(
                    "signature verification failed: unable to find specified metadata in the signature ({e})"
                )),
                notary::VerificationError::Failed { .. } => Failure::msg(format!(
                    "provided signature verification failed against blob {}: {e}",
                    file.display()
                )),
                _ => Failure::msg(format!("signature verification failed: {e}")),
            }
        })?;
    print_warnings(&out);
    print!(
        "{}",
        crate::output::verification_text(&out, &file.display().to_string(), false)
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
    // notation's words: the parser's reason, without the path.
    .map_err(|e| Failure::msg(format!("failed to parse signature: {e}")))?;
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
        BlobCommand::Policy(BlobPolicyCommand::Init(a)) => policy::init(a),
        BlobCommand::Policy(BlobPolicyCommand::Common(p)) => policy::run(p, Kind::Blob),
    }
}

#[cfg(test)]
mod tsa_url_tests {
    use super::tsa_url_error;

    #[test]
    fn timestamp_urls_are_read_as_go_and_notation_read_them() {
        for ok in [
            "http://127.0.0.1:1",
            "HTTPS://tsa.example/x?y=1#z",
            "http://u:p@h:80/",
            "http://[::1]:8080/t",
            "http://[fe80::1%25en0]/",
            "http://h/%41",
            "http://ä/",
        ] {
            assert_eq!(tsa_url_error(ok), None, "{ok}");
        }
        for (bad, why) in [
            (
                "127.0.0.1:1",
                "parse \"127.0.0.1:1\": first path segment in URL cannot contain colon",
            ),
            ("://x", "parse \"://x\": missing protocol scheme"),
            (
                "ftp://h",
                "endpoint \"ftp://h\": scheme must be http or https, but got \"ftp\"",
            ),
            (
                "x y",
                "endpoint \"x y\": scheme must be http or https, but got \"\"",
            ),
            ("http:///x", "endpoint \"http:///x\": host cannot be empty"),
            (
                "http://a b",
                "parse \"http://a b\": invalid character \" \" in host name",
            ),
            (
                "http://%41/",
                "parse \"http://%41/\": invalid URL escape \"%41\"",
            ),
            (
                "http://h/%4",
                "parse \"http://h/%4\": invalid URL escape \"%4\"",
            ),
            (
                "http://[::1]x/",
                "parse \"http://[::1]x/\": invalid port \"x\" after host",
            ),
            (
                "http://u\"@h/",
                "parse \"http://u\\\"@h/\": net/url: invalid userinfo",
            ),
            (
                "http://h/#%zz",
                "parse \"http://h/#%zz\": invalid URL escape \"%zz\"",
            ),
            (
                "http://h\n/",
                "parse \"http://h\\n/\": net/url: invalid control character in URL",
            ),
        ] {
            assert_eq!(tsa_url_error(bad).as_deref(), Some(why), "{bad}");
        }
    }
}

#[cfg(test)]
mod signature_path_tests {
    use std::path::Path;

    use super::go_join;

    #[test]
    fn signature_paths_are_joined_and_cleaned_as_go_joins_them() {
        for (dir, want) in [
            (".", "a.jws.sig"),
            ("", "a.jws.sig"),
            ("./", "a.jws.sig"),
            ("sigs/", "sigs/a.jws.sig"),
            ("./x/../sigs/.", "sigs/a.jws.sig"),
            ("..", "../a.jws.sig"),
            ("../../x/..", "../../a.jws.sig"),
            ("x/../..", "../a.jws.sig"),
            ("/tmp/./s//t/..", "/tmp/s/a.jws.sig"),
            ("/..", "/a.jws.sig"),
        ] {
            assert_eq!(
                go_join(Path::new(dir), "a.jws.sig"),
                Path::new(want),
                "{dir}"
            );
        }
    }
}
