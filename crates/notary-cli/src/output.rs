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

/// What notation prints on stdout after a verification that passed: a blank line when a
/// warning went to stderr before it, the success line (or the skip line), and the signed user
/// metadata as a `KEY VALUE` table (sorted here; Go prints its map in random order).
pub fn verification_text(out: &notary::VerificationOutcome, subject: &str, warned: bool) -> String {
    let warned = warned || out.warnings().next().is_some();
    let mut text = String::new();
    if warned {
        text.push('\n');
    }
    if out.is_skipped() {
        text.push_str(&format!(
            "Trust policy is configured to skip signature verification for {subject}\n"
        ));
        return text;
    }
    text.push_str(&format!("Successfully verified signature for {subject}\n"));
    let metadata = out
        .verified()
        .and_then(|v| v.payload().target_artifact.annotations.clone())
        .unwrap_or_default();
    if !metadata.is_empty() {
        text.push_str("\nThe artifact was signed with the following user metadata.\n\n");
        let rows: Vec<Vec<String>> = metadata.into_iter().map(|(k, v)| vec![k, v]).collect();
        text.push_str(&table(&["KEY", "VALUE"], &rows));
    }
    text
}

/// `rows` under `header`, laid out as Go's `tabwriter` (padding 3, every cell terminated by a
/// tab) lays out notation's tables: each cell padded to its column's widest plus three spaces,
/// the last cell too.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let header: Vec<String> = header.iter().map(|h| h.to_string()).collect();
    let all: Vec<&Vec<String>> = std::iter::once(&header).chain(rows).collect();
    let columns = header.len();
    let widths: Vec<usize> = (0..columns)
        .map(|i| {
            all.iter()
                .map(|r| r.get(i).map_or(0, |c| c.chars().count()))
                .max()
                .unwrap_or(0)
                + 3
        })
        .collect();
    let mut out = String::new();
    for r in all {
        for (i, w) in widths.iter().enumerate() {
            let cell = r.get(i).map_or("", String::as_str);
            out.push_str(cell);
            out.push_str(&" ".repeat(w - cell.chars().count()));
        }
        out.push('\n');
    }
    out
}
