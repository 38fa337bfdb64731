//! Human output helpers: the `-o/--output` choice. The tree view of an inspection is
//! `notary::inspect` (shared with the conformance runner).

use crate::Failure;

/// `-o/--output` of `verify` and `inspect`: whether JSON was asked for. Any value but `text`
/// and `json` is refused before the command does anything, as notation does, rather than
/// silently printed as text.
pub fn wants_json(value: &str) -> Result<bool, Failure> {
    match value {
        "json" => Ok(true),
        "text" => Ok(false),
        other => Err(Failure::msg(format!(
            "unrecognized output format {other:?}: use text or json"
        ))),
    }
}
