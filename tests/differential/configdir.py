"""notation's configuration directory as notation v1.3.2 and notary leave it: each case runs one
sequence of steps with each tool in turn on a fresh directory at the same path
(`$XDG_CONFIG_HOME/notation`, or `$NOTATION_CONFIG` where a case sets it), then compares what the
steps printed on stdout, whether each succeeded, stderr where the case says so (with both program
names read as one), the tree left behind (names, kinds and modes) and its JSON files byte for
byte. Key files differ by nature and only their presence and mode are compared.

    python3 configdir.py NOTARY NOTATION WORK

A case listed in DIFFERENT differs on purpose (README, "Deliberate differences from notation"),
and must still differ: the rule is printed instead of a mismatch.
"""
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys

from common import Report

NOTARY, NOTATION, WORK = sys.argv[1:4]

FAKE_PLUGIN = "#!/bin/sh\necho '{}'\n"

# Cases whose outcome differs on purpose: why.
DIFFERENT = {
    "generate-test-existing-key-name": "notary checks every destination before writing anything; "
                                        "notation writes the key files, then fails",
    "rewrite-keeps-no-wider-mode": "notary replaces a configuration file atomically with a new 0600 file; "
                                    "notation truncates it in place, keeping its mode",
    "signingkeys-unknown-members": "notary keeps members it does not know when it rewrites signingkeys.json",
}


def steps_of(text):
    """A case's steps: one shell line each, `$T` the tool under test."""
    return [s for s in text.strip().splitlines() if s.strip()]


CASES = [
    # (label, steps, compare stderr too)
    ("generate-test-update-delete", steps_of("""
$T cert generate-test --default alpha
$T cert generate-test beta
$T key list
$T key update beta --default
$T key list
$T cert list
$T key delete alpha
$T key delete beta
$T key list
"""), False),
    ("plugin-keys-go-escapes", steps_of("""
$T key add k1 --plugin fake --id 'arn:a&b<c>' --plugin-config 'u=<&>' --plugin-config z=1 --default
$T key add k2 --plugin fake --id $'\\u2028\\u2029'
$T key add k2 --plugin fake --id other
$T key add k3 --plugin fake
$T key add '' --plugin fake --id x
$T key update k9 --default
$T key delete k2
$T key list
"""), True),
    ("signingkeys-empty", steps_of("""
printf '' > "$C/signingkeys.json"; $T key list
"""), False),
    ("signingkeys-bom", steps_of("""
printf '\\xef\\xbb\\xbf{"keys":[]}' > "$C/signingkeys.json"; $T key list
"""), False),
    ("signingkeys-default-empty", steps_of("""
printf '{"default":"","keys":[]}' > "$C/signingkeys.json"; $T key list
"""), False),
    ("signingkeys-default-unknown", steps_of("""
printf '{"default":"x","keys":[]}' > "$C/signingkeys.json"; $T key list
"""), False),
    ("signingkeys-duplicate-names", steps_of("""
printf '{"keys":[{"name":"a"},{"name":"a"}]}' > "$C/signingkeys.json"; $T key list
"""), False),
    ("signingkeys-trailing-text", steps_of("""
printf '{"keys":[{"name":"a","id":"1","pluginName":"fake"}]} tail' > "$C/signingkeys.json"; chmod 600 "$C/signingkeys.json"; $T key list
$T key update a --default
"""), False),
    ("signingkeys-member-case", steps_of("""
printf '{"Default":"a","KEYS":[{"Name":"a","ID":"1","pluginname":"fake"}]}' > "$C/signingkeys.json"; chmod 600 "$C/signingkeys.json"; $T key list
$T key add b --plugin fake --id 2
"""), False),
    ("signingkeys-symlink", steps_of("""
printf '{"keys":[]}' > "$D/real.json"; ln -s "$D/real.json" "$C/signingkeys.json"; $T key list
"""), False),
    ("signingkeys-unknown-members", steps_of("""
printf '{"future":1,"keys":[{"name":"a","id":"1","pluginName":"fake","x":2}]}' > "$C/signingkeys.json"
$T key update a --default
"""), False),
    ("rewrite-keeps-no-wider-mode", steps_of("""
printf '{"keys":[{"name":"a","id":"1","pluginName":"fake"}]}' > "$C/signingkeys.json"; chmod 644 "$C/signingkeys.json"
$T key update a --default
"""), False),
    ("generate-test-existing-key-name", steps_of("""
$T cert generate-test a
$T key delete a
$T cert generate-test a
"""), False),
    ("cert-delete-missing", steps_of("""
$T cert generate-test t
$T cert delete -t ca -s t -y none.crt
$T cert delete -t ca -s none -y --all
$T cert delete -t ca -s t -y t.crt
"""), True),
    ("cert-list-file-for-x509", steps_of("""
mkdir -p "$C/truststore"; : > "$C/truststore/x509"; $T cert list
"""), True),
    ("cert-list-file-for-type", steps_of("""
mkdir -p "$C/truststore/x509"; : > "$C/truststore/x509/ca"; $T cert list
"""), True),
    ("generate-test-through-linked-config", steps_of("""
mkdir -p "$D/real"; ln -s "$D/real" "$D/link"; NOTATION_CONFIG="$D/link/notation" $T cert generate-test t
cat "$D/real/notation/signingkeys.json"
"""), False),
    ("local-path-beside-plugin", steps_of("""
$T cert generate-test acme
printf '{"default":"a","keys":[{"name":"a","keyPath":"%s","pluginName":"fake","id":"i"}]}' "$C/localkeys/acme.key" > "$C/signingkeys.json"; $T sign --oci-layout "$D/layout:v1"
"""), True),
    ("config-json-signature-format-case", steps_of("""
$T cert generate-test --default acme
printf '{"SignatureFormat":"cose"}' > "$C/config.json"; $T sign --oci-layout "$D/layout:v1" >/dev/null; envelope_types "$D/layout"
"""), False),
    ("config-json-malformed", steps_of("""
$T cert generate-test --default acme
printf '{"signatureFormat":5}' > "$C/config.json"; $T sign --oci-layout "$D/layout:v1" >/dev/null; envelope_types "$D/layout"
"""), False),
]


def blob(layout, data):
    digest = hashlib.sha256(data).hexdigest()
    with open(f"{layout}/blobs/sha256/{digest}", "wb") as f:
        f.write(data)
    return {"digest": f"sha256:{digest}", "size": len(data)}


def make_layout(layout):
    """An OCI layout holding one artifact tagged v1."""
    os.makedirs(f"{layout}/blobs/sha256")
    with open(f"{layout}/oci-layout", "w") as f:
        f.write('{"imageLayoutVersion":"1.0.0"}')
    config = dict(blob(layout, b"{}"), mediaType="application/vnd.oci.empty.v1+json")
    layer = dict(blob(layout, b"hello"), mediaType="text/plain")
    manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                           "config": config, "layers": [layer]}).encode()
    desc = dict(blob(layout, manifest), mediaType="application/vnd.oci.image.manifest.v1+json",
                annotations={"org.opencontainers.image.ref.name": "v1"})
    with open(f"{layout}/index.json", "w") as f:
        json.dump({"schemaVersion": 2, "manifests": [desc]}, f)


# A shell function the steps may call: the envelope media types of a layout's signatures.
ENVELOPE_TYPES = r"""envelope_types() { python3 - "$1" <<'EOF'
import json, os, sys
root = sys.argv[1]
for name in sorted(os.listdir(f"{root}/blobs/sha256")):
    try:
        m = json.load(open(f"{root}/blobs/sha256/{name}"))
    except Exception:
        continue
    if isinstance(m, dict) and "subject" in m:
        print(" ".join(l["mediaType"] for l in m.get("layers", [])))
EOF
}
"""


def normalize(text, tool):
    text = text.replace(tool, "TOOL")
    text = re.sub(r"\b(notation|notary)\b", "TOOL", text)
    # The certificate of generate-test expires a day after the second it was made.
    return re.sub(r"expiring on \S+", "expiring on TIME", text)


def run_case(tool, steps):
    """Runs the steps with `tool` in a fresh directory; what each printed and the tree left."""
    d = f"{WORK}/run"
    shutil.rmtree(d, ignore_errors=True)
    config = f"{d}/xdg/notation"
    os.makedirs(f"{config}/plugins/fake")
    os.makedirs(f"{d}/home")
    with open(f"{config}/plugins/fake/notation-fake", "w") as f:
        f.write(FAKE_PLUGIN)
    os.chmod(f"{config}/plugins/fake/notation-fake", 0o755)
    make_layout(f"{d}/layout")
    env = {k: v for k, v in os.environ.items() if not k.startswith("NOTATION_")}
    env.update(XDG_CONFIG_HOME=f"{d}/xdg", HOME=f"{d}/home", NOTATION_CACHE=f"{d}/cache",
               NOTATION_EXPERIMENTAL="1", T=tool, C=config, D=d)
    results = []
    for step in steps:
        r = subprocess.run(["bash", "-c", ENVELOPE_TYPES + step], env=env, cwd=d, capture_output=True,
                           text=True)
        results.append((r.returncode == 0, normalize(r.stdout, tool),
                        normalize("\n".join(l for l in r.stderr.splitlines() if "experimental" not in l), tool)))
    tree, files = [], {}
    for root, dirs, names in os.walk(d):
        dirs.sort()
        for n in sorted(dirs + names):
            p = os.path.join(root, n)
            rel = os.path.relpath(p, d)
            if rel.startswith(("layout", "home", "cache")):
                continue
            st = os.lstat(p)
            tree.append(f"{oct(st.st_mode & 0o777)} {'l' if os.path.islink(p) else 'd' if os.path.isdir(p) else 'f'} {rel}")
            if n.endswith(".json") and os.path.isfile(p) and not os.path.islink(p):
                with open(p, "rb") as f:
                    files[rel] = f.read()
    return results, sorted(set(tree)), files


def main():
    report = Report("notation")
    for label, steps, with_stderr in CASES:
        theirs = run_case(NOTATION, steps)
        ours = run_case(NOTARY, steps)
        diffs = []
        for i, (t, o) in enumerate(zip(theirs[0], ours[0])):
            if t[0] != o[0]:
                diffs.append(f"step {i + 1} {'succeeded' if t[0] else 'failed'} with notation, "
                             f"{'succeeded' if o[0] else 'failed'} with notary\n  notation: {t[2]}\n  notary: {o[2]}")
            elif t[1] != o[1]:
                diffs.append(f"step {i + 1} stdout\n  notation: {t[1]!r}\n  notary: {o[1]!r}")
            elif with_stderr and t[2] != o[2]:
                diffs.append(f"step {i + 1} stderr\n  notation: {t[2]!r}\n  notary: {o[2]!r}")
        if theirs[1] != ours[1]:
            diffs.append(f"tree\n  notation: {theirs[1]}\n  notary: {ours[1]}")
        for name in sorted(set(theirs[2]) | set(ours[2])):
            if theirs[2].get(name) != ours[2].get(name):
                diffs.append(f"{name}\n  notation: {theirs[2].get(name)!r}\n  notary: {ours[2].get(name)!r}")
        rule = DIFFERENT.get(label)
        if rule and diffs:
            report.stricter += 1
            print(f"differs on purpose {label}: {rule}")
        elif rule:
            report.mismatch(label, f"listed as different ({rule}) but the same")
        elif diffs:
            report.mismatch(label, "\n".join(diffs))
        else:
            report.agree += 1
            report.accepted += theirs[0][-1][0]
            print(f"agree  {'accepted' if theirs[0][-1][0] else 'refused '}  {label}")
    report.finish("configuration directory cases", 5)


main()
