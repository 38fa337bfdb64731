#!/usr/bin/env python3
"""Differential run: certificate revocation (CRL and OCSP) under `notation verify` and `notary verify`.

    revocation.py NOTARY NOTATION ORAS WORKDIR

Builds certificate chains whose certificates name a local HTTP server (this script) for their
CRLs and OCSP responses: CRL distribution points only, OCSP only, both, two distribution points,
an LDAP and an HTTP name, an HTTPS-only point, a Freshest CRL extension, none at all, an issuer
without cRLSign, ECDSA issuers. Each chain signs an artifact in an OCI layout (with `notary`).
Then, for each case, the server answers with one set of CRLs and OCSP responses (good, revoked
with each reason, certificateHold then removeFromCRL, expired, not yet valid, without
nextUpdate, signed by the wrong key or under the wrong name, unknown critical extensions, delta
CRLs, HTTP errors, garbage, PEM, SHA-1 signatures; OCSP good/revoked/unknown, delegated
responders with and without the OCSP-signing EKU, unsuccessful statuses, the wrong serial, too
large, ...) and both tools verify the artifact under a strict policy, each with a fresh cache.
The outcomes (accepted or refused) must agree. Exits 1 on any disagreement.

Needs python3 with `cryptography` (scripts/setup.sh installs it).
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
import urllib.parse

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509 import ocsp
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID

from common import Report, cert as make_cert, environment, now, outcome, pem, run, ts_reply, tsa_config

NOTARY, NOTATION, ORAS, W = sys.argv[1:5]
ENV = environment(W)
CFG = f"{W}/xdg/notation"
os.chdir(W)
DAY = datetime.timedelta(days=1)

# What the server answers: path -> (status, body); OCSP paths -> {serial: (status, body)}.
SERVED = {}
OCSP = {}
SEEN = []


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *_):
        pass

    def answer(self, status, body, headers=None):
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v.replace("BASE", BASE))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def ocsp(self, base, request):
        try:
            serial = ocsp.load_der_ocsp_request(request).serial_number
        except ValueError:
            return self.answer(400, b"bad request")
        self.answer(*OCSP[base].get(serial, (404, b"")))

    def do_GET(self):
        SEEN.append(("GET", self.path))
        for base in OCSP:
            if self.path.startswith(base + "/"):
                raw = urllib.parse.unquote(self.path[len(base) + 1:])
                return self.ocsp(base, base64.b64decode(raw))
        self.answer(*SERVED.get(self.path, (404, b"not here")))

    def do_POST(self):
        SEEN.append(("POST", self.path))
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.path == "/tsa":
            return self.answer(*timestamp(body))
        if self.path in OCSP:
            return self.ocsp(self.path, body)
        self.answer(404, b"")


SERVER = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
threading.Thread(target=SERVER.serve_forever, daemon=True).start()
BASE = f"http://127.0.0.1:{SERVER.server_address[1]}"


TSA_CONFIG = [None]  # the configuration the TSA at /tsa answers with


def timestamp(query):
    """An RFC 3161 reply from `openssl ts -reply`, signed by the TSA of TSA_CONFIG."""
    reply = ts_reply(TSA_CONFIG[0], query, W)
    if reply is None:
        return 500, b"openssl ts refused"
    return 200, reply, {"Content-Type": "application/timestamp-reply"}


def sh(*args):
    return run(ENV, *args)


def dn(cn, org="revocation"):
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "US"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def rsa_key():
    return rsa.generate_private_key(65537, 2048)


def cdp(*urls, one_point=False):
    names = [x509.UniformResourceIdentifier(u) for u in urls]
    points = ([x509.DistributionPoint(names, None, None, None)] if one_point else
              [x509.DistributionPoint([n], None, None, None) for n in names])
    return x509.CRLDistributionPoints(points), False


def aia(*urls, ca_issuers=None):
    d = [x509.AccessDescription(AuthorityInformationAccessOID.OCSP, x509.UniformResourceIdentifier(u)) for u in urls]
    if ca_issuers:
        d.insert(0, x509.AccessDescription(AuthorityInformationAccessOID.CA_ISSUERS,
                                           x509.UniformResourceIdentifier(ca_issuers)))
    return x509.AuthorityInformationAccess(d), False


def freshest(url):
    return x509.FreshestCRL([x509.DistributionPoint([x509.UniformResourceIdentifier(url)], None, None, None)]), False


ROOT_KEY = rsa_key()
ROOT = make_cert(dn("revocation root"), ROOT_KEY, dn("revocation root"), ROOT_KEY, ca=True,
                 not_after=now() + 30 * DAY)
STORE = f"{CFG}/truststore/x509/ca/rev"
os.makedirs(STORE, exist_ok=True)
with open(f"{STORE}/root.pem", "wb") as f:
    f.write(pem(ROOT))
with open(f"{CFG}/trustpolicy.json", "w") as f:
    json.dump({"version": "1.0", "trustPolicies": [{
        "name": "rev", "registryScopes": ["*"], "signatureVerification": {"level": "strict"},
        "trustStores": ["ca:rev"], "trustedIdentities": ["*"]}]}, f)


class Chain:
    """leaf <- intermediate <- the root, whose revocation information points at /NAME/..."""

    def __init__(self, name, leaf_ext=(), int_ext=(), int_ku=None, key=rsa_key, direct=False, sign_args=(),
                 unsignable=False):
        """`unsignable`: a leaf neither tool signs with (notary signs with a plain certificate for
        the same key, and the envelope's x5c, which its signature does not cover, is replaced)."""
        self.name = name
        self.sign_args = list(sign_args)
        self.int_key = key()
        self.int = make_cert(dn(f"{name} ca"), self.int_key, dn("revocation root"), ROOT_KEY, ca=True,
                             ku=int_ku, not_after=now() + 20 * DAY, extra=int_ext)
        if direct:  # the leaf issued by the root itself
            self.int, self.int_key = ROOT, ROOT_KEY
        self.leaf_key = key()
        self.leaf = make_cert(dn(f"{name} leaf"), self.leaf_key, self.int.subject, self.int_key,
                              not_after=now() + 10 * DAY, extra=leaf_ext)
        kp, cp = f"{CFG}/{name}.key", f"{CFG}/{name}.crt"
        with open(kp, "wb") as f:
            f.write(self.leaf_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                serialization.NoEncryption()))
        plain = make_cert(self.leaf.subject, self.leaf_key, self.int.subject, self.int_key,
                          not_after=now() + 10 * DAY) if unsignable else self.leaf
        with open(cp, "wb") as f:
            f.write(pem(plain) + (b"" if direct else pem(self.int)) + pem(ROOT))
        keys_path = f"{CFG}/signingkeys.json"
        keys = json.load(open(keys_path)) if os.path.exists(keys_path) else {"keys": []}
        keys["keys"].append({"name": name, "keyPath": kp, "certPath": cp})
        with open(keys_path, "w") as f:
            json.dump(keys, f)
        with open(f"{name}.txt", "w") as f:
            f.write(name)
        sh(ORAS, "push", "--oci-layout", f"{name}:v1", f"{name}.txt")
        self.digest = sh(ORAS, "resolve", "--oci-layout", f"{name}:v1")
        # Signed while the signer's revocation checks would pass (signing does not check them;
        # a TSA's chain it does check, and its callers serve good answers for it first).
        sh(NOTARY, "sign", "--oci-layout", "--key", name, *sign_args, f"{name}@{self.digest}")
        if unsignable:
            self.replace_x5c([self.leaf, self.int, ROOT])

    def replace_x5c(self, certs):
        def edit(env):
            env["header"]["x5c"] = [base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode()
                                    for c in certs]
        self.edit_envelope(edit)

    def to_signing_authority(self, authentic_signing_time):
        """Signs the payload again under the signingAuthority scheme with that authentic signing
        time (RSA-PSS, as notary signed it)."""
        def edit(env):
            pad = lambda v: v + "=" * (-len(v) % 4)
            p = json.loads(base64.urlsafe_b64decode(pad(env["protected"])))
            p.pop("io.cncf.notary.signingTime", None)
            p["io.cncf.notary.signingScheme"] = "notary.x509.signingAuthority"
            p["io.cncf.notary.authenticSigningTime"] = authentic_signing_time.strftime("%Y-%m-%dT%H:%M:%SZ")
            p["crit"] = [c for c in p["crit"] if c != "io.cncf.notary.signingTime"] + [
                "io.cncf.notary.authenticSigningTime"]
            prot = base64.urlsafe_b64encode(json.dumps(p, separators=(",", ":")).encode()).rstrip(b"=").decode()
            h = {"PS256": hashes.SHA256(), "PS384": hashes.SHA384(), "PS512": hashes.SHA512()}[p["alg"]]
            sig = self.leaf_key.sign(f"{prot}.{env['payload']}".encode(),
                                     padding.PSS(mgf=padding.MGF1(h), salt_length=h.digest_size), h)
            env["protected"] = prot
            env["signature"] = base64.urlsafe_b64encode(sig).rstrip(b"=").decode()
        self.edit_envelope(edit)

    def edit_envelope(self, edit):
        blob = lambda d: f"{self.name}/blobs/sha256/{d[7:]}"
        index = json.load(open(f"{self.name}/index.json"))
        entry = next(m for m in index["manifests"] if m["digest"] != self.digest)
        manifest = json.load(open(blob(entry["digest"])))
        env = json.load(open(blob(manifest["layers"][0]["digest"])))
        edit(env)

        def put(data):
            d = "sha256:" + hashlib.sha256(data).hexdigest()
            open(blob(d), "wb").write(data)
            return d, len(data)
        d, n = put(json.dumps(env).encode())
        manifest["layers"][0].update(digest=d, size=n)
        d, n = put(json.dumps(manifest).encode())
        entry.update(digest=d, size=n)
        json.dump(index, open(f"{self.name}/index.json", "w"))


def url(chain_name, path):
    return f"{BASE}/{chain_name}/{path}"


def sign_with(key, data, algorithm=None):
    algorithm = algorithm or hashes.SHA256()
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(data, padding.PKCS1v15(), algorithm)
    return key.sign(data, ec.ECDSA(algorithm))


SHA1_RSA = bytes.fromhex("300d06092a864886f70d0101050500")


def crl(issuer_key, issuer_name, revoked=(), last=None, next_=None, number=1, extensions=(),
        algorithm=None):
    """A DER CRL. `revoked`: (serial, date, reason or None, [extra entry (extension, critical)]).
    `next_` False leaves nextUpdate out (re-encoded by hand: the builder always writes one)."""
    b = (x509.CertificateRevocationListBuilder().issuer_name(issuer_name)
         .last_update(last or now() - DAY).next_update(now() + 7 * DAY if next_ in (None, False) else next_))
    if number is not None:
        b = b.add_extension(x509.CRLNumber(number), critical=False)
    for e, critical in extensions:
        b = b.add_extension(e, critical=critical)
    for serial, date, reason, extra in revoked:
        r = x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(date or now() - DAY)
        if reason is not None:
            r = r.add_extension(x509.CRLReason(reason), critical=False)
        for e, critical in extra:
            r = r.add_extension(e, critical=critical)
        b = b.add_revoked_certificate(r.build())
    sha1 = isinstance(algorithm, hashes.SHA1)
    data = b.sign(issuer_key, hashes.SHA256() if sha1 else algorithm or hashes.SHA256()).public_bytes(
        serialization.Encoding.DER)
    if next_ is False:
        data = resign(data, issuer_key, lambda kids: [k for i, k in enumerate(kids) if i != 4])
    if sha1:  # the builder refuses SHA-1: re-signed by hand
        data = resign(data, issuer_key, lambda kids: kids, sha1=True)
    return data


def tlv(data, pos=0):
    """(tag, start of contents, end) of the DER element at `pos`."""
    tag, n = data[pos], data[pos + 1]
    if n < 0x80:
        return tag, pos + 2, pos + 2 + n
    k = n & 0x7F
    length = int.from_bytes(data[pos + 2:pos + 2 + k], "big")
    return tag, pos + 2 + k, pos + 2 + k + length


def seq(tag, body):
    n = len(body)
    if n < 0x80:
        return bytes([tag, n]) + body
    ln = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(ln)]) + ln + body


def children(data):
    out, pos = [], 0
    while pos < len(data):
        _, _, end = tlv(data, pos)
        out.append(data[pos:end])
        pos = end
    return out


def resign(signed, key, edit, sha1=False):
    """Re-signs a certificate list after `edit` changed its TBS elements (raw DER each); `sha1`
    (RSA keys) signs with SHA-1 and names that algorithm."""
    _, s, e = tlv(signed)
    tbs, alg, _sig = children(signed[s:e])
    _, ts, te = tlv(tbs)
    kids = edit(children(tbs[ts:te]))
    if sha1:
        alg = SHA1_RSA
        kids = [alg if k[0] == 0x30 and k[2] == 0x06 and i < 2 else k for i, k in enumerate(kids)]
    new_tbs = seq(0x30, b"".join(kids))
    sig = sign_with(key, new_tbs, hashes.SHA1() if sha1 else None)
    return seq(0x30, new_tbs + alg + seq(0x03, b"\x00" + sig))


def ocsp_response(cert, issuer, responder_key, responder_cert=None, status=ocsp.OCSPCertStatus.GOOD,
                  this=None, next_=None, revoked_at=None, reason=None, certs=None, by_name=False,
                  cert_id_hash=None, sig_hash=None, extensions=()):
    responder_cert = responder_cert or issuer
    b = ocsp.OCSPResponseBuilder().add_response(
        cert=cert, issuer=issuer, algorithm=cert_id_hash or hashes.SHA1(), cert_status=status,
        this_update=this or now() - DAY, next_update=(now() + 7 * DAY) if next_ is None else (next_ or None),
        revocation_time=(revoked_at or now() - DAY) if status == ocsp.OCSPCertStatus.REVOKED else None,
        revocation_reason=reason if status == ocsp.OCSPCertStatus.REVOKED else None)
    b = b.responder_id(ocsp.OCSPResponderEncoding.NAME if by_name else ocsp.OCSPResponderEncoding.HASH,
                       responder_cert)
    for e, critical in extensions:
        b = b.add_extension(e, critical)
    if certs:
        b = b.certificates(certs)
    elif certs is None and responder_cert is not issuer:
        b = b.certificates([responder_cert])
    sha1 = isinstance(sig_hash, hashes.SHA1)
    out = b.sign(responder_key, hashes.SHA256() if sha1 or sig_hash is None else sig_hash).public_bytes(
        serialization.Encoding.DER)
    return resign_ocsp(out, responder_key, sha1=True) if sha1 else out


def resign_ocsp(der_bytes, key, edit_tbs=lambda tbs: tbs, sha1=False):
    """A successful response with `edit_tbs` applied to its ResponseData, signed again by `key`
    (SHA-256, or SHA-1 naming that algorithm: the builder refuses SHA-1)."""
    content = lambda el: el[tlv(el)[1]:tlv(el)[2]]
    status, response_bytes = children(content(der_bytes))
    (inner,) = children(content(response_bytes))
    oid, octets = children(content(inner))
    tbs, alg, _sig, *rest = children(content(content(octets)))
    tbs = edit_tbs(tbs)
    alg = SHA1_RSA if sha1 else alg
    sig = sign_with(key, tbs, hashes.SHA1() if sha1 else None)
    basic = seq(0x30, tbs + alg + seq(0x03, b"\x00" + sig) + b"".join(rest))
    return seq(0x30, status + seq(0xA0, seq(0x30, oid + seq(0x04, basic))))


def ocsp_single_ext(cert, issuer, key, status, extensions):
    """An OCSP response for `cert` whose SingleResponse carries `extensions` ((extension,
    critical) pairs; only InvalidityDate here), signed by the issuer `key` (SHA-256)."""
    der_bytes = ocsp_response(cert, issuer, key, status=status)
    if not extensions:
        return der_bytes
    exts = b""
    for e, critical in extensions:
        value = seq(0x18, e.invalidity_date.strftime("%Y%m%d%H%M%SZ").encode())
        exts += seq(0x30, seq(0x06, bytes.fromhex("551d18")) + (b"\x01\x01\xff" if critical else b"")
                    + seq(0x04, value))

    def edit(tbs):
        parts = children(tbs[tlv(tbs)[1]:])
        i = next(k for k, el in enumerate(parts) if el[0] == 0x30 and k >= 2)  # responses
        singles = children(parts[i][tlv(parts[i])[1]:])
        singles[0] = seq(0x30, singles[0][tlv(singles[0])[1]:] + seq(0xA1, seq(0x30, exts)))
        parts[i] = seq(0x30, b"".join(singles))
        return seq(0x30, b"".join(parts))
    return resign_ocsp(der_bytes, key, edit)


def flip_last(der_bytes):
    """Breaks the signature of a response that carries no certificates (it ends the DER)."""
    return der_bytes[:-1] + bytes([der_bytes[-1] ^ 1])


def unsuccessful(status):
    return ocsp.OCSPResponseBuilder.build_unsuccessful(status).public_bytes(serialization.Encoding.DER)


R = x509.ReasonFlags
report = Report("notation")
case_no = 0


def serve(name, served=None, responses=None):
    """From now on the server answers `served` (path under /NAME -> (status, body) or DER bytes)
    and `responses` (serial -> (status, body) or DER bytes, at /NAME/ocsp), and nothing else."""
    SERVED.clear()
    OCSP.clear()
    for path, v in (served or {}).items():
        SERVED[f"/{name}/{path}"] = v if isinstance(v, tuple) else (200, v)
    OCSP[f"/{name}/ocsp"] = {s: (v if isinstance(v, tuple) else (200, v))
                             for s, v in (responses or {}).items()}


def sign_again(chain, label, served=None, responses=None):
    """Serves as `verify` does, then signs the chain's artifact once more with each tool (its
    sign_args: timestamped), each with an empty cache: the TSA's chain is checked for
    revocation after timestamping, the signer's own chain is not."""
    global case_no
    serve(chain.name, served, responses)
    args = ["sign", "--oci-layout", "--key", chain.name, *chain.sign_args, f"{chain.name}@{chain.digest}"]
    results = []
    for tool in (NOTATION, NOTARY):
        case_no += 1
        results.append(outcome([tool, *args], dict(ENV, XDG_CACHE_HOME=f"{W}/cache-{case_no}")))
    report.record(f"{chain.name}: sign, {label}", *results)


def verify(chain, label, served=None, responses=None, stricter=None):
    """Serves `served` (path under the chain -> (status, body) or DER bytes) and `responses`
    (serial -> (status, body) or DER bytes, at /NAME/ocsp), then verifies with both tools.
    `stricter` names the rule by which notary refuses where notation accepts."""
    global case_no
    serve(chain.name, served, responses)
    args = ["verify", "--oci-layout", "--scope", "local/rev", f"{chain.name}@{chain.digest}"]
    results = []
    for tool in (NOTATION, NOTARY):
        case_no += 1
        env = dict(ENV, XDG_CACHE_HOME=f"{W}/cache-{case_no}")
        results.append(outcome([tool, *args], env))
    if os.environ.get("REV_DEBUG") and results[0][0] != results[1][0]:
        for tool in (NOTATION, NOTARY):
            case_no += 1
            env = dict(ENV, XDG_CACHE_HOME=f"{W}/cache-{case_no}")
            r = subprocess.run([tool, *args[:1], "-d", *args[1:]], env=env, capture_output=True, text=True)
            for line in (r.stdout + r.stderr).splitlines():
                if any(w in line.lower() for w in ("revoc", "crl", "ocsp", "error")):
                    print(f"    {os.path.basename(tool)}: {line[:400]}")
    report.record(f"{chain.name}: {label}", *results, stricter=stricter)


# --- CRLs only -------------------------------------------------------------------------------
C = Chain("crl", leaf_ext=[cdp(url("crl", "leaf.crl"))], int_ext=[cdp(url("crl", "int.crl"))])
L, I = C.leaf.serial_number, C.int.serial_number
INT_NAME, ROOT_NAME = dn("crl ca"), dn("revocation root")
root_ok = crl(ROOT_KEY, ROOT_NAME)
leaf_ok = crl(C.int_key, INT_NAME)


def leaf_crl(**kw):
    return crl(C.int_key, INT_NAME, **kw)


def crl_case(label, leaf=None, inter=None, stricter=None):
    verify(C, label, {"leaf.crl": leaf_ok if leaf is None else leaf, "int.crl": root_ok if inter is None else inter},
           stricter=stricter)


IDP_SCOPE = "issuingDistributionPoint scope is honoured (README: Deliberate differences)"
NO_SHA1 = "SHA-1 is refused on CRLs and OCSP responses (README: Deliberate differences)"
DELEGATE = "a delegated OCSP responder needs the OCSP-signing EKU and must be valid (RFC 6960 4.2.2.2)"


other = x509.random_serial_number()
crl_case("both CRLs good")
crl_case("another serial revoked", leaf_crl(revoked=[(other, None, None, [])]))
for reason in [None, R.unspecified, R.key_compromise, R.ca_compromise, R.affiliation_changed, R.superseded,
               R.cessation_of_operation, R.certificate_hold, R.privilege_withdrawn, R.aa_compromise]:
    crl_case(f"leaf revoked, reason {reason}", leaf_crl(revoked=[(L, None, reason, [])]))
crl_case("leaf removeFromCRL alone", leaf_crl(revoked=[(L, None, R.remove_from_crl, [])]))
crl_case("leaf on hold, then removed", leaf_crl(revoked=[(L, now() - 2 * DAY, R.certificate_hold, []),
                                                         (L, now() - DAY, R.remove_from_crl, [])]))
crl_case("leaf removed, then on hold", leaf_crl(revoked=[(L, now() - 2 * DAY, R.remove_from_crl, []),
                                                         (L, now() - DAY, R.certificate_hold, [])]))
crl_case("leaf on hold and revoked", leaf_crl(revoked=[(L, now() - 2 * DAY, R.certificate_hold, []),
                                                       (L, now() - DAY, R.key_compromise, [])]))
crl_case("leaf revoked tomorrow", leaf_crl(revoked=[(L, now() + DAY, None, [])]))
crl_case("leaf revoked, invalidity date last week", leaf_crl(
    revoked=[(L, None, R.key_compromise, [(x509.InvalidityDate(now() - 7 * DAY), False)])]))
crl_case("leaf revoked, unknown critical entry extension", leaf_crl(
    revoked=[(L, None, None, [(x509.UnrecognizedExtension(x509.ObjectIdentifier("1.2.3.4.5"), b"\x05\x00"), True)])]))
crl_case("another serial, unknown critical entry extension", leaf_crl(
    revoked=[(other, None, None, [(x509.UnrecognizedExtension(x509.ObjectIdentifier("1.2.3.4.5"), b"\x05\x00"), True)])]))
crl_case("another serial, certificate issuer entry extension", leaf_crl(
    revoked=[(other, None, None, [(x509.CertificateIssuer([x509.DirectoryName(dn("x"))]), True)])]))
crl_case("intermediate revoked", inter=crl(ROOT_KEY, ROOT_NAME, revoked=[(I, None, R.key_compromise, [])]))
crl_case("intermediate on hold", inter=crl(ROOT_KEY, ROOT_NAME, revoked=[(I, None, R.certificate_hold, [])]))
crl_case("leaf CRL 404", (404, b""))
crl_case("leaf CRL 500", (500, b"oops"))
crl_case("leaf CRL 204", (204, b""))
crl_case("intermediate CRL 404", inter=(404, b""))
crl_case("leaf CRL empty body", b"")
crl_case("leaf CRL garbage", b"garbage")
crl_case("leaf CRL as PEM", b"-----BEGIN X509 CRL-----\n" + base64.encodebytes(leaf_ok) + b"-----END X509 CRL-----\n")
crl_case("leaf CRL with trailing bytes", leaf_ok + b"\x00")
crl_case("leaf CRL with a trailing newline", leaf_ok + b"\n")
crl_case("leaf CRL expired", leaf_crl(last=now() - 3 * DAY, next_=now() - DAY))
crl_case("leaf CRL not yet valid", leaf_crl(last=now() + DAY, next_=now() + 3 * DAY))
crl_case("leaf CRL without nextUpdate", leaf_crl(next_=False))
crl_case("leaf CRL without CRL number", leaf_crl(number=None))
crl_case("leaf CRL version 1", resign(leaf_crl(number=None), C.int_key, lambda kids: kids[1:]))
CRL_NUMBER_OID = x509.ObjectIdentifier("2.5.29.20")
for label, raw in [("0", b"\x02\x01\x00"), ("negative", b"\x02\x01\xff"), ("of 20 octets", b"\x02\x14" + b"\x7f" * 20),
                   ("of 21 octets", b"\x02\x15" + b"\x7f" * 21), ("not minimal", b"\x02\x02\x00\x01"),
                   ("not an INTEGER", b"\x04\x01\x01"), ("critical", None)]:
    if raw is None:
        ext = (x509.UnrecognizedExtension(CRL_NUMBER_OID, b"\x02\x01\x05"), True)
    else:
        ext = (x509.UnrecognizedExtension(CRL_NUMBER_OID, raw), False)
    crl_case(f"leaf CRL number {label}", leaf_crl(number=None, extensions=[ext]))
crl_case("leaf CRL with a critical authority key identifier", leaf_crl(extensions=[(
    x509.AuthorityKeyIdentifier.from_issuer_public_key(C.int_key.public_key()), True)]))
verify(C, "leaf CRL with a critical freshest CRL, delta good", {
    "leaf.crl": leaf_crl(extensions=[(freshest(url("crl", "delta.crl"))[0], True)]),
    "delta.crl": crl(C.int_key, INT_NAME, number=2, extensions=[(x509.DeltaCRLIndicator(1), True)]),
    "int.crl": root_ok})
crl_case("leaf CRL signed by another key of the same name", crl(rsa_key(), INT_NAME))
crl_case("leaf CRL under another issuer name", crl(C.int_key, dn("someone else")))
crl_case("leaf CRL signed by the root", crl(ROOT_KEY, ROOT_NAME))
crl_case("leaf CRL with a bad signature", leaf_ok[:-3] + bytes([leaf_ok[-3] ^ 1]) + leaf_ok[-2:])
crl_case("leaf CRL signed with SHA-1", leaf_crl(algorithm=hashes.SHA1()), stricter=NO_SHA1)
crl_case("leaf CRL signed with SHA-512", leaf_crl(algorithm=hashes.SHA512()))
crl_case("leaf CRL with an unknown critical extension", leaf_crl(
    extensions=[(x509.UnrecognizedExtension(x509.ObjectIdentifier("1.2.3.4.6"), b"\x05\x00"), True)]))
crl_case("leaf CRL with an unknown extension", leaf_crl(
    extensions=[(x509.UnrecognizedExtension(x509.ObjectIdentifier("1.2.3.4.6"), b"\x05\x00"), False)]))
crl_case("leaf CRL with a critical issuing distribution point", leaf_crl(extensions=[(x509.IssuingDistributionPoint(
    full_name=[x509.UniformResourceIdentifier(url("crl", "leaf.crl"))], relative_name=None, only_contains_user_certs=False,
    only_contains_ca_certs=False, only_some_reasons=None, indirect_crl=False, only_contains_attribute_certs=False), True)]))
crl_case("leaf CRL, indirect", leaf_crl(extensions=[(x509.IssuingDistributionPoint(
    full_name=None, relative_name=None, only_contains_user_certs=False, only_contains_ca_certs=False,
    only_some_reasons=None, indirect_crl=True, only_contains_attribute_certs=False), True)]), stricter=IDP_SCOPE)
crl_case("leaf CRL, only CA certificates", leaf_crl(extensions=[(x509.IssuingDistributionPoint(
    full_name=None, relative_name=None, only_contains_user_certs=False, only_contains_ca_certs=True,
    only_some_reasons=None, indirect_crl=False, only_contains_attribute_certs=False), True)]), stricter=IDP_SCOPE)
crl_case("leaf CRL is a delta CRL", leaf_crl(extensions=[(x509.DeltaCRLIndicator(1), True)], number=2),
         stricter="a delta CRL is never taken as the base CRL (README: Deliberate differences)")
crl_case("leaf CRL with a freshest CRL, delta 404", leaf_crl(extensions=[(freshest(url("crl", "delta.crl"))[0], False)]))
for label, delta in [
        ("good", crl(C.int_key, INT_NAME, number=2, extensions=[(x509.DeltaCRLIndicator(1), True)])),
        ("revoking the leaf", crl(C.int_key, INT_NAME, number=2, revoked=[(L, None, R.key_compromise, [])],
                                  extensions=[(x509.DeltaCRLIndicator(1), True)])),
        ("removing the held leaf", crl(C.int_key, INT_NAME, number=2, revoked=[(L, None, R.remove_from_crl, [])],
                                       extensions=[(x509.DeltaCRLIndicator(1), True)])),
        ("without indicator", crl(C.int_key, INT_NAME, number=2)),
        ("with a number not above the base's", crl(C.int_key, INT_NAME, number=1,
                                                   extensions=[(x509.DeltaCRLIndicator(1), True)])),
        ("naming a later base", crl(C.int_key, INT_NAME, number=3, extensions=[(x509.DeltaCRLIndicator(2), True)])),
        ("expired", crl(C.int_key, INT_NAME, number=2, last=now() - 3 * DAY, next_=now() - DAY,
                        extensions=[(x509.DeltaCRLIndicator(1), True)])),
        ("by another key", crl(rsa_key(), INT_NAME, number=2, extensions=[(x509.DeltaCRLIndicator(1), True)])),
        ("garbage", b"garbage")]:
    for held in (False, True):
        base_revoked = [(L, None, R.certificate_hold, [])] if held else []
        verify(C, f"base CRL{' holding the leaf' if held else ''} with a delta CRL {label}", {
            "leaf.crl": leaf_crl(revoked=base_revoked, extensions=[(freshest(url("crl", "delta.crl"))[0], False)]),
            "delta.crl": delta, "int.crl": root_ok})
crl_case("leaf CRL with 20000 other serials", leaf_crl(
    revoked=[(x509.random_serial_number(), None, None, []) for _ in range(20000)]))

# --- OCSP only -------------------------------------------------------------------------------
O = Chain("ocsp", leaf_ext=[aia(url("ocsp", "ocsp"))], int_ext=[aia(url("ocsp", "ocsp"))])
OL, OI = O.leaf.serial_number, O.int.serial_number
S = ocsp.OCSPCertStatus
root_good = ocsp_response(O.int, ROOT, ROOT_KEY)


def leaf_resp(**kw):
    return ocsp_response(O.leaf, O.int, O.int_key, **kw)


def ocsp_case(label, leaf=None, inter=None, stricter=None):
    verify(O, label, responses={OL: leaf_resp() if leaf is None else leaf, OI: root_good if inter is None else inter},
           stricter=stricter)


def responder(issuer, issuer_key, name, eku=True, not_after=None, nocheck=False):
    key = rsa_key()
    extra = [(x509.OCSPNoCheck(), False)] if nocheck else []
    c = make_cert(dn(name), key, issuer.subject, issuer_key, eku=None, not_after=not_after,
                  not_before=now() - 5 * DAY if not_after else None, extra=extra + (
                      [(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.OCSP_SIGNING]), False)] if eku else []))
    return c, key


ocsp_case("both good")
for reason in [None, R.key_compromise, R.certificate_hold, R.remove_from_crl, R.superseded]:
    ocsp_case(f"leaf revoked, reason {reason}", leaf_resp(status=S.REVOKED, reason=reason))
ocsp_case("leaf revoked tomorrow", leaf_resp(status=S.REVOKED, revoked_at=now() + DAY))
ocsp_case("leaf unknown", leaf_resp(status=S.UNKNOWN))
ocsp_case("intermediate revoked", inter=ocsp_response(O.int, ROOT, ROOT_KEY, status=S.REVOKED))
ocsp_case("intermediate unknown", inter=ocsp_response(O.int, ROOT, ROOT_KEY, status=S.UNKNOWN))
rc, rk = responder(O.int, O.int_key, "delegated")
ocsp_case("delegated responder", ocsp_response(O.leaf, O.int, rk, rc))
ocsp_case("delegated responder, revoked", ocsp_response(O.leaf, O.int, rk, rc, status=S.REVOKED))
ocsp_case("delegated responder named by name", ocsp_response(O.leaf, O.int, rk, rc, by_name=True))
rc2, rk2 = responder(O.int, O.int_key, "delegated without eku", eku=False)
ocsp_case("delegated responder without the OCSP-signing EKU", ocsp_response(O.leaf, O.int, rk2, rc2), stricter=DELEGATE)
rc3, rk3 = responder(ROOT, ROOT_KEY, "delegated by the root")
ocsp_case("responder issued by another CA", ocsp_response(O.leaf, O.int, rk3, rc3))
rc4, rk4 = responder(O.int, O.int_key, "expired responder", not_after=now() - DAY)
ocsp_case("expired delegated responder", ocsp_response(O.leaf, O.int, rk4, rc4), stricter=DELEGATE)
rc5, rk5 = responder(O.int, O.int_key, "nocheck responder", nocheck=True)
ocsp_case("delegated responder with ocsp-nocheck", ocsp_response(O.leaf, O.int, rk5, rc5))
ocsp_case("delegated responder not included", ocsp_response(O.leaf, O.int, rk, rc, certs=[]))
ocsp_case("with a bad signature", flip_last(leaf_resp()))
ocsp_case("signed by the root", ocsp_response(O.leaf, O.int, ROOT_KEY, ROOT))
ocsp_case("issuer named by name", leaf_resp(by_name=True))
ocsp_case("issuer certificate included", leaf_resp(certs=[O.int]))
ocsp_case("expired response", leaf_resp(this=now() - 3 * DAY, next_=now() - DAY))
ocsp_case("response without nextUpdate", leaf_resp(next_=False))
ocsp_case("response from the future", leaf_resp(this=now() + DAY, next_=now() + 3 * DAY))
ocsp_case("response from the future, revoked", leaf_resp(status=S.REVOKED, this=now() + DAY, next_=now() + 3 * DAY))
ocsp_case("CertID by SHA-256", leaf_resp(cert_id_hash=hashes.SHA256()))
ocsp_case("response with a nonce", leaf_resp(extensions=[(x509.OCSPNonce(b"0123456789abcdef"), False)]))
ocsp_case("response with a critical nonce", leaf_resp(extensions=[(x509.OCSPNonce(b"0123456789abcdef"), True)]))
ocsp_case("response with an unknown critical extension", leaf_resp(extensions=[(
    x509.UnrecognizedExtension(x509.ObjectIdentifier("1.2.3.4.7"), b"\x05\x00"), True)]))
ocsp_case("signed with SHA-1", leaf_resp(sig_hash=hashes.SHA1()), stricter=NO_SHA1)
ocsp_case("response for the intermediate's serial", ocsp_response(O.int, ROOT, ROOT_KEY))
ocsp_case("response for another certificate of the issuer", ocsp_response(
    make_cert(dn("someone"), rsa_key(), O.int.subject, O.int_key), O.int, O.int_key))
for status in [ocsp.OCSPResponseStatus.MALFORMED_REQUEST, ocsp.OCSPResponseStatus.INTERNAL_ERROR,
               ocsp.OCSPResponseStatus.TRY_LATER, ocsp.OCSPResponseStatus.SIG_REQUIRED,
               ocsp.OCSPResponseStatus.UNAUTHORIZED]:
    ocsp_case(f"status {status.name}", unsuccessful(status))
ocsp_case("HTTP 404", (404, b""))
ocsp_case("HTTP 500", (500, b""))
ocsp_case("garbage", b"garbage")
ocsp_case("empty body", b"")
ocsp_case("response with trailing bytes", leaf_resp() + b"\x00")
ocsp_case("delegated responder, then other certificates", ocsp_response(O.leaf, O.int, rk, rc, certs=[rc, O.int, ROOT]))
ocsp_case("other certificates, then the delegated responder", ocsp_response(O.leaf, O.int, rk, rc, certs=[O.int, rc]))
ocsp_case("signed by the issuer, a delegated responder included", ocsp_response(O.leaf, O.int, O.int_key, O.int, certs=[rc]))
ocsp_case("response of 19 KiB", ocsp_response(O.leaf, O.int, rk, rc, certs=[rc] + [O.int] * 13))
ocsp_case("response of 25 KiB", ocsp_response(O.leaf, O.int, rk, rc, certs=[rc] + [O.int] * 19))

# --- OCSP and CRL on the leaf: OCSP first, the CRL when OCSP cannot say ----------------------
B = Chain("both", leaf_ext=[aia(url("both", "ocsp")), cdp(url("both", "leaf.crl"))])
BL = B.leaf.serial_number
b_crl_ok = crl(B.int_key, dn("both ca"))
b_crl_revoked = crl(B.int_key, dn("both ca"), revoked=[(BL, None, R.key_compromise, [])])
for olabel, resp in [("good", ocsp_response(B.leaf, B.int, B.int_key)),
                     ("revoked", ocsp_response(B.leaf, B.int, B.int_key, status=S.REVOKED)),
                     ("unknown", ocsp_response(B.leaf, B.int, B.int_key, status=S.UNKNOWN)),
                     ("HTTP 500", (500, b"")), ("tryLater", unsuccessful(ocsp.OCSPResponseStatus.TRY_LATER)),
                     ("garbage", b"garbage"),
                     ("expired", ocsp_response(B.leaf, B.int, B.int_key, this=now() - 3 * DAY, next_=now() - DAY)),
                     ("with a bad signature", flip_last(ocsp_response(B.leaf, B.int, B.int_key)))]:
    for clabel, body in [("good", b_crl_ok), ("revoked", b_crl_revoked), ("404", (404, b""))]:
        verify(B, f"OCSP {olabel}, CRL {clabel}", {"leaf.crl": body}, {BL: resp})

# --- Other shapes ------------------------------------------------------------------------------
T = Chain("two", leaf_ext=[cdp(url("two", "a.crl"), url("two", "b.crl"))])
t_ok = crl(T.int_key, dn("two ca"))
t_rev = crl(T.int_key, dn("two ca"), revoked=[(T.leaf.serial_number, None, None, [])])
for a_label, a in [("good", t_ok), ("revoked", t_rev), ("404", (404, b"")), ("garbage", b"garbage")]:
    for b_label, b in [("good", t_ok), ("revoked", t_rev), ("404", (404, b""))]:
        verify(T, f"two distribution points: {a_label}, {b_label}", {"a.crl": a, "b.crl": b})
N1 = Chain("onepoint", leaf_ext=[cdp(url("onepoint", "a.crl"), url("onepoint", "b.crl"), one_point=True)])
n_ok = crl(N1.int_key, dn("onepoint ca"))
for a_label, a in [("good", n_ok), ("404", (404, b""))]:
    for b_label, b in [("good", n_ok), ("404", (404, b""))]:
        verify(N1, f"one point, two names: {a_label}, {b_label}", {"a.crl": a, "b.crl": b})
LD = Chain("ldap", leaf_ext=[cdp("ldap://127.0.0.1/cn=crl", url("ldap", "leaf.crl"), one_point=True)])
verify(LD, "LDAP name then HTTP name, good", {"leaf.crl": crl(LD.int_key, dn("ldap ca"))})
LD2 = Chain("ldaponly", leaf_ext=[cdp("ldap://127.0.0.1/cn=crl")])
verify(LD2, "LDAP name only")
HS = Chain("https", leaf_ext=[cdp(url("https", "leaf.crl").replace("http://", "https://"))])
verify(HS, "HTTPS distribution point")
HO = Chain("httpsocsp", leaf_ext=[aia(url("httpsocsp", "ocsp").replace("http://", "https://"))])
verify(HO, "HTTPS OCSP responder")
UP = Chain("upper", leaf_ext=[cdp(url("upper", "leaf.crl").replace("http://", "HTTP://"))])
verify(UP, "distribution point in upper case scheme", {"leaf.crl": crl(UP.int_key, dn("upper ca"))})
# How distribution point names are read (Go's x509 parser: the URIs of a fullName up to the first
# name of another form; a nameRelativeToCRLIssuer makes the certificate unreadable).
def dp(*names, relative=None):
    return x509.DistributionPoint(list(names) if names else None, relative, None, None)


DIR_NAME = x509.DirectoryName(dn("crl directory"))
EVERY_URI = ("every URI of a distribution point's fullName is checked; Go stops at the first name of another "
             "form (README: Deliberate differences)")
for name, points in [
        ("dirfirst", [dp(DIR_NAME, x509.UniformResourceIdentifier(url("dirfirst", "leaf.crl")))]),
        ("dirmiddle", [dp(x509.UniformResourceIdentifier(url("dirmiddle", "a.crl")), DIR_NAME,
                          x509.UniformResourceIdentifier(url("dirmiddle", "leaf.crl")))]),
        ("dirthenpoint", [dp(DIR_NAME), dp(x509.UniformResourceIdentifier(url("dirthenpoint", "leaf.crl")))]),
        ("relative", [dp(relative=x509.RelativeDistinguishedName(
            [x509.NameAttribute(NameOID.COMMON_NAME, "crl")]))]),
        ("nopointname", [x509.DistributionPoint(None, None, None, [DIR_NAME])])]:
    ch = Chain(name, leaf_ext=[(x509.CRLDistributionPoints(points), False)], unsignable=name == "relative")
    revoked = crl(ch.int_key, dn(f"{name} ca"), revoked=[(ch.leaf.serial_number, None, None, [])])
    good = crl(ch.int_key, dn(f"{name} ca"))
    rule = EVERY_URI if name in ("dirfirst", "dirmiddle") else None
    verify(ch, "distribution point names: every CRL revokes", {"leaf.crl": revoked, "a.crl": revoked},
           stricter=rule if name == "dirfirst" else None)
    verify(ch, "distribution point names: every CRL good", {"leaf.crl": good, "a.crl": good})
    verify(ch, "distribution point names: only the second URI's CRL revokes", {"leaf.crl": revoked, "a.crl": good},
           stricter=rule)
AD = Chain("aiadir", leaf_ext=[(x509.AuthorityInformationAccess([
    x509.AccessDescription(AuthorityInformationAccessOID.OCSP, DIR_NAME),
    x509.AccessDescription(AuthorityInformationAccessOID.OCSP, x509.UniformResourceIdentifier(url("aiadir", "ocsp")))]),
    False)])
for label, status in [("good", S.GOOD), ("revoked", S.REVOKED)]:
    verify(AD, f"OCSP access location a directory name, then a URI: {label}", {},
           {AD.leaf.serial_number: ocsp_response(AD.leaf, AD.int, AD.int_key, status=status)})
NONE = Chain("none")
verify(NONE, "no revocation information")
FR = Chain("fresh", leaf_ext=[cdp(url("fresh", "leaf.crl")), freshest(url("fresh", "delta.crl"))])
fr_delta = crl(FR.int_key, dn("fresh ca"), number=2, extensions=[(x509.DeltaCRLIndicator(1), True)])
verify(FR, "certificate with a freshest CRL, base without one", {"leaf.crl": crl(FR.int_key, dn("fresh ca"))})
verify(FR, "certificate and base CRL with a freshest CRL", {
    "leaf.crl": crl(FR.int_key, dn("fresh ca"), extensions=[(freshest(url("fresh", "delta.crl"))[0], False)]),
    "delta.crl": fr_delta})
KU = Chain("nocrlsign", leaf_ext=[cdp(url("nocrlsign", "leaf.crl"))], int_ku={"key_cert_sign": True})
verify(KU, "issuer without cRLSign", {"leaf.crl": crl(KU.int_key, dn("nocrlsign ca"))})
EC = Chain("ecdsa", leaf_ext=[cdp(url("ecdsa", "leaf.crl")), aia(url("ecdsa", "ocsp"))],
           key=lambda: ec.generate_private_key(ec.SECP256R1()))
verify(EC, "ECDSA issuer, OCSP good", {}, {EC.leaf.serial_number: ocsp_response(EC.leaf, EC.int, EC.int_key)})
verify(EC, "ECDSA issuer, OCSP unknown, CRL good", {"leaf.crl": crl(EC.int_key, dn("ecdsa ca"))},
       {EC.leaf.serial_number: ocsp_response(EC.leaf, EC.int, EC.int_key, status=S.UNKNOWN)})
verify(EC, "ECDSA issuer, OCSP unknown, CRL revoked", {"leaf.crl": crl(
    EC.int_key, dn("ecdsa ca"), revoked=[(EC.leaf.serial_number, None, None, [])])},
       {EC.leaf.serial_number: ocsp_response(EC.leaf, EC.int, EC.int_key, status=S.UNKNOWN)})

# Redirects and size limits on the CRL path.
crl_case("leaf CRL behind a 302", (302, b"", {"Location": "BASE/crl/real.crl"}))
for code in (301, 302, 303, 307, 308):
    verify(C, f"leaf CRL behind a {code}", {"leaf.crl": (code, b"", {"Location": "BASE/crl/real.crl"}),
                                              "real.crl": leaf_ok, "int.crl": root_ok})
verify(C, "leaf CRL behind a relative redirect", {"leaf.crl": (302, b"", {"Location": "real.crl"}),
                                                  "real.crl": leaf_ok, "int.crl": root_ok})
verify(C, "leaf CRL behind a redirect to a revoking CRL", {
    "leaf.crl": (302, b"", {"Location": "BASE/crl/real.crl"}),
    "real.crl": leaf_crl(revoked=[(L, None, None, [])]), "int.crl": root_ok})
verify(C, "leaf CRL behind a redirect loop", {"leaf.crl": (302, b"", {"Location": "BASE/crl/leaf.crl"}),
                                             "int.crl": root_ok})
verify(C, "leaf CRL behind five redirects", {
    "leaf.crl": (302, b"", {"Location": "BASE/crl/r1"}), "r1": (302, b"", {"Location": "BASE/crl/r2"}),
    "r2": (302, b"", {"Location": "BASE/crl/r3"}), "r3": (302, b"", {"Location": "BASE/crl/r4"}),
    "r4": (302, b"", {"Location": "BASE/crl/real.crl"}), "real.crl": leaf_ok, "int.crl": root_ok})
LIMIT = 32 * 1024 * 1024
crl_case("leaf CRL padded to one byte under 32 MiB", leaf_ok + bytes(LIMIT - 1 - len(leaf_ok)))
crl_case("leaf CRL padded to 32 MiB", leaf_ok + bytes(LIMIT - len(leaf_ok)))

# Several OCSP responders, a caIssuers access description beside them.
M = Chain("multi", leaf_ext=[aia(url("multi", "ocsp"), url("multi", "ocsp2"), ca_issuers=url("multi", "ca.crt"))])
ML = M.leaf.serial_number
m_good = ocsp_response(M.leaf, M.int, M.int_key)
m_rev = ocsp_response(M.leaf, M.int, M.int_key, status=S.REVOKED)
m_unknown = ocsp_response(M.leaf, M.int, M.int_key, status=S.UNKNOWN)
for first_label, first in [("good", m_good), ("revoked", m_rev), ("unknown", m_unknown), ("HTTP 500", (500, b"")),
                           ("garbage", b"garbage"), ("tryLater", unsuccessful(ocsp.OCSPResponseStatus.TRY_LATER))]:
    for second_label, second in [("good", m_good), ("revoked", m_rev), ("HTTP 404", (404, b""))]:
        SERVED.clear()
        OCSP.clear()
        label = f"first responder {first_label}, second {second_label}"
        # The second responder lives at /multi/ocsp2: served through a second OCSP table entry.
        verify2 = {f"/multi/ocsp": {ML: first if isinstance(first, tuple) else (200, first)},
                   f"/multi/ocsp2": {ML: second if isinstance(second, tuple) else (200, second)}}
        args = ["verify", "--oci-layout", "--scope", "local/rev", f"multi@{M.digest}"]
        results = []
        for tool in (NOTATION, NOTARY):
            case_no += 1
            OCSP.clear()
            OCSP.update(verify2)
            results.append(outcome([tool, *args], dict(ENV, XDG_CACHE_HOME=f"{W}/cache-{case_no}")))
        report.record(f"multi: {label}", *results)

# A distribution point limited to some reasons, a leaf issued by the root itself.
RS = Chain("reasons", leaf_ext=[(x509.CRLDistributionPoints([x509.DistributionPoint(
    [x509.UniformResourceIdentifier(url("reasons", "leaf.crl"))], None,
    frozenset([x509.ReasonFlags.key_compromise]), None)]), False)])
verify(RS, "distribution point for keyCompromise only, good", {"leaf.crl": crl(RS.int_key, dn("reasons ca"))})
verify(RS, "distribution point for keyCompromise only, revoked", {"leaf.crl": crl(
    RS.int_key, dn("reasons ca"), revoked=[(RS.leaf.serial_number, None, R.key_compromise, [])])})
D = Chain("direct", leaf_ext=[cdp(url("direct", "leaf.crl")), aia(url("direct", "ocsp"))], direct=True)
verify(D, "leaf under the root, OCSP good", {}, {D.leaf.serial_number: ocsp_response(D.leaf, ROOT, ROOT_KEY)})
verify(D, "leaf under the root, OCSP by the root with the root included",
       {}, {D.leaf.serial_number: ocsp_response(D.leaf, ROOT, ROOT_KEY, certs=[ROOT])})
verify(D, "leaf under the root, OCSP unknown, CRL revoked", {"leaf.crl": crl(
    ROOT_KEY, ROOT_NAME, revoked=[(D.leaf.serial_number, None, None, [])])},
       {D.leaf.serial_number: ocsp_response(D.leaf, ROOT, ROOT_KEY, status=S.UNKNOWN)})

# --- The TSA's chain, checked for revocation with the timestamping purpose ---------------------
TSA_ROOT_KEY = rsa_key()
TSA_ROOT = make_cert(dn("revocation tsa root"), TSA_ROOT_KEY, dn("revocation tsa root"), TSA_ROOT_KEY, ca=True,
                     not_after=now() + 30 * DAY)
os.makedirs(f"{CFG}/truststore/x509/tsa/revtsa", exist_ok=True)
with open(f"{CFG}/truststore/x509/tsa/revtsa/root.pem", "wb") as f:
    f.write(pem(TSA_ROOT))
with open(f"{W}/tsaroot.pem", "wb") as f:
    f.write(pem(TSA_ROOT))
with open(f"{CFG}/trustpolicy.json", "w") as f:
    json.dump({"version": "1.0", "trustPolicies": [{
        "name": "rev", "registryScopes": ["*"], "signatureVerification": {"level": "strict"},
        "trustStores": ["ca:rev", "tsa:revtsa"], "trustedIdentities": ["*"]}]}, f)
TSA_NAME = dn("revocation tsa")


def tsa_leaf(name, ext):
    key = rsa_key()
    # notation requires the timeStamping EKU to be critical on a TSA certificate
    cert = make_cert(TSA_NAME, key, TSA_ROOT.subject, TSA_ROOT_KEY, eku=None, not_after=now() + 10 * DAY,
                     extra=list(ext) + [(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), True)])
    TSA_CONFIG[0] = tsa_config(f"{W}/{name}", key, cert, [TSA_ROOT])
    return cert, key


TS_ARGS = ["--timestamp-url", f"{BASE}/tsa", "--timestamp-root-cert", f"{W}/tsaroot.pem"]
tsa_crl_cert, _ = tsa_leaf("tsa-crl", [cdp(url("tscrl", "tsa.crl"))])
t_ok = crl(TSA_ROOT_KEY, TSA_ROOT.subject)
serve("tscrl", {"tsa.crl": t_ok})
TC = Chain("tscrl", sign_args=TS_ARGS)
verify(TC, "timestamped, TSA CRL good", {"tsa.crl": t_ok})
verify(TC, "timestamped, TSA certificate revoked", {"tsa.crl": crl(
    TSA_ROOT_KEY, TSA_ROOT.subject, revoked=[(tsa_crl_cert.serial_number, None, R.key_compromise, [])])})
verify(TC, "timestamped, TSA certificate on hold", {"tsa.crl": crl(
    TSA_ROOT_KEY, TSA_ROOT.subject, revoked=[(tsa_crl_cert.serial_number, None, R.certificate_hold, [])])})
verify(TC, "timestamped, TSA CRL 404", {"tsa.crl": (404, b"")})
verify(TC, "timestamped, TSA CRL expired", {"tsa.crl": crl(TSA_ROOT_KEY, TSA_ROOT.subject, last=now() - 3 * DAY,
                                                            next_=now() - DAY)})
verify(TC, "timestamped, TSA CRL by another key", {"tsa.crl": crl(rsa_key(), TSA_ROOT.subject)})
tsa_ocsp_cert, _ = tsa_leaf("tsa-ocsp", [aia(url("tsocsp", "ocsp"))])
serve("tsocsp", {}, {tsa_ocsp_cert.serial_number: ocsp_response(tsa_ocsp_cert, TSA_ROOT, TSA_ROOT_KEY)})
TO = Chain("tsocsp", sign_args=TS_ARGS)
for label, resp in [("good", ocsp_response(tsa_ocsp_cert, TSA_ROOT, TSA_ROOT_KEY)),
                    ("revoked", ocsp_response(tsa_ocsp_cert, TSA_ROOT, TSA_ROOT_KEY, status=S.REVOKED)),
                    ("unknown", ocsp_response(tsa_ocsp_cert, TSA_ROOT, TSA_ROOT_KEY, status=S.UNKNOWN)),
                    ("HTTP 500", (500, b""))]:
    verify(TO, f"timestamped, TSA OCSP {label}", {}, {tsa_ocsp_cert.serial_number: resp})
# The TSA's revocation under other levels and overrides.
for sv in [{"level": "strict", "override": {"revocation": "skip"}}, {"level": "strict", "override": {"revocation": "log"}},
           {"level": "permissive"}, {"level": "audit"}, {"level": "strict", "override": {"authenticTimestamp": "log"}},
           {"level": "permissive", "override": {"authenticTimestamp": "enforce"}}]:
    with open(f"{CFG}/trustpolicy.json", "w") as f:
        json.dump({"version": "1.0", "trustPolicies": [{
            "name": "rev", "registryScopes": ["*"], "signatureVerification": sv,
            "trustStores": ["ca:rev", "tsa:revtsa"], "trustedIdentities": ["*"]}]}, f)
    for label, served in [("revoked", crl(TSA_ROOT_KEY, TSA_ROOT.subject,
                                          revoked=[(tsa_crl_cert.serial_number, None, R.key_compromise, [])])),
                          ("404", (404, b""))]:
        verify(TC, f"timestamped, TSA CRL {label}, {json.dumps(sv, sort_keys=True)}", {"tsa.crl": served})
with open(f"{CFG}/trustpolicy.json", "w") as f:
    json.dump({"version": "1.0", "trustPolicies": [{
        "name": "rev", "registryScopes": ["*"], "signatureVerification": {"level": "strict"},
        "trustStores": ["ca:rev", "tsa:revtsa"], "trustedIdentities": ["*"]}]}, f)
# A signer chain with its own revocation information beside the TSA's.
tsa_both_cert, _ = tsa_leaf("tsa-both", [cdp(url("tsboth", "tsa.crl"))])
serve("tsboth", {"tsa.crl": t_ok})
TB = Chain("tsboth", leaf_ext=[cdp(url("tsboth", "leaf.crl"))], sign_args=TS_ARGS)
tb_leaf_ok = crl(TB.int_key, dn("tsboth ca"))
tb_leaf_rev = crl(TB.int_key, dn("tsboth ca"), revoked=[(TB.leaf.serial_number, None, None, [])])
tb_tsa_rev = crl(TSA_ROOT_KEY, TSA_ROOT.subject, revoked=[(tsa_both_cert.serial_number, None, None, [])])
for sl, sc in [("good", tb_leaf_ok), ("revoked", tb_leaf_rev), ("404", (404, b""))]:
    for tl, tc in [("good", t_ok), ("revoked", tb_tsa_rev), ("404", (404, b""))]:
        verify(TB, f"timestamped, signer CRL {sl}, TSA CRL {tl}", {"leaf.crl": sc, "tsa.crl": tc})
# Signing checks the TSA's chain once the token verifies (revoked or unknown fails), never the
# signer's own.
for sl, sc in [("good", tb_leaf_ok), ("revoked", tb_leaf_rev)]:
    for tl, tc in [("good", t_ok), ("revoked", tb_tsa_rev), ("404", (404, b"")),
                   ("expired", crl(TSA_ROOT_KEY, TSA_ROOT.subject, last=now() - 3 * DAY, next_=now() - DAY))]:
        sign_again(TB, f"signer CRL {sl}, TSA CRL {tl}", {"leaf.crl": sc, "tsa.crl": tc})

# --- One tool's CRL cache read by the other ({cache}/notation/crl, notation's format) -----------
def cache_case(label, writer, reader, leaf_then, leaf_before=None):
    """`writer` verifies while the good CRLs are served (filling the shared cache), then the
    server answers `leaf_then` for the leaf CRL and `reader` verifies with the same cache: a
    reader that takes the writer's entry never asks the server."""
    global case_no
    case_no += 1
    env = dict(ENV, XDG_CACHE_HOME=f"{W}/shared-cache-{case_no}")
    with open(f"{CFG}/trustpolicy.json", "w") as f:
        json.dump({"version": "1.0", "trustPolicies": [{
            "name": "rev", "registryScopes": ["*"], "signatureVerification": {"level": "strict"},
            "trustStores": ["ca:rev"], "trustedIdentities": ["*"]}]}, f)
    args = ["verify", "--oci-layout", "--scope", "local/rev", f"crl@{C.digest}"]
    SERVED.clear()
    SERVED.update({"/crl/leaf.crl": (200, leaf_before or leaf_ok), "/crl/int.crl": (200, root_ok)})
    first = outcome([writer, *args], env)
    SERVED["/crl/leaf.crl"] = leaf_then
    results = {writer: first, reader: outcome([reader, *args], env)}
    # The comparison: notation's outcome for its half against notary's for its half.
    report.record(f"crl cache: {label}", results[NOTATION], results[NOTARY])


cache_case("notary reads what notation cached (server now down)", NOTATION, NOTARY, (404, b""))
cache_case("notation reads what notary cached (server now down)", NOTARY, NOTATION, (404, b""))
# The server now answers a clean CRL: a reader that takes the cached one still sees the revocation.
cache_case("notary reads notation's cache of a revoking CRL", NOTATION, NOTARY, (200, leaf_ok),
           leaf_before=leaf_crl(revoked=[(L, None, None, [])]))
cache_case("notation reads notary's cache of a revoking CRL", NOTARY, NOTATION, (200, leaf_ok),
           leaf_before=leaf_crl(revoked=[(L, None, None, [])]))

# --- The signingAuthority scheme: revocation judged at the authentic signing time ---------------
SA_STORE = f"{CFG}/truststore/x509/signingAuthority/rev"
os.makedirs(SA_STORE, exist_ok=True)
with open(f"{SA_STORE}/root.pem", "wb") as f:
    f.write(pem(ROOT))
with open(f"{CFG}/trustpolicy.json", "w") as f:
    json.dump({"version": "1.0", "trustPolicies": [{
        "name": "rev", "registryScopes": ["*"], "signatureVerification": {"level": "strict"},
        "trustStores": ["signingAuthority:rev"], "trustedIdentities": ["*"]}]}, f)
AST = now() - datetime.timedelta(hours=1)
SA = Chain("sa", leaf_ext=[aia(url("sa", "ocsp")), cdp(url("sa", "leaf.crl"))])
SA.to_signing_authority(AST)
SAL = SA.leaf.serial_number
sa_ok = crl(SA.int_key, dn("sa ca"))
for label, invalid in [("none", None), ("an hour after signing", AST + datetime.timedelta(hours=1)),
                       ("an hour before signing", AST - datetime.timedelta(hours=1)), ("at signing", AST)]:
    ext = [(x509.InvalidityDate(invalid), False)] if invalid else []
    verify(SA, f"CRL revokes, invalidity date {label}", {"leaf.crl": crl(
        SA.int_key, dn("sa ca"), revoked=[(SAL, None, R.key_compromise, ext)])},
           {SAL: ocsp_response(SA.leaf, SA.int, SA.int_key, status=S.UNKNOWN)})
    resp_ext = [(x509.InvalidityDate(invalid), False)] if invalid else []
    # OCSP single-response extensions go through the builder's extensions of the response.
    verify(SA, f"OCSP revokes, invalidity date {label}", {"leaf.crl": sa_ok},
           {SAL: ocsp_single_ext(SA.leaf, SA.int, SA.int_key, S.REVOKED, resp_ext)})
verify(SA, "signingAuthority, CRL and OCSP good", {"leaf.crl": sa_ok},
       {SAL: ocsp_response(SA.leaf, SA.int, SA.int_key)})

# --- Levels and overrides: revoked or unknown status logged or skipped ---------------------------
for level, override in [("permissive", None), ("audit", None), ("strict", {"revocation": "log"}),
                        ("strict", {"revocation": "skip"}), ("permissive", {"revocation": "enforce"})]:
    sv = {"level": level, **({"override": override} if override else {})}
    with open(f"{CFG}/trustpolicy.json", "w") as f:
        json.dump({"version": "1.0", "trustPolicies": [{
            "name": "rev", "registryScopes": ["*"], "signatureVerification": sv,
            "trustStores": ["ca:rev"], "trustedIdentities": ["*"]}]}, f)
    for label, leaf in [("good", None), ("revoked", leaf_crl(revoked=[(L, None, None, [])])), ("404", (404, b""))]:
        crl_case(f"{level} {override or ''}: leaf CRL {label}", leaf)
    ocsp_case(f"{level} {override or ''}: OCSP unknown", leaf_resp(status=S.UNKNOWN))

if not SEEN:
    report.mismatch("the server", "no request reached it")
report.finish("verifications", 25)
