//! Whether an EC point lies on its NIST curve, y² = x³ − 3x + b (mod p), with both coordinates
//! below p: Go's certificate parser refuses a key that does not, so a trust store holding one
//! fails to load in notation, and must here too. Public values only, so no constant-time need.

// BigUint arithmetic cannot overflow; its panics are a zero divisor (p is a non-zero
// constant) and a negative difference (3p − 3x with x < p checked first).
#![allow(clippy::arithmetic_side_effects)]

use num_bigint::BigUint;
use std::sync::OnceLock;

use crate::signature::oid;

/// A short-Weierstrass curve with a = −3: its prime and its b.
struct Curve {
    p: BigUint,
    b: BigUint,
}

fn curve(p: &str, b: &str) -> Curve {
    let parse = |s: &str| BigUint::parse_bytes(s.as_bytes(), 16).unwrap_or_default();
    Curve {
        p: parse(p),
        b: parse(b),
    }
}

fn params(curve_oid: &[u8]) -> Option<&'static Curve> {
    static P224: OnceLock<Curve> = OnceLock::new();
    static P256: OnceLock<Curve> = OnceLock::new();
    static P384: OnceLock<Curve> = OnceLock::new();
    static P521: OnceLock<Curve> = OnceLock::new();
    // SEC 2 / FIPS 186-4 domain parameters.
    Some(match curve_oid {
        oid::P224 => P224.get_or_init(|| {
            curve(
                "ffffffffffffffffffffffffffffffff000000000000000000000001",
                "b4050a850c04b3abf54132565044b0b7d7bfd8ba270b39432355ffb4",
            )
        }),
        oid::P256 => P256.get_or_init(|| {
            curve(
                "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff",
                "5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b",
            )
        }),
        oid::P384 => P384.get_or_init(|| {
            curve(
                "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffe\
                 ffffffff0000000000000000ffffffff",
                "b3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875a\
                 c656398d8a2ed19d2a85c8edd3ec2aef",
            )
        }),
        oid::P521 => P521.get_or_init(|| {
            curve(
                "01ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff\
                 ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
                "0051953eb9618e1c9a1f929a21a0b68540eea2da725b99b315f3b8b489918ef1\
                 09e156193951ec7e937b1652c0bd3bb1bf073573df883d2c34f1ef451fd46b503f00",
            )
        }),
        _ => return None,
    })
}

/// True when `xy` (the two big-endian coordinates of an uncompressed point, each of the
/// curve's length) is a point of the curve named by `curve_oid`. An unknown curve is false.
pub(crate) fn on_curve(curve_oid: &[u8], xy: &[u8]) -> bool {
    let Some(c) = params(curve_oid) else {
        return false;
    };
    let (x, y) = xy.split_at(xy.len() / 2);
    let (x, y) = (BigUint::from_bytes_be(x), BigUint::from_bytes_be(y));
    if x >= c.p || y >= c.p {
        return false;
    }
    let lhs = &y * &y % &c.p;
    // x³ − 3x + b, kept non-negative by adding 3p before subtracting 3x.
    let rhs = ((&x * &x % &c.p) * &x + &c.b + 3u32 * &c.p - 3u32 * &x) % &c.p;
    lhs == rhs
}

#[cfg(test)]
mod tests {
    use super::*;

    // The base points of the curves (SEC 2), which must be on them, and each with y + 1,
    // which must not.
    const BASE: [(&[u8], &str, &str); 4] = [
        (
            oid::P224,
            "b70e0cbd6bb4bf7f321390b94a03c1d356c21122343280d6115c1d21",
            "bd376388b5f723fb4c22dfe6cd4375a05a07476444d5819985007e34",
        ),
        (
            oid::P256,
            "6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296",
            "4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5",
        ),
        (
            oid::P384,
            "aa87ca22be8b05378eb1c71ef320ad746e1d3b628ba79b9859f741e082542a385502f25dbf55296c3a545e3872760ab7",
            "3617de4a96262c6f5d9e98bf9292dc29f8f41dbd289a147ce9da3113b5f0b8c00a60b1ce1d7e819d7a431d7c90ea0e5f",
        ),
        (
            oid::P521,
            "00c6858e06b70404e9cd9e3ecb662395b4429c648139053fb521f828af606b4d3dbaa14b5e77efe75928fe1dc127a2ffa8de3348b3c1856a429bf97e7e31c2e5bd66",
            "011839296a789a3bc0045c8a5fb42c7d1bd998f54449579b446817afbd17273e662c97ee72995ef42640c550b9013fad0761353c7086a272c24088be94769fd16650",
        ),
    ];

    fn point(x: &str, y: &str) -> Vec<u8> {
        let mut v = hex::decode(x).unwrap();
        v.extend(hex::decode(y).unwrap());
        v
    }

    #[test]
    fn base_points_are_on_their_curves_and_neighbours_are_not() {
        for (curve, x, y) in BASE {
            let mut p = point(x, y);
            assert!(on_curve(curve, &p), "{curve:?}");
            *p.last_mut().unwrap() ^= 1;
            assert!(!on_curve(curve, &p), "{curve:?}");
        }
        // A point of one curve is not one of another curve of the same size.
        assert!(!on_curve(oid::P256, &[0u8; 64]));
        assert!(!on_curve(b"\x2a\x03", &point(BASE[1].1, BASE[1].2)));
    }

    #[test]
    fn coordinates_must_be_below_the_prime() {
        // An all-ones x is at least p on every curve here; y is the base point's.
        for (curve, x, y) in BASE {
            let mut p = vec![0xffu8; x.len() / 2];
            p.extend(hex::decode(y).unwrap());
            assert!(!on_curve(curve, &p), "{curve:?}");
        }
    }
}
