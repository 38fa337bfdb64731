#!/usr/bin/env python3
"""Differential run: the full output of `notation inspect` and `notary inspect`, JSON and tree.

    inspects.py NOTARY NOTATION DOCKER_REGISTRY WORKDIR

Builds ~240 artifacts, each with the signatures of one case, by hand: JWS and COSE envelopes
signed by this script with RSA 2048/3072/4096 and EC P-256/384/521 keys (and with another
algorithm than the key's); expiry; the signingAuthority scheme and an unknown one; user metadata
of odd keys and values; extended signed attributes of every JSON and CBOR value type (huge, float
and negative numbers, null, arrays, objects, byte strings, tags, simple values, integer labels),
critical or not, and named like the attributes notation shows itself; odd signing agents;
chains of 1-4 generated certificates with many kinds of names (RDN kinds, multi-valued RDNs,
UTF8/BMP/T61/IA5/Universal strings, escaped characters, control characters, long and empty
names), validity dates from 1950 to 9999 and chain rule breaks; RFC 3161 timestamps from `openssl
ts` (accuracies, imprint hashes) and garbage, empty and foreign ones; JWS and COSE signing times
with nanoseconds, offsets, floats, before 1970 and in 9999; two and five signatures on one
artifact; none; missing and unreadable envelopes; signature manifests with odd or no
annotations. Each is pushed to Distribution 2.8 (`docker-registry`: the referrers tag schema,
so the order of signatures is the tag index's). Both tools inspect the artifact by digest, with
and without `-o json`, under TZ=UTC, Asia/Kolkata and America/St_Johns (Go shows COSE times in
the local time zone, JWS times in the offset they were written with). notary also inspects the
same state written as an OCI image layout (`--oci-layout`); its output must equal its registry
output but for the reference (and the order of several signatures, which a layout does not keep).

notation v1.3.2 has no `--oci-layout` for inspect, hence the registry. It also prints its older
layout, which notary does not print on purpose (README: Deliberate differences from notation;
the interop corpus and notation's main branch have the newer one): in JSON `Signatures`, a
four-space indent, the envelope type as each signature's first member `mediaType`, no
`contentType` among the signed attributes and times without fractional seconds (RFC3339, not
RFC3339Nano); in the tree `media type:` first instead of `signature envelope type:` second,
attribute names as their JSON keys, no content type, and the signed, user defined and unsigned
attributes in Go's random map order (a map: an extended attribute named like a shown one
replaces it). So notary's output is turned into that layout by the fixed rules of `old_json` and
`old_tree` (nothing else changes: every other value is kept byte for byte), the JSON is written
as Go writes it (4-space indent, Go's escapes), the three attribute lists of both trees are
sorted, and the texts must then be equal byte for byte. notary's own JSON must also be exactly
what Go's encoder writes for it. Exit statuses must agree, and when both fail, the `Error:` line
and the signatures the warnings name as skipped (not the reasons' wording). Cases in DIFFERENT
are ones where notary prints something else on purpose (in the views named), those in STRICTER
ones it refuses on purpose; each must still differ. Exits 1 on any mismatch.

    DIFFERENTIAL_ONLY=substring   runs only the cases whose name holds it

Needs python3 with `cryptography` and `cbor2`, and `openssl` (scripts/setup.sh installs them).
"""
import base64
import datetime
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time

import cbor2
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.name import _ASN1Type
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

from common import (COSE_ALG, Report, alg_of, b64u, cert as make_cert, compact, der, environment, raw_sign,
                    ts_reply, tsa_config)

NOTARY, NOTATION, DOCKER_REGISTRY, W = sys.argv[1:5]
import registry_lib as R  # noqa: E402
from registry_lib import COSE, JWS, OCI_MANIFEST, Registry, entry, sha256  # noqa: E402

START = time.time()
ENV = environment(W)
ENV.update(NOTARY_SIGNATURE_CACHE="off", NO_COLOR="1")
for k in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
    ENV.pop(k, None)
os.chdir(W)
R.BINARIES.update(d2=DOCKER_REGISTRY)
R.WORK = W
ONLY = os.environ.get("DIFFERENTIAL_ONLY", "")  # a substring of case names, when debugging
TZS = ("UTC", "Asia/Kolkata", "America/St_Johns")

CTY = "application/vnd.cncf.notary.payload.v1+json"
ST, AST, EXP, SCH = ("io.cncf.notary.signingTime", "io.cncf.notary.authenticSigningTime",
                     "io.cncf.notary.expiry", "io.cncf.notary.signingScheme")
AGENT, TSIG = "io.cncf.notary.signingAgent", "io.cncf.notary.timestampSignature"
UTC = datetime.timezone.utc


def at(*a):
    return datetime.datetime(*a, tzinfo=UTC)


# --- keys and certificates -------------------------------------------------------------------------
KEYS = {"rsa2048": rsa.generate_private_key(65537, 2048), "rsa3072": rsa.generate_private_key(65537, 3072),
        "rsa4096": rsa.generate_private_key(65537, 4096), "ec256": ec.generate_private_key(ec.SECP256R1()),
        "ec384": ec.generate_private_key(ec.SECP384R1()), "ec521": ec.generate_private_key(ec.SECP521R1())}
CA_KEY = ec.generate_private_key(ec.SECP256R1())


def dn(*attrs):
    """A name from (oid, value[, asn1 type]) triples, or lists of them for a multi-valued RDN."""
    def attr(a):
        return x509.NameAttribute(a[0], a[1], _type=a[2]) if len(a) > 2 else x509.NameAttribute(a[0], a[1])
    return x509.Name([x509.RelativeDistinguishedName([attr(x) for x in a]) if isinstance(a, list)
                      else x509.RelativeDistinguishedName([attr(a)]) for a in attrs])


def simple(cn):
    return dn((NameOID.ORGANIZATION_NAME, "inspects"), (NameOID.COMMON_NAME, cn))


ROOT_NAME = simple("inspects root")
ROOT = make_cert(ROOT_NAME, CA_KEY, ROOT_NAME, CA_KEY, ca=True, not_before=at(2020, 1, 1), not_after=at(2040, 1, 1))


def chain(key="ec256", subject=None, n=2, leaf_not_after=None, leaf_not_before=None, issuer_name=None, leaf_kw=None,
          ca_kw=None):
    """DER certificates, leaf first: the leaf of `key` named `subject` under n-2 intermediates
    and the root (n=1: the leaf alone, self-issued by the CA key); `leaf_kw` and `ca_kw` are more
    arguments of common.cert for the leaf and the intermediates."""
    subject = subject or simple("inspects leaf")
    if n == 1:
        return [der(make_cert(subject, KEYS[key], issuer_name or ROOT_NAME, CA_KEY, not_before=leaf_not_before or at(2025, 1, 1),
                              not_after=leaf_not_after or at(2031, 6, 15, 12, 30, 45)))]
    cas, parent_name = [], ROOT_NAME
    for i in range(n - 2):
        name = simple(f"inspects intermediate {i + 1}")
        cas.insert(0, der(make_cert(name, CA_KEY, parent_name, CA_KEY, ca=True, not_before=at(2021, 1, 1),
                                    not_after=at(2039, 1, 1), **(ca_kw or {}))))
        parent_name = name
    leaf = der(make_cert(subject, KEYS[key], issuer_name or parent_name, CA_KEY,
                         not_before=leaf_not_before or at(2025, 1, 1),
                         not_after=leaf_not_after or at(2031, 6, 15, 12, 30, 45), **(leaf_kw or {})))
    return [leaf, *cas, der(ROOT)]


# --- a local TSA (openssl ts) ----------------------------------------------------------------------
TSA_KEY = rsa.generate_private_key(65537, 2048)
TSA_CERT = make_cert(simple("inspects tsa"), TSA_KEY, ROOT_NAME, CA_KEY, eku=None, not_before=at(2024, 1, 1),
                     not_after=at(2036, 1, 1), extra=[(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), True)])
TSA_CFG = {acc: tsa_config(f"{W}/tsa-{i}", TSA_KEY, TSA_CERT, [TSA_CERT, ROOT], accuracy=acc)
           for i, acc in enumerate(("secs:1", None, "millisecs:250"))}


def timestamp_token(signature, accuracy="secs:1", digest="sha256"):
    """The TimeStampToken `openssl ts` issues for `signature`."""
    h = hashlib.new(digest, signature).hexdigest()
    q = subprocess.run(["openssl", "ts", "-query", "-digest", h, f"-{digest}", "-cert", "-no_nonce"],
                       capture_output=True, check=True).stdout
    resp = ts_reply(TSA_CFG[accuracy], q, W)
    with open(f"{W}/resp.tsr", "wb") as f:
        f.write(resp)
    return subprocess.run(["openssl", "ts", "-reply", "-in", f"{W}/resp.tsr", "-token_out"],
                          capture_output=True, check=True).stdout


# --- envelopes -------------------------------------------------------------------------------------
def jws_time(t):
    return t if isinstance(t, str) else t.strftime("%Y-%m-%dT%H:%M:%SZ")


def cose_time(t):
    return t if not isinstance(t, datetime.datetime) else cbor2.CBORTag(1, int(t.timestamp()))


def envelope(subject, fmt="jws", key="ec256", certs=None, signing_time=at(2026, 3, 4, 5, 6, 7), expiry=None,
             scheme="notary.x509", attrs=(), raw_attrs="", agent="notation-go/1.3.2", timestamp=None,
             annotations=None, target=None, unprotected=None, cty=CTY, alg=None):
    """A signed envelope for `subject` (its bytes and media type). `attrs` are (name, value,
    critical) extended attributes, JSON or CBOR values as they are; `raw_attrs` JSON text added to
    the JWS protected header as written; `timestamp` "valid" (a token from the TSA, or a dict of its
    options) or bytes; `target` changes the signed descriptor; `unprotected` the unprotected
    header (a function of it)."""
    k = KEYS[key]
    alg = alg or alg_of(k)
    certs = certs if certs is not None else chain(key)
    desc = {"mediaType": subject["mediaType"], "digest": subject["digest"], "size": subject["size"]}
    if annotations is not None:
        desc["annotations"] = annotations
    if target:
        target(desc)
    sa = scheme == "notary.x509.signingAuthority"
    time_name = AST if sa else ST
    crit = [SCH] + ([AST] if sa else [])
    if fmt == "jws":
        p = {"alg": alg, "crit": crit, "cty": cty, SCH: scheme}
        if signing_time is not None:
            p[time_name] = jws_time(signing_time)
        if expiry is not None:
            p[EXP] = jws_time(expiry)
            crit.append(EXP)
        for name, value, critical in attrs:
            p[name] = value
            if critical:
                crit.append(name)
        text = compact(p)
        if raw_attrs:
            text = text[:-1] + "," + raw_attrs + "}"
        prot, pay = b64u(text.encode()), b64u(compact({"targetArtifact": desc}).encode())
        sig = raw_sign(k, alg, f"{prot}.{pay}".encode())
        h = {"x5c": [base64.b64encode(c).decode() for c in certs]}
        if agent is not None:
            h[AGENT] = agent
        if timestamp is not None:
            tok = timestamp if isinstance(timestamp, bytes) else timestamp_token(sig, **(timestamp if isinstance(timestamp, dict) else {}))
            h[TSIG] = base64.b64encode(tok).decode()
        if unprotected:
            h = unprotected(h)
        return json.dumps({"payload": pay, "protected": prot, "header": h, "signature": b64u(sig)}).encode(), JWS
    p = {1: COSE_ALG[alg], 2: crit, 3: cty, SCH: scheme}
    if signing_time is not None:
        p[time_name] = cose_time(signing_time)
    if expiry is not None:
        p[EXP] = cose_time(expiry)
        crit.append(EXP)
    for name, value, critical in attrs:
        p[name] = value
        if critical:
            crit.append(name)
    pb = cbor2.dumps(p)
    payb = compact({"targetArtifact": desc}).encode()
    sig = raw_sign(k, alg, cbor2.dumps(["Signature1", pb, b"", payb]))
    u = {33: list(certs)}
    if agent is not None:
        u[AGENT] = agent
    if timestamp is not None:
        u[TSIG] = timestamp if isinstance(timestamp, bytes) else timestamp_token(sig, **(timestamp if isinstance(timestamp, dict) else {}))
    if unprotected:
        u = unprotected(u)
    return cbor2.dumps(cbor2.CBORTag(18, [pb, u, payb, sig])), COSE


# --- cases -----------------------------------------------------------------------------------------
CASES = []


def case(label, *sigs, tzs=TZS):
    """A case: the signatures of one artifact, each a dict of `envelope` arguments plus
    `manifest` (the signature manifest's annotations) and `blob` ("missing", or bytes to store as
    the envelope)."""
    CASES.append((label, sigs, tzs))


def both(label, **kw):
    for fmt in ("jws", "cose"):
        case(f"{fmt}: {label}", dict(kw, fmt=fmt))


for key in KEYS:
    both(f"{key} key", key=key)
both("with expiry", expiry=at(2027, 3, 4, 5, 6, 7))
both("expiry before the signing time", expiry=at(2001, 1, 1))
both("signingAuthority scheme", scheme="notary.x509.signingAuthority")
both("signingAuthority scheme with expiry", scheme="notary.x509.signingAuthority", expiry=at(2030, 1, 1))
both("no signing agent", agent=None)
both("empty signing agent", agent="")
both("signing agent unicode", agent="notation-go/1.3.2 ünïcødé ✓ 署名 🚀")
both("signing agent with a newline", agent="agent\nsecond line")
both("signing agent with an escape character", agent="agent\x1b[31mred\x1b[0m")
both("signing agent with <, > and &", agent="<script>&amp;</script>")
both("signing agent very long", agent="x" * 3000)
both("no user metadata")
both("empty user metadata", annotations={})
both("user metadata, many keys", annotations={f"key{i:02d}": f"value {i}" for i in range(25)})
both("user metadata that sorts oddly", annotations={"B": "1", "a": "2", "_": "3", "0": "4", "é": "5", "Z": "6",
                                                    "a.b": "7", "a-b": "8", "ab": "9", "": "empty key"})
both("user metadata unicode", annotations={"ключ": "значение", "键": "值", "emoji🔑": "🚀", "rtl": "\u202eevil"})
both("user metadata empty values", annotations={"a": "", "b": " ", "c": "  padded  "})
both("user metadata with a newline", annotations={"multi": "line one\nline two", "tab": "a\tb"})
both("user metadata with control characters", annotations={"ctl": "\x01\x07\x1b\x7f", "nul": "a\x00b"})
both("user metadata with <, > and &", annotations={"<k>": "a & b <c>", "u2028": "x\u2028y\u2029z"})
both("user metadata with quotes and backslashes", annotations={'q"uote': 'v"al\\ue', "slash/": "/\\/"})
both("user metadata: a notary and an OCI key", annotations={"io.cncf.notary.x": "1",
                                                           "org.opencontainers.image.created": "2026-01-01"})
both("signed descriptor with platform, urls, artifactType, data",
     target=lambda d: d.update(platform={"architecture": "arm64", "os": "linux", "variant": "v8",
                                         "os.version": "10.0", "os.features": ["win32k"]},
                               urls=["https://example.com/a"], artifactType="application/x.test", data="e30="))
both("signed descriptor of another media type and size", target=lambda d: d.update(
    mediaType="application/vnd.oci.image.index.v1+json", size=123456789012))

# extended signed attributes
JSON_VALUES = [("string", "text"), ("empty string", ""), ("integer", 42), ("negative integer", -7),
               ("float", 3.25), ("zero", 0), ("true", True), ("false", False), ("null", None),
               ("array", [1, "two", None, [3]]), ("object", {"b": 1, "a": [True], "c": {"d": "e"}}),
               ("empty array", []), ("empty object", {}), ("unicode string", "väl ✓"),
               ("string with a newline", "a\nb")]
for what, value in JSON_VALUES:
    case(f"jws: extended attribute {what}", dict(fmt="jws", attrs=[("com.example.attr", value, False)]))
    case(f"jws: critical extended attribute {what}", dict(fmt="jws", attrs=[("com.example.attr", value, True)]))
for what, raw in [("huge integer", "123456789012345678901234567890"), ("integer 2^53 + 1", "9007199254740993"),
                  ("float in exponent form", "1.5e300"), ("small float", "1e-7"), ("negative float", "-0.5"),
                  ("integer written as float", "1.0"), ("negative zero", "-0"), ("large round float", "1e21"),
                  ("float 1e20", "100000000000000000000")]:
    case(f"jws: extended attribute {what}", dict(fmt="jws", raw_attrs=f'"com.example.num":{raw}'))
case("jws: many extended attributes", dict(fmt="jws", attrs=[(f"com.example.{c}", i, i % 2 == 0)
                                                            for i, c in enumerate("zyxabcmnq")]))
case("jws: extended attribute named like a shown one", dict(fmt="jws", attrs=[("signingScheme", "other", False),
                                                                              ("contentType", "x", False)]))
CBOR_VALUES = [("text", "text"), ("integer", 42), ("negative integer", -7), ("big integer", 2 ** 64 + 5), ("largest uint64", 2 ** 64 - 1), ("most negative CBOR integer", -(2 ** 64)),
               ("integer below int64", -(2 ** 63) - 1), ("negative bignum", -(2 ** 70)),
               ("float", 3.25), ("float 1.5", 1.5),
               ("true", True), ("null", None), ("undefined", cbor2.undefined),
               ("byte string", b"\x00\x01\xfe\xff"), ("empty byte string", b""),
               ("array", [1, "two", b"\x03"]), ("map", {"b": 1, "a": [True]}), ("map with int keys", {1: "x", -2: "y"}),
               ("tag 0 date", cbor2.CBORTag(0, "2026-01-02T03:04:05Z")), ("tag 1 time", cbor2.CBORTag(1, 1700000000)),
               ("unknown tag", cbor2.CBORTag(4242, "x")), ("simple value", cbor2.CBORSimpleValue(99)),
               ("text with a newline", "a\nb")]
for what, value in CBOR_VALUES:
    case(f"cose: extended attribute {what}", dict(fmt="cose", attrs=[("com.example.attr", value, False)]))
    case(f"cose: critical extended attribute {what}", dict(fmt="cose", attrs=[("com.example.attr", value, True)]))
case("cose: extended attribute with an int label", dict(fmt="cose", attrs=[(77, "seventy-seven", False)]))
case("cose: critical extended attribute with an int label", dict(fmt="cose", attrs=[(77, "seventy-seven", True)]))
case("cose: extended attribute with a negative int label", dict(fmt="cose", attrs=[(-70000, 5, False)]))
case("cose: many extended attributes", dict(fmt="cose", attrs=[(f"com.example.{c}", i, i % 2 == 0)
                                                              for i, c in enumerate("zyxabcmnq")]))

# signing times
for what, t in [("with nanoseconds", "2026-03-04T05:06:07.123456789Z"), ("with milliseconds", "2026-03-04T05:06:07.120Z"),
                ("with an offset", "2026-03-04T05:06:07+05:30"), ("with a negative offset", "2026-03-04T05:06:07-03:30"),
                ("before 1970", "1969-07-20T20:17:40Z"), ("in 9999", "9999-12-31T23:59:59Z"),
                ("single-digit day", "2026-03-04T05:06:07Z")]:
    case(f"jws: signing time {what}", dict(fmt="jws", signing_time=t))
case("jws: expiry with an offset", dict(fmt="jws", expiry="2027-01-01T00:00:00+14:00"))
for what, t in [("a float", cbor2.CBORTag(1, 1772600767.5)), ("before 1970", cbor2.CBORTag(1, -14182940)),
                ("untagged", 1772600767), ("far future", cbor2.CBORTag(1, 253402257600)),
                ("at the end of 9999", cbor2.CBORTag(1, 253402300799))]:
    case(f"cose: signing time {what}", dict(fmt="cose", signing_time=t))
case("cose: expiry a float", dict(fmt="cose", expiry=cbor2.CBORTag(1, 1804136767.25)))

# certificates
both("a chain of one, not self-signed", certs=chain(n=1))
SELF_NAME = simple("inspects self-signed")
both("a self-signed certificate", key="rsa2048", certs=[der(make_cert(SELF_NAME, KEYS["rsa2048"], SELF_NAME, KEYS["rsa2048"],
                                                                      not_before=at(2025, 1, 1), not_after=at(2035, 1, 1)))])
both("a chain of three", certs=chain(n=3))
both("a chain of four", certs=chain(n=4))
both("no certificates", certs=[])
ALL_KINDS = dn((NameOID.COUNTRY_NAME, "DE"), (NameOID.STATE_OR_PROVINCE_NAME, "Bayern"), (NameOID.LOCALITY_NAME, "München"),
               (NameOID.STREET_ADDRESS, "Hauptstraße 1"), (NameOID.POSTAL_CODE, "80331"),
               (NameOID.ORGANIZATION_NAME, "Org"), (NameOID.ORGANIZATIONAL_UNIT_NAME, "Unit A"),
               (NameOID.ORGANIZATIONAL_UNIT_NAME, "Unit B"), (NameOID.SERIAL_NUMBER, "12345"),
               (NameOID.COMMON_NAME, "many kinds"), (NameOID.EMAIL_ADDRESS, "signer@example.com"),
               (NameOID.DOMAIN_COMPONENT, "example"), (NameOID.USER_ID, "uid1"), (NameOID.TITLE, "Dr"),
               (NameOID.GIVEN_NAME, "Given"), (NameOID.SURNAME, "Sur"), (NameOID.PSEUDONYM, "nym"),
               (NameOID.BUSINESS_CATEGORY, "cat"), (NameOID.JURISDICTION_COUNTRY_NAME, "US"),
               (ObjectIdentifier("1.3.6.1.4.1.55738.1"), "private oid"))
both("subject with many attribute kinds", certs=chain(subject=ALL_KINDS))
both("multi-valued RDN", certs=chain(subject=dn([(NameOID.COMMON_NAME, "cn"), (NameOID.ORGANIZATIONAL_UNIT_NAME, "ou"),
                                                 (NameOID.EMAIL_ADDRESS, "a@b.c")], (NameOID.COUNTRY_NAME, "US"))))
both("name with escaped characters", certs=chain(subject=dn(
    (NameOID.COMMON_NAME, ',+"\\<>;#= specials'), (NameOID.ORGANIZATION_NAME, "#hash first"),
    (NameOID.ORGANIZATIONAL_UNIT_NAME, " leading and trailing "))))
both("name with non-ASCII UTF8String", certs=chain(subject=dn((NameOID.COMMON_NAME, "Jürgen Ünïcødé 署名者"),
                                                              (NameOID.ORGANIZATION_NAME, "Ōrg ✓"))))
both("name with a BMPString", certs=chain(subject=dn((NameOID.COMMON_NAME, "bmp Ω name", _ASN1Type.BMPString))))
both("name with a UniversalString", certs=chain(subject=dn((NameOID.COMMON_NAME, "universal", _ASN1Type.UniversalString))))
both("name with a T61String", certs=chain(subject=dn((NameOID.COMMON_NAME, "teletex", _ASN1Type.T61String))))
both("name with an IA5String CN", certs=chain(subject=dn((NameOID.COMMON_NAME, "ia5 name", _ASN1Type.IA5String))))
both("name with control characters", certs=chain(subject=dn((NameOID.COMMON_NAME, "ctl\x07\x1b[1mname\nnext"))))
both("name very long", certs=chain(subject=dn(*[(NameOID.ORGANIZATIONAL_UNIT_NAME, f"unit {i} " + "y" * 60)
                                               for i in range(12)], (NameOID.COMMON_NAME, "z" * 64))))
both("empty subject", certs=chain(subject=x509.Name([])))
both("intermediate with basicConstraints not critical", certs=chain(n=3, ca_kw={"bc_critical": False}))
both("leaf EKU codeSigning and anyExtendedKeyUsage", certs=chain(leaf_kw={"eku": "code+any"}))
both("leaf without key usage", certs=chain(leaf_kw={"ku": False}))
both("leaf EKU serverAuth", certs=chain(leaf_kw={"eku": "server"}))
both("leaf expiring after 2050 (GeneralizedTime)", certs=chain(leaf_not_after=at(2051, 2, 3, 4, 5, 6)))
both("leaf expiring in 9999", certs=chain(leaf_not_after=at(9999, 12, 31, 23, 59, 59)))
both("leaf expired long ago", certs=chain(leaf_not_before=at(1990, 1, 1), leaf_not_after=at(1999, 12, 31, 23, 59, 59)))
both("leaf expiring in 1950 (UTCTime 50)", certs=chain(leaf_not_before=at(1950, 1, 1), leaf_not_after=at(1950, 6, 7, 8, 9, 10)))
both("leaf expiring on a single-digit day", certs=chain(leaf_not_after=at(2030, 2, 1, 0, 0, 0)))

# timestamps
both("timestamp", timestamp="valid")
both("timestamp without accuracy", timestamp={"accuracy": None})
both("timestamp accuracy 250 ms", timestamp={"accuracy": "millisecs:250"})
both("timestamp with SHA-512 imprint", timestamp={"digest": "sha512"})
both("timestamp garbage", timestamp=b"\x00garbage\xff")
both("timestamp empty", timestamp=b"")
both("timestamp of another signature", timestamp=timestamp_token(b"another signature"))

both("unknown signing scheme", scheme="notary.x509.other")
both("RSA 3072 key signing PS256 (not its algorithm)", key="rsa3072", alg="PS256")
both("EC P-384 key signing ES256 (not its algorithm)", key="ec384", alg="ES256")

# several signatures, none, broken ones
case("two signatures, JWS then COSE", dict(fmt="jws"), dict(fmt="cose", key="rsa2048"))
case("five signatures of every kind", dict(fmt="cose", key="ec384"), dict(fmt="jws", key="rsa3072", expiry=at(2028, 1, 1)),
     dict(fmt="jws", annotations={"n": "3"}), dict(fmt="cose", scheme="notary.x509.signingAuthority"),
     dict(fmt="jws", agent=None))
case("no signatures")
case("envelope blob missing", dict(fmt="jws", blob="missing"))
case("envelope not JSON", dict(fmt="jws", blob=b"not an envelope"))
case("envelope not CBOR", dict(fmt="cose", blob=b"\xff\xfe"))
case("good, then missing, then unreadable", dict(fmt="cose"), dict(fmt="jws", blob="missing"),
     dict(fmt="jws", blob=b"{}"))
case("jws: payload of another content type", dict(fmt="jws", cty="application/json"))
case("cose: payload of another content type", dict(fmt="cose", cty="application/json"))
case("jws: no signing time", dict(fmt="jws", signing_time=None))
case("cose: no signing time", dict(fmt="cose", signing_time=None))
case("signature manifest with odd annotations", dict(fmt="jws", manifest={
    "io.cncf.notary.x509chain.thumbprint#S256": "not a list", "x": "\n<y>", "org.opencontainers.image.created": "now"}))
case("signature manifest without annotations", dict(fmt="cose", manifest={}))


# --- building a case ---------------------------------------------------------------------------------
REG = None


def build(i, sigs):
    """Pushes case i to the registry and writes it as an OCI layout; returns (reference, layout
    reference)."""
    repo = f"c{i}"
    s = REG.subject(repo, seed=str(i))
    made = []
    for spec in sigs:
        spec = dict(spec)
        blob, manifest_annotations = spec.pop("blob", None), spec.pop("manifest", None)
        env, mt = envelope(s, **spec)
        if blob == "missing":
            # (Distribution refuses a manifest naming an absent blob: the blob goes after it)
            m = REG.sig_manifest(repo, s, env, mt, annotations=manifest_annotations)
            st, _, _ = REG.req("DELETE", f"/v2/{repo}/blobs/{sha256(env)}")
            assert st == 202, st
        else:
            env = blob if blob is not None else env
            m = REG.sig_manifest(repo, s, env, mt, annotations=manifest_annotations)
        made.append((m, env if blob != "missing" else None, mt))
    if made:
        REG.put_tag_index(repo, s["digest"], [entry(m) for m, _, _ in made])
    # the same state as an OCI image layout
    lay = f"{W}/layout-{i}"
    shutil.rmtree(lay, ignore_errors=True)
    os.makedirs(f"{lay}/blobs/sha256")

    def put(data):
        with open(f"{lay}/blobs/sha256/{sha256(data).split(':')[1]}", "wb") as f:
            f.write(data)
    put(s["raw"])
    put(b"{}")
    put(s["content"])
    index = [{"mediaType": OCI_MANIFEST, "digest": s["digest"], "size": s["size"],
              "annotations": {"org.opencontainers.image.ref.name": "v1"}}]
    for m, env, mt in made:
        put(m["raw"])
        if env is not None:
            put(env)
        index.append({"mediaType": OCI_MANIFEST, "digest": m["digest"], "size": m["size"]})
    with open(f"{lay}/oci-layout", "w") as f:
        f.write('{"imageLayoutVersion":"1.0.0"}')
    with open(f"{lay}/index.json", "w") as f:
        json.dump({"schemaVersion": 2, "manifests": index}, f)
    return f"{REG.host}/{repo}@{s['digest']}", f"{lay}@{s['digest']}"


# --- running and comparing -------------------------------------------------------------------------
def inspect(tool, ref, json_out, tz, layout=False):
    args = [tool, "inspect", *(["--oci-layout"] if layout else ["--insecure-registry"]),
            *(["-o", "json"] if json_out else []), ref]
    p = subprocess.run(args, capture_output=True, env=dict(ENV, TZ=tz), timeout=120)
    err = [l for l in p.stderr.decode(errors="replace").splitlines() if not l.startswith("Warning: This feature")]
    return p.returncode, p.stdout, err


def go_json(obj, indent):
    """`obj` as Go's json.MarshalIndent writes it (HTML characters and U+2028/U+2029 escaped)."""
    text = json.dumps(obj, indent=indent, ensure_ascii=False)
    for c, e in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(c, e)
    return text + "\n"


def no_fraction(text):
    """RFC 3339 times without their fractional seconds, as v1.3.2 writes them (RFC3339, where
    the newer layout writes RFC3339Nano)."""
    return re.sub(r"(T\d\d:\d\d:\d\d)\.\d+", r"\1", text)


def old_json(new):
    """notary's JSON in notation v1.3.2's layout (see the module docs)."""
    sigs = []
    for s in new.get("signatures", []):
        signed = {k: v for k, v in s["signedAttributes"].items() if (k, v) != ("contentType", CTY)}
        for k in ("signingTime", "expiry"):
            if k in signed:
                signed[k] = no_fraction(signed[k])
        ts = s["unsignedAttributes"].get("timestampSignature")
        if ts and "timestamp" in ts:
            ts["timestamp"] = no_fraction(ts["timestamp"])
        sigs.append({"mediaType": s["signatureEnvelopeType"], "digest": s["digest"],
                     "signatureAlgorithm": s["signatureAlgorithm"], "signedAttributes": signed,
                     "userDefinedAttributes": s["userDefinedAttributes"], "unsignedAttributes": s["unsignedAttributes"],
                     "certificates": s["certificates"], "signedArtifact": s["signedArtifact"]})
    return {"mediaType": new["mediaType"], "Signatures": sigs}


NODE = re.compile(r"^((?:│   |    )*)(?:├── |└── )(.*)$")


def parse_tree(text):
    """(header lines, root node) of a tree text; a line that is not a node continues the label
    before it (a value holding a newline)."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    header, i = [], 0
    while i < len(lines) and not (i + 1 < len(lines) and NODE.match(lines[i + 1])):
        header.append(lines[i])
        i += 1
    if i >= len(lines):
        return header, None
    root = [lines[i], []]
    stack = [(-1, root)]
    last = root
    for line in lines[i + 1:]:
        m = NODE.match(line)
        if not m:
            last[0] += "\n" + line
            continue
        depth = len(m.group(1)) // 4
        node = [m.group(2), []]
        while stack[-1][0] >= depth:
            stack.pop()
        stack[-1][1][1].append(node)
        stack.append((depth, node))
        last = node
    return header, root


def render(node, prefix="", top=True):
    out = node[0] + "\n" if top else ""
    for i, c in enumerate(node[1]):
        last = i == len(node[1]) - 1
        out += prefix + ("└── " if last else "├── ") + c[0] + "\n"
        out += render(c, prefix + ("    " if last else "│   "), False)
    return out


RENAMED = {"signing scheme: ": "signingScheme: ", "signing time: ": "signingTime: ", "signing agent: ": "signingAgent: "}


def old_tree(root):
    """notary's tree in notation v1.3.2's layout (see the module docs)."""
    for sig in root[1][0][1] if root[1] else []:
        kids = sig[1]
        envtype = kids[1][0].replace("signature envelope type: ", "media type: ", 1)
        kids[:] = [[envtype, []], kids[0]] + kids[2:]
        for n in kids:
            if n[0] == "signed attributes":
                n[1] = [c for c in n[1] if not c[0].startswith("content type: ")]
            for c in n[1] if n[0] in ("signed attributes", "unsigned attributes") else []:
                for a, b in RENAMED.items():
                    if c[0].startswith(a):
                        c[0] = b + c[0][len(a):]
            if n[0] == "signed attributes":
                # v1.3.2 prints a map: an extended attribute named like a shown one replaces it
                last = {c[0].split(": ", 1)[0]: c for c in n[1]}
                n[1] = [c for c in n[1] if last[c[0].split(": ", 1)[0]] is c]
    return root


def sort_maps(root):
    """The tree with the children of the attribute nodes (printed from Go maps) sorted."""
    for sig in root[1][0][1] if root and root[1] else []:
        for n in sig[1]:
            if n[0] in ("signed attributes", "user defined attributes", "unsigned attributes"):
                n[1].sort(key=lambda c: c[0])
    return root


def tree_text(text, convert):
    header, root = parse_tree(text)
    if root is None:
        return "\n".join(header)
    if convert:
        root = old_tree(root)
    return "\n".join(header) + "\n" + render(sort_maps(root))


def skipped(err):
    """What the stderr says: the Error line and the signatures named in warnings."""
    return ([l for l in err if l.startswith("Error:")],
            sorted(re.findall(r"^Warning: (?:unable to fetch signature|Skipping signature) (sha256:[0-9a-f]+)", l)[0]
                   for l in err if re.match(r"^Warning: (?:unable to fetch|Skipping) signature", l)))


def compare_one(ref, json_out, tz):
    """None when the two outputs agree, else what differs. Also the pair of outcomes."""
    g = inspect(NOTATION, ref, json_out, tz)
    n = inspect(NOTARY, ref, json_out, tz)
    if (g[0] == 0) != (n[0] == 0):
        return f"notation exit {g[0]}, notary exit {n[0]}\n  notation: {g[2][-1:]}\n  notary: {n[2][-1:]}", g, n
    try:
        gs, ns = g[1].decode(), n[1].decode()
    except UnicodeDecodeError as e:
        return f"output not UTF-8: {e}", g, n
    if json_out:
        if not gs and not ns:
            ours = theirs = ""
        elif not gs or not ns:
            return f"one printed nothing:\n--- notation\n{gs}--- notary\n{ns}", g, n
        else:
            new = json.loads(ns)
            if go_json(new, 2) != ns:
                return f"notary's JSON is not as Go writes it:\n{ns}", g, n
            ours, theirs = go_json(old_json(new), 4), gs
    else:
        ours, theirs = tree_text(ns, True), tree_text(gs, False)
    if ours != theirs:
        return diff(theirs, ours), g, n
    if g[0] and skipped(g[2]) != skipped(n[2]):
        return f"stderr differs:\n  notation: {g[2]}\n  notary: {n[2]}", g, n
    return None, g, n


def diff(a, b):
    import difflib
    return "\n".join(difflib.unified_diff(a.split("\n"), b.split("\n"), "notation", "notary (in v1.3.2's layout)",
                                          lineterm="", n=1))


def unordered(out, json_out):
    """An output with its signatures sorted by digest: an OCI layout keeps no order of the
    signatures of an artifact (oras-go keeps them in a map)."""
    try:
        text = out.decode()
    except UnicodeDecodeError:
        return out
    if json_out:
        if not text:
            return text
        v = json.loads(text)
        v.get("signatures", []).sort(key=lambda s: s["digest"])
        return v
    header, root = parse_tree(text)
    if root and root[1]:
        root[1][0][1].sort(key=lambda c: c[0])
    return header, root


# Where notary prints something else on purpose: why (README: Deliberate differences), and in
# which views (the tree only, or all); the other views must still agree.
CONTROLS = ("notary escapes control characters and bidirectional overrides in its text output (a terminal "
            "must not act on what an unverified envelope holds); notation prints them raw", "tree")
DIFFERENT = {f"{fmt}: {what}": CONTROLS for fmt in ("jws", "cose") for what in (
    "signing agent with a newline", "signing agent with an escape character", "user metadata unicode",
    "user metadata with a newline", "user metadata with control characters", "name with control characters")}
DIFFERENT["cose: signing time at the end of 9999"] = (
    "a COSE time whose local date is in year 10000 (9999-12-31T23:59:59Z east of UTC): notary's time type ends "
    "at 9999 and shows it in UTC; notation v1.3.2 prints year 10000 (the newer layout's JSON encoder refuses it)",
    "all")
# Deliberate: a malformed token's parse error is worded by notary's own BER reader (notation:
# "asn1: syntax error: decoding BER length octets: short form length octets value should be less
# or equal to the subsequent octets length", notary: "element extends past end of data"). Both
# show the error in the same place; matching Go's asn1 wording for every malformed input would
# mean reproducing its parser's order of checks.
for fmt in ("jws", "cose"):
    DIFFERENT[f"{fmt}: timestamp garbage"] = ("a malformed token's parse error in notary-timestamp's words", "all")
DIFFERENT.update({"jws: extended attribute string with a newline": CONTROLS,
                  "jws: critical extended attribute string with a newline": CONTROLS,
                  "cose: extended attribute text with a newline": CONTROLS,
                  "cose: critical extended attribute text with a newline": CONTROLS})

# Shown by notation, refused by notary on purpose: the chain rule notary applies (README:
# Deliberate differences; inspect applies the chain rules notation's envelope reader applies,
# and notary's are stricter).
STRICTER = {f"{fmt}: {what}": rule for fmt in ("jws", "cose") for what, rule in (
    ("intermediate with basicConstraints not critical",
     "root and intermediate certificates must carry a critical basicConstraints (signature spec)"),
    ("leaf EKU codeSigning and anyExtendedKeyUsage",
     "anyExtendedKeyUsage is refused on code-signing leaves (signature spec)"))}
# notary's COSE decoder takes only int64 integers (README: go-cose's decoding rules), but
# notation v1.3.2 shows a negative integer below int64 in the protected header as a big.Int
# (`{true [9223372036854775809]}`); to reconsider in crates/notary-envelope-cose/src/cbor.rs.
for what in ("most negative CBOR integer", "integer below int64"):
    for crit in ("", "critical "):
        STRICTER[f"cose: {crit}extended attribute {what}"] = "COSE integers outside int64 are refused"

if __name__ == "__main__":
    REG = Registry("d2")
    report = Report("notation")
    seen = set()
    try:
        for i, (label, sigs, tzs) in enumerate(CASES):
            if ONLY not in label:
                continue
            ref, layout_ref = build(i, sigs)
            problems, outcomes = [], None
            for tz in tzs:
                for json_out in (True, False):
                    view = f"{'json' if json_out else 'tree'}, TZ={tz}"
                    d, g, n = compare_one(ref, json_out, tz)
                    outcomes = outcomes or ((g[0] == 0, (g[2] or [""])[-1]), (n[0] == 0, (n[2] or [""])[-1]))
                    if d:
                        problems.append(f"[{view}] {d}")
                    # the layout: what notary prints for the registry, but for the reference
                    lay = inspect(NOTARY, layout_ref, json_out, tz, layout=True)
                    if (lay[0], unordered(lay[1].replace(layout_ref.encode(), ref.encode()), json_out)) != \
                            (n[0], unordered(n[1], json_out)):
                        problems.append(f"[{view}] notary --oci-layout printed another text than for the registry:\n"
                                        f"{diff(n[1].decode(errors='replace'), lay[1].decode(errors='replace'))}")
            if label in STRICTER:
                seen.add(label)
                others = [p for p in problems if not re.match(r"\[[^]]*\] notation exit 0, notary exit [1-9]", p)]
                if others:
                    report.mismatch(label, f"listed as stricter ({STRICTER[label]}), but:\n{others[0]}")
                else:
                    report.record(label, *outcomes, stricter=STRICTER[label])
            elif label in DIFFERENT:
                seen.add(label)
                why, views = DIFFERENT[label]
                elsewhere = [p for p in problems if views != "all" and not p.startswith(f"[{views}")]
                if elsewhere:
                    report.mismatch(label, f"listed as different in the {views} only ({why}), but:\n" + elsewhere[0])
                elif problems:
                    report.stricter += 1
                    print(f"differs on purpose {label}: {why}")
                else:
                    report.mismatch(label, f"listed as different ({why}) but the outputs agree")
            elif problems:
                report.mismatch(label, "\n".join(problems[:2]) + (f"\n  (and {len(problems) - 2} more views)" if len(problems) > 2 else ""))
            else:
                report.record(label, *outcomes)
        for label in sorted((set(DIFFERENT) | set(STRICTER)) - seen) if not ONLY else []:
            report.mismatch(label, "listed as different but no case of it ran")
    finally:
        REG.stop()
    print(f"({time.time() - START:.0f} s)")
    report.finish("cases", 60)
