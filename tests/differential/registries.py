#!/usr/bin/env python3
"""Differential run: registry states under `notation list/verify/inspect/sign` and `notary
list/verify/inspect/sign`, on real registries.

    registries.py NOTARY NOTATION DOCKER_REGISTRY OLAREG DISTRIBUTION_V3 WORKDIR

Group 1 builds referrers tag schema states on Distribution 2.8 (`docker-registry`, no referrers
API) and again on CNCF Distribution v3 by raw pushes: the tag index absent, empty or with null manifests, SBOM entries, entries
whose signature was deleted, the tag on an image manifest or a signature manifest, a Docker
manifest list as index, invalid JSON, entries with a sha512 or malformed digest, a wrong size,
other media or artifact types, duplicates. Group 2 lists odd signature manifests (layers,
envelope types, subjects, forms, annotations), alone or before a good signature. For each, both
tools list, verify and inspect the subject (outcomes and the signature digests shown must
agree) and, for group 1, sign it: outcomes must agree and the tag index afterwards must keep
every previous referrer and add one. Group 3 runs on olareg (referrers API): order of
signatures, `--max-signatures` with untrusted signatures listed before a trusted one, SBOMs,
and, through a fault-injecting proxy, paginated answers (relative `Link` headers), API errors.
Group 4 tries reference forms (~20 malformed ones too, whose refusal must be worded as notation
words it) and an image index as subject, group 5 repeated signing by both
tools, group 6 changes between two verifications with notary's signature cache on (the
listing's changes must be seen). Where notary differs on purpose (README: Deliberate differences from notation) the case is
named with its rule. Exits 1 on any mismatch.
"""
import json
import os
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from common import Report, environment, run

NOTARY, NOTATION, DOCKER_REGISTRY, OLAREG, DIST3, W = sys.argv[1:7]
import registry_lib as R  # noqa: E402
from registry_lib import (COSE, DOCKER_LIST, DOCKER_MANIFEST, EMPTY_TYPE, OCI_INDEX,  # noqa: E402
                          OCI_MANIFEST, SBOM, SIG_TYPE, Proxy, Registry, entry, jdump, sha256)

START = time.time()
ENV = environment(W)
ENV.update(NOTARY_SIGNATURE_CACHE="off", NO_COLOR="1")
for k in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
    ENV.pop(k, None)
CFG = f"{W}/xdg/notation"
os.chdir(W)
R.BINARIES.update(d2=DOCKER_REGISTRY, d3=DIST3, ola=OLAREG)
R.WORK = W
TOOLS = {"notary": NOTARY, "notation": NOTATION}

run(ENV, NOTARY, "cert", "generate-test", "regdiff", "--default")
run(ENV, NOTARY, "cert", "generate-test", "other")
with open(f"{CFG}/trustpolicy.json", "w") as f:
    json.dump({"version": "1.0", "trustPolicies": [{
        "name": "all", "registryScopes": ["*"], "signatureVerification": {"level": "strict"},
        "trustStores": ["ca:regdiff"], "trustedIdentities": ["*"]}]}, f)


def tool_run(tool, args, env=None):
    p = subprocess.run([TOOLS[tool], *args], capture_output=True, text=True, env=env or ENV, timeout=120)
    lines = [l for l in (p.stdout + p.stderr).splitlines() if not l.startswith("Warning: This feature")]
    return {"rc": p.returncode, "out": p.stdout, "msg": (lines or [""])[-1][:240]}


def signer(tool, fmt, extra_args, ref):
    res = tool_run(tool, ["sign", "--insecure-registry", "--signature-format", fmt, *extra_args, ref])
    assert res["rc"] == 0, res


R.SIGNER = signer
DIGEST = re.compile(r"sha256:[0-9a-f]{64}")


def listed(out, subject):
    return tuple(sorted(set(DIGEST.findall(out)) - {subject}))


def inspected(out):
    """The signature digests `inspect -o json` shows (notation may print a warning before it)."""
    try:
        j = json.JSONDecoder().raw_decode(out[out.index("{"):])[0]
    except ValueError:
        return None
    return tuple(sorted(s.get("digest") for s in (j.get("signatures") or j.get("Signatures") or [])))


def observe(cmd, res, subject, ordered=False):
    """What is compared of a command's result: accepted, and the signatures it shows."""
    if cmd == "list":
        ds = DIGEST.findall(res["out"])
        shown = tuple(d for d in ds if d != subject) if ordered else listed(res["out"], subject)
        return res["rc"] == 0, shown
    if cmd == "inspect":
        return res["rc"] == 0, inspected(res["out"])
    return res["rc"] == 0, None


# ---- the report -------------------------------------------------------------------------------
report = Report("notation")


def compare(label, theirs, ours, rule=None):
    """`theirs`/`ours`: ((accepted, shown), message). `rule`: (kind, text) for a deliberate
    difference; kind 'lenient' (notary accepts, notation refuses), 'stricter' (the reverse) or
    'shows' (same outcome, other signatures shown or another index written)."""
    (g, gm), (n, nm) = theirs, ours
    said = (f"notation {'accepted' if g[0] else 'refused'} {g[1] if g[1] is not None else ''}, "
            f"notary {'accepted' if n[0] else 'refused'} {n[1] if n[1] is not None else ''}")
    if rule is None:
        if g == n:
            report.agree += 1
            report.accepted += g[0]
            print(f"agree  {'accepted' if g[0] else 'refused '}  {label}")
        else:
            report.mismatch(label, f"{said}\n  notation: {gm}\n  notary: {nm}")
        return
    kind, text = rule
    held = {"lenient": n[0] and not g[0], "stricter": g[0] and not n[0],
            "shows": g[0] == n[0] and g[1] != n[1]}[kind]
    if held:
        report.stricter += 1
        print(f"differs on purpose {label}: {text}")
    else:
        report.mismatch(label, f"{said} (listed as a deliberate difference, {kind}: {text})"
                               f"\n  notation: {gm}\n  notary: {nm}")


# Deliberate differences (README: Deliberate differences from notation).
NEXT_SIG = ("a signature whose manifest or envelope cannot be fetched or is malformed is recorded as failed "
            "and the next signature is tried; notation fails the whole verification at the first one")
SKIP_ENTRY = ("an entry of a referrers tag index that is not a readable descriptor is left out of list, "
              "inspect and verify; notation fails the listing at it")
SKIP_API_ENTRY = ("an entry of a referrers API page that is not a readable descriptor is left out of list, "
                  "inspect and verify; notation lists it (and fails a verification that reaches it)")
NO_RESOLVE = ("a digest reference is not resolved: the subject descriptor is taken from each signature "
              "manifest, so a signature manifest whose subject is wrong or missing fails")
FALLBACK = ("a registry whose referrers API answers 400, 405 or 501 is read through the referrers tag "
            "schema; notation fails the listing")
CROSS_ORIGIN = ("a referrers page Link to another origin is refused (credentials never go elsewhere); "
                "notation follows it")
GONE_SUBJECT = ("a digest reference is not resolved, so the signature of an artifact deleted from the "
                "registry still verifies while the tag index lists it; notation fails to resolve the artifact")
CACHED = ("a signature manifest or envelope already in the signature cache is not fetched again: one deleted "
          "from the registry while a listing still names it still verifies; notation, which fetches it, fails")
OLD_INDEX = ("the previous referrers tag index is left for the registry's garbage collection, not deleted "
             "(oras-go deletes it)")
RULES = {}


def rule(kind, text, *labels):
    for label in labels:
        RULES[label] = (kind, text)


rule("lenient", NEXT_SIG, *[f"verify: {c}" for c in (
    "deleted signature listed first", "sha512 entry, then good", "entry size wrong, then good",
    "entry mediaType Docker manifest, then good", "signature manifest: two layers, then good",
    "signature manifest: no layers, then good", "signature manifest: envelope blob missing, then good")])
rule("lenient", SKIP_ENTRY, *[f"{cmd}: {c}" for cmd in ("verify", "inspect")
                              for c in ("upper-case hex entry, then good", "malformed digest entry, then good")])
rule("shows", SKIP_API_ENTRY, "list: referrers answer with an unreadable signature entry last")
rule("stricter", NO_RESOLVE, *[f"verify: signature manifest: {c}" for c in (
    "subject size wrong", "subject mediaType Docker", "subject missing")],
     "verify: signature manifest subject size wrong, by digest")
rule("stricter", CROSS_ORIGIN, *[f"{cmd}: 7 signatures in two pages, Link another origin's URL"
                                 for cmd in ("list", "verify")])
rule("lenient", GONE_SUBJECT, "verify: subject deleted, its signature still listed")
rule("lenient", FALLBACK, *[f"list: referrers API {code}" for code in (400, 405, 501)])


# ---- groups 1 and 2: tag schema states on Distribution 2.8 ---------------------------------------------
CASES = []


def case(group, name, cmds=("list", "verify", "inspect", "sign")):
    def deco(f):
        CASES.append((group, name, cmds, f))
        return f
    return deco


class Seeded:
    """The registry, with subjects derived from the case name: the read-only state and the two
    signing states of a case have the same subjects, and so share the signatures made for them."""

    def __init__(self, r, seed):
        self.r, self.seed = r, seed

    def __getattr__(self, name):
        return getattr(self.r, name)

    def subject(self, repo, tag="v1"):
        return self.r.subject(repo, tag, seed=self.seed)


def sbom(r, repo, s, at=SBOM):
    """An SBOM referrer (an artifact manifest like `oras attach` pushes), pushed by digest."""
    blob = r.put_blob(repo, b'{"spdx":"x"}', SBOM)
    cfg = r.put_blob(repo, b"{}", EMPTY_TYPE)
    m = {"schemaVersion": 2, "mediaType": OCI_MANIFEST, "artifactType": at, "config": cfg,
         "layers": [blob], "subject": {k: s[k] for k in ("mediaType", "digest", "size")},
         "annotations": {"org.opencontainers.image.created": "2026-01-01T00:00:00Z"}}
    raw = jdump(m)
    r.put_manifest(repo, None, raw)
    return {"mediaType": OCI_MANIFEST, "digest": sha256(raw), "size": len(raw), "manifest": m}


def with_sigs(r, repo, n=1):
    s = r.subject(repo)
    return s, [r.copy_sig(repo, r.real_sig(s, nth=i)) for i in range(n)]


def tag_of(s):
    return "sha256-" + s["digest"].split(":")[1]


def no_index(r, repo, s):
    st, h, b = r.get_manifest(repo, tag_of(s))
    if st == 200:
        r.delete_manifest(repo, sha256(b))


def forced_index(r, repo, s, doc):
    """The tag names these bytes, written into the registry's storage (the API refuses them)."""
    no_index(r, repo, s)
    r.force_tag(repo, tag_of(s), doc if isinstance(doc, bytes) else jdump(doc))


@case(1, "tag index absent")
def _(r, repo):
    return r.subject(repo)


@case(1, "tag index with no entries")
def _(r, repo):
    s = r.subject(repo)
    r.put_tag_index(repo, s["digest"], [])
    return s


@case(1, "tag index with null manifests")
def _(r, repo):
    s = r.subject(repo)
    r.put_tag_index(repo, s["digest"], None)
    return s


@case(1, "tag index with an SBOM only")
def _(r, repo):
    s = r.subject(repo)
    r.put_tag_index(repo, s["digest"], [entry(sbom(r, repo, s), SBOM)])
    return s


@case(1, "tag index with an SBOM and a signature")
def _(r, repo):
    s, (g,) = with_sigs(r, repo)
    r.put_tag_index(repo, s["digest"], [entry(sbom(r, repo, s), SBOM), entry(g)])
    return s


def deleted(position):
    def build(r, repo):
        s, sigs = with_sigs(r, repo, 2 if position != "only" else 1)
        dead = sigs[0] if position != "last" else sigs[-1]
        r.put_tag_index(repo, s["digest"], [entry(g) for g in sigs])
        assert r.delete_manifest(repo, dead["digest"])[0] == 202
        return s
    return build


case(1, "deleted signature listed first")(deleted("first"))
case(1, "deleted signature listed last")(deleted("last"))
case(1, "deleted signature listed alone")(deleted("only"))


@case(1, "subject deleted, its signature still listed")
def _(r, repo):
    s, (g,) = with_sigs(r, repo)
    r.put_tag_index(repo, s["digest"], [entry(g)])
    assert r.delete_manifest(repo, s["digest"])[0] == 202
    return s


@case(1, "tag on an image manifest")
def _(r, repo):
    s = r.subject(repo)
    r.subject(repo, tag_of(s))
    return s


@case(1, "tag on the signature manifest itself")
def _(r, repo):
    s, (g,) = with_sigs(r, repo)
    no_index(r, repo, s)
    r.put_manifest(repo, tag_of(s), g["raw"])
    return s


@case(1, "tag index without mediaType")
def _(r, repo):
    s, (g,) = with_sigs(r, repo)
    r.put_tag_index(repo, s["digest"], None, raw=jdump({"schemaVersion": 2, "manifests": [entry(g)]}))
    return s


@case(1, "tag index a Docker manifest list")
def _(r, repo):
    s, (g,) = with_sigs(r, repo)
    no_index(r, repo, s)
    r.put_tag_index(repo, s["digest"], None, ct=DOCKER_LIST,
                    raw=jdump({"schemaVersion": 2, "mediaType": DOCKER_LIST, "manifests": [entry(g)]}))
    return s


@case(1, "tag index not JSON")
def _(r, repo):
    s, _ = with_sigs(r, repo)
    forced_index(r, repo, s, b'{"schemaVersion":2,"mediaType":"' + OCI_INDEX.encode() + b'","manifests":[')
    return s


@case(1, "tag index a JSON array")
def _(r, repo):
    s, _ = with_sigs(r, repo)
    forced_index(r, repo, s, b"[1,2,3]")
    return s


@case(1, "tag index with mediaType of a manifest")
def _(r, repo):
    s, (g,) = with_sigs(r, repo)
    forced_index(r, repo, s, {"schemaVersion": 2, "mediaType": OCI_MANIFEST, "manifests": [entry(g)]})
    return s


@case(1, "tag index with unknown members")
def _(r, repo):
    s, (g,) = with_sigs(r, repo)
    forced_index(r, repo, s, {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [entry(g)],
                              "artifactType": "x/y", "zzz": [1]})
    return s


def bad_entry(change, name):
    def build(r, repo):
        s, (g,) = with_sigs(r, repo)
        e = entry(g)
        change(e, g)
        forced_index(r, repo, s, {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [e, entry(g)]})
        return s
    case(1, name)(build)


bad_entry(lambda e, g: e.__setitem__("digest", "sha256:" + e["digest"][7:].upper()), "upper-case hex entry, then good")
bad_entry(lambda e, g: e.__setitem__("digest", "sha512:" + __import__("hashlib").sha512(g["raw"]).hexdigest()),
          "sha512 entry, then good")
bad_entry(lambda e, g: e.__setitem__("digest", "sha256:" + "Z" * 64), "malformed digest entry, then good")
bad_entry(lambda e, g: e.clear() or e.update(x=1), "entry without digest, then good")


@case(1, "entry listed three times")
def _(r, repo):
    s, (g,) = with_sigs(r, repo)
    r.put_tag_index(repo, s["digest"], [entry(g)] * 3)
    return s


@case(1, "SBOM x200, then a signature")
def _(r, repo):
    s, (g,) = with_sigs(r, repo)
    b = sbom(r, repo, s)
    r.put_tag_index(repo, s["digest"], [dict(entry(b, SBOM), annotations={"n": str(i)}) for i in range(200)] + [entry(g)])
    return s


def entry_case(name, change, n=1):
    def build(r, repo):
        s, sigs = with_sigs(r, repo, n)
        es = [entry(g) for g in sigs]
        change(es[0])
        r.put_tag_index(repo, s["digest"], es)
        return s
    case(1, name)(build)


entry_case("entry artifactType an SBOM's", lambda e: e.__setitem__("artifactType", SBOM))
entry_case("entry artifactType missing", lambda e: e.pop("artifactType"))
entry_case("entry annotations odd", lambda e: e.__setitem__("annotations", {
    "io.cncf.notary.x509chain.thumbprint#S256": "not json"}))
entry_case("entry size wrong", lambda e: e.__setitem__("size", e["size"] + 7))
entry_case("entry size wrong, then good", lambda e: e.__setitem__("size", e["size"] + 7), n=2)
entry_case("entry mediaType Docker manifest", lambda e: e.__setitem__("mediaType", DOCKER_MANIFEST))
entry_case("entry mediaType Docker manifest, then good", lambda e: e.__setitem__("mediaType", DOCKER_MANIFEST), n=2)
entry_case("entry mediaType index", lambda e: e.__setitem__("mediaType", OCI_INDEX))


@case(1, "entry a signature of another subject, then good")
def _(r, repo):
    s, (g,) = with_sigs(r, repo)
    o = r.copy_sig(repo, r.real_sig(r.subject(repo, "other")))
    r.put_tag_index(repo, s["digest"], [entry(o), entry(g)])
    return s


# group 2: odd signature manifests, alone and before a good signature
def variant(r, repo, s, g, **kw):
    kw.setdefault("annotations", g["manifest"].get("annotations"))
    return r.sig_manifest(repo, s, g["envelope"], env_mt=kw.pop("env_mt", g["env_mt"]), **kw)


def two_layers(r, repo, s, g):
    e = r.put_blob(repo, g["envelope"], g["env_mt"])
    return variant(r, repo, s, g, layers=[e, r.put_blob(repo, b"extra")])


def env_missing(r, repo, s, g):
    v = variant(r, repo, s, g)
    assert r.req("DELETE", f"/v2/{repo}/blobs/{v['manifest']['layers'][0]['digest']}")[0] == 202
    return v


def env_tampered(r, repo, s, g):
    j = json.loads(g["envelope"])
    j["signature"] = ("A" if j["signature"][0] != "A" else "B") + j["signature"][1:]
    return r.sig_manifest(repo, s, jdump(j), env_mt=g["env_mt"], annotations=g["manifest"]["annotations"])


def layer_size_wrong(r, repo, s, g):
    e = r.put_blob(repo, g["envelope"], g["env_mt"])
    return variant(r, repo, s, g, layers=[dict(e, size=e["size"] + 1)])


def other_subject(r, repo, s, g):
    other = r.subject(repo, "other")
    return variant(r, repo, other, r.real_sig(other))


def untrusted_forged_thumbprint(r, repo, s, g):
    return variant(r, repo, s, r.real_sig(s, extra_args=("--key", "other")), annotations=g["manifest"]["annotations"])


def new_form_other_config(r, repo, s, g):
    cfg = r.put_blob(repo, b'{"a":1}', "application/vnd.example.config.v1+json")
    m = dict(variant(r, repo, s, g, form="new", push=False)["manifest"], config=cfg)
    raw = jdump(m)
    r.put_manifest(repo, None, raw)
    return {"mediaType": OCI_MANIFEST, "digest": sha256(raw), "size": len(raw), "raw": raw, "manifest": m}


ODD = {
    "two layers": two_layers,
    "no layers": lambda r, repo, s, g: variant(r, repo, s, g, layers=[]),
    "envelope typed COSE holding JWS": lambda r, repo, s, g: variant(r, repo, s, g, env_mt=COSE),
    "envelope typed text/plain": lambda r, repo, s, g: variant(r, repo, s, g, env_mt="text/plain"),
    "envelope blob missing": env_missing,
    "envelope tampered": env_tampered,
    "envelope layer size wrong": layer_size_wrong,
    "subject another artifact": other_subject,
    "subject size wrong": lambda r, repo, s, g: variant(r, repo, dict(s, size=s["size"] + 1), g),
    "subject mediaType Docker": lambda r, repo, s, g: variant(r, repo, dict(s, mediaType=DOCKER_MANIFEST), g),
    "subject missing": lambda r, repo, s, g: variant(r, repo, s, g, drop=("subject",)),
    "newer form": lambda r, repo, s, g: variant(r, repo, s, g, form="new"),
    "artifactType and config of the signature type": lambda r, repo, s, g: variant(
        r, repo, s, g, extra={"artifactType": SIG_TYPE}),
    "signature config, SBOM artifactType": lambda r, repo, s, g: variant(r, repo, s, g, extra={"artifactType": SBOM}),
    "newer form, another config": new_form_other_config,
    "no artifactType, empty config": lambda r, repo, s, g: variant(r, repo, s, g, form="new", drop=("artifactType",)),
    "no annotations": lambda r, repo, s, g: variant(r, repo, s, g, drop=("annotations",)),
    "no mediaType": lambda r, repo, s, g: variant(r, repo, s, g, drop=("mediaType",)),
    "untrusted, trusted thumbprint annotation": untrusted_forged_thumbprint,
    "COSE by notary": lambda r, repo, s, g: r.copy_sig(repo, r.real_sig(s, "notary", "cose")),
    "COSE by notation": lambda r, repo, s, g: r.copy_sig(repo, r.real_sig(s, "notation", "cose")),
    "JWS by notation": lambda r, repo, s, g: r.copy_sig(repo, r.real_sig(s, "notation", "jws")),
}
WITH_GOOD = {"two layers", "no layers", "envelope blob missing", "envelope typed text/plain", "envelope tampered",
             "subject another artifact", "subject size wrong", "subject missing", "no mediaType",
             "untrusted, trusted thumbprint annotation", "no artifactType, empty config"}


def odd_case(name, make, good):
    def build(r, repo):
        s = r.subject(repo)
        es = [entry(make(r, repo, s, r.real_sig(s)))]
        if good:
            es.append(entry(r.copy_sig(repo, r.real_sig(s, nth=1))))
        r.put_tag_index(repo, s["digest"], es)
        return s
    case(2, f"signature manifest: {name}{', then good' if good else ''}", cmds=("list", "verify", "inspect"))(build)


for _name, _make in ODD.items():
    odd_case(_name, _make, False)
    if _name in WITH_GOOD:
        odd_case(_name, _make, True)


def index_shape(r, repo, s, pre):
    """The tag index after a signing: for each entry, `pre<i>` for an entry there before (by
    digest) or NEW, and its artifact type; sorted."""
    idx = r.tag_index(repo, s["digest"])
    if idx is None:
        return None
    pre_d = [e.get("digest") for e in pre]
    return tuple(sorted(
        (f"pre{pre_d.index(e.get('digest'))}" if e.get("digest") in pre_d else "NEW")
        + "/" + str(e.get("artifactType", "-")) for e in (idx.get("manifests") or []) if isinstance(e, dict)))


def run_case(r, group, name, cmds, build):
    """Builds the state once to read and once per tool to sign; returns the comparisons."""
    base = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:60]
    seeded = Seeded(r, base)
    out = []
    reads = [c for c in cmds if c != "sign"]
    if reads:
        s = build(seeded, base + "-r")
        ref = f"{r.host}/{base}-r@{s['digest']}"
        for cmd in reads:
            args = [cmd, "--insecure-registry", *(["-o", "json"] if cmd == "inspect" else []), ref]
            res = {t: tool_run(t, args) for t in ("notation", "notary")}
            out.append((f"{cmd}: {name}", *[(observe(cmd, res[t], s["digest"]), res[t]["msg"])
                                            for t in ("notation", "notary")]))
    if "sign" in cmds:
        res = {}
        for t in ("notation", "notary"):
            repo = f"{base}-s{t[-1]}"
            s = build(seeded, repo)
            pre = r.tag_index(repo, s["digest"])
            pre = [e for e in (pre or {}).get("manifests") or [] if isinstance(e, dict)] \
                if isinstance(pre, dict) else []
            rr = tool_run(t, ["sign", "--insecure-registry", f"{r.host}/{repo}@{s['digest']}"])
            shape = index_shape(r, repo, s, pre)
            # every referrer listed before is still listed, and one was added (if it signed)
            res[t] = ((rr["rc"] == 0, shape), rr["msg"])
            if t == "notary" and rr["rc"] == 0:
                # every referrer listed before is still listed (a digest listed twice is written
                # once, as oras-go writes it), and one was added
                digests = [e.get("digest") for e in pre]
                want = {f"pre{digests.index(d)}" for d in digests if isinstance(d, str)}
                got = [x.split("/")[0] for x in shape or ()]
                kept = want <= set(got) and got.count("NEW") == 1
                out.append((f"sign keeps every previous referrer: {name}", ((True, None), ""),
                            ((kept, None), f"index after signing: {shape}")))
        out.append((f"sign: {name}", res["notation"], res["notary"]))
    return out


def groups_1_2(kind):
    """On `kind` (d2 or d3); the labels of d3's cases end in ` (Distribution v3)`, and the
    deliberate differences are the same."""
    r = Registry(kind, delete=True)
    suffix = " (Distribution v3)" if kind == "d3" else ""
    try:
        with ThreadPoolExecutor(3) as pool:
            futures = [pool.submit(run_case, r, *c) for c in CASES]
            for f in futures:
                for label, theirs, ours in f.result():
                    compare(label + suffix, theirs, ours, RULES.get(label))
    finally:
        r.stop()


# ---- group 3: the referrers API (olareg), directly and through a fault-injecting proxy --------------
API = ["--force-referrers-tag=false"]


def both(label, host, repo, s, cmds=("list", "verify", "inspect"), extra=(), ordered=False):
    ref = f"{host}/{repo}@{s['digest']}"
    for cmd in cmds:
        args = [cmd, "--insecure-registry", *(["-o", "json"] if cmd == "inspect" else []), *extra, ref]
        res = {t: tool_run(t, args) for t in ("notation", "notary")}
        full = f"{cmd}{' ' + ' '.join(extra) if extra else ''}: {label}"
        compare(full, *[(observe(cmd, res[t], s["digest"], ordered), res[t]["msg"]) for t in ("notation", "notary")],
                RULES.get(full))


def fake_sigs(r, repo, s, g, n):
    """n more signature manifests around the same valid envelope (annotations differ)."""
    return [r.sig_manifest(repo, s, g["envelope"], env_mt=g["env_mt"],
                           annotations=dict(g["manifest"]["annotations"], n=str(i))) for i in range(n)]


def group_3():
    r = Registry("ola")
    try:
        s = r.subject("order")
        ref = f"{r.host}/order@{s['digest']}"
        for t in ("notary", "notation", "notary", "notation"):
            signer(t, "jws", API, ref)
        both("2 by notary and 2 by notation through the API, in order", r.host, "order", s, ordered=True)
        both("2 by notary and 2 by notation through the API, in order", r.host, "order", s,
             extra=("--max-signatures", "2"), ordered=True)

        s = r.subject("maxsig")
        ref = f"{r.host}/maxsig@{s['digest']}"
        for _ in range(3):
            signer("notary", "jws", [*API, "--key", "other"], ref)
        signer("notary", "jws", API, ref)
        for m in ("1", "3", "4", "5"):
            both("3 untrusted signatures, then a trusted one", r.host, "maxsig", s,
                 extra=("--max-signatures", m), cmds=("verify", "list"))

        s = r.subject("sbom")
        r.copy_sig("sbom", r.real_sig(s))
        for at in (SBOM, SIG_TYPE + ".other", SBOM):
            sbom(r, "sbom", s, at=at)
        both("3 SBOMs and a signature", r.host, "sbom", s)

        s = r.subject("pg")
        g = r.real_sig(s)
        fake_sigs(r, "pg", s, g, 6)
        r.copy_sig("pg", g)
        holder = []

        def pager(style):
            def f(st, h, b, q):
                j = json.loads(b)
                ms, at = j["manifests"], ("&artifactType=" + q["artifactType"].replace("/", "%2F")
                                          if "artifactType" in q else "")
                half, base = len(ms) // 2, f"/v2/pg/referrers/{s['digest']}"
                if q.get("page") == "2":
                    return 200, h, jdump(dict(j, manifests=ms[half:]))
                link = {"absolute path": f"<{base}?page=2{at}>",
                        "same origin URL": f"<http://{holder[-1]}{base}?page=2{at}>",
                        "another origin's URL": f"<http://{r.host}{base}?page=2{at}>",
                        "relative ./": f"<./{s['digest']}?page=2{at}>",
                        "query only": f"<?page=2{at}>"}[style] + '; rel="next"'
                return 200, dict(h, link=link), jdump(dict(j, manifests=ms[:half]))
            return f

        for style in ("absolute path", "same origin URL", "another origin's URL", "relative ./", "query only"):
            p = Proxy(r, referrers=pager(style))
            holder.append(p.host)
            try:
                both(f"7 signatures in two pages, Link {style}", p.host, "pg", s, cmds=("list", "verify"))
            finally:
                p.stop()

        s = r.subject("faults")
        signer("notary", "jws", API, f"{r.host}/faults@{s['digest']}")
        err = {"content-type": "application/json"}
        faults = {
            "referrers answer not JSON": lambda st, h, b, q: (200, {"content-type": OCI_INDEX}, b"{not json"),
            "referrers answer typed application/json": lambda st, h, b, q: (200, err, b),
            "referrers answer with null manifests": lambda st, h, b, q: (200, {"content-type": OCI_INDEX}, jdump(
                {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": None})),
            "referrers answer lists each entry 3 times": lambda st, h, b, q: (200, h, (lambda j: jdump(
                dict(j, manifests=j["manifests"] * 3)))(json.loads(b))),
            # Another tool's referrer under a digest algorithm neither tool supports (blake3),
            # listed before the signature; then a signature-type entry that cannot be read
            # (negative size) listed after it.
            "referrers answer with a blake3 SBOM entry first": lambda st, h, b, q: (200, h, (lambda j: jdump(
                dict(j, manifests=[{"mediaType": OCI_MANIFEST, "artifactType": SBOM, "size": 20,
                                    "digest": "blake3:" + "ab" * 32}] + j["manifests"])))(json.loads(b))),
            "referrers answer with an unreadable signature entry last": lambda st, h, b, q: (200, h, (lambda j: jdump(
                dict(j, manifests=j["manifests"] + [{"mediaType": OCI_MANIFEST, "artifactType": SIG_TYPE,
                                                     "size": -1, "digest": "sha256:" + "cd" * 32}])))(json.loads(b))),
            "referrers API 404": lambda st, h, b, q: (404, {}, b""),
            "referrers API 400": lambda st, h, b, q: (400, err, b'{"errors":[{"code":"UNSUPPORTED","message":"x"}]}'),
            "referrers API 405": lambda st, h, b, q: (405, {}, b""),
            "referrers API 501": lambda st, h, b, q: (501, {}, b""),
            "referrers API 500": lambda st, h, b, q: (500, {}, b""),
        }
        for name, fault in faults.items():
            p = Proxy(r, referrers=fault)
            try:
                both(name, p.host, "faults", s, cmds=("list", "verify"))
            finally:
                p.stop()
    finally:
        r.stop()


# ---- groups 4 and 5: reference forms, an index as subject, repeated signing --------------------------
def same(label, args, rule=None, worded=False):
    """Both tools run `args`; their outcomes must agree. With `worded`, where notation calls the
    reference invalid its reason must open notary's message (which may add a detail)."""
    res = {t: tool_run(t, [args[0], "--insecure-registry", *args[1:]]) for t in ("notation", "notary")}
    g, n = res["notation"], res["notary"]
    theirs = g["msg"].split(". Expecting")[0]
    same_words = not worded or "invalid reference" not in theirs or n["msg"].startswith(theirs)
    compare(f"{args[0]}: {label}", ((g["rc"] == 0, None), g["msg"]),
            ((n["rc"] == 0, None if same_words else "other words"), n["msg"]),
            rule or RULES.get(f"{args[0]}: {label}"))


def group_4_5():
    r = Registry("d2", delete=True)
    try:
        h = r.host
        s = r.subject("app", "v1")
        for cmd in ("list", "verify"):
            same("unsigned, by tag", [cmd, f"{h}/app:v1"])
        same("by tag", ["sign", f"{h}/app:v1"])
        for cmd in ("list", "verify", "inspect"):
            same("by tag", [cmd, f"{h}/app:v1"])
            same("by tag and digest", [cmd, f"{h}/app:v1@{s['digest']}"])
            same("by a tag that names nothing and a digest", [cmd, f"{h}/app:nope@{s['digest']}"])
        for cmd in ("list", "verify", "sign"):
            same("a tag that names nothing", [cmd, f"{h}/app:nope"])
            same("a digest that names nothing", [cmd, f"{h}/app@sha256:" + "ab" * 32])
            same("a repository that does not exist", [cmd, f"{h}/nope@{s['digest']}"])
            same("a digest in upper case", [cmd, f"{h}/app@sha256:" + s["digest"][7:].upper()])
        # Malformed and unusual reference forms: outcomes agree and, where notation names the
        # reference invalid, its reason opens notary's (which may add a detail).
        forms = {
            "no registry": "app:v1",
            "an empty registry": "/app:v1",
            "a registry with a bad port": "127.0.0.1:x/app:v1",
            "an upper-case repository": f"{h}/App:v1",
            "an empty repository": f"{h}/:v1",
            "a repository ending in /": f"{h}/app/:v1",
            "a repository with a__b": f"{h}/a__b:v1",
            "a repository with a___b": f"{h}/a___b:v1",
            "a repository with a.-b": f"{h}/a.-b:v1",
            "a tag of 128 characters": f"{h}/app:" + "a" * 128,
            "a tag of 129 characters": f"{h}/app:" + "a" * 129,
            "a tag starting with -": f"{h}/app:-v1",
            "a tag starting with .": f"{h}/app:.v1",
            "no tag or digest": f"{h}/app",
            "an empty tag": f"{h}/app:",
            "an empty digest": f"{h}/app@",
            "a short digest": f"{h}/app@sha256:abcd",
            "a sha384 digest": f"{h}/app@sha384:" + "ab" * 48,
            "a sha512 digest": f"{h}/app@sha512:" + "ab" * 64,
            "an md5 digest": f"{h}/app@md5:" + "ab" * 16,
            "a tag and a malformed digest": f"{h}/app:v1@sha256:zz",
        }
        for label, ref in forms.items():
            for cmd in ("list", "verify", "inspect", "sign"):
                same(label, [cmd, ref], worded=True)
        ix = r.index_subject("multi", "m")
        for cmd in ("sign", "list", "verify", "inspect"):
            same("an image index, by digest", [cmd, f"{h}/multi@{ix['digest']}"])
        same("an image index, by tag", ["verify", f"{h}/multi:m"])
        same("a platform manifest of a signed index", ["verify", f"{h}/multi@{ix['children'][0]['digest']}"])
        s3 = r.subject("wsz", "v1")
        g = r.real_sig(s3)
        odd = r.sig_manifest("wsz", dict(s3, size=s3["size"] + 1), g["envelope"], env_mt=g["env_mt"],
                             annotations=g["manifest"]["annotations"])
        r.put_tag_index("wsz", s3["digest"], [entry(odd)])
        for ref in (f"{h}/wsz:v1", f"{h}/wsz@{s3['digest']}"):
            same(f"signature manifest subject size wrong, {'by tag' if ':v1' in ref else 'by digest'}",
                 ["verify", ref])

        # group 5: both tools sign one after the other; each keeps every signature, notary keeps
        # the previous index manifest
        for order in (("notary", "notation", "notary"), ("notation", "notary", "notation")):
            repo = "twice-" + order[0]
            s = r.subject(repo, "v1")
            ref = f"{h}/{repo}@{s['digest']}"
            for i, t in enumerate(order):
                before = r.get_manifest(repo, tag_of(s))
                signer(t, "jws", (), ref)
                idx = r.tag_index(repo, s["digest"])
                n = len(idx["manifests"])
                if n != i + 1:
                    report.mismatch(f"sign #{i + 1} by {t} after {order[:i]}", f"tag index has {n} entries")
                if before[0] == 200 and t == "notary":
                    kept = r.get_manifest(repo, sha256(before[2]))[0] == 200
                    compare(f"sign #{i + 1} by notary after {', '.join(order[:i])}: previous tag index kept",
                            ((False, None), "notation deletes it"), ((kept, None), f"kept: {kept}"),
                            ("lenient", OLD_INDEX))
            for cmd in ("list", "verify"):
                res = {t: tool_run(t, [cmd, "--insecure-registry", ref]) for t in ("notation", "notary")}
                compare(f"{cmd}: signed by {', '.join(order)}",
                        *[(observe(cmd, res[t], s["digest"]), res[t]["msg"]) for t in ("notation", "notary")])
    finally:
        r.stop()


# ---- group 6: notary's signature cache on (its default), changes between two verifications ----------
def group_6():
    """Each state is verified by both tools (notary filling its cache), changed in the registry,
    and verified again: a change of the listing is always seen; a cached manifest or envelope
    deleted from the registry is not fetched again (a named difference)."""
    r = Registry("d2", delete=True)
    env = dict(ENV, NOTATION_CACHE=f"{W}/signature-cache")
    env.pop("NOTARY_SIGNATURE_CACHE")

    def envelope_deleted(repo, s, g):
        assert r.req("DELETE", f"/v2/{repo}/blobs/{g['manifest']['layers'][0]['digest']}")[0] == 202

    def manifest_deleted(repo, s, g):
        assert r.delete_manifest(repo, g["digest"])[0] == 202

    def unlisted(repo, s, g):
        r.put_tag_index(repo, s["digest"], [])

    def trusted_added(repo, s, g):
        t = r.copy_sig(repo, r.real_sig(s))
        r.put_tag_index(repo, s["digest"], [entry(g), entry(t)])

    cases = {
        "envelope deleted": (envelope_deleted, False, CACHED),
        "signature manifest deleted": (manifest_deleted, False, CACHED),
        "signature removed from the tag index": (unlisted, False, None),
        "trusted signature added beside an untrusted one": (trusted_added, True, None),
    }
    try:
        for name, (change, untrusted, why) in cases.items():
            repo = "cache-" + re.sub(r"[^a-z]+", "-", name)
            s = r.subject(repo)
            g = r.copy_sig(repo, r.real_sig(s, extra_args=("--key", "other") if untrusted else ()))
            r.put_tag_index(repo, s["digest"], [entry(g)])
            ref = f"{r.host}/{repo}@{s['digest']}"
            for when in ("before", "after"):
                if when == "after":
                    change(repo, s, g)
                res = {t: tool_run(t, ["verify", "--insecure-registry", ref], env) for t in TOOLS}
                label = f"verify, signature cache on, {when}: {name}"
                compare(label, *[((res[t]["rc"] == 0, None), res[t]["msg"]) for t in ("notation", "notary")],
                        ("lenient", why) if when == "after" and why else None)
    finally:
        r.stop()


groups_1_2("d2")
groups_1_2("d3")
group_3()
group_4_5()
group_6()
print(f"({time.time() - START:.0f} s)")
report.finish("cases", 60)
