#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
// Input-derived values must not panic or wrap: checked operations and `get` instead.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing,
        clippy::arithmetic_side_effects
    )
)]

mod dn;
mod error;
mod scope;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::str::FromStr;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

pub use dn::{DistinguishedName, parse_distinguished_name};
pub use error::Error;
pub use notary_core::policy::{
    Enforcement, TrustStoreType, ValidationAction, ValidationType, VerificationLevel,
};
pub use scope::{
    MAX_NAME_LENGTH, canonical_reference_name, canonical_registry, canonical_registry_scope,
    valid_repository, validate_registry_scope,
};

/// When the timestamp countersignature is verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum VerifyTimestamp {
    /// Always (default).
    Always,
    /// Only once some certificate of the signing chain has expired.
    AfterCertExpiry,
}

/// `signatureVerification` of a statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureVerification {
    /// The level (`Custom` when overrides apply).
    pub level: VerificationLevel,
    /// The action of each validation: the level's defaults with the overrides applied.
    pub enforcement: Enforcement,
    /// When timestamps are verified.
    pub verify_timestamp: VerifyTimestamp,
}

/// A `<type>:<name>` trust store reference.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TrustStoreRef {
    /// Store type.
    pub store_type: TrustStoreType,
    /// Store name.
    pub name: String,
}

impl fmt::Display for TrustStoreRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.store_type.as_str(), self.name)
    }
}

/// A trusted identity.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TrustedIdentity {
    /// `*`: any signer anchored in the trust stores.
    Any,
    /// `x509.subject: <DN>`.
    X509Subject(DistinguishedName),
    /// Any other `<prefix>:<value>` (left to verification plugins).
    Other {
        /// The prefix.
        prefix: String,
        /// The value.
        value: String,
    },
}

impl FromStr for TrustedIdentity {
    type Err = Error;
    /// Parses one identity string; errors are notation's per-identity messages.
    fn from_str(s: &str) -> Result<Self, Error> {
        let inv = |reason: String| Error::Invalid {
            document: None,
            statement: None,
            field: "trustedIdentities",
            reason,
        };
        if s.is_empty() {
            return Err(inv("has an empty trusted identity".into()));
        }
        if s == "*" {
            return Ok(Self::Any);
        }
        let (prefix, value) = s
            .split_once(':')
            .ok_or_else(|| inv(format!("has trusted identity {s:?} missing separator")))?;
        if prefix == "x509.subject" {
            // notation tests the value as written: "x509.subject: " is a DN without attributes.
            if value.is_empty() {
                return Err(inv(format!(
                    "has trusted identity {s:?} without an identity value"
                )));
            }
            let dn = parse_distinguished_name(value).map_err(|e| {
                inv(format!(
                    "has trusted identity {s:?} with invalid identity value: {e}"
                ))
            })?;
            return Ok(Self::X509Subject(dn));
        }
        Ok(Self::Other {
            prefix: prefix.to_string(),
            value: value.to_string(),
        })
    }
}

/// One trust policy statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustPolicyStatement {
    /// Statement name (unique in the document).
    pub name: String,
    /// Registry scopes (OCI policies only).
    pub registry_scopes: Vec<String>,
    /// Level, overrides and timestamp setting.
    pub signature_verification: SignatureVerification,
    /// Trust stores.
    pub trust_stores: Vec<TrustStoreRef>,
    /// Trusted identities.
    pub trusted_identities: Vec<TrustedIdentity>,
    /// Whether this is the global blob statement.
    pub global_policy: bool,
    /// The identity strings as written (for display).
    pub trusted_identity_strings: Vec<String>,
}

/// A JSON value as decoded, objects keeping every member in document order: serde_json's
/// `Value` silently keeps only the last of two equal names, which would hide duplicates.
enum Json {
    Null,
    Bool(bool),
    Number,
    String(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(JsonVisitor)
    }
}

struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Json;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Json, E> {
        Ok(Json::Bool(v))
    }
    fn visit_i64<E>(self, _: i64) -> Result<Json, E> {
        Ok(Json::Number)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Json, E> {
        Ok(Json::Number)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Json, E> {
        Ok(Json::Number)
    }
    fn visit_str<E>(self, v: &str) -> Result<Json, E> {
        Ok(Json::String(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Json, E> {
        Ok(Json::String(v))
    }
    fn visit_unit<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
        let mut out = Vec::new();
        while let Some(v) = seq.next_element()? {
            out.push(v);
        }
        Ok(Json::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
        let mut out = Vec::new();
        while let Some((k, v)) = map.next_entry::<String, Json>()? {
            out.push((k, v));
        }
        Ok(Json::Object(out))
    }
}

type Members = [(String, Json)];

/// Looks a member up the way Go's decoder does. Go assigns every matching member in turn, so
/// the last one counts; [`check_members`] has already refused objects with more than one.
fn member<'a>(obj: &'a Members, name: &str) -> Option<&'a Json> {
    obj.iter()
        .rev()
        .find(|(k, _)| notary_core::json::go_name_matches(k, name))
        .map(|(_, v)| v)
}

/// Refuses an object with two members notation-go decodes into the same place: for a struct
/// (`fold`), names equal under Go's case folding; for a map, equal names. Otherwise the last
/// one silently wins in Go, which a reviewer of the policy can easily misread.
fn check_members(
    obj: &Members,
    statement: Option<&str>,
    object: &'static str,
    fold: bool,
) -> Result<(), Error> {
    let mut seen: HashMap<String, &str> = HashMap::with_capacity(obj.len());
    for (k, _) in obj {
        let key = if fold {
            k.chars().map(notary_core::json::go_fold).collect()
        } else {
            k.clone()
        };
        if let Some(first) = seen.insert(key, k) {
            return Err(Error::AmbiguousMember {
                statement: statement.map(str::to_string),
                object,
                first: first.to_string(),
                second: k.clone(),
            });
        }
    }
    Ok(())
}

fn parse_err(reason: impl Into<String>) -> Error {
    Error::Parse {
        reason: reason.into(),
    }
}

fn string_field(obj: &Members, name: &str) -> Result<String, Error> {
    match member(obj, name) {
        None | Some(Json::Null) => Ok(String::new()),
        Some(Json::String(s)) => Ok(s.clone()),
        Some(_) => Err(parse_err(format!("{name:?} must be a string"))),
    }
}

fn string_list(obj: &Members, name: &str) -> Result<Vec<String>, Error> {
    match member(obj, name) {
        None | Some(Json::Null) => Ok(Vec::new()),
        Some(Json::Array(a)) => a
            .iter()
            .map(|v| match v {
                Json::String(s) => Ok(s.clone()),
                _ => Err(parse_err(format!("{name:?} must be an array of strings"))),
            })
            .collect(),
        Some(_) => Err(parse_err(format!("{name:?} must be an array of strings"))),
    }
}

/// A statement as decoded, before validation.
struct RawStatement {
    name: String,
    registry_scopes: Vec<String>,
    level: String,
    overrides: BTreeMap<String, String>,
    verify_timestamp: String,
    trust_stores: Vec<String>,
    trusted_identities: Vec<String>,
    global_policy: bool,
}

/// Which document is decoded: the members of the other kind's statements are unknown members
/// there, ignored whatever their type, as notation-go's decoder ignores them.
#[derive(Clone, Copy, PartialEq, Eq)]
enum DocKind {
    Oci,
    Blob,
}

fn decode_document(bytes: &[u8], kind: DocKind) -> Result<(String, Vec<RawStatement>), Error> {
    let doc: Json = serde_json::from_slice(bytes).map_err(|e| parse_err(e.to_string()))?;
    let Json::Object(obj) = doc else {
        return Err(parse_err("the document is not a JSON object"));
    };
    check_members(&obj, None, "document", true)?;
    let version = string_field(&obj, "version")?;
    let list: &[Json] = match member(&obj, "trustPolicies") {
        None | Some(Json::Null) => &[],
        Some(Json::Array(a)) => a,
        Some(_) => return Err(parse_err("\"trustPolicies\" must be an array")),
    };
    let mut out = Vec::new();
    for s in list {
        let Json::Object(s) = s else {
            return Err(parse_err("a trust policy statement is not an object"));
        };
        // The name as Go would read it, only to say which statement is ambiguous.
        let st = match member(s, "name") {
            Some(Json::String(n)) if !n.is_empty() => Some(n.as_str()),
            _ => None,
        };
        check_members(s, st, "statement", true)?;
        let (level, overrides, verify_timestamp) = match member(s, "signatureVerification") {
            None | Some(Json::Null) => (String::new(), BTreeMap::new(), String::new()),
            Some(Json::Object(sv)) => {
                check_members(sv, st, "signatureVerification", true)?;
                let overrides = match member(sv, "override") {
                    None | Some(Json::Null) => BTreeMap::new(),
                    // A Go map: keys are data, matched exactly, so only exact repeats collide.
                    Some(Json::Object(o)) => {
                        check_members(o, st, "override", false)?;
                        o.iter()
                            .map(|(k, v)| match v {
                                Json::String(v) => Ok((k.clone(), v.clone())),
                                _ => Err(parse_err("\"override\" values must be strings")),
                            })
                            .collect::<Result<_, _>>()?
                    }
                    Some(_) => return Err(parse_err("\"override\" must be an object")),
                };
                (
                    string_field(sv, "level")?,
                    overrides,
                    string_field(sv, "verifyTimestamp")?,
                )
            }
            Some(_) => return Err(parse_err("\"signatureVerification\" must be an object")),
        };
        let global_policy = match member(s, "globalPolicy") {
            _ if kind == DocKind::Oci => false,
            None | Some(Json::Null) => false,
            Some(Json::Bool(b)) => *b,
            Some(_) => return Err(parse_err("\"globalPolicy\" must be a boolean")),
        };
        out.push(RawStatement {
            name: string_field(s, "name")?,
            registry_scopes: match kind {
                DocKind::Oci => string_list(s, "registryScopes")?,
                DocKind::Blob => Vec::new(),
            },
            level,
            overrides,
            verify_timestamp,
            trust_stores: string_list(s, "trustStores")?,
            trusted_identities: string_list(s, "trustedIdentities")?,
            global_policy,
        })
    }
    Ok((version, out))
}

fn invalid(statement: Option<&str>, field: &'static str, reason: impl Into<String>) -> Error {
    Error::Invalid {
        document: None,
        statement: statement.map(str::to_string),
        field,
        reason: reason.into(),
    }
}

/// `e`, a rule every statement follows, named by its document as notation-go names it.
fn in_document(e: Error, kind: &str) -> Error {
    match e {
        Error::Invalid {
            document: None,
            statement,
            field,
            reason,
        } => Error::Invalid {
            document: Some(document_name(kind)),
            statement,
            field,
            reason,
        },
        e => e,
    }
}

/// How notation names a document of `kind` (`oci` or `blob`) in its validation errors: notation
/// v1.3.2 says `trust policy` for the OCI one.
fn document_name(kind: &str) -> &'static str {
    if kind == "blob" {
        "blob trust policy"
    } else {
        "trust policy"
    }
}

/// A statement's `signatureVerification` is invalid, in notation's words.
fn invalid_verification(statement: Option<&str>, reason: String) -> Error {
    invalid(
        statement,
        "signatureVerification",
        format!("has invalid signatureVerification: {reason}"),
    )
}

fn resolve_level(raw: &RawStatement) -> Result<SignatureVerification, Error> {
    let st = Some(raw.name.as_str());
    let parsed = raw.level.parse::<VerificationLevel>().ok();
    let (mut level, mut enforcement) = match parsed.and_then(|l| Some((l, Enforcement::of(l)?))) {
        Some(found) => found,
        None => {
            let other = &raw.level;
            return Err(invalid_verification(
                st,
                if other.is_empty() {
                    "signature verification level is empty or missing in the trust policy statement"
                        .to_string()
                } else {
                    format!("invalid signature verification level {other:?}")
                },
            ));
        }
    };
    if !raw.overrides.is_empty() {
        if level == VerificationLevel::Skip {
            return Err(invalid_verification(
                st,
                "signature verification level \"skip\" can't be used to customize signature verification".into(),
            ));
        }
        for (k, v) in &raw.overrides {
            let vt = ValidationType::ALL
                .into_iter()
                .find(|t| t.as_str() == k)
                .ok_or_else(|| invalid_verification(st, format!(
                    "verification type {k:?} in custom signature verification is not supported, supported values are [\"integrity\" \"authenticity\" \"authenticTimestamp\" \"expiry\" \"revocation\"]"
                )))?;
            // notation checks the action before refusing an integrity override.
            let action = match v.as_str() {
                "enforce" => ValidationAction::Enforce,
                "log" => ValidationAction::Log,
                "skip" => ValidationAction::Skip,
                other => {
                    return Err(invalid_verification(
                        st,
                        format!(
                            "verification action {other:?} in custom signature verification is not supported, supported values are [\"enforce\" \"log\" \"skip\"]"
                        ),
                    ));
                }
            };
            if vt == ValidationType::Integrity {
                return Err(invalid_verification(
                    st,
                    "\"integrity\" verification can not be overridden in custom signature verification".into(),
                ));
            }
            if action == ValidationAction::Skip && vt != ValidationType::Revocation {
                return Err(invalid_verification(
                    st,
                    format!(
                        "{:?} verification can not be skipped in custom signature verification",
                        vt.as_str()
                    ),
                ));
            }
            enforcement = enforcement.with(vt, action);
        }
        level = VerificationLevel::Custom;
    }
    let verify_timestamp = match raw.verify_timestamp.as_str() {
        "" | "always" => VerifyTimestamp::Always,
        "afterCertExpiry" => VerifyTimestamp::AfterCertExpiry,
        other => {
            return Err(invalid_verification(
                st,
                format!(
                    "verifyTimestamp must be \"always\" or \"afterCertExpiry\", but got {other:?}"
                ),
            ));
        }
    };
    Ok(SignatureVerification {
        level,
        enforcement,
        verify_timestamp,
    })
}

fn is_store_name(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-')
}

/// Validates a statement's core (everything but registry scopes) and builds it.
fn validate_statement(raw: &RawStatement) -> Result<TrustPolicyStatement, Error> {
    let st = Some(raw.name.as_str());
    let signature_verification = resolve_level(raw)?;
    if signature_verification.level == VerificationLevel::Skip {
        if !raw.trust_stores.is_empty() || !raw.trusted_identities.is_empty() {
            return Err(invalid(
                st,
                "trustStores",
                "is set to skip signature verification but configured with trust stores and/or trusted identities, remove them if signature verification needs to be skipped",
            ));
        }
    } else if raw.trust_stores.is_empty() || raw.trusted_identities.is_empty() {
        return Err(invalid(
            st,
            "trustStores",
            "is either missing trust stores or trusted identities, both must be specified",
        ));
    }
    let mut trust_stores = Vec::new();
    for s in &raw.trust_stores {
        let (t, n) = s.split_once(':').ok_or_else(|| invalid(st, "trustStores", format!(
            "has malformed trust store value {s:?}. The required format is <TrustStoreType>:<TrustStoreName>"
        )))?;
        let store_type: TrustStoreType = t.parse().map_err(|_| {
            invalid(
                st,
                "trustStores",
                format!("uses an unsupported trust store type {t:?} in trust store value {s:?}"),
            )
        })?;
        if !is_store_name(n) {
            return Err(invalid(
                st,
                "trustStores",
                format!(
                    "uses an unsupported trust store name {n:?} in trust store value {s:?}. Named store name needs to follow [a-zA-Z0-9_.-]+ format"
                ),
            ));
        }
        // notation's pattern allows them, but they name the type's directory or the one above
        // it, never a store: refused here, where the policy is read, rather than at each use.
        if n == "." || n == ".." {
            return Err(invalid(
                st,
                "trustStores",
                format!(
                    "uses the trust store name {n:?} in trust store value {s:?}, which names a directory above the stores, not a store"
                ),
            ));
        }
        trust_stores.push(TrustStoreRef {
            store_type,
            name: n.to_string(),
        });
    }
    // The wildcard rule before any identity is read, as notation-go checks it.
    if raw.trusted_identities.len() > 1 && raw.trusted_identities.iter().any(|s| s == "*") {
        return Err(invalid(
            st,
            "trustedIdentities",
            "uses a wildcard trusted identity '*', a wildcard identity cannot be used in conjunction with other values",
        ));
    }
    let mut trusted_identities = Vec::new();
    for s in &raw.trusted_identities {
        let id: TrustedIdentity = s.parse().map_err(|e| match e {
            Error::Invalid { reason, field, .. } => invalid(st, field, reason),
            other => other,
        })?;
        trusted_identities.push(id);
    }
    let dns: Vec<(&String, &DistinguishedName)> = raw
        .trusted_identities
        .iter()
        .zip(&trusted_identities)
        .filter_map(|(s, i)| match i {
            TrustedIdentity::X509Subject(d) => Some((s, d)),
            _ => None,
        })
        .collect();
    // Every ordered pair, in notation-go's order, so the error names the same two identities
    // in the same order (the subset first).
    for (i, (sa, a)) in dns.iter().enumerate() {
        for (j, (sb, b)) in dns.iter().enumerate() {
            if i != j && a.is_subset_of(b) {
                return Err(invalid(
                    st,
                    "trustedIdentities",
                    format!("has overlapping x509 trustedIdentities, {sa:?} overlaps with {sb:?}"),
                ));
            }
        }
    }
    Ok(TrustPolicyStatement {
        name: raw.name.clone(),
        registry_scopes: raw.registry_scopes.clone(),
        signature_verification,
        trust_stores,
        trusted_identities,
        global_policy: raw.global_policy,
        trusted_identity_strings: raw.trusted_identities.clone(),
    })
}

fn validate_document(
    version: &str,
    raws: &[RawStatement],
    kind: &str,
) -> Result<Vec<TrustPolicyStatement>, Error> {
    if version.is_empty() {
        return Err(invalid(
            None,
            "version",
            "trust policy document has empty version, version must be specified",
        ));
    }
    if version != "1.0" {
        return Err(invalid(
            None,
            "version",
            format!("trust policy document uses unsupported version {version:?}"),
        ));
    }
    if raws.is_empty() {
        return Err(invalid(
            None,
            "trustPolicies",
            "trust policy document can not have zero trust policy statements",
        ));
    }
    let mut names = HashSet::new();
    let mut out = Vec::new();
    for raw in raws {
        if raw.name.is_empty() {
            return Err(in_document(
                invalid(
                    None,
                    "name",
                    "a trust policy statement is missing a name, every statement requires a name",
                ),
                kind,
            ));
        }
        if !names.insert(raw.name.as_str()) {
            // notation v1.3.2's words for an OCI document; notation-go's for a blob one.
            let statements = if kind == "blob" {
                "blob trust policy statements"
            } else {
                "trust policy statements"
            };
            return Err(invalid(
                None,
                "name",
                format!(
                    "multiple {statements} use the same name {:?}, statement names must be unique",
                    raw.name
                ),
            ));
        }
        out.push(validate_statement(raw).map_err(|e| in_document(e, kind))?);
    }
    Ok(out)
}

/// An OCI trust policy document (`trustpolicy.oci.json`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OciTrustPolicy {
    /// Document version (`1.0`).
    pub version: String,
    /// The statements.
    pub statements: Vec<TrustPolicyStatement>,
}

impl OciTrustPolicy {
    /// Decodes and validates a whole document (notation validates before using any statement).
    pub fn from_json(bytes: &[u8]) -> Result<Self, Error> {
        let (version, raws) = decode_document(bytes, DocKind::Oci)?;
        let mut statements = validate_document(&version, &raws, "oci")?;
        let mut seen: HashSet<String> = HashSet::new();
        for s in &mut statements {
            let st = Some(s.name.as_str());
            if s.registry_scopes.is_empty() {
                return Err(invalid(
                    st,
                    "registryScopes",
                    "has zero registry scopes, it must specify registry scopes with at least one value",
                ));
            }
            if s.registry_scopes.iter().any(|x| x == "*") && s.registry_scopes.len() > 1 {
                return Err(invalid(
                    st,
                    "registryScopes",
                    "uses wildcard registry scope '*', a wildcard scope cannot be used in conjunction with other scope values",
                ));
            }
            for scope in &mut s.registry_scopes {
                // Stored canonical (lowercase host, no :443), the form references are matched
                // in, so two spellings of one repository cannot select different statements.
                if scope != "*" {
                    *scope = canonical_registry_scope(scope)?;
                }
                // Also catches a scope repeated inside one statement, as notation does.
                if !seen.insert(scope.clone()) {
                    return Err(invalid(
                        None,
                        "registryScopes",
                        format!(
                            "registry scope {scope:?} is present in multiple trust policy statements, one registry scope value can only be associated with one statement"
                        ),
                    ));
                }
            }
        }
        Ok(Self {
            version,
            statements,
        })
    }

    /// The statement that applies to `artifact_reference` (`registry/repository@digest`): the one
    /// listing the repository, else the `*` statement. The registry part is compared in
    /// canonical form (see [`canonical_registry_scope`]): `REGISTRY.EXAMPLE:443/app` selects the
    /// statement of `registry.example/app`. A repository that is not valid per the distribution
    /// spec is an [`Error::InvalidReference`]; its length is not limited here, as notation does
    /// not limit it.
    pub fn statement_for(&self, artifact_reference: &str) -> Result<&TrustPolicyStatement, Error> {
        let (path, _) =
            artifact_reference
                .rsplit_once('@')
                .ok_or_else(|| Error::InvalidReference {
                    reference: artifact_reference.to_string(),
                    reason: "an artifact reference must have a digest (registry/repository@digest)"
                        .into(),
                })?;
        let path = scope::canonical_scope_name(path)?;
        self.statements
            .iter()
            .find(|s| s.registry_scopes.contains(&path))
            .or_else(|| self.statements.iter().find(|s| s.registry_scopes.iter().any(|x| x == "*")))
            .ok_or_else(|| Error::NoApplicableStatement {
                reason: format!(
                    "artifact {artifact_reference:?} has no applicable oci trust policy statement. Trust policy applicability for a given artifact is determined by registryScopes. To create a trust policy, see: https://notaryproject.dev/docs/quickstart/#create-a-trust-policy"
                ),
            })
    }
}

/// A blob trust policy document (`trustpolicy.blob.json`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobTrustPolicy {
    /// Document version (`1.0`).
    pub version: String,
    /// The statements.
    pub statements: Vec<TrustPolicyStatement>,
}

impl BlobTrustPolicy {
    /// Decodes and validates a whole document. `registryScopes`, if present, is ignored as
    /// notation does. Stricter than notation: the global statement may not use level `skip`
    /// (the spec forbids it; notation's check never fires).
    pub fn from_json(bytes: &[u8]) -> Result<Self, Error> {
        let (version, raws) = decode_document(bytes, DocKind::Blob)?;
        let statements = validate_document(&version, &raws, "blob")?;
        let globals: Vec<&TrustPolicyStatement> =
            statements.iter().filter(|s| s.global_policy).collect();
        if globals.len() > 1 {
            return Err(invalid(
                None,
                "globalPolicy",
                "multiple blob trust policy statements have globalPolicy set to true, only one trust policy statement can be marked as global policy",
            ));
        }
        if let Some(g) = globals.first()
            && g.signature_verification.level == VerificationLevel::Skip
        {
            return Err(invalid(
                Some(&g.name),
                "globalPolicy",
                "is the global blob trust policy statement and cannot use the skip verification level",
            ));
        }
        Ok(Self {
            version,
            statements,
        })
    }

    /// The statement named `name`, or the global statement when `name` is `None`.
    pub fn statement(&self, name: Option<&str>) -> Result<&TrustPolicyStatement, Error> {
        match name {
            Some(n) if n.trim().is_empty() => Err(Error::NoApplicableStatement {
                reason: "the blob trust policy name must not be blank".into(),
            }),
            Some(n) => self.statements.iter().find(|s| s.name == n).ok_or_else(|| {
                Error::NoApplicableStatement {
                    // notation-go's words (`GetApplicableTrustPolicy`), which scripts match.
                    reason: format!("no applicable blob trust policy with name {n:?}"),
                }
            }),
            None => self
                .statements
                .iter()
                .find(|s| s.global_policy)
                .ok_or_else(|| Error::NoApplicableStatement {
                    reason: "no global blob trust policy".into(),
                }),
        }
    }
}

/// Checks the leaf certificate's subject (Go's `pkix.Name.String()` rendering) against the
/// trusted identities: `*` matches every signer; otherwise the first `x509.subject` identity
/// whose attributes all appear, with equal values, in the subject matches. A mismatch names
/// the identities and the statement `policy_name` as notation does.
pub fn match_trusted_identity(
    identities: &[TrustedIdentity],
    leaf_subject: &str,
    policy_name: &str,
) -> Result<(), Error> {
    if identities.iter().any(|i| matches!(i, TrustedIdentity::Any)) {
        return Ok(());
    }
    let x509: Vec<&DistinguishedName> = identities
        .iter()
        .filter_map(|i| match i {
            TrustedIdentity::X509Subject(d) => Some(d),
            _ => None,
        })
        .collect();
    if x509.is_empty() {
        return Err(Error::IdentityMismatch {
            reason: "no x509 trusted identities are configured in the trust policy".into(),
        });
    }
    let subject = parse_distinguished_name(leaf_subject).map_err(|e| Error::IdentityMismatch {
        reason: format!(
            "error while parsing the certificate subject from the digital signature: {e}"
        ),
    })?;
    if x509.iter().any(|d| d.is_subset_of(&subject)) {
        Ok(())
    } else {
        // notation's words, with Go's `%q` of its identity maps and of the policy name.
        let maps: Vec<String> = x509.iter().map(|d| d.go_map_text()).collect();
        Err(Error::IdentityMismatch {
            reason: format!(
                "signing certificate from the digital signature does not match the X.509 trusted identities [{}] defined in the trust policy {}",
                maps.join(" "),
                notary_core::json::go_quote(policy_name.as_bytes())
            ),
        })
    }
}
