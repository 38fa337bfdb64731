//! A small strict DER reader for CMS and TSTInfo.

pub(crate) type R<T> = Result<T, String>;

#[derive(Clone, Copy)]
pub(crate) struct Tlv<'a> {
    pub tag: u8,
    pub value: &'a [u8],
    pub raw: &'a [u8],
}

pub(crate) struct Reader<'a> {
    input: &'a [u8],
}

pub(crate) mod tag {
    pub const BOOLEAN: u8 = 0x01;
    pub const INTEGER: u8 = 0x02;
    pub const OCTET_STRING: u8 = 0x04;
    pub const OID: u8 = 0x06;
    pub const SEQUENCE: u8 = 0x30;
    pub const SET: u8 = 0x31;
    pub const GENERALIZED_TIME: u8 = 0x18;
    pub const UTC_TIME: u8 = 0x17;
}

impl<'a> Reader<'a> {
    pub fn new(input: &'a [u8]) -> Self {
        Self { input }
    }

    pub fn is_empty(&self) -> bool {
        self.input.is_empty()
    }

    pub fn peek_tag(&self) -> Option<u8> {
        self.input.first().copied()
    }

    pub fn read_any(&mut self) -> R<Tlv<'a>> {
        let input = self.input;
        let (&t, rest) = input.split_first().ok_or("unexpected end of data")?;
        if t & 0x1f == 0x1f {
            return Err("multi-byte tags are not supported".into());
        }
        let (&first, rest) = rest.split_first().ok_or("unexpected end of data")?;
        let (len, rest) = if first < 0x80 {
            (usize::from(first), rest)
        } else {
            let n = usize::from(first & 0x7f);
            if n == 0 {
                return Err("indefinite lengths are not DER".into());
            }
            if n > 4 || rest.len() < n {
                return Err("bad length".into());
            }
            let len = rest[..n]
                .iter()
                .fold(0usize, |a, &b| (a << 8) | usize::from(b));
            if len < 0x80 || (n > 1 && rest[0] == 0) {
                return Err("non-minimal length".into());
            }
            (len, &rest[n..])
        };
        if rest.len() < len {
            return Err("element extends past end of data".into());
        }
        let header = input.len() - rest.len();
        let raw = &input[..header + len];
        self.input = &rest[len..];
        Ok(Tlv {
            tag: t,
            value: &rest[..len],
            raw,
        })
    }

    pub fn read(&mut self, expected: u8) -> R<Tlv<'a>> {
        let t = self.read_any()?;
        if t.tag != expected {
            return Err(format!(
                "expected tag 0x{expected:02x}, found 0x{:02x}",
                t.tag
            ));
        }
        Ok(t)
    }

    pub fn read_optional(&mut self, expected: u8) -> R<Option<Tlv<'a>>> {
        if self.peek_tag() == Some(expected) {
            self.read(expected).map(Some)
        } else {
            Ok(None)
        }
    }

    pub fn finish(&self) -> R<()> {
        if self.input.is_empty() {
            Ok(())
        } else {
            Err("trailing data".into())
        }
    }
}

pub(crate) fn single(input: &[u8], expected: u8) -> R<Tlv<'_>> {
    let mut r = Reader::new(input);
    let t = r.read(expected)?;
    r.finish()?;
    Ok(t)
}

/// Unsigned value of a small non-negative INTEGER.
pub(crate) fn small_uint(v: &[u8]) -> R<u64> {
    if v.is_empty() || v.len() > 8 || v[0] & 0x80 != 0 {
        return Err("integer out of range".into());
    }
    Ok(v.iter().fold(0u64, |a, &b| (a << 8) | u64::from(b)))
}

/// Dotted text of an OID's content octets.
pub(crate) fn oid_text(content: &[u8]) -> String {
    let mut arcs: Vec<u64> = Vec::new();
    let mut cur = 0u64;
    for &b in content {
        cur = (cur << 7) | u64::from(b & 0x7f);
        if b & 0x80 == 0 {
            if arcs.is_empty() {
                let (a, b) = if cur < 40 {
                    (0, cur)
                } else if cur < 80 {
                    (1, cur - 40)
                } else {
                    (2, cur - 80)
                };
                arcs.push(a);
                arcs.push(b);
            } else {
                arcs.push(cur);
            }
            cur = 0;
        }
    }
    arcs.iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(".")
}

pub(crate) fn push_header(out: &mut Vec<u8>, tag: u8, len: usize) {
    out.push(tag);
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
}
