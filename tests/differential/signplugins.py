#!/usr/bin/env python3
"""Differential run: signing through a plugin under `notation sign` and `notary sign`.

    signplugins.py NOTARY NOTATION WORKDIR

A signing plugin (a Python script installed in each tool's own plugin directory) answers
`get-plugin-metadata`, `describe-key`, `generate-signature` (SIGNATURE_GENERATOR.RAW) and
`generate-envelope` (SIGNATURE_GENERATOR.ENVELOPE) as the case in WORKDIR/case.json says: good
answers for six key specs and chains of one to three certificates, and wrong ones (key ids, key
specs, members, JSON types, signatures by other keys or over other bytes, chains with a wrong,
expired or CA leaf, envelopes of another type, payload or scheme, errors, huge output). Each case
signs an artifact of an OCI layout with both tools (each with its own configuration directory);
the outcomes must agree. When both sign, each signature must verify with both tools under a
trust policy trusting the plugin's roots, the signature manifests must carry the same annotations
(the plugin's, for generate-envelope) and the envelopes the same signing agent after each tool's
own name. The requests each tool sent the plugin (recorded from stdin), and their order, must
agree member for member. Cases where notary refuses on purpose what notation signs are listed
with their rule (SIGNING_ALGORITHM, AT_SIGNING_TIME, PSS_RULE, DUPLICATE below). Exits 1 on any
other disagreement. ONLY=text runs the cases whose label contains it (for debugging).

Needs python3 with `cryptography` and `cbor2` (scripts/setup.sh installs them).
"""
import base64
import datetime
import hashlib
import json
import os
import shutil
import sys
import time

import cbor2
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from common import Report, cert, der, environment, now, outcome, pem, run

NOTARY, NOTATION, W = sys.argv[1:4]
W = os.path.abspath(W)
os.makedirs(W, exist_ok=True)
os.chdir(W)
ENV = environment(W)
PLUGIN = "io.example.signer"
KEY_ID = "key-1"
SPECS = ["RSA-2048", "RSA-3072", "RSA-4096", "EC-256", "EC-384", "EC-521"]
started = time.time()


def name(cn):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def new_key(spec):
    if spec.startswith("RSA"):
        return rsa.generate_private_key(65537, int(spec[4:]))
    return ec.generate_private_key({"EC-256": ec.SECP256R1(), "EC-384": ec.SECP384R1(),
                                    "EC-521": ec.SECP521R1()}[spec])


# The PKI the plugin answers with: one root and intermediate, and per key spec a leaf key with a
# self-signed leaf (chain of 1), a leaf under the root (2) and one under the intermediate (3).
PKI = f"{W}/pki"
os.makedirs(PKI, exist_ok=True)


def save_key(label, k):
    with open(f"{PKI}/{label}.key", "wb") as f:
        f.write(k.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()))


def save_cert(label, c):
    with open(f"{PKI}/{label}.der", "wb") as f:
        f.write(der(c))


root_key, inter_key = new_key("EC-384"), new_key("EC-384")
root = cert(name("Plugin Root"), root_key, name("Plugin Root"), root_key, ca=True)
inter = cert(name("Plugin Inter"), inter_key, name("Plugin Root"), root_key, ca=True)
save_cert("root", root)
save_cert("inter", inter)
TRUSTED = [root]
for spec in SPECS:
    k = new_key(spec)
    save_key(spec, k)
    save_key(f"other-{spec}", new_key(spec))
    selfc = cert(name(f"Self {spec}"), k, name(f"Self {spec}"), k)
    save_cert(f"self-{spec}", selfc)
    TRUSTED.append(selfc)
    save_cert(f"leaf2-{spec}", cert(name(f"Leaf2 {spec}"), k, name("Plugin Root"), root_key))
    save_cert(f"leaf3-{spec}", cert(name(f"Leaf3 {spec}"), k, name("Plugin Inter"), inter_key))
K256 = serialization.load_pem_private_key(open(f"{PKI}/EC-256.key", "rb").read(), None)
OTHER256 = serialization.load_pem_private_key(open(f"{PKI}/other-EC-256.key", "rb").read(), None)
for label, c in {
    "noku": cert(name("No DS"), K256, name("Plugin Root"), root_key, ku=dict(key_encipherment=True)),
    "server": cert(name("Server EKU"), K256, name("Plugin Root"), root_key, eku="server"),
    "caleaf": cert(name("CA leaf"), K256, name("Plugin Root"), root_key, ca=True),
    "expired": cert(name("Expired"), K256, name("Plugin Root"), root_key,
                    not_before=now() - datetime.timedelta(days=10),
                    not_after=now() - datetime.timedelta(days=1)),
    "future": cert(name("Future"), K256, name("Plugin Root"), root_key,
                   not_before=now() + datetime.timedelta(days=1), not_after=now() + datetime.timedelta(days=10)),
    "otherleaf": cert(name("Other key"), OTHER256, name("Plugin Root"), root_key),
}.items():
    save_cert(f"{label}-EC-256", c)

PLUGIN_SOURCE = r'''#!/usr/bin/env python3
import base64, json, os, sys, time
import cbor2
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, utils
W = %r
cmd = sys.argv[1] if len(sys.argv) > 1 else ""
raw = sys.stdin.read()
with open(W + "/requests.jsonl", "a") as f:
    f.write(json.dumps({"command": cmd, "request": raw}) + "\n")
case = json.load(open(W + "/case.json"))
req = json.loads(raw or "{}")
spec = case.get("spec", "EC-256")
HASH = {"256": hashes.SHA256(), "384": hashes.SHA384(), "512": hashes.SHA512(), "521": hashes.SHA512(),
        "2048": hashes.SHA256(), "3072": hashes.SHA384(), "4096": hashes.SHA512()}
ALG = {"RSA-2048": "RSASSA-PSS-SHA-256", "RSA-3072": "RSASSA-PSS-SHA-384", "RSA-4096": "RSASSA-PSS-SHA-512",
       "EC-256": "ECDSA-SHA-256", "EC-384": "ECDSA-SHA-384", "EC-521": "ECDSA-SHA-512"}
JOSE = {"RSA-2048": "PS256", "RSA-3072": "PS384", "RSA-4096": "PS512", "EC-256": "ES256", "EC-384": "ES384", "EC-521": "ES512"}
COSE = {"PS256": -37, "PS384": -38, "PS512": -39, "ES256": -7, "ES384": -35, "ES512": -36}

def key(label):
    return serialization.load_pem_private_key(open(W + "/pki/" + label + ".key", "rb").read(), None)

def sign(k, data, s):
    h = HASH[s.split("-")[1]]
    if s.startswith("RSA"):
        salt = padding.PSS.MAX_LENGTH if case.get("pss_salt") == "max" else h.digest_size
        return k.sign(data, padding.PSS(mgf=padding.MGF1(h), salt_length=salt), h)
    d = k.sign(data, ec.ECDSA(h))
    if case.get("ecdsa_der"):
        return d
    r, s_ = utils.decode_dss_signature(d)
    n = (k.curve.key_size + 7) // 8
    return r.to_bytes(n, "big") + s_.to_bytes(n, "big")

def chain():
    names = case.get("chain")
    if names is None:
        n = case.get("length", 2)
        names = {1: ["self-" + spec], 2: ["leaf2-" + spec, "root"], 3: ["leaf3-" + spec, "inter", "root"]}[n]
    return [open(W + "/pki/" + (c if "-" in c or c in ("root", "inter") else c + "-" + spec) + ".der", "rb").read()
            + (b"\0" if case.get("cert_trailing") and i == 0 else b"") for i, c in enumerate(names)]

def enc(b):
    how = case.get("b64", "std")
    if how == "url":
        return base64.urlsafe_b64encode(b).decode()
    if how == "nopad":
        return base64.b64encode(b).decode().rstrip("=")
    return base64.b64encode(b).decode()

def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()

def envelope():
    payload = json.loads(base64.b64decode(req["payload"]))
    p = case.get("payload")
    if p == "digest":
        payload["targetArtifact"]["digest"] = "sha256:" + "0" * 64
    elif p == "annotation":
        payload["targetArtifact"].setdefault("annotations", {})["io.example.added"] = "x"
    elif p == "missing":
        payload = {}
    elif p == "toplevel":
        payload["extra"] = 1
    elif p == "drop":
        payload["targetArtifact"].pop("annotations", None)
    elif p == "platform":
        payload["targetArtifact"]["platform"] = {"os": "linux", "architecture": "amd64"}
    elif p == "mediatype":
        payload["targetArtifact"]["mediaType"] = "application/vnd.oci.image.index.v1+json"
    elif p == "size":
        payload["targetArtifact"]["size"] += 1
    elif p == "string size":
        payload["targetArtifact"]["size"] = str(payload["targetArtifact"]["size"])
    body = json.dumps(payload).encode()
    ta = json.dumps(payload.get("targetArtifact"))
    other = json.dumps(dict(payload.get("targetArtifact") or {}, digest="sha256:" + "1" * 64))
    if p == "dup last other":
        body = ('{"targetArtifact":' + ta + ',"targetArtifact":' + other + '}').encode()
    elif p == "dup first other":
        body = ('{"targetArtifact":' + other + ',"targetArtifact":' + ta + '}').encode()
    elif p == "dup digest last other":
        body = ('{"targetArtifact":' + ta[:-1] + ',"digest":"sha256:' + "1" * 64 + '"}}').encode()
    elif p == "member case":
        body = ('{"TargetArtifact":' + ta + '}').encode()
    elif p == "data":
        body = json.dumps({"targetArtifact": dict(payload["targetArtifact"], data="eA==", urls=["https://x"],
                                                  artifactType="application/x")}).encode()
    typ = case.get("build", req["signatureEnvelopeType"])
    alg = JOSE[spec]
    k = key(case.get("env_key", spec))
    certs = chain()
    scheme = case.get("scheme", "notary.x509")
    t = int(time.time()) + case.get("sign_time", 0)
    rfc = lambda x: time.strftime("%%Y-%%m-%%dT%%H:%%M:%%SZ", time.gmtime(x))
    crit_extra = case.get("crit_extra", {})
    if typ == "application/jose+json":
        prot = {"alg": alg, "crit": ["io.cncf.notary.signingScheme"], "cty": case.get("cty", "application/vnd.cncf.notary.payload.v1+json"),
                "io.cncf.notary.signingScheme": scheme}
        if scheme == "notary.x509":
            prot["io.cncf.notary.signingTime"] = rfc(t)
        else:
            prot["io.cncf.notary.authenticSigningTime"] = rfc(t)
            prot["crit"].append("io.cncf.notary.authenticSigningTime")
        if "expiry" in case:
            prot["io.cncf.notary.expiry"] = rfc(int(time.time()) + case["expiry"])
            prot["crit"].append("io.cncf.notary.expiry")
        prot.update(crit_extra)
        prot["crit"] += list(crit_extra)
        ph = b64u(json.dumps(prot).encode())
        pl = b64u(body)
        sig = sign(k, (ph + "." + pl).encode(), spec)
        header = {"x5c": [base64.b64encode(c).decode() for c in certs], "io.cncf.notary.signingAgent": "plugin"}
        header.update(case.get("unprot_extra", {}))
        env = {"payload": pl, "protected": ph, "header": header, "signature": b64u(sig)}
        return json.dumps(env).encode()
    prot = {1: COSE[alg], 2: ["io.cncf.notary.signingScheme"], 3: "application/vnd.cncf.notary.payload.v1+json",
            "io.cncf.notary.signingScheme": scheme, "io.cncf.notary.signingTime": cbor2.CBORTag(1, t)}
    if "expiry" in case:
        prot["io.cncf.notary.expiry"] = cbor2.CBORTag(1, int(time.time()) + case["expiry"])
        prot[2].append("io.cncf.notary.expiry")
    prot.update(crit_extra)
    prot[2] += list(crit_extra)
    pb = cbor2.dumps(prot)
    sig = sign(k, cbor2.dumps(["Signature1", pb, b"", body]), spec)
    unprot = {33: certs, "io.cncf.notary.signingAgent": "plugin"}
    unprot.update(case.get("unprot_extra", {}))
    msg = [pb, unprot, body, sig]
    return cbor2.dumps(msg if case.get("untagged") else cbor2.CBORTag(18, msg))

def answer():
    if cmd == "get-plugin-metadata":
        return {"name": case.get("name", "io.example.signer"), "description": "d", "version": case.get("version", "1.0.0"), "url": "https://example.com",
                "supportedContractVersions": case.get("versions", ["1.0"]),
                "capabilities": case.get("caps", ["SIGNATURE_GENERATOR.RAW"])}
    if cmd == "describe-key":
        return {"keyId": req["keyId"], "keySpec": spec}
    if cmd == "generate-signature":
        data = base64.b64decode(req["payload"]) + case.get("extra_bytes", "").encode()
        sig = sign(key(case.get("sign_key", spec)), data, spec)
        return {"keyId": req["keyId"], "signature": enc(sig), "signingAlgorithm": ALG[spec],
                "certificateChain": [enc(c) for c in chain()]}
    if cmd == "generate-envelope":
        return {"signatureEnvelope": base64.b64encode(envelope()).decode(),
                "signatureEnvelopeType": req["signatureEnvelopeType"]}
    return {}

b = case.get(cmd, {})
if "exit" in b:
    sys.stderr.write(b.get("stderr", ""))
    sys.exit(b["exit"])
if "raw" in b:
    sys.stdout.write(b["raw"])
    sys.exit(0)
if "huge" in b:
    sys.stdout.write('{"keyId": "' + "A" * b["huge"] + '"}')
    sys.exit(0)
out = answer()
for k in b.get("del", []):
    out.pop(k, None)
out.update(b.get("set", {}))
for old, new in b.get("rename", {}).items():
    out[new] = out.pop(old)
# "@FF@" in a value becomes the byte 0xff: invalid UTF-8 inside a JSON string.
sys.stdout.buffer.write(b.get("prefix", "").encode("latin-1") + json.dumps(out).encode().replace(b"@FF@", b"\xff"))
''' % W

# The artifact: a one-file OCI layout made once and copied per signing.
os.makedirs("base/blobs/sha256", exist_ok=True)


def put(data):
    d = hashlib.sha256(data).hexdigest()
    with open(f"base/blobs/sha256/{d}", "wb") as f:
        f.write(data)
    return f"sha256:{d}", len(data)


cfg_d, cfg_n = put(b"{}")
layer_d, layer_n = put(b"plugin-signed artifact\n")
manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                       "config": {"mediaType": "application/vnd.oci.empty.v1+json", "digest": cfg_d, "size": cfg_n},
                       "layers": [{"mediaType": "text/plain", "digest": layer_d, "size": layer_n}]}).encode()
SUBJECT, man_n = put(manifest)
with open("base/oci-layout", "w") as f:
    json.dump({"imageLayoutVersion": "1.0.0"}, f)
with open("base/index.json", "w") as f:
    json.dump({"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
                                                  "digest": SUBJECT, "size": man_n,
                                                  "annotations": {"org.opencontainers.image.ref.name": "v1"}}]}, f)

# Verification configuration (its own directory): the plugin's roots trusted for any scope.
VENV = dict(ENV, XDG_CONFIG_HOME=f"{W}/verify-xdg")
store = f"{W}/verify-xdg/notation/truststore/x509/ca/plugin"
os.makedirs(store, exist_ok=True)
for i, c in enumerate(TRUSTED):
    with open(f"{store}/{i}.pem", "wb") as f:
        f.write(pem(c))
with open(f"{W}/verify-xdg/notation/trustpolicy.json", "w") as f:
    json.dump({"version": "1.0", "trustPolicies": [{
        "name": "p", "registryScopes": ["*"], "signatureVerification": {"level": "strict"},
        "trustStores": ["ca:plugin"], "trustedIdentities": ["*"]}]}, f)


def requests():
    try:
        lines = open(f"{W}/requests.jsonl").read().splitlines()
    except FileNotFoundError:
        return []
    return [json.loads(l) for l in lines]


def sign(tool, label, case, fmt, flags, key_config):
    """Signs a copy of the layout with `tool`: (outcome, layout path, requests sent)."""
    d = f"{W}/cases/{label}/{os.path.basename(tool)}"
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    env = dict(ENV, XDG_CONFIG_HOME=f"{d}/xdg")
    pdir = f"{d}/xdg/notation/plugins/{PLUGIN}"
    os.makedirs(pdir)
    exe = f"{pdir}/notation-{PLUGIN}"
    with open(exe, "w") as f:
        f.write(PLUGIN_SOURCE)
    os.chmod(exe, 0o755)
    with open(f"{W}/case.json", "w") as f:
        json.dump(case, f)
    add = [tool, "key", "add", "k", "--plugin", PLUGIN, "--id", KEY_ID]
    for kv in key_config:
        add += ["--plugin-config", kv]
    run(env, *add)
    shutil.copytree("base", f"{d}/lay")
    if os.path.exists(f"{W}/requests.jsonl"):
        os.remove(f"{W}/requests.jsonl")
    args = [tool, "sign", "--key", "k", "--oci-layout", "--signature-format", fmt, *flags, f"{d}/lay@{SUBJECT}"]
    return outcome(args, env), f"{d}/lay", requests()


def verify(tool, lay):
    return outcome([tool, "verify", "--oci-layout", "--scope", "local/lay", f"{lay}@{SUBJECT}"], VENV)


def signature_manifest(lay):
    for e in json.load(open(f"{lay}/index.json"))["manifests"]:
        if e["digest"] != SUBJECT:
            return json.load(open(f"{lay}/blobs/sha256/{e['digest'][7:]}"))
    return {}


def signing_agent(lay, manifest, fmt):
    data = open(f"{lay}/blobs/sha256/{manifest['layers'][0]['digest'][7:]}", "rb").read()
    if fmt == "jws":
        return str(json.loads(data).get("header", {}).get("io.cncf.notary.signingAgent"))
    return str(cbor2.loads(data).value[1].get("io.cncf.notary.signingAgent"))


def comparable(reqs):
    """The requests by command, with what differs between any two signings (signing input,
    payload's time-dependent parts) reduced to its shape."""
    out = {"commands in order": [r["command"] for r in reqs]}
    for r in reqs:
        try:
            body = json.loads(r["request"])
        except ValueError:
            body = {"unparsed": r["request"]}
        if r["command"] == "generate-signature" and "payload" in body:
            body["payload"] = "<signing input>"
        if r["command"] == "generate-envelope" and "payload" in body:
            body["payload"] = json.loads(base64.b64decode(body["payload"]))
        out.setdefault(r["command"], body)
    return out


report = Report("notation")


def case(label, stricter=None, lenient=None, fmt="jws", flags=(), key_config=(), check_requests=False, cross=True, **c):
    if os.environ.get("ONLY", "") not in label:
        return
    (g, g_lay, g_req) = sign(NOTATION, label, c, fmt, flags, key_config)
    (n, n_lay, n_req) = sign(NOTARY, label, c, fmt, flags, key_config)
    report.record(label, g, n, stricter=stricter, lenient=lenient)
    if g[0] and n[0] and cross:
        # Each signature verifies with both tools.
        for signer, lay in (("notation", g_lay), ("notary", n_lay)):
            both = [verify(t, lay) for t in (NOTATION, NOTARY)]
            report.record(f"{label}: {signer}'s signature verifies", both[0], both[1], must_accept=True)
        # The signature manifests carry the same annotations (the creation time aside; the
        # plugin's own, for generate-envelope), and the envelopes the same signing agent.
        gm, nm = signature_manifest(g_lay), signature_manifest(n_lay)
        ga, na = ({k: v for k, v in m.get("annotations", {}).items() if k != "org.opencontainers.image.created"}
                  for m in (gm, nm))
        report.record(f"{label}: signature manifest annotations", (True, str(ga)), (ga == na, str(na)))
        # Each tool names itself first (notation-go/1.3.2, notary-rs/...); what follows (the
        # plugin's name/version for generate-signature, the plugin's own agent for an envelope)
        # must agree.
        agents = [signing_agent(lay, m, fmt) for lay, m in ((g_lay, gm), (n_lay, nm))]
        if "ENVELOPE" not in str(c.get("caps")) or "RAW" in str(c.get("caps")):
            agents = [a.partition(" ")[2] for a in agents]
        report.record(f"{label}: signing agent", (True, agents[0]), (agents[0] == agents[1], agents[1]))
    if check_requests:
        gr, nr = comparable(g_req), comparable(n_req)
        if gr == nr:
            report.record(f"{label}: requests sent to the plugin", (True, ""), (True, ""))
        else:
            report.mismatch(f"{label}: requests sent to the plugin",
                            f"\n  notation: {json.dumps(gr, sort_keys=True)}\n  notary:   {json.dumps(nr, sort_keys=True)}")


# Deliberate differences, each with its rule (notary refuses, notation signs).
SIGNING_ALGORITHM = ("notary checks generate-signature's signingAlgorithm against the described key spec "
                     "(plugin-extensibility validates the response's signingAlgorithm; notary-facts §15.3); "
                     "notation-go ignores the member")
AT_SIGNING_TIME = ("notary checks a generated envelope's chain at its signing time (plugin-extensibility: "
                   "the chain must meet the certificate requirements); notation-go only checks the requirements "
                   "without time, and the signature it keeps fails every verification")
PSS_RULE = ("notary takes RSA-PSS only with salt = hash length, the only salt its verifier and notation's COSE "
            "verifier accept (notary-facts §3); notation's JWS path accepts any salt")
DUPLICATE = ("notary refuses a signed payload with a member twice, as its verifier does (a signed document has "
             "one reading); notation-go takes the last")
UNKNOWN_CRITICAL = ("notary refuses at signing an envelope whose generator marks attributes critical without "
                    "naming a verification plugin: its verifier refuses every such signature (the spec's rule; "
                    "notary-facts §4.3), notation-go signs it and its verifier accepts it")
RAW = ["SIGNATURE_GENERATOR.RAW"]
ENV_CAP = ["SIGNATURE_GENERATOR.ENVELOPE"]

# Good RAW plugins.
for spec in SPECS:
    for fmt in ("jws", "cose"):
        case(f"raw {spec} {fmt} chain 2", spec=spec, fmt=fmt, check_requests=True)
for n in (1, 3):
    for fmt in ("jws", "cose"):
        case(f"raw EC-384 {fmt} chain {n}", spec="EC-384", length=n, fmt=fmt)
case("raw with key and invocation plugin config, user metadata, expiry", key_config=["a=1", "b=2"],
     flags=["--plugin-config", "b=3", "--plugin-config", "c=4", "-m", "k=v", "--expiry", "2h"],
     check_requests=True)
case("raw cose with plugin config and user metadata", fmt="cose", key_config=["a=1"],
     flags=["-m", "k=v", "--expiry", "30m"], check_requests=True)
case("raw and envelope: raw preferred", caps=RAW + ENV_CAP, check_requests=True)

# get-plugin-metadata.
case("metadata without contract 1.0", versions=["2.0"])
case("metadata with 1.0 among others", versions=["2.0", "1.0"])
case("metadata without capabilities", caps=[])
case("metadata with verifier capability only", caps=["SIGNATURE_VERIFIER.TRUSTED_IDENTITY"])
case("metadata with unknown capability beside raw", caps=["X.Y"] + RAW)

# describe-key.
case("describe-key other keyId", **{"describe-key": {"set": {"keyId": "other"}}})
case("describe-key keySpec RSA-2048 for an EC-256 key", **{"describe-key": {"set": {"keySpec": "RSA-2048"}}})
case("describe-key keySpec EC-384 for an EC-256 key", **{"describe-key": {"set": {"keySpec": "EC-384"}}})
case("describe-key unknown keySpec", **{"describe-key": {"set": {"keySpec": "EC-192"}}})
case("describe-key keySpec in lower case", **{"describe-key": {"set": {"keySpec": "ec-256"}}})
case("describe-key extra members", **{"describe-key": {"set": {"extra": 1, "more": {"a": [1]}}}})
case("describe-key member names in other case", **{"describe-key": {"rename": {"keyId": "KEYID", "keySpec": "keyspec"}}})
case("describe-key without keyId", **{"describe-key": {"del": ["keyId"]}})
case("describe-key without keySpec", **{"describe-key": {"del": ["keySpec"]}})
case("describe-key keyId a number", **{"describe-key": {"set": {"keyId": 1}}})
case("describe-key keySpec null", **{"describe-key": {"set": {"keySpec": None}}})
case("describe-key invalid JSON", **{"describe-key": {"raw": "{\"keyId\": "}})
case("describe-key a JSON array", **{"describe-key": {"raw": "[]"}})
case("describe-key trailing data", **{"describe-key": {"raw": json.dumps({"keyId": KEY_ID, "keySpec": "EC-256"}) + " {}"}})
case("describe-key duplicate keySpec, last wrong", **{"describe-key": {"raw": "{\"keyId\":\"key-1\",\"keySpec\":\"EC-256\",\"keySpec\":\"EC-999\"}"}})
case("describe-key huge output", **{"describe-key": {"huge": 70 * 1024 * 1024}})
case("describe-key error body", **{"describe-key": {"exit": 1, "stderr": json.dumps({"errorCode": "ACCESS_DENIED", "errorMessage": "no"})}})
case("describe-key exit 2 with garbage", **{"describe-key": {"exit": 2, "stderr": "boom"}})
case("describe-key exit 1 silent", **{"describe-key": {"exit": 1}})

# generate-signature.
case("signature by another key", sign_key="other-EC-256")
case("signature over other bytes", extra_bytes="x")
case("signingAlgorithm not matching keySpec", stricter=SIGNING_ALGORITHM,
     **{"generate-signature": {"set": {"signingAlgorithm": "ECDSA-SHA-384"}}})
case("signingAlgorithm unknown", stricter=SIGNING_ALGORITHM,
     **{"generate-signature": {"set": {"signingAlgorithm": "ED25519"}}})
case("leaf of another key", chain=["otherleaf-EC-256", "root"])
case("leaf without digitalSignature", chain=["noku-EC-256", "root"])
case("leaf with serverAuth EKU", chain=["server-EC-256", "root"])
case("CA leaf", chain=["caleaf-EC-256", "root"])
case("expired leaf", chain=["expired-EC-256", "root"])
case("chain out of order", chain=["root", "leaf2-EC-256"])
case("chain of 3 out of order", chain=["leaf3-EC-256", "root", "inter"])
case("chain without its root", chain=["leaf3-EC-256", "inter"])
case("empty chain", **{"generate-signature": {"set": {"certificateChain": []}}})
case("chain missing", **{"generate-signature": {"del": ["certificateChain"]}})
case("generate-signature other keyId", **{"generate-signature": {"set": {"keyId": "other"}}})
case("generate-signature without keyId", **{"generate-signature": {"del": ["keyId"]}})
case("base64url signature and chain", b64="url")
case("unpadded base64", b64="nopad")
case("signature not base64", **{"generate-signature": {"set": {"signature": "!!"}}})
case("signature empty", **{"generate-signature": {"set": {"signature": ""}}})
case("certificate not DER", **{"generate-signature": {"set": {"certificateChain": ["AAAA"]}}})
case("generate-signature extra members", **{"generate-signature": {"set": {"x": [1, 2]}}})
case("generate-signature member names in other case", **{"generate-signature": {"rename": {"signature": "Signature", "certificateChain": "CERTIFICATECHAIN"}}})
case("generate-signature error body", **{"generate-signature": {"exit": 1, "stderr": json.dumps({"errorCode": "THROTTLED", "errorMessage": "later"})}})
case("generate-signature huge output", **{"generate-signature": {"huge": 70 * 1024 * 1024}})
case("RSA-3072 described, RSA-2048 key chain", spec="RSA-3072", chain=["leaf2-RSA-2048", "root"])

# generate-envelope.
for fmt in ("jws", "cose"):
    case(f"envelope good {fmt}", caps=ENV_CAP, fmt=fmt, check_requests=True)
    case(f"envelope good {fmt} EC-521 chain 3", caps=ENV_CAP, fmt=fmt, spec="EC-521", length=3)
    case(f"envelope good {fmt} RSA-4096 chain 1", caps=ENV_CAP, fmt=fmt, spec="RSA-4096", length=1)
case("envelope with config, metadata and expiry", caps=ENV_CAP, key_config=["a=1"],
     flags=["--plugin-config", "z=9", "-m", "k=v", "--expiry", "1h"], check_requests=True)
case("envelope cose with expiry", caps=ENV_CAP, fmt="cose", flags=["--expiry", "1h"], check_requests=True)
case("envelope of the other media type (asked jws)", caps=ENV_CAP, build="application/cose")
case("envelope of the other media type (asked cose)", caps=ENV_CAP, fmt="cose", build="application/jose+json")
case("envelope type echo wrong", caps=ENV_CAP, **{"generate-envelope": {"set": {"signatureEnvelopeType": "application/cose"}}})
case("envelope type echo missing", caps=ENV_CAP, **{"generate-envelope": {"del": ["signatureEnvelopeType"]}})
case("envelope payload of another digest", caps=ENV_CAP, payload="digest")
case("envelope payload with an added annotation", caps=ENV_CAP, payload="annotation")
case("envelope payload without targetArtifact", caps=ENV_CAP, payload="missing")
case("envelope payload with a top-level member", caps=ENV_CAP, payload="toplevel")
case("envelope signed by another key", caps=ENV_CAP, env_key="other-EC-256")
case("envelope chain with a leaf of another key", caps=ENV_CAP, chain=["otherleaf-EC-256", "root"])
# Signed (both tools), but a signing authority signature needs a signingAuthority trust store.
case("envelope signing authority scheme", caps=ENV_CAP, scheme="notary.x509.signingAuthority", cross=False)
case("envelope with expired leaf", caps=ENV_CAP, chain=["expired-EC-256", "root"], stricter=AT_SIGNING_TIME)
case("envelope with serverAuth leaf", caps=ENV_CAP, chain=["server-EC-256", "root"])
case("envelope with annotations", caps=ENV_CAP, **{"generate-envelope": {"set": {"annotations": {"io.example.plugin": "yes"}}}})
case("envelope cose with annotations", caps=ENV_CAP, fmt="cose", **{"generate-envelope": {"set": {"annotations": {"io.example.plugin": "yes"}}}})
case("envelope annotations overriding notation's own", caps=ENV_CAP, **{"generate-envelope": {"set": {"annotations": {
    "io.cncf.notary.x509chain.thumbprint#S256": "[\"00\"]", "org.opencontainers.image.created": "2000-01-01T00:00:00Z"}}}})
case("envelope annotations with an empty key", caps=ENV_CAP, **{"generate-envelope": {"set": {"annotations": {"": "v"}}}})
case("envelope annotations not a map", caps=ENV_CAP, **{"generate-envelope": {"set": {"annotations": ["a"]}}})
case("envelope not base64", caps=ENV_CAP, **{"generate-envelope": {"set": {"signatureEnvelope": "%%%"}}})
case("envelope garbage", caps=ENV_CAP, **{"generate-envelope": {"set": {"signatureEnvelope": "AAAA"}}})
case("envelope error body", caps=ENV_CAP, **{"generate-envelope": {"exit": 1, "stderr": json.dumps({"errorCode": "ERROR", "errorMessage": "x"})}})

# Second round: edges of JSON decoding, signature encodings, chains and payloads.
case("describe-key keyId twice, other case last", **{"describe-key": {"raw": '{"keyId":"key-1","keySpec":"EC-256","KEYID":"other"}'}})
case("describe-key keyId with escapes", **{"describe-key": {"raw": '{"keyId":"key\\u002d1","keySpec":"EC-256"}'}})
case("describe-key keySpec with spaces", **{"describe-key": {"set": {"keySpec": " EC-256"}}})
case("metadata version not SemVer", version="one")
case("metadata of another name", name="io.example.other")
case("metadata capabilities twice", caps=RAW + RAW)
case("metadata contract versions null", **{"get-plugin-metadata": {"set": {"supportedContractVersions": None}}})
case("chain null", **{"generate-signature": {"set": {"certificateChain": None}}})
case("chain with an unrelated extra certificate", chain=["leaf2-EC-256", "root", "self-EC-384"])
case("chain with the root twice", chain=["leaf2-EC-256", "root", "root"])
case("leaf not yet valid", chain=["future-EC-256", "root"])
case("certificate with trailing bytes", cert_trailing=True)
case("ECDSA signature in DER", ecdsa_der=True)
for spec in ("RSA-2048", "RSA-4096"):
    case(f"RSA-PSS maximum salt {spec}", spec=spec, pss_salt="max", stricter=PSS_RULE)
    case(f"envelope RSA-PSS maximum salt {spec}", spec=spec, pss_salt="max", caps=ENV_CAP, stricter=PSS_RULE)
    case(f"envelope cose RSA-PSS maximum salt {spec}", spec=spec, pss_salt="max", caps=ENV_CAP, fmt="cose")
case("envelope drops user metadata", caps=ENV_CAP, payload="drop", flags=["-m", "k=v"])
case("envelope adds platform", caps=ENV_CAP, payload="platform")
case("envelope of another media type target", caps=ENV_CAP, payload="mediatype")
case("envelope of another size", caps=ENV_CAP, payload="size")
case("envelope size a string", caps=ENV_CAP, payload="string size")
case("envelope content type application/json", caps=ENV_CAP, cty="application/json")
case("envelope leaf not yet valid", caps=ENV_CAP, chain=["future-EC-256", "root"], stricter=AT_SIGNING_TIME)
case("envelope certificate with trailing bytes", caps=ENV_CAP, cert_trailing=True)
case("envelope annotations null", caps=ENV_CAP, **{"generate-envelope": {"set": {"annotations": None}}})
case("envelope annotation value a number", caps=ENV_CAP, **{"generate-envelope": {"set": {"annotations": {"a": 1}}}})
case("envelope ECDSA DER", caps=ENV_CAP, ecdsa_der=True)

# Payloads with members twice or in another case (Go: the last wins, names in any case).
case("envelope payload targetArtifact twice, the last of another digest", caps=ENV_CAP, payload="dup last other")
case("envelope payload targetArtifact twice, the first of another digest", caps=ENV_CAP, payload="dup first other",
     stricter=DUPLICATE)
case("envelope payload digest twice, the last another", caps=ENV_CAP, payload="dup digest last other")
case("envelope payload TargetArtifact", caps=ENV_CAP, payload="member case")
case("envelope payload with data, urls and artifactType", caps=ENV_CAP, payload="data")

# Envelope headers the plugin chose.
for fmt in ("jws", "cose"):
    case(f"envelope {fmt} signed in 2000", caps=ENV_CAP, fmt=fmt, sign_time=-int(time.time() - 946684800),
         stricter=AT_SIGNING_TIME)
    case(f"envelope {fmt} signed tomorrow", caps=ENV_CAP, fmt=fmt, sign_time=86400)
    case(f"envelope {fmt} already expired", caps=ENV_CAP, fmt=fmt, expiry=-3600)
    case(f"envelope {fmt} expiring in an hour", caps=ENV_CAP, fmt=fmt, expiry=3600)
    # notary's verifier refuses an unknown critical header without a verification plugin (the
    # spec), notation's accepts it: notary refuses to sign what it would never verify.
    case(f"envelope {fmt} unknown critical header", caps=ENV_CAP, fmt=fmt, crit_extra={"io.example.crit": "v"},
         cross=False, stricter=UNKNOWN_CRITICAL)
    case(f"envelope {fmt} verification plugin header", caps=ENV_CAP, fmt=fmt,
         crit_extra={"io.cncf.notary.verificationPlugin": "io.example.verifier"}, cross=False)
    case(f"envelope {fmt} extra unprotected header", caps=ENV_CAP, fmt=fmt, unprot_extra={"io.example.u": "v"})
case("envelope cose untagged", caps=ENV_CAP, fmt="cose", untagged=True)

# Bytes around and inside the JSON.
case("describe-key invalid UTF-8 in an unknown member", **{"describe-key": {"set": {"note": "a@FF@b"}}})
case("describe-key invalid UTF-8 in keyId", **{"describe-key": {"set": {"keyId": "key-1@FF@"}}})
case("metadata invalid UTF-8 in the description", **{"get-plugin-metadata": {"set": {"description": "d@FF@"}}})
case("generate-signature invalid UTF-8 in an unknown member", **{"generate-signature": {"set": {"note": "@FF@"}}})
case("envelope invalid UTF-8 in an annotation", caps=ENV_CAP, **{"generate-envelope": {"set": {"annotations": {"io.example.plugin": "a@FF@"}}}})
case("describe-key lone surrogate escape in an unknown member", **{"describe-key": {"set": {"note": "a\ud800b"}}})
case("envelope lone surrogate escapes in an annotation", caps=ENV_CAP, **{"generate-envelope": {"set": {"annotations": {"io.example.plugin": "\udcff\ud800"}}}})
case("describe-key leading whitespace", **{"describe-key": {"prefix": " \n\t"}})
case("describe-key byte order mark", **{"describe-key": {"prefix": "\xef\xbb\xbf"}})
case("describe-key empty output", **{"describe-key": {"raw": ""}})
case("describe-key null", **{"describe-key": {"raw": "null"}})
case("describe-key error body with invalid UTF-8", **{"describe-key": {"exit": 1, "stderr": '{"errorCode":"ERROR","errorMessage":"x\udcff"}'}})

print(f"run time {time.time() - started:.0f}s")
report.finish("cases", 30)
