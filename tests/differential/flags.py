#!/usr/bin/env python3
"""Differential run: flag values and artifact references of `sign`, `verify`, `list` and
`inspect`, notation v1.3.2 against notary, on OCI image layouts on disk (and registry references
that are parsed but never reached: a closed port).

    flags.py NOTARY NOTATION ORAS WORKDIR

Each case runs the same command line through both tools, each in a directory of its own holding
fresh copies of the layouts it names (so paths, and the messages naming them, are the same for
both). Compared:
- the outcome (exit status zero or not);
- for a failure, the error notation prints (`Error: ...`, its reference forms up to
  `. Expecting`, "notation" read as "notary") must open notary's, which may add a detail;
- the `Warning:` lines both print (notation's experimental-feature warning aside);
- for a successful `sign`, the signature read back from the layout: the signature manifest
  (media type, artifactType, config media type, annotation names, the thumbprint annotation,
  subject, layer media type), the envelope (media type, protected header names, alg, cty, crit,
  signing scheme, expiry minus signing time, unprotected header names) and the signed payload
  (the target descriptor with the `--user-metadata` annotations), and the `Successfully signed`
  line;
- for a successful `list`, the signature digests listed.

Cases: `--expiry` durations, `--user-metadata` forms at signing and at verification,
`--signature-format`, `--key`/`--id`/`--plugin`/`--plugin-config`, `--timestamp-url` and
`--timestamp-root-cert`, `--max-signatures`, `--force-referrers-tag` and
`--allow-referrers-api`, `-o`, `-v`/`-d`, unknown and repeated flags, the order in which several
bad flags are reported, layout references (tags, digests, odd paths) and registry references.

Every case must agree except those listed below with the rule that makes notary differ on
purpose (STRICTER: notary refuses what notation accepts; LENIENT: notary accepts what notation
refuses; WORDED: both agree on the outcome but not on the words or content); a listed case that
stops differing fails the run too. Exits 1 on any mismatch.

About 450 cases; about 90 s on two cores.

Needs python3 with `cryptography` and `cbor2` (scripts/setup.sh installs them).
"""
import base64
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import time

import cbor2
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from cryptography import x509

from common import Report, cert, environment, pem, run

NOTARY, NOTATION, ORAS, W = sys.argv[1:5]
W = os.path.abspath(W)
ENV = environment(W)
CFG = f"{W}/xdg/notation"
START = time.time()
os.chdir(W)


def sh(*args):
    return run(ENV, *args)


# --- set-up --------------------------------------------------------------------------------------
sh(NOTARY, "cert", "generate-test", "good", "--default")
with open(f"{CFG}/trustpolicy.json", "w") as f:
    json.dump({"version": "1.0", "trustPolicies": [{
        "name": "p", "registryScopes": ["*"], "signatureVerification": {"level": "strict"},
        "trustStores": ["ca:good"], "trustedIdentities": ["*"]}]}, f)

os.makedirs("bases", exist_ok=True)
os.chdir("bases")
with open("a.txt", "w") as f:
    f.write("flags artifact\n")
sh(ORAS, "push", "--oci-layout", "unsigned:v1", "a.txt")
SUBJECT = sh(ORAS, "resolve", "--oci-layout", "unsigned:v1")
shutil.copytree("unsigned", "signed")
sh(NOTARY, "sign", "--oci-layout", f"signed@{SUBJECT}")
shutil.copytree("unsigned", "meta")
sh(NOTARY, "sign", "--oci-layout", "-m", "a=1", "-m", "b=2", f"meta@{SUBJECT}")
os.chdir(W)
BASES = f"{W}/bases"
ZERO = "sha256:" + "0" * 64


def read_json(path):
    with open(path) as f:
        return json.load(f)


CONFIG_DIGEST = read_json(f"{BASES}/unsigned/blobs/sha256/{SUBJECT.split(':')[1]}")["config"]["digest"]

# A TSA root (self-signed CA) for --timestamp-root-cert, and a leaf certificate that is not one.
_key = ec.generate_private_key(ec.SECP256R1())
_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "flags tsa root")])
with open(f"{BASES}/tsaroot.crt", "wb") as f:
    f.write(pem(cert(_name, _key, _name, _key, ca=True)))
shutil.copy(f"{CFG}/localkeys/good.crt", f"{BASES}/leaf.crt")

# --- deliberate differences ----------------------------------------------------------------------
DUPLICATE_KEY = "--user-metadata and --plugin-config refuse a key given twice (README: Deliberate differences)"
EXTRA_ARGS = ("list and inspect refuse arguments after the reference; sign and verify take more references "
              "(README: Deliberate differences)")
NOT_A_MANIFEST = ("a digest reference into an OCI layout must name a manifest; notation signs and lists any blob "
                  "(README: Deliberate differences)")
VERIFY_OUTPUT = "verify -o text|json is notary's addition (notation v1.3.2 verify has no --output flag)"
INSPECT_LAYOUT = ("inspect --oci-layout is notary's addition (notation v1.3.2 inspect has no --oci-layout flag; "
                  "later notation releases add it)")
NOT_A_LAYOUT = ("a directory that is not an OCI layout is named as such (notation writes `oci-layout` and "
                "`index.json` into it, even to verify, then finds nothing)")
NO_HEAD = ("a digest reference into a registry is not resolved with a HEAD request; the unreachable "
           "registry is named by the listing request (README: Deliberate differences)")
STRICTER = {
    "sign: -m k=1 -m k=1": DUPLICATE_KEY,
    "sign: -m k=1 -m k=2": DUPLICATE_KEY,
    "sign: --plugin-config k=1 --plugin-config k=2": DUPLICATE_KEY,
    "verify: -m a=1 -m a=1": DUPLICATE_KEY,
    "list: an extra argument": EXTRA_ARGS,
    "sign: a blob that is not a manifest, by digest": NOT_A_MANIFEST,
    "list: a blob that is not a manifest, by digest": NOT_A_MANIFEST,
}
LENIENT = {
    "verify: directory name with '@'": ("notation v1.3.2 joins --scope and the reference after the path's first "
                                        "'@' into the policy reference, which is then invalid; notary verifies the "
                                        "layout named (split at the last '@', as notation's sign and list do)"),
    "verify: -o json": VERIFY_OUTPUT,
    "verify: -o text": VERIFY_OUTPUT,
    "inspect: --oci-layout by digest": INSPECT_LAYOUT,
    "inspect: --oci-layout -o json": INSPECT_LAYOUT,
}
WORDED = {
    # An error several bad flags could report, where notary's deliberate duplicate-key refusal
    # comes first.
    "sign: -m k=1 -m k=2 -m io.cncf.notary.x=1": DUPLICATE_KEY,
    "verify: -o yaml": VERIFY_OUTPUT,
    "verify: -o ''": VERIFY_OUTPUT,
    "list: an empty directory": NOT_A_LAYOUT,
    "sign: an empty directory": NOT_A_LAYOUT,
    "verify: an empty directory": NOT_A_LAYOUT,
    "verify: registry, by digest": NO_HEAD,
    # The messages of the TSA client and the registry client for a connection refused are their
    # HTTP stacks' (reqwest's, Go's net/http); both name the request first.
    "sign: --timestamp-url http://127.0.0.1:1": "the HTTP client's words for a refused connection",
    "sign: --timestamp-url https://127.0.0.1:1": "the HTTP client's words for a refused connection",
    "sign: --timestamp-url HTTP://127.0.0.1:1": "the HTTP client's words for a refused connection",
    "sign: --timestamp-url with a query and a fragment": "the HTTP client's words for a refused connection",
    **{f"{k}: registry, localhost/app:v1": ("the registry client (notary-registry) names the host as given "
                                            "(localhost), Go the address it dialled")
       for k in ("list", "verify", "inspect", "sign")},
    "verify: registry, tag and digest": NO_HEAD,
    "sign: --timestamp-url user info": ("the HTTP client's words for a refused connection (Go also hides the "
                                        "password in the URL it names)"),
    # Reference parsing of notary-registry (outside the CLI) checks the registry before the
    # repository; oras-go the repository first.
    **{f"{k}: registry, https:// prefix": "notary-registry's reference parser names the registry `https:` first"
       for k in ("list", "verify", "inspect", "sign")},
    "sign: --timestamp-root-cert naming a leaf": ("notary-x509 says why the certificate is not a root in its "
                                                  "own words"),
    "verify: a blob that is not a manifest, by digest": NOT_A_MANIFEST,
    "inspect: no reference (inspect)": INSPECT_LAYOUT,
}


# --- running -------------------------------------------------------------------------------------
def norm(text, here):
    return text.replace(here, "<dir>").replace("notation", "notary")


def execute(tool, who, label, args, layouts):
    """Runs `tool args` in a directory of its own with fresh copies of `layouts` (a dict: name
    in the directory -> base layout, or None for an empty directory, or 'file' for a file)."""
    here = f"{W}/cases/{re.sub(r'[^A-Za-z0-9]+', '-', label)[:80]}-{who}"
    shutil.rmtree(here, ignore_errors=True)
    os.makedirs(here)
    for name, base in layouts.items():
        dst = f"{here}/{name}"
        if base is None:
            os.makedirs(dst)
        elif base == "file":
            shutil.copy(f"{BASES}/a.txt", dst)
        else:
            shutil.copytree(f"{BASES}/{base}", dst)
    args = [a.replace("{dir}", here).replace("{bases}", BASES) for a in args]
    try:
        r = subprocess.run([tool, *args], env=ENV, cwd=here, capture_output=True, text=True, timeout=120)
        rc, out, err = r.returncode, r.stdout, r.stderr
    except subprocess.TimeoutExpired:
        rc, out, err = -1, "", "Error: timed out"
    err_lines = [l for l in err.splitlines() if not l.startswith("Warning: This feature is experimental")]
    error = ""
    for i, l in enumerate(err_lines):
        if l.lower().startswith("error: ") or l.startswith("error:"):
            error = "\n".join(err_lines[i:]).strip()
            break
    tail = (out + "\n".join(err_lines)).strip().splitlines() or [""]
    return {"rc": rc, "out": norm(out, here), "error": norm(error, here),
            "warnings": sorted(norm(l, here) for l in err_lines if l.startswith("Warning: ")),
            "dir": here, "tail": norm(tail[-1], here)[:300]}


def b64u(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def epoch(v):
    if isinstance(v, datetime.datetime):
        return int(v.timestamp())
    if isinstance(v, (int, float)):
        return int(v)
    if isinstance(v, str):
        return int(datetime.datetime.fromisoformat(v.replace("Z", "+00:00")).timestamp())
    return None


def signatures(lay):
    """What a sign left in layout `lay`: one summary per signature manifest, and the index.json
    entries of those manifests."""
    index = read_json(f"{lay}/index.json")

    def blob(d):
        with open(f"{lay}/blobs/{d.replace(':', '/')}", "rb") as f:
            return f.read()

    out, entries = [], []
    for e in index["manifests"]:
        m = json.loads(blob(e["digest"]))
        if "subject" not in m:
            continue
        entries.append({k: v for k, v in e.items() if k not in ("digest", "size")})
        ann = m.get("annotations") or {}
        created = ann.get("org.opencontainers.image.created", "")
        s = {"mediaType": m.get("mediaType"), "artifactType": m.get("artifactType"),
             "config": (m.get("config") or {}).get("mediaType"), "annotations": sorted(ann),
             "thumbprint": ann.get("io.cncf.notary.x509chain.thumbprint#S256"),
             "created is RFC 3339 in whole seconds": bool(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", created)),
             "subject": m.get("subject"), "layers": [l.get("mediaType") for l in m.get("layers", [])]}
        layer = m["layers"][0]
        env = blob(layer["digest"])
        if layer["mediaType"] == "application/jose+json":
            j = json.loads(env)
            prot = json.loads(b64u(j["protected"]))
            payload = json.loads(b64u(j["payload"]))
            unprot = sorted(j.get("header", {}))
            get = prot.get
            scheme, signing, expiry = (get("io.cncf.notary.signingScheme"), get("io.cncf.notary.signingTime"),
                                       get("io.cncf.notary.expiry"))
            s.update(alg=get("alg"), cty=get("cty"), crit=get("crit"))
        else:
            t = cbor2.loads(env)
            prot = cbor2.loads(t.value[0])
            payload = json.loads(t.value[2])
            unprot = sorted(str(k) for k in t.value[1])
            scheme, signing, expiry = (prot.get("io.cncf.notary.signingScheme"), prot.get("io.cncf.notary.signingTime"),
                                       prot.get("io.cncf.notary.expiry"))
            s.update(alg=prot.get(1), cty=prot.get(3), crit=prot.get(2))
        s.update({"protected": sorted(str(k) for k in prot), "unprotected": unprot, "scheme": scheme,
                  "expiry - signing time": (epoch(expiry) - epoch(signing)) if expiry is not None else None,
                  "payload": payload})
        out.append(s)
    return out, entries


report = Report("notation")
seen = set()


def differs_on_purpose(label, rule):
    report.stricter += 1
    print(f"differs on purpose {label}: {rule}")


def case(label, args, layouts=None, kind=None, words=True):
    """Runs `args` through both tools and compares. `kind` is the command (args[0] by default)."""
    layouts = {"lay": "signed"} if layouts is None else layouts
    kind = kind or args[0]
    assert f"{kind}: {label}" not in seen, label
    seen.add(f"{kind}: {label}")
    g = execute(NOTATION, "g", label, args, layouts)
    n = execute(NOTARY, "n", label, args, layouts)
    g_ok, n_ok = g["rc"] == 0, n["rc"] == 0
    name = f"{kind}: {label}"
    if name in STRICTER or name in LENIENT or g_ok != n_ok:
        report.record(name, (g_ok, g["error"] or g["tail"]), (n_ok, n["error"] or n["tail"]),
                      stricter=STRICTER.get(name), lenient=LENIENT.get(name))
        return g, n
    # Same outcome: the details must agree too.
    diffs = []
    if not g_ok and words:
        theirs = g["error"].split(". Expecting")[0]
        if not n["error"].startswith(theirs):
            diffs.append(f"error\n  notation: {g['error']}\n  notary:   {n['error']}")
    if g["warnings"] != n["warnings"] and words:
        diffs.append(f"warnings\n  notation: {g['warnings']}\n  notary:   {n['warnings']}")
    if g_ok and kind == "sign":
        lay = "lay" if "lay" in layouts else next(k for k, v in layouts.items() if v not in (None, "file"))
        gs, ns = signatures(f"{g['dir']}/{lay}")[0], signatures(f"{n['dir']}/{lay}")[0]
        if gs != ns:
            keys = sorted({k for s in gs + ns for k in s})
            for k in keys:
                gv, nv = [s.get(k) for s in gs], [s.get(k) for s in ns]
                if gv != nv:
                    diffs.append(f"signature {k}\n  notation: {gv}\n  notary:   {nv}")
        first = lambda r: r["out"].splitlines()[:1]
        if first(g) != first(n):
            diffs.append(f"stdout\n  notation: {first(g)}\n  notary:   {first(n)}")
    if g_ok and kind == "list":
        digests = lambda r: sorted(set(re.findall(r"sha256:[0-9a-f]{64}", r["out"])))
        if digests(g) != digests(n):
            diffs.append(f"listed\n  notation: {digests(g)}\n  notary:   {digests(n)}")
    rule = WORDED.get(name)
    if diffs and rule:
        differs_on_purpose(name, rule)
    elif diffs:
        report.mismatch(name, "both " + ("accepted" if g_ok else "refused") + ", but\n" + "\n".join(diffs))
    elif rule:
        report.mismatch(name, f"listed as worded differently ({rule}) but agrees")
    else:
        report.record(name, (g_ok, ""), (n_ok, ""))
    return g, n


LAY = f"lay@{SUBJECT}"
UNSIGNED = {"lay": "unsigned"}


def sign(label, *flags, ref=LAY, layouts=None):
    return case(label, ["sign", "--oci-layout", *flags, ref], layouts or UNSIGNED)


def verify(label, *flags, ref=LAY, layouts=None, scope=True):
    return case(label, ["verify", "--oci-layout", *(["--scope", "local/flags"] if scope else []), *flags, ref],
                layouts)


def listing(label, *flags, ref=LAY, layouts=None):
    return case(label, ["list", "--oci-layout", *flags, ref], layouts)


# --- --expiry ------------------------------------------------------------------------------------
for e in ["1h", "1h30m", "1.5h", "90s", "1d", "1w", "0", "0s", "-0", "+0", "-1h", "+1h", "1H", "1S", " 1h", "1h ",
          "", "100000h", "2562047h", "2562048h", "2562047h47m16s", "2562047h47m17s", "9223372036854775807ns",
          "9223372036854775808ns", "-9223372036854775808ns", "-2562047h47m16.854775808s", "99999999999999999999h",
          "1e3s", ".5h", "5.h", ".", "1us", "1µs", "1μs", "1ns", "1000ms", "1500ms", "1000000us", "1h-1m", "1h1h",
          "1h+1m", "1m30", "h", "-", "+", "1_000s", "0x10s", "1hh", "1.0000000001s", "0.0000000001s",
          "1h0.5s", "1..5h", "01h", "١h", "0.500000000000000h", "0.1000000000000000000h", "1.9999999999999999999s",
          "0.3333333333333333333h", "1\"h", "1h\\"]:
    sign(f"-e {e!r}", "-e", e)
sign("--expiry=1h", "--expiry=1h")
sign("--expiry given twice", "--expiry", "1h", "--expiry", "2h")
sign("-e1h (attached)", "-e1h")
sign("-e=1h", "-e=1h")

# --- --user-metadata at signing ------------------------------------------------------------------
for label, flags in [
        ("-m k=v", ["-m", "k=v"]), ("-m k==v", ["-m", "k==v"]), ("-m k=v=w", ["-m", "k=v=w"]), ("-m =v", ["-m", "=v"]),
        ("-m k=", ["-m", "k="]), ("-m k", ["-m", "k"]), ("-m ''", ["-m", ""]), ("-m =", ["-m", "="]),
        ("-m k=1 -m k=1", ["-m", "k=1", "-m", "k=1"]), ("-m k=1 -m k=2", ["-m", "k=1", "-m", "k=2"]),
        ("-m K=1 -m k=2", ["-m", "K=1", "-m", "k=2"]),
        ("-m io.cncf.notary.x=1", ["-m", "io.cncf.notary.x=1"]), ("-m io.cncf.notary=1", ["-m", "io.cncf.notary=1"]),
        ("-m io.cncf.notaryx=1", ["-m", "io.cncf.notaryx=1"]), ("-m IO.CNCF.NOTARY.x=1", ["-m", "IO.CNCF.NOTARY.x=1"]),
        ("-m io.cncf.notary.signingTime=1", ["-m", "io.cncf.notary.signingTime=1"]),
        ("-m io.cncf.notary.expiry=1", ["-m", "io.cncf.notary.expiry=1"]),
        ("-m io.cncf=1", ["-m", "io.cncf=1"]),
        ("-m org.opencontainers.image.ref.name=x", ["-m", "org.opencontainers.image.ref.name=x"]),
        ("-m unicode", ["-m", "ключ=значение ✓"]), ("-m 'k =v'", ["-m", "k =v"]), ("-m 'k= v'", ["-m", "k= v"]),
        ("-m ' k = v '", ["-m", " k = v "]), ("-m a=1,b=2", ["-m", "a=1,b=2"]), ("-m a=1,b", ["-m", "a=1,b"]),
        ("-m k=tab\\tnewline\\n", ["-m", "k=a\tb\nc"]), ("-m a very long value", ["-m", "k=" + "v" * 5000]),
        ("--user-metadata=a=1", ["--user-metadata=a=1"]), ("-ma=1", ["-ma=1"]), ("-m=a=1", ["-m=a=1"]),
        ("-m -x=1", ["-m", "-x=1"]),
        ("20 keys", [x for i in range(20) for x in ("-m", f"k{i}=v{i}")]),
        ("-m k=1 -m io.cncf.notary.x=1", ["-m", "k=1", "-m", "io.cncf.notary.x=1"]),
        ("-m k=1 -m k=2 -m io.cncf.notary.x=1", ["-m", "k=1", "-m", "k=2", "-m", "io.cncf.notary.x=1"])]:
    sign(label, *flags)
sign("-m with COSE", "-m", "a=1", "-m", "b=2", "--signature-format", "cose")
sign("-m and -e with COSE", "-m", "a=1", "-e", "2h", "--signature-format", "cose")

# --- --user-metadata at verification (a signature carrying a=1 and b=2) ---------------------------
META = {"lay": "meta"}
for label, flags in [
        ("no -m", []), ("-m a=1", ["-m", "a=1"]), ("-m a=2", ["-m", "a=2"]), ("-m c=3", ["-m", "c=3"]),
        ("-m a=1 -m b=2", ["-m", "a=1", "-m", "b=2"]), ("-m a=1 -m c=3", ["-m", "a=1", "-m", "c=3"]),
        ("-m a=1 -m a=1", ["-m", "a=1", "-m", "a=1"]), ("-m a", ["-m", "a"]), ("-m =1", ["-m", "=1"]),
        ("-m a=", ["-m", "a="]), ("-m A=1", ["-m", "A=1"]), ("-m 'a=1 '", ["-m", "a=1 "]),
        ("-m a=1,b=2", ["-m", "a=1,b=2"]), ("-m io.cncf.notary.x=1", ["-m", "io.cncf.notary.x=1"])]:
    verify(label, *flags, layouts=META)
verify("-m a=1 on an unsigned artifact", "-m", "a=1", layouts=UNSIGNED)

# --- --signature-format --------------------------------------------------------------------------
for fmt in ["jws", "cose", "JWS", "Cose", "", "x", " jws", "jws "]:
    sign(f"--signature-format {fmt!r}", "--signature-format", fmt)
sign("--signature-format given twice", "--signature-format", "jws", "--signature-format", "cose")

# --- signers -------------------------------------------------------------------------------------
for label, flags in [
        ("default key", []), ("--key good", ["--key", "good"]), ("-k good", ["-k", "good"]), ("--key ''", ["--key", ""]),
        ("--key nope", ["--key", "nope"]), ("--key GOOD", ["--key", "GOOD"]), ("-k good -k nope", ["-k", "good", "-k", "nope"]),
        ("-k nope -k good", ["-k", "nope", "-k", "good"]),
        ("--id x", ["--id", "x"]), ("--plugin x", ["--plugin", "x"]), ("--plugin x --id y", ["--plugin", "x", "--id", "y"]),
        ("--key good --id y", ["--key", "good", "--id", "y"]), ("--key good --plugin x", ["--key", "good", "--plugin", "x"]),
        ("--key good --plugin x --id y", ["--key", "good", "--plugin", "x", "--id", "y"]),
        ("--plugin-config k=v", ["--plugin-config", "k=v"]), ("--plugin-config k", ["--plugin-config", "k"]),
        ("--plugin-config =v", ["--plugin-config", "=v"]), ("--plugin-config k=", ["--plugin-config", "k="]),
        ("--plugin-config a=1,b=2", ["--plugin-config", "a=1,b=2"]),
        ("--plugin-config k=1 --plugin-config k=2", ["--plugin-config", "k=1", "--plugin-config", "k=2"]),
        ("--plugin-config k --key nope", ["--plugin-config", "k", "--key", "nope"])]:
    sign(label, *flags)


def without_default_key(label, *flags):
    """Signs with a configuration whose signingkeys.json names no default key."""
    path = f"{CFG}/signingkeys.json"
    keys = read_json(path)
    try:
        with open(path, "w") as f:
            json.dump(dict(keys, default=""), f)
        sign(label, *flags)
    finally:
        with open(path, "w") as f:
            json.dump(keys, f)


without_default_key("no default key")
without_default_key("no default key, --key good", "--key", "good")

# --- timestamping flags --------------------------------------------------------------------------
ROOT = "{bases}/tsaroot.crt"
sign("--timestamp-url alone", "--timestamp-url", "http://127.0.0.1:1")
sign("--timestamp-root-cert alone", "--timestamp-root-cert", ROOT)
sign("--timestamp-url '' with a root", "--timestamp-url", "", "--timestamp-root-cert", ROOT)
sign("--timestamp-root-cert '' with a URL", "--timestamp-url", "http://127.0.0.1:1", "--timestamp-root-cert", "")
sign("--timestamp-root-cert naming no file", "--timestamp-url", "http://127.0.0.1:1", "--timestamp-root-cert", "nofile")
sign("--timestamp-root-cert naming a directory", "--timestamp-url", "http://127.0.0.1:1", "--timestamp-root-cert", "{bases}")
sign("--timestamp-root-cert naming a leaf", "--timestamp-url", "http://127.0.0.1:1", "--timestamp-root-cert",
     "{bases}/leaf.crt")
sign("--timestamp-root-cert naming a leaf, bad URL", "--timestamp-url", "ftp://127.0.0.1:1", "--timestamp-root-cert",
     "{bases}/leaf.crt")
for label, url in [("http://127.0.0.1:1", "http://127.0.0.1:1"), ("https://127.0.0.1:1", "https://127.0.0.1:1"),
                   ("HTTP://127.0.0.1:1", "HTTP://127.0.0.1:1"),
                   ("with a query and a fragment", "http://127.0.0.1:1/tsa?x=1#f"),
                   ("no scheme", "127.0.0.1:1"), ("ftp://", "ftp://127.0.0.1:1"), ("a space in the host", "http://a b"),
                   ("://x", "://x"), ("http://", "http://"), ("http:///x", "http:///x"), ("a path", "/path"),
                   ("http://[::1", "http://[::1"), ("http://%zz", "http://%zz"), ("'x y'", "x y"),
                   ("http:x", "http:x"), ("a port that is not a number", "http://127.0.0.1:x/"),
                   ("a control character", "http://127.0.0.1:1/\x7f"), ("a bad escape in the path", "http://h/%g0"),
                   ("a bad escape in the fragment", "http://h/#%g0"), ("user info", "http://u:p@127.0.0.1:1/"),
                   ("1http://x", "1http://x"), ("h_t://x", "h_t://x")]:
    sign(f"--timestamp-url {label}", "--timestamp-url", url, "--timestamp-root-cert", ROOT)

# --- flag groups and the order of errors --------------------------------------------------------
for label, flags, ref in [
        ("--timestamp-url x --key nope", ["--timestamp-url", "x", "--key", "nope"], LAY),
        ("--timestamp-url x --plugin p", ["--timestamp-url", "x", "--plugin", "p"], LAY),
        ("--timestamp-url x with --key, --id and --plugin", ["--timestamp-url", "x", "--key", "k", "--id", "i", "--plugin", "p"], LAY),
        ("--key, --id, --plugin and --force-referrers-tag", ["--key", "k", "--id", "i", "--plugin", "p", "--force-referrers-tag"], LAY),
        ("-e 1x --key nope", ["-e", "1x", "--key", "nope"], LAY),
        ("-e 1x --plugin p", ["-e", "1x", "--plugin", "p"], LAY),
        ("--signature-format x --key nope", ["--signature-format", "x", "--key", "nope"], LAY),
        ("--signature-format x -m k", ["--signature-format", "x", "-m", "k"], LAY),
        ("--signature-format x, no such directory", ["--signature-format", "x"], "nodir:v1"),
        ("--signature-format x, a tag that names nothing", ["--signature-format", "x"], "lay:nope"),
        ("-m k with a bad --timestamp-url", ["-m", "k", "--timestamp-url", "ftp://x", "--timestamp-root-cert", ROOT], LAY),
        ("-e -1h, no such directory", ["-e", "-1h"], "nodir:v1"),
        ("-e -1h, a tag that names nothing", ["-e", "-1h"], "lay:nope"),
        ("-e 1ms, a tag that names nothing", ["-e", "1ms"], "lay:nope"),
        ("-e -1h --signature-format x", ["-e", "-1h", "--signature-format", "x"], LAY),
        ("-e -1h -m io.cncf.notary.x=1", ["-e", "-1h", "-m", "io.cncf.notary.x=1"], LAY),
        ("-m io.cncf.notary.x=1, a tag that names nothing", ["-m", "io.cncf.notary.x=1"], "lay:nope"),
        ("a bad --timestamp-url, a tag that names nothing", ["--timestamp-url", "ftp://x", "--timestamp-root-cert", ROOT], "lay:nope"),
        ("a bad --timestamp-url, no such directory", ["--timestamp-url", "ftp://x", "--timestamp-root-cert", ROOT], "nodir:v1"),
        ("--plugin-config k, a tag that names nothing", ["--plugin-config", "k"], "lay:nope"),
        ("--plugin-config k, no such directory", ["--plugin-config", "k"], "nodir:v1"),
        ("--key nope, no such directory", ["--key", "nope"], "nodir:v1")]:
    sign(label, *flags, ref=ref)

# --- referrers flags with --oci-layout ----------------------------------------------------------
for label, flags in [("--force-referrers-tag", ["--force-referrers-tag"]),
                     ("--force-referrers-tag=false", ["--force-referrers-tag=false"]),
                     ("--force-referrers-tag=true", ["--force-referrers-tag=true"]),
                     ("--allow-referrers-api", ["--allow-referrers-api"]),
                     ("--allow-referrers-api=false", ["--allow-referrers-api=false"]),
                     ("--force-referrers-tag --allow-referrers-api", ["--force-referrers-tag", "--allow-referrers-api"]),
                     ("--force-referrers-tag=maybe", ["--force-referrers-tag=maybe"])]:
    sign(label, *flags)
case("--force-referrers-tag --allow-referrers-api, registry",
     ["sign", "--insecure-registry", "--force-referrers-tag", "--allow-referrers-api", "127.0.0.1:1/app:v1"], {})
case("--force-referrers-tag=false --allow-referrers-api, registry",
     ["sign", "--insecure-registry", "--force-referrers-tag=false", "--allow-referrers-api", "127.0.0.1:1/app:v1"], {})
listing("--allow-referrers-api", "--allow-referrers-api")
verify("--allow-referrers-api", "--allow-referrers-api")
verify("--allow-referrers-api=false", "--allow-referrers-api=false")

# --- --max-signatures ----------------------------------------------------------------------------
for m in ["0", "-1", "1", "abc", "99999999999999999999", "9223372036854775807", "0x10", "1_0", "", " 1", "+3",
          "010", "1.5", "1e2"]:
    listing(f"--max-signatures {m!r}", "--max-signatures", m)
for m in ["0", "-1", "abc", "9223372036854775807"]:
    verify(f"--max-signatures {m!r}", "--max-signatures", m)

# --- output, logging, unknown and repeated flags -------------------------------------------------
verify("-o json", "-o", "json")
verify("-o text", "-o", "text")
verify("-o yaml", "-o", "yaml")
verify("-o ''", "-o", "")
listing("-o json", "-o", "json")
verify("-v -d", "-v", "-d")
verify("-d", "-d")
listing("-v -d", "-v", "-d")
sign("-v -d", "-v", "-d")
sign("-v", "-v")
listing("-m a=1 (list has no -m)", "-m", "a=1")
verify("-e 1h (verify has no -e)", "-e", "1h")
verify("--plugin-config k", "--plugin-config", "k")
verify("--plugin-config k=v", "--plugin-config", "k=v")
verify("-m ''", "-m", "")
listing("--insecure-registry", "--insecure-registry")
listing("-u and -p", "-u", "x", "-p", "y")
sign("-v, by tag", "-v", ref="lay:v1")
sign("--signature-format=cose --signature-format=jws", "--signature-format=cose", "--signature-format=jws")
for m in ["0", "abc"]:
    case(f"--max-signatures {m!r}, registry", ["inspect", "--insecure-registry", "--max-signatures", m,
                                               "127.0.0.1:1/app:v1"], {})
case("-o x, registry", ["inspect", "--insecure-registry", "-o", "x", "127.0.0.1:1/app:v1"], {})
case("-o json, registry", ["inspect", "--insecure-registry", "-o", "json", "127.0.0.1:1/app:v1"], {})
listing("--bogus", "--bogus")
listing("-x", "-x")
sign("--bogus=1", "--bogus=1")
verify("--scope twice", "--scope", "local/other", scope=True)
verify("no --scope", scope=False)
verify("--scope ''", "--scope", "", scope=False)
verify("--scope with a tag", "--scope", "local/x:v1", scope=False)
listing("--oci-layout twice", "--oci-layout")
listing("--oci-layout=false", "--oci-layout=false")
case("an extra argument", ["list", "--oci-layout", LAY, "extra"], None)
for k in ("sign", "verify", "list", "inspect"):
    case(f"no reference ({k})", [k, "--oci-layout", *(["--scope", "x/y"] if k == "verify" else [])], {}, kind=k)
    case(f"no reference, registry ({k})", [k], {}, kind=k)

# --- layout references ---------------------------------------------------------------------------
DIG_UPPER = "sha256:" + SUBJECT.split(":")[1].upper()
REFS = [
    ("by tag", "lay:v1", None), ("by digest", LAY, None), ("by tag and digest", f"lay:v1@{SUBJECT}", None),
    ("sha512 digest", "lay@sha512:" + "0" * 128, None), ("sha256:ABC", "lay@sha256:ABC", None),
    ("digest in upper case", f"lay@{DIG_UPPER}", None), ("sha256:abc", "lay@sha256:abc", None),
    ("digest of another algorithm", "lay@md5:" + "0" * 32, None), ("digest naming nothing", f"lay@{ZERO}", None),
    ("a tag that names nothing", "lay:nope", None), ("a tag in upper case", "lay:V1", None),
    ("path with a trailing slash", "lay/:v1", None), ("./path", "./lay:v1", None), ("absolute path", "{dir}/lay:v1", None),
    ("path with ..", "sub/../lay:v1", {"lay": "signed", "sub": None}),
    ("directory name with ':'", "d:x:v1", {"d:x": "signed"}), ("directory name with '@'", f"d@x@{SUBJECT}", {"d@x": "signed"}),
    ("directory name with '@', by tag", "d@x:v1", {"d@x": "signed"}),
    ("a file", "a.txt:v1", {"a.txt": "file"}), ("no such directory", "nodir:v1", {}),
    ("an empty directory", "empty:v1", {"empty": None}), ("empty reference", "", {}), (":v1", ":v1", {}),
    ("no tag or digest", "lay", None), ("empty tag", "lay:", None), ("empty digest", "lay@", None),
    ("'@' only", f"@{SUBJECT}", {}), ("tag:extra", "lay:v1:x", None),
    ("a blob that is not a manifest, by digest", f"lay@{CONFIG_DIGEST}", None),
]
for label, ref, lays in REFS:
    listing(label, ref=ref, layouts=lays)
    verify(label, ref=ref, layouts=lays)
    sign(label, ref=ref, layouts={k: ("unsigned" if v == "signed" else v) for k, v in (lays or {"lay": "signed"}).items()})
case("--oci-layout by digest", ["inspect", "--oci-layout", LAY], None, kind="inspect")
case("--oci-layout -o json", ["inspect", "--oci-layout", "-o", "json", LAY], None, kind="inspect")
listing("unsigned, by digest", layouts=UNSIGNED)
verify("unsigned, by digest", layouts=UNSIGNED)

# --- registry references (parsed, never reached: port 1 is closed) -------------------------------
H = "127.0.0.1:1"
REGISTRY_REFS = [
    ("uppercase repository", f"{H}/App:v1"), ("localhost/app:v1", "localhost:1/app:v1"),
    ("by digest", f"{H}/app@{SUBJECT}"), ("IPv6", "[::1]:1/app:v1"), ("missing repository", H),
    ("empty repository", f"{H}/"), ("tag with '!'", f"{H}/app:v!1"), ("tag of 129 characters", f"{H}/app:" + "a" * 129),
    ("tag of 128 characters", f"{H}/app:" + "a" * 128), ("a digest alone", SUBJECT), ("no tag or digest", f"{H}/app"),
    ("no registry", "app:v1"), ("short digest", f"{H}/app@sha256:abc"), ("digest in upper case", f"{H}/app@{DIG_UPPER}"),
    ("tag and digest", f"{H}/app:v1@{SUBJECT}"), ("repository with '__'", f"{H}/a__b:v1"),
    ("repository ending in '-'", f"{H}/app-:v1"), ("repository with '//'", f"{H}/a//b:v1"),
    ("https:// prefix", f"https://{H}/app:v1"), ("empty", ""), ("tag starting with '.'", f"{H}/app:.v1"),
    ("unknown digest algorithm", f"{H}/app@md5:" + "0" * 32),
]
for label, ref in REGISTRY_REFS:
    for k in ("list", "verify", "inspect", "sign"):
        case(f"registry, {label}", [k, "--insecure-registry", ref], {}, kind=k)

# The layout's index.json after a sign: the signature manifest's entry.
g = execute(NOTATION, "g", "index entry", ["sign", "--oci-layout", LAY], UNSIGNED)
n = execute(NOTARY, "n", "index entry", ["sign", "--oci-layout", LAY], UNSIGNED)
ge, ne = signatures(f"{g['dir']}/lay")[1], signatures(f"{n['dir']}/lay")[1]
name = "sign: index.json entry of the signature"
if ge != ne:
    differs_on_purpose(name, WORDED[name]) if name in WORDED else report.mismatch(
        name, f"notation {ge}\n  notary {ne}")
elif name in WORDED:
    report.mismatch(name, f"listed as differing ({WORDED[name]}) but agrees")
else:
    report.record(name, (True, ""), (True, ""))

listed = set(STRICTER) | set(LENIENT) | set(WORDED)
ran = seen | {name}
for stale in sorted(listed - ran):
    report.mismatch(stale, "listed as a deliberate difference, but no case has this name")
print(f"ran in {time.time() - START:.0f} s")
report.finish("cases", 60)
