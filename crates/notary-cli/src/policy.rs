//! `notary policy` and `notary blob policy`: import and show trust policies.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use crate::config;
use crate::{CmdResult, Failure};

#[derive(Clone, Copy)]
pub enum Kind {
    Oci,
    Blob,
}

impl Kind {
    fn file(self) -> &'static str {
        match self {
            Kind::Oci => "trustpolicy.oci.json",
            Kind::Blob => "trustpolicy.blob.json",
        }
    }
    fn policy_kind(self) -> notary::config::PolicyKind {
        match self {
            Kind::Oci => notary::config::PolicyKind::Oci,
            Kind::Blob => notary::config::PolicyKind::Blob,
        }
    }
    fn label(self) -> &'static str {
        match self {
            Kind::Oci => "OCI",
            Kind::Blob => "blob",
        }
    }
}

#[derive(Subcommand)]
// Built when used: a run parses one subcommand, not the whole tree.
#[command(defer = true)]
pub enum PolicyCommand {
    /// Import a trust policy configuration from a JSON file
    Import {
        /// The policy file
        // (Any number of arguments: notation counts them in its own words.)
        #[arg(value_parser = clap::builder::TypedValueParser::map(clap::builder::OsStringValueParser::new(), PathBuf::from))]
        file: Vec<PathBuf>,
        /// Override the existing trust policy configuration without prompt
        #[arg(long)]
        force: bool,
    },
    /// Show the trust policy configuration
    Show,
}

/// `notary blob policy`: the shared commands and `init` (notation has no `policy init` for OCI).
#[derive(Subcommand)]
#[command(defer = true)]
pub enum BlobPolicyCommand {
    /// Initialize blob trust policy configuration
    Init(BlobPolicyInit),
    #[command(flatten)]
    Common(PolicyCommand),
}

#[derive(Args)]
pub struct BlobPolicyInit {
    /// Name of the blob trust policy
    // Required flags are named in cobra's words by `arity::required_flags_error` (an empty
    // value counts as given, as in notation).
    #[arg(short = 'n', long, required = true)]
    name: String,
    /// Trust store in the format "<store_type>:<store_name>" (repeatable)
    #[arg(long = "trust-store", required = true)]
    trust_stores: Vec<String>,
    /// Trusted identity: "x509.subject:<subject>" for the x509 CA scheme, the signing
    /// authority's identity for x509 signingAuthority (repeatable)
    #[arg(long = "trusted-identity", required = true)]
    trusted_identities: Vec<String>,
    /// Override the existing blob trust policy configuration, never prompt
    #[arg(long)]
    force: bool,
    /// Set the policy as the global policy
    #[arg(long)]
    global: bool,
}

/// One statement of `blob policy init`, in the member order and with the empty members left
/// out as notation-go's `BlobDocument` encodes it.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct InitDocument<'a> {
    version: &'a str,
    trust_policies: [InitStatement<'a>; 1],
}

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct InitStatement<'a> {
    name: &'a str,
    signature_verification: InitLevel,
    trust_stores: &'a [String],
    trusted_identities: &'a [String],
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    global_policy: bool,
}

#[derive(serde::Serialize)]
struct InitLevel {
    level: &'static str,
}

/// `blob policy init`: a blob trust policy of one strict statement, written as notation writes
/// it (two-space indent, no final newline) once it validates. An existing policy that reads as
/// a document is replaced only with `--force` (and a warning) or once the user agrees.
pub fn init(a: BlobPolicyInit) -> CmdResult {
    let doc = InitDocument {
        version: "1.0",
        trust_policies: [InitStatement {
            name: &a.name,
            signature_verification: InitLevel { level: "strict" },
            trust_stores: &a.trust_stores,
            trusted_identities: &a.trusted_identities,
            global_policy: a.global,
        }],
    };
    let bytes = config::go_json_indent(&doc, b"  ")?;
    validate(Kind::Blob, &bytes).map_err(|e| Failure::msg(format!("invalid blob policy: {e}")))?;
    let dst = config::config_dir()?.join(Kind::Blob.file());
    if policy_document_exists(&dst) {
        if a.force {
            eprintln!("Warning: existing blob trust policy configuration will be overwritten");
        } else if !crate::cert::confirm(
            "The blob trust policy configuration already exists, do you want to overwrite it?",
        )? {
            return Ok(());
        }
    }
    config::write_private(&dst, &bytes)?;
    println!(
        "Successfully initialized blob trust policy file to {}.",
        dst.display()
    );
    Ok(())
}

/// Whether notation would take `path` for an existing trust policy: a file that decodes as a
/// document (valid or not), which it asks about before replacing it. (Read as any input file
/// is: a regular file, capped.)
fn policy_document_exists(path: &std::path::Path) -> bool {
    config::read_input(path, config::MAX_SMALL_FILE).is_ok_and(|b| {
        matches!(
            serde_json::from_slice::<serde_json::Value>(&b),
            Ok(serde_json::Value::Object(_) | serde_json::Value::Null)
        )
    })
}

fn validate(kind: Kind, bytes: &[u8]) -> Result<(), notary_trustpolicy::Error> {
    match kind {
        Kind::Oci => notary_trustpolicy::OciTrustPolicy::from_json(bytes).map(|_| ()),
        Kind::Blob => notary_trustpolicy::BlobTrustPolicy::from_json(bytes).map(|_| ()),
    }
}

pub fn run(c: PolicyCommand, kind: Kind) -> CmdResult {
    match c {
        PolicyCommand::Import { file, force } => {
            // notation's words: `blob policy import` names the blob policy in each of them.
            let (usage, what, read, parse, validated) = match kind {
                Kind::Oci => (
                    "policy",
                    "file",
                    "trust policy file",
                    "trust policy configuration",
                    "trust policy",
                ),
                Kind::Blob => (
                    "blob policy",
                    "configuration",
                    "blob trust policy file",
                    "blob trust policy configuration",
                    "blob trust policy configuration",
                ),
            };
            let [file] = file.as_slice() else {
                return Err(Failure::msg(format!(
                    "requires 1 argument but received {}.\nUsage: notary {usage} import <path-to-policy.json>\nPlease specify a trust policy {what} location as the argument",
                    file.len()
                )));
            };
            // notation's three steps and their words: read, parse, validate.
            let bytes = crate::config::read_input_or_stream(file, crate::config::MAX_SMALL_FILE)
                .map_err(|Failure(e)| Failure::msg(format!("failed to read {read}: {e}")))?;
            validate(kind, &bytes).map_err(|e| match e {
                notary_trustpolicy::Error::Parse { reason } => {
                    Failure::msg(format!("failed to parse {parse}: {reason}"))
                }
                e => Failure::msg(format!("failed to validate {validated}: {e}")),
            })?;
            let dir = config::config_dir()?;
            // notation v1.x reads only trustpolicy.json; later versions prefer
            // trustpolicy.oci.json and fall back to trustpolicy.json. Writing trustpolicy.json
            // (unless trustpolicy.oci.json already exists and would shadow it) serves both.
            let dst = match kind {
                Kind::Oci if !dir.join(kind.file()).exists() => dir.join("trustpolicy.json"),
                _ => dir.join(kind.file()),
            };
            // As notation: an existing policy (a file that reads as a policy document, valid
            // or not) is replaced only once the user agrees (stdin: "y" or "yes"; no answer
            // declines and changes nothing); --force never asks, and warns whether or not
            // there is one. notation v1.3.2's words for the OCI policy, its main branch's for
            // the blob policy.
            if force {
                match kind {
                    Kind::Oci => eprintln!(
                        "Warning: existing trust policy configuration file will be overwritten"
                    ),
                    Kind::Blob => eprintln!(
                        "Warning: existing blob trust policy configuration will be overwritten"
                    ),
                }
            } else if policy_document_exists(&dst)
                && !crate::cert::confirm(match kind {
                    Kind::Oci => {
                        "The trust policy file already exists, do you want to overwrite it?"
                    }
                    Kind::Blob => {
                        "The blob trust policy configuration already exists, do you want to overwrite it?"
                    }
                })?
            {
                return Ok(());
            }
            let written = match kind {
                Kind::Oci => "trust policy file",
                Kind::Blob => "blob trust policy configuration",
            };
            config::write_private(&dst, &bytes)
                .map_err(|Failure(e)| Failure::msg(format!("failed to write {written}: {e}")))?;
            println!(
                "Successfully imported {} trust policy configuration to {}{}",
                kind.label(),
                dst.display(),
                if let Kind::Blob = kind { "." } else { "" }
            );
            Ok(())
        }
        PolicyCommand::Show => {
            let blob = if let Kind::Blob = kind { "blob " } else { "" };
            let (_, bytes) = crate::notation_dir()?
                .policy_bytes(kind.policy_kind())
                .map_err(|e| match e {
                    // notation's words and hint.
                    // (notation v1.3.2 names no kind for the OCI policy.)
                    notary::config::ConfigError::NoPolicy { .. } => Failure::msg(format!(
                        "failed to show {blob}trust policy as the trust policy file does not exist.\nYou can import one using `notary {blob}policy import <path-to-policy.json>`"
                    )),
                    // Go's words for a file that cannot be read (`os.ReadFile`), after
                    // notation's.
                    notary::config::ConfigError::Read { path, source } => Failure::msg(format!(
                        "failed to show trust policy: open {}: {source}",
                        path.display()
                    )),
                    notary::config::ConfigError::NotARegularFile { path, .. }
                        if path.is_dir() =>
                    {
                        Failure::msg(format!(
                            "failed to show trust policy: read {}: is a directory",
                            path.display()
                        ))
                    }
                    other => Failure::msg(other.to_string()),
                })?;
            // An invalid policy is shown all the same, after the reason and a hint on stderr,
            // and the command succeeds, as notation's does (the hint is the point of it).
            if let Err(e) = validate(kind, &bytes) {
                // (notation v1.3.2 names no kind for the OCI policy; its source's blob command
                // says "Existing blob".)
                let existing = if let Kind::Blob = kind {
                    "Existing blob"
                } else {
                    "Existing"
                };
                eprintln!(
                    "Error: {e}\n{existing} trust policy configuration is invalid, you may update or create a new one via `notary {blob}policy import <path-to-policy.json>`"
                );
            }
            // The file's bytes as they are, as notation writes them (no newline added).
            use std::io::Write as _;
            let mut out = std::io::stdout().lock();
            out.write_all(&bytes).and_then(|()| out.flush())?;
            Ok(())
        }
    }
}
