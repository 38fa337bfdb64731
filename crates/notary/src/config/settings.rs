//! notation's `config.json`: the default signature format, the registries reached over plain
//! HTTP and where credentials are kept.

use std::path::{Path, PathBuf};

use notary_core::EnvelopeMediaType;
use serde_json::{Map, Value};

use super::ConfigError;

/// A `config.json` (notation's or Docker's), kept as a JSON object so that a tool rewriting it
/// (`login`, `logout`) keeps the members it does not know.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NotationConfig {
    path: PathBuf,
    json: Map<String, Value>,
}

impl NotationConfig {
    /// Parses `bytes` read from `path`; it must be a JSON object.
    pub fn from_json(path: &Path, bytes: &[u8]) -> Result<Self, ConfigError> {
        let malformed = |reason: String| ConfigError::Malformed {
            path: path.to_path_buf(),
            reason,
        };
        // As notation's (and oras') json.Decoder reads the file.
        let json = match super::first_json_value(bytes).map_err(malformed)? {
            Value::Object(json) => json,
            _ => return Err(malformed("not a JSON object".into())),
        };
        // The members notation decodes must have their Go types (null leaves them unset).
        type Check = fn(&Value) -> bool;
        let typed: [(&str, &str, Check); 5] = [
            ("insecureRegistries", "an array of strings", |v| {
                v.as_array().is_some_and(|a| a.iter().all(Value::is_string))
            }),
            ("credsStore", "a string", Value::is_string),
            ("signatureFormat", "a string", Value::is_string),
            ("credHelpers", "an object of strings", |v| {
                v.as_object()
                    .is_some_and(|m| m.values().all(Value::is_string))
            }),
            ("auths", "an object", Value::is_object),
        ];
        for (member, want, is) in typed {
            if notation_member(&json, member).is_some_and(|v| !v.is_null() && !is(v)) {
                return Err(malformed(format!("{member} must be {want}")));
            }
        }
        Ok(Self {
            path: path.to_path_buf(),
            json,
        })
    }

    /// An empty configuration for a file that does not exist (yet) at `path`.
    pub fn empty(path: &Path) -> Self {
        Self {
            path: path.to_path_buf(),
            json: Map::new(),
        }
    }

    /// Where it was read from (or would be written to).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The JSON object.
    pub fn as_json(&self) -> &Map<String, Value> {
        &self.json
    }

    /// The JSON object, to edit and write back.
    pub fn into_json(self) -> Map<String, Value> {
        self.json
    }

    /// `signatureFormat` as notation reads it: in lower case (`COSE` is `cose`), and unset when
    /// empty.
    pub fn signature_format_name(&self) -> Option<String> {
        notation_member(&self.json, "signatureFormat")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_ascii_lowercase)
    }

    /// The default envelope format: `signatureFormat`, else JWS (notation's default).
    pub fn signature_format(&self) -> Result<EnvelopeMediaType, ConfigError> {
        match self.signature_format_name() {
            None => Ok(EnvelopeMediaType::Jws),
            Some(name) => {
                EnvelopeMediaType::from_format_name(&name).map_err(|_| ConfigError::Malformed {
                    path: self.path.clone(),
                    reason: format!("signature format {name:?} is not supported, use jws or cose"),
                })
            }
        }
    }

    /// `insecureRegistries`: the registries (`host[:port]`) reached over plain HTTP.
    pub fn insecure_registries(&self) -> Vec<&str> {
        notation_member(&self.json, "insecureRegistries")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default()
    }

    /// Whether `registry` is listed in `insecureRegistries`.
    pub fn is_insecure_registry(&self, registry: &str) -> bool {
        // Host names are case-insensitive; notation compares with strings.EqualFold.
        self.insecure_registries()
            .iter()
            .any(|r| r.eq_ignore_ascii_case(registry))
    }

    /// Whether the file configures credentials: a non-empty `auths` or `credHelpers`, or a
    /// `credsStore` (oras' `IsAuthConfigured`, which notation uses to pick the file).
    pub fn configures_credentials(&self) -> bool {
        let non_empty = |k: &str| {
            self.json
                .get(k)
                .and_then(Value::as_object)
                .is_some_and(|m| !m.is_empty())
        };
        non_empty("auths")
            || non_empty("credHelpers")
            || self
                .json
                .get("credsStore")
                .and_then(Value::as_str)
                .is_some_and(|s| !s.is_empty())
    }

    /// The credential helper for `server` (its credential-store key: `host[:port]`, or Docker
    /// Hub's `https://index.docker.io/v1/`): `credHelpers[server]`, else `credsStore`.
    pub fn credential_helper(&self, server: &str) -> Option<&str> {
        // An empty `credHelpers` entry falls back to `credsStore`, as in oras-go.
        fn named(v: Option<&Value>) -> Option<&str> {
            v.and_then(Value::as_str).filter(|s| !s.is_empty())
        }
        named(self.json.get("credHelpers").and_then(|h| h.get(server)))
            .or_else(|| named(self.json.get("credsStore")))
    }
}

/// Member `name` of `json` as notation finds it: `signatureFormat` and `insecureRegistries` are
/// fields of its Go `Config` struct, which Go's decoder matches in any case (`SignatureFormat`
/// is read too); an exact name is taken over a case variant. Other members are looked up by
/// their exact name (the credential members are read by oras-go, which matches exactly).
fn notation_member<'a>(json: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    if !matches!(name, "signatureFormat" | "insecureRegistries") {
        return json.get(name);
    }
    json.get(name).or_else(|| {
        json.iter()
            .find(|(k, _)| notary_core::json::go_name_matches(k, name))
            .map(|(_, v)| v)
    })
}
