#!/usr/bin/env python3
"""Differential run: verification plugins under `notation verify` and `notary verify`.

    plugins.py NOTARY NOTATION ORAS WORKDIR

Signs an artifact in an OCI layout with `notary`, then, per case, signs its payload again with
changed protected headers (`io.cncf.notary.verificationPlugin` and its minimum version, critical
or not; extended attributes, critical or not) and puts that envelope in the layout. A
verification plugin (a Python script installed in notation's plugin directory) answers as the
case says: its version (SemVer and not), capabilities, contract versions, name, identity and
revocation results, the attributes it reports processed, an error, garbage. Both tools verify the
artifact; the outcomes must agree. Exits 1 on any disagreement.

Needs python3 with `cryptography` (scripts/setup.sh installs it).
"""
import base64
import hashlib
import json
import os
import shutil
import stat
import sys

import cbor2

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, utils

from common import Report, environment, outcome, run

NOTARY, NOTATION, ORAS, W = sys.argv[1:5]
ENV = environment(W)
CFG = f"{W}/xdg/notation"
os.chdir(W)
PLUGIN = "io.example.differential"
PLUGIN_DIR = f"{CFG}/plugins/{PLUGIN}"
VP, VPMIN = "io.cncf.notary.verificationPlugin", "io.cncf.notary.verificationPluginMinVersion"


def sh(*args):
    return run(ENV, *args)


sh(NOTARY, "cert", "generate-test", "good", "--default")
with open(f"{CFG}/trustpolicy.json", "w") as f:
    json.dump({"version": "1.0", "trustPolicies": [{
        "name": "p", "registryScopes": ["*"], "signatureVerification": {"level": "strict"},
        "trustStores": ["ca:good"], "trustedIdentities": ["*"]}]}, f)
with open(f"{CFG}/localkeys/good.key", "rb") as f:
    KEY = serialization.load_pem_private_key(f.read(), None)

with open("a.txt", "w") as f:
    f.write("plugin artifact\n")
sh(ORAS, "push", "--oci-layout", "lay:v1", "a.txt")
SUBJECT = sh(ORAS, "resolve", "--oci-layout", "lay:v1")
# The same subject for the COSE signature: a copy, not a second push (oras stamps each manifest
# with its creation second, so two pushes may differ).
shutil.copytree("lay", "lay-cose")
sh(NOTARY, "sign", "--oci-layout", f"lay@{SUBJECT}")
sh(NOTARY, "sign", "--oci-layout", "--signature-format", "cose", f"lay-cose@{SUBJECT}")


def blob(d, lay="lay"):
    return f"{lay}/blobs/sha256/{d[7:]}"


def put(data, lay="lay"):
    d = "sha256:" + hashlib.sha256(data).hexdigest()
    with open(blob(d, lay), "wb") as f:
        f.write(data)
    return d, len(data)


def signature_of(lay):
    index = json.load(open(f"{lay}/index.json"))
    entry = next(m for m in index["manifests"] if m["digest"] != SUBJECT)
    manifest = json.load(open(blob(entry["digest"], lay)))
    return index, entry, manifest, open(blob(manifest["layers"][0]["digest"], lay), "rb").read()


INDEX, ENTRY, MANIFEST, _raw = signature_of("lay")
BASE = json.loads(_raw)
COSE_INDEX, COSE_ENTRY, COSE_MANIFEST, COSE_BASE = signature_of("lay-cose")


def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def ub64u(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


BASE_PROTECTED = json.loads(ub64u(BASE["protected"]))
HASH = {"PS256": hashes.SHA256(), "PS384": hashes.SHA384(), "PS512": hashes.SHA512(),
        "ES256": hashes.SHA256(), "ES384": hashes.SHA384(), "ES512": hashes.SHA512()}


def envelope(extra=None, critical=()):
    """The base JWS with `extra` protected members (those in `critical` listed in crit),
    signed again with the test key."""
    p = dict(BASE_PROTECTED)
    p.update(extra or {})
    p["crit"] = list(BASE_PROTECTED["crit"]) + list(critical)
    prot = b64u(json.dumps(p, separators=(",", ":")).encode())
    msg = f"{prot}.{BASE['payload']}".encode()
    h = HASH[p["alg"]]
    if p["alg"].startswith("PS"):
        sig = KEY.sign(msg, padding.PSS(mgf=padding.MGF1(h), salt_length=h.digest_size), h)
    else:
        r, s = utils.decode_dss_signature(KEY.sign(msg, ec.ECDSA(h)))
        n = (KEY.curve.key_size + 7) // 8
        sig = r.to_bytes(n, "big") + s.to_bytes(n, "big")
    return json.dumps(dict(BASE, protected=prot, signature=b64u(sig))).encode()


def install(envelope_bytes, lay="lay"):
    index0, entry0, manifest0 = (INDEX, ENTRY, MANIFEST) if lay == "lay" else (COSE_INDEX, COSE_ENTRY, COSE_MANIFEST)
    d, n = put(envelope_bytes, lay)
    m = json.loads(json.dumps(manifest0))
    m["layers"][0].update(digest=d, size=n)
    d, n = put(json.dumps(m).encode(), lay)
    index = json.loads(json.dumps(index0))
    for e in index["manifests"]:
        if e["digest"] == entry0["digest"]:
            e.update(digest=d, size=n)
    with open(f"{lay}/index.json", "w") as f:
        json.dump(index, f)


def cose_envelope(extra=None, critical=()):
    """The base COSE_Sign1 with `extra` protected labels (those in `critical` listed in crit),
    signed again with the test key."""
    tagged = cbor2.loads(COSE_BASE)
    prot_b, unprot, payload, _ = tagged.value
    p = cbor2.loads(prot_b)
    p.update(extra or {})
    p[2] = list(p[2]) + list(critical)
    prot = cbor2.dumps(p, canonical=True, datetime_as_timestamp=True)
    alg = {-37: "PS256", -38: "PS384", -39: "PS512", -7: "ES256", -35: "ES384", -36: "ES512"}[p[1]]
    msg = cbor2.dumps(["Signature1", prot, b"", payload])
    h = HASH[alg]
    if alg.startswith("PS"):
        sig = KEY.sign(msg, padding.PSS(mgf=padding.MGF1(h), salt_length=h.digest_size), h)
    else:
        r, s_ = utils.decode_dss_signature(KEY.sign(msg, ec.ECDSA(h)))
        n = (KEY.curve.key_size + 7) // 8
        sig = r.to_bytes(n, "big") + s_.to_bytes(n, "big")
    return cbor2.dumps(cbor2.CBORTag(18, [prot, unprot, payload, sig]))


# --- the plugin ----------------------------------------------------------------------------------
PLUGIN_SOURCE = r'''#!/usr/bin/env python3
import json, os, sys
here = os.path.dirname(os.path.abspath(__file__))
b = json.load(open(os.path.join(here, "behavior.json")))
cmd = sys.argv[1] if len(sys.argv) > 1 else ""
req = sys.stdin.read()
if b.get("garbage"):
    print("not json"); sys.exit(0)
def go_untagged(name):
    # What Go's encoding/json writes for a struct field without a tag: its Go name.
    return {"url": "URL", "keyId": "KeyID"}.get(name, name[:1].upper() + name[1:])
def out(obj, maps=("verificationResults",), repeat=False):
    """Writes a response, its struct member names as behavior.json says."""
    style = b.get("names")
    def rename(o, is_map=False):
        if not isinstance(o, dict):
            return o
        r = {}
        for k, v in o.items():
            key = k if is_map or style is None else (go_untagged(k) if style == "go" else k.upper())
            r[key] = rename(v, is_map=(k in maps and not is_map))
        return r
    obj = rename(obj)
    text = json.dumps(obj)
    for k in b.get("omit_members", []):
        obj.pop(k, None)
        text = json.dumps(obj)
    if repeat and b.get("repeat_first"):
        # The first member again, before the rest, with another value: the last one counts.
        k = next(iter(obj))
        text = "{" + json.dumps(k) + ": " + json.dumps(b["repeat_first"]) + ", " + text[1:]
    print(text)
if cmd == "get-plugin-metadata":
    out({"name": b.get("name", "%s"), "description": "differential", "version": b["version"],
         "url": "https://example.com", "supportedContractVersions": b.get("contracts", ["1.0"]),
         "capabilities": b["capabilities"]})
    sys.exit(0)
if cmd == "verify-signature":
    if b.get("error"):
        sys.stderr.write(json.dumps({"errorCode": "ERROR", "errorMessage": "told to fail"})); sys.exit(1)
    r = json.loads(req)
    asked = r["trustPolicy"]["signatureVerification"]
    results = {c: {"success": b.get("results", {}).get(c, True), "reason": "told so"} for c in asked
               if c not in b.get("omit", [])}
    for c in b.get("extra_results", []):
        results[c] = {"success": True}
    unprocessed = r["signature"].get("unprocessedAttributes") or []
    processed = unprocessed if b.get("processed", "all") == "all" else b.get("processed")
    with open(os.path.join(here, "last-request.json"), "w") as f:
        f.write(req)
    out({"verificationResults": results, "processedAttributes": processed}, repeat=True)
    sys.exit(0)
sys.stderr.write(json.dumps({"errorCode": "ERROR", "errorMessage": "unknown command " + cmd})); sys.exit(1)
''' % PLUGIN
os.makedirs(PLUGIN_DIR, exist_ok=True)
EXE = f"{PLUGIN_DIR}/notation-{PLUGIN}"
with open(EXE, "w") as f:
    f.write(PLUGIN_SOURCE)
os.chmod(EXE, os.stat(EXE).st_mode | stat.S_IXUSR)
CAPS = ["SIGNATURE_VERIFIER.TRUSTED_IDENTITY", "SIGNATURE_VERIFIER.REVOCATION_CHECK"]


def behave(**b):
    b.setdefault("version", "1.2.3")
    b.setdefault("capabilities", CAPS)
    with open(f"{PLUGIN_DIR}/behavior.json", "w") as f:
        json.dump(b, f)


report = Report("notation")


UNKNOWN_CRITICAL = ("unknown critical protected headers fail unless a verification plugin processes them "
                    "(README: Deliberate differences)")


def case(label, extra=None, critical=(), policy_override=None, stricter=None, cose=False, **plugin):
    if cose:
        install(cose_envelope(extra, critical), "lay-cose")
    else:
        install(envelope(extra, critical))
    behave(**plugin)
    sv = {"level": "strict", **({"override": policy_override} if policy_override else {})}
    with open(f"{CFG}/trustpolicy.json", "w") as f:
        json.dump({"version": "1.0", "trustPolicies": [{
            "name": "p", "registryScopes": ["*"], "signatureVerification": sv,
            "trustStores": ["ca:good"], "trustedIdentities": ["*"]}]}, f)
    args = ["verify", "--oci-layout", "--scope", "local/plugins", f"{'lay-cose' if cose else 'lay'}@{SUBJECT}"]
    report.record(label, outcome([NOTATION, *args], ENV), outcome([NOTARY, *args], ENV), stricter=stricter)


PLUG = {VP: PLUGIN}
case("no plugin header, plugin installed")
case("plugin header, critical", PLUG, [VP])
case("plugin header, not critical", PLUG)
case("plugin header naming a plugin not installed", {VP: "io.example.absent"}, [VP])
case("plugin header empty", {VP: ""}, [VP])
for minimum in ["1.2.3", "1.2.2", "1.2.4", "1.3.0", "2.0.0", "0.9.9", "1.10.0", "1.2", "1", "v1.2.3", "1.2.3-beta",
                "1.2.3+build.5", "1.2.4-rc.1", "01.2.3", "", "latest", "1.2.3.4"]:
    case(f"minimum version {minimum!r}, plugin 1.2.3", {**PLUG, VPMIN: minimum}, [VP, VPMIN])
for installed, minimum in [("1.2.3-beta", "1.2.3"), ("1.2.3-beta.2", "1.2.3-beta.10"), ("1.2.3-alpha", "1.2.3-beta"),
                           ("1.2.3+build", "1.2.3"), ("v1.2.3", "1.2.3"), ("1.2", "1.0.0"), ("1.2.3", "1.2.3-rc.1"),
                           ("10.0.0", "9.0.0"), ("not-a-version", "1.0.0")]:
    case(f"minimum version {minimum!r}, plugin {installed!r}", {**PLUG, VPMIN: minimum}, [VP, VPMIN], version=installed)
case("plugin version 'not-a-version', no minimum", PLUG, [VP], version="not-a-version")
case("minimum version, not critical", {**PLUG, VPMIN: "1.0.0"}, [VP])
case("minimum version without plugin header", {VPMIN: "1.0.0"}, [VPMIN], stricter=UNKNOWN_CRITICAL)
case("minimum version without plugin header, not critical", {VPMIN: "1.0.0"})
ATTR = "io.example.attribute"
case("critical extended attribute, processed", {**PLUG, ATTR: "x"}, [VP, ATTR])
case("critical extended attribute, not processed", {**PLUG, ATTR: "x"}, [VP, ATTR], processed=[])
case("critical extended attribute, no plugin", {ATTR: "x"}, [ATTR], stricter=UNKNOWN_CRITICAL)
case("extended attribute not critical, processed", {**PLUG, ATTR: "x"}, [VP])
case("extended attribute not critical, not processed", {**PLUG, ATTR: "x"}, [VP], processed=[])
case("extended attribute not critical, no plugin", {ATTR: "x"})
case("two critical attributes, one processed", {**PLUG, ATTR: "x", ATTR + "2": 5}, [VP, ATTR, ATTR + "2"],
     processed=[ATTR])
case("a number attribute, processed", {**PLUG, ATTR: 7}, [VP, ATTR])
case("an object attribute, processed", {**PLUG, ATTR: {"a": 1}}, [VP, ATTR])
case("processed lists an attribute not sent", PLUG, [VP], processed=["io.example.other"])
case("only the trusted identity capability", PLUG, [VP], capabilities=CAPS[:1])
case("only the revocation capability", PLUG, [VP], capabilities=CAPS[1:])
case("no verification capability", PLUG, [VP], capabilities=["SIGNATURE_GENERATOR.RAW"])
case("no capabilities at all", PLUG, [VP], capabilities=[])
case("an unknown capability beside", PLUG, [VP], capabilities=CAPS + ["SIGNATURE_VERIFIER.SOMETHING"])
case("identity refused", PLUG, [VP], results={CAPS[0]: False})
case("revocation refused", PLUG, [VP], results={CAPS[1]: False})
case("revocation refused, revocation logged", PLUG, [VP], results={CAPS[1]: False},
     policy_override={"revocation": "log"})
case("identity refused, authenticity logged", PLUG, [VP], results={CAPS[0]: False},
     policy_override={"authenticity": "log"})
case("revocation skipped, plugin refuses revocation", PLUG, [VP], results={CAPS[1]: False},
     policy_override={"revocation": "skip"})
case("identity result missing", PLUG, [VP], omit=[CAPS[0]])
case("revocation result missing", PLUG, [VP], omit=[CAPS[1]])
case("an extra result", PLUG, [VP], extra_results=["SIGNATURE_VERIFIER.SOMETHING"])
case("plugin fails", PLUG, [VP], error=True)
case("plugin answers garbage", PLUG, [VP], garbage=True)
case("plugin metadata names another plugin", PLUG, [VP], name="io.example.other")
case("plugin supports contract 2.0 only", PLUG, [VP], contracts=["2.0"])
case("plugin supports contracts 1.0 and 2.0", PLUG, [VP], contracts=["1.0", "2.0"])
case("plugin supports contract 1.1", PLUG, [VP], contracts=["1.1"])
# Responses as notation-go's decoder reads them: member names in any case (a Go plugin whose
# structs lack JSON tags writes `Name`, `URL`, `Success`), a repeated member (the last counts),
# a missing member (empty).
case("response member names as Go writes untagged fields", PLUG, [VP], names="go")
case("response member names in upper case", {**PLUG, ATTR: "x"}, [VP, ATTR], names="upper")
case("response member names in upper case, identity refused", PLUG, [VP], names="upper",
     results={CAPS[0]: False})
case("processedAttributes missing, nothing to process", PLUG, [VP], omit_members=["processedAttributes"])
case("processedAttributes missing, a critical attribute sent", {**PLUG, ATTR: "x"}, [VP, ATTR],
     omit_members=["processedAttributes"])
case("verificationResults missing", PLUG, [VP], omit_members=["verificationResults"])
case("a response member repeated, the first refusing", PLUG, [VP],
     repeat_first={CAPS[0]: {"success": False}, CAPS[1]: {"success": False}})
# COSE: the same headers as text labels, and an extended attribute with an integer label (Go
# forwards only text-labelled ones to plugins).
case("COSE: plugin header, critical", PLUG, [VP], cose=True)
case("COSE: minimum version '1.2.4', plugin 1.2.3", {**PLUG, VPMIN: "1.2.4"}, [VP, VPMIN], cose=True)
case("COSE: minimum version '1.2.3', plugin 1.2.3", {**PLUG, VPMIN: "1.2.3"}, [VP, VPMIN], cose=True)
case("COSE: critical extended attribute, processed", {**PLUG, ATTR: "x"}, [VP, ATTR], cose=True)
case("COSE: critical extended attribute, not processed", {**PLUG, ATTR: "x"}, [VP, ATTR], processed=[], cose=True)
case("COSE: extended attribute not critical, not processed", {**PLUG, ATTR: "x"}, [VP], processed=[], cose=True)
case("COSE: critical integer-labelled attribute, plugin processes all", {**PLUG, 77777: "x"}, [VP, 77777], cose=True,
     stricter=UNKNOWN_CRITICAL + "; an integer label is never sent to the plugin")
case("COSE: identity refused", PLUG, [VP], results={CAPS[0]: False}, cose=True)
report.finish("cases", 15)
