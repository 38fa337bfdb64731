#!/usr/bin/env python3
"""Differential run: OCI image layouts on disk under `notation verify/list --oci-layout` and
`notary verify/list --oci-layout`.

    layouts.py NOTARY NOTATION ORAS WORKDIR

Builds a layout with an artifact signed by `notary` (and, for some cases, a second signature or
an image index as subject), then changes it one way per case: index.json entries removed, added,
reordered or given odd fields, `oci-layout` missing or of another version, the signature
manifest in the older form (config media type) or with another artifact type, two layers, a
layer of the other envelope type, a missing or corrupted envelope blob, subject descriptors that
do not match, tags that name nothing or two manifests, and more. For each, both tools verify
the artifact (by digest and by tag) and list its signatures; the outcomes and the listed
signature digests must agree. Exits 1 on any disagreement.

Needs python3 with `cryptography` (scripts/setup.sh installs it).
"""
import copy
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys

from common import Report, environment, outcome, run

NOTARY, NOTATION, ORAS, W = sys.argv[1:5]
ENV = environment(W)
CFG = f"{W}/xdg/notation"
os.chdir(W)


def sh(*args):
    return run(ENV, *args)


sh(NOTARY, "cert", "generate-test", "good", "--default")
sh(NOTARY, "cert", "generate-test", "other")
with open(f"{CFG}/trustpolicy.json", "w") as f:
    json.dump({"version": "1.0", "trustPolicies": [{
        "name": "p", "registryScopes": ["*"], "signatureVerification": {"level": "strict"},
        "trustStores": ["ca:good"], "trustedIdentities": ["*"]}]}, f)

# --- the base layouts ------------------------------------------------------------------------------
with open("a.txt", "w") as f:
    f.write("layout artifact\n")
sh(ORAS, "push", "--oci-layout", "base:v1", "a.txt")
SUBJECT = sh(ORAS, "resolve", "--oci-layout", "base:v1")
sh(NOTARY, "sign", "--oci-layout", f"base@{SUBJECT}")
shutil.copytree("base", "base2")
sh(NOTARY, "sign", "--oci-layout", "--key", "other", f"base2@{SUBJECT}")
shutil.copytree("base", "base-cose")
sh(NOTARY, "sign", "--oci-layout", "--signature-format", "cose", f"base-cose@{SUBJECT}")


def blob_path(lay, d):
    return f"{lay}/blobs/sha256/{d.split(':', 1)[1]}"


def read_json(path):
    with open(path) as f:
        return json.load(f)


def put(lay, data):
    if not isinstance(data, bytes):
        data = json.dumps(data).encode()
    d = "sha256:" + hashlib.sha256(data).hexdigest()
    with open(blob_path(lay, d), "wb") as f:
        f.write(data)
    return d, len(data)


class Layout:
    """A copy of a base layout to change."""

    def __init__(self, base, name):
        self.path = f"case-{name}"
        shutil.rmtree(self.path, ignore_errors=True)
        shutil.copytree(base, self.path)
        self.index = read_json(f"{self.path}/index.json")

    def entries(self, kind):
        """index.json entries: 'subject' (the artifact), 'signature' (manifests with a subject),
        'tag-index' (referrers tag schema indexes)."""
        out = []
        for m in self.index["manifests"]:
            if m["digest"] == SUBJECT:
                k = "subject"
            elif m["mediaType"] == "application/vnd.oci.image.index.v1+json":
                k = "tag-index"
            else:
                k = "signature"
            if k == kind:
                out.append(m)
        return out

    def manifest(self, entry):
        return read_json(blob_path(self.path, entry["digest"]))

    def replace_manifest(self, entry, manifest):
        d, n = put(self.path, manifest)
        entry.update(digest=d, size=n)

    def save(self):
        with open(f"{self.path}/index.json", "w") as f:
            json.dump(self.index, f)
        return self.path


def signatures_listed(tool, ref):
    r = subprocess.run([tool, "list", "--oci-layout", ref], env=ENV, capture_output=True, text=True)
    found = set(re.findall(r"sha256:[0-9a-f]{64}", r.stdout)) - {SUBJECT}
    return r.returncode == 0, found


report = Report("notation")


# Where notary accepts on purpose what notation v1.3.2 refuses (README: Deliberate differences).
NEWER_FORM = ("the newer signature manifest form (artifactType, empty config) is read in layouts too, as "
              "notation-go since 1.3 writes it and the interop corpus requires; notation v1.3.2 reads only "
              "the config type there")
BY_CONTENT = ("a manifest not listed in index.json (an index's platform manifest) is resolved from its "
              "content; notation resolves it as an untyped blob and finds no signature for it")
LEFT_OUT = ("list leaves out a signature manifest that cannot be read where notation fails the command")
LENIENT = {
    "verify: signature in the newer form (artifactType, empty config)": NEWER_FORM,
    "list: signature in the newer form (artifactType, empty config)": NEWER_FORM,
    "verify: subject not in index.json": BY_CONTENT,
    "list: subject not in index.json": BY_CONTENT,
    "list: signature subject size wrong": LEFT_OUT,
    "list: signature manifest entry size wrong": LEFT_OUT,
}


def compare(label, path, ref_suffix=None, list_too=True, verify_args=()):
    ref = f"{path}{ref_suffix or '@' + SUBJECT}"
    args = ["verify", "--oci-layout", "--scope", "local/layouts", *verify_args, ref]
    name = f"verify: {label}"
    report.record(name, outcome([NOTATION, *args], ENV), outcome([NOTARY, *args], ENV), lenient=LENIENT.get(name))
    if list_too:
        (g_ok, g), (n_ok, n) = signatures_listed(NOTATION, ref), signatures_listed(NOTARY, ref)
        name = f"list: {label}"
        if g_ok and n_ok and g != n and name not in LENIENT:
            report.mismatch(name, f"notation listed {sorted(g)}, notary {sorted(n)}")
        else:
            # A list notation runs but shows nothing counts as a refusal, where notary shows some.
            report.record(name, (g_ok and (bool(g) or not n), f"{sorted(g)}"), (n_ok, f"{sorted(n)}"),
                          lenient=LENIENT.get(name))


# --- cases -----------------------------------------------------------------------------------------
def case(label, change, base="base", **kw):
    lay = Layout(base, re.sub(r"[^a-z0-9]+", "-", label.lower()))
    change(lay)
    compare(label, lay.save(), **kw)


def nothing(lay):
    pass


case("as notary wrote it", nothing)
case("as notary wrote it, by tag", nothing, ref_suffix=":v1")
case("two signatures, one untrusted", nothing, base="base2")
case("COSE signature", nothing, base="base-cose")
case("a tag that names nothing", nothing, ref_suffix=":nope")
case("a digest that names nothing", nothing, ref_suffix="@sha256:" + "0" * 64)


def drop(kind):
    def change(lay):
        for e in lay.entries(kind):
            lay.index["manifests"].remove(e)
    return change


case("signature manifest not in index.json", drop("signature"))
case("subject not in index.json", drop("subject"))
case("subject not in index.json, by tag", drop("subject"), ref_suffix=":v1")
case("tag index not in index.json", drop("tag-index"))


def each_signature(f):
    def change(lay):
        for e in lay.entries("signature"):
            m = lay.manifest(e)
            f(lay, e, m)
            lay.replace_manifest(e, m)
    return change


def old_form(lay, e, m):
    m.pop("artifactType", None)
    d, n = put(lay.path, b"{}")
    m["config"] = {"mediaType": "application/vnd.cncf.notary.signature", "digest": d, "size": n}


case("signature manifest in the older form (config media type)", each_signature(old_form))
def with_form(artifact_type, config_type):
    def f(lay, e, m):
        m.pop("artifactType", None)
        if artifact_type:
            m["artifactType"] = artifact_type
        d, n = put(lay.path, b"{}")
        m["config"] = {"mediaType": config_type, "digest": d, "size": n}
    return each_signature(f)


SIG, EMPTY, IMAGE_CONFIG = ("application/vnd.cncf.notary.signature", "application/vnd.oci.empty.v1+json",
                            "application/vnd.oci.image.config.v1+json")
case("signature in the newer form (artifactType, empty config)", with_form(SIG, EMPTY))
case("signature artifactType, image config", with_form(SIG, IMAGE_CONFIG))
case("signature artifactType of another kind, empty config", with_form("application/spdx+json", EMPTY))
case("signature artifactType of another kind, signature config", with_form("application/spdx+json", SIG))
case("no artifactType, empty config", with_form(None, EMPTY))
case("signature artifactType of another kind", each_signature(
    lambda lay, e, m: m.__setitem__("artifactType", "application/spdx+json")))
case("signature artifactType missing, empty config", each_signature(lambda lay, e, m: m.pop("artifactType", None)))
case("signature manifest without mediaType", each_signature(lambda lay, e, m: m.pop("mediaType", None)))
case("signature manifest with an unknown member", each_signature(lambda lay, e, m: m.__setitem__("x-extra", 1)))
case("signature manifest annotations removed", each_signature(lambda lay, e, m: m.pop("annotations", None)))
case("signature thumbprint annotation wrong", each_signature(lambda lay, e, m: m.setdefault("annotations", {}).__setitem__(
    "io.cncf.notary.x509chain.thumbprint#S256", '["' + "0" * 64 + '"]')))
case("signature manifest with two layers", each_signature(lambda lay, e, m: m["layers"].append(copy.deepcopy(m["layers"][0]))))
case("signature manifest with no layers", each_signature(lambda lay, e, m: m.__setitem__("layers", [])))
case("signature layer typed COSE holding JWS", each_signature(
    lambda lay, e, m: m["layers"][0].__setitem__("mediaType", "application/cose")))
case("signature layer of an unknown type", each_signature(
    lambda lay, e, m: m["layers"][0].__setitem__("mediaType", "application/octet-stream")))
case("signature subject size wrong", each_signature(lambda lay, e, m: m["subject"].__setitem__("size", m["subject"]["size"] + 1)))
case("signature subject media type wrong", each_signature(
    lambda lay, e, m: m["subject"].__setitem__("mediaType", "application/vnd.oci.image.index.v1+json")))
case("signature subject another digest", each_signature(
    lambda lay, e, m: m["subject"].__setitem__("digest", "sha256:" + "1" * 64)))
case("signature manifest as an index entry media type", lambda lay: [
    e.__setitem__("mediaType", "application/vnd.oci.image.index.v1+json") for e in lay.entries("signature")])


def envelope_blob(f):
    def change(lay):
        for e in lay.entries("signature"):
            m = lay.manifest(e)
            f(lay, m["layers"][0])
    return change


case("envelope blob missing", envelope_blob(lambda lay, layer: os.remove(blob_path(lay.path, layer["digest"]))))
case("envelope blob corrupted", envelope_blob(lambda lay, layer: open(blob_path(lay.path, layer["digest"]), "ab").write(b" ")))
case("envelope layer size wrong", each_signature(lambda lay, e, m: m["layers"][0].__setitem__("size", m["layers"][0]["size"] - 1)))
case("signature manifest blob missing", lambda lay: [os.remove(blob_path(lay.path, e["digest"])) for e in lay.entries("signature")])
case("signature manifest entry size wrong", lambda lay: [e.__setitem__("size", e["size"] + 5) for e in lay.entries("signature")])
case("subject entry size wrong", lambda lay: [e.__setitem__("size", e["size"] + 5) for e in lay.entries("subject")])
case("subject entry size wrong, by tag", lambda lay: [e.__setitem__("size", e["size"] + 5) for e in lay.entries("subject")],
     ref_suffix=":v1")
case("subject blob missing", lambda lay: os.remove(blob_path(lay.path, SUBJECT)))
case("index.json entries reversed", lambda lay: lay.index["manifests"].reverse())
case("index.json with an unknown member", lambda lay: lay.index.__setitem__("x-extra", {"a": 1}))
case("index.json with mediaType", lambda lay: lay.index.__setitem__("mediaType", "application/vnd.oci.image.index.v1+json"))
case("index.json schemaVersion 3", lambda lay: lay.index.__setitem__("schemaVersion", 3))
case("index.json with annotations", lambda lay: lay.index.__setitem__("annotations", {"k": "v"}))
case("signature entry listed twice", lambda lay: lay.index["manifests"].extend(copy.deepcopy(lay.entries("signature"))))
case("tag also on the signature", lambda lay: [e.setdefault("annotations", {}).__setitem__(
    "org.opencontainers.image.ref.name", "v1") for e in lay.entries("signature")], ref_suffix=":v1")
case("tag moved to the signature", lambda lay: [
    [s.setdefault("annotations", {}).__setitem__("org.opencontainers.image.ref.name", "v1") for s in lay.entries("signature")],
    [e.get("annotations", {}).pop("org.opencontainers.image.ref.name", None) for e in lay.entries("subject")]],
     ref_suffix=":v1")
case("oci-layout missing", lambda lay: os.remove(f"{lay.path}/oci-layout"))
case("oci-layout of version 2.0.0", lambda lay: open(f"{lay.path}/oci-layout", "w").write('{"imageLayoutVersion":"2.0.0"}'))
case("oci-layout not JSON", lambda lay: open(f"{lay.path}/oci-layout", "w").write("garbage"))
case("index.json not JSON", lambda lay: setattr(lay, "save", lambda: (open(f"{lay.path}/index.json", "w").write("garbage"), lay.path)[1]))
case("a second signature's envelope corrupted", lambda lay: [
    open(blob_path(lay.path, lay.manifest(e)["layers"][0]["digest"]), "ab").write(b" ")
    for e in lay.entries("signature")[:1]], base="base2")
# (With a limit of 1 notation tries a random one of the two: its layout store keeps them in a map.)
case("max signatures 2 with two", nothing, base="base2", verify_args=["--max-signatures", "2"])


# An image index as the subject: both tools sign the index, then verify it.
def index_subject():
    lay = "idx"
    shutil.rmtree(lay, ignore_errors=True)
    shutil.copytree("base", lay)
    sub = read_json(blob_path(lay, SUBJECT))
    idx = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
           "manifests": [{"mediaType": sub["mediaType"], "digest": SUBJECT,
                          "size": os.path.getsize(blob_path(lay, SUBJECT)),
                          "platform": {"architecture": "amd64", "os": "linux"}}]}
    d, n = put(lay, idx)
    index = read_json(f"{lay}/index.json")
    index["manifests"].append({"mediaType": idx["mediaType"], "digest": d, "size": n,
                               "annotations": {"org.opencontainers.image.ref.name": "multi"}})
    with open(f"{lay}/index.json", "w") as f:
        json.dump(index, f)
    sh(NOTARY, "sign", "--oci-layout", f"{lay}@{d}")
    args = ["verify", "--oci-layout", "--scope", "local/layouts", f"{lay}@{d}"]
    report.record("verify: an image index as subject", outcome([NOTATION, *args], ENV), outcome([NOTARY, *args], ENV))
    args[-1] = f"{lay}:multi"
    report.record("verify: an image index as subject, by tag", outcome([NOTATION, *args], ENV),
                  outcome([NOTARY, *args], ENV))


index_subject()


# User metadata: what both tools accept at signing, and what verification requires.
DUPLICATE_KEY = "--user-metadata refuses a key given twice (README: Deliberate differences)"


def metadata():
    signed = {}
    for label, flags in [("k=v", ["-m", "k=v"]), ("two keys", ["-m", "a=1", "-m", "b=2"]),
                         ("an empty value", ["-m", "k="]), ("no '='", ["-m", "k"]), ("an empty key", ["-m", "=v"]),
                         ("a value with '='", ["-m", "k=a=b"]), ("a key twice", ["-m", "k=1", "-m", "k=2"]),
                         ("a notary key", ["-m", "io.cncf.notary.x=1"]),
                         ("an OCI annotation key", ["-m", "org.opencontainers.image.created=x"]),
                         ("spaces", ["-m", " k = v "]), ("unicode", ["-m", "ключ=значение"])]:
        results = []
        for who, tool in (("notation", NOTATION), ("notary", NOTARY)):
            lay = f"meta-{who}-{len(signed)}"
            shutil.rmtree(lay, ignore_errors=True)
            shutil.copytree("base", lay)
            # the base layout's own signature is dropped: this one is the only signature
            index = read_json(f"{lay}/index.json")
            index["manifests"] = [m for m in index["manifests"] if m["digest"] == SUBJECT]
            with open(f"{lay}/index.json", "w") as f:
                json.dump(index, f)
            results.append(outcome([tool, "sign", "--oci-layout", *flags, f"{lay}@{SUBJECT}"], ENV))
            signed.setdefault(label, []).append(lay)
        dup = DUPLICATE_KEY if label == "a key twice" else None
        report.record(f"sign with {label}", *results, stricter=dup)
    for label, (g_lay, n_lay) in signed.items():
        for vlabel, flags in [("none", []), ("k=v", ["-m", "k=v"]), ("k=", ["-m", "k="]), ("k=1", ["-m", "k=1"]),
                              ("k=2", ["-m", "k=2"]), ("a=1 and b=2", ["-m", "a=1", "-m", "b=2"]),
                              ("k=a=b", ["-m", "k=a=b"]), ("no '='", ["-m", "k"]),
                              ("k=1 then k=2", ["-m", "k=1", "-m", "k=2"])]:
            for who, lay in (("notation", g_lay), ("notary", n_lay)):
                args = ["verify", "--oci-layout", "--scope", "local/layouts", *flags, f"{lay}@{SUBJECT}"]
                theirs, ours = outcome([NOTATION, *args], ENV), outcome([NOTARY, *args], ENV)
                # notary refuses a key given twice whatever the signature holds
                dup = DUPLICATE_KEY if vlabel == "k=1 then k=2" and theirs[0] else None
                report.record(f"signed by {who} with {label}, verified with {vlabel}", theirs, ours, stricter=dup)


metadata()
report.finish("cases", 20)
