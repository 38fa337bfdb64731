//! The case file (schema version 2).

use std::path::Path;

use serde::Deserialize;
use time::OffsetDateTime;

#[derive(Deserialize)]
pub struct CaseFile {
    pub schema: u32,
    pub cases: Vec<Case>,
}

#[derive(Deserialize)]
pub struct Case {
    pub id: String,
    pub check: String,
    pub expected: String,
    pub expected_validation: Option<String>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub verification_time: Option<OffsetDateTime>,
    pub input: serde_json::Value,
}

impl CaseFile {
    pub fn load(path: &Path) -> Result<Self, String> {
        let bytes =
            std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let f: CaseFile = serde_json::from_slice(&bytes)
            .map_err(|e| format!("{}: not a case file: {e}", path.display()))?;
        if f.schema != 2 {
            return Err(format!(
                "{}: schema {} is not supported (2)",
                path.display(),
                f.schema
            ));
        }
        Ok(f)
    }
}

/// What notary-rs did with a case.
pub enum Outcome {
    Pass,
    Fail { validation: String, reason: String },
    Skip(String),
}

impl Outcome {
    pub fn fail(validation: &str, reason: impl std::fmt::Display) -> Self {
        Outcome::Fail {
            validation: validation.to_string(),
            reason: reason.to_string(),
        }
    }
}
