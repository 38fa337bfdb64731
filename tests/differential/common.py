"""What the differential scripts share: a private notation configuration, certificates, running a
verification, and the report tests/differential_notation.rs reads (one line per case starting
`agree  accepted`, `agree  refused`, `strict refused` or `MISMATCH`, then a summary ending in
`N mismatched`; the exit status is 1 on any mismatch or too few cases accepted by both).

Needs `cryptography` (scripts/setup.sh installs it).
"""
import base64
import datetime
import hashlib
import json
import os
import subprocess
import sys
import threading

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils
from cryptography.x509.oid import ExtendedKeyUsageOID


def environment(work):
    """The environment of both tools: notation's configuration and cache under `work`."""
    os.makedirs(f"{work}/home", exist_ok=True)
    return dict(os.environ, HOME=f"{work}/home", XDG_CONFIG_HOME=f"{work}/xdg",
                XDG_CACHE_HOME=f"{work}/cache", NOTATION_EXPERIMENTAL="1")


def run(env, *args):
    """Runs a set-up step; its failure ends the script (a case never runs on a broken set-up)."""
    r = subprocess.run(args, env=env, capture_output=True, text=True)
    if r.returncode:
        sys.exit(f"{' '.join(args)}: {r.stderr}")
    return r.stdout.strip()


def now():
    return datetime.datetime.now(datetime.timezone.utc)


def pem(c):
    return c.public_bytes(serialization.Encoding.PEM)


def der(c):
    return c.public_bytes(serialization.Encoding.DER)


EKU = {"code": [ExtendedKeyUsageOID.CODE_SIGNING], "server": [ExtendedKeyUsageOID.SERVER_AUTH],
       "any": [ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE], "ts": [ExtendedKeyUsageOID.TIME_STAMPING],
       "code+any": [ExtendedKeyUsageOID.CODE_SIGNING, ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE]}


def cert(subject, key, issuer, issuer_key, ca=False, pathlen=None, ku=None, ku_critical=True, eku="code",
         bc=True, bc_critical=True, not_before=None, not_after=None, extra=()):
    """A certificate for `key` (subject and issuer are x509.Name), valid from a day ago for 30 days
    unless told otherwise. By default a CA gets keyCertSign and cRLSign, a leaf digitalSignature
    and the codeSigning EKU; `ku` is a dict of key usage bits or False for none, `eku` a key of
    EKU or None, `extra` (extension, critical) pairs."""
    b = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(key.public_key())
         .serial_number(x509.random_serial_number())
         .not_valid_before(not_before or now() - datetime.timedelta(days=1))
         .not_valid_after(not_after or now() + datetime.timedelta(days=30)))
    if bc:
        b = b.add_extension(x509.BasicConstraints(ca=ca, path_length=pathlen), critical=bc_critical)
    ku = ku if ku is not None else dict(digital_signature=not ca, key_cert_sign=ca, crl_sign=ca)
    if ku is not False:
        b = b.add_extension(x509.KeyUsage(
            digital_signature=ku.get("digital_signature", False),
            content_commitment=ku.get("content_commitment", False),
            key_encipherment=ku.get("key_encipherment", False),
            data_encipherment=ku.get("data_encipherment", False), key_agreement=False,
            key_cert_sign=ku.get("key_cert_sign", False), crl_sign=ku.get("crl_sign", False),
            encipher_only=False, decipher_only=False), critical=ku_critical)
    if not ca and eku:
        b = b.add_extension(x509.ExtendedKeyUsage(EKU[eku]), critical=False)
    for e, critical in extra:
        b = b.add_extension(e, critical=critical)
    return b.sign(issuer_key, hashes.SHA256())


def tsa_config(directory, key, cert, chain, digest="sha256", ess_alg="sha256", ess_chain="no", accuracy="secs:1"):
    """Writes an `openssl ts -reply` configuration in `directory` for the TSA `cert` (signed by
    `key`, `chain` the certificates it adds to its tokens); returns its path."""
    os.makedirs(directory, exist_ok=True)
    files = {"tsa.crt": pem(cert), "serial": b"01\n", "chain.pem": b"".join(pem(c) for c in chain),
             "tsa.key": key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption())}
    for name, data in files.items():
        with open(f"{directory}/{name}", "wb") as f:
            f.write(data)
    acc = f"accuracy = {accuracy}\n" if accuracy else ""
    with open(f"{directory}/tsa.cnf", "w") as f:
        f.write(f"""[ tsa ]
default_tsa = c
[ c ]
dir = {directory}
serial = $dir/serial
crypto_device = builtin
signer_cert = $dir/tsa.crt
certs = $dir/chain.pem
signer_key = $dir/tsa.key
signer_digest = {digest}
default_policy = 1.2.3.4.1
digests = sha256, sha384, sha512
{acc}ordering = yes
tsa_name = yes
ess_cert_id_chain = {ess_chain}
ess_cert_id_alg = {ess_alg}
""")
    return f"{directory}/tsa.cnf"


_TS_LOCK = threading.Lock()


def ts_reply(config, query, work):
    """The TimeStampResp `openssl ts -reply` gives for the DER `query` under `config`, or None
    when it refuses (a TSA certificate it will not sign with)."""
    with _TS_LOCK:
        with open(f"{work}/q.tsq", "wb") as f:
            f.write(query)
        r = subprocess.run(["openssl", "ts", "-reply", "-config", config, "-queryfile", f"{work}/q.tsq",
                            "-out", f"{work}/a.tsr"], capture_output=True)
        if r.returncode:
            return None
        with open(f"{work}/a.tsr", "rb") as f:
            return f.read()


def outcome(args, env):
    """Runs a verification: (accepted, its last line of output) without notation's experimental
    feature warning."""
    r = subprocess.run(args, env=env, capture_output=True, text=True)
    lines = [l for l in (r.stdout + r.stderr).splitlines() if not l.startswith("Warning: This feature")]
    return r.returncode == 0, (lines or [""])[-1][:240]


class Report:
    """Compares the peer's outcome with notary's, case by case, and prints the report."""

    def __init__(self, peer):
        self.peer = peer
        self.agree = self.accepted = self.stricter = 0
        self.mismatched = []

    def mismatch(self, label, detail):
        self.mismatched.append(label)
        print(f"MISMATCH {label}: {detail}")

    def record(self, label, theirs, ours, stricter=None, must_accept=False, lenient=None):
        """`theirs` and `ours` are `outcome` pairs. `stricter` (the rule) marks a case notary must
        refuse where the peer accepts; `lenient` (the rule), one notary must accept where the
        peer refuses; `must_accept`, one both must accept. True when it held."""
        (g, gm), (n, nm) = theirs, ours
        if lenient is not None:
            if n and not g:
                self.stricter += 1
                print(f"differs on purpose {label}: {lenient}")
                return True
            self.mismatch(label, f"{self.peer} {'accepted' if g else 'refused'}, notary "
                                 f"{'accepted' if n else 'refused'} (listed as accepted by notary only: "
                                 f"{lenient})\n  {self.peer}: {gm}\n  notary: {nm}")
            return False
        said = f"{self.peer} {'accepted' if g else 'refused'}, notary {'accepted' if n else 'refused'}"
        if must_accept and not (g and n):
            self.mismatch(label, f"{said}, and both must accept it\n  {self.peer}: {gm}\n  notary: {nm}")
            return False
        if stricter is None and g == n:
            self.agree += 1
            self.accepted += g
            print(f"agree  {'accepted' if g else 'refused '}  {label}")
            return True
        if stricter is not None and g and not n:
            self.stricter += 1
            print(f"strict refused    {label}: {nm}")
            return True
        listed = f" (listed as stricter: {stricter})" if stricter else ""
        self.mismatch(label, f"{said}{listed}\n  {self.peer}: {gm}\n  notary: {nm}")
        return False

    def sequence(self, label, pairs, diffs, stricter=None, lenient=None, worded=None):
        """A case run as a sequence of steps: `pairs` holds (peer accepted, notary accepted) per
        step, `diffs` what differed. `stricter` (the rule) marks a case where some step notary
        refuses on purpose and none the other way round; `lenient`, the reverse; `worded`, one
        where only the words differ."""
        g = pairs[-1][0] if pairs else False
        if stricter is not None or lenient is not None:
            rule = stricter if stricter is not None else lenient
            want, other = ((True, False), (False, True)) if stricter is not None else ((False, True), (True, False))
            if want in pairs and other not in pairs:
                self.stricter += 1
                print(f"{'strict refused   ' if stricter is not None else 'differs on purpose'} {label}: {rule}")
            else:
                self.mismatch(label, f"listed as {'stricter' if stricter is not None else 'lenient'} ({rule}) but\n"
                                     + ("\n".join(diffs) or "agrees"))
        elif worded is not None and diffs and all(t == o for t, o in pairs):
            self.stricter += 1
            print(f"differs on purpose {label}: {worded}")
        elif worded is not None:
            self.mismatch(label, f"listed as worded differently ({worded}) but "
                                 + ("agrees" if not diffs else "\n".join(diffs)))
        elif diffs:
            self.mismatch(label, "\n".join(diffs))
        else:
            self.agree += 1
            self.accepted += g
            print(f"agree  {'accepted' if g else 'refused '}  {label}")

    def stale(self, listed, labels):
        """A mismatch for each deliberate difference in `listed` that no case of `labels` has."""
        for name in sorted(set(listed) - set(labels)):
            self.mismatch(name, "listed as a deliberate difference, but no case has this name")

    def finish(self, what, min_accepted):
        """Prints the summary and exits: 1 on a mismatch or fewer than `min_accepted` cases both
        accepted (a broken case builder would have both refuse everything)."""
        if self.accepted < min_accepted:
            print(f"only {self.accepted} cases accepted by both, expected at least {min_accepted}")
        total = self.agree + self.stricter + len(self.mismatched)
        print(f"{total} {what}: {self.agree} agree ({self.accepted} accepted by both), "
              f"{self.stricter} deliberately stricter or different, {len(self.mismatched)} mismatched")
        sys.exit(1 if self.mismatched or self.accepted < min_accepted else 0)


# --- configurations and layouts (levels.py, verifyout.py) -------------------------------------------
def add_signing_key(cfg, name, key, chain):
    """Writes `key` and the PEM `chain` (certificates, leaf first) under `cfg` and adds them to its
    signingkeys.json as key `name`."""
    with open(f"{cfg}/{name}.key", "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    with open(f"{cfg}/{name}.crt", "wb") as f:
        f.write(b"".join(pem(c) for c in chain))
    with open(f"{cfg}/signingkeys.json") as f:
        keys = json.load(f)
    keys["keys"].append({"name": name, "keyPath": f"{cfg}/{name}.key", "certPath": f"{cfg}/{name}.crt"})
    with open(f"{cfg}/signingkeys.json", "w") as f:
        json.dump(keys, f)


def tamper_layout_payload(layout, artifact):
    """Changes one character of the JWS payload of the signature of `artifact` in OCI layout
    `layout`, rewriting envelope, manifest and index.json so that every digest and size holds."""
    with open(f"{layout}/index.json") as f:
        index = json.load(f)
    entry = next(m for m in index["manifests"] if m["digest"] != artifact)

    def blob(d):
        return f"{layout}/blobs/sha256/{d[7:]}"

    def put(data):
        d = "sha256:" + hashlib.sha256(data).hexdigest()
        with open(blob(d), "wb") as f:
            f.write(data)
        return d, len(data)

    with open(blob(entry["digest"])) as f:
        manifest = json.load(f)
    with open(blob(manifest["layers"][0]["digest"])) as f:
        envelope = json.load(f)
    p = envelope["payload"]
    envelope["payload"] = p[:-2] + ("A" if p[-2] != "A" else "B") + p[-1]
    d, n = put(json.dumps(envelope).encode())
    manifest["layers"][0].update(digest=d, size=n)
    d, n = put(json.dumps(manifest).encode())
    entry.update(digest=d, size=n)
    with open(f"{layout}/index.json", "w") as f:
        json.dump(index, f)


# --- signing envelopes by hand (envelopes.py, inspects.py) -------------------------------------------
def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def ub64u(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def compact(obj):
    return json.dumps(obj, separators=(",", ":"))


HASH = {"PS256": hashes.SHA256(), "PS384": hashes.SHA384(), "PS512": hashes.SHA512(),
        "ES256": hashes.SHA256(), "ES384": hashes.SHA384(), "ES512": hashes.SHA512()}
COSE_ALG = {"PS256": -37, "PS384": -38, "PS512": -39, "ES256": -7, "ES384": -35, "ES512": -36}
ORDER = {32: 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551,
         48: int("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF"
                 "581A0DB248B0A77AECEC196ACCC52973", 16),
         66: int("01FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"
                 "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFA51868783BF2F966B7FC"
                 "C0148F709A5D03BB5C9B8899C47AEBB6FB71E91386409", 16)}


def raw_sign(k, alg, msg, high_s=False):
    """A JWS/COSE signature: RSA-PSS (salt = hash length) or ECDSA r||s (low S unless asked)."""
    h = HASH[alg]
    if alg.startswith("PS"):
        return k.sign(msg, padding.PSS(mgf=padding.MGF1(h), salt_length=h.digest_size), h)
    r, s = utils.decode_dss_signature(k.sign(msg, ec.ECDSA(h)))
    size = (k.curve.key_size + 7) // 8
    n = ORDER[size]
    if (s > n // 2) != high_s:
        s = n - s
    return r.to_bytes(size, "big") + s.to_bytes(size, "big")


def alg_of(k):
    """The Notary signature algorithm of a private key (its size's hash)."""
    if isinstance(k, rsa.RSAPrivateKey):
        return {2048: "PS256", 3072: "PS384", 4096: "PS512"}.get(k.key_size, "PS256")
    return {256: "ES256", 384: "ES384", 521: "ES512"}.get(k.curve.key_size, "ES256")


# --- RFC 3161 tokens built here (timestamps.py, chains.py) ------------------------------------------
def tlv(tag, *parts):
    """A DER TLV of `tag` around the concatenated `parts` (minimal length)."""
    body = b"".join(parts)
    n = len(body)
    if n < 0x80:
        return bytes([tag, n]) + body
    ln = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(ln)]) + ln + body


def oid(dotted):
    arcs = [int(a) for a in dotted.split(".")]
    out = bytes([40 * arcs[0] + arcs[1]])
    for a in arcs[2:]:
        chunk = [a & 0x7F]
        a >>= 7
        while a:
            chunk.insert(0, 0x80 | (a & 0x7F))
            a >>= 7
        out += bytes(chunk)
    return tlv(0x06, out)


def integer(v):
    return tlv(0x02, v.to_bytes(v.bit_length() // 8 + 1, "big", signed=True))


SHA256_ALG = tlv(0x30, oid("2.16.840.1.101.3.4.2.1"))
TST_INFO = "1.2.840.113549.1.9.16.1.4"


def cms_token(tsa_key, tsa_cert, chain, gen_time=None, accuracy=1, tsa_policy="1.2.3.4.1"):
    """A function of the signature bytes giving an RFC 3161 TimeStampToken over them, built here
    (for TSA certificates `openssl ts` refuses to sign with, or a genTime of the case's choice):
    SHA-256 imprint, genTime `gen_time` (now by default), accuracy in whole seconds (None:
    absent), policy `tsa_policy`, signingCertificateV2 naming `tsa_cert`, RSA PKCS#1 v1.5 or
    ECDSA with SHA-256, the certificates `tsa_cert` and `chain`."""
    def make(sig):
        gen = (gen_time or now()).strftime("%Y%m%d%H%M%SZ").encode()
        fields = [integer(1), oid(tsa_policy), tlv(0x30, SHA256_ALG, tlv(0x04, hashlib.sha256(sig).digest())),
                  integer(int.from_bytes(os.urandom(8), "big")), tlv(0x18, gen)]
        if accuracy is not None:
            fields.append(tlv(0x30, integer(accuracy)))
        tst = tlv(0x30, *fields)
        cert_der = der(tsa_cert)
        attrs = sorted([
            tlv(0x30, oid("1.2.840.113549.1.9.3"), tlv(0x31, oid(TST_INFO))),
            tlv(0x30, oid("1.2.840.113549.1.9.4"), tlv(0x31, tlv(0x04, hashlib.sha256(tst).digest()))),
            tlv(0x30, oid("1.2.840.113549.1.9.16.2.47"), tlv(0x31, tlv(0x30, tlv(0x30, tlv(
                0x30, tlv(0x04, hashlib.sha256(cert_der).digest())))))),
        ])
        signed_attrs = tlv(0x31, *attrs)
        if isinstance(tsa_key, rsa.RSAPrivateKey):
            signature = tsa_key.sign(signed_attrs, padding.PKCS1v15(), hashes.SHA256())
            sig_alg = tlv(0x30, oid("1.2.840.113549.1.1.11"), tlv(0x05))
        else:
            signature = tsa_key.sign(signed_attrs, ec.ECDSA(hashes.SHA256()))
            sig_alg = tlv(0x30, oid("1.2.840.10045.4.3.2"))
        issuer_serial = tlv(0x30, tsa_cert.issuer.public_bytes(), integer(tsa_cert.serial_number))
        signer_info = tlv(0x30, integer(1), issuer_serial, SHA256_ALG, tlv(0xA0, *attrs), sig_alg,
                          tlv(0x04, signature))
        certs = tlv(0xA0, cert_der, *(der(c) for c in chain))
        signed_data = tlv(0x30, integer(3), tlv(0x31, SHA256_ALG), tlv(0x30, oid(TST_INFO), tlv(0xA0, tlv(0x04, tst))),
                          certs, tlv(0x31, signer_info))
        return tlv(0x30, oid("1.2.840.113549.1.7.2"), tlv(0xA0, signed_data))
    return make
