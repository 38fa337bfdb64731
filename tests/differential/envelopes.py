#!/usr/bin/env python3
"""Differential run: mutated signature envelopes verified by notation-go and by notary.

    envelopes.py NOTARY BLOBPEER WORKDIR

Signs a blob with `notary blob sign` (JWS and COSE, RSA and EC keys), then derives envelopes
from it: re-signed with changed protected headers or payloads, changed unprotected headers or
framing, chains of generated certificates, signingAuthority-scheme envelopes (verified under
a signingAuthority store: authentic signing times inside and outside the chain's validity, the
headers the scheme requires and forbids), and member-level mutants (every header member, label
and payload member deleted, given each JSON or CBOR type, renamed in another case; unknown ones
added). Each is verified by notation-go's verifier
(tests/interop-go/blobpeer) and by `notary blob verify`, and the two outcomes (accepted or
refused) are compared. Every case must agree, except those in STRICTER, where notary refuses on
purpose what notation-go accepts (each with the rule that makes it refuse); a listed case that
stops differing fails too, so the list stays true. Exits 1 on any such mismatch.

Needs python3 with `cryptography` and `cbor2` (scripts/setup.sh installs them).
"""
import base64
import copy
import datetime
import hashlib
import json
import os
import re
import shutil
import sys

import cbor2
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa, utils
from cryptography.x509.oid import NameOID, ObjectIdentifier

from common import (COSE_ALG, HASH, Report, alg_of, b64u, cert as make_cert, compact, der, environment, now, outcome,
                    raw_sign, run, ub64u)

NOTARY, PEER, WORK = sys.argv[1:4]
CFG = f"{WORK}/xdg/notation"
ENV = environment(WORK)
BLOB = f"{WORK}/blob.txt"
STORE = f"{CFG}/truststore/x509/ca/interop"  # the store blobpeer's policy names

# Refused by notary, accepted by notation-go: why (notary-facts.md, the specification).
STRICTER = {
    "jws: unknown top-level member": "JWS spec: no other top-level members",
    "jws: member name in another case": "JSON member names are case-sensitive",
    "jws: duplicate member": "duplicate JSON members are refused",
    "jws: general serialization member": "only the flattened serialization",
    "jws: unknown critical header": "unknown critical attributes must fail (signature spec)",
    "jws: b64 false, critical": "unknown critical attributes must fail",
    "jws: plugin min version alone, critical": "unknown critical attributes must fail",
    "jws: duplicate protected member": "duplicate JSON members are refused",
    "jws: invalid UTF-8 in protected header": "JSON must be UTF-8",
    "jws: payload member in another case": "JSON member names are case-sensitive",
    "jws: duplicate payload member": "duplicate JSON members are refused",
    "cose: x5chain also protected": "x5chain belongs in the unprotected header (notation ignores the protected one)",
    "cose: alg also unprotected": "a label in both headers is ambiguous (RFC 9052)",
    "cose: unknown critical header": "unknown critical attributes must fail",
    "cose: unknown critical int header": "unknown critical attributes must fail",
    "cose: crit lists alg": "crit must not list registered labels 0-8 (COSE spec)",
    "cose: crit lists signingTime": "crit names only must-be-critical and extended headers (as JWS)",
    "cose: crit lists scheme twice": "crit entries are unique (as JWS)",
    "cose: signingTime out of range": "times outside years 1-9999 are refused",
    "cose: authenticSigningTime under notary.x509": "the scheme forbids it (as JWS)",
    "cose: duplicate payload member": "duplicate JSON members are refused",
    "chain: leaf EKU anyExtendedKeyUsage": "signature spec: the leaf EKU must not contain it",
    "chain: leaf EKU codeSigning and anyExtendedKeyUsage": "signature spec: the leaf EKU must not contain it",
    "chain: CA basicConstraints not critical": "signature spec: critical on CA certificates",
    "signingAuthority cose: signingTime as well": "the scheme forbids it (as JWS)",
    "jws: alg also unprotected": "header names in the protected and unprotected headers are disjoint (RFC 7515 §5.2)",
    "jws: x5c also protected": "header names in the protected and unprotected headers are disjoint (RFC 7515 §5.2)",
    "jws: crit unprotected": "crit is only allowed in the protected header (RFC 7515 §4.1.11)",
    "jws: expiry only unprotected": "Notary signed attributes belong in the protected header (as COSE)",
    "cose: counter signature null": "counter signature headers hold COSE_Countersignatures (RFC 9338); go-cose reads null as none",
    "cose: counter signature list holding null": "counter signature headers hold COSE_Countersignatures (RFC 9338); go-cose reads null as none",
}


# The envelopes the others are derived from: both must accept them, or every refusal is suspect.
MUST_ACCEPT = {"jws: as signed by notary", "cose: as signed by notary",
               "chain: EC P-256 leaf, intermediate, root"}


def notary(*args):
    run(ENV, NOTARY, *args)


# --- set-up: keys, trust store, policy, a blob signed by notary -----------------------------------
notary("cert", "generate-test", "rsa", "--default")
notary("cert", "generate-test", "ec", "-b", "256")
os.makedirs(STORE, exist_ok=True)
for k in ("rsa", "ec"):
    with open(f"{CFG}/localkeys/{k}.crt", "rb") as src, open(f"{STORE}/{k}.crt", "wb") as dst:
        dst.write(src.read())
with open(f"{CFG}/trustpolicy.blob.json", "w") as f:
    json.dump({"version": "1.0", "trustPolicies": [{
        "name": "blob", "signatureVerification": {"level": "strict"}, "trustStores": ["ca:interop"],
        "trustedIdentities": ["*"], "globalPolicy": True}]}, f)
with open(BLOB, "w") as f:
    f.write("a blob for the differential run\n")
for k in ("rsa", "ec"):
    for fmt in ("jws", "cose"):
        notary("blob", "sign", "--key", k, "--signature-format", fmt,
               "--signature-directory", f"{WORK}/base-{k}", BLOB)


def key(name):
    with open(f"{CFG}/localkeys/{name}.key", "rb") as f:
        return serialization.load_pem_private_key(f.read(), None)


def base_jws(k):
    with open(f"{WORK}/base-{k}/blob.txt.jws.sig") as f:
        return json.load(f)


def base_cose(k):
    with open(f"{WORK}/base-{k}/blob.txt.cose.sig", "rb") as f:
        return cbor2.loads(f.read()).value


def jws(k, protected=None, payload=None, header=None, prot_raw=None, pay_raw=None,
        sign_alg=None, high_s=False, envelope=None, sig_mut=None, signer=None, chain=None):
    """The base JWS of key `k`, changed and signed again with `signer` (default: k's key)."""
    b = base_jws(k)
    p = json.loads(ub64u(b["protected"]))
    if protected:
        protected(p)
    prot = prot_raw if prot_raw is not None else b64u(compact(p).encode())
    pl = json.loads(ub64u(b["payload"]))
    if payload:
        payload(pl)
    pay = pay_raw if pay_raw is not None else b64u(compact(pl).encode())
    sk = signer or key(k)
    alg = sign_alg or (p.get("alg") if p.get("alg") in HASH else alg_of(sk))
    sig = b64u(raw_sign(sk, alg, f"{prot}.{pay}".encode(), high_s))
    if sig_mut:
        sig = sig_mut(sig)
    h = copy.deepcopy(b["header"])
    if chain is not None:
        h["x5c"] = [base64.b64encode(c).decode() for c in chain]
    if header:
        h = header(h)
    env = {"payload": pay, "protected": prot, "header": h, "signature": sig}
    if envelope:
        env = envelope(env)
    return env if isinstance(env, bytes) else json.dumps(env).encode()


def cose(k, protected=None, unprotected=None, payload=None, prot_raw=None, encode=None,
         sign_alg=None, high_s=False, sig_mut=None, signer=None, chain=None):
    """The base COSE_Sign1 of key `k`, changed and signed again."""
    prot_b, unprot, pay, _ = base_cose(k)
    p = cbor2.loads(prot_b)
    if protected:
        protected(p)
    pb = prot_raw if prot_raw is not None else cbor2.dumps(p, canonical=True, datetime_as_timestamp=True)
    pl = json.loads(pay)
    if payload:
        pl = payload(pl)
    payb = pl if isinstance(pl, bytes) else compact(pl).encode()
    sk = signer or key(k)
    by_value = {v: a for a, v in COSE_ALG.items()}
    alg = sign_alg or by_value.get(p.get(1) if isinstance(p.get(1), int) else None, alg_of(sk))
    sig = raw_sign(sk, alg, cbor2.dumps(["Signature1", pb, b"", payb]), high_s)
    if sig_mut:
        sig = sig_mut(sig)
    u = dict(unprot)
    if chain is not None:
        u[33] = list(chain)
    if unprotected:
        u = unprotected(u)
    parts = [pb, u, payb, sig]
    return encode(parts) if encode else cbor2.dumps(cbor2.CBORTag(18, parts))


def wide(o):
    """CBOR with every integer, length and tag number in the four-byte argument form: valid
    CBOR, not the shortest, as some streaming encoders write it."""
    def head(major, n):
        return bytes([major << 5 | 26]) + n.to_bytes(4, "big")
    if isinstance(o, datetime.datetime):
        return head(6, 1) + wide(int(o.timestamp()))
    if isinstance(o, bool) or o is None:
        return cbor2.dumps(o)
    if isinstance(o, int):
        return head(0, o) if o >= 0 else head(1, -1 - o)
    if isinstance(o, bytes):
        return head(2, len(o)) + o
    if isinstance(o, str):
        return head(3, len(o.encode())) + o.encode()
    if isinstance(o, list):
        return head(4, len(o)) + b"".join(wide(x) for x in o)
    if isinstance(o, dict):
        return head(5, len(o)) + b"".join(wide(k) + wide(v) for k, v in o.items())
    if isinstance(o, cbor2.CBORTag):
        return head(6, o.tag) + wide(o.value)
    raise TypeError(o)


def as_written_by(text, escapes):
    """JSON text with characters escaped as other serializers write them (`escapes`: char ->
    escape): .NET's System.Text.Json writes `+` as \u002B, Java's as-is writers `/` as \/."""
    for c, e in escapes.items():
        text = text.replace(c, e)
    return text


DOTNET, SLASHES = {"+": "\\u002B"}, {"/": "\\/"}

CASES = []


def case(name, fmt, build):
    CASES.append((name, fmt, build))


def setk(name, value):
    return lambda d: d.__setitem__(name, value)


def also(*fs):
    def run(d):
        for f in fs:
            f(d)
    return run


def crit(name):
    return lambda p: p["crit" if "crit" in p else 2].append(name)


ST, AST, EXP, SCH = ("io.cncf.notary.signingTime", "io.cncf.notary.authenticSigningTime",
                     "io.cncf.notary.expiry", "io.cncf.notary.signingScheme")
GO_ZERO = -62135596800


def reordered(k):
    p = cbor2.loads(base_cose(k)[0])
    return cbor2.dumps(dict(reversed(list(p.items()))), datetime_as_timestamp=True)


for k in ("rsa", "ec"):
    A = "PS256" if k == "rsa" else "ES256"
    pre = f"{k} "
    # --- JWS: framing and unprotected header (the signature stays valid) --------------------------
    J = [
        ("jws: as signed by notary", {}),
        ("jws: unknown top-level member", dict(envelope=lambda e: dict(e, foo=1))),
        ("jws: member name in another case", dict(envelope=lambda e: {("Payload" if n == "payload" else n): v for n, v in e.items()})),
        ("jws: duplicate member", dict(envelope=lambda e: ('{"payload":"e30",' + json.dumps(e)[1:]).encode())),
        ("jws: general serialization member", dict(envelope=lambda e: dict(e, signatures=[]))),
        ("jws: unprotected unknown member", dict(header=lambda h: dict(h, foo="bar"))),
        ("jws: no signingAgent", dict(header=lambda h: {"x5c": h["x5c"]})),
        ("jws: signingAgent null", dict(header=lambda h: dict(h, **{"io.cncf.notary.signingAgent": None}))),
        ("jws: timestampSignature null", dict(header=lambda h: dict(h, **{"io.cncf.notary.timestampSignature": None}))),
        ("jws: x5c null", dict(header=lambda h: dict(h, x5c=None))),
        ("jws: x5c not an array", dict(header=lambda h: dict(h, x5c=h["x5c"][0]))),
        ("jws: x5c base64url", dict(header=lambda h: dict(h, x5c=[b64u(base64.b64decode(c)) for c in h["x5c"]]))),
        ("jws: x5c with a line break", dict(header=lambda h: dict(h, x5c=[c[:10] + "\n" + c[10:] for c in h["x5c"]]))),
        ("jws: x5c empty", dict(header=lambda h: dict(h, x5c=[]))),
        ("jws: x5c leaf twice", dict(header=lambda h: dict(h, x5c=h["x5c"] * 2))),
        ("jws: timestampSignature not a token", dict(header=lambda h: dict(h, **{"io.cncf.notary.timestampSignature": "AAAA"}))),
        ("jws: no unprotected header", dict(envelope=lambda e: {n: v for n, v in e.items() if n != "header"})),
        ("jws: x5c only in the protected header", dict(protected=lambda p: p.__setitem__("x5c", base_jws(k)["header"]["x5c"]), header=lambda h: {})),
        ("jws: signature padded", dict(sig_mut=lambda s: s + "=" * (-len(s) % 4 or 2))),
        ("jws: trailing whitespace", dict(envelope=lambda e: json.dumps(e).encode() + b"\n ")),
        ("jws: trailing data", dict(envelope=lambda e: json.dumps(e).encode() + b"{}")),
        ("jws: compact serialization", dict(envelope=lambda e: f'{e["protected"]}.{e["payload"]}.{e["signature"]}'.encode())),
        # --- JWS: protected header, signed again ---------------------------------------------------
        ("jws: unknown header, not critical", dict(protected=setk("foo", "bar"))),
        ("jws: unknown critical header", dict(protected=also(setk("foo", "bar"), crit("foo")))),
        ("jws: crit names an absent header", dict(protected=crit("foo"))),
        ("jws: crit lists alg", dict(protected=crit("alg"))),
        ("jws: crit lists signingTime", dict(protected=crit(ST))),
        ("jws: crit lists scheme twice", dict(protected=crit(SCH))),
        ("jws: crit empty", dict(protected=setk("crit", []))),
        ("jws: crit missing", dict(protected=lambda p: p.pop("crit"))),
        ("jws: crit not an array", dict(protected=setk("crit", SCH))),
        ("jws: signingTime with nanoseconds", dict(protected=lambda p: p.__setitem__(ST, p[ST][:-1] + ".123456789Z"))),
        ("jws: signingTime with an offset", dict(protected=setk(ST, "2026-12-03T09:00:00+08:00"))),
        ("jws: signingTime lower-case t and z", dict(protected=setk(ST, "2026-12-03t01:00:00z"))),
        ("jws: signingTime with a space", dict(protected=setk(ST, "2026-12-03 01:00:00Z"))),
        ("jws: signingTime without zone", dict(protected=setk(ST, "2026-12-03T01:00:00"))),
        ("jws: signingTime a number", dict(protected=setk(ST, 1796000000))),
        ("jws: signingTime at Go's zero time", dict(protected=setk(ST, "0001-01-01T00:00:00Z"))),
        ("jws: signingTime at Go's zero time, other offset", dict(protected=setk(ST, "0001-01-01T01:00:00+01:00"))),
        ("jws: signingTime in the future", dict(protected=setk(ST, "2099-01-01T00:00:00Z"))),
        ("jws: signingTime leap second", dict(protected=setk(ST, "2016-12-31T23:59:60Z"))),
        ("jws: signingTime missing", dict(protected=lambda p: p.pop(ST))),
        ("jws: authenticSigningTime under notary.x509", dict(protected=setk(AST, "2026-12-03T01:00:00Z"))),
        ("jws: expiry ahead, critical", dict(protected=also(setk(EXP, "2099-01-01T00:00:00Z"), crit(EXP)))),
        ("jws: expiry ahead, not critical", dict(protected=setk(EXP, "2099-01-01T00:00:00Z"))),
        ("jws: expiry passed", dict(protected=also(setk(EXP, "2020-01-01T00:00:00Z"), crit(EXP)))),
        ("jws: expiry at Go's zero time, not critical", dict(protected=setk(EXP, "0001-01-01T00:00:00Z"))),
        ("jws: expiry at Go's zero time, critical", dict(protected=also(setk(EXP, "0001-01-01T00:00:00Z"), crit(EXP)))),
        ("jws: signingAuthority scheme", dict(protected=setk(SCH, "notary.x509.signingAuthority"))),
        ("jws: unknown scheme", dict(protected=setk(SCH, "notary.x509.foo"))),
        ("jws: other content type", dict(protected=setk("cty", "application/json"))),
        ("jws: content type missing", dict(protected=lambda p: p.pop("cty"))),
        ("jws: content type with parameters", dict(protected=setk("cty", "application/vnd.cncf.notary.payload.v1+json; charset=utf-8"))),
        ("jws: alg none", dict(protected=setk("alg", "none"), sign_alg=A)),
        ("jws: alg lower case", dict(protected=setk("alg", A.lower()), sign_alg=A)),
        ("jws: alg member in another case", dict(protected=lambda p: p.__setitem__("Alg", p.pop("alg")), sign_alg=A)),
        ("jws: typ, kid and jku", dict(protected=also(setk("typ", "JWT"), setk("kid", "x"), setk("jku", "http://127.0.0.1:1/")))),
        ("jws: b64 false, critical", dict(protected=also(setk("b64", False), crit("b64")))),
        ("jws: verification plugin, critical", dict(protected=also(setk("io.cncf.notary.verificationPlugin", "nope"), crit("io.cncf.notary.verificationPlugin")))),
        ("jws: plugin min version alone, critical", dict(protected=also(setk("io.cncf.notary.verificationPluginMinVersion", "1.0.0"), crit("io.cncf.notary.verificationPluginMinVersion")))),
        ("jws: duplicate protected member", dict(prot_raw=b64u(('{"alg":"none",' + compact(json.loads(ub64u(base_jws(k)["protected"])))[1:]).encode()))),
        ("jws: protected header pretty-printed", dict(prot_raw=b64u(json.dumps(json.loads(ub64u(base_jws(k)["protected"])), indent=2).encode()))),
        ("jws: protected header padded", dict(prot_raw=base64.urlsafe_b64encode(json.dumps(json.loads(ub64u(base_jws(k)["protected"]))).encode()).decode())),
        ("jws: protected header an array", dict(prot_raw=b64u(b"[]"))),
        ("jws: invalid UTF-8 in protected header", dict(prot_raw=b64u(compact(json.loads(ub64u(base_jws(k)["protected"])))[:-1].encode() + b',"x":"\xff"}'))),
        # Envelopes as other JSON serializers write them (Go reads every form).
        ("jws: protected header escaped as System.Text.Json writes it", dict(prot_raw=b64u(as_written_by(compact(json.loads(ub64u(base_jws(k)["protected"]))), DOTNET).encode()))),
        ("jws: protected header with escaped slashes", dict(prot_raw=b64u(as_written_by(compact(json.loads(ub64u(base_jws(k)["protected"]))), SLASHES).encode()))),
        ("jws: payload escaped as System.Text.Json writes it", dict(pay_raw=b64u(as_written_by(compact(json.loads(ub64u(base_jws(k)["payload"]))), DOTNET).encode()))),
        ("jws: payload with escaped slashes", dict(pay_raw=b64u(as_written_by(compact(json.loads(ub64u(base_jws(k)["payload"]))), SLASHES).encode()))),
        ("jws: envelope escaped as System.Text.Json writes it", dict(envelope=lambda e: as_written_by(json.dumps(e), DOTNET).encode())),
        ("jws: envelope with escaped slashes", dict(envelope=lambda e: as_written_by(json.dumps(e), SLASHES).encode())),
        ("jws: envelope members reversed", dict(envelope=lambda e: dict(reversed(list(e.items()))))),
        ("jws: envelope pretty-printed", dict(envelope=lambda e: json.dumps(e, indent=2).encode())),
        ("jws: payload size 6.0", dict(pay_raw=b64u(re.sub(r'"size":(\d+)', r'"size":\1.0', compact(json.loads(ub64u(base_jws(k)["payload"])))).encode()))),
        ("jws: payload size in exponent form", dict(pay_raw=b64u(re.sub(r'"size":(\d+)', r'"size":\1e0', compact(json.loads(ub64u(base_jws(k)["payload"])))).encode()))),
        ("jws: escaped member name", dict(prot_raw=b64u(compact(json.loads(ub64u(base_jws(k)["protected"]))).replace('"alg"', '"\\u0061lg"').encode()))),
        # --- JWS: payload ---------------------------------------------------------------------------
        ("jws: payload unknown member", dict(payload=setk("foo", 1))),
        ("jws: payload descriptor extras", dict(payload=lambda p: p["targetArtifact"].update(urls=["http://x"], artifactType="x/y"))),
        ("jws: payload annotations not text", dict(payload=lambda p: p["targetArtifact"].__setitem__("annotations", {"a": 1}))),
        ("jws: payload digest upper case", dict(payload=lambda p: p["targetArtifact"].__setitem__("digest", "sha256:" + p["targetArtifact"]["digest"][7:].upper()))),
        ("jws: payload size a string", dict(payload=lambda p: p["targetArtifact"].__setitem__("size", "6"))),
        ("jws: payload size negative", dict(payload=lambda p: p["targetArtifact"].__setitem__("size", -1))),
        ("jws: payload member in another case", dict(payload=lambda p: p.__setitem__("TargetArtifact", p.pop("targetArtifact")))),
        ("jws: duplicate payload member", dict(pay_raw=b64u(b'{"targetArtifact":{"digest":"sha256:00","mediaType":"x","size":1},' + compact(json.loads(ub64u(base_jws(k)["payload"]))).encode()[1:]))),
        ("jws: payload not JSON", dict(pay_raw=b64u(b"hello"))),
        ("jws: payload with whitespace", dict(pay_raw=b64u(b" " + ub64u(base_jws(k)["payload"]) + b"\n"))),
        # Found by a review (2026-12-05), each refused by every notation-go release.
        ("jws: signingTime written with an escape", dict(prot_raw=b64u(re.sub(r'"(\d{4})-', r'"\1\\u002d', compact(json.loads(ub64u(base_jws(k)["protected"])))).encode()))),
        ("jws: expiry written with an escape", dict(prot_raw=b64u(compact(dict(json.loads(ub64u(base_jws(k)["protected"])), **{EXP: "2099-01-01T00:00:00Z", "crit": [SCH, EXP]})).replace("2099-", "2099\\u002d").encode()))),
        ("jws: payload data not base64", dict(payload=lambda p: p["targetArtifact"].__setitem__("data", "!!"))),
        ("jws: payload data unpadded", dict(payload=lambda p: p["targetArtifact"].__setitem__("data", "e30"))),
        ("jws: payload data padded", dict(payload=lambda p: p["targetArtifact"].__setitem__("data", "e30="))),
        ("jws: payload platform a string", dict(payload=lambda p: p["targetArtifact"].__setitem__("platform", "linux"))),
        ("jws: payload platform os a number", dict(payload=lambda p: p["targetArtifact"].__setitem__("platform", {"os": 5, "architecture": "amd64"}))),
        ("jws: payload platform", dict(payload=lambda p: p["targetArtifact"].__setitem__("platform", {"os": "linux", "architecture": "amd64", "x": 1}))),
        # Found by a review (2026-12-06): accepted by notation-go, refused by notary (STRICTER).
        ("jws: alg also unprotected", dict(header=lambda h: dict(h, alg="none"))),
        ("jws: x5c also protected", dict(protected=lambda p: p.__setitem__("x5c", base_jws(k)["header"]["x5c"]))),
        ("jws: crit unprotected", dict(header=lambda h: dict(h, crit=["foo"]))),
        ("jws: expiry only unprotected", dict(header=lambda h: dict(h, **{EXP: "2020-01-01T00:00:00Z"}))),
    ]
    if k == "ec":
        J += [("jws: high S", dict(high_s=True)),
              ("jws: ECDSA signature DER-encoded", dict(sig_mut=lambda s: b64u(utils.encode_dss_signature(int.from_bytes(ub64u(s)[:32], "big"), int.from_bytes(ub64u(s)[32:], "big"))))),
              ("jws: ECDSA r = 0", dict(sig_mut=lambda s: b64u(bytes(32) + ub64u(s)[32:])))]
    for name, kw in J:
        case(pre + name, "jws", lambda k=k, kw=kw: jws(k, **kw))
    # --- COSE ------------------------------------------------------------------------------------
    leafchain = lambda k=k: base_cose(k)[1][33]
    C = [
        ("cose: as signed by notary", {}),
        ("cose: untagged", dict(encode=lambda a: cbor2.dumps(a))),
        ("cose: self-described", dict(encode=lambda a: cbor2.dumps(cbor2.CBORTag(55799, cbor2.CBORTag(18, a))))),
        ("cose: COSE_Sign tag", dict(encode=lambda a: cbor2.dumps(cbor2.CBORTag(98, a)))),
        ("cose: trailing byte", dict(encode=lambda a: cbor2.dumps(cbor2.CBORTag(18, a)) + b"\x00")),
        ("cose: indefinite-length array", dict(encode=lambda a: (lambda b: b[:1] + b"\x9f" + b[2:] + b"\xff")(cbor2.dumps(cbor2.CBORTag(18, a))))),
        ("cose: unknown unprotected labels", dict(unprotected=lambda u: {**u, "foo": 1, 99: b"x"})),
        ("cose: x5chain a single bstr", dict(unprotected=lambda u: {**u, 33: u[33][0]})),
        ("cose: x5chain empty", dict(unprotected=lambda u: {**u, 33: []})),
        ("cose: x5chain only protected", dict(protected=lambda p: p.__setitem__(33, leafchain()), unprotected=lambda u: {n: v for n, v in u.items() if n != 33})),
        ("cose: x5chain also protected", dict(protected=lambda p: p.__setitem__(33, leafchain()))),
        ("cose: signingAgent not text", dict(unprotected=lambda u: {**u, "io.cncf.notary.signingAgent": 5})),
        ("cose: timestampSignature not bytes", dict(unprotected=lambda u: {**u, "io.cncf.notary.timestampSignature": "x"})),
        ("cose: alg also unprotected", dict(unprotected=lambda u: {**u, 1: -7})),
        ("cose: crit unprotected", dict(unprotected=lambda u: {**u, 2: ["x"]})),
        ("cose: no unprotected headers", dict(unprotected=lambda u: {})),
        ("cose: detached payload", dict(encode=lambda a: cbor2.dumps(cbor2.CBORTag(18, [a[0], a[1], None, a[3]])))),
        ("cose: unknown header, not critical", dict(protected=setk("foo", "bar"))),
        ("cose: unknown critical header", dict(protected=also(setk("foo", "bar"), crit("foo")))),
        ("cose: unknown critical int header", dict(protected=also(setk(77, "bar"), crit(77)))),
        ("cose: crit names an absent header", dict(protected=crit("foo"))),
        ("cose: crit lists alg", dict(protected=crit(1))),
        ("cose: crit lists signingTime", dict(protected=crit(ST))),
        ("cose: crit lists scheme twice", dict(protected=crit(SCH))),
        ("cose: crit empty", dict(protected=setk(2, []))),
        ("cose: crit missing", dict(protected=lambda p: p.pop(2))),
        ("cose: signingTime untagged", dict(protected=lambda p: p.__setitem__(ST, int(p[ST].timestamp())))),
        ("cose: signingTime tag 0", dict(protected=setk(ST, cbor2.CBORTag(0, "2026-12-03T01:00:00Z")))),
        ("cose: signingTime text", dict(protected=setk(ST, "2026-12-03T01:00:00Z"))),
        ("cose: signingTime tag 1 float", dict(protected=lambda p: p.__setitem__(ST, cbor2.CBORTag(1, p[ST].timestamp() + 0.5)))),
        ("cose: signingTime before 1970", dict(protected=setk(ST, cbor2.CBORTag(1, -5)))),
        ("cose: signingTime out of range", dict(protected=setk(ST, cbor2.CBORTag(1, 2 ** 62)))),
        ("cose: signingTime at Go's zero time", dict(protected=setk(ST, cbor2.CBORTag(1, GO_ZERO)))),
        ("cose: signingTime missing", dict(protected=lambda p: p.pop(ST))),
        ("cose: authenticSigningTime under notary.x509", dict(protected=setk(AST, cbor2.CBORTag(1, 1796000000)))),
        ("cose: expiry ahead, critical", dict(protected=also(setk(EXP, cbor2.CBORTag(1, 4000000000)), crit(EXP)))),
        ("cose: expiry ahead, not critical", dict(protected=setk(EXP, cbor2.CBORTag(1, 4000000000)))),
        ("cose: expiry passed", dict(protected=also(setk(EXP, cbor2.CBORTag(1, 1600000000)), crit(EXP)))),
        ("cose: expiry at Go's zero time", dict(protected=also(setk(EXP, cbor2.CBORTag(1, GO_ZERO)), crit(EXP)))),
        # Found by a review (2026-12-05), each refused by every notation-go release.
        ("cose: expiry at Go's zero time, not critical", dict(protected=setk(EXP, cbor2.CBORTag(1, GO_ZERO)))),
        ("cose: extended attribute tag 1 of text", dict(protected=setk("com.example.t", cbor2.CBORTag(1, "x")))),
        ("cose: extended attribute tag 0 not a date", dict(protected=setk("com.example.t", cbor2.CBORTag(0, "yesterday")))),
        ("cose: extended attribute tag 2 of an integer", dict(protected=setk("com.example.t", cbor2.CBORTag(2, 5)))),
        ("cose: extended attribute tag 0 date", dict(protected=setk("com.example.t", cbor2.CBORTag(0, "2026-12-05T00:00:00Z")))),
        ("cose: payload data not base64", dict(payload=lambda p: (p["targetArtifact"].__setitem__("data", "!!"), p)[1])),
        ("cose: content type a number", dict(protected=setk(3, 50))),
        ("cose: other content type", dict(protected=setk(3, "application/json"))),
        ("cose: content type missing", dict(protected=lambda p: p.pop(3))),
        ("cose: alg as text", dict(protected=setk(1, A), sign_alg=A)),
        ("cose: scheme a number", dict(protected=setk(SCH, 1))),
        ("cose: signingAuthority scheme", dict(protected=setk(SCH, "notary.x509.signingAuthority"))),
        ("cose: protected map in another order", dict(prot_raw=reordered(k))),
        ("cose: protected header empty", dict(prot_raw=b"")),
        ("cose: protected map indefinite", dict(prot_raw=(lambda b: b"\xbf" + b[1:] + b"\xff")(base_cose(k)[0]))),
        ("cose: protected map duplicate key", dict(prot_raw=(lambda b: bytes([b[0] + 1]) + b[1:] + cbor2.dumps(SCH) + cbor2.dumps("notary.x509"))(base_cose(k)[0]))),
        ("cose: protected trailing byte", dict(prot_raw=base_cose(k)[0] + b"\x00")),
        ("cose: payload unknown member", dict(payload=lambda p: dict(p, foo=1))),
        ("cose: payload with whitespace", dict(payload=lambda p: b" " + json.dumps(p).encode())),
        ("cose: duplicate payload member", dict(payload=lambda p: b'{"targetArtifact":{"digest":"sha256:00","mediaType":"x","size":1},' + json.dumps(p).encode()[1:])),
        ("cose: empty signature", dict(sig_mut=lambda s: b"")),
        # COSE_Sign1 as other CBOR encoders write it.
        ("cose: protected header in wide integers", dict(prot_raw=wide(cbor2.loads(base_cose(k)[0])))),
        ("cose: lengths in wide form", dict(encode=lambda a: b"\xd2\x84" + b"".join(wide(x) for x in a))),
        ("cose: unprotected map in wide form", dict(encode=lambda a: b"\xd2\x84" + cbor2.dumps(a[0]) + wide(a[1]) + cbor2.dumps(a[2]) + cbor2.dumps(a[3]))),
        ("cose: tag and array head in wide form", dict(encode=lambda a: wide(cbor2.CBORTag(18, a)))),
        ("cose: signature length in wide form", dict(encode=lambda a: b"\xd2\x84" + cbor2.dumps(a[0]) + cbor2.dumps(a[1]) + cbor2.dumps(a[2]) + wide(a[3]))),
        # Found by a review (2026-12-06), each refused by every notation-go release (RFC 9052
        # §3.1, and go-cose's header rules applied inside each countersignature).
        ("cose: IV protected, Partial IV unprotected", dict(protected=setk(5, b"\x01" * 16), unprotected=lambda u: {**u, 6: b"\x01"})),
        ("cose: Partial IV protected, IV unprotected", dict(protected=setk(6, b"\x01"), unprotected=lambda u: {**u, 5: b"\x01" * 16})),
        ("cose: countersignature kid as text", dict(unprotected=lambda u: {**u, 11: [cbor2.dumps({4: "text"}), {}, b"\x01"]})),
        ("cose: countersignature crit unprotected", dict(unprotected=lambda u: {**u, 11: [b"", {2: [1]}, b"\x01"]})),
        ("cose: countersignature crit names an absent label", dict(unprotected=lambda u: {**u, 11: [cbor2.dumps({1: -7, 2: [4]}), {}, b"\x01"]})),
        ("cose: countersignature content type not type/subtype", dict(unprotected=lambda u: {**u, 7: [b"", {3: "text"}, b"\x01"]})),
        ("cose: countersignature IV protected, Partial IV unprotected", dict(unprotected=lambda u: {**u, 7: [cbor2.dumps({5: b"a"}), {6: b"b"}, b"\x01"]})),
        ("cose: countersignature holding an invalid countersignature", dict(unprotected=lambda u: {**u, 7: [b"", {11: 5}, b"\x01"]})),
        ("cose: countersignature list, one invalid", dict(unprotected=lambda u: {**u, 11: [[b"", {}, b"\x01"], [b"", {4: 1}, b"\x01"]]})),
        # ... and what go-cose accepts inside a countersignature stays accepted.
        ("cose: countersignature with valid headers", dict(unprotected=lambda u: {**u, 11: [cbor2.dumps({1: "ES256", 2: [1, 1], 3: 50}), {4: b"k", 5: b"iv", 3: "a/b"}, b"\x01"]})),
        ("cose: countersignature holding countersignatures", dict(unprotected=lambda u: {**u, 7: [b"", {11: [[cbor2.dumps({1: -7}), {}, b"\x01"]]}, b"\x01"]})),
        ("cose: counter signature null", dict(unprotected=lambda u: {**u, 11: None})),
        ("cose: counter signature list holding null", dict(unprotected=lambda u: {**u, 7: [[b"", {}, b"\x01"], None]})),
    ]
    if k == "ec":
        C.append(("cose: high S", dict(high_s=True)))
    for name, kw in C:
        case(pre + name, "cose", lambda k=k, kw=kw: cose(k, **kw))

# --- certificate chains ---------------------------------------------------------------------------
NOW = now()


def name(cn):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn), x509.NameAttribute(NameOID.ORGANIZATION_NAME, "differential")])


def cert(cn, pub, issuer_cn, issuer_key, nb=None, na=None, **kw):
    """DER of common.cert with subject and issuer named by common name; `pub` is the subject's
    key (its public half is used)."""
    return der(make_cert(name(cn), pub, name(issuer_cn), issuer_key, not_before=nb, not_after=na, **kw))


ROOT_KEY = rsa.generate_private_key(65537, 3072)
ROOT = cert("differential root", ROOT_KEY, "differential root", ROOT_KEY, ca=True)
INT_KEY = rsa.generate_private_key(65537, 3072)
INT = cert("differential ca", INT_KEY, "differential root", ROOT_KEY, ca=True, pathlen=0)
with open(f"{STORE}/differential-root.crt", "wb") as f:
    f.write(ROOT)


def chain_case(label, leaf_key=None, chain=None, alg=None, **leaf):
    lk = leaf_key or ec.generate_private_key(ec.SECP256R1())
    chain = chain(lk) if chain else [cert("differential leaf", lk, "differential ca", INT_KEY, **leaf), INT, ROOT]
    # The payload's digest uses the hash of the leaf's key, as notation signs blobs.
    with open(BLOB, "rb") as f:
        data = f.read()
    h = HASH[alg or alg_of(lk)]
    digest = f"{h.name}:{hashlib.new(h.name, data).hexdigest()}"
    pay = lambda p: p["targetArtifact"].__setitem__("digest", digest)
    case(f"chain: {label} (jws)", "jws", lambda: jws("ec", payload=pay, signer=lk, chain=chain, sign_alg=alg,
                                                       protected=setk("alg", alg or alg_of(lk))))
    case(f"chain: {label} (cose)", "cose", lambda: cose("ec", payload=lambda p: (pay(p), p)[1], signer=lk, chain=chain, sign_alg=alg,
                                                         protected=setk(1, COSE_ALG[alg or alg_of(lk)])))


unknown_ext = x509.UnrecognizedExtension(ObjectIdentifier("1.3.6.1.4.1.55738.666.1"), b"\x05\x00")
chain_case("EC P-256 leaf, intermediate, root")
chain_case("RSA 2048 leaf", rsa.generate_private_key(65537, 2048))
chain_case("RSA 3072 leaf", rsa.generate_private_key(65537, 3072))
chain_case("RSA 3072 leaf signing PS256", rsa.generate_private_key(65537, 3072), alg="PS256")
chain_case("RSA 1024 leaf", rsa.generate_private_key(65537, 1024), alg="PS256")
chain_case("RSA 2056 leaf", rsa.generate_private_key(65537, 2056), alg="PS256")
chain_case("RSA leaf with e = 3", rsa.generate_private_key(3, 2048))
chain_case("EC P-384 leaf", ec.generate_private_key(ec.SECP384R1()))
chain_case("EC P-521 leaf", ec.generate_private_key(ec.SECP521R1()))
chain_case("EC P-256 leaf signing ES384", alg="ES384")
chain_case("secp256k1 leaf", ec.generate_private_key(ec.SECP256K1()), alg="ES256")
chain_case("leaf without the root", chain=lambda lk: [cert("differential leaf", lk, "differential ca", INT_KEY), INT])
chain_case("leaf without the intermediate", chain=lambda lk: [cert("differential leaf", lk, "differential ca", INT_KEY), ROOT])
chain_case("intermediate first", chain=lambda lk: [INT, cert("differential leaf", lk, "differential ca", INT_KEY), ROOT])
chain_case("certificate after the root", chain=lambda lk: [cert("differential leaf", lk, "differential ca", INT_KEY), INT, ROOT, INT])
chain_case("leaf key usage keyCertSign only", ku=dict(key_cert_sign=True))
chain_case("leaf key usage also cRLSign", ku=dict(digital_signature=True, crl_sign=True))
chain_case("leaf without key usage", ku=False)
chain_case("leaf key usage not critical", ku_critical=False)
chain_case("leaf without EKU", eku=None)
chain_case("leaf EKU serverAuth", eku="server")
chain_case("leaf EKU timeStamping", eku="ts")
chain_case("leaf EKU anyExtendedKeyUsage", eku="any")
chain_case("leaf EKU codeSigning and anyExtendedKeyUsage", eku="code+any")
chain_case("leaf is a CA", ca=True, ku=dict(digital_signature=True, key_cert_sign=True))
chain_case("leaf without basicConstraints", bc=False)
chain_case("leaf not yet valid", nb=NOW + datetime.timedelta(days=1))
chain_case("leaf expired", nb=NOW - datetime.timedelta(days=3), na=NOW - datetime.timedelta(hours=1))
chain_case("leaf with an unknown critical extension", extra=[(unknown_ext, True)])
chain_case("leaf with name constraints", extra=[(x509.NameConstraints(permitted_subtrees=[x509.DNSName("x")], excluded_subtrees=None), True)])
# Found by a review (2026-12-05): Go's parser refuses these key identifier and AIA
# extensions marked critical, and crypto/rsa exponents above 2^31 - 1.
chain_case("leaf with a critical authority key identifier", extra=[(x509.AuthorityKeyIdentifier(b"\x02" * 20, None, None), True)])
chain_case("leaf with a critical subject key identifier", extra=[(x509.SubjectKeyIdentifier(b"\x03" * 20), True)])
chain_case("leaf with a critical authority information access", extra=[(x509.AuthorityInformationAccess([x509.AccessDescription(x509.oid.AuthorityInformationAccessOID.OCSP, x509.UniformResourceIdentifier("http://ocsp.example"))]), True)])


def rsa_with_e(bits, e):
    """An RSA key with public exponent `e` (cryptography generates only small ones)."""
    import math
    while True:
        base = rsa.generate_private_key(65537, bits).private_numbers()
        p, q = base.p, base.q
        lam = (p - 1) * (q - 1) // math.gcd(p - 1, q - 1)
        if math.gcd(e, lam) == 1:
            break
    d = pow(e, -1, lam)
    pub = rsa.RSAPublicNumbers(e, p * q)
    return rsa.RSAPrivateNumbers(p, q, d, d % (p - 1), d % (q - 1), pow(q, -1, p), pub).private_key()


chain_case("RSA leaf with e = 2^31 - 1", rsa_with_e(2048, 2 ** 31 - 1))
chain_case("RSA leaf with e = 2^31 + 11", rsa_with_e(2048, 2 ** 31 + 11))
chain_case("leaf with a trailing byte", chain=lambda lk: [cert("differential leaf", lk, "differential ca", INT_KEY) + b"\x00", INT, ROOT])
CA2 = rsa.generate_private_key(65537, 2048)


def under_ca2(**ca):
    i = cert("differential ca2", CA2, "differential root", ROOT_KEY, ca=True, **ca)
    return lambda lk: [cert("differential leaf", lk, "differential ca2", CA2), i, ROOT]


chain_case("CA without keyCertSign", chain=under_ca2(ku=dict(digital_signature=True)))
chain_case("CA without key usage", chain=under_ca2(ku=False))
chain_case("CA without basicConstraints", chain=under_ca2(bc=False))
chain_case("CA basicConstraints not critical", chain=under_ca2(bc_critical=False))
chain_case("CA expired", chain=under_ca2(nb=NOW - datetime.timedelta(days=3), na=NOW - datetime.timedelta(hours=1)))
chain_case("CA with an unknown critical extension", chain=under_ca2(extra=[(unknown_ext, True)]))
I3_KEY = ec.generate_private_key(ec.SECP256R1())
I3 = cert("differential ca3", I3_KEY, "differential ca", INT_KEY, ca=True)
chain_case("path length exceeded", chain=lambda lk: [cert("differential leaf", lk, "differential ca3", I3_KEY), I3, INT, ROOT])
chain_case("leaf under the root", chain=lambda lk: [cert("differential leaf", lk, "differential root", ROOT_KEY), ROOT])
SS_KEY = ec.generate_private_key(ec.SECP256R1())
SS = cert("differential self-signed", SS_KEY, "differential self-signed", SS_KEY)
with open(f"{STORE}/differential-self-signed.crt", "wb") as f:
    f.write(SS)
chain_case("self-signed leaf in the trust store", SS_KEY, chain=lambda lk: [SS])
EKU_OID = x509.oid.ExtendedKeyUsageOID


def eku(*usages, critical=False):
    return [(x509.ExtendedKeyUsage(list(usages)), critical)]


chain_case("leaf EKU codeSigning and serverAuth", eku=None, extra=eku(EKU_OID.CODE_SIGNING, EKU_OID.SERVER_AUTH))
chain_case("leaf EKU codeSigning and OCSPSigning", eku=None, extra=eku(EKU_OID.CODE_SIGNING, EKU_OID.OCSP_SIGNING))
chain_case("leaf EKU codeSigning and timeStamping", eku=None, extra=eku(EKU_OID.CODE_SIGNING, EKU_OID.TIME_STAMPING))
chain_case("leaf EKU codeSigning, critical", eku=None, extra=eku(EKU_OID.CODE_SIGNING, critical=True))
chain_case("leaf EKU codeSigning and an unknown usage", eku=None,
           extra=eku(EKU_OID.CODE_SIGNING, ObjectIdentifier("1.3.6.1.4.1.55738.666.2")))
chain_case("leaf key usage digitalSignature and nonRepudiation", ku=dict(digital_signature=True, content_commitment=True))
chain_case("leaf key usage digitalSignature and keyEncipherment", ku=dict(digital_signature=True, key_encipherment=True))
chain_case("leaf with critical certificate policies", extra=[(x509.CertificatePolicies(
    [x509.PolicyInformation(ObjectIdentifier("1.3.6.1.4.1.55738.666.3"), None)]), True)])
chain_case("leaf with a critical subject alternative name",
           extra=[(x509.SubjectAlternativeName([x509.DNSName("signer.example")]), True)])
chain_case("leaf with a critical email subject alternative name",
           extra=[(x509.SubjectAlternativeName([x509.RFC822Name("signer@example.com")]), True)])
chain_case("leaf valid until 2051", na=datetime.datetime(2051, 1, 1, tzinfo=datetime.timezone.utc))
chain_case("leaf with a subject key identifier", extra=[(x509.SubjectKeyIdentifier(b"\x01" * 20), False)])
chain_case("leaf with a wrong authority key identifier", extra=[(x509.AuthorityKeyIdentifier(
    b"\x02" * 20, None, None), False)])
chain_case("CA with EKU serverAuth only", chain=under_ca2(extra=eku(EKU_OID.SERVER_AUTH)))
chain_case("CA with EKU codeSigning", chain=under_ca2(extra=eku(EKU_OID.CODE_SIGNING)))
chain_case("CA with critical policy constraints", chain=under_ca2(extra=[(x509.PolicyConstraints(0, None), True)]))
chain_case("CA with critical inhibitAnyPolicy", chain=under_ca2(extra=[(x509.InhibitAnyPolicy(0), True)]))
chain_case("CA with critical certificate policies", chain=under_ca2(extra=[(x509.CertificatePolicies(
    [x509.PolicyInformation(ObjectIdentifier("2.5.29.32.0"), None)]), True)]))
chain_case("CA with key usage not critical", chain=under_ca2(ku_critical=False))
chain_case("CA with path length 1 above the leaf", chain=under_ca2(pathlen=1))
chain_case("CA not yet valid", chain=under_ca2(nb=NOW + datetime.timedelta(days=1)))
chain_case("root signing", ROOT_KEY, chain=lambda lk: [ROOT])


# --- the signingAuthority scheme ------------------------------------------------------------------
# Verified under a policy naming `signingAuthority:interop` (a copy of the ca store) unless the
# case names other stores. The authentic signing time, not the clock, decides whether the
# signing certificate was valid.
STORES = {}  # case name -> the trust stores its policy names
SA_STORE = f"{CFG}/truststore/x509/signingAuthority/interop"
SA = "notary.x509.signingAuthority"


def sa_case(label, stores="signingAuthority:interop", jws_prot=None, cose_prot=None, leaf_key=None, leaf=None,
            ast=None):
    """An SA-scheme envelope: no signingTime, an authenticSigningTime (`ast`, default an hour ago)
    marked critical; `jws_prot`/`cose_prot` change the protected header further; `leaf` (keyword
    arguments of `cert`) makes a chain of a generated leaf under the differential CA."""
    at = ast or now()  # the notary test certificates begin when the run does
    lk = leaf_key or (ec.generate_private_key(ec.SECP256R1()) if leaf is not None else None)
    chain = [cert("differential leaf", lk, "differential ca", INT_KEY, **leaf), INT, ROOT] if leaf is not None else None
    with open(BLOB, "rb") as f:
        data = f.read()
    digest = f"sha256:{hashlib.sha256(data).hexdigest()}"
    pay = (lambda p: p["targetArtifact"].__setitem__("digest", digest)) if lk else None

    def j(p):
        p[SCH] = SA
        p.pop(ST, None)
        p[AST] = at.strftime("%Y-%m-%dT%H:%M:%SZ")
        p["crit"] = [c for c in p["crit"] if c != ST] + [AST]
        if jws_prot:
            jws_prot(p)

    def c(p):
        p[SCH] = SA
        p.pop(ST, None)
        p[AST] = cbor2.CBORTag(1, int(at.timestamp()))
        p[2] = [x for x in p[2] if x != ST] + [AST]
        if cose_prot:
            cose_prot(p)

    for fmt, build in (("jws", lambda: jws("ec", protected=j, payload=pay, signer=lk, chain=chain,
                                             sign_alg="ES256" if lk else None)),
                       ("cose", lambda: cose("ec", protected=c, payload=(lambda p: (pay(p), p)[1]) if lk else None,
                                             signer=lk, chain=chain, sign_alg="ES256" if lk else None))):
        name = f"signingAuthority {fmt}: {label}"
        case(name, fmt, build)
        STORES[name] = stores


sa_case("as notation writes it")
sa_case("under a ca store", stores="ca:interop")
sa_case("under a ca and a signingAuthority store", stores="ca:interop,signingAuthority:interop")
sa_case("signingTime as well", jws_prot=setk(ST, NOW.strftime("%Y-%m-%dT%H:%M:%SZ")),
        cose_prot=setk(ST, cbor2.CBORTag(1, int(NOW.timestamp()))))
sa_case("authenticSigningTime missing", jws_prot=lambda p: (p.pop(AST), p["crit"].remove(AST)),
        cose_prot=lambda p: (p.pop(AST), p[2].remove(AST)))
sa_case("authenticSigningTime not critical", jws_prot=lambda p: p["crit"].remove(AST),
        cose_prot=lambda p: p[2].remove(AST))
sa_case("authenticSigningTime before the certificate", ast=datetime.datetime(2001, 1, 1, tzinfo=datetime.timezone.utc))
sa_case("authenticSigningTime after the certificate", ast=datetime.datetime(2098, 1, 1, tzinfo=datetime.timezone.utc))
# (the differential CA is valid from a day before NOW)
sa_case("expired certificate, authenticSigningTime within it", ast=NOW - datetime.timedelta(hours=20),
        leaf=dict(nb=NOW - datetime.timedelta(hours=22), na=NOW - datetime.timedelta(hours=1)))
sa_case("expired certificate, authenticSigningTime after it", ast=NOW - datetime.timedelta(minutes=30),
        leaf=dict(nb=NOW - datetime.timedelta(hours=22), na=NOW - datetime.timedelta(hours=1)))
sa_case("expired certificate, authenticSigningTime before the CA", ast=NOW - datetime.timedelta(days=2),
        leaf=dict(nb=NOW - datetime.timedelta(days=3), na=NOW - datetime.timedelta(hours=1)))
sa_case("certificate not yet valid, authenticSigningTime within it", ast=NOW + datetime.timedelta(days=2),
        leaf=dict(nb=NOW + datetime.timedelta(days=1), na=NOW + datetime.timedelta(days=3)))
sa_case("generated chain", leaf={})
sa_case("expiry passed", jws_prot=also(setk(EXP, "2020-01-01T00:00:00Z"), crit(EXP)),
        cose_prot=also(setk(EXP, cbor2.CBORTag(1, 1600000000)), crit(EXP)))
for fmt in ("jws", "cose"):
    name = f"signingAuthority {fmt}: an x509-scheme signature under a signingAuthority store"
    case(name, fmt, lambda fmt=fmt: jws("ec") if fmt == "jws" else cose("ec"))
    STORES[name] = "signingAuthority:interop"


# --- member-level mutants ---------------------------------------------------------------------------
# Every member of the JWS protected header, payload, unprotected header and top-level object, and
# every label of the COSE headers and member of its payload: deleted, given each JSON/CBOR type,
# its name in another case; an unknown member or label added. Signed again where signed.
JSON_VALUES = {"null": None, "int": 7, "neg": -1, "float": 1.5, "str": "x", "empty": "", "list": [], "obj": {},
               "true": True}
CBOR_VALUES = {"null": None, "int": 7, "neg": -1, "text": "x", "bytes": b"x", "list": [], "map": {}, "true": True,
               "tag": cbor2.CBORTag(1, 0), "float": 1.5}


def member_mutations(d):
    """(label, edit in place) for each member of dict `d`, nested dicts included."""
    out = []
    for k in list(d):
        out.append((f"del {k}", lambda x, k=k: x.pop(k, None)))
        for vn, v in JSON_VALUES.items():
            out.append((f"{k}={vn}", lambda x, k=k, v=v: x.__setitem__(k, copy.deepcopy(v))))
        out.append((f"case {k}", lambda x, k=k: x.__setitem__(k.upper(), x.pop(k))))
        if isinstance(d[k], dict):
            for label, f in member_mutations(d[k]):
                out.append((f"{k}.{label}", lambda x, k=k, f=f: f(x[k]) if isinstance(x.get(k), dict) else None))
    out.append(("unknown member", lambda x: x.__setitem__("zz-unknown", 1)))
    return out


def edited(f):
    """`f` applied to a copy, the copy returned (for the builders that take a result)."""
    def run(d):
        d = copy.deepcopy(d)
        f(d)
        return d
    return run


def mutant(name, fmt, build):
    """A generated case; one the builders cannot sign (an `alg` of another type) is left out."""
    def safe():
        try:
            return build()
        except (TypeError, KeyError, ValueError):
            return None
    case(name, fmt, safe)


for k in ("rsa", "ec"):
    b = base_jws(k)
    for label, f in member_mutations(json.loads(ub64u(b["protected"]))):
        mutant(f"{k} mutant jws protected {label}", "jws", lambda k=k, f=f: jws(k, protected=f))
    for label, f in member_mutations(json.loads(ub64u(b["payload"]))):
        mutant(f"{k} mutant jws payload {label}", "jws", lambda k=k, f=f: jws(k, payload=f))
    for label, f in member_mutations(b["header"]):
        mutant(f"{k} mutant jws header {label}", "jws", lambda k=k, f=f: jws(k, header=edited(f)))
    for label, f in member_mutations({m: 0 for m in ("payload", "protected", "header", "signature")}):
        mutant(f"{k} mutant jws top {label}", "jws", lambda k=k, f=f: jws(k, envelope=edited(f)))
    prot_b, unprot, pay, _ = base_cose(k)
    for lab in list(cbor2.loads(prot_b)):
        mutant(f"{k} mutant cose protected del {lab!r}", "cose",
             lambda k=k, lab=lab: cose(k, protected=lambda p, lab=lab: p.pop(lab, None)))
        for vn, v in CBOR_VALUES.items():
            mutant(f"{k} mutant cose protected {lab!r}={vn}", "cose",
                 lambda k=k, lab=lab, v=v: cose(k, protected=lambda p, lab=lab, v=v: p.__setitem__(lab, copy.deepcopy(v))))
    for lab in (99, -99, "zz-unknown"):
        mutant(f"{k} mutant cose protected add {lab!r}", "cose",
             lambda k=k, lab=lab: cose(k, protected=lambda p, lab=lab: p.__setitem__(lab, 1)))
    for lab in list(unprot) + [99, "zz-unknown", 4, 32, 34]:
        if lab in unprot:
            mutant(f"{k} mutant cose unprotected del {lab!r}", "cose",
                 lambda k=k, lab=lab: cose(k, unprotected=lambda u, lab=lab: {a: v for a, v in u.items() if a != lab}))
        for vn, v in CBOR_VALUES.items():
            mutant(f"{k} mutant cose unprotected {lab!r}={vn}", "cose",
                 lambda k=k, lab=lab, v=v: cose(k, unprotected=lambda u, lab=lab, v=v: {**u, lab: copy.deepcopy(v)}))
    for label, f in member_mutations(json.loads(pay)):
        mutant(f"{k} mutant cose payload {label}", "cose", lambda k=k, f=f: cose(k, payload=edited(f)))

CASE_SENSITIVE = "JSON member names are case-sensitive"
for f in ("jws", "cose"):
    for m in ("case targetArtifact", "targetArtifact.case digest", "targetArtifact.case mediaType",
              "targetArtifact.case size"):
        STRICTER[f"mutant {f} payload {m}"] = CASE_SENSITIVE
for m in ("crit", "cty", "io.cncf.notary.signingScheme", "io.cncf.notary.signingTime"):
    STRICTER[f"mutant jws protected case {m}"] = "protected header names must match exactly"
for m in ("header", "payload", "protected", "signature"):
    STRICTER[f"mutant jws top case {m}"] = CASE_SENSITIVE
STRICTER["mutant jws top unknown member"] = "JWS spec: no other top-level members"
# Accepted by notary only: blobpeer checks a blob as an OCI artifact of media type
# application/octet-stream; `blob verify` (notary's and notation's) compares the media type only
# when --media-type names one.
LENIENT = {f"mutant {f} payload targetArtifact.mediaType={v}": "the blob's media type is checked only with --media-type"
           for f in ("jws", "cose") for v in ("empty", "str")}


# --- run -----------------------------------------------------------------------------------------
def verify(fmt, data, stores="ca:interop"):
    path = f"{WORK}/case.{fmt}.sig"
    with open(path, "wb") as f:
        f.write(data)
    with open(f"{CFG}/trustpolicy.blob.json", "w") as f:
        json.dump({"version": "1.0", "trustPolicies": [{
            "name": "blob", "signatureVerification": {"level": "strict"}, "trustStores": stores.split(","),
            "trustedIdentities": ["*"], "globalPolicy": True}]}, f)
    return (outcome([PEER, "verify", "-format", fmt, "-sig", path, "-stores", stores, BLOB], ENV),
            outcome([NOTARY, "blob", "verify", "--signature", path, BLOB], ENV))


def kind(n):
    return n.split(" ", 1)[1] if n.split(" ", 1)[0] in ("rsa", "ec") else n.rsplit(" (", 1)[0]


report, seen_stricter = Report("notation-go"), set()
only = os.environ.get("DIFFERENTIAL_ONLY", "")  # a substring of case names, when debugging
for n, fmt, build in CASES:
    if only not in n:
        continue
    if not os.path.isdir(SA_STORE):  # the signingAuthority store: the ca store's files
        shutil.copytree(STORE, SA_STORE)
    data = build()
    if data is None:
        continue
    theirs, ours = verify(fmt, data, STORES.get(n, "ca:interop"))
    stricter = STRICTER.get(kind(n))
    if stricter:
        seen_stricter.add(kind(n))
    if not report.record(n, theirs, ours, stricter=stricter, must_accept=kind(n) in MUST_ACCEPT,
                         lenient=LENIENT.get(kind(n))):
        # Kept for a look: the verifiers' inputs of each mismatch.
        os.replace(f"{WORK}/case.{fmt}.sig", f"{WORK}/mismatch-{len(report.mismatched)}.{fmt}.sig")
for s in sorted(set(STRICTER) - seen_stricter) if not only else []:
    report.mismatch(s, "listed as stricter but no case of it ran")
report.finish("cases", 60)
