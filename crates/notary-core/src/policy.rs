//! The vocabulary of trust policies shared by the policy parser, the trust store and the
//! verifier: trust-store types, verification levels and the action each level gives a
//! validation.

use std::fmt;
use std::str::FromStr;

use crate::error::Error;

/// The three trust-store types of the Notary trust store (`truststore/x509/<type>/<name>/`).
///
/// Closed by the specification, so matches on it are exhaustive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TrustStoreType {
    /// `ca`: roots for `notary.x509` signatures.
    Ca,
    /// `signingAuthority`: roots for `notary.x509.signingAuthority` signatures.
    SigningAuthority,
    /// `tsa`: roots of timestamping authorities.
    Tsa,
}

impl TrustStoreType {
    /// All three types, in the order notation lists them.
    pub const ALL: [TrustStoreType; 3] = [Self::Ca, Self::SigningAuthority, Self::Tsa];

    /// The directory and policy name: `ca`, `signingAuthority` or `tsa`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ca => "ca",
            Self::SigningAuthority => "signingAuthority",
            Self::Tsa => "tsa",
        }
    }
}

impl fmt::Display for TrustStoreType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for TrustStoreType {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        Self::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| Error::Unsupported {
                what: "trust store type",
                value: crate::error::shown(s),
            })
    }
}

/// The validations a verification level assigns actions to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ValidationType {
    /// Signature integrity (always enforced).
    Integrity,
    /// Trust-store anchoring and trusted identity.
    Authenticity,
    /// Validity of the signing chain at a trusted time.
    AuthenticTimestamp,
    /// Signature expiry.
    Expiry,
    /// Certificate revocation.
    Revocation,
}

impl ValidationType {
    /// The five types, in notation's order.
    pub const ALL: [ValidationType; 5] = [
        Self::Integrity,
        Self::Authenticity,
        Self::AuthenticTimestamp,
        Self::Expiry,
        Self::Revocation,
    ];

    /// The name used in trust policies (`integrity`, `authenticity`, `authenticTimestamp`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Integrity => "integrity",
            Self::Authenticity => "authenticity",
            Self::AuthenticTimestamp => "authenticTimestamp",
            Self::Expiry => "expiry",
            Self::Revocation => "revocation",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

impl FromStr for ValidationType {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        Self::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| Error::Unsupported {
                what: "validation type",
                value: crate::error::shown(s),
            })
    }
}

/// What happens when a validation fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ValidationAction {
    /// Failure stops verification.
    Enforce,
    /// Failure is recorded; verification goes on.
    Log,
    /// The validation is not run.
    Skip,
}

impl ValidationAction {
    /// `enforce`, `log` or `skip`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Enforce => "enforce",
            Self::Log => "log",
            Self::Skip => "skip",
        }
    }
}

impl FromStr for ValidationAction {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        match s {
            "enforce" => Ok(Self::Enforce),
            "log" => Ok(Self::Log),
            "skip" => Ok(Self::Skip),
            _ => Err(Error::Unsupported {
                what: "validation action",
                value: crate::error::shown(s),
            }),
        }
    }
}

/// A verification level of a trust-policy statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum VerificationLevel {
    /// Everything enforced.
    Strict,
    /// Integrity and authenticity enforced, the rest logged.
    Permissive,
    /// Integrity enforced, the rest logged.
    Audit,
    /// Nothing verified.
    Skip,
    /// A built-in level with overrides (notation names it `custom`).
    Custom,
}

impl VerificationLevel {
    /// `strict`, `permissive`, `audit`, `skip` or `custom`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Strict => "strict",
            Self::Permissive => "permissive",
            Self::Audit => "audit",
            Self::Skip => "skip",
            Self::Custom => "custom",
        }
    }
}

impl fmt::Display for VerificationLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for VerificationLevel {
    type Err = Error;
    /// Parses one of the four levels a policy may name (`custom` is only ever derived).
    fn from_str(s: &str) -> Result<Self, Error> {
        match s {
            "strict" => Ok(Self::Strict),
            "permissive" => Ok(Self::Permissive),
            "audit" => Ok(Self::Audit),
            "skip" => Ok(Self::Skip),
            _ => Err(Error::Unsupported {
                what: "signature verification level",
                value: crate::error::shown(s),
            }),
        }
    }
}

/// The action a statement gives each validation: its level's defaults with any overrides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Enforcement {
    actions: [ValidationAction; 5],
}

impl Enforcement {
    /// The defaults of a built-in level; `None` for [`VerificationLevel::Custom`], which has no
    /// defaults of its own.
    pub fn of(level: VerificationLevel) -> Option<Self> {
        use ValidationAction::{Enforce, Log, Skip};
        let actions = match level {
            VerificationLevel::Strict => [Enforce; 5],
            VerificationLevel::Permissive => [Enforce, Enforce, Log, Log, Log],
            VerificationLevel::Audit => [Enforce, Log, Log, Log, Log],
            VerificationLevel::Skip => [Skip; 5],
            VerificationLevel::Custom => return None,
        };
        Some(Self { actions })
    }

    /// The action for `validation`.
    pub fn action(&self, validation: ValidationType) -> ValidationAction {
        // `index` is below 5 for every type; a miss would enforce (fail closed).
        self.actions
            .get(validation.index())
            .copied()
            .unwrap_or(ValidationAction::Enforce)
    }

    /// This enforcement with `validation` set to `action`.
    #[must_use]
    pub fn with(mut self, validation: ValidationType, action: ValidationAction) -> Self {
        if let Some(slot) = self.actions.get_mut(validation.index()) {
            *slot = action;
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for t in TrustStoreType::ALL {
            assert_eq!(t.as_str().parse::<TrustStoreType>().unwrap(), t);
        }
        for v in ValidationType::ALL {
            assert_eq!(v.as_str().parse::<ValidationType>().unwrap(), v);
        }
        assert!("CA".parse::<TrustStoreType>().is_err());
        assert!("custom".parse::<VerificationLevel>().is_err());
        assert_eq!(
            "audit".parse::<VerificationLevel>().unwrap(),
            VerificationLevel::Audit
        );
    }

    #[test]
    fn level_defaults() {
        let p = Enforcement::of(VerificationLevel::Permissive).unwrap();
        assert_eq!(
            p.action(ValidationType::Authenticity),
            ValidationAction::Enforce
        );
        assert_eq!(p.action(ValidationType::Expiry), ValidationAction::Log);
        let p = p.with(ValidationType::Expiry, ValidationAction::Skip);
        assert_eq!(p.action(ValidationType::Expiry), ValidationAction::Skip);
        assert!(Enforcement::of(VerificationLevel::Custom).is_none());
    }
}
