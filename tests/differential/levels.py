#!/usr/bin/env python3
"""Differential run: verification levels, overrides and trust store contents.

    levels.py NOTARY NOTATION ORAS WORKDIR

Signs artifacts in OCI layouts with `notary` (a good signature, an expired one, one by a signer
outside the trust store, one whose certificate has expired, a mix, one with user metadata, a
COSE one, a tampered one, none), then verifies each with `notation verify` and `notary verify`
under every verification level and a set of overrides, with a matching and a non-matching
trusted identity. Then it puts odd files into the trust store (another root, an intermediate, a
leaf, an expired root, garbage, an empty file, a directory, symbolic links, DER, a key) and
verifies the good signature again. The outcomes (accepted or refused) must agree everywhere.
Exits 1 on any disagreement.

Needs python3 with `cryptography` (scripts/setup.sh installs it).
"""
import datetime
import json
import os
import shutil
import sys
import time

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from common import Report, add_signing_key, cert as make_cert, der, environment, now, outcome, pem, run, tamper_layout_payload

NOTARY, NOTATION, ORAS, W = sys.argv[1:5]
ENV = environment(W)
CFG = f"{W}/xdg/notation"
os.chdir(W)


def sh(*args):
    return run(ENV, *args)


def dn(cn):
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "US"),
                      x509.NameAttribute(NameOID.STATE_OR_PROVINCE_NAME, "WA"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "levels"),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def cert(cn, key, issuer_cn, issuer_key, ca, not_after, not_before=None):
    return make_cert(dn(cn), key, dn(issuer_cn), issuer_key, ca=ca, not_before=not_before,
                     not_after=not_after)


sh(NOTARY, "cert", "generate-test", "good", "--default")
sh(NOTARY, "cert", "generate-test", "other")  # its own store, which the policy does not name
STORE = f"{CFG}/truststore/x509/ca/good"
ROOT_KEY = rsa.generate_private_key(65537, 2048)
ROOT = cert("levels root", ROOT_KEY, "levels root", ROOT_KEY, True, now() + datetime.timedelta(days=9))
with open(f"{STORE}/levels-root.pem", "wb") as f:
    f.write(pem(ROOT))


def artifact(name):
    with open(f"{name}.txt", "w") as f:
        f.write(name)
    sh(ORAS, "push", "--oci-layout", f"{name}:v1", f"{name}.txt")
    return sh(ORAS, "resolve", "--oci-layout", f"{name}:v1")


ART = {}
for name, signs in [("good", [["--key", "good"]]), ("expiring", [["--key", "good", "--expiry", "2s"]]),
                    ("untrusted", [["--key", "other"]]), ("mixed", [["--key", "other"], ["--key", "good"]]),
                    ("metadata", [["--key", "good", "-m", "k=v"]]), ("none", []),
                    ("cose", [["--key", "good", "--signature-format", "cose"]]), ("tampered", [["--key", "good"]])]:
    ART[name] = artifact(name)
    for args in signs:
        sh(NOTARY, "sign", "--oci-layout", *args, f"{name}@{ART[name]}")

# A signer whose certificate expires a few seconds after it signs (8 s: room for a slow machine
# to sign before it does).
ART["expired-cert"] = artifact("expired-cert")
leaf_key = ec.generate_private_key(ec.SECP256R1())
leaf_expiry = now() + datetime.timedelta(seconds=8)
leaf = cert("short-lived", leaf_key, "levels root", ROOT_KEY, False, leaf_expiry)
add_signing_key(CFG, "short", leaf_key, [leaf, ROOT])
sh(NOTARY, "sign", "--oci-layout", "--key", "short", f"expired-cert@{ART['expired-cert']}")
signed_by_short = now()

# Tamper with the payload of the 'tampered' signature, keeping every digest and size right.
tamper_layout_payload("tampered", ART["tampered"])

# Past the 2 s expiry and the short-lived certificate, measured, not assumed.
time.sleep(max(0.0, (max(leaf_expiry, signed_by_short) - now()).total_seconds()) + 2.5)


def policy(level, override, identity):
    sv = {"level": level}
    if override:
        sv["override"] = override
    st = {"name": "p", "registryScopes": ["*"], "signatureVerification": sv}
    if level != "skip":
        st.update(trustStores=["ca:good"], trustedIdentities=[identity])
    with open(f"{CFG}/trustpolicy.json", "w") as f:
        json.dump({"version": "1.0", "trustPolicies": [st]}, f)


def verify(name, extra=()):
    args = ["verify", "--oci-layout", "--scope", "local/levels", *extra, f"{name}@{ART[name]}"]
    return outcome([NOTATION, *args], ENV), outcome([NOTARY, *args], ENV)


report = Report("notation")


LEVELS = [("strict", None), ("permissive", None), ("audit", None), ("skip", None),
          ("strict", {"expiry": "log"}), ("strict", {"authenticity": "log"}),
          ("strict", {"authenticTimestamp": "log"}), ("permissive", {"expiry": "enforce"}),
          ("audit", {"authenticity": "enforce"}), ("permissive", {"authenticTimestamp": "enforce"}),
          ("strict", {"expiry": "skip"}), ("audit", {"expiry": "skip", "authenticity": "skip"}),
          ("strict", {"revocation": "skip"}), ("permissive", {"integrity": "log"})]
for name in ART:
    for level, override in LEVELS:
        for identity in ("*", "x509.subject: C=US, ST=WA, O=nomatch"):
            policy(level, override, identity)
            extra = ["--user-metadata", "k=v"] if name == "metadata" else []
            report.record(f"{name}: {level} {override or ''} {identity[:20]}", *verify(name, extra))

# Odd trust store contents, with the good signature under a strict policy.
policy("strict", None, "*")
ik = ec.generate_private_key(ec.SECP256R1())
other_root = cert("other root", ik, "other root", ik, True, now() + datetime.timedelta(days=9))
inter = cert("levels ca", ik, "levels root", ROOT_KEY, True, now() + datetime.timedelta(days=9))
lone_leaf = cert("lone leaf", ec.generate_private_key(ec.SECP256R1()), "levels ca", ik, False,
                 now() + datetime.timedelta(days=9))
old_root = cert("old root", ik, "old root", ik, True, now() - datetime.timedelta(days=1),
                now() - datetime.timedelta(days=9))
STORE_CASES = {
    "another root": {"r.pem": pem(other_root)}, "an intermediate": {"i.pem": pem(inter)},
    "a leaf that is not self-signed": {"l.pem": pem(lone_leaf)}, "an expired root": {"e.pem": pem(old_root)},
    "garbage": {"x.pem": b"garbage"}, "an empty file": {"x.pem": b""}, "a directory": {"sub": None},
    "a hidden garbage file": {".hidden": b"garbage"}, "a DER root": {"r.der": der(other_root)},
    "a link to a certificate": {"link.pem": ("link", "good.crt")}, "a dangling link": {"dl.pem": ("link", "nowhere")},
    "the same certificate twice": {"copy.pem": open(f"{STORE}/good.crt", "rb").read()},
    "a certificate and a key": {"k.pem": pem(other_root) + ik.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())},
    "text after a certificate": {"t.pem": pem(other_root) + b"text\n"},
}
for label, files in STORE_CASES.items():
    made = []
    for fname, content in files.items():
        path = f"{STORE}/{fname}"
        if content is None:
            os.makedirs(path)
        elif isinstance(content, tuple):
            os.symlink(content[1], path)
        else:
            with open(path, "wb") as f:
                f.write(content)
        made.append(path)
    report.record(f"trust store with {label}", *verify("good"))
    for path in made:
        shutil.rmtree(path) if os.path.isdir(path) and not os.path.islink(path) else os.remove(path)

report.finish("verifications", 50)
