use thiserror::Error;

/// Why a trust policy was rejected, or why no statement or identity applies.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum Error {
    /// The document is not JSON of the trust-policy shape.
    #[error("malformed trust policy: {reason}")]
    Parse {
        /// Decoder message.
        reason: String,
    },
    /// The document breaks a validation rule.
    #[error("{}{}{reason}", .document.map(|d| format!("{d}: ")).unwrap_or_default(), .statement.as_ref().map(|s| format!("trust policy statement {s:?} ")).unwrap_or_default())]
    Invalid {
        /// The document kind naming the rule, as notation-go names the rules every statement
        /// follows (`trust policy` for an OCI document, as notation v1.3.2 says, `blob trust
        /// policy`); `None` for the document's own rules.
        document: Option<&'static str>,
        /// The statement, if the rule is per statement.
        statement: Option<String>,
        /// The field (`version`, `registryScopes`, `trustStores`, ...).
        field: &'static str,
        /// What is wrong (notation's wording where known).
        reason: String,
    },
    /// One JSON object of the document has two members notation-go decodes into the same place:
    /// equal names, or (except in `override`, whose keys are data) names equal under Go's case
    /// folding, such as `level` and `Level`. Go keeps the last, so refused rather than guessed.
    #[error("{}{object} has members {first:?} and {second:?}, which notation-go reads as one", .statement.as_ref().map(|s| format!("trust policy statement {s:?}: ")).unwrap_or_default())]
    AmbiguousMember {
        /// The statement, when the object is in one and it has a name.
        statement: Option<String>,
        /// The object: `document`, `statement`, `signatureVerification` or `override`.
        object: &'static str,
        /// The earlier member name, as written.
        first: String,
        /// The later member name, as written (the one notation-go would use).
        second: String,
    },
    /// An artifact reference is not `registry/repository@digest` with a valid registry host and
    /// a repository name valid per the distribution spec.
    #[error("invalid artifact reference {reference:?}: {reason}")]
    InvalidReference {
        /// The reference (or its name part).
        reference: String,
        /// What is wrong.
        reason: String,
    },
    /// No statement applies to the artifact or name.
    #[error("{reason}")]
    NoApplicableStatement {
        /// Why.
        reason: String,
    },
    /// A distinguished name cannot be used as an `x509.subject` identity.
    #[error("{reason}")]
    InvalidDistinguishedName {
        /// Why.
        reason: String,
    },
    /// The leaf certificate's subject matches none of the trusted identities.
    #[error("{reason}")]
    IdentityMismatch {
        /// Why.
        reason: String,
    },
}

impl Error {
    /// True for documents that do not decode at all (as opposed to breaking a rule).
    pub fn is_parse_error(&self) -> bool {
        matches!(self, Error::Parse { .. })
    }
}
