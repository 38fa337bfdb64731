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

/// Reads the policy file of `kind` (OCI falls back to the legacy `trustpolicy.json`).
pub fn load_bytes(kind: Kind) -> Result<(PathBuf, Vec<u8>), Failure> {
    let kind = match kind {
        Kind::Oci => notary::config::PolicyKind::Oci,
        Kind::Blob => notary::config::PolicyKind::Blob,
    };
    crate::notation_dir()?
        .policy_bytes(kind)
        .map_err(|e| Failure::msg(e.to_string()))
}

pub fn run(c: PolicyCommand, kind: Kind) -> CmdResult {
    match c {
        PolicyCommand::Import { file, force } => {
            let bytes = crate::config::read_input(&file, crate::config::MAX_SMALL_FILE)?;
            validate(kind, &bytes).map_err(|e| {
                Failure::msg(format!(
                    "failed to parse {} trust policy configuration {}: {e}",
                    kind.label(),
                    file.display()
                ))
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
            let (path, bytes) = load_bytes(kind)?;
            // The file's bytes as they are, as notation writes them (no newline added).
            let show = || {
                use std::io::Write as _;
                let mut out = std::io::stdout().lock();
                out.write_all(&bytes).and_then(|()| out.flush())
            };
            if let Err(e) = validate(kind, &bytes) {
                eprintln!(
                    "Existing {} trust policy configuration is invalid, you may update or create a new one via `notary {}policy import <path_to_policy_file>`. {e}",
                    kind.label(),
                    if let Kind::Blob = kind { "blob " } else { "" }
                );
                show()?;
                return Err(Failure::msg(format!(
                    "{}: invalid trust policy",
                    path.display()
                )));
            }
            show()?;
            Ok(())
        }
    }
}
