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

/// notation's whole error for a verification that failed on a trust store missing or holding
/// no certificate (its `CheckVerificationFailure` puts these before any verification
/// headline): `e` or an error behind it is the trust store's.
pub fn trust_store_failure(e: &(dyn std::error::Error + 'static)) -> Option<String> {
    use notary::truststore::{TrustStoreError, TrustStoreErrorKind};
    let mut next = Some(e);
    while let Some(e) = next {
        if let Some(t) = e.downcast_ref::<TrustStoreError>() {
            let (name, store_type) = (&t.name, t.store_type.as_str());
            let what = match t.kind {
                TrustStoreErrorKind::Missing => {
                    format!("the trust store {name:?} of type {store_type:?} does not exist")
                }
                TrustStoreErrorKind::Empty => format!(
                    "no x509 certificates were found in trust store {name:?} of type {store_type:?}"
                ),
                _ => return None,
            };
            return Some(format!(
                "{what}. Use command 'notary cert add' to create and add trusted certificates to the trust store"
            ));
        }
        next = e.source();
    }
    None
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
