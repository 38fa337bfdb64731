//! `notary sign|verify|list|inspect` on OCI artifacts (OCI image layouts in this build).

use std::path::PathBuf;

use clap::Args;
use notary::artifact::{VerifyArtifactOptions, block_on, sign_and_push, verify_artifact};
use notary_core::SignatureRepository;
use notary_registry::OciLayout;

use crate::blob::{print_warnings, sign_options, signer_for, verifier};
use crate::policy::Kind;
use crate::{CmdResult, Failure, parse_pairs};

#[derive(Args)]
pub struct Common {
    /// The reference is an OCI image layout: `<path>:<tag>` or `<path>@<digest>`
    #[arg(long = "oci-layout")]
    pub oci_layout: bool,
    /// Plain HTTP for the registry
    #[arg(long = "plain-http")]
    pub plain_http: bool,
    /// Registry user name
    #[arg(short = 'u', long = "username")]
    pub username: Option<String>,
    /// Registry password
    #[arg(short = 'p', long = "password")]
    pub password: Option<String>,
    /// The artifact reference
    pub reference: String,
}

#[derive(Args)]
pub struct SignArgs {
    #[command(flatten)]
    pub common: Common,
    /// Signing key name
    #[arg(short = 'k', long = "key")]
    pub key: Option<String>,
    /// Signature envelope format: jws or cose
    #[arg(long = "signature-format")]
    pub format: Option<String>,
    /// Signature expiry duration (e.g. 24h)
    #[arg(short = 'e', long = "expiry")]
    pub expiry: Option<String>,
    /// User metadata key=value (repeatable)
    #[arg(short = 'm', long = "user-metadata")]
    pub user_metadata: Vec<String>,
    /// RFC 3161 timestamp authority URL (http)
    #[arg(long = "timestamp-url")]
    pub timestamp_url: Option<String>,
    /// The TSA's root certificate (one self-signed certificate, PEM or DER)
    #[arg(long = "timestamp-root-cert")]
    pub timestamp_root_cert: Option<PathBuf>,
}

#[derive(Args)]
pub struct VerifyArgs {
    #[command(flatten)]
    pub common: Common,
    /// Registry scope the trust policy sees for an OCI layout (e.g. local/app)
    #[arg(long)]
    pub scope: Option<String>,
    /// User metadata the signature must carry, key=value (repeatable)
    #[arg(short = 'm', long = "user-metadata")]
    pub user_metadata: Vec<String>,
    /// Most signatures evaluated
    #[arg(long = "max-signatures", default_value_t = 100)]
    pub max_signatures: usize,
    /// Output format: text or json
    #[arg(short = 'o', long = "output", default_value = "text")]
    pub output: String,
}

#[derive(Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub common: Common,
    /// Most signatures listed
    #[arg(long = "max-signatures", default_value_t = 100)]
    pub max_signatures: usize,
}

#[derive(Args)]
pub struct InspectArgs {
    #[command(flatten)]
    pub common: Common,
    /// Most signatures inspected
    #[arg(long = "max-signatures", default_value_t = 100)]
    pub max_signatures: usize,
    /// Output format: text or json
    #[arg(short = 'o', long = "output", default_value = "text")]
    pub output: String,
}

/// Splits `<path>@<digest>` or `<path>:<tag>`.
fn layout_reference(c: &Common) -> Result<(OciLayout, String, String), Failure> {
    if !c.oci_layout {
        return Err(Failure::msg(format!(
            "{}: remote registries are not supported by this build yet; use --oci-layout with an OCI image layout directory",
            c.reference
        )));
    }
    let r = &c.reference;
    let (path, rest) = match r.rsplit_once('@') {
        Some((p, d)) => (p.to_string(), d.to_string()),
        None => match r.rsplit_once(':') {
            Some((p, t)) if !t.contains('/') && !p.is_empty() => (p.to_string(), t.to_string()),
            _ => {
                return Err(Failure::msg(format!(
                    "{r:?}: an OCI layout reference is <path>:<tag> or <path>@<digest>"
                )));
            }
        },
    };
    let layout = OciLayout::open(PathBuf::from(&path))?;
    Ok((layout, path, rest))
}

fn warn_tag(path: &str, rest: &str, digest: &str) {
    if !rest.contains(':') {
        eprintln!(
            "Warning: Always sign the artifact using digest(@sha256:...) rather than a tag(:{rest}) because tags are mutable and a tag reference can point to a different artifact than the one signed."
        );
        eprintln!("Resolved artifact tag `{rest}` to digest `{digest}` before signing.");
        let _ = path;
    }
}

pub fn sign(a: SignArgs) -> CmdResult {
    let (layout, path, rest) = layout_reference(&a.common)?;
    let mut options = sign_options(a.format, a.expiry, &a.user_metadata)?;
    options.timestamper = crate::blob::timestamper(a.timestamp_url, a.timestamp_root_cert)?;
    let signer = signer_for(a.key.as_deref())?;
    let pushed = block_on(sign_and_push(&layout, &rest, &signer, &options))
        .map_err(|e| Failure::msg(e.to_string()))?;
    warn_tag(&path, &rest, &pushed.artifact.digest.to_string());
    println!("Successfully signed {path}@{}", pushed.artifact.digest);
    println!(
        "Pushed the signature to {path}@{}",
        pushed.pushed.manifest.digest
    );
    Ok(())
}

pub fn verify(a: VerifyArgs) -> CmdResult {
    let (layout, path, rest) = layout_reference(&a.common)?;
    let scope = a.scope.clone().ok_or_else(|| Failure::msg("--scope is required with --oci-layout (the registry scope the trust policy applies to, e.g. local/app)"))?;
    let v = verifier(Kind::Oci)?;
    let mut opts = VerifyArtifactOptions::default();
    opts.max_signatures = a.max_signatures;
    opts.user_metadata = parse_pairs(&a.user_metadata, "--user-metadata")?;
    let res = block_on(verify_artifact(
        &layout,
        &v,
        &rest,
        &scope,
        &opts,
        crate::now(),
    ));
    let done = res.map_err(|e| Failure::msg(format!("signature verification failed: {e}")))?;
    let reference = format!("{path}@{}", done.artifact.digest);
    if a.output == "json" {
        let info = done.outcome.envelope.as_ref().map(|e| e.signer_info());
        let json = serde_json::json!({
            "reference": reference,
            "level": done.outcome.level,
            "policy": done.outcome.policy_name,
            "signature": done.signature_manifest.as_ref().map(|d| d.digest.to_string()),
            "userMetadata": done.outcome.payload.as_ref().and_then(|p| p.target_artifact.annotations.clone()),
            "signatureAlgorithm": info.map(|i| i.signature_algorithm.name()),
            "warnings": done.outcome.warnings().map(|(v, r)| serde_json::json!({"validation": v.name(), "error": r})).collect::<Vec<_>>(),
        });
        println!("{}", serde_json::to_string_pretty(&json)?);
        return Ok(());
    }
    if done.outcome.is_skipped() {
        println!("Trust policy is configured to skip signature verification for {reference}");
        return Ok(());
    }
    print_warnings(&done.outcome);
    println!("Successfully verified signature for {reference}");
    Ok(())
}

pub fn list(a: ListArgs) -> CmdResult {
    let (layout, path, rest) = layout_reference(&a.common)?;
    let subject = block_on(layout.resolve(&rest))?;
    let sigs = block_on(layout.list_signatures(&subject, a.max_signatures))?;
    let reference = format!("{path}@{}", subject.digest);
    if sigs.is_empty() {
        println!("{reference} has no associated signatures");
        return Ok(());
    }
    println!("{reference}");
    println!("└── {}", notary_core::SIGNATURE_ARTIFACT_TYPE);
    for (i, s) in sigs.iter().enumerate() {
        println!(
            "    {} {}",
            if i + 1 == sigs.len() {
                "└──"
            } else {
                "├──"
            },
            s.digest
        );
    }
    Ok(())
}

pub fn inspect(a: InspectArgs) -> CmdResult {
    let (layout, path, rest) = layout_reference(&a.common)?;
    let v = block_on(notary::inspect::inspect_artifact(
        &layout,
        &rest,
        a.max_signatures,
    ))
    .map_err(Failure::msg)?;
    if a.output == "json" {
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(());
    }
    let subject = block_on(layout.resolve(&rest))?;
    let reference = format!("{path}@{}", subject.digest);
    let sigs = v["signatures"].as_array().cloned().unwrap_or_default();
    if sigs.is_empty() {
        println!("{reference} has no associated signature");
        return Ok(());
    }
    let children = sigs
        .iter()
        .map(|s| crate::output::signature_tree(s["digest"].as_str().unwrap_or("").to_string(), s))
        .collect();
    let tree = crate::output::Node::new(
        reference,
        vec![crate::output::Node::new(
            notary_core::SIGNATURE_ARTIFACT_TYPE,
            children,
        )],
    );
    print!("{}", tree.render());
    Ok(())
}
