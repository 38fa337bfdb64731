#!/usr/bin/env python3
"""Differential run: the `blob` commands (`blob sign`, `blob verify`, `blob inspect`, `blob policy
init|import|show`), notation against notary.

    blobs.py NOTARY NOTATION WORKDIR

notation v1.3.2 (the peer the suite builds) has no `blob` commands: they are in notation's
main branch, which the Go module proxy does not serve. The script asks the peer first
(`NOTATION blob --help`):
- a peer with `blob` commands runs every case as it is: the same command line through both
  tools, each in a directory of its own at the same path with private copies of the blob files,
  the signature files and the configuration (keys, trust store, blob trust policy);
- notation v1.3.2 runs the cases whose behaviour notation's `blob sign` and `blob verify` share
  with its `sign` and `verify` (the signer, timestamp and user-metadata flags and their values,
  the envelope a signing makes, user metadata matched at verification) as that command on an OCI
  layout holding the same bytes; the other cases are run by notary alone and counted as not
  compared (they still must not crash: exit status 0 or 1).

Compared, for a case run by both:
- the exit status;
- for a failure, notation's error (`Error: ...`, "notation" read as "notary") must open notary's;
  through `sign`, when the error does not name the layout; through `verify`, for flag errors
  (its other failures open with the OCI headline);
- the `Warning:` lines (notation's experimental-feature warning aside);
- stdout, byte for byte, when both run the `blob` command (`blob inspect` text and JSON,
  `blob policy show`, the `Successfully ...` lines naming the signature file);
- the files left (signature files: names, modes and envelope contents as below;
  trustpolicy.blob.json: bytes and mode);
- for a successful signing, the envelope: media type, protected header names, alg, cty, crit,
  signing scheme, expiry minus signing time, the payload's user metadata.

Every case must agree except those listed below with the rule that makes notary differ on
purpose (STRICTER: notary refuses what notation accepts; LENIENT: notary accepts what notation
refuses; WORDED: same outcome, other words or content); a listed case that stops differing fails
the run too (a listed case notation v1.3.2 cannot run is not checked). Exits 1 on any mismatch.

About 260 cases (about 90 compared with notation v1.3.2, the others run by notary alone until a peer
with `blob` commands is given); about 20 s on two cores.

Needs python3 with `cryptography` and `cbor2` (scripts/setup.sh installs them).
"""
import base64
import datetime
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time

import cbor2
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from common import Report, cert, environment, pem, run

NOTARY, NOTATION, W = sys.argv[1:4]
W = os.path.abspath(W)
os.makedirs(W, exist_ok=True)
START = time.time()
BASES = f"{W}/bases"
os.makedirs(BASES, exist_ok=True)

# --- the peer ------------------------------------------------------------------------------------
_probe = subprocess.run([NOTATION, "blob", "--help"], capture_output=True, text=True,
                        env=environment(f"{W}/probe"))
PEER_BLOB = _probe.returncode == 0 and "unknown command" not in _probe.stderr
print(f"peer {'has' if PEER_BLOB else 'has no'} blob commands")

# --- set-up: one configuration (key, trust store, policies) copied into every case -------------
SETUP = f"{W}/setup"
ENV0 = environment(SETUP)
CFG0 = f"{SETUP}/xdg/notation"
run(ENV0, NOTARY, "cert", "generate-test", "good", "--default")
run(ENV0, NOTARY, "cert", "generate-test", "other")
os.makedirs(CFG0, exist_ok=True)

POLICY = {"version": "1.0", "trustPolicies": [
    {"name": "global", "signatureVerification": {"level": "strict"}, "trustStores": ["ca:good"],
     "trustedIdentities": ["*"], "globalPolicy": True},
    {"name": "other", "signatureVerification": {"level": "strict"}, "trustStores": ["ca:other"],
     "trustedIdentities": ["*"]},
    {"name": "audit", "signatureVerification": {"level": "audit"}, "trustStores": ["ca:other"],
     "trustedIdentities": ["*"]},
    {"name": "skip", "signatureVerification": {"level": "skip"}}]}
POLICY_BYTES = json.dumps(POLICY, indent=2).encode()
OCI_POLICY = {"version": "1.0", "trustPolicies": [
    {"name": "p", "registryScopes": ["*"], "signatureVerification": {"level": "strict"},
     "trustStores": ["ca:good"], "trustedIdentities": ["*"]}]}
with open(f"{CFG0}/trustpolicy.json", "w") as f:
    json.dump(OCI_POLICY, f)

BLOB = b"blob differential content\n"
with open(f"{BASES}/a.txt", "wb") as f:
    f.write(BLOB)
with open(f"{BASES}/big.bin", "wb") as f:
    f.write(hashlib.sha256(b"seed").digest() * (5 * 1024 * 1024 // 32))

# Signatures made once by notary (the peer has no blob signer): JWS, COSE, with metadata, with
# expiry, and one by the key of the `other` store.
os.makedirs(f"{BASES}/sigs", exist_ok=True)


def make_sig(name, *flags, src="a.txt"):
    d = f"{W}/mk"
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    shutil.copy(f"{BASES}/{src}", f"{d}/{src}")
    r = subprocess.run([NOTARY, "blob", "sign", "--force", *flags, src], cwd=d, env=ENV0, capture_output=True,
                       text=True)
    if r.returncode:
        sys.exit(f"blob sign {flags}: {r.stderr}")
    out = next(n for n in os.listdir(d) if n.endswith(".sig"))
    shutil.copy(f"{d}/{out}", f"{BASES}/sigs/{name}")


make_sig("a.txt.jws.sig")
make_sig("a.txt.cose.sig", "--signature-format", "cose")
make_sig("meta.jws.sig", "-m", "a=1", "-m", "b=2")
make_sig("meta.cose.sig", "-m", "a=1", "-m", "b=2", "--signature-format", "cose")
make_sig("expiring.jws.sig", "-e", "24h")
make_sig("other.jws.sig", "--key", "other")
make_sig("typed.jws.sig", "--media-type", "text/plain")

# An OCI layout holding the same bytes (for the v1.3.2 counterparts), signed with metadata.
_key = ec.generate_private_key(ec.SECP256R1())
_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "blobs tsa root")])
with open(f"{BASES}/tsaroot.crt", "wb") as f:
    f.write(pem(cert(_name, _key, _name, _key, ca=True)))


def blob_file(layout, data):
    d = hashlib.sha256(data).hexdigest()
    with open(f"{layout}/blobs/sha256/{d}", "wb") as f:
        f.write(data)
    return {"digest": f"sha256:{d}", "size": len(data)}


def make_layout(layout):
    os.makedirs(f"{layout}/blobs/sha256")
    with open(f"{layout}/oci-layout", "w") as f:
        f.write('{"imageLayoutVersion":"1.0.0"}')
    config = dict(blob_file(layout, b"{}"), mediaType="application/vnd.oci.empty.v1+json")
    layer = dict(blob_file(layout, BLOB), mediaType="application/octet-stream")
    manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                           "config": config, "layers": [layer]}).encode()
    desc = dict(blob_file(layout, manifest), mediaType="application/vnd.oci.image.manifest.v1+json",
                annotations={"org.opencontainers.image.ref.name": "v1"})
    with open(f"{layout}/index.json", "w") as f:
        json.dump({"schemaVersion": 2, "manifests": [desc]}, f)
    return desc["digest"]


SUBJECT = make_layout(f"{BASES}/lay")
shutil.copytree(f"{BASES}/lay", f"{BASES}/lay-meta")
run(ENV0, NOTARY, "sign", "--oci-layout", "-m", "a=1", "-m", "b=2", f"{BASES}/lay-meta@{SUBJECT}")

# --- deliberate differences ----------------------------------------------------------------------
EXTRA_ARGS = ("blob sign, blob verify and blob inspect refuse arguments after the first; notation uses the "
              "first and ignores the rest (README: Deliberate differences)")
STRICTER = {
    "sign: two files": EXTRA_ARGS,
    "inspect: two signatures": EXTRA_ARGS,
    "verify: two blobs": EXTRA_ARGS,
    "policy import: a file of 17 MiB": "trust policy files are capped at 16 MiB (README: Deliberate differences)",
}
LENIENT = {}
WORDED = {
    "sign: default": ("notation prints `Successfully signed FILE\\n Signature file written to ...`: its format "
                      "string leaves a space at the start of the second line; notary prints the line without it"),
}

# --- running -------------------------------------------------------------------------------------
report = Report("notation")
seen = set()
not_compared = []


def norm(text, here):
    return text.replace(here, "<dir>").replace("notation", "notary")


def b64u(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def epoch(v):
    if isinstance(v, datetime.datetime):
        return int(v.timestamp())
    if isinstance(v, str):
        return int(datetime.datetime.fromisoformat(v.replace("Z", "+00:00")).timestamp())
    return v


def envelope_summary(data, cose):
    """What a signing put in an envelope, without what depends on the key's run or the artifact."""
    try:
        if not cose:
            j = json.loads(data)
            prot = json.loads(b64u(j["protected"]))
            payload = json.loads(b64u(j["payload"]))
            get = prot.get
            s = {"alg": get("alg"), "cty": get("cty"), "crit": get("crit"), "unprotected": sorted(j.get("header", {}))}
        else:
            t = cbor2.loads(data)
            prot = cbor2.loads(t.value[0])
            payload = json.loads(t.value[2])
            get = prot.get
            s = {"alg": get(1), "cty": get(3), "crit": get(2), "unprotected": sorted(str(k) for k in t.value[1])}
        signing, expiry = get("io.cncf.notary.signingTime"), get("io.cncf.notary.expiry")
        s.update(protected=sorted(str(k) for k in prot), scheme=get("io.cncf.notary.signingScheme"),
                 expiry=(epoch(expiry) - epoch(signing)) if expiry is not None else None,
                 metadata=payload["targetArtifact"].get("annotations"))
        return s
    except Exception as e:  # noqa: BLE001 - a broken envelope is a finding, not a crash
        return {"unreadable": str(e)}


def layout_envelope(lay):
    index = json.load(open(f"{lay}/index.json"))
    for e in index["manifests"]:
        m = json.load(open(f"{lay}/blobs/{e['digest'].replace(':', '/')}"))
        if "subject" in m:
            layer = m["layers"][0]
            with open(f"{lay}/blobs/{layer['digest'].replace(':', '/')}", "rb") as f:
                return envelope_summary(f.read(), layer["mediaType"] == "application/cose")
    return None


def execute(tool, who, label, args, files, policy, stdin):
    """Runs `tool args` in a fresh directory with `files` (name -> base file under BASES, None
    for a directory, b'' bytes for literal content) and a private configuration whose blob trust
    policy is `policy` (bytes, or None for none)."""
    here = f"{W}/cases/{re.sub(r'[^A-Za-z0-9]+', '-', label)[:80]}-{who}"
    shutil.rmtree(here, ignore_errors=True)
    shutil.copytree(SETUP, here, symlinks=True)
    cfg = f"{here}/xdg/notation"
    if policy is not None:
        with open(f"{cfg}/trustpolicy.blob.json", "wb") as f:
            f.write(policy)
    for name, base in files.items():
        dst = f"{here}/{name}"
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        if base is None:
            os.makedirs(dst, exist_ok=True)
        elif isinstance(base, tuple):  # ("link", target)
            os.symlink(base[1].replace("{dir}", here), dst)
        elif isinstance(base, bytes):
            with open(dst, "wb") as f:
                f.write(base)
        elif os.path.isdir(f"{BASES}/{base}"):
            shutil.copytree(f"{BASES}/{base}", dst)
        else:
            shutil.copy(f"{BASES}/{base}", dst)
    env = environment(here)
    args = [a.replace("{dir}", here).replace("{bases}", BASES) for a in args]
    try:
        feed = {"input": stdin} if stdin is not None else {"stdin": subprocess.DEVNULL}
        r = subprocess.run([tool, *args], env=env, cwd=here, capture_output=True, text=True, timeout=120, **feed)
        rc, out, err = r.returncode, r.stdout, r.stderr
    except subprocess.TimeoutExpired:
        rc, out, err = -1, "", "Error: timed out"
    err_lines = [l for l in err.splitlines() if not l.startswith("Warning: This feature is experimental")]
    error = ""
    for i, l in enumerate(err_lines):
        if l.startswith("Error: "):
            error = "\n".join(err_lines[i:]).strip()
            break
    # What the case left: signature files anywhere under the directory, the blob trust policy.
    left = {}
    for root, dirs, names in os.walk(here):
        dirs[:] = [d for d in dirs if not (root == here and d in ("home", "cache", "xdg", "lay", "lay-meta"))]
        for n in names:
            p = os.path.join(root, n)
            rel = os.path.relpath(p, here)
            if n.endswith(".sig") and rel not in files:
                with open(p, "rb") as f:
                    data = f.read()
                left[rel] = ("sig", envelope_summary(data, ".cose." in n), oct(os.stat(p).st_mode & 0o777))
    tp = f"{cfg}/trustpolicy.blob.json"
    if os.path.exists(tp):
        with open(tp, "rb") as f:
            left["trustpolicy.blob.json"] = (f.read(), oct(os.stat(tp).st_mode & 0o777))
    tail = (out + "\n".join(err_lines)).strip().splitlines() or [""]
    return {"rc": rc, "out": norm(out, here), "error": norm(error, here), "left": left, "dir": here,
            "warnings": sorted(norm(l, here) for l in err_lines if l.startswith("Warning: ")),
            "tail": norm(tail[-1], here)[:300]}


def differs_on_purpose(name, rule):
    report.stricter += 1
    print(f"differs on purpose {name}: {rule}")


def conclude(name, g, n, diffs):
    rule = WORDED.get(name)
    g_ok = g["rc"] == 0
    if diffs and rule:
        differs_on_purpose(name, rule)
    elif diffs:
        report.mismatch(name, "both " + ("accepted" if g_ok else "refused") + ", but\n" + "\n".join(diffs))
    elif rule:
        report.mismatch(name, f"listed as worded differently ({rule}) but agrees")
    else:
        report.record(name, (g_ok, ""), (n["rc"] == 0, ""))


def case(label, args, files=None, policy=POLICY_BYTES, counterpart=None, stdin=None):
    """Runs `blob ARGS` through both tools (through notary alone, or notation's counterpart
    command, when the peer has no `blob` commands) and compares."""
    kind = args[0] if args[0] != "policy" else f"policy {args[1]}"
    name = f"{kind}: {label}"
    assert name not in seen, name
    seen.add(name)
    files = {"a.txt": "a.txt"} if files is None else files
    n = execute(NOTARY, "n", name, ["blob", *args], files, policy, stdin)
    if not PEER_BLOB and counterpart is None:
        not_compared.append(name)
        if n["rc"] not in (0, 1):
            report.mismatch(name, f"notary exited {n['rc']}: {n['tail']}")
        else:
            said = (n["error"] or n["out"].strip() or n["tail"]).splitlines() or [""]
            print(f"not compared ({'accepted' if n['rc'] == 0 else 'refused '})  {name}: {said[0][:160]}")
        return
    if PEER_BLOB:
        g = execute(NOTATION, "g", name, ["blob", *args], files, policy, stdin)
    else:
        g = execute(NOTATION, "g", name, counterpart, {"lay": "lay", "lay-meta": "lay-meta"}, policy, stdin)
    g_ok, n_ok = g["rc"] == 0, n["rc"] == 0
    if name in STRICTER or name in LENIENT or g_ok != n_ok:
        report.record(name, (g_ok, g["error"] or g["tail"]), (n_ok, n["error"] or n["tail"]),
                      stricter=STRICTER.get(name), lenient=LENIENT.get(name))
        return
    diffs = []
    # Through a counterpart, the words are compared where they cannot name the layout: any
    # error of `sign` that does not, and the flag errors of `verify` (whose other failures open
    # with the OCI headline).
    if not g_ok and (PEER_BLOB or (kind == "sign" and "lay" not in g["error"]) or "flag" in g["error"]):
        theirs = g["error"].split(". Expecting")[0]
        if not n["error"].startswith(theirs):
            diffs.append(f"error\n  notation: {g['error']}\n  notary:   {n['error']}")
    if g["warnings"] != n["warnings"]:
        diffs.append(f"warnings\n  notation: {g['warnings']}\n  notary:   {n['warnings']}")
    if PEER_BLOB:
        if name != "sign: default":  # the one case that shows notation's stray space (WORDED)
            g["out"] = g["out"].replace("\n Signature file written", "\nSignature file written")
        if g["out"] != n["out"]:
            diffs.append(f"stdout\n  notation: {g['out']!r}\n  notary:   {n['out']!r}")
        if g["left"] != n["left"]:
            diffs.append(f"files left\n  notation: {g['left']}\n  notary:   {n['left']}")
    elif g_ok and kind == "sign":
        theirs = layout_envelope(f"{g['dir']}/lay")
        ours = [v[1] for v in n["left"].values() if v[0] == "sig"]
        if [theirs] != ours:
            diffs.append(f"envelope\n  notation: {theirs}\n  notary:   {ours}")
    conclude(name, g, n, diffs)


LAY = f"lay@{SUBJECT}"


def sign(label, *flags, files=None, blob="a.txt", stdin=None, oci=True):
    """`blob sign FLAGS BLOB`; its counterpart `sign --oci-layout FLAGS lay@digest`."""
    counterpart = ["sign", "--oci-layout", *flags, LAY] if oci else None
    case(label, ["sign", *flags, *([blob] if blob is not None else [])], files, counterpart=counterpart, stdin=stdin)


def verify(label, *flags, sig="a.txt.jws.sig", blob="a.txt", files=None, policy=POLICY_BYTES, oci=None):
    """`blob verify FLAGS --signature SIG BLOB`; `oci`, the flags of its counterpart `verify`
    on the layout signed with a=1 and b=2 (None: none)."""
    if files is None:
        files = {"a.txt": "a.txt", **({sig: f"sigs/{sig}"} if sig else {"a.txt.jws.sig": "sigs/a.txt.jws.sig"})}
    counterpart = None if oci is None else ["verify", "--oci-layout", "--scope", "local/blobs", *oci,
                                            f"lay-meta@{SUBJECT}"]
    case(label, ["verify", *flags, *(["--signature", sig] if sig is not None else []),
                 *([blob] if blob is not None else [])], files, policy=policy, counterpart=counterpart)


# --- blob sign: --expiry -------------------------------------------------------------------------
for e in ["1h", "24h", "1.5h", "90s", "0", "0s", "-1h", "1d", "1x", "", " 1h", "1H", "2562047h47m16s",
          "2562048h", "9223372036854775808ns", "1ms"]:
    sign(f"-e {e!r}", "-e", e)
sign("--expiry=2h", "--expiry=2h")

# --- blob sign: --user-metadata ------------------------------------------------------------------
for label, flags in [
        ("-m k=v", ["-m", "k=v"]), ("-m k==v", ["-m", "k==v"]), ("-m =v", ["-m", "=v"]), ("-m k=", ["-m", "k="]),
        ("-m k", ["-m", "k"]), ("-m ''", ["-m", ""]), ("-m a=1 -m b=2", ["-m", "a=1", "-m", "b=2"]),
        ("-m io.cncf.notary.x=1", ["-m", "io.cncf.notary.x=1"]), ("-m unicode", ["-m", "ключ=значение ✓"]),
        ("-m a=1,b=2", ["-m", "a=1,b=2"]), ("-m with COSE", ["-m", "a=1", "--signature-format", "cose"]),
        ("--user-metadata=a=1", ["--user-metadata=a=1"]), ("-m k=<&>", ["-m", "k=<&>"])]:
    sign(label, *flags)

# --- blob sign: --signature-format, keys, plugins ------------------------------------------------
for fmt in ["jws", "cose", "x", "", "JWS"]:
    sign(f"--signature-format {fmt!r}", "--signature-format", fmt)
for label, flags in [
        ("--key good", ["--key", "good"]), ("--key other", ["--key", "other"]), ("--key nope", ["--key", "nope"]),
        ("--key ''", ["--key", ""]), ("-k good", ["-k", "good"]), ("--id x", ["--id", "x"]),
        ("--plugin x", ["--plugin", "x"]), ("--plugin x --id y", ["--plugin", "x", "--id", "y"]),
        ("--key good --id y", ["--key", "good", "--id", "y"]),
        ("--key good --plugin x", ["--key", "good", "--plugin", "x"]),
        ("--plugin-config k=v", ["--plugin-config", "k=v"]), ("--plugin-config k", ["--plugin-config", "k"]),
        ("--key nope --signature-format x", ["--key", "nope", "--signature-format", "x"]),
        ("-e 1x --key nope", ["-e", "1x", "--key", "nope"]),
        ("--signature-format x -m k", ["--signature-format", "x", "-m", "k"])]:
    sign(label, *flags)

# --- blob sign: timestamping flags ---------------------------------------------------------------
ROOT = "{bases}/tsaroot.crt"
for label, flags in [
        ("--timestamp-url alone", ["--timestamp-url", "http://127.0.0.1:1"]),
        ("--timestamp-root-cert alone", ["--timestamp-root-cert", ROOT]),
        ("--timestamp-url ''", ["--timestamp-url", "", "--timestamp-root-cert", ROOT]),
        ("--timestamp-root-cert ''", ["--timestamp-url", "http://127.0.0.1:1", "--timestamp-root-cert", ""]),
        ("--timestamp-url ftp://", ["--timestamp-url", "ftp://127.0.0.1:1", "--timestamp-root-cert", ROOT]),
        ("--timestamp-url with no scheme", ["--timestamp-url", "127.0.0.1:1", "--timestamp-root-cert", ROOT]),
        ("--timestamp-root-cert naming no file", ["--timestamp-url", "http://127.0.0.1:1", "--timestamp-root-cert",
                                                  "nofile"]),
        ("--timestamp-url x --key nope", ["--timestamp-url", "x", "--key", "nope"]),
        ("--timestamp-url '' --key nope", ["--timestamp-url", "", "--timestamp-root-cert", ROOT, "--key", "nope"]),
        ("--timestamp-root-cert '' --key nope", ["--timestamp-url", "http://127.0.0.1:1", "--timestamp-root-cert", "",
                                                 "--key", "nope"]),
        ("--timestamp-url ftp:// --key nope", ["--timestamp-url", "ftp://x", "--timestamp-root-cert", ROOT, "--key",
                                               "nope"]),
        ("--timestamp-url x --plugin p", ["--timestamp-url", "x", "--plugin", "p"])]:
    sign(label, *flags)

# --- blob sign: what only blob sign has (no counterpart in notation v1.3.2) ---------------------
sign("default", oci=False)
sign("--signature-format cose, file name", "--signature-format", "cose", oci=False)
sign("--signature-directory sigs", "--signature-directory", "sigs", oci=False)
sign("--signature-directory ./sigs/", "--signature-directory", "./sigs/", oci=False)
sign("--signature-directory sub/../sigs", "--signature-directory", "sub/../sigs", oci=False)
sign("--signature-directory absolute", "--signature-directory", "{dir}/abs", oci=False)
sign("--signature-directory ''", "--signature-directory", "", oci=False)
sign("--signature-directory a file", "--signature-directory", "a.txt", oci=False)
sign("--signature-directory existing", "--signature-directory", "d", files={"a.txt": "a.txt", "d": None}, oci=False)
sign("--media-type text/plain", "--media-type", "text/plain", oci=False)
sign("--media-type with a parameter", "--media-type", "text/plain; charset=utf-8", oci=False)
sign("--media-type 'a b'", "--media-type", "a b", oci=False)
sign("--media-type ''", "--media-type", "", oci=False)
sign("--media-type x/", "--media-type", "x/", oci=False)
EXISTING = {"a.txt": "a.txt", "a.txt.jws.sig": "sigs/other.jws.sig"}
sign("an existing signature, no answer", files=EXISTING, oci=False)
sign("an existing signature, answered y", files=EXISTING, stdin="y\n", oci=False)
sign("an existing signature, answered n", files=EXISTING, stdin="n\n", oci=False)
sign("an existing signature, --force", "--force", files=EXISTING, oci=False)
sign("--force, no existing signature", "--force", oci=False)
sign("an existing COSE signature, JWS asked", files={"a.txt": "a.txt", "a.txt.cose.sig": "sigs/a.txt.cose.sig"},
     oci=False)
sign("a file name with spaces", blob="my file.txt", files={"my file.txt": "a.txt"}, oci=False)
sign("a file in a directory", blob="sub/dir/a.txt", files={"sub/dir/a.txt": "a.txt"}, oci=False)
sign("a file by absolute path", blob="{dir}/a.txt", oci=False)
sign("a missing file", blob="missing.txt", oci=False)
sign("a directory", blob="d", files={"d": None}, oci=False)
sign("an empty file", blob="empty", files={"empty": b""}, oci=False)
sign("a 5 MiB file", blob="big.bin", files={"big.bin": "big.bin"}, oci=False)
sign("a file named with dots", blob="a.b.c", files={"a.b.c": "a.txt"}, oci=False)
sign("a file named .hidden", blob=".hidden", files={".hidden": "a.txt"}, oci=False)
sign("no file", blob=None, oci=False)
sign("two files", "a.txt", oci=False)
sign("--bogus", "--bogus")
sign("-x", "-x")
sign("-e 1h -m a=1 --signature-format cose --signature-directory out", "-e", "1h", "-m", "a=1",
     "--signature-format", "cose", "--signature-directory", "out", oci=False)

# --- blob verify: --user-metadata (signatures carrying a=1 and b=2) ------------------------------
for label, flags in [
        ("no -m", []), ("-m a=1", ["-m", "a=1"]), ("-m a=2", ["-m", "a=2"]), ("-m c=3", ["-m", "c=3"]),
        ("-m a=1 -m b=2", ["-m", "a=1", "-m", "b=2"]), ("-m a=1 -m c=3", ["-m", "a=1", "-m", "c=3"]),
        ("-m A=1", ["-m", "A=1"]), ("-m a", ["-m", "a"]), ("-m =1", ["-m", "=1"]), ("-m a=", ["-m", "a="]),
        ("-m 'a=1 '", ["-m", "a=1 "]), ("-m a=1,b=2", ["-m", "a=1,b=2"])]:
    verify(f"JWS {label}", *flags, sig="meta.jws.sig", oci=flags)
    verify(f"COSE {label}", *flags, sig="meta.cose.sig", oci=flags)
verify("-m a=1 on a signature without metadata", "-m", "a=1", oci=None)

# --- blob verify: statements, policies, signature files ------------------------------------------
verify("the global statement")
verify("COSE, the global statement", sig="a.txt.cose.sig")
verify("--policy-name global", "--policy-name", "global")
verify("--policy-name other (another store)", "--policy-name", "other")
verify("--policy-name audit (another store)", "--policy-name", "audit")
verify("--policy-name skip", "--policy-name", "skip")
verify("--policy-name nope", "--policy-name", "nope")
verify("--policy-name ''", "--policy-name", "")
verify("--policy-name ' '", "--policy-name", " ")
verify("a signature by the other key, global", sig="other.jws.sig", files={"a.txt": "a.txt",
                                                                            "other.jws.sig": "sigs/other.jws.sig"})
verify("a signature by the other key, --policy-name other", "--policy-name", "other", sig="other.jws.sig",
       files={"a.txt": "a.txt", "other.jws.sig": "sigs/other.jws.sig"})
NO_GLOBAL = json.dumps({"version": "1.0", "trustPolicies": [dict(POLICY["trustPolicies"][0], globalPolicy=False)]},
                       indent=2).encode()
verify("no global statement", policy=NO_GLOBAL)
verify("no global statement, --policy-name global", "--policy-name", "global", policy=NO_GLOBAL)
verify("no blob trust policy", policy=None)
verify("an invalid blob trust policy", policy=b'{"version":"1.0","trustPolicies":[]}')
verify("a blob trust policy that is not JSON", policy=b"{")
verify("a changed blob", files={"a.txt": b"changed\n", "a.txt.jws.sig": "sigs/a.txt.jws.sig"})
verify("an expiring signature", sig="expiring.jws.sig")
verify("--media-type application/octet-stream", "--media-type", "application/octet-stream")
verify("--media-type text/plain", "--media-type", "text/plain")
verify("--media-type text/plain, signed as text/plain", "--media-type", "text/plain", sig="typed.jws.sig")
verify("--media-type ''", "--media-type", "")
verify("--plugin-config k=v", "--plugin-config", "k=v", oci=["--plugin-config", "k=v"])
verify("--plugin-config k", "--plugin-config", "k", oci=["--plugin-config", "k"])
verify("--plugin-config =v", "--plugin-config", "=v", oci=["--plugin-config", "=v"])
verify("no --signature", sig=None)
verify("--signature ''", "--signature", "", sig=None)
verify("no blob", blob=None)
verify("no blob, no --signature", sig=None, blob=None)
verify("a missing blob", blob="missing.txt")
verify("a missing signature file", files={"a.txt": "a.txt"})
verify("a missing blob and signature file", blob="missing.txt", files={})
verify("a garbage JWS signature", files={"a.txt": "a.txt", "a.txt.jws.sig": b"garbage"})
verify("a garbage COSE signature", sig="a.txt.cose.sig", files={"a.txt": "a.txt", "a.txt.cose.sig": b"garbage"})
verify("an empty signature file", files={"a.txt": "a.txt", "a.txt.jws.sig": b""})
verify("a JWS signature named .cose.sig", sig="x.cose.sig", files={"a.txt": "a.txt", "x.cose.sig": "sigs/a.txt.jws.sig"})
verify("a COSE signature named .jws.sig", sig="x.jws.sig", files={"a.txt": "a.txt", "x.jws.sig": "sigs/a.txt.cose.sig"})
for name in ["a.txt.sig", "sig", "a.jws", "a.txt.jws.SIG", "a.txt.JWS.sig", "a.txt.Cose.sig", "a.txt.x.sig",
             ".jws.sig", "a..sig", "a.txt.jws.sig.bak", "my sig.jws.sig"]:
    verify(f"signature file named {name!r}", sig=name, files={"a.txt": "a.txt", name: "sigs/a.txt.jws.sig"})
verify("a directory as signature", sig="d.jws.sig", files={"a.txt": "a.txt", "d.jws.sig": None})
verify("a directory as blob", blob="d", files={"d": None, "a.txt.jws.sig": "sigs/a.txt.jws.sig"})
verify("an empty blob", blob="empty", files={"empty": b"", "a.txt.jws.sig": "sigs/a.txt.jws.sig"})
verify("a blob name with spaces", blob="my file.txt", files={"my file.txt": "a.txt",
                                                              "a.txt.jws.sig": "sigs/a.txt.jws.sig"})
verify("--bogus", "--bogus", oci=["--bogus"])
verify("two blobs", "b.txt", blob="a.txt", files={"a.txt": "a.txt", "b.txt": "a.txt", "a.txt.jws.sig": "sigs/a.txt.jws.sig"},
       sig="a.txt.jws.sig")
verify("a signature through a symlink", sig="l.jws.sig", files={"a.txt": "a.txt", "t.jws.sig": "sigs/a.txt.jws.sig",
                                                                 "l.jws.sig": ("link", "t.jws.sig")})
verify("a blob through a symlink", blob="l.txt", files={"a.txt": "a.txt", "l.txt": ("link", "a.txt"),
                                                        "a.txt.jws.sig": "sigs/a.txt.jws.sig"})

# --- blob inspect --------------------------------------------------------------------------------
for sig in ["a.txt.jws.sig", "a.txt.cose.sig", "meta.jws.sig", "meta.cose.sig", "expiring.jws.sig"]:
    for out in [None, "json", "tree", "text"]:
        flags = ["-o", out] if out else []
        case(f"{sig} {' '.join(flags) or 'default'}", ["inspect", *flags, sig], {sig: f"sigs/{sig}"})
case("-o yaml", ["inspect", "-o", "yaml", "a.txt.jws.sig"], {"a.txt.jws.sig": "sigs/a.txt.jws.sig"})
case("-o ''", ["inspect", "-o", "", "a.txt.jws.sig"], {"a.txt.jws.sig": "sigs/a.txt.jws.sig"})
case("no signature", ["inspect"], {})
case("a missing file", ["inspect", "nope.jws.sig"], {})
case("garbage", ["inspect", "g.jws.sig"], {"g.jws.sig": b"garbage"})
case("garbage COSE", ["inspect", "g.cose.sig"], {"g.cose.sig": b"garbage"})
case("a JWS named .cose.sig", ["inspect", "x.cose.sig"], {"x.cose.sig": "sigs/a.txt.jws.sig"})
case("a name without .sig", ["inspect", "x.jws"], {"x.jws": "sigs/a.txt.jws.sig"})
case("a name with an unknown format", ["inspect", "x.y.sig"], {"x.y.sig": "sigs/a.txt.jws.sig"})
case("a directory", ["inspect", "d.jws.sig"], {"d.jws.sig": None})
case("two signatures", ["inspect", "a.txt.jws.sig", "a.txt.cose.sig"],
     {"a.txt.jws.sig": "sigs/a.txt.jws.sig", "a.txt.cose.sig": "sigs/a.txt.cose.sig"})

# --- blob policy init ----------------------------------------------------------------------------
INIT = ["--name", "n", "--trust-store", "ca:good", "--trusted-identity", "*"]
for label, flags, pol in [
        ("no existing policy", INIT, None), ("--global", [*INIT, "--global"], None), ("-n", ["-n", "n", *INIT[2:]], None),
        ("no flags", [], None), ("no --name", INIT[2:], None), ("no --trust-store", [*INIT[:2], *INIT[4:]], None),
        ("no --trusted-identity", INIT[:4], None), ("--name ''", ["--name", "", *INIT[2:]], None),
        ("two stores and identities", ["--name", "n", "--trust-store", "ca:good", "--trust-store", "signingAuthority:good",
                                       "--trusted-identity", "x509.subject: C=US, ST=WA, O=Notary",
                                       "--trusted-identity", "x509.subject: C=US, ST=WA, O=Other"], None),
        ("--global=false", [*INIT, "--global=false"], None), ("--global=true", [*INIT, "--global=true"], None),
        ("--trust-store bad", ["--name", "n", "--trust-store", "bad", "--trusted-identity", "*"], None),
        ("--trust-store ca:", ["--name", "n", "--trust-store", "ca:", "--trusted-identity", "*"], None),
        ("--trust-store tsa:good", ["--name", "n", "--trust-store", "tsa:good", "--trusted-identity", "*"], None),
        ("--trusted-identity x509.subject: bad", [*INIT[:4], "--trusted-identity", "x509.subject: bad"], None),
        ("--trusted-identity '*' twice", [*INIT, "--trusted-identity", "*"], None),
        ("--trusted-identity '<&>'", [*INIT[:4], "--trusted-identity", "x509.subject: CN=<&>"], None),
        ("an existing policy, no answer", INIT, POLICY_BYTES), ("an existing policy, --force", [*INIT, "--force"], POLICY_BYTES),
        ("an invalid existing policy", INIT, b"{"), ("--force, no existing policy", [*INIT, "--force"], None),
        ("an argument", [*INIT, "extra"], None)]:
    case(label, ["policy", "init", *flags], {}, policy=pol)
case("an existing policy, answered y", ["policy", "init", *INIT], {}, policy=POLICY_BYTES, stdin="y\n")

# --- blob policy import --------------------------------------------------------------------------
G = POLICY["trustPolicies"][0]
DOCS = {
    "valid": POLICY_BYTES,
    "one global statement": json.dumps({"version": "1.0", "trustPolicies": [G]}).encode(),
    "two global statements": json.dumps({"version": "1.0", "trustPolicies": [G, dict(G, name="g2")]}).encode(),
    "a global skip statement": json.dumps({"version": "1.0", "trustPolicies": [
        {"name": "s", "signatureVerification": {"level": "skip"}, "globalPolicy": True}]}).encode(),
    "registryScopes in a statement": json.dumps({"version": "1.0", "trustPolicies": [
        dict(G, registryScopes=["*"])]}).encode(),
    "version 2.0": json.dumps({"version": "2.0", "trustPolicies": [G]}).encode(),
    "no statements": b'{"version":"1.0","trustPolicies":[]}',
    "duplicate names": json.dumps({"version": "1.0", "trustPolicies": [G, dict(G, globalPolicy=False)]}).encode(),
    "an OCI policy": json.dumps(OCI_POLICY).encode(),
    "not JSON": b"{",
    "empty": b"",
    "an array": b"[]",
    "a BOM": b"\xef\xbb\xbf" + POLICY_BYTES,
    "unknown level": json.dumps({"version": "1.0", "trustPolicies": [
        dict(G, signatureVerification={"level": "x"})]}).encode(),
    "no name": json.dumps({"version": "1.0", "trustPolicies": [{k: v for k, v in G.items() if k != "name"}]}).encode(),
}
for label, doc in DOCS.items():
    case(label, ["policy", "import", "p.json"], {"p.json": doc}, policy=None)
case("--force over an existing policy", ["policy", "import", "--force", "p.json"], {"p.json": DOCS["one global statement"]})
case("over an existing policy, no answer", ["policy", "import", "p.json"], {"p.json": DOCS["one global statement"]})
case("over an existing policy, answered yes", ["policy", "import", "p.json"], {"p.json": DOCS["one global statement"]},
     stdin="yes\n")
case("a missing file", ["policy", "import", "nope.json"], {}, policy=None)
case("a directory", ["policy", "import", "d"], {"d": None}, policy=None)
case("no file", ["policy", "import"], {}, policy=None)
case("two files", ["policy", "import", "p.json", "p.json"], {"p.json": POLICY_BYTES}, policy=None)
case("/dev/null", ["policy", "import", "/dev/null"], {}, policy=None)
case("through a symlink", ["policy", "import", "l.json"], {"p.json": POLICY_BYTES, "l.json": ("link", "p.json")},
     policy=None)
case("a dangling symlink", ["policy", "import", "l.json"], {"l.json": ("link", "nowhere.json")}, policy=None)
case("a file of 17 MiB", ["policy", "import", "big.json"], {"big.json": b" " * (17 << 20) + POLICY_BYTES}, policy=None)

# --- blob policy show ----------------------------------------------------------------------------
case("a policy", ["policy", "show"], {})
case("no policy", ["policy", "show"], {}, policy=None)
case("an invalid policy", ["policy", "show"], {}, policy=b'{"version":"1.0","trustPolicies":[]}')
case("a policy that is not JSON", ["policy", "show"], {}, policy=b"{")
case("a policy without a final newline", ["policy", "show"], {}, policy=DOCS["one global statement"])
case("an argument", ["policy", "show", "x"], {})

# --- the end -------------------------------------------------------------------------------------
listed = set(STRICTER) | set(LENIENT) | set(WORDED)
for stale in sorted(listed - seen):
    report.mismatch(stale, "listed as a deliberate difference, but no case has this name")
print(f"ran in {time.time() - START:.0f} s")
report.finish(f"cases compared ({len(not_compared)} more run by notary alone)", 20)
