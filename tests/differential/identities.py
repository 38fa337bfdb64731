#!/usr/bin/env python3
"""Differential run: x509.subject trusted identities against certificate subjects.

    identities.py NOTARY NOTATION ORAS WORKDIR

Signs an artifact in an OCI layout with `notary` for each of ~30 leaf certificates whose subjects
carry the awkward parts of X.500 names (escaped specials, leading and trailing spaces, non-ASCII,
control characters, multi-valued RDNs, repeated and non-standard attributes, Printable, BMP,
T61 and IA5 strings), then runs `notation verify` and `notary verify` under a trust policy
naming one identity at a time (~85 pairs: order, spacing, case, escapes, quotes, hex, aliases,
malformed). The two must agree on every
pair, policy refusals included. Exits 1 on any disagreement.

Needs python3 with `cryptography` (scripts/setup.sh installs it).
"""
import datetime, json, os, subprocess, sys
from cryptography import x509
from cryptography.x509.oid import NameOID, ExtendedKeyUsageOID, ObjectIdentifier
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.name import _ASN1Type

NOTARY, NOTATION, ORAS, W = sys.argv[1:5]
os.makedirs(f"{W}/home")
CFG = f"{W}/xdg/notation"
ENV = dict(os.environ, HOME=f"{W}/home", XDG_CONFIG_HOME=f"{W}/xdg", NOTATION_EXPERIMENTAL="1", XDG_CACHE_HOME=f"{W}/cache")
NOW = datetime.datetime.now(datetime.timezone.utc)

RK = rsa.generate_private_key(65537, 2048)
RN = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "id root")])
def b(): return x509.CertificateBuilder().serial_number(x509.random_serial_number()).not_valid_before(NOW - datetime.timedelta(days=1)).not_valid_after(NOW + datetime.timedelta(days=10))
ROOT = (b().subject_name(RN).issuer_name(RN).public_key(RK.public_key())
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        .sign(RK, hashes.SHA256()))
os.makedirs(f"{CFG}/truststore/x509/ca/id")
open(f"{CFG}/truststore/x509/ca/id/root.pem", "wb").write(ROOT.public_bytes(serialization.Encoding.PEM))
os.makedirs(f"{CFG}/keys")

def A(oid, v, t=None):
    return x509.NameAttribute(oid, v, t) if t else x509.NameAttribute(oid, v)
C, ST, L, O, OU, CN = NameOID.COUNTRY_NAME, NameOID.STATE_OR_PROVINCE_NAME, NameOID.LOCALITY_NAME, NameOID.ORGANIZATION_NAME, NameOID.ORGANIZATIONAL_UNIT_NAME, NameOID.COMMON_NAME
BASE = [[A(C, "US")], [A(ST, "WA")], [A(L, "Seattle")], [A(O, "acme")], [A(CN, "signer")]]

def leaf(name, rdns):
    k = ec.generate_private_key(ec.SECP256R1())
    subj = x509.Name([x509.RelativeDistinguishedName(r) for r in rdns])
    c = (b().subject_name(subj).issuer_name(RN).public_key(k.public_key())
         .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True)
         .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CODE_SIGNING]), critical=False)
         .sign(RK, hashes.SHA256()))
    kp, cp = f"{CFG}/keys/{name}.key", f"{CFG}/keys/{name}.crt"
    open(kp, "wb").write(k.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    open(cp, "wb").write(c.public_bytes(serialization.Encoding.PEM) + ROOT.public_bytes(serialization.Encoding.PEM))
    return {"name": name, "keyPath": kp, "certPath": cp}

SUBJECTS = {
    "base": BASE,
    "o comma": [[A(C, "US")], [A(ST, "WA")], [A(O, "acme, inc")], [A(CN, "s")]],
    "o plus": [[A(C, "US")], [A(ST, "WA")], [A(O, "a+b")], [A(CN, "s")]],
    "o quote": [[A(C, "US")], [A(ST, "WA")], [A(O, 'a"b')], [A(CN, "s")]],
    "o leading space": [[A(C, "US")], [A(ST, "WA")], [A(O, " acme")], [A(CN, "s")]],
    "o trailing space": [[A(C, "US")], [A(ST, "WA")], [A(O, "acme ")], [A(CN, "s")]],
    "o hash first": [[A(C, "US")], [A(ST, "WA")], [A(O, "#acme")], [A(CN, "s")]],
    "o unicode": [[A(C, "US")], [A(ST, "WA")], [A(O, "Müller")], [A(CN, "s")]],
    "o upper": [[A(C, "US")], [A(ST, "WA")], [A(O, "ACME")], [A(CN, "s")]],
    "multi-valued rdn": [[A(C, "US")], [A(ST, "WA")], [A(O, "acme"), A(OU, "dev")], [A(CN, "s")]],
    "two OU": [[A(C, "US")], [A(ST, "WA")], [A(O, "acme")], [A(OU, "a")], [A(OU, "b")], [A(CN, "s")]],
    "two O": [[A(C, "US")], [A(ST, "WA")], [A(O, "acme")], [A(O, "other")], [A(CN, "s")]],
    "email": [[A(C, "US")], [A(ST, "WA")], [A(O, "acme")], [A(NameOID.EMAIL_ADDRESS, "a@b.example")]],
    "serial": [[A(C, "US")], [A(ST, "WA")], [A(O, "acme")], [A(NameOID.SERIAL_NUMBER, "123")]],
    "dc": [[A(NameOID.DOMAIN_COMPONENT, "example")], [A(C, "US")], [A(ST, "WA")], [A(O, "acme")]],
    "uid": [[A(C, "US")], [A(ST, "WA")], [A(O, "acme")], [A(NameOID.USER_ID, "u1")]],
    "unknown oid": [[A(C, "US")], [A(ST, "WA")], [A(O, "acme")], [A(ObjectIdentifier("1.2.3.4"), "x")]],
    "no ST": [[A(C, "US")], [A(O, "acme")], [A(CN, "s")]],
    "printable vs utf8": [[A(C, "US")], [A(ST, "WA", _ASN1Type.PrintableString)], [A(O, "acme", _ASN1Type.PrintableString)], [A(CN, "s")]],
    "o bmp": [[A(C, "US")], [A(ST, "WA")], [A(O, "acme", _ASN1Type.BMPString)], [A(CN, "s")]],
    "o t61": [[A(C, "US")], [A(ST, "WA")], [A(O, "acme", _ASN1Type.T61String)], [A(CN, "s")]],
    "o ia5": [[A(C, "US")], [A(ST, "WA")], [A(O, "acme", _ASN1Type.IA5String)], [A(CN, "s")]],
    "o bmp unicode": [[A(C, "US")], [A(ST, "WA")], [A(O, "Müller€", _ASN1Type.BMPString)], [A(CN, "s")]],
    "o control char": [[A(C, "US")], [A(ST, "WA")], [A(O, "a\x01b")], [A(CN, "s")]],
    "o nul": [[A(C, "US")], [A(ST, "WA")], [A(O, "a\x00b")], [A(CN, "s")]],
    "cn equals": [[A(C, "US")], [A(ST, "WA")], [A(O, "acme")], [A(CN, "a=b")]],
    "o backslash": [[A(C, "US")], [A(ST, "WA")], [A(O, "a\\b")], [A(CN, "s")]],
    "o semicolon": [[A(C, "US")], [A(ST, "WA")], [A(O, "a;b")], [A(CN, "s")]],
    "o angle": [[A(C, "US")], [A(ST, "WA")], [A(O, "a<b>")], [A(CN, "s")]],
}
entries = [leaf(n, s) for n, s in SUBJECTS.items()]
json.dump({"keys": entries}, open(f"{CFG}/signingkeys.json", "w"))

# one artifact per subject, signed by notary
os.chdir(W)
open("a.txt", "w").write("x")
DIG = {}
for n in SUBJECTS:
    lay = f"lay-{n.replace(' ', '_')}"
    subprocess.run([ORAS, "push", "--oci-layout", f"{lay}:v1", "a.txt"], env=ENV, check=True, capture_output=True)
    d = subprocess.run([ORAS, "resolve", "--oci-layout", f"{lay}:v1"], env=ENV, check=True, capture_output=True, text=True).stdout.strip()
    r = subprocess.run([NOTARY, "sign", "--key", n, "--oci-layout", f"{lay}@{d}"], env=ENV, capture_output=True, text=True)
    if r.returncode:
        sys.exit(f"notary sign with the {n!r} leaf failed: {r.stderr}")
    DIG[n] = (lay, d)

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

def verify(tool, lay, d):
    r = subprocess.run([tool, "verify", "--oci-layout", "--scope", "local/x", f"{lay}@{d}"], env=ENV, capture_output=True, text=True)
    out = [l for l in (r.stdout + r.stderr).strip().splitlines() if not l.startswith("Warning: This feature")]
    return r.returncode == 0, (out or [""])[-1][:230]

agree = dis = accepted = 0
for subj, ident in CASES:
    pol = {"version": "1.0", "trustPolicies": [{"name": "p", "registryScopes": ["*"], "signatureVerification": {"level": "strict"},
           "trustStores": ["ca:id"], "trustedIdentities": [ident]}]}
    json.dump(pol, open(f"{CFG}/trustpolicy.json", "w"))
    lay, d = DIG[subj]
    g, gm = verify(NOTATION, lay, d)
    r, rm = verify(NOTARY, lay, d)
    if g == r:
        agree += 1
        accepted += g
        print(f"agree  {'accepted' if g else 'refused '}  [{subj}] {ident!r}")
    else:
        dis += 1
        print(f"MISMATCH [{subj}] {ident!r}: notation {'accepted' if g else 'refused'}, notary {'accepted' if r else 'refused'}\n  notation: {gm}\n  notary: {rm}")
print(f"{len(CASES)} identity/subject pairs: {agree} agree ({accepted} accepted by both), {dis} mismatched")
sys.exit(1 if dis or accepted < 20 else 0)
