//! JSON decoding that refuses duplicate member names at every level (serde_json keeps the last
//! one silently, as Go does; a signature envelope must not be ambiguous): notary-core's strict
//! parser, with this crate's errors.

use serde_json::{Map, Value};

use crate::error::Error;

/// Parses `bytes` as one JSON object, refusing duplicate member names anywhere.
pub(crate) fn parse_object(bytes: &[u8], part: &'static str) -> Result<Map<String, Value>, Error> {
    match notary_core::json::parse_strict(bytes) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(Error::Json {
            part,
            reason: "not a JSON object".into(),
        }),
        Err(issue) => Err(match issue.duplicate {
            Some(name) => Error::DuplicateMember { part, name },
            None => Error::Json {
                part,
                reason: issue.message,
            },
        }),
    }
}
