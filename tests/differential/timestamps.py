#!/usr/bin/env python3
"""Differential run: RFC 3161 timestamps under `notation sign`/`verify` and `notary sign`/`verify`.

    timestamps.py NOTARY NOTATION ORAS WORKDIR

A local TSA (`openssl ts -reply` behind this script's HTTP server) answers with one of ~20
configurations: TSA certificates with the timeStamping EKU critical or not, other or no EKUs and
key usages, expired or not yet valid, under an intermediate included in the token or not, RSA
and ECDSA keys, ESSCertID v1 and v2, the chain's ids, SHA-384/512 digests, accuracies from none
to weeks. With each, both tools sign (`--timestamp-url`, `--timestamp-root-cert`) an artifact
whose signing certificate stays valid and one whose certificate is then re-issued to expire
right after the signing (put in the envelopes' x5c, which their signatures do not cover); the
sign outcomes must agree. Once the short-lived certificates have expired, both tools verify
every signature either made under several policies (a tsa store with the root, none, another
root, verifyTimestamp afterCertExpiry). The outcomes must agree. Exits 1 on any disagreement.

Needs python3 with `cryptography` and `openssl` (scripts/setup.sh installs them).
"""
import base64
import datetime
import hashlib
import http.server
import json
import os
import subprocess
import sys
import threading
import time

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from common import (SHA256_ALG, Report, cert as make_cert, cms_token, environment, integer, now, oid, outcome,
                    pem, run, tlv as der, ts_reply, tsa_config)

NOTARY, NOTATION, ORAS, W = sys.argv[1:5]
ENV = environment(W)
CFG = f"{W}/xdg/notation"
os.chdir(W)
DAY = datetime.timedelta(days=1)


def sh(*args):
    return run(ENV, *args)


def dn(cn):
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "US"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "timestamps"),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def rsa_key():
    return rsa.generate_private_key(65537, 2048)


def key_pem(key):
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


# --- the TSA -------------------------------------------------------------------------------------
CURRENT = [None]  # the configuration file `openssl ts -reply` uses now


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *_):
        pass

    def do_POST(self):
        body = ts_reply(CURRENT[0], self.rfile.read(int(self.headers.get("Content-Length", "0"))), W) or b""
        self.send_response(200 if body else 500)
        self.send_header("Content-Type", "application/timestamp-reply")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


SERVER = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
threading.Thread(target=SERVER.serve_forever, daemon=True).start()
TSA_URL = f"http://127.0.0.1:{SERVER.server_address[1]}/tsa"

TSA_ROOT_KEY = rsa_key()
TSA_ROOT = make_cert(dn("ts tsa root"), TSA_ROOT_KEY, dn("ts tsa root"), TSA_ROOT_KEY, ca=True,
                     not_after=now() + 30 * DAY)
TSA_INTER_KEY = rsa_key()
TSA_INTER = make_cert(dn("ts tsa inter"), TSA_INTER_KEY, dn("ts tsa root"), TSA_ROOT_KEY, ca=True,
                      not_after=now() + 20 * DAY)
OTHER_ROOT_KEY = rsa_key()
OTHER_ROOT = make_cert(dn("ts other root"), OTHER_ROOT_KEY, dn("ts other root"), OTHER_ROOT_KEY, ca=True)
with open(f"{W}/tsaroot.pem", "wb") as f:
    f.write(pem(TSA_ROOT))
TS_EKU = [ExtendedKeyUsageOID.TIME_STAMPING]


def tsa_cert(key, eku=(TS_EKU, True), ku="default", under_inter=False, not_before=None, not_after=None, ca=False,
             ku_critical=True, policies=()):
    """A TSA certificate; `eku` is (usages, critical) or None, `ku` a key usage dict, "default"
    (digitalSignature) or False; `under_inter` True (the plain intermediate) or an
    (intermediate, its key) pair; `policies` the OIDs of a certificatePolicies extension."""
    extra = [cert_policies(*policies)] if policies else []
    if eku is not None:
        extra.append((x509.ExtendedKeyUsage(eku[0]), eku[1]))
    issuer, issuer_key = (TSA_ROOT, TSA_ROOT_KEY)
    if under_inter:
        issuer, issuer_key = (TSA_INTER, TSA_INTER_KEY) if under_inter is True else under_inter
    return make_cert(dn("ts tsa"), key, issuer.subject, issuer_key, ca=ca, eku=None,
                     ku=None if ku == "default" else ku, ku_critical=ku_critical, not_before=not_before,
                     not_after=not_after or now() + 10 * DAY, extra=extra)


# Two private certificate policies, and the extensions of Go's policy validation (x509.Verify,
# as tspclient-go runs it): certificatePolicies, policyMappings, a non-critical
# requireExplicitPolicy of 0.
POLICY_A, POLICY_B = x509.ObjectIdentifier("1.3.6.1.4.1.99999.1"), x509.ObjectIdentifier("1.3.6.1.4.1.99999.2")


def cert_policies(*oids):
    return x509.CertificatePolicies([x509.PolicyInformation(o, None) for o in oids]), False


def policy_mapping(issuer, subject):
    value = der(0x30, der(0x30, oid(issuer.dotted_string), oid(subject.dotted_string)))
    return x509.UnrecognizedExtension(x509.ObjectIdentifier("2.5.29.33"), value), False


EXPLICIT_POLICY = (x509.PolicyConstraints(0, None), False)


def configure(name, key, cert, chain=(), **kw):
    return tsa_config(f"{W}/tsa-{name}", key, cert, list(chain) or [TSA_ROOT], **kw)


def variant(name, key=None, chain=(TSA_ROOT,), **kw):
    key = key or rsa_key()
    cert_kw = {k: kw.pop(k) for k in ("eku", "ku", "under_inter", "not_before", "not_after", "ca", "ku_critical")
               if k in kw}
    return name, configure(name, key, tsa_cert(key, **cert_kw), chain=chain, **kw)


VARIANTS = [
    variant("plain"),
    variant("eku not critical", eku=(TS_EKU, False)),
    variant("eku timeStamping and codeSigning", eku=(TS_EKU + [ExtendedKeyUsageOID.CODE_SIGNING], True)),
    variant("eku anyExtendedKeyUsage", eku=([ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE], True)),
    variant("no eku", eku=None),
    variant("no key usage", ku=False),
    variant("key usage keyEncipherment only", ku={"key_encipherment": True}),
    variant("key usage digitalSignature not critical", ku_critical=False),
    variant("under an intermediate, chain included", under_inter=True, chain=(TSA_INTER, TSA_ROOT)),
    variant("under an intermediate, chain not included", under_inter=True, chain=(TSA_ROOT,)),
    variant("ESSCertID v1 (SHA-1)", ess_alg="sha1"),
    variant("ESSCertIDv2 SHA-512", ess_alg="sha512"),
    variant("ESS ids of the chain", ess_chain="yes", under_inter=True, chain=(TSA_INTER, TSA_ROOT)),
    variant("signed with SHA-384", digest="sha384"),
    variant("signed with SHA-512", digest="sha512"),
    variant("no accuracy", accuracy=None),
    variant("accuracy 500 ms", accuracy="millisecs:500"),
    variant("accuracy 1 hour", accuracy="secs:3600"),
    variant("accuracy 3 days", accuracy="secs:259200"),
    variant("TSA certificate expired", not_before=now() - 10 * DAY, not_after=now() - DAY),
    variant("TSA certificate not yet valid", not_before=now() + DAY, not_after=now() + 10 * DAY),
    variant("TSA certificate marked CA", ca=True, ku={"digital_signature": True, "key_cert_sign": True}),
    variant("ECDSA P-256 TSA", key=ec.generate_private_key(ec.SECP256R1())),
    variant("ECDSA P-384 TSA", key=ec.generate_private_key(ec.SECP384R1()), digest="sha384"),
]
# --- signing keys: one long-lived, one expiring half a minute after the signing starts --------------
ROOT_KEY = rsa_key()
ROOT = make_cert(dn("ts root"), ROOT_KEY, dn("ts root"), ROOT_KEY, ca=True, not_after=now() + 30 * DAY)
os.makedirs(f"{CFG}/truststore/x509/ca/ts", exist_ok=True)
with open(f"{CFG}/truststore/x509/ca/ts/root.pem", "wb") as f:
    f.write(pem(ROOT))
keys = {"keys": []}
KEYS = {}
# The "short" key's certificate is valid while the tools sign; once every signature is made, it
# is re-issued (same key, subject and issuer) to end right after the last signing and put in
# those envelopes' x5c, which their signatures do not cover. So they rest on their timestamps
# alone however long signing took.
for name, not_after in (("long", now() + 10 * DAY), ("short", now() + 10 * DAY)):
    k = rsa_key()
    KEYS[name] = k
    c = make_cert(dn(f"ts {name}"), k, ROOT.subject, ROOT_KEY, not_after=not_after)
    with open(f"{CFG}/{name}.key", "wb") as f:
        f.write(key_pem(k))
    with open(f"{CFG}/{name}.crt", "wb") as f:
        f.write(pem(c) + pem(ROOT))
    keys["keys"].append({"name": name, "keyPath": f"{CFG}/{name}.key", "certPath": f"{CFG}/{name}.crt"})
with open(f"{CFG}/signingkeys.json", "w") as f:
    json.dump(keys, f)

report = Report("notation")
SIGNED = []  # (label, layout, digest, signer)
SIGN_RESULT = {}  # layout -> the signer's outcome
def sign_both(i, vname, cose=False):
    """Both tools sign an artifact each with the TSA of VARIANTS[i], with each key; the sign
    outcomes are compared."""
    CURRENT[0] = VARIANTS[i][1]
    prefix, fmt, kind = ("c", ["--signature-format", "cose"], "COSE, ") if cose else ("l", [], "")
    for keyname in ("long", "short"):
        for who, tool in (("notation", NOTATION), ("notary", NOTARY)):
            lay = f"{prefix}{i}-{who}-{keyname}"
            with open(f"{lay}.txt", "w") as f:
                f.write(lay)
            sh(ORAS, "push", "--oci-layout", f"{lay}:v1", f"{lay}.txt")
            digest = sh(ORAS, "resolve", "--oci-layout", f"{lay}:v1")
            SIGNED.append((f"{vname}, {kind}signed by {who} with the {keyname}-lived key", lay, digest, who))
            SIGN_RESULT[lay] = outcome([tool, "sign", "--oci-layout", *fmt, "--key", keyname, "--timestamp-url",
                                        TSA_URL, "--timestamp-root-cert", f"{W}/tsaroot.pem", f"{lay}@{digest}"],
                                       ENV)
        report.record(f"sign {'COSE ' if cose else ''}({keyname}-lived key): {vname}",
                      SIGN_RESULT[f"{prefix}{i}-notation-{keyname}"], SIGN_RESULT[f"{prefix}{i}-notary-{keyname}"])


for i, (vname, _) in enumerate(VARIANTS):
    sign_both(i, vname)
# COSE signatures with a few of the configurations (the token sits in another header there).
for i, (vname, _) in enumerate(VARIANTS):
    if vname in ("plain", "accuracy 500 ms", "ECDSA P-256 TSA", "under an intermediate, chain included",
                 "eku not critical"):
        sign_both(i, vname, cose=True)
# Tokens from every configuration, including those the signers refuse, put into signatures made
# with the plain TSA: the envelope signature does not cover its timestamp, so only the
# verification of the token decides.
PATCHED = []  # (label, layout, digest) of signatures whose token was replaced


def blob(lay, d):
    return f"{lay}/blobs/sha256/{d[7:]}"


def put(lay, data):
    d = "sha256:" + hashlib.sha256(data).hexdigest()
    with open(blob(lay, d), "wb") as f:
        f.write(data)
    return d, len(data)


def patch_token(lay, subject, make_token):
    """Replaces the timestamp of the one signature on `subject` in layout `lay` with
    `make_token(signature bytes)` (DER, or None to drop the header)."""
    def edit(envelope):
        sig = base64.urlsafe_b64decode(envelope["signature"] + "=" * (-len(envelope["signature"]) % 4))
        token = make_token(sig)
        envelope.setdefault("header", {})
        if token is None:
            envelope["header"].pop("io.cncf.notary.timestampSignature", None)
        else:
            envelope["header"]["io.cncf.notary.timestampSignature"] = base64.b64encode(token).decode()
    patch_envelope(lay, subject, edit)


def patch_cose_x5chain(lay, subject, leaf_der):
    """Replaces the leaf of the COSE envelope's x5chain (unprotected label 33) in layout `lay`."""
    import cbor2

    def edit_bytes(data):
        tagged = cbor2.loads(data)
        prot, unprot, payload, sig = tagged.value
        chain = unprot[33] if isinstance(unprot[33], list) else [unprot[33]]
        unprot[33] = [leaf_der] + chain[1:]
        return cbor2.dumps(cbor2.CBORTag(tagged.tag, [prot, unprot, payload, sig]))
    patch_envelope(lay, subject, None, edit_bytes)


def patch_envelope(lay, subject, edit, edit_bytes=None):
    """Applies `edit` to the JWS envelope of the one signature on `subject` in layout `lay`."""
    with open(f"{lay}/index.json") as f:
        index = json.load(f)
    entry = next(m for m in index["manifests"] if m["digest"] != subject and
                 m.get("artifactType", m.get("mediaType")) != "application/vnd.oci.image.index.v1+json"
                 and m["mediaType"] == "application/vnd.oci.image.manifest.v1+json")
    with open(blob(lay, entry["digest"])) as f:
        manifest = json.load(f)
    if edit_bytes:
        with open(blob(lay, manifest["layers"][0]["digest"]), "rb") as f:
            data = edit_bytes(f.read())
    else:
        with open(blob(lay, manifest["layers"][0]["digest"])) as f:
            envelope = json.load(f)
        edit(envelope)
        data = json.dumps(envelope).encode()
    d, n = put(lay, data)
    manifest["layers"][0].update(digest=d, size=n)
    d, n = put(lay, json.dumps(manifest).encode())
    entry.update(digest=d, size=n)
    with open(f"{lay}/index.json", "w") as f:
        json.dump(index, f)


def token_from(conf, digest_alg="sha256", other_data=False, response=False):
    def make(sig):
        with open(f"{W}/sig.bin", "wb") as f:
            f.write(b"other" + sig if other_data else sig)
        subprocess.run(["openssl", "ts", "-query", "-data", f"{W}/sig.bin", f"-{digest_alg}", "-cert",
                        "-out", f"{W}/p.tsq"], check=True, capture_output=True)
        args = [] if response else ["-token_out"]
        subprocess.run(["openssl", "ts", "-reply", "-config", conf, "-queryfile", f"{W}/p.tsq", *args,
                        "-out", f"{W}/p.der"], check=True, capture_output=True)
        return open(f"{W}/p.der", "rb").read()
    return make


def odd_tsa(**kw):
    key = kw.pop("key", None) or rsa_key()
    chain = kw.pop("chain", (TSA_ROOT,))
    return cms_token(key, tsa_cert(key, **kw), chain)


PLAIN = VARIANTS[0][1]
# (`openssl ts` makes tokens only with TSA certificates it accepts itself.)
TOKENS = [(f"token of '{name}'", token_from(conf)) for i, (name, conf) in enumerate(VARIANTS)
          if SIGN_RESULT[f"l{i}-notary-long"][0] or SIGN_RESULT[f"l{i}-notation-long"][0]] + [
    ("built token, plain TSA", odd_tsa()),
    ("built token, eku not critical", odd_tsa(eku=(TS_EKU, False))),
    ("built token, eku timeStamping and codeSigning", odd_tsa(eku=(TS_EKU + [ExtendedKeyUsageOID.CODE_SIGNING], True))),
    ("built token, eku anyExtendedKeyUsage", odd_tsa(eku=([ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE], True))),
    ("built token, no eku", odd_tsa(eku=None)),
    ("built token, no key usage", odd_tsa(ku=False)),
    ("built token, key usage keyEncipherment only", odd_tsa(ku={"key_encipherment": True})),
    ("built token, TSA certificate expired", odd_tsa(not_before=now() - 10 * DAY, not_after=now() - DAY)),
    ("built token, TSA certificate not yet valid", odd_tsa(not_before=now() + DAY, not_after=now() + 10 * DAY)),
    ("built token, TSA certificate marked CA", odd_tsa(ca=True, ku={"digital_signature": True, "key_cert_sign": True})),
    ("built token, under an intermediate not included", odd_tsa(under_inter=True)),
    ("built token, under an intermediate included", odd_tsa(under_inter=True, chain=(TSA_INTER,))),
    ("built token, ECDSA P-256 TSA", odd_tsa(key=ec.generate_private_key(ec.SECP256R1()))),
    *[(f"built token, under an intermediate {label}", odd_tsa(under_inter=(i, TSA_INTER_KEY), chain=(i,)))
      for label, i in [(label, make_cert(dn("ts tsa inter"), TSA_INTER_KEY, TSA_ROOT.subject, TSA_ROOT_KEY, ca=True,
                                         not_after=kw.pop("not_after", now() + 20 * DAY), **kw))
                       for label, kw in [
                           ("with EKU serverAuth only", dict(extra=[(x509.ExtendedKeyUsage(
                               [ExtendedKeyUsageOID.SERVER_AUTH]), False)])),
                           ("with EKU timeStamping", dict(extra=[(x509.ExtendedKeyUsage(TS_EKU), False)])),
                           ("with EKU anyExtendedKeyUsage", dict(extra=[(x509.ExtendedKeyUsage(
                               [ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE]), False)])),
                           ("without key usage", dict(ku=False)),
                           ("without keyCertSign", dict(ku={"crl_sign": True})),
                           ("with basic constraints not critical", dict(bc_critical=False)),
                           ("with path length 0", dict(pathlen=0)),
                           ("expired", dict(not_before=now() - 10 * DAY, not_after=now() - DAY)),
                           ("with critical DNS name constraints", dict(extra=[(x509.NameConstraints(
                               permitted_subtrees=[x509.DNSName("example.test")], excluded_subtrees=None), True)])),
                           ("with critical policy constraints", dict(extra=[(x509.PolicyConstraints(0, None), True)])),
                           ("with an unknown critical extension", dict(extra=[(x509.UnrecognizedExtension(
                               x509.ObjectIdentifier("1.2.3.4.8"), b"\x05\x00"), True)])),
                       ]]],
    # Certificate policies along the chain (the TSA certificate names `leaf`).
    *[(f"built token, {label}", odd_tsa(under_inter=(i, TSA_INTER_KEY), chain=(i,), policies=leaf))
      for label, leaf, i in [(label, leaf, make_cert(dn("ts tsa inter"), TSA_INTER_KEY, TSA_ROOT.subject,
                                                     TSA_ROOT_KEY, ca=True, not_after=now() + 20 * DAY,
                                                     extra=list(extra)))
                             for label, leaf, extra in [
                                 ("explicit policy A, TSA names A", [POLICY_A],
                                  [cert_policies(POLICY_A), EXPLICIT_POLICY]),
                                 ("explicit policy A, TSA names B", [POLICY_B],
                                  [cert_policies(POLICY_A), EXPLICIT_POLICY]),
                                 ("explicit policy A mapped to B, TSA names B", [POLICY_B],
                                  [cert_policies(POLICY_A), EXPLICIT_POLICY, policy_mapping(POLICY_A, POLICY_B)]),
                                 ("explicit anyPolicy, TSA names B", [POLICY_B],
                                  [cert_policies(x509.ObjectIdentifier("2.5.29.32.0")), EXPLICIT_POLICY]),
                                 ("policy A mapped to anyPolicy, TSA names A", [POLICY_A],
                                  [cert_policies(POLICY_A), policy_mapping(POLICY_A, x509.ObjectIdentifier("2.5.29.32.0"))]),
                                 ("policy A, TSA names B, nothing explicit", [POLICY_B], [cert_policies(POLICY_A)]),
                             ]]],
    ("token imprinting SHA-384", token_from(PLAIN, "sha384")),
    ("token imprinting SHA-512", token_from(PLAIN, "sha512")),
    ("token over other bytes", token_from(PLAIN, other_data=True)),
    ("a whole TimeStampResp instead of the token", token_from(PLAIN, response=True)),
    ("token truncated", lambda sig: token_from(PLAIN)(sig)[:-40]),
    ("token with a byte after it", lambda sig: token_from(PLAIN)(sig) + b"\x00"),
    ("garbage token", lambda sig: b"garbage"),
    ("empty token", lambda sig: b""),
    ("no token", lambda sig: None),
]
CURRENT[0] = PLAIN
for j, (tlabel, make) in enumerate(TOKENS):
    for keyname in ("long", "short"):
        lay = f"p{j}-{keyname}"
        with open(f"{lay}.txt", "w") as f:
            f.write(lay)
        sh(ORAS, "push", "--oci-layout", f"{lay}:v1", f"{lay}.txt")
        digest = sh(ORAS, "resolve", "--oci-layout", f"{lay}:v1")
        sh(NOTARY, "sign", "--oci-layout", "--key", keyname, "--timestamp-url", TSA_URL,
           "--timestamp-root-cert", f"{W}/tsaroot.pem", f"{lay}@{digest}")
        patch_token(lay, digest, make)
        SIGNED.append((f"{tlabel}, {keyname}-lived key", lay, digest, "patched"))
        SIGN_RESULT[lay] = (True, "")

SHORT_UNTIL = now() + datetime.timedelta(seconds=1)
EXPIRED = make_cert(dn("ts short"), KEYS["short"], ROOT.subject, ROOT_KEY, not_before=now() - DAY,
                    not_after=SHORT_UNTIL)
for label, lay, digest, _ in SIGNED:
    if "short-lived" in label and SIGN_RESULT[lay][0]:
        if "COSE" in label:
            patch_cose_x5chain(lay, digest, EXPIRED.public_bytes(serialization.Encoding.DER))
        else:
            patch_envelope(lay, digest, lambda env: env["header"]["x5c"].__setitem__(
                0, base64.b64encode(EXPIRED.public_bytes(serialization.Encoding.DER)).decode()))
# Every signature of the short-lived key now rests on its timestamp alone.
time.sleep(max(0.0, (SHORT_UNTIL - now()).total_seconds()) + 2)


# Refused by notary where notation accepts (README: Deliberate differences), by case name.
STRICTER = {
    "intermediate with basic constraints not critical":
        "root and intermediate certificates of timestamping chains must carry a critical basicConstraints",
    "intermediate with critical DNS name constraints":
        "critical nameConstraints in a TSA chain are refused (nothing here enforces them)",
}


def policy(stores, verify_timestamp=None, level="strict"):
    sv = {"level": level}
    if verify_timestamp:
        sv["verifyTimestamp"] = verify_timestamp
    with open(f"{CFG}/trustpolicy.json", "w") as f:
        json.dump({"version": "1.0", "trustPolicies": [{
            "name": "ts", "registryScopes": ["*"], "signatureVerification": sv,
            "trustStores": stores, "trustedIdentities": ["*"]}]}, f)


for store, content in (("ts", TSA_ROOT), ("other", OTHER_ROOT), ("inter", TSA_INTER)):
    os.makedirs(f"{CFG}/truststore/x509/tsa/{store}", exist_ok=True)
    with open(f"{CFG}/truststore/x509/tsa/{store}/root.pem", "wb") as f:
        f.write(pem(content))
POLICIES = [("tsa store with the root", ["ca:ts", "tsa:ts"], None),
            ("no tsa store", ["ca:ts"], None),
            ("tsa store with another root", ["ca:ts", "tsa:other"], None),
            ("tsa store with the intermediate", ["ca:ts", "tsa:inter"], None),
            ("afterCertExpiry", ["ca:ts", "tsa:ts"], "afterCertExpiry")]
for plabel, stores, vt in POLICIES:
    policy(stores, vt)
    for label, lay, digest, who in SIGNED:
        if not SIGN_RESULT[lay][0]:
            continue
        args = ["verify", "--oci-layout", "--scope", "local/ts", f"{lay}@{digest}"]
        theirs, ours = outcome([NOTATION, *args], ENV), outcome([NOTARY, *args], ENV)
        # (only where the timestamp is verified: without a tsa store, or before the certificate
        # expires under afterCertExpiry, the TSA chain is not looked at)
        rule = next((r for k, r in STRICTER.items() if k in label), None) if theirs[0] and not ours[0] else None
        report.record(f"verify ({plabel}): {label}", theirs, ours, stricter=rule)

report.finish("cases", 40)
