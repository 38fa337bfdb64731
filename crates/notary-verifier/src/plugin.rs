//! Verification plugins as the trust engine sees them: a [`VerificationPlugin`] answers
//! `get-plugin-metadata` and `verify-signature` (the notation plugin protocol's wire types).
//! The process-based host that runs plugin executables lives outside this crate (the `notary`
//! facade's `PluginHost`), so the engine never spawns processes.

use std::collections::BTreeMap;
use std::fmt;

use notary_plugin_api::{GetMetadataResponse, VerifySignatureRequest, VerifySignatureResponse};

pub use crate::steps::plugin::check_plugin_attributes;

/// Boxed error source of a plugin failure.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Runs verification plugins by name.
pub trait VerificationPlugin: Send + Sync + fmt::Debug {
    /// The metadata of plugin `name` (`get-plugin-metadata`).
    fn metadata(&self, name: &str) -> Result<GetMetadataResponse, PluginError>;

    /// The metadata of plugin `name` asked with `config` as its `pluginConfig`, as notation-go
    /// asks when verifying (the verification's plugin config). The default ignores `config`.
    fn metadata_with_config(
        &self,
        name: &str,
        config: &BTreeMap<String, String>,
    ) -> Result<GetMetadataResponse, PluginError> {
        let _ = config;
        self.metadata(name)
    }

    /// Asks plugin `name` to verify a signature (`verify-signature`).
    fn verify_signature(
        &self,
        name: &str,
        request: &VerifySignatureRequest,
    ) -> Result<VerifySignatureResponse, PluginError>;
}

/// Why a verification plugin could not answer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PluginError {
    /// No plugin of that name is installed.
    #[error("plugin {name:?} is not installed")]
    NotInstalled {
        /// The plugin name.
        name: String,
    },
    /// The plugin failed or answered something invalid (the message is the source's, which
    /// names the plugin).
    #[error("{source}")]
    Failed {
        /// The plugin name.
        name: String,
        /// What went wrong.
        #[source]
        source: BoxError,
    },
}

/// A SemVer 2.0 version, compared by precedence (build metadata ignored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SemVer {
    core: (u64, u64, u64),
    pre: Vec<String>,
}

impl SemVer {
    /// Parses `MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD]` exactly as notation-go's SemVer 2.0
    /// pattern does: no `v` prefix, no shorthand, identifiers of `[0-9A-Za-z-]`, no leading
    /// zero in a numeric one.
    pub fn parse(s: &str) -> Option<Self> {
        let ident_ok =
            |x: &str| !x.is_empty() && x.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        let (s, build) = match s.split_once('+') {
            Some((v, b)) => (v, Some(b)),
            None => (s, None),
        };
        if build.is_some_and(|b| !b.split('.').all(ident_ok)) {
            return None;
        }
        let (core, pre) = match s.split_once('-') {
            Some((c, p)) => (c, p.split('.').map(str::to_string).collect::<Vec<_>>()),
            None => (s, Vec::new()),
        };
        let numeric = |x: &str| !x.is_empty() && x.bytes().all(|b| b.is_ascii_digit());
        let num = |x: &str| {
            (numeric(x) && (x == "0" || !x.starts_with('0')))
                .then(|| x.parse().ok())
                .flatten()
        };
        let mut it = core.split('.');
        let v = (num(it.next()?)?, num(it.next()?)?, num(it.next()?)?);
        let pre_ok = pre
            .iter()
            .all(|p| ident_ok(p) && !(numeric(p) && p.len() > 1 && p.starts_with('0')));
        if it.next().is_some() || !pre_ok {
            return None;
        }
        Some(Self { core: v, pre })
    }
}

impl PartialOrd for SemVer {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for SemVer {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        use std::cmp::Ordering::*;
        self.core
            .cmp(&other.core)
            .then_with(|| match (self.pre.is_empty(), other.pre.is_empty()) {
                (true, true) => Equal,
                (true, false) => Greater,
                (false, true) => Less,
                (false, false) => {
                    for (a, b) in self.pre.iter().zip(&other.pre) {
                        let o = match (a.parse::<u64>(), b.parse::<u64>()) {
                            (Ok(x), Ok(y)) => x.cmp(&y),
                            (Ok(_), Err(_)) => Less,
                            (Err(_), Ok(_)) => Greater,
                            (Err(_), Err(_)) => a.cmp(b),
                        };
                        if o != Equal {
                            return o;
                        }
                    }
                    self.pre.len().cmp(&other.pre.len())
                }
            })
    }
}

#[cfg(test)]
mod tests {
    use super::SemVer;

    #[test]
    fn semver_precedence() {
        let v = |s| SemVer::parse(s).unwrap();
        assert!(v("1.0.0") > v("0.0.9"));
        assert!(v("1.0.0") < v("1.0.9"));
        assert!(v("1.0.0-alpha") < v("1.0.0"));
        assert!(v("1.0.0-alpha.1") < v("1.0.0-alpha.beta"));
        assert!(v("2.1.3+build.7-x") == v("2.1.3"));
        assert!(v("1.0.0-0.3.7") < v("1.0.0-x-y.1"));
        // What notation-go's pattern refuses (its verifier then fails as inconclusive).
        for bad in [
            "1.0",
            "01.0.0",
            "1.0.0-",
            "x.y.z",
            "",
            "v2.1.3",
            "1.0.0-01",
            "1.0.0-a..b",
            "1.0.0-\u{e9}",
            "1.0.0+",
            "1.0.0+a..b",
            "1.0.0+a_b",
        ] {
            assert!(SemVer::parse(bad).is_none(), "{bad}");
        }
    }
}
