#!/usr/bin/env python3
"""Differential run: x509.subject trusted identities against certificate subjects.

    identities.py NOTARY NOTATION ORAS WORKDIR

Signs an artifact in an OCI layout with `notary` for each of ~30 leaf certificates whose subjects
carry the awkward parts of X.500 names (escaped specials, leading and trailing spaces, non-ASCII,
control characters, multi-valued RDNs, repeated and non-standard attributes, Printable, BMP,
T61 and IA5 strings), then runs `notation verify` and `notary verify` under a trust policy
naming one identity at a time (~85 pairs: order, spacing, case, escapes, quotes, hex, aliases,
malformed). The two must agree on every pair, policy refusals included. Exits 1 on any
disagreement.

Needs python3 with `cryptography` (scripts/setup.sh installs it).
"""
import json
import os
import sys

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.name import _ASN1Type
from cryptography.x509.oid import NameOID, ObjectIdentifier

from common import Report, cert, environment, outcome, pem, run

NOTARY, NOTATION, ORAS, W = sys.argv[1:5]
ENV = environment(W)
CFG = f"{W}/xdg/notation"

RK = rsa.generate_private_key(65537, 2048)
RN = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "id root")])
ROOT = cert(RN, RK, RN, RK, ca=True)
os.makedirs(f"{CFG}/truststore/x509/ca/id")
with open(f"{CFG}/truststore/x509/ca/id/root.pem", "wb") as f:
    f.write(pem(ROOT))
os.makedirs(f"{CFG}/keys")


def A(oid, v, t=None):
    return x509.NameAttribute(oid, v, t) if t else x509.NameAttribute(oid, v)
C, ST, L, O, OU, CN = NameOID.COUNTRY_NAME, NameOID.STATE_OR_PROVINCE_NAME, NameOID.LOCALITY_NAME, NameOID.ORGANIZATION_NAME, NameOID.ORGANIZATIONAL_UNIT_NAME, NameOID.COMMON_NAME
BASE = [[A(C, "US")], [A(ST, "WA")], [A(L, "Seattle")], [A(O, "acme")], [A(CN, "signer")]]


def us(*rdns):
    """A subject with C=US and ST=WA first."""
    return [[A(C, "US")], [A(ST, "WA")], *rdns]


def leaf(name, rdns):
    k = ec.generate_private_key(ec.SECP256R1())
    c = cert(x509.Name([x509.RelativeDistinguishedName(r) for r in rdns]), k, RN, RK, bc=False)
    kp, cp = f"{CFG}/keys/{name}.key", f"{CFG}/keys/{name}.crt"
    with open(kp, "wb") as f:
        f.write(k.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()))
    with open(cp, "wb") as f:
        f.write(pem(c) + pem(ROOT))
    return {"name": name, "keyPath": kp, "certPath": cp}


SUBJECTS = {
    "base": BASE,
    "o comma": us([A(O, "acme, inc")], [A(CN, "s")]),
    "o plus": us([A(O, "a+b")], [A(CN, "s")]),
    "o quote": us([A(O, 'a"b')], [A(CN, "s")]),
    "o leading space": us([A(O, " acme")], [A(CN, "s")]),
    "o trailing space": us([A(O, "acme ")], [A(CN, "s")]),
    "o hash first": us([A(O, "#acme")], [A(CN, "s")]),
    "o unicode": us([A(O, "Müller")], [A(CN, "s")]),
    "o upper": us([A(O, "ACME")], [A(CN, "s")]),
    "multi-valued rdn": us([A(O, "acme"), A(OU, "dev")], [A(CN, "s")]),
    "two OU": us([A(O, "acme")], [A(OU, "a")], [A(OU, "b")], [A(CN, "s")]),
    "two O": us([A(O, "acme")], [A(O, "other")], [A(CN, "s")]),
    "email": us([A(O, "acme")], [A(NameOID.EMAIL_ADDRESS, "a@b.example")]),
    "serial": us([A(O, "acme")], [A(NameOID.SERIAL_NUMBER, "123")]),
    "dc": [[A(NameOID.DOMAIN_COMPONENT, "example")], [A(C, "US")], [A(ST, "WA")], [A(O, "acme")]],
    "uid": us([A(O, "acme")], [A(NameOID.USER_ID, "u1")]),
    "unknown oid": us([A(O, "acme")], [A(ObjectIdentifier("1.2.3.4"), "x")]),
    "no ST": [[A(C, "US")], [A(O, "acme")], [A(CN, "s")]],
    "printable vs utf8": [[A(C, "US")], [A(ST, "WA", _ASN1Type.PrintableString)], [A(O, "acme", _ASN1Type.PrintableString)], [A(CN, "s")]],
    "o bmp": us([A(O, "acme", _ASN1Type.BMPString)], [A(CN, "s")]),
    "o t61": us([A(O, "acme", _ASN1Type.T61String)], [A(CN, "s")]),
    "o ia5": us([A(O, "acme", _ASN1Type.IA5String)], [A(CN, "s")]),
    "o bmp unicode": us([A(O, "Müller€", _ASN1Type.BMPString)], [A(CN, "s")]),
    "o control char": us([A(O, "a\x01b")], [A(CN, "s")]),
    "o nul": us([A(O, "a\x00b")], [A(CN, "s")]),
    "cn equals": us([A(O, "acme")], [A(CN, "a=b")]),
    "o backslash": us([A(O, "a\\b")], [A(CN, "s")]),
    "o semicolon": us([A(O, "a;b")], [A(CN, "s")]),
    "o angle": us([A(O, "a<b>")], [A(CN, "s")]),
}
entries = [leaf(n, s) for n, s in SUBJECTS.items()]
with open(f"{CFG}/signingkeys.json", "w") as f:
    json.dump({"keys": entries}, f)

# One artifact per subject, signed by notary.
os.chdir(W)
with open("a.txt", "w") as f:
    f.write("x")
DIG = {}
for n in SUBJECTS:
    lay = f"lay-{n.replace(' ', '_')}"
    run(ENV, ORAS, "push", "--oci-layout", f"{lay}:v1", "a.txt")
    d = run(ENV, ORAS, "resolve", "--oci-layout", f"{lay}:v1")
    run(ENV, NOTARY, "sign", "--key", n, "--oci-layout", f"{lay}@{d}")
    DIG[n] = f"{lay}@{d}"

ID = "x509.subject: "
CASES = [
    ("base", ID + "C=US, ST=WA, O=acme"),
    ("base", ID + "C=US, ST=WA, L=Seattle, O=acme, CN=signer"),
    ("base", ID + "O=acme, C=US, ST=WA"),
    ("base", ID + "C=US,ST=WA,O=acme"),
    ("base", ID + "C=US ,  ST=WA , O=acme"),
    ("base", ID + "c=US, st=WA, o=acme"),
    ("base", ID + "C=US, ST=WA, O=ACME"),
    ("base", ID + "C=us, ST=WA, O=acme"),
    ("base", ID + "C=US, S=WA, O=acme"),
    ("base", ID + "C=US, ST=WA, O=acme, CN=other"),
    ("base", ID + "C=US, ST=WA, O=acme, OU=x"),
    # An empty value reads as an absent attribute in notation's map comparison.
    ("base", ID + "C=US, ST=WA, O=acme, OU="),
    ("base", ID + "C=US, ST=WA, O=acme, CN="),
    ("base", ID + "C=US, ST=WA, O=#0c0461636d65"),
    ("base", ID + "C=US, ST=WA, O=#1304616d6365"),
    ("base", ID + "C=US, ST=WA, O=a\\63me"),
    ("base", ID + "C=US, ST=WA, O=\"acme\""),
    ("base", ID + "C=US;ST=WA;O=acme"),
    ("base", ID + "C=US, ST=WA, O=acme, 2.5.4.3=signer"),
    ("base", ID + "2.5.4.6=US, 2.5.4.8=WA, 2.5.4.10=acme"),
    ("base", "x509.subject:C=US, ST=WA, O=acme"),
    ("base", "X509.SUBJECT: C=US, ST=WA, O=acme"),
    ("base", ID + " C=US, ST=WA, O=acme"),
    ("base", ID + "C=US, ST=WA, O=acme "),
    ("base", ID + "C=US, ST=WA, O=acme, L=Seattle, L=Seattle"),
    ("o comma", ID + "C=US, ST=WA, O=acme\\, inc"),
    ("o comma", ID + "C=US, ST=WA, O=\"acme, inc\""),
    ("o comma", ID + "C=US, ST=WA, O=acme\\2C inc"),
    ("o plus", ID + "C=US, ST=WA, O=a\\+b"),
    ("o quote", ID + "C=US, ST=WA, O=a\\\"b"),
    ("o leading space", ID + "C=US, ST=WA, O=\\ acme"),
    ("o leading space", ID + "C=US, ST=WA, O=acme"),
    ("o trailing space", ID + "C=US, ST=WA, O=acme\\ "),
    ("o trailing space", ID + "C=US, ST=WA, O=acme"),
    ("o hash first", ID + "C=US, ST=WA, O=\\#acme"),
    ("o unicode", ID + "C=US, ST=WA, O=Müller"),
    ("o unicode", ID + "C=US, ST=WA, O=M\\c3\\bcller"),
    ("o upper", ID + "C=US, ST=WA, O=acme"),
    ("multi-valued rdn", ID + "C=US, ST=WA, O=acme"),
    ("multi-valued rdn", ID + "C=US, ST=WA, O=acme, OU=dev"),
    ("multi-valued rdn", ID + "C=US, ST=WA, O=acme+OU=dev"),
    ("two OU", ID + "C=US, ST=WA, O=acme"),
    ("two OU", ID + "C=US, ST=WA, O=acme, OU=a"),
    ("two O", ID + "C=US, ST=WA, O=acme"),
    ("email", ID + "C=US, ST=WA, O=acme, E=a@b.example"),
    ("email", ID + "C=US, ST=WA, O=acme, EMAILADDRESS=a@b.example"),
    ("email", ID + "C=US, ST=WA, O=acme"),
    ("serial", ID + "C=US, ST=WA, O=acme, SERIALNUMBER=123"),
    ("serial", ID + "C=US, ST=WA, O=acme"),
    ("dc", ID + "C=US, ST=WA, O=acme, DC=example"),
    ("dc", ID + "C=US, ST=WA, O=acme"),
    ("uid", ID + "C=US, ST=WA, O=acme, UID=u1"),
    ("uid", ID + "C=US, ST=WA, O=acme"),
    ("unknown oid", ID + "C=US, ST=WA, O=acme"),
    ("unknown oid", ID + "C=US, ST=WA, O=acme, 1.2.3.4=x"),
    ("no ST", ID + "C=US, ST=WA, O=acme"),
    ("printable vs utf8", ID + "C=US, ST=WA, O=acme"),
    ("cn equals", ID + "C=US, ST=WA, O=acme, CN=a\\=b"),
    ("cn equals", ID + "C=US, ST=WA, O=acme, CN=a=b"),
    ("o backslash", ID + "C=US, ST=WA, O=a\\\\b"),
    ("o semicolon", ID + "C=US, ST=WA, O=a\\;b"),
    ("o semicolon", ID + "C=US, ST=WA, O=a;b"),
    ("o angle", ID + "C=US, ST=WA, O=a\\<b\\>"),
    ("o angle", ID + "C=US, ST=WA, O=a<b>"),
    ("o bmp", ID + "C=US, ST=WA, O=acme"),
    ("o t61", ID + "C=US, ST=WA, O=acme"),
    ("o ia5", ID + "C=US, ST=WA, O=acme"),
    ("o bmp unicode", ID + "C=US, ST=WA, O=Müller€"),
    ("o control char", ID + "C=US, ST=WA, O=a\\01b"),
    ("o control char", ID + "C=US, ST=WA, O=a\x01b"),
    ("o nul", ID + "C=US, ST=WA, O=a\\00b"),
    ("base", ID + "C=US, ST=WA, O=a\\q"),
    ("base", ID + "C=US, ST=WA, O=acm\\65"),
    ("base", ID + "C=US, ST=WA, O=acme\\"),
    ("base", ID + "C=US, ST=WA, O=acm\\6"),
    ("base", ID + "C=US, ST=WA, O=acme, X\\=Y=z"),
    ("base", ID + "C=US, ST=WA, O=, O=acme"),
    ("base", ID + "C=US, ST=WA, =x=acme, O=acme"),
    ("base", ID + "C=US, ST=WA, O=acme,"),
    ("base", ID + "C=US, ST=WA, O=acme;"),
    ("base", ID + ",C=US, ST=WA, O=acme"),
    ("base", ID + "C=US, ST=WA, O=acme, CN=signer\\ "),
    ("base", ID + "C=US, ST=WA, O=ac\\ me"),
    ("o trailing space", ID + "C=US, ST=WA, O=acme\\  "),
    ("o leading space", ID + "C=US, ST=WA, O= \\ acme"),
    ("o backslash", ID + "C=US, ST=WA, O=a\\5cb"),
    ("o quote", ID + "C=US, ST=WA, O=a\"b"),
    ("o quote", ID + "C=US, ST=WA, O=a\\22b"),
    ("o unicode", ID + "C=US, ST=WA, O=M\\ü"),
]

report = Report("notation")
for subj, ident in CASES:
    pol = {"version": "1.0", "trustPolicies": [{"name": "p", "registryScopes": ["*"], "signatureVerification": {"level": "strict"},
           "trustStores": ["ca:id"], "trustedIdentities": [ident]}]}
    with open(f"{CFG}/trustpolicy.json", "w") as f:
        json.dump(pol, f)
    args = ["verify", "--oci-layout", "--scope", "local/x", DIG[subj]]
    report.record(f"[{subj}] {ident!r}", outcome([NOTATION, *args], ENV), outcome([NOTARY, *args], ENV))
report.finish("identity/subject pairs", 20)
