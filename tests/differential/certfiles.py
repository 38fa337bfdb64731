#!/usr/bin/env python3
"""Differential run: certificate files and trust stores.

    certfiles.py NOTARY NOTATION ORAS WORKDIR

Builds a PKI (a signing root, intermediate and leaf, a TSA root and leaf, odd certificates),
signs three artifacts in OCI layouts with notation (x509 scheme; signingAuthority scheme by a
re-signed envelope; an RFC 3161 timestamp from `openssl ts -reply` behind a local HTTP TSA),
then, for each certificate file or trust store layout, compares `notation` and `notary` on:

  add     `cert add --type T --store add FILE`: the exit status
  ls      `cert ls` with the files in x509/T/s/: the exit status and the table, byte for byte
  show    `cert show --type T --store s FILE`: the exit status and the details, byte for byte
  verify  `verify --oci-layout` under a policy naming T:s (and ca:anchor for a TSA store)
  tsroot  `sign --timestamp-url http://127.0.0.1:9/ --timestamp-root-cert FILE`: is the file
          taken (the failure is then the network's) or refused
  tssign  `sign --timestamp-url <local TSA> --timestamp-root-cert FILE`: the exit status

Families: PEM and DER framing (~70 files, store type ca; the same files over the TSA root as
--timestamp-root-cert), odd and re-issued certificates (~60, store types ca and tsa, where the
trust store rules differ, and a few as signingAuthority), file names and store layouts (~25,
ca), large files. A FIFO in a store is left out: notation's `verify` blocks reading it.

Every case must agree, except those in STRICTER, where notary refuses on purpose what notation
accepts (README, "Deliberate differences from notation"), each named with its rule; a listed
case that stops differing fails too. Exits 1 on any mismatch.

Needs python3 with `cryptography` and `openssl` (scripts/setup.sh installs them).
"""
import base64
import datetime
import hashlib
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa, utils
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

from common import Report, der, environment, now, pem, run, ts_reply, tsa_config

NOTARY, NOTATION, ORAS, W = sys.argv[1:5]
W = os.path.abspath(W)
ENV = environment(W)
ENV.update(NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost")
for v in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
    ENV.pop(v, None)
CFG = f"{W}/xdg/notation"
TS = f"{CFG}/truststore/x509"
os.makedirs(TS)
os.makedirs(f"{W}/files")
os.chdir(W)
DAY = datetime.timedelta(days=1)

ADD = "cert add checks each certificate by the trust store rules (a CA or self-signed signing certificate; a root CA for tsa)"
MAX_CERTS = "a certificate file holds at most 1,000 certificates"
BC_CRITICAL = "root and intermediate certificates must carry a critical basicConstraints extension"
RSA_2048 = "RSA keys under 2048 bits are refused"
# Refused by notary, accepted by notation: why (README, "Deliberate differences from notation").
STRICTER = {
    **{f"add {t}: {v}": ADD for t in ("ca", "signingAuthority") for v in (
        "M + non-self-signed leaf (PEM)", "non-self-signed leaf alone (PEM)",
        "M + tsa leaf (PEM)", "tsa leaf alone (PEM)")},
    **{f"add tsa: {v}": ADD for v in (
        "M + self-signed leaf (CA:false) (PEM)", "self-signed leaf (CA:false) alone (PEM)",
        "M + self-signed leaf without BC (PEM)", "self-signed leaf without BC alone (PEM)",
        "M + non-self-signed leaf (PEM)", "non-self-signed leaf alone (PEM)",
        "M + intermediate CA (not self-signed) (PEM)", "intermediate CA (not self-signed) alone (PEM)",
        "M + tsa leaf (PEM)", "tsa leaf alone (PEM)", "M + tsa intermediate (PEM)", "tsa intermediate alone (PEM)",
        "M + root without BC (v3) (PEM)", "root without BC (v3) alone (PEM)",
        "M + root KU without keyCertSign (PEM)", "root KU without keyCertSign alone (PEM)",
        "M + root SHA-1 signed (PEM)", "root SHA-1 signed alone (PEM)",
        "M + self-issued but not self-signed (PEM)", "self-issued but not self-signed alone (PEM)",
        "M + root whose signature has an unused bit (PEM)", "root whose signature has an unused bit alone (PEM)",
        "M + root with an empty extensions list (PEM)", "root with an empty extensions list alone (PEM)",
        "M re-issued no BC")},
    "add tsa: M + root RSA-1024 (PEM)": f"{ADD}; {RSA_2048}",
    "add tsa: root RSA-1024 alone (PEM)": f"{ADD}; {RSA_2048}",
    "verify tsa: M + root RSA-1024 (PEM)": RSA_2048,
    "tsroot: root RSA-1024 alone (PEM)": RSA_2048,
    "verify tsa: M re-issued BC not critical": BC_CRITICAL,
    "tssign: M re-issued BC not critical": BC_CRITICAL,
    **{f"{c} ca: M + 2000 other certs": MAX_CERTS for c in ("add", "ls", "show", "verify")},
}


class CertReport(Report):
    """common.Report that also compares the output of commands both ran successfully."""

    def __init__(self):
        super().__init__("notation")
        self.seen, self.labels = set(), set()

    def compare(self, label, theirs, ours, same_output=True, must_accept=False):
        assert label not in self.labels, f"two cases named {label}"
        self.labels.add(label)
        stricter = STRICTER.get(label)
        if stricter:
            self.seen.add(label)
        if theirs[0] and ours[0] and not same_output:
            self.mismatch(label, f"both succeeded with different output\n  notation: {theirs[1]}\n  notary: {ours[1]}")
            return
        self.record(label, theirs, ours, stricter=stricter, must_accept=must_accept)

    def finish(self, what, min_accepted):
        for label in sorted(set(STRICTER) - self.seen):
            self.mismatch(label, "listed as stricter but no case of it ran")
        super().finish(what, min_accepted)


report = CertReport()


# --- certificates ---------------------------------------------------------------------------------
def pkey_pem(k):
    return k.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                           serialization.NoEncryption())


def name(cn):
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "US"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "certfiles"),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def rsakey(bits=2048):
    return rsa.generate_private_key(65537, bits)


def mk(subject, key, issuer=None, issuer_key=None, ca=True, pathlen=None, bc=True, bc_crit=True,
       ku="default", eku=None, eku_crit=False, nb=None, na=None, ski=True, aki=None, extra=(), alg=None):
    """A certificate for `key`, self-signed unless `issuer` and `issuer_key` are given; valid from
    a day ago for 30 days unless told otherwise."""
    issuer = issuer or subject
    issuer_key = issuer_key or key
    b = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(key.public_key())
         .serial_number(x509.random_serial_number())
         .not_valid_before(nb or now() - DAY).not_valid_after(na or now() + 30 * DAY))
    if bc:
        b = b.add_extension(x509.BasicConstraints(ca=ca, path_length=pathlen), critical=bc_crit)
    if ku == "default":
        ku = dict(key_cert_sign=True, crl_sign=True) if ca else dict(digital_signature=True)
    if ku:
        b = b.add_extension(x509.KeyUsage(
            digital_signature=ku.get("digital_signature", False), content_commitment=False,
            key_encipherment=False, data_encipherment=False, key_agreement=False,
            key_cert_sign=ku.get("key_cert_sign", False), crl_sign=ku.get("crl_sign", False),
            encipher_only=False, decipher_only=False), critical=True)
    if eku:
        b = b.add_extension(x509.ExtendedKeyUsage(eku), critical=eku_crit)
    if ski:
        b = b.add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    if aki is not None:
        b = b.add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(aki), critical=False)
    for e, c in extra:
        b = b.add_extension(e, critical=c)
    if isinstance(issuer_key, ed25519.Ed25519PrivateKey):
        return b.sign(issuer_key, None)
    return b.sign(issuer_key, alg or hashes.SHA256())


def tlv(tag, body_):
    n = len(body_)
    if n < 0x80:
        return bytes([tag, n]) + body_
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(b)]) + b + body_


def parse(b, i=0):
    """(tag, header length, body length) of the DER element at offset i."""
    l = b[i + 1]
    if l < 0x80:
        return b[i], 2, l
    n = l & 0x7F
    return b[i], 2 + n, int.from_bytes(b[i + 2:i + 2 + n], "big")


def children(b):
    out, i = [], 0
    while i < len(b):
        _, h, l = parse(b, i)
        out.append(b[i:i + h + l])
        i += h + l
    return out


def body(e):
    _, h, l = parse(e)
    return e[h:h + l]


def resign(cert, key, mutate, sha1=False):
    """`cert` (signed by the RSA `key`) with mutate(TBS elements) applied, signed again."""
    tbs, sigalg, _ = children(body(der(cert)))
    els = mutate(children(body(tbs)))
    if sha1:
        old = sigalg
        sigalg = sigalg.replace(b"\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0b", b"\x2a\x86\x48\x86\xf7\x0d\x01\x01\x05")
        els = [sigalg if e == old else e for e in els]
    new_tbs = tlv(0x30, b"".join(els))
    sig = key.sign(new_tbs, padding.PKCS1v15(), hashes.SHA1() if sha1 else hashes.SHA256())
    return tlv(0x30, new_tbs + sigalg + tlv(0x03, b"\x00" + sig))


OID_SAN, OID_NC, OID_BC, OID_KU, OID_SKI = (b"\x55\x1d\x11", b"\x55\x1d\x1e", b"\x55\x1d\x13",
                                           b"\x55\x1d\x0f", b"\x55\x1d\x0e")
# certificatePolicies, policyMappings, policyConstraints, inhibitAnyPolicy; a private policy OID.
OID_CP, OID_PM, OID_PC, OID_IAP = b"\x55\x1d\x20", b"\x55\x1d\x21", b"\x55\x1d\x24", b"\x55\x1d\x36"
POLICY = bytes.fromhex("2b0601040183b23a")
# extendedKeyUsage, authorityInfoAccess, CRLDistributionPoints; OCSP access method; a DER NULL.
OID_EKU, OID_AIA, OID_CRLDP = b"\x55\x1d\x25", bytes.fromhex("2b06010505070101"), b"\x55\x1d\x1f"
AD_OCSP, NULL = tlv(0x06, bytes.fromhex("2b06010505073001")), b"\x05\x00"


def ext(oid, value, critical=False, explicit_false=False):
    """One Extension: OID, critical flag (DER: present only when TRUE), OCTET STRING value."""
    flag = b"\x01\x01\xff" if critical else (b"\x01\x01\x00" if explicit_false else b"")
    return tlv(0x30, tlv(0x06, oid) + flag + tlv(0x04, value))


def ext_list(els):
    return children(body(body(els[-1])))


def with_exts(els, exts):
    return els[:-1] + [tlv(0xA3, tlv(0x30, b"".join(exts)))]


def add_ext(e):
    return lambda els: with_exts(els, ext_list(els) + [e if isinstance(e, bytes) else e(els)])


def ski_again(els):
    return next(x for x in ext_list(els) if OID_SKI in x[:8])


def replace_ext(oid, new):
    """Replaces the extension `oid` by `new` (bytes, or a function of the old extnValue)."""
    def edit(els):
        out = []
        for x in ext_list(els):
            parts = children(body(x))
            if body(parts[0]) == oid:
                x = new if isinstance(new, bytes) else new(body(parts[-1]))
            out.append(x)
        return with_exts(els, out)
    return edit


def validity(edit_time, swap=False):
    def edit(els):
        times = children(body(els[4]))
        if swap:
            times = times[::-1]
        else:
            times = [tlv(t[0], edit_time(body(t))) for t in times]
        return els[:4] + [tlv(0x30, b"".join(times))] + els[5:]
    return edit


def names(edit_name):
    return lambda els: els[:3] + [edit_name(els[3])] + els[4:5] + [edit_name(els[5])] + els[6:]


def ber_outer(d):
    """The same certificate with a non-minimal outer SEQUENCE length (BER, not DER)."""
    _, h, l = parse(d)
    return bytes([0x30, 0x84]) + l.to_bytes(4, "big") + d[h:]


def gentime(els):
    """Validity as GeneralizedTime before 2050 (DER requires UTCTime there)."""
    els[4] = tlv(0x30, b"".join(tlv(0x18, b"20" + body(t)) for t in children(body(els[4]))))
    return els


ROOT_KEY, INTER_KEY = rsakey(), rsakey()
LEAF_KEY = ec.generate_private_key(ec.SECP256R1())
ROOT = mk(name("cf root"), ROOT_KEY)
INTER = mk(name("cf inter"), INTER_KEY, name("cf root"), ROOT_KEY, aki=ROOT_KEY.public_key())
LEAF = mk(name("cf leaf"), LEAF_KEY, name("cf inter"), INTER_KEY, ca=False,
          eku=[ExtendedKeyUsageOID.CODE_SIGNING], aki=INTER_KEY.public_key())
TSA_ROOT_KEY, TSA_KEY = rsakey(), rsakey()
TSA_ROOT = mk(name("cf tsa root"), TSA_ROOT_KEY)
TSA = mk(name("cf tsa"), TSA_KEY, name("cf tsa root"), TSA_ROOT_KEY, ca=False,
         eku=[ExtendedKeyUsageOID.TIME_STAMPING], eku_crit=True, aki=TSA_ROOT_KEY.public_key())
TSA_INTER = mk(name("cf tsa inter"), rsakey(), name("cf tsa root"), TSA_ROOT_KEY, aki=TSA_ROOT_KEY.public_key())
OTHER = mk(name("cf other root"), rsakey())

with open(f"{CFG}/k.key", "wb") as f:
    f.write(pkey_pem(LEAF_KEY))
with open(f"{CFG}/k.crt", "wb") as f:
    f.write(pem(LEAF) + pem(INTER) + pem(ROOT))
with open(f"{CFG}/signingkeys.json", "w") as f:
    json.dump({"default": "k", "keys": [{"name": "k", "keyPath": f"{CFG}/k.key", "certPath": f"{CFG}/k.crt"}]}, f)

# --- a local TSA: `openssl ts -reply` behind HTTP ---------------------------------------------------
TSA_CONF = tsa_config(f"{W}/tsa", TSA_KEY, TSA, [TSA_ROOT])
with open(f"{W}/tsaroot.crt", "wb") as f:
    f.write(pem(TSA_ROOT))


class TSAHandler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        data = ts_reply(TSA_CONF, self.rfile.read(int(self.headers["Content-Length"])), W) or b""
        self.send_response(200 if data else 500)
        self.send_header("Content-Type", "application/timestamp-reply")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *a):
        pass


srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), TSAHandler)
threading.Thread(target=srv.serve_forever, daemon=True).start()
TSA_URL = f"http://127.0.0.1:{srv.server_address[1]}/tsa"


# --- artifacts --------------------------------------------------------------------------------------
def artifact(lay):
    with open(f"{lay}.txt", "w") as f:
        f.write(lay)
    run(ENV, ORAS, "push", "--oci-layout", f"{lay}:v1", f"{lay}.txt")
    return run(ENV, ORAS, "resolve", "--oci-layout", f"{lay}:v1")


ART = {lay: artifact(lay) for lay in ("art", "sa", "ts", "tsign")}
run(ENV, NOTATION, "sign", "--oci-layout", "--key", "k", f"art@{ART['art']}")
run(ENV, NOTATION, "sign", "--oci-layout", "--key", "k", f"sa@{ART['sa']}")
run(ENV, NOTATION, "sign", "--oci-layout", "--key", "k", "--timestamp-url", TSA_URL,
    "--timestamp-root-cert", f"{W}/tsaroot.crt", f"ts@{ART['ts']}")


def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def ub64u(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def to_signing_authority(lay):
    """Rewrites the layout's JWS envelope into the notary.x509.signingAuthority scheme."""
    blob = lambda d: f"{lay}/blobs/sha256/{d[7:]}"
    index = json.load(open(f"{lay}/index.json"))
    entry = next(m for m in index["manifests"] if m["digest"] != ART[lay])
    manifest = json.load(open(blob(entry["digest"])))
    env = json.load(open(blob(manifest["layers"][0]["digest"])))
    p = json.loads(ub64u(env["protected"]))
    p["io.cncf.notary.authenticSigningTime"] = p.pop("io.cncf.notary.signingTime")
    p["io.cncf.notary.signingScheme"] = "notary.x509.signingAuthority"
    p["crit"] = ["io.cncf.notary.signingScheme", "io.cncf.notary.authenticSigningTime"]
    prot = b64u(json.dumps(p, separators=(",", ":"), sort_keys=True).encode())
    r, s = utils.decode_dss_signature(LEAF_KEY.sign(f"{prot}.{env['payload']}".encode(), ec.ECDSA(hashes.SHA256())))
    env["protected"] = prot
    env["signature"] = b64u(r.to_bytes(32, "big") + s.to_bytes(32, "big"))

    def put(data):
        d = "sha256:" + hashlib.sha256(data).hexdigest()
        with open(blob(d), "wb") as f:
            f.write(data)
        return d, len(data)

    d, n = put(json.dumps(env).encode())
    manifest["layers"][0].update(digest=d, size=n)
    d, n = put(json.dumps(manifest).encode())
    entry.update(digest=d, size=n)
    json.dump(index, open(f"{lay}/index.json", "w"))


to_signing_authority("sa")


# --- files ------------------------------------------------------------------------------------------
def p(d, label="CERTIFICATE", width=64, sep="\n"):
    """PEM of DER bytes, `width` columns (0: one line)."""
    b = base64.b64encode(d).decode()
    lines = [b[i:i + width] for i in range(0, len(b), width)] if width else [b]
    return (f"-----BEGIN {label}-----{sep}" + sep.join(lines) + f"{sep}-----END {label}-----{sep}").encode()


def mutate_b64(block, f):
    lines = block.decode().split("\n")
    return "\n".join([lines[0]] + [f(l) for l in lines[1:-2]] + lines[-2:]).encode()


def padded(*ders):
    """The first of `ders` whose base64 ends in padding (a length not a multiple of 3)."""
    return next(d for d in ders if len(d) % 3)


def signature_bits(d, last_bit):
    """Certificate `d` with its signature BIT STRING claiming one unused bit, the last octet's
    lowest bit set to `last_bit` (Go parses it when that bit is 0 and fails its signature)."""
    tbs, alg, bits = children(body(d))
    b = bytearray(body(bits))
    b[0], b[-1] = 1, (b[-1] & 0xFE) | last_bit
    return tlv(0x30, tbs + alg + tlv(0x03, bytes(b)))


def odd_certs():
    k = ec.generate_private_key(ec.SECP256R1())
    v1k, negk, sk, gk = rsakey(), rsakey(), rsakey(), rsakey()
    return {
        "self-signed leaf (CA:false)": der(mk(name("ss leaf"), k, ca=False, eku=[ExtendedKeyUsageOID.CODE_SIGNING])),
        "self-signed leaf without BC": der(mk(name("ss leaf nobc"), k, bc=False, ku=None)),
        "non-self-signed leaf": der(LEAF),
        "intermediate CA (not self-signed)": der(INTER),
        "tsa leaf": der(TSA),
        "tsa intermediate": der(TSA_INTER),
        "expired root": der(mk(name("expired root"), rsakey(), nb=now() - 40 * DAY, na=now() - 10 * DAY)),
        "not-yet-valid root": der(mk(name("future root"), rsakey(), nb=now() + 10 * DAY, na=now() + 40 * DAY)),
        "root BC not critical": der(mk(name("bcnc root"), rsakey(), bc_crit=False)),
        "root without BC (v3)": der(mk(name("nobc root"), rsakey(), bc=False)),
        "root without KU": der(mk(name("noku root"), rsakey(), ku=None)),
        "root KU without keyCertSign": der(mk(name("kunocs root"), rsakey(), ku=dict(digital_signature=True))),
        "root EKU serverAuth": der(mk(name("eku root"), rsakey(), eku=[ExtendedKeyUsageOID.SERVER_AUTH])),
        "root RSA-1024": der(mk(name("rsa1024 root"), rsakey(1024))),
        "root SHA-1 signed": resign(mk(name("sha1 root"), sk), sk, lambda els: els, sha1=True),
        "root P-384": der(mk(name("p384 root"), ec.generate_private_key(ec.SECP384R1()), alg=hashes.SHA384())),
        "root Ed25519": der(mk(name("ed root"), ed25519.Ed25519PrivateKey.generate())),
        "root unknown critical ext": der(mk(name("crit root"), rsakey(), extra=[
            (x509.UnrecognizedExtension(ObjectIdentifier("1.3.6.1.4.1.99999.1"), b"\x05\x00"), True)])),
        "root empty subject": der(mk(x509.Name([]), rsakey())),
        "root unicode subject": der(mk(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Wurzel, ü+\"x\"")]), rsakey())),
        "self-issued but not self-signed": der(mk(name("si root"), rsakey(), issuer_key=rsakey())),
        "v1 root": resign(mk(name("v1 root"), v1k, bc=False, ku=None, ski=False), v1k, lambda els: els[1:]),
        "negative serial root": resign(mk(name("neg root"), negk), negk, lambda els: [els[0], bytes([2, 1, 0xFF])] + els[2:]),
        "GeneralizedTime before 2050 root": resign(mk(name("gt root"), negk), negk, gentime),
        "BER outer length root": ber_outer(der(OTHER)),
        "root whose signature has an unused bit": signature_bits(der(mk(name("bits root"), rsakey())), 0),
        "root whose signature has an unused bit set": signature_bits(der(mk(name("bits1 root"), rsakey())), 1),
        # Go stops reading the Certificate at the signature.
        "root with an element after its signature": tlv(0x30, body(der(mk(name("sigx root"), rsakey()))) + NULL),
        # How Go's x509 parser reads extensions, names, times and fields (each one edit away
        # from a valid root, re-signed).
        **{label: resign(mk(name(f"go {i} root"), gk), gk, edit) for i, (label, edit) in enumerate([
            ("root with a duplicated extension", add_ext(ski_again)),
            ("root with a 5-byte IP SAN", add_ext(ext(OID_SAN, tlv(0x30, tlv(0x87, b"\x01\x02\x03\x04\x05"))))),
            ("root with a non-ASCII DNS SAN", add_ext(ext(OID_SAN, tlv(0x30, tlv(0x82, b"ex\xe4mple.test"))))),
            ("root with an empty DNS SAN", add_ext(ext(OID_SAN, tlv(0x30, tlv(0x82, b""))))),
            ("root with a non-ASCII email SAN", add_ext(ext(OID_SAN, tlv(0x30, tlv(0x81, b"a\xe4@example.test"))))),
            ("root with an empty SAN", add_ext(ext(OID_SAN, tlv(0x30, b"")))),
            ("root with a URI SAN", add_ext(ext(OID_SAN, tlv(0x30, tlv(0x86, b"https://example.test/x"))))),
            ("root with a critical empty-subject SAN", add_ext(ext(OID_SAN, tlv(0x30, tlv(0x82, b"x.test")), True))),
            ("root with name constraints of a 3-byte IP", add_ext(ext(OID_NC, tlv(0x30, tlv(0xA0, tlv(0x30, tlv(0x87, b"\x01\x02\x03"))))))),
            ("root with a negative path length", replace_ext(OID_BC, ext(OID_BC, tlv(0x30, b"\x01\x01\xff" + tlv(0x02, b"\xff")), True))),
            ("root with an explicit FALSE critical flag", replace_ext(OID_SKI, lambda v: ext(OID_SKI, v, explicit_false=True))),
            ("root with a key usage of 8 unused bits", replace_ext(OID_KU, ext(OID_KU, tlv(0x03, b"\x08\x06"), True))),
            ("root with a key usage of nonzero padding bits", replace_ext(OID_KU, ext(OID_KU, tlv(0x03, b"\x01\x07"), True))),
            ("root with serial number zero", lambda els: [els[0], tlv(0x02, b"\x00")] + els[2:]),
            ("root with a 21-byte serial number", lambda els: [els[0], tlv(0x02, b"\x01" * 21)] + els[2:]),
            ("root with a non-minimal serial number", lambda els: [els[0], tlv(0x02, b"\x00\x01")] + els[2:]),
            ("root with UTCTime without seconds", validity(lambda t: t[:-3] + b"Z")),
            ("root with UTCTime offset +0000", validity(lambda t: t[:-1] + b"+0000")),
            ("root with version 4", lambda els: [tlv(0xA0, tlv(0x02, b"\x03"))] + els[1:]),
            ("root with version 2 and extensions", lambda els: [tlv(0xA0, tlv(0x02, b"\x01"))] + els[1:]),
            ("root with an explicit version 1 and no extensions",
             lambda els: [tlv(0xA0, tlv(0x02, b"\x00"))] + [e for e in els[1:] if e[0] != 0xA3]),
            ("root with an issuer unique ID", lambda els: els[:-1] + [tlv(0x81, b"\x00\x01")] + els[-1:]),
            ("root with a PrintableString '@' in its name", names(lambda n: n.replace(b"\x13\x02US", b"\x13\x02U@"))),
            ("root with an empty extensions list", lambda els: els[:-1] + [tlv(0xA3, tlv(0x30, b""))]),
            ("root with notAfter before notBefore", validity(None, swap=True)),
            *[(f"root with name constraints {label}", add_ext(ext(OID_NC, tlv(0x30, tlv(0xA0, b"".join(
                tlv(0x30, tlv(t, v)) for t, v in subtrees)) if subtrees else b""))))
              for label, subtrees in [
                  ("of DNS .example.test", [(0x82, b".example.test")]),
                  ("of DNS example..test", [(0x82, b"example..test")]),
                  ("of DNS example.test.", [(0x82, b"example.test.")]),
                  ("of DNS .", [(0x82, b".")]),
                  ("of an empty DNS name", [(0x82, b"")]),
                  ("of IP 10.0.0.0/16", [(0x87, bytes([10, 0, 0, 0, 255, 255, 0, 0]))]),
                  ("of IP with mask 255.0.255.0", [(0x87, bytes([10, 0, 0, 0, 255, 0, 255, 0]))]),
                  ("of a 32-byte IPv6 range", [(0x87, bytes(16) + bytes([255] * 8 + [0] * 8))]),
                  ("of email user@example.test", [(0x81, b"user@example.test")]),
                  ("of email @example.test", [(0x81, b"@example.test")]),
                  ("of email a..b@example.test", [(0x81, b"a..b@example.test")]),
                  ("of a quoted email", [(0x81, b'"a b"@example.test')]),
                  ("of email domain .example.test", [(0x81, b".example.test")]),
                  ("of URI .example.test", [(0x86, b".example.test")]),
                  ("of URI 192.0.2.1", [(0x86, b"192.0.2.1")]),
                  ("of a directory name", [(0xA4, tlv(0x30, b""))]),
                  ("with no subtrees", []),
              ]],
            *[(f"root with a SAN {label}", add_ext(ext(OID_SAN, tlv(0x30, tlv(0x86, uri)))))
              for label, uri in [
                  ("URI with an empty host label", b"https://exa..mple.test/"),
                  ("URI host with a trailing dot", b"https://example.test./x"),
                  ("URI with user and port", b"https://user@example.test:443/p"),
                  ("URN", b"urn:isbn:0451450523"),
                  # Go's url.Parse: an opaque URI has no host to check; bad escapes, an unclosed
                  # IP literal and control characters are refused.
                  ("opaque URI whose text looks like a bad host", b"urn:foo://bad..host"),
                  ("URI with a bad escape", b"http://%zz/"),
                  ("URI with an unclosed IP literal", b"http://[::1/"),
                  ("URI with a DEL character", b"http://a.example/\x7f"),
                  ("URI with two ports on an http host", b"http://a.example:80:81/"),
              ]],
            # The policy extensions Go's parser reads: a malformed one makes the certificate
            # unreadable for notation.
            *[(f"root with {label}", add_ext(ext(oid, value, critical)))
              for label, oid, value, critical in [
                  ("certificate policies", OID_CP, tlv(0x30, tlv(0x30, tlv(0x06, POLICY))), False),
                  ("a repeated certificate policy", OID_CP,
                   tlv(0x30, tlv(0x30, tlv(0x06, POLICY)) * 2), False),
                  ("a certificate policy without an OID", OID_CP, tlv(0x30, tlv(0x30, tlv(0x02, b"\x01"))), False),
                  ("certificate policies not a SEQUENCE", OID_CP, tlv(0x04, b"x"), False),
                  ("a critical policy mapping", OID_PM,
                   tlv(0x30, tlv(0x30, tlv(0x06, POLICY) + tlv(0x06, b"\x2a"))), True),
                  ("a policy mapping of one OID", OID_PM, tlv(0x30, tlv(0x30, tlv(0x06, POLICY))), False),
                  ("policy constraints", OID_PC, tlv(0x30, tlv(0x80, b"\x00") + tlv(0x81, b"\x01")), False),
                  ("policy constraints with a constructed field", OID_PC, tlv(0x30, tlv(0xA0, tlv(0x02, b"\x01"))), False),
                  ("policy constraints not a SEQUENCE", OID_PC, b"\x01\x02\x03", False),
                  ("a 9-byte requireExplicitPolicy", OID_PC, tlv(0x30, tlv(0x80, b"\x01" + bytes(8))), False),
                  ("inhibitAnyPolicy 0", OID_IAP, tlv(0x02, b"\x00"), False),
                  ("inhibitAnyPolicy not an INTEGER", OID_IAP, tlv(0x04, b"x"), False),
              ]],
            # What Go's parser reads past (after the validity times, after the key's BIT STRING
            # or its RSA exponent) and the keys it cannot decode (x509.parsePublicKey).
            ("root with a third validity time",
             lambda els: els[:4] + [tlv(0x30, body(els[4]) + children(body(els[4]))[1])] + els[5:]),
            ("root with an element after its key", lambda els: els[:6] + [tlv(0x30, body(els[6]) + NULL)] + els[7:]),
            ("root with an RSA key without NULL parameters",
             lambda els: els[:6] + [tlv(0x30, tlv(0x30, children(body(children(body(els[6]))[0]))[0])
                                        + children(body(els[6]))[1])] + els[7:]),
            ("root with an element after its RSA exponent",
             lambda els: els[:6] + [tlv(0x30, children(body(els[6]))[0] + tlv(0x03, b"\x00" + tlv(
                 0x30, body(body(children(body(els[6]))[1])[1:]) + NULL)))] + els[7:]),
            # Go reads the first element of these and stops: bytes after it (or, in
            # basicConstraints and an access description, after what it needs) are not looked
            # at, except after nameConstraints.
            ("root with bytes after basicConstraints",
             replace_ext(OID_BC, ext(OID_BC, tlv(0x30, b"\x01\x01\xff") + NULL, True))),
            ("root with bytes inside basicConstraints after cA",
             replace_ext(OID_BC, ext(OID_BC, tlv(0x30, b"\x01\x01\xff" + NULL), True))),
            ("root with bytes after keyUsage",
             replace_ext(OID_KU, ext(OID_KU, tlv(0x03, b"\x01\x06") + NULL, True))),
            *[(f"root with {label}", add_ext(ext(oid, value)))
              for label, oid, value in [
                  ("bytes after extendedKeyUsage", OID_EKU,
                   tlv(0x30, tlv(0x06, bytes.fromhex("2b06010505070303"))) + NULL),
                  ("bytes after subjectAltName", OID_SAN, tlv(0x30, tlv(0x82, b"x.test")) + NULL),
                  ("bytes after authorityInfoAccess", OID_AIA,
                   tlv(0x30, tlv(0x30, AD_OCSP + tlv(0x86, b"http://127.0.0.1:9/ocsp"))) + NULL),
                  ("bytes after an access location", OID_AIA,
                   tlv(0x30, tlv(0x30, AD_OCSP + tlv(0x86, b"http://127.0.0.1:9/ocsp") + NULL))),
                  ("an access description without a location", OID_AIA, tlv(0x30, tlv(0x30, AD_OCSP))),
                  ("bytes after CRLDistributionPoints", OID_CRLDP,
                   tlv(0x30, tlv(0x30, tlv(0xA0, tlv(0xA0, tlv(0x86, b"http://127.0.0.1:9/c.crl"))))) + NULL),
                  ("bytes after nameConstraints", OID_NC,
                   tlv(0x30, tlv(0xA0, tlv(0x30, tlv(0x82, b"x.test")))) + NULL),
              ]],
        ])},
    }


ODD = odd_certs()


def formats(M, Mkey):
    """PEM and DER framing of M (and OTHER): (label, files). `files` maps a store-relative name
    to bytes; the first is the one `cert add`, `cert show` and --timestamp-root-cert use."""
    m, x = der(M), der(OTHER)
    P, X = p(m), p(x)
    bad64 = lambda block: mutate_b64(block, lambda l: l[:3] + "!" + l[4:])
    empty_block = b"-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n"
    return [
        ("PEM single", {"c.pem": P}),
        ("DER single", {"c.der": m}),
        ("PEM two certs (M, other)", {"c.pem": P + X}),
        ("PEM two certs (other, M)", {"c.pem": X + P}),
        ("DER two certs concatenated", {"c.der": x + m}),
        ("PEM duplicate cert", {"c.pem": P + P}),
        ("PEM text before", {"c.pem": b"Subject: whatever\nissuer=foo\n\n" + P}),
        ("PEM text between", {"c.pem": X + b"# comment between\n" + P}),
        ("PEM text after", {"c.pem": P + b"trailing text\n"}),
        ("PEM text on BEGIN line before dashes", {"c.pem": b"junk" + P}),
        ("PEM CRLF", {"c.pem": P.replace(b"\n", b"\r\n")}),
        ("PEM CR only", {"c.pem": P.replace(b"\n", b"\r")}),
        ("PEM no final newline", {"c.pem": P.rstrip(b"\n")}),
        ("PEM two certs no newline between", {"c.pem": X.rstrip(b"\n") + P}),
        ("PEM single base64 line", {"c.pem": p(m, width=0)}),
        ("PEM 76-col base64", {"c.pem": p(m, width=76)}),
        ("PEM 5-col base64 CRLF", {"c.pem": p(m, width=5, sep="\r\n")}),
        ("PEM spaces inside base64 lines", {"c.pem": mutate_b64(P, lambda l: l[:10] + " " + l[10:])}),
        ("PEM tabs inside base64 lines", {"c.pem": mutate_b64(P, lambda l: l[:10] + "\t" + l[10:])}),
        ("PEM indented base64 lines", {"c.pem": mutate_b64(P, lambda l: "  " + l)}),
        ("PEM trailing spaces on base64 lines", {"c.pem": mutate_b64(P, lambda l: l + "  ")}),
        ("PEM blank line inside base64", {"c.pem": mutate_b64(P, lambda l: l + "\n" if l.startswith(("A", "M")) else l)}),
        ("PEM vertical tab inside base64", {"c.pem": mutate_b64(P, lambda l: l[:5] + "\v" + l[5:])}),
        ("PEM indented BEGIN line", {"c.pem": b"  " + P}),
        ("PEM trailing spaces after BEGIN", {"c.pem": P.replace(b"CERTIFICATE-----\n", b"CERTIFICATE-----  \n", 1)}),
        ("PEM trailing spaces after END", {"c.pem": P.replace(b"-----END CERTIFICATE-----\n", b"-----END CERTIFICATE-----   \n")}),
        ("PEM text after END on same line", {"c.pem": P.replace(b"-----END CERTIFICATE-----\n", b"-----END CERTIFICATE----- x\n")}),
        ("PEM with headers", {"c.pem": P.replace(b"-----\n", b"-----\nComment: hello\n\n", 1)}),
        ("PEM lowercase labels", {"c.pem": P.replace(b"CERTIFICATE", b"certificate")}),
        ("PEM four dashes", {"c.pem": P.replace(b"-----", b"----")}),
        ("PEM mismatched END label", {"c.pem": P.replace(b"END CERTIFICATE", b"END X509 CERTIFICATE")}),
        ("PEM mismatched END label then good", {"c.pem": X.replace(b"END CERTIFICATE", b"END X509 CERTIFICATE") + P}),
        ("PEM missing END", {"c.pem": P.replace(b"-----END CERTIFICATE-----\n", b"")}),
        ("PEM missing END then good", {"c.pem": X.replace(b"-----END CERTIFICATE-----\n", b"") + P}),
        ("PEM bad base64 only", {"c.pem": bad64(P)}),
        ("PEM bad base64 then good", {"c.pem": bad64(X) + P}),
        ("PEM good then bad base64", {"c.pem": P + bad64(X)}),
        ("PEM base64 padding stripped", {"c.pem": p(padded(m, x, der(LEAF), der(INTER))).replace(b"=", b"")}),
        ("PEM url-safe base64", {"c.pem": P.replace(b"+", b"-").replace(b"/", b"_")}),
        ("PEM empty CERTIFICATE block", {"c.pem": empty_block}),
        ("PEM empty block then good", {"c.pem": empty_block + P}),
        ("PEM good then empty block", {"c.pem": P + empty_block}),
        ("UTF-8 BOM + PEM", {"c.pem": b"\xef\xbb\xbf" + P}),
        ("UTF-8 BOM + PEM other, M", {"c.pem": b"\xef\xbb\xbf" + X + P}),
        ("UTF-8 BOM + DER", {"c.der": b"\xef\xbb\xbf" + m}),
        ("UTF-16 PEM", {"c.pem": P.decode().encode("utf-16")}),
        ("TRUSTED CERTIFICATE block", {"c.pem": p(m, "TRUSTED CERTIFICATE")}),
        ("TRUSTED CERTIFICATE block with aux", {"c.pem": p(m + tlv(0x30, tlv(0x30, bytes([6, 8, 0x2B, 6, 1, 5, 5, 7, 3, 3]))), "TRUSTED CERTIFICATE")}),
        ("X509 CERTIFICATE block", {"c.pem": p(m, "X509 CERTIFICATE")}),
        ("M + PRIVATE KEY block", {"c.pem": P + pkey_pem(Mkey)}),
        ("PRIVATE KEY block + M", {"c.pem": pkey_pem(Mkey) + P}),
        ("PRIVATE KEY only", {"c.pem": pkey_pem(Mkey)}),
        ("PUBLIC KEY block + M", {"c.pem": Mkey.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo) + P}),
        ("X509 CRL block + M", {"c.pem": p(tlv(0x30, b""), "X509 CRL") + P}),
        ("empty file", {"c.pem": b""}),
        ("whitespace-only file", {"c.pem": b"\n  \n"}),
        ("text only", {"c.pem": b"this is not a certificate\n"}),
        ("NUL bytes only", {"c.der": b"\x00" * 16}),
        ("DER + trailing NUL bytes", {"c.der": m + b"\x00\x00"}),
        ("DER + trailing newline", {"c.der": m + b"\n"}),
        ("DER truncated", {"c.der": m[:-10]}),
        ("PEM holding DER + trailing bytes", {"c.pem": p(m + b"\x00\x00")}),
        ("PEM holding BER outer length", {"c.pem": p(ber_outer(m))}),
        ("DER BER outer length", {"c.der": ber_outer(m)}),
        ("PEM + NUL bytes after", {"c.pem": P + b"\x00" * 8}),
        ("PEM embedded in binary", {"c.pem": b"\x00\x01\x02\n" + P + b"\xff\xfe"}),
        ("DER then PEM", {"c.pem": m + b"\n" + X}),
    ]


def reissued(M, Mkey):
    """Odd certificates beside M, alone, and M's subject and key in other certificates."""
    P = p(der(M))
    re_ = lambda **kw: p(der(mk(M.subject, Mkey, **kw)))
    v = []
    for label, d in ODD.items():
        v.append((f"M + {label} (PEM)", {"c.pem": P + p(d)}))
        v.append((f"{label} alone (PEM)", {"c.pem": p(d)}))
    v += [
        ("M re-issued (same key, new serial)", {"c.pem": re_()}),
        ("M re-issued pathlen 0", {"c.pem": re_(pathlen=0)}),
        ("M re-issued EKU timeStamping", {"c.pem": re_(eku=[ExtendedKeyUsageOID.TIME_STAMPING])}),
        ("M re-issued EKU codeSigning", {"c.pem": re_(eku=[ExtendedKeyUsageOID.CODE_SIGNING])}),
        ("M re-issued expired", {"c.pem": re_(nb=now() - 40 * DAY, na=now() - 10 * DAY)}),
        ("M re-issued no BC", {"c.pem": re_(bc=False)}),
        ("M re-issued BC not critical", {"c.pem": re_(bc_crit=False)}),
        ("M re-issued as v1", {"c.pem": p(resign(mk(M.subject, Mkey, bc=False, ku=None, ski=False), Mkey, lambda e: e[1:]))}),
    ]
    return v


# The signingAuthority store reads certificates as the ca store does (the exploration found no
# difference): these cover its verification path.
SA_CASES = {"PEM single", "M + non-self-signed leaf (PEM)", "non-self-signed leaf alone (PEM)", "M + tsa leaf (PEM)",
            "tsa leaf alone (PEM)", "M + self-signed leaf (CA:false) (PEM)", "M + root RSA-1024 (PEM)",
            "M re-issued BC not critical", "M re-issued (same key, new serial)"}


def layouts(M):
    """File names and store layouts."""
    P, X = p(der(M)), p(der(OTHER))
    return [
        ("M + 2000 other certs", {"c.pem": P + X * 2000}),
        ("12 MB text then M", {"c.pem": b"#" * (12 << 20) + b"\n" + P}),
        ("extension .txt", {"c.txt": P}),
        ("no extension", {"c": P}),
        ("extension .key", {"c.key": P}),
        ("hidden file holding M", {".c.pem": P}),
        ("name with spaces", {"my cert.pem": P}),
        ("name with unicode", {"c\u00e9rt.pem": P}),
        ("M + hidden garbage file", {"c.pem": P, ".garbage": b"garbage"}),
        ("M + hidden empty file", {"c.pem": P, ".empty": b""}),
        ("M + garbage .txt", {"c.pem": P, "readme.txt": b"just a readme\n"}),
        ("M + empty file", {"c.pem": P, "e.pem": b""}),
        ("M + whitespace file", {"c.pem": P, "w.pem": b"\n"}),
        ("M + other in two files", {"c.pem": P, "o.pem": X}),
        ("M twice in two files", {"c.pem": P, "d.pem": P}),
        ("M + empty subdirectory", {"c.pem": P, "sub": None}),
        ("M + subdirectory holding cert", {"c.pem": P, "sub": None, "sub/x.pem": X}),
        ("only a subdirectory holding M", {"sub": None, "sub/c.pem": P}),
        ("symlink to M inside store", {"real.pem": P, "link.pem": ("link", "real.pem")}),
        ("symlink to M outside store", {"c.pem": ("link", f"{W}/files/outside-M.pem")}),
        ("M + dangling symlink", {"c.pem": P, "dl.pem": ("link", "nowhere.pem")}),
        ("M + symlink to directory", {"c.pem": P, "dirlink": ("link", "/tmp")}),
        ("empty store directory", {}),
    ]


# --- running the tools --------------------------------------------------------------------------------
def call(tool, *args):
    """(exit status 0, stdout, the first error line)"""
    try:
        r = subprocess.run([tool, *args], env=ENV, capture_output=True, timeout=60)
    except subprocess.TimeoutExpired:
        return False, "", "TIMEOUT after 60 s"
    out, err = r.stdout.decode(errors="replace"), r.stderr.decode(errors="replace")
    lines = [l for l in err.splitlines() if l.strip() and not l.startswith("Warning: This feature")]
    line = next((l for l in lines if "rror" in l or "fail" in l), (lines or [""])[0])
    return r.returncode == 0, out, line[:240]


def both(*args):
    return call(NOTATION, *args), call(NOTARY, *args)


def populate(d, files):
    os.makedirs(d, exist_ok=True)
    for fn, content in files.items():
        path = f"{d}/{fn}"
        if content is None:
            os.makedirs(path, exist_ok=True)
        elif isinstance(content, tuple):
            os.symlink(content[1], path)
        else:
            with open(path, "wb") as f:
                f.write(content)


def clear_stores():
    shutil.rmtree(TS, ignore_errors=True)
    os.makedirs(TS)


def policy(stores):
    with open(f"{CFG}/trustpolicy.json", "w") as f:
        json.dump({"version": "1.0", "trustPolicies": [{
            "name": "p", "registryScopes": ["*"], "signatureVerification": {"level": "strict"},
            "trustStores": stores, "trustedIdentities": ["*"]}]}, f)


VERIFY = {"ca": ("art", ["ca:s"]), "signingAuthority": ("sa", ["signingAuthority:s"]), "tsa": ("ts", ["ca:anchor", "tsa:s"])}


def status(r, out=False):
    """A `call` result as the (accepted, message) pair Report compares: the error, or the first
    line of output (all of it, on one line, when `out`)."""
    ok, stdout, err = r
    if not ok:
        return False, err
    if out:
        return True, stdout.replace("\n", " | ")[:400]
    return True, (stdout.strip().splitlines() or [""])[0][:240]


def case(typ, label, files, checks):
    """Runs `checks` (of add, ls, show, verify) with `files` in the store `typ:s`."""
    primary = next(iter(files), None)
    is_file = primary is not None and isinstance(files[primary], bytes) and "/" not in primary
    fdir = f"{W}/files/{hashlib.sha1(f'{typ} {label}'.encode()).hexdigest()[:12]}"
    populate(fdir, files)
    if "add" in checks and is_file:
        res = []
        for tool in (NOTATION, NOTARY):
            clear_stores()
            res.append(call(tool, "cert", "add", "--type", typ, "--store", "add", f"{fdir}/{primary}"))
        report.compare(f"add {typ}: {label}", status(res[0]), status(res[1]))
    clear_stores()
    populate(f"{TS}/ca/anchor", {"r.pem": pem(ROOT)})
    populate(f"{TS}/{typ}/s", files)
    if "ls" in checks:
        g, n = both("cert", "ls")
        report.compare(f"ls {typ}: {label}", status(g, True), status(n, True), same_output=g[1] == n[1])
    if "show" in checks and is_file:
        g, n = both("cert", "show", "--type", typ, "--store", "s", primary)
        report.compare(f"show {typ}: {label}", status(g, True), status(n, True), same_output=g[1] == n[1])
    if "verify" in checks:
        lay, stores = VERIFY[typ]
        policy(stores)
        g, n = both("verify", "--oci-layout", "--scope", "local/cf", f"{lay}@{ART[lay]}")
        report.compare(f"verify {typ}: {label}", status(g), status(n))


NETWORK = re.compile(r"127\.0\.0\.1:9\b")


def timestamp_root(label, files, sign=False):
    """The file as --timestamp-root-cert, with an unreachable TSA (is the file taken?) and, when
    `sign`, with the local TSA."""
    primary = next(iter(files), None)
    if primary is None or not isinstance(files[primary], bytes) or "/" in primary:
        return
    fdir = f"{W}/files/{hashlib.sha1(f'tsroot {label}'.encode()).hexdigest()[:12]}"
    populate(fdir, {primary: files[primary]})
    args = ["sign", "--oci-layout", "--key", "k", "--timestamp-root-cert", f"{fdir}/{primary}", f"tsign@{ART['tsign']}"]
    res = []
    for r in both(*args[:1], "--timestamp-url", "http://127.0.0.1:9/", *args[1:]):
        ok, _, err = r
        # the file taken, the TSA then unreachable
        res.append((ok or bool(NETWORK.search(err)), err or "signed"))
    report.compare(f"tsroot: {label}", res[0], res[1])
    if sign:
        g, n = both(*args[:1], "--timestamp-url", TSA_URL, *args[1:])
        report.compare(f"tssign: {label}", status(g), status(n))


def main():
    with open(f"{W}/files/outside-M.pem", "wb") as f:
        f.write(pem(ROOT))
    # the plain PEM root: every verification passes in both tools
    for typ, (lay, stores) in VERIFY.items():
        clear_stores()
        populate(f"{TS}/ca/anchor", {"r.pem": pem(ROOT)})
        populate(f"{TS}/{typ}/s", {"c.pem": pem(TSA_ROOT if typ == "tsa" else ROOT)})
        policy(stores)
        g, n = both("verify", "--oci-layout", "--scope", "local/cf", f"{lay}@{ART[lay]}")
        report.compare(f"baseline verify {typ}", status(g), status(n), must_accept=True)
    all_checks = ("add", "ls", "show", "verify")
    for label, files in formats(ROOT, ROOT_KEY):
        case("ca", label, files, all_checks)
    for label, files in formats(TSA_ROOT, TSA_ROOT_KEY):
        timestamp_root(label, files)
    for typ, (M, Mkey) in (("ca", (ROOT, ROOT_KEY)), ("tsa", (TSA_ROOT, TSA_ROOT_KEY)),
                           ("signingAuthority", (ROOT, ROOT_KEY))):
        for label, files in reissued(M, Mkey):
            if typ != "signingAuthority" or label in SA_CASES:
                case(typ, label, files, all_checks)
            if typ == "tsa":
                timestamp_root(label, files, sign=True)
    for label, files in layouts(ROOT):
        case("ca", label, files, all_checks)
    clear_stores()
    srv.shutdown()
    report.finish("cases", 150)


main()
