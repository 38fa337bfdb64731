//! Media type syntax as Go's `mime.ParseMediaType` reads it, which notation-go applies to a
//! blob's content media type when signing and verifying (`type/subtype` tokens, then
//! `; name=value` parameters with token or quoted-string values).

/// Checks `value` as Go's `mime.ParseMediaType` does; the error says what is wrong.
///
/// ```
/// use notary_core::mediatype::check_media_type;
/// assert!(check_media_type("application/vnd.acme+json; charset=utf-8").is_ok());
/// assert!(check_media_type("a b").is_err());
/// ```
pub fn check_media_type(value: &str) -> Result<(), String> {
    let (base, mut params) = value.split_once(';').unwrap_or((value, ""));
    let base = base.trim();
    let (ty, rest) = take_token(base);
    if ty.is_empty() {
        return Err("no media type".into());
    }
    if !rest.is_empty() {
        let Some(sub) = rest.strip_prefix('/') else {
            return Err("expected slash after first token".into());
        };
        let (subtype, rest) = take_token(sub);
        if subtype.is_empty() {
            return Err("expected token after slash".into());
        }
        if !rest.is_empty() {
            return Err("unexpected content after media subtype".into());
        }
    }
    let mut seen: Vec<String> = Vec::new();
    while !params.trim_start().is_empty() {
        let p = params.trim_start();
        let (name, rest) = take_token(p);
        let Some(rest) = (!name.is_empty())
            .then(|| rest.trim_start().strip_prefix('='))
            .flatten()
        else {
            // A lone trailing `;` is allowed, as in Go.
            if p.trim() == ";" {
                break;
            }
            return Err("invalid media parameter".into());
        };
        let rest = rest.trim_start();
        let rest = match rest.strip_prefix('"') {
            Some(quoted) => quoted_tail(quoted).ok_or("invalid media parameter")?,
            None => {
                let (v, rest) = take_token(rest);
                if v.is_empty() {
                    return Err("invalid media parameter".into());
                }
                rest
            }
        };
        let name = name.to_ascii_lowercase();
        if seen.contains(&name) {
            return Err("duplicate parameter name".into());
        }
        seen.push(name);
        let rest = rest.trim_start();
        params = match rest.strip_prefix(';') {
            Some(r) => r,
            None if rest.is_empty() => "",
            None => return Err("invalid media parameter".into()),
        };
    }
    Ok(())
}

/// RFC 2045 token characters (Go's `isTokenChar`).
fn is_token_char(c: char) -> bool {
    c.is_ascii_graphic() && !"()<>@,;:\\\"/[]?=".contains(c)
}

/// The leading token of `s` and what follows it.
fn take_token(s: &str) -> (&str, &str) {
    let end = s.find(|c| !is_token_char(c)).unwrap_or(s.len());
    s.split_at(end)
}

/// What follows a quoted string whose opening quote is already consumed, or `None` when it does
/// not close (backslash escapes one character).
fn quoted_tail(s: &str) -> Option<&str> {
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '"' => return s.get(i.saturating_add(1)..),
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::check_media_type;

    #[test]
    fn reads_media_types_as_go_does() {
        for ok in [
            "application/octet-stream",
            "text",
            "Text/Plain",
            " text/plain ",
            "text/plain;",
            "text/plain; charset=utf-8",
            "text/plain;charset=\"a;b\\\"c\"; x=y",
            "application/vnd.oci.image.manifest.v1+json",
        ] {
            assert!(check_media_type(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "a b",
            "/plain",
            "text/",
            "text/plain/x",
            "text/pl ain",
            "text/plain; charset",
            "text/plain; charset=",
            "text/plain; a=1; A=2",
            "text/plain; a=\"open",
            "text/plain; a=1 b",
            "tëxt/plain",
        ] {
            assert!(check_media_type(bad).is_err(), "{bad}");
        }
    }
}
