//! Human output: notation's tree view of an inspection, and its time format.

use serde_json::Value;

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

/// Go's `time.ANSIC`-like rendering notation uses in tree output (`Tue Jan 21 09:17:46 2025`).
pub fn ansic(rfc3339: &str) -> String {
    let Ok(t) = notary_core::timefmt::parse_rfc3339(rfc3339) else {
        return rfc3339.to_string();
    };
    let fmt = time::format_description::parse(
        "[weekday repr:short] [month repr:short] [day padding:space] [hour]:[minute]:[second] [year]",
    );
    match fmt {
        Ok(f) => t.format(&f).unwrap_or_else(|_| rfc3339.to_string()),
        Err(_) => rfc3339.to_string(),
    }
}

/// A small tree printer: `(label, children)`.
pub struct Node {
    pub label: String,
    pub children: Vec<Node>,
}

impl Node {
    pub fn leaf(label: impl Into<String>) -> Self {
        Self {
            label: label.into(),
            children: Vec::new(),
        }
    }
    pub fn new(label: impl Into<String>, children: Vec<Node>) -> Self {
        Self {
            label: label.into(),
            children,
        }
    }
    pub fn render(&self) -> String {
        let mut out = format!("{}\n", printable(&self.label));
        render_children(&self.children, "", &mut out);
        out
    }
}

/// `s` with control characters and bidirectional overrides written as escapes (`\u{1b}`): an
/// inspected envelope is not verified, and its strings (annotations, the signing agent, names
/// in certificates) must not move the cursor, rewrite the terminal's title or reorder what is
/// printed around them.
pub fn printable(s: &str) -> std::borrow::Cow<'_, str> {
    let unsafe_char =
        |c: char| c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
    if !s.chars().any(unsafe_char) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if unsafe_char(c) {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

fn render_children(children: &[Node], prefix: &str, out: &mut String) {
    for (i, c) in children.iter().enumerate() {
        let last = i + 1 == children.len();
        out.push_str(prefix);
        out.push_str(if last { "└── " } else { "├── " });
        out.push_str(&printable(&c.label));
        out.push('\n');
        let next = format!("{prefix}{}", if last { "    " } else { "│   " });
        render_children(&c.children, &next, out);
    }
}

fn certs_node(certs: Option<&Value>) -> Node {
    let list = certs.and_then(Value::as_array).cloned().unwrap_or_default();
    Node::new(
        "certificates",
        list.iter()
            .map(|c| {
                Node::new(
                    format!(
                        "SHA256 fingerprint: {}",
                        c["SHA256Fingerprint"].as_str().unwrap_or("")
                    ),
                    vec![
                        Node::leaf(format!(
                            "issued to: {}",
                            c["issuedTo"].as_str().unwrap_or("")
                        )),
                        Node::leaf(format!(
                            "issued by: {}",
                            c["issuedBy"].as_str().unwrap_or("")
                        )),
                        Node::leaf(format!(
                            "expiry: {}",
                            ansic(c["expiry"].as_str().unwrap_or(""))
                        )),
                    ],
                )
            })
            .collect(),
    )
}

/// The tree of one signature inspection (`notation inspect` / `blob inspect`).
pub fn signature_tree(label: String, s: &Value) -> Node {
    let mut signed = Vec::new();
    if let Some(m) = s["signedAttributes"].as_object() {
        for (k, v) in m {
            let v = v.as_str().unwrap_or_default();
            let v = if matches!(k.as_str(), "signingTime" | "expiry") {
                ansic(v)
            } else {
                v.to_string()
            };
            let name = match k.as_str() {
                "contentType" => "content type".to_string(),
                "signingScheme" => "signing scheme".to_string(),
                "signingTime" => "signing time".to_string(),
                other => other.to_string(),
            };
            signed.push(Node::leaf(format!("{name}: {v}")));
        }
    }
    let mut user = Vec::new();
    if let Some(m) = s["userDefinedAttributes"].as_object() {
        for (k, v) in m {
            user.push(Node::leaf(format!(
                "{k}: {}",
                v.as_str().unwrap_or_default()
            )));
        }
    }
    let mut unsigned = Vec::new();
    if let Some(a) = s["unsignedAttributes"]["signingAgent"].as_str() {
        unsigned.push(Node::leaf(format!("signing agent: {a}")));
    }
    if let Some(ts) = s["unsignedAttributes"].get("timestampSignature") {
        let mut ch = Vec::new();
        if let Some(e) = ts.get("error").and_then(Value::as_str) {
            ch.push(Node::leaf(format!("error: {e}")));
        }
        if let Some(t) = ts.get("timestamp").and_then(Value::as_str) {
            ch.push(Node::leaf(format!("timestamp: {t}")));
        }
        if ts.get("certificates").is_some() {
            ch.push(certs_node(ts.get("certificates")));
        }
        unsigned.push(Node::new("timestamp signature", ch));
    }
    let art = &s["signedArtifact"];
    Node::new(
        label,
        vec![
            Node::leaf(format!(
                "signature algorithm: {}",
                s["signatureAlgorithm"].as_str().unwrap_or("")
            )),
            Node::leaf(format!(
                "signature envelope type: {}",
                s["signatureEnvelopeType"].as_str().unwrap_or("")
            )),
            Node::new("signed attributes", signed),
            Node::new(
                "user defined attributes",
                if user.is_empty() {
                    vec![Node::leaf("(empty)")]
                } else {
                    user
                },
            ),
            Node::new("unsigned attributes", unsigned),
            certs_node(s.get("certificates")),
            Node::new(
                "signed artifact",
                vec![
                    Node::leaf(format!(
                        "media type: {}",
                        art["mediaType"].as_str().unwrap_or("")
                    )),
                    Node::leaf(format!("digest: {}", art["digest"].as_str().unwrap_or(""))),
                    Node::leaf(format!("size: {}", art["size"])),
                ],
            ),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tree_labels_cannot_carry_terminal_controls() {
        let tree = Node::new(
            "signature",
            vec![Node::leaf(
                "signing agent: \u{1b}]0;pwned\u{7}x\u{202e}y\nz",
            )],
        );
        let text = tree.render();
        assert_eq!(
            text,
            "signature\n└── signing agent: \\u{1b}]0;pwned\\u{7}x\\u{202e}y\\u{a}z\n"
        );
        assert_eq!(printable("plain: é ✓"), "plain: é ✓");
    }
}
