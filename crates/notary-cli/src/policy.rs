//! `notary policy` and `notary blob policy`: import and show trust policies.

use std::path::PathBuf;

use clap::Subcommand;

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
        file: PathBuf,
        /// Override the existing trust policy configuration without prompt
        #[arg(long)]
        force: bool,
    },
    /// Show the trust policy configuration
    Show,
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
            // notation's three steps and their words: read, parse, validate.
            let bytes = crate::config::read_input_or_stream(&file, crate::config::MAX_SMALL_FILE)
                .map_err(|Failure(e)| {
                Failure::msg(format!("failed to read trust policy file: {e}"))
            })?;
            validate(kind, &bytes).map_err(|e| match e {
                notary_trustpolicy::Error::Parse { reason } => Failure::msg(format!(
                    "failed to parse trust policy configuration: {reason}"
                )),
                e => Failure::msg(format!("failed to validate trust policy: {e}")),
            })?;
            let dir = config::config_dir()?;
            // notation v1.x reads only trustpolicy.json; later versions prefer
            // trustpolicy.oci.json and fall back to trustpolicy.json. Writing trustpolicy.json
            // (unless trustpolicy.oci.json already exists and would shadow it) serves both.
            let dst = match kind {
                Kind::Oci if !dir.join(kind.file()).exists() => dir.join("trustpolicy.json"),
                _ => dir.join(kind.file()),
            };
            // As notation: an existing configuration is replaced only once the user agrees
            // (stdin: "y" or "yes"; no answer declines and changes nothing), or with --force.
            if std::fs::symlink_metadata(&dst).is_ok() {
                if force {
                    eprintln!(
                        "Warning: existing {} trust policy configuration will be overwritten",
                        kind.label()
                    );
                } else if !crate::cert::confirm(&format!(
                    "The {} trust policy configuration already exists, do you want to overwrite it?",
                    kind.label()
                ))? {
                    return Ok(());
                }
            }
            config::write_private(&dst, &bytes)?;
            println!(
                "Successfully imported {} trust policy configuration to {}",
                kind.label(),
                dst.display()
            );
            Ok(())
        }
        PolicyCommand::Show => {
            let blob = if let Kind::Blob = kind { "blob " } else { "" };
            let (_, bytes) = crate::notation_dir()?
                .policy_bytes(kind.policy_kind())
                .map_err(|e| match e {
                    // notation's words and hint.
                    notary::config::ConfigError::NoPolicy { .. } => Failure::msg(format!(
                        "failed to show {} trust policy as the trust policy file does not exist.\nYou can import one using `notary {blob}policy import <path-to-policy.json>`",
                        kind.label()
                    )),
                    other => Failure::msg(other.to_string()),
                })?;
            // An invalid policy is shown all the same, after the reason and a hint on stderr,
            // and the command succeeds, as notation's does (the hint is the point of it).
            if let Err(e) = validate(kind, &bytes) {
                let existing = if let Kind::Blob = kind {
                    "existing"
                } else {
                    "Existing"
                };
                eprintln!(
                    "Error: {e}\n{existing} {} trust policy configuration is invalid, you may update or create a new one via `notary {blob}policy import <path-to-policy.json>`",
                    kind.label()
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
