#!/usr/bin/env python3
"""Differential run: certificate chain shapes, validity edges, timestamps and the signingAuthority
scheme, on JWS envelopes built here, under `notation verify` and `notary verify`.

    chains.py NOTARY NOTATION ORAS WORKDIR

Each case is an OCI layout holding one artifact and one signature: `notary` signs it, then the
envelope is replaced by one signed here with the case's key and carrying the case's `x5c`
(duplicated, appended, cross-signed or missing certificates, expired or not yet valid ones), the
case's signing time, expiry and scheme, and a timestamp token built here at the case's genTime
(accuracy, TSA policy and TSA chain as the case needs: tokens are made in Python so that genTime
can sit on a certificate's notAfter to the second). Both tools verify it under the case's trust
policy. The outcomes must agree, and each case's expected outcome under the specification (the
trust store and policy spec: an ordered chain ending in a root, anchored by a certificate
byte-equal to a trusted one, every certificate valid at the authentic time, genTime ± accuracy
inside the signing chain's validity)
must hold for both. Exits 1 on any mismatch.

Needs python3 with `cryptography` (scripts/setup.sh installs it).
"""
import base64
import datetime
import hashlib
import json
import os
import subprocess
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from common import Report, add_signing_key, alg_of, b64u, cms_token, compact, environment, outcome, pem, raw_sign, run

NOTARY, NOTATION, ORAS, W = sys.argv[1:5]
ENV = environment(W)
CFG = f"{W}/xdg/notation"
DAY = datetime.timedelta(days=1)
SECOND = datetime.timedelta(seconds=1)
T0 = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
R = Report("notation")


def dn(cn):
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "US"),
                      x509.NameAttribute(NameOID.STATE_OR_PROVINCE_NAME, "WA"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "chains"),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def rsa_key(bits=2048):
    return rsa.generate_private_key(65537, bits)


def cert(subject, key, issuer, issuer_key, not_before, not_after, ca=False, pathlen=None, eku=None):
    """A CA (keyCertSign, critical basicConstraints) or a leaf (digitalSignature, `eku`: the
    codeSigning EKU by default, or (oid, critical))."""
    b = (x509.CertificateBuilder().subject_name(dn(subject)).issuer_name(dn(issuer))
         .public_key(key.public_key()).serial_number(x509.random_serial_number())
         .not_valid_before(not_before).not_valid_after(not_after)
         .add_extension(x509.BasicConstraints(ca=ca, path_length=pathlen), critical=True)
         .add_extension(x509.KeyUsage(digital_signature=not ca, content_commitment=False,
                                      key_encipherment=False, data_encipherment=False,
                                      key_agreement=False, key_cert_sign=ca, crl_sign=ca,
                                      encipher_only=False, decipher_only=False), critical=True))
    if not ca:
        oid, critical = eku or (ExtendedKeyUsageOID.CODE_SIGNING, False)
        b = b.add_extension(x509.ExtendedKeyUsage([oid]), critical=critical)
    return b.sign(issuer_key, hashes.SHA256())


def der_of(c):
    return c.public_bytes(serialization.Encoding.DER)


def store(kind, name, certs):
    d = f"{CFG}/truststore/x509/{kind}/{name}"
    os.makedirs(d, exist_ok=True)
    for f in os.listdir(d):
        os.remove(f"{d}/{f}")
    for i, c in enumerate(certs):
        with open(f"{d}/c{i}.pem", "wb") as f:
            f.write(pem(c))


def policy(stores, level="strict", verify_timestamp=None):
    sv = {"level": level}
    if verify_timestamp:
        sv["verifyTimestamp"] = verify_timestamp
    with open(f"{CFG}/trustpolicy.json", "w") as f:
        json.dump({"version": "1.0", "trustPolicies": [{
            "name": "p", "registryScopes": ["*"], "signatureVerification": sv,
            "trustStores": stores, "trustedIdentities": ["*"]}]}, f)


# --- layouts whose signature is replaced -----------------------------------------------------------
def rfc3339(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


class Layout:
    """An OCI layout with one artifact that notary signed once (key `base`); `envelope` replaces
    the signature's envelope, keeping every digest and size right."""
    count = 0

    def __init__(self):
        Layout.count += 1
        self.path = f"{W}/layout{Layout.count}"
        src = f"{W}/src{Layout.count}"
        os.makedirs(src)
        with open(f"{src}/artifact.txt", "w") as f:
            f.write(f"artifact {Layout.count}\n")
        r = subprocess.run([ORAS, "push", "--oci-layout", f"{self.path}:v1", "artifact.txt"], cwd=src, env=ENV,
                           capture_output=True, text=True)
        if r.returncode:
            sys.exit(f"oras push: {r.stderr}")
        self.digest = run(ENV, ORAS, "resolve", "--oci-layout", f"{self.path}:v1")
        run(ENV, NOTARY, "sign", "--oci-layout", "--key", "base", f"{self.path}@{self.digest}")
        self.ref = f"{self.path}@{self.digest}"
        _, manifest = self._signature()
        with open(self._blob(manifest["layers"][0]["digest"])) as f:
            self.payload = json.load(f)["payload"]

    def _blob(self, d):
        return f"{self.path}/blobs/sha256/{d[7:]}"

    def _put(self, data):
        d = "sha256:" + hashlib.sha256(data).hexdigest()
        with open(self._blob(d), "wb") as f:
            f.write(data)
        return d, len(data)

    def _signature(self):
        with open(f"{self.path}/index.json") as f:
            index = json.load(f)
        entry = next(m for m in index["manifests"] if m["digest"] != self.digest)
        with open(self._blob(entry["digest"])) as f:
            return index, json.load(f)

    def envelope(self, key, chain, scheme="notary.x509", signing_time=None, expiry=None, token_fn=None,
                 raw_token=None):
        alg = alg_of(key)
        p = {"alg": alg, "crit": ["io.cncf.notary.signingScheme"],
             "cty": "application/vnd.cncf.notary.payload.v1+json", "io.cncf.notary.signingScheme": scheme}
        t = signing_time or T0
        if scheme == "notary.x509":
            p["io.cncf.notary.signingTime"] = rfc3339(t)
        else:
            p["io.cncf.notary.authenticSigningTime"] = rfc3339(t)
            p["crit"].append("io.cncf.notary.authenticSigningTime")
        if expiry:
            p["io.cncf.notary.expiry"] = rfc3339(expiry)
            p["crit"].append("io.cncf.notary.expiry")
        protected = b64u(compact(p).encode())
        sig = raw_sign(key, alg, f"{protected}.{self.payload}".encode())
        header = {"x5c": [base64.b64encode(der_of(c)).decode() for c in chain],
                  "io.cncf.notary.signingAgent": "chains.py"}
        tok = token_fn(sig) if token_fn else raw_token
        if tok:
            header["io.cncf.notary.timestampSignature"] = base64.b64encode(tok).decode()
        env = {"payload": self.payload, "protected": protected, "header": header, "signature": b64u(sig)}
        index, manifest = self._signature()
        d, n = self._put(json.dumps(env).encode())
        manifest["layers"][0].update(digest=d, size=n)
        d, n = self._put(json.dumps(manifest).encode())
        entry = next(m for m in index["manifests"] if m["digest"] != self.digest)
        entry.update(digest=d, size=n)
        with open(f"{self.path}/index.json", "w") as f:
            json.dump(index, f)


def case(label, stores, key, chain, expect, level="strict", vt=None, **kw):
    """One layout, one envelope, both verifications; both must give `expect` (the spec's
    outcome), or agree where `expect` is None."""
    lay = Layout()
    lay.envelope(key, chain, **kw)
    policy(stores, level=level, verify_timestamp=vt)
    args = ["verify", "--oci-layout", "--scope", "local/chains", lay.ref]
    theirs, ours = outcome([NOTATION, *args], ENV), outcome([NOTARY, *args], ENV)
    if expect is not None and (theirs[0], ours[0]) != (expect, expect):
        R.mismatch(label, f"expected both to {'accept' if expect else 'refuse'}: notation "
                          f"{'accepted' if theirs[0] else 'refused'}, notary {'accepted' if ours[0] else 'refused'}"
                          f"\n  notation: {theirs[1]}\n  notary: {ours[1]}")
        return
    R.record(label, theirs, ours)


# --- the PKI -----------------------------------------------------------------------------------------
os.makedirs(CFG, exist_ok=True)
with open(f"{CFG}/signingkeys.json", "w") as f:
    json.dump({"keys": []}, f)

ROOT_K, INT_K, ROOT2_K, LEAF_K = rsa_key(3072), rsa_key(3072), rsa_key(3072), ec.generate_private_key(ec.SECP256R1())
ROOT = cert("root", ROOT_K, "root", ROOT_K, T0 - 400 * DAY, T0 + 400 * DAY, ca=True)
INT = cert("int", INT_K, "root", ROOT_K, T0 - 300 * DAY, T0 + 300 * DAY, ca=True, pathlen=0)
ROOT2 = cert("root2", ROOT2_K, "root2", ROOT2_K, T0 - 400 * DAY, T0 + 400 * DAY, ca=True)
INT_X = cert("int", INT_K, "root2", ROOT2_K, T0 - 300 * DAY, T0 + 300 * DAY, ca=True, pathlen=0)
LEAF = cert("leaf", LEAF_K, "int", INT_K, T0 - 10 * DAY, T0 + 10 * DAY)
LEAF_EXP = cert("leaf", LEAF_K, "int", INT_K, T0 - 10 * DAY, T0 - DAY)
LEAF_FUT = cert("leaf", LEAF_K, "int", INT_K, T0 + DAY, T0 + 10 * DAY)
LEAF_EDGE = cert("leaf", LEAF_K, "int", INT_K, T0 - 10 * DAY, T0 - 2 * DAY)
EDGE = T0 - 2 * DAY  # LEAF_EDGE's notAfter
ROOT_OLD = cert("root", ROOT_K, "root", ROOT_K, T0 - 400 * DAY, T0 - DAY, ca=True)
INT_OLD = cert("int", INT_K, "root", ROOT_K, T0 - 300 * DAY, T0 - DAY, ca=True, pathlen=0)

TS = (ExtendedKeyUsageOID.TIME_STAMPING, True)
TR_K, TI_K, TL_K, TR2_K = rsa_key(), rsa_key(), rsa_key(), rsa_key()
TROOT = cert("tsa root", TR_K, "tsa root", TR_K, T0 - 4000 * DAY, T0 + 4000 * DAY, ca=True)
TINT = cert("tsa int", TI_K, "tsa root", TR_K, T0 - 3000 * DAY, T0 + 3000 * DAY, ca=True)
TLEAF = cert("tsa", TL_K, "tsa int", TI_K, T0 - 2000 * DAY, T0 + 2000 * DAY, eku=TS)
TROOT_OLD = cert("tsa root", TR_K, "tsa root", TR_K, T0 - 4000 * DAY, T0 - DAY, ca=True)
TINT_OLD = cert("tsa int", TI_K, "tsa root", TR_K, T0 - 3000 * DAY, T0 - DAY, ca=True)
TLEAF_OLD = cert("tsa", TL_K, "tsa int", TI_K, T0 - 2000 * DAY, T0 - DAY, eku=TS)
TROOT2 = cert("tsa root2", TR2_K, "tsa root2", TR2_K, T0 - 4000 * DAY, T0 + 4000 * DAY, ca=True)
TINT_X = cert("tsa int", TI_K, "tsa root2", TR2_K, T0 - 3000 * DAY, T0 + 3000 * DAY, ca=True)

base_k = ec.generate_private_key(ec.SECP256R1())
add_signing_key(CFG, "base", base_k, [cert("base", base_k, "root", ROOT_K, T0 - DAY, T0 + 30 * DAY), ROOT])
for kind, name, certs in [("ca", "root", [ROOT]), ("ca", "root2", [ROOT2]), ("ca", "int", [INT]),
                          ("ca", "rootold", [ROOT_OLD]), ("signingAuthority", "root", [ROOT]),
                          ("tsa", "troot", [TROOT]), ("tsa", "trootold", [TROOT_OLD]), ("tsa", "troot2", [TROOT2])]:
    store(kind, name, certs)
policy(["ca:root"])


def ts(at, chain=(TINT, TROOT), leaf=TLEAF, **kw):
    return cms_token(TL_K, leaf, list(chain), at, **kw)


# --- chain shapes (notary.x509, no timestamp) ----------------------------------------------------
case("chain [L,I,R], store R", ["ca:root"], LEAF_K, [LEAF, INT, ROOT], True)
case("chain [L,I,R], store holding only I (anchored by byte equality)", ["ca:int"], LEAF_K, [LEAF, INT, ROOT], True)
case("chain [L,I,I,R]", ["ca:root"], LEAF_K, [LEAF, INT, INT, ROOT], False)
case("chain [L,L,I,R]", ["ca:root"], LEAF_K, [LEAF, LEAF, INT, ROOT], False)
case("chain [L,I,R,R]", ["ca:root"], LEAF_K, [LEAF, INT, ROOT, ROOT], False)
case("chain [L,I,R] and an unrelated root after it", ["ca:root"], LEAF_K, [LEAF, INT, ROOT, ROOT2], False)
case("cross-signed intermediate [L,I(by R2),R2], store R", ["ca:root"], LEAF_K, [LEAF, INT_X, ROOT2], False)
case("cross-signed intermediate [L,I(by R2),R2], store R2", ["ca:root2"], LEAF_K, [LEAF, INT_X, ROOT2], True)
case("both intermediates [L,I,I(by R2),R2], store R2", ["ca:root2"], LEAF_K, [LEAF, INT, INT_X, ROOT2], False)
case("chain [L,I] without its root, store I", ["ca:int"], LEAF_K, [LEAF, INT], False)
case("chain [L] alone, store R", ["ca:root"], LEAF_K, [LEAF], False)

# --- validity (notary.x509) ------------------------------------------------------------------------
BOTH = ["ca:root", "tsa:troot"]
case("root expired, no timestamp", ["ca:rootold"], LEAF_K, [LEAF, INT, ROOT_OLD], False)
case("intermediate expired, no timestamp", ["ca:root"], LEAF_K, [LEAF, INT_OLD, ROOT], False)
case("leaf expired, timestamped inside its validity, tsa store", BOTH, LEAF_K, [LEAF_EXP, INT, ROOT], True,
     token_fn=ts(T0 - 3 * DAY), signing_time=T0 - 3 * DAY)
case("leaf expired, timestamped inside its validity, no tsa store", ["ca:root"], LEAF_K, [LEAF_EXP, INT, ROOT],
     False, token_fn=ts(T0 - 3 * DAY), signing_time=T0 - 3 * DAY)
case("leaf expired, timestamped after its expiry", BOTH, LEAF_K, [LEAF_EXP, INT, ROOT], False, token_fn=ts(T0))
case("leaf expired, afterCertExpiry, timestamped inside", BOTH, LEAF_K, [LEAF_EXP, INT, ROOT], True,
     vt="afterCertExpiry", token_fn=ts(T0 - 3 * DAY))
case("root expired, afterCertExpiry, timestamped inside", ["ca:rootold", "tsa:troot"], LEAF_K,
     [LEAF, INT, ROOT_OLD], True, vt="afterCertExpiry", token_fn=ts(T0 - 3 * DAY))
case("timestamped before the leaf's notBefore", BOTH, LEAF_K, [LEAF, INT, ROOT], False, token_fn=ts(T0 - 11 * DAY))
case("leaf not yet valid, timestamped now", BOTH, LEAF_K, [LEAF_FUT, INT, ROOT], False, token_fn=ts(T0))
case("timestamped two days ahead", BOTH, LEAF_K, [LEAF, INT, ROOT], None, token_fn=ts(T0 + 2 * DAY))
case("timestamped after the leaf's notAfter", BOTH, LEAF_K, [LEAF, INT, ROOT], False, token_fn=ts(T0 + 11 * DAY))
case("genTime 2 s before notAfter, accuracy 1 s", BOTH, LEAF_K, [LEAF_EDGE, INT, ROOT], True,
     token_fn=ts(EDGE - 2 * SECOND))
case("genTime at notAfter, accuracy 1 s", BOTH, LEAF_K, [LEAF_EDGE, INT, ROOT], False, token_fn=ts(EDGE))
case("genTime at notAfter, no accuracy", BOTH, LEAF_K, [LEAF_EDGE, INT, ROOT], True,
     token_fn=ts(EDGE, accuracy=None))
case("genTime 1 s after notAfter, no accuracy", BOTH, LEAF_K, [LEAF_EDGE, INT, ROOT], False,
     token_fn=ts(EDGE + SECOND, accuracy=None))
case("genTime at notAfter, no accuracy, baseline policy (1 s)", BOTH, LEAF_K, [LEAF_EDGE, INT, ROOT], False,
     token_fn=ts(EDGE, accuracy=None, tsa_policy="0.4.0.2023.1.1"))
case("expiry passed, timestamped before it", BOTH, LEAF_K, [LEAF, INT, ROOT], False,
     token_fn=ts(T0 - 3 * DAY), signing_time=T0 - 3 * DAY, expiry=T0 - DAY)

# --- the TSA chain: valid at genTime, path through the token's certificates ------------------------
case("TSA leaf expired now, valid at genTime", BOTH, LEAF_K, [LEAF_EXP, INT, ROOT], True,
     token_fn=ts(T0 - 3 * DAY, leaf=TLEAF_OLD))
case("TSA intermediate expired now, valid at genTime", BOTH, LEAF_K, [LEAF_EXP, INT, ROOT], True,
     token_fn=ts(T0 - 3 * DAY, chain=(TINT_OLD, TROOT)))
case("TSA root in the store expired now, valid at genTime", ["ca:root", "tsa:trootold"], LEAF_K,
     [LEAF_EXP, INT, ROOT], True, token_fn=ts(T0 - 3 * DAY, chain=(TINT, TROOT_OLD)))
case("token without the TSA intermediate", BOTH, LEAF_K, [LEAF, INT, ROOT], False, token_fn=ts(T0, chain=(TROOT,)))
case("token with duplicated and unrelated certificates", BOTH, LEAF_K, [LEAF, INT, ROOT], True,
     token_fn=ts(T0, chain=(TINT, TINT, TROOT, ROOT, TLEAF)))
case("token with intermediates under two roots, store the second root", ["ca:root", "tsa:troot2"], LEAF_K,
     [LEAF, INT, ROOT], True, token_fn=ts(T0, chain=(TINT, TROOT, TINT_X)))

# --- notary.x509.signingAuthority --------------------------------------------------------------------
SA = "notary.x509.signingAuthority"
case("signingAuthority: authentic time inside validity, leaf expired now", ["signingAuthority:root"], LEAF_K,
     [LEAF_EXP, INT, ROOT], True, scheme=SA, signing_time=T0 - 3 * DAY)
case("signingAuthority: authentic time before notBefore", ["signingAuthority:root"], LEAF_K,
     [LEAF, INT, ROOT], False, scheme=SA, signing_time=T0 - 11 * DAY)
case("signingAuthority: authentic time after notAfter", ["signingAuthority:root"], LEAF_K,
     [LEAF, INT, ROOT], False, scheme=SA, signing_time=T0 + 11 * DAY)
case("signingAuthority signature, ca store only", ["ca:root"], LEAF_K, [LEAF, INT, ROOT], False, scheme=SA)
case("signingAuthority: garbage timestamp, tsa store", ["signingAuthority:root", "tsa:troot"], LEAF_K,
     [LEAF, INT, ROOT], True, scheme=SA, raw_token=b"garbage")
case("notary.x509 signature, signingAuthority store only", ["signingAuthority:root"], LEAF_K,
     [LEAF, INT, ROOT], False)

# --- levels ------------------------------------------------------------------------------------------
case("permissive: leaf expired, no timestamp", ["ca:root"], LEAF_K, [LEAF_EXP, INT, ROOT], True, level="permissive")
case("permissive: garbage timestamp, tsa store", BOTH, LEAF_K, [LEAF, INT, ROOT], True, level="permissive",
     raw_token=b"garbage")
case("audit: untrusted root", ["ca:root2"], LEAF_K, [LEAF, INT, ROOT], True, level="audit")
case("audit: chain rules broken (duplicated intermediate)", ["ca:root"], LEAF_K, [LEAF, INT, INT, ROOT], False,
     level="audit")

R.finish("chain, validity and timestamp cases", min_accepted=15)
