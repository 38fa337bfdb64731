//! BER to DER, the way notation's TSA client converts a TimeStampToken before parsing it
//! (tspclient-go `internal/encoding/asn1/ber`): every definite length, in whatever form it was
//! sent, is re-encoded in the minimal DER form; identifiers and primitive contents are copied as
//! they are. Like notation, indefinite lengths are refused, and nothing else is normalised
//! (constructed strings stay constructed and are then refused by the DER parser).
//!
//! The tree is first decoded into a flat pre-order list so nothing is copied twice and the
//! recursion depth, element count and lengths are all capped.

/// Deepest nesting accepted; real tokens (ContentInfo → certificate extensions) nest ~12 deep.
const MAX_DEPTH: usize = 64;
/// Most elements accepted in one token (64 certificates of a few hundred elements each fit).
const MAX_ELEMENTS: usize = 200_000;
/// Longest identifier (high-tag-number form) accepted.
const MAX_IDENTIFIER: usize = 6;
/// Lengths must fit 31 bits, as in notation.
const MAX_LENGTH: usize = 0x7fff_ffff;

struct Node<'a> {
    identifier: &'a [u8],
    /// Contents of a primitive element; `None` for a constructed one.
    primitive: Option<&'a [u8]>,
    /// Length of the DER contents (for a constructed element, the sum of its members).
    der_len: usize,
}

/// Converts one BER element spanning all of `ber` to DER.
pub(crate) fn to_der(ber: &[u8]) -> Result<Vec<u8>, &'static str> {
    if ber.is_empty() {
        return Err("the token is empty");
    }
    let mut nodes = Vec::new();
    let rest = decode(ber, 0, &mut nodes)?;
    if !rest.is_empty() {
        return Err("unexpected trailing data after the token");
    }
    let total = nodes.first().map_or(Ok(0), encoded_len)?;
    let mut out = Vec::with_capacity(total);
    for n in &nodes {
        out.extend_from_slice(n.identifier);
        push_length(&mut out, n.der_len);
        if let Some(c) = n.primitive {
            out.extend_from_slice(c);
        }
    }
    Ok(out)
}

/// Decodes the element at the start of `input` (and its members) into `nodes`; returns what
/// follows it.
fn decode<'a>(
    input: &'a [u8],
    depth: usize,
    nodes: &mut Vec<Node<'a>>,
) -> Result<&'a [u8], &'static str> {
    if nodes.len() >= MAX_ELEMENTS {
        return Err("too many ASN.1 elements");
    }
    let (identifier, rest) = identifier(input)?;
    let (len, rest) = length(rest)?;
    let (content, after) = rest
        .split_at_checked(len)
        .ok_or("element extends past end of data")?;
    let constructed = identifier.first().is_some_and(|b| b & 0x20 != 0);
    if !constructed {
        nodes.push(Node {
            identifier,
            primitive: Some(content),
            der_len: content.len(),
        });
        return Ok(after);
    }
    if depth >= MAX_DEPTH {
        return Err("ASN.1 elements nested too deeply");
    }
    let index = nodes.len();
    nodes.push(Node {
        identifier,
        primitive: None,
        der_len: 0,
    });
    let mut members = content;
    let mut member_indexes = Vec::new();
    while !members.is_empty() {
        member_indexes.push(nodes.len());
        members = decode(members, depth.saturating_add(1), nodes)?;
    }
    let mut der_len = 0usize;
    for i in member_indexes {
        let size = nodes.get(i).map_or(Ok(0), encoded_len)?;
        der_len = der_len.checked_add(size).ok_or("length overflow")?;
    }
    if let Some(n) = nodes.get_mut(index) {
        n.der_len = der_len;
    }
    Ok(after)
}

/// Size of a node's DER encoding: identifier, length octets and contents.
fn encoded_len(n: &Node<'_>) -> Result<usize, &'static str> {
    n.identifier
        .len()
        .checked_add(length_octets(n.der_len))
        .and_then(|s| s.checked_add(n.der_len))
        .ok_or("length overflow")
}

fn identifier(input: &[u8]) -> Result<(&[u8], &[u8]), &'static str> {
    let first = *input.first().ok_or("unexpected end of data")?;
    let mut len = 1usize;
    if first & 0x1f == 0x1f {
        // High-tag-number form: continuation octets have bit 8 set, the last one does not.
        loop {
            let b = *input.get(len).ok_or("truncated identifier")?;
            len = len.saturating_add(1);
            if len > MAX_IDENTIFIER {
                return Err("identifier too long");
            }
            if b & 0x80 == 0 {
                break;
            }
        }
    }
    input.split_at_checked(len).ok_or("truncated identifier")
}

fn length(input: &[u8]) -> Result<(usize, &[u8]), &'static str> {
    let (&first, rest) = input.split_first().ok_or("missing length")?;
    if first < 0x80 {
        return Ok((usize::from(first), rest));
    }
    if first == 0x80 {
        return Err("indefinite length is not supported (notation refuses it too)");
    }
    let count = usize::from(first & 0x7f);
    if count > 4 {
        return Err("length too large");
    }
    let (octets, rest) = rest.split_at_checked(count).ok_or("truncated length")?;
    // Right-align the (at most four) octets into a big-endian u32.
    let mut be = [0u8; 4];
    let start = be.len().saturating_sub(octets.len());
    for (dst, src) in be.iter_mut().skip(start).zip(octets) {
        *dst = *src;
    }
    let len = usize::try_from(u32::from_be_bytes(be)).map_err(|_| "length too large")?;
    if len > MAX_LENGTH {
        return Err("length too large");
    }
    Ok((len, rest))
}

/// Number of length octets DER uses for `len`.
fn length_octets(len: usize) -> usize {
    if len < 0x80 {
        1
    } else {
        let significant = len.to_be_bytes().iter().skip_while(|&&b| b == 0).count();
        significant.saturating_add(1)
    }
}

fn push_length(out: &mut Vec<u8>, len: usize) {
    if let Ok(short) = u8::try_from(len)
        && short < 0x80
    {
        out.push(short);
        return;
    }
    let bytes = len.to_be_bytes();
    let significant: Vec<u8> = bytes.iter().copied().skip_while(|&b| b == 0).collect();
    // At most size_of::<usize>() octets, so the count fits the low 7 bits.
    out.push(0x80 | u8::try_from(significant.len()).unwrap_or(0x7f));
    out.extend_from_slice(&significant);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_is_unchanged() {
        let der = [0x30, 0x06, 0x02, 0x01, 0x05, 0x04, 0x01, 0xaa];
        assert_eq!(to_der(&der).unwrap(), der);
        let mut long = vec![0x04, 0x81, 0x80];
        long.extend([7u8; 0x80]);
        assert_eq!(to_der(&long).unwrap(), long);
    }

    #[test]
    fn non_minimal_lengths_become_minimal() {
        let ber = [
            0x30, 0x84, 0, 0, 0, 0x0a, 0x02, 0x81, 0x01, 0x05, 0x24, 0x82, 0, 0x02, 0x04, 0x00,
        ];
        assert_eq!(
            to_der(&ber).unwrap(),
            [0x30, 0x07, 0x02, 0x01, 0x05, 0x24, 0x02, 0x04, 0x00]
        );
        // High-tag-number identifiers are kept as they are, as notation does.
        assert_eq!(
            to_der(&[0x1f, 0xa0, 0x20, 0x81, 0x01, 0x01]).unwrap(),
            [0x1f, 0xa0, 0x20, 0x01, 0x01]
        );
    }

    #[test]
    fn malformed_and_hostile_inputs_are_refused() {
        for bad in [
            &[][..],
            &[0x30, 0x80, 0x02, 0x01, 0x05, 0x00, 0x00][..], // indefinite
            &[0x04, 0x85, 0, 0, 0, 0, 1, 0][..],             // 5 length octets
            &[0x04, 0x84, 0x80, 0, 0, 0][..],                // > 2^31
            &[0x04, 0x02, 0x00][..],                         // past the end
            &[0x04, 0x01, 0x00, 0x00][..],                   // trailing data
            &[0x30, 0x03, 0x04, 0x02, 0x00][..],             // member past its parent
            &[0x1f, 0xa0][..],                               // truncated identifier
            &[0x1f, 0x81, 0x81, 0x81, 0x81, 0x81, 0x01, 0x00][..], // identifier too long
        ] {
            assert!(to_der(bad).is_err(), "{bad:02x?}");
        }
        // Nesting past the cap.
        let mut deep = vec![0x05, 0x00];
        for _ in 0..=MAX_DEPTH {
            let mut outer = vec![0x30, 0x84];
            outer.extend(u32::try_from(deep.len()).unwrap().to_be_bytes());
            outer.extend(deep);
            deep = outer;
        }
        assert_eq!(to_der(&deep), Err("ASN.1 elements nested too deeply"));
    }
}
