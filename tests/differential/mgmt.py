#!/usr/bin/env python3
"""Differential run: the management commands `certificate` (`cert`: add, list/ls, show,
delete/rm, generate-test), `key` (add, list/ls, update/set, delete/rm) and `policy` (import,
show), notation v1.3.2 against notary, as command sequences on fresh configuration directories.

    mgmt.py NOTARY NOTATION WORKDIR

Each case runs one sequence of shell steps (`$T` the tool under test, `$C` its configuration
directory `$XDG_CONFIG_HOME/notation`, `$D` the case's directory, `$S` the files the script
built: certificates in PEM and DER, bundles, garbage, a TSA root, a leaf, trust policies, a
signing plugin) with each tool in turn, on a fresh directory at the same path. A step reads what
it pipes in (the answer to a prompt) or nothing (end of input). Compared, step by step: the exit
status, stdout byte for byte (tables, prompts, `Successfully ...` lines, the lines of
`generate-test` with the expiry time read as one), the error (notation's `Error: ...` to the end
of stderr must open notary's, "notation" read as "notary"), printed whether the step failed or
not, the `Warning:` lines and any other line before the error; then the tree the steps left under `$D` (names, kinds, file
modes; the bytes of the files the script wrote and of JSON files, others, generated keys and
certificates, as generated). notary's `policy import` success line, notation's main branch's
words on purpose (README, "Deliberate differences from notation"), is read as v1.3.2's.

Cases: `cert add` of one, several and bad files into new and existing stores, store types and
names valid and invalid, files already there; `cert list` with every combination of `-t` and
`-s` (unknown types, missing stores); `cert show` of missing files and odd names; `cert delete`
with and without `-y`, the prompt answered y, yes, Y, n, an empty line or end of input, `--all`;
`cert generate-test` with `--default` and `-b`, names taken and invalid; `key add` of plugin
keys (`--plugin-config`, `--default`, missing plugins and ids), `key update --default`, `key
delete` of several names, `key list` after each; `policy show` with no, an invalid and a valid
policy, `policy import` over an existing one with and without `--force`, `trustpolicy.json`
against `trustpolicy.oci.json`; `NOTATION_CONFIG` against `XDG_CONFIG_HOME` and `HOME`, and a
configuration directory (or a directory in it) that is a file.

A case listed in STRICTER (notary refuses what notation accepts), LENIENT (notary accepts what
notation refuses) or WORDED (same outcomes, other words, output or tree) differs on purpose
(README, "Deliberate differences from notation") and must still differ: the rule is printed
instead of a mismatch. Exits 1 on any other difference. ONLY=text runs the cases whose label
contains it.

About 235 cases of 1 to 8 steps (~700 steps); about 40 s on two cores.

Needs python3 with `cryptography` (scripts/setup.sh installs it).
"""
import datetime
import hashlib
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import time

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from common import Report, cert, der, pem

NOTARY, NOTATION, W = sys.argv[1:4]
W = os.path.abspath(W)
os.makedirs(W, exist_ok=True)
S = f"{W}/src"
RUN = f"{W}/run"
START = time.time()

# --- deliberate differences ----------------------------------------------------------------------
EXTRA = ("extra operands are refused (README: Deliberate differences: `list`, `key list`, `cert "
         "generate-test` and the like refuse them); notation ignores them")
NOT_A_ROOT = ("`cert add` checks each certificate by the trust store reader's rules (README: Deliberate "
              "differences); notation stores any parseable certificate")
PATH_NAME = ("`cert show`/`cert delete` refuse a certificate name with a path in it, and `.`/`..` as store "
             "names (README: Deliberate differences)")
OCI_POLICY = ("trustpolicy.oci.json is the OCI trust policy where it exists (README: Deliberate "
              "differences); notation v1.3.2 reads only trustpolicy.json")
CHECK_FIRST = ("`cert generate-test` checks every destination (key list, key and certificate files, trust "
               "store) before writing anything; notation generates and writes the key files, then fails")
ALIAS = ("`cert rm` and `key rm` are notary's aliases of `delete` (README: Deliberate differences; as `plugin "
         "rm` is notation's of `plugin uninstall`); notation v1.3.2 has none for these")
JSON_WORDS = ("the JSON parser's words for a document that is not JSON (Go's encoding/json: \"invalid character "
              "...\", \"unexpected end of JSON input\")")
MODE = ("a configuration file is replaced atomically with a new 0600 file (README; configdir.py "
        "rewrite-keeps-no-wider-mode); notation truncates it in place, keeping its mode")
BITS = ("`cert generate-test --bits` takes 2048, 3072 or 4096 (RSA) and 256, 384 or 521 (EC) only "
        "(README: Deliberate differences)")
STRICTER = {
    "key list: extra operand": EXTRA,
    "cert list: extra operand": EXTRA,
    "cert generate-test: two names": EXTRA,
    "cert delete: two names": EXTRA,
    "key update: two names": EXTRA,
    "cert add: a leaf certificate into ca": NOT_A_ROOT,
    "cert add: a leaf among good ones": NOT_A_ROOT,
    "cert generate-test: -b 1024": BITS,
    "cert generate-test: store name ..": PATH_NAME,
    "cert add: store name .": PATH_NAME,
    "cert add: store name '..'": PATH_NAME,
    "cert show: a name with a path": PATH_NAME,
    "cert delete: a name with a path": PATH_NAME,
}
LENIENT = {
    "cert delete: --yes, rm": ALIAS,
    "policy show: only trustpolicy.oci.json": OCI_POLICY,
    "cert generate-test: -b 256": ("`cert generate-test --bits 256|384|521` generates an EC key (README: "
                                   "Deliberate differences); notation generates RSA only"),
}
WORDED = {
    "policy show: both files": OCI_POLICY,
    "policy import: trustpolicy.oci.json exists": OCI_POLICY,
    "config: a file, policy show": OCI_POLICY,
    "cert generate-test: a name taken": CHECK_FIRST,
    "cert generate-test: a name a plugin key has": CHECK_FIRST,
    "cert generate-test: the store holds t.crt": CHECK_FIRST,
    "config: a file, generate-test": CHECK_FIRST,
    "config: signingkeys.json is a directory, generate-test": CHECK_FIRST,
    "policy show: garbage": JSON_WORDS,
    "policy show: an empty file": JSON_WORDS,
    "policy import: garbage": JSON_WORDS,
    "key delete: all, rm alias": ALIAS,
    "policy import: over garbage, answered y": MODE,
}


def steps_of(text):
    return [s for s in text.strip().splitlines() if s.strip()]


CASES = []


def case(label, text):
    CASES.append((label, steps_of(text)))


# --- the files the steps use ---------------------------------------------------------------------
def name(cn):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def put(rel, data, mode=0o644):
    p = f"{S}/{rel}"
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, "wb") as f:
        f.write(data)
    os.chmod(p, mode)
    return p


PLUGIN = b"""#!/bin/sh
cat >/dev/null
if [ "$1" = get-plugin-metadata ]; then
cat <<'EOF'
{"name":"fake","description":"Fake signer","version":"1.0.0","url":"https://example.com","supportedContractVersions":["1.0"],"capabilities":["SIGNATURE_GENERATOR.RAW"]}
EOF
exit 0
fi
exit 1
"""

# A plugin whose metadata names another plugin (installed by hand under the name `broken`).
BROKEN = PLUGIN.replace(b'"name":"fake"', b'"name":"other"')


def policy(**over):
    st = {"name": "p", "registryScopes": ["*"], "signatureVerification": {"level": "strict"},
          "trustStores": ["ca:s"], "trustedIdentities": ["*"]}
    st.update(over)
    return json.dumps({"version": "1.0", "trustPolicies": [st]}, indent=2).encode()


def build_sources():
    shutil.rmtree(S, ignore_errors=True)
    os.makedirs(S)
    past = datetime.datetime(2025, 1, 1, tzinfo=datetime.timezone.utc)
    future = datetime.datetime(2035, 1, 1, tzinfo=datetime.timezone.utc)
    keys = {n: ec.generate_private_key(ec.SECP256R1()) for n in ("root", "root2", "tsa", "leaf")}
    root = cert(name("mgmt root"), keys["root"], name("mgmt root"), keys["root"], ca=True,
                not_before=past, not_after=future)
    root2 = cert(name("mgmt root 2"), keys["root2"], name("mgmt root 2"), keys["root2"], ca=True,
                 not_before=past, not_after=future)
    tsa = cert(name("mgmt tsa root"), keys["tsa"], name("mgmt tsa root"), keys["tsa"], ca=True,
               not_before=past, not_after=future)
    leaf = cert(name("mgmt leaf"), keys["leaf"], name("mgmt root"), keys["root"], not_before=past,
                not_after=future)
    put("ca.pem", pem(root))
    put("ca2.pem", pem(root2))
    put("ca.der", der(root))
    put("bundle.pem", pem(root) + pem(root2))
    put("tsa.pem", pem(tsa))
    put("leaf.pem", pem(leaf))
    put("garbage.pem", b"not a certificate\n")
    put("empty.pem", b"")
    put("other/ca.pem", pem(root2))
    put("my cert.pem", pem(root2))
    put("\u00e7a.pem", pem(root))
    os.makedirs(f"{S}/adir.pem")
    put("policy.json", policy())
    put("policy2.json", policy(name="q"))
    put("policy-bad.json", policy(trustStores=["nope:s"]))
    put("policy-garbage.json", b"{not json")
    put("notation-fake", PLUGIN, 0o755)
    put("broken/notation-broken", BROKEN, 0o755)


# --- cases ---------------------------------------------------------------------------------------
ADD = "$T cert add -t ca -s s"

# cert add
case("cert add: one file, list, show", f"""
{ADD} "$S/ca.pem"
$T cert list
$T cert show -t ca -s s ca.pem
""")
case("cert add: the same file again", f"""
{ADD} "$S/ca.pem"
{ADD} "$S/ca.pem"
$T cert ls
""")
case("cert add: a file already there among new ones", f"""
{ADD} "$S/ca.pem"
{ADD} "$S/ca2.pem" "$S/ca.pem" "$S/bundle.pem"
$T cert ls
""")
case("cert add: several files", f"""
{ADD} "$S/ca.pem" "$S/ca2.pem" "$S/ca.der"
$T cert ls
""")
case("cert add: several, some bad", f"""
{ADD} "$S/ca.pem" "$S/garbage.pem" "$S/missing.pem" "$S/ca2.pem" "$S/empty.pem" "$S/adir.pem"
$T cert ls
""")
case("cert add: all bad", f"""
{ADD} "$S/garbage.pem" "$S/missing.pem"
$T cert ls
""")
case("cert add: one missing file", f"{ADD} \"$S/missing.pem\"")
case("cert add: an empty file", f"{ADD} \"$S/empty.pem\"")
case("cert add: a directory", f"{ADD} \"$S/adir.pem\"")
case("cert add: an empty path", f"{ADD} ''")
case("cert add: the same file twice in one command", f"""
{ADD} "$S/ca.pem" "$S/ca.pem"
$T cert ls
""")
case("cert add: two files of one name", f"""
{ADD} "$S/ca.pem" "$S/other/ca.pem"
$T cert ls
""")
case("cert add: a bundle, show it", f"""
{ADD} "$S/bundle.pem"
$T cert show -t ca -s s bundle.pem
""")
case("cert add: DER, show it", f"""
{ADD} "$S/ca.der"
$T cert show -t ca -s s ca.der
""")
case("cert add: relative paths", """
cp "$S/ca.pem" "$S/ca2.pem" .; mkdir sub; cp "$S/ca.der" sub/
$T cert add -t ca -s s ca.pem ./ca2.pem sub/../sub/ca.der
$T cert ls
""")
case("cert add: names with a space and a cedilla", f"""
{ADD} "$S/my cert.pem" "$S/\u00e7a.pem"
$T cert ls
$T cert show -t ca -s s 'my cert.pem'
""")
case("cert add: into a store generate-test made", f"""
$T cert generate-test s >/dev/null
{ADD} "$S/ca.pem"
$T cert ls
""")
case("cert add: a leaf certificate into ca", f"{ADD} \"$S/leaf.pem\"")
case("cert add: a leaf among good ones", f"{ADD} \"$S/ca.pem\" \"$S/leaf.pem\"\n$T cert ls")
case("cert add: tsa root into tsa", "$T cert add -t tsa -s ts \"$S/tsa.pem\"\n$T cert ls")
case("cert add: into signingAuthority", "$T cert add -t signingAuthority -s sa \"$S/ca.pem\"\n$T cert ls")
case("cert add: one store name in every type", """
$T cert add -t ca -s x "$S/ca.pem"
$T cert add -t signingAuthority -s x "$S/ca2.pem"
$T cert add -t tsa -s x "$S/tsa.pem"
$T cert ls
$T cert ls -s x
""")
for t in ("CA", "x509", "", "signingauthority", "TSA", "ca "):
    case(f"cert add: store type {t!r}", f"$T cert add -t '{t}' -s s \"$S/ca.pem\"\n$T cert ls")
for s in ("", "a b", "a/b", "..", "-", "a.b_c-D9", "\u00fc", "x" * 200, "s*"):
    label = f"cert add: store name {s!r}" if len(s) < 20 else "cert add: a 200-character store name"
    case(label, f"$T cert add -t ca -s '{s}' \"$S/ca.pem\"\n$T cert ls")
case("cert add: store name .", "$T cert add -t ca -s . \"$S/ca.pem\"\n$T cert ls")
case("cert add: bad type and bad store name", "$T cert add -t nope -s 'a b' \"$S/ca.pem\"")
case("cert add: no type", "$T cert add -s s \"$S/ca.pem\"")
case("cert add: no store", "$T cert add -t ca \"$S/ca.pem\"")
case("cert add: no file", "$T cert add -t ca -s s")
case("cert add: configuration directory is a file", f"""
mkdir -p "$D/xdg"; : > "$C"
{ADD} "$S/ca.pem"
""")
case("cert add: truststore is a file", f"""
mkdir -p "$C"; : > "$C/truststore"
{ADD} "$S/ca.pem"
$T cert ls
""")
case("cert add: the store is a file", f"""
mkdir -p "$C/truststore/x509/ca"; : > "$C/truststore/x509/ca/s"
{ADD} "$S/ca.pem"
""")

# cert list
LIST_SETUP = """
$T cert add -t ca -s s "$S/ca.pem" "$S/ca2.pem" >/dev/null
$T cert add -t ca -s t "$S/bundle.pem" >/dev/null
$T cert add -t signingAuthority -s s "$S/ca.pem" >/dev/null
$T cert add -t tsa -s ts "$S/tsa.pem" >/dev/null
"""
case("cert list: nothing stored", "$T cert list\n$T cert ls -t ca\n$T cert ls -s s")
case("cert list: empty store directories", """
mkdir -p "$C/truststore/x509/ca/e" "$C/truststore/x509/tsa"
$T cert ls
$T cert ls -s e
""")
LIST_FILTERS = [("", ""), ("ca", ""), ("signingAuthority", ""), ("tsa", ""), ("", "s"), ("", "t"),
                ("", "ts"), ("ca", "s"), ("ca", "t"), ("ca", "ts"), ("tsa", "ts"), ("tsa", "s"),
                ("signingAuthority", "s"), ("signingAuthority", "t"), ("", "missing"), ("ca", "missing"),
                ("nope", ""), ("nope", "s"), ("CA", ""), ("x509", "s"), ("", "a b"), ("ca", "../ca"),
                ("", ".")]
for t, s in LIST_FILTERS:
    flags = (f" -t '{t}'" if t else "") + (f" -s '{s}'" if s else "")
    case(f"cert list:{flags or ' all'}", LIST_SETUP + f"$T cert list{flags}")
case("cert list: empty flag values", LIST_SETUP + "$T cert ls -t '' -s ''")
case("cert list: long flag names", LIST_SETUP + "$T certificate list --type ca --store s")
case("cert list: extra operand", LIST_SETUP + "$T cert list s")
case("cert list: a garbage file in a store", LIST_SETUP + """
cp "$S/garbage.pem" "$C/truststore/x509/ca/s/"
$T cert ls
$T cert ls -t tsa
""")

# cert show
SHOW_SETUP = """
$T cert add -t ca -s s "$S/ca.pem" "$S/bundle.pem" >/dev/null
cp "$S/garbage.pem" "$S/empty.pem" "$C/truststore/x509/ca/s/"; mkdir "$C/truststore/x509/ca/s/d"
"""
for lab, args in [("a certificate", "-t ca -s s ca.pem"), ("a bundle", "-t ca -s s bundle.pem"),
                  ("a missing file", "-t ca -s s none.pem"), ("a missing store", "-t ca -s none ca.pem"),
                  ("another type", "-t tsa -s s ca.pem"), ("an unknown type", "-t nope -s s ca.pem"),
                  ("an invalid store name", "-t ca -s 'a b' ca.pem"), ("garbage", "-t ca -s s garbage.pem"),
                  ("an empty file", "-t ca -s s empty.pem"), ("a directory", "-t ca -s s d"),
                  ("an empty name", "-t ca -s s ''"), ("a name in other case", "-t ca -s s CA.PEM"),
                  ("no type", "-s s ca.pem"), ("no store", "-t ca ca.pem"), ("no name", "-t ca -s s"),
                  ("two names", "-t ca -s s ca.pem bundle.pem")]:
    case(f"cert show: {lab}", SHOW_SETUP + f"$T cert show {args}")
case("cert show: a name with a path", SHOW_SETUP + "$T cert show -t ca -s s ../s/ca.pem")

# cert delete
DEL_SETUP = "$T cert add -t ca -s s \"$S/ca.pem\" \"$S/ca2.pem\" >/dev/null"
for answer, feed in [("y", "printf 'y\\n' |"), ("yes", "printf 'yes\\n' |"), ("Y", "printf 'Y\\n' |"),
                     ("YES", "printf 'YES\\n' |"), ("n", "printf 'n\\n' |"), ("an empty line", "printf '\\n' |"),
                     ("end of input", ""), ("y without a newline", "printf y |"),
                     ("' y'", "printf ' y\\n' |"), ("'no'", "printf 'no\\n' |"),
                     ("y on the second line", "printf '\\ny\\n' |")]:
    case(f"cert delete: answered {answer}", f"""
{DEL_SETUP}
{feed} $T cert delete -t ca -s s ca.pem
$T cert ls
""")
    case(f"cert delete --all: answered {answer}", f"""
{DEL_SETUP}
{feed} $T cert delete -t ca -s s --all
$T cert ls
""")
case("cert delete: -y", f"{DEL_SETUP}\n$T cert delete -t ca -s s -y ca.pem\n$T cert ls")
case("cert delete: --yes, rm", f"{DEL_SETUP}\n$T cert rm --type ca --store s --yes ca2.pem\n$T cert ls")
case("cert delete: -a -y", f"{DEL_SETUP}\n$T cert delete -t ca -s s -a -y\n$T cert ls\nls \"$C/truststore/x509/ca\"")
case("cert delete: the last certificate", f"""
$T cert add -t ca -s s "$S/ca.pem" >/dev/null
$T cert delete -t ca -s s -y ca.pem
$T cert ls
ls -A "$C/truststore/x509/ca/s"
""")
case("cert delete: a missing file, -y", f"{DEL_SETUP}\n$T cert delete -t ca -s s -y none.pem")
case("cert delete: a missing file, answered y", f"{DEL_SETUP}\nprintf 'y\\n' | $T cert delete -t ca -s s none.pem")
case("cert delete: a missing file, answered n", f"{DEL_SETUP}\nprintf 'n\\n' | $T cert delete -t ca -s s none.pem")
case("cert delete: a missing store, --all -y", "$T cert delete -t ca -s none --all -y")
case("cert delete: a missing store, --all answered y", "printf 'y\\n' | $T cert delete -t ca -s none --all")
case("cert delete: an unknown type", f"{DEL_SETUP}\n$T cert delete -t nope -s s -y ca.pem")
case("cert delete: an invalid store name", f"{DEL_SETUP}\n$T cert delete -t ca -s 'a b' -y ca.pem")
case("cert delete: --all and a name", f"{DEL_SETUP}\n$T cert delete -t ca -s s --all -y ca.pem")
case("cert delete: neither --all nor a name", f"{DEL_SETUP}\n$T cert delete -t ca -s s -y")
case("cert delete: two names", f"{DEL_SETUP}\n$T cert delete -t ca -s s -y ca.pem ca2.pem\n$T cert ls")
case("cert delete: no type", f"{DEL_SETUP}\n$T cert delete -s s -y ca.pem")
case("cert delete: a name with a path", f"{DEL_SETUP}\n$T cert delete -t ca -s s -y ../s/ca.pem\n$T cert ls")
case("cert delete: a directory in the store", f"""
{DEL_SETUP}
mkdir "$C/truststore/x509/ca/s/d"
$T cert delete -t ca -s s -y d
$T cert ls
""")
case("cert delete: the wrong type", f"{DEL_SETUP}\n$T cert delete -t tsa -s s -y ca.pem\n$T cert ls")

# cert generate-test
case("cert generate-test: plain", "$T cert generate-test t\n$T key ls\n$T cert ls")
case("cert generate-test: --default", "$T cert generate-test --default t\n$T key ls")
case("cert generate-test: -b 3072", "$T cert generate-test -b 3072 t")
case("cert generate-test: --bits 4096 --default", "$T cert generate-test --bits 4096 --default t\n$T key list")
case("cert generate-test: -b 1024", "$T cert generate-test -b 1024 t")
case("cert generate-test: -b 256", "$T cert generate-test -b 256 t")
case("cert generate-test: -b abc", "$T cert generate-test -b abc t")
case("cert generate-test: two, the second default", """
$T cert generate-test a
$T cert generate-test --default b
$T key ls
$T cert ls
""")
case("cert generate-test: a name taken", "$T cert generate-test t\n$T cert generate-test t\n$T key ls")
case("cert generate-test: a name a plugin key has", """
$T plugin install --file "$S/notation-fake" >/dev/null
$T key add t --plugin fake --id k
$T cert generate-test t
$T key ls
""")
case("cert generate-test: the store exists with another file", """
$T cert add -t ca -s t "$S/ca.pem" >/dev/null
$T cert generate-test t
$T cert ls
""")
case("cert generate-test: the store holds t.crt", """
mkdir -p "$C/truststore/x509/ca/t"; cp "$S/ca.pem" "$C/truststore/x509/ca/t/t.crt"
$T cert generate-test t
$T key ls
""")
for n in ("", "a b", "a/b", "\u00fc", "-x"):
    case(f"cert generate-test: name {n!r}", f"$T cert generate-test -- '{n}'\n$T key ls")
case("cert generate-test: store name ..", "$T cert generate-test ..\n$T key ls")
case("cert generate-test: no name", "$T cert generate-test")
case("cert generate-test: two names", "$T cert generate-test a b")
case("cert generate-test: localkeys is a file", """
mkdir -p "$C"; : > "$C/localkeys"
$T cert generate-test t
$T key ls
""")
case("cert generate-test: then delete its certificate", """
$T cert generate-test t >/dev/null
$T cert delete -t ca -s t -y t.crt
$T cert ls
$T key ls
""")

# key
INSTALL = "$T plugin install --file \"$S/notation-fake\" >/dev/null"
case("key add: a plugin key", f"{INSTALL}\n$T key add k --plugin fake --id key-1\n$T key list")
case("key add: --default", f"{INSTALL}\n$T key add k --plugin fake --id key-1 --default\n$T key list")
case("key add: --plugin-config", f"""
{INSTALL}
$T key add k --plugin fake --id key-1 --plugin-config a=1 --plugin-config 'b=x=y' --plugin-config c=
$T key list
""")
case("key add: --plugin-config without =", f"{INSTALL}\n$T key add k --plugin fake --id key-1 --plugin-config a\n$T key ls")
case("key add: --plugin-config empty key", f"{INSTALL}\n$T key add k --plugin fake --id key-1 --plugin-config =1")
case("key add: no --id", f"{INSTALL}\n$T key add k --plugin fake\n$T key ls")
case("key add: an empty --id", f"{INSTALL}\n$T key add k --plugin fake --id ''")
case("key add: no --plugin", f"{INSTALL}\n$T key add k --id key-1")
case("key add: an empty --plugin", f"{INSTALL}\n$T key add k --plugin '' --id key-1")
case("key add: a plugin not installed", "$T key add k --plugin fake --id key-1\n$T key ls")
case("key add: a plugin whose metadata names another", """
mkdir -p "$C/plugins/broken"; cp "$S/broken/notation-broken" "$C/plugins/broken/"
$T key add k --plugin broken --id key-1
$T key ls
""")
case("key add: no name", f"{INSTALL}\n$T key add --plugin fake --id key-1")
case("key add: two names", f"{INSTALL}\n$T key add a b --plugin fake --id key-1\n$T key ls")
case("key add: a name taken", f"""
{INSTALL}
$T key add k --plugin fake --id key-1
$T key add k --plugin fake --id key-2 --default
$T key ls
""")
case("key add: odd names", f"""
{INSTALL}
$T key add 'a b' --plugin fake --id 1
$T key add '../x' --plugin fake --id 2 --default
$T key add '\u00fc' --plugin fake --id 3
$T key ls
""")
case("key add: a second default", f"""
{INSTALL}
$T key add a --plugin fake --id 1 --default
$T key add b --plugin fake --id 2 --default
$T key ls
""")
case("key add: beside generated keys", f"""
{INSTALL}
$T cert generate-test --default t >/dev/null
$T key add k --plugin fake --id 1
$T key ls
""")
KEYS = f"""
{INSTALL}
$T key add a --plugin fake --id 1 >/dev/null
$T key add b --plugin fake --id 2 --default >/dev/null
$T key add c --plugin fake --id 3 >/dev/null
"""
case("key list: nothing", "$T key list\n$T key ls")
case("key list: extra operand", KEYS + "$T key list a")
case("key update: --default", KEYS + "$T key update a --default\n$T key ls")
case("key update: --default of the default", KEYS + "$T key update b --default\n$T key ls")
case("key update: set alias", KEYS + "$T key set c --default\n$T key ls")
case("key update: --default of a missing key", KEYS + "$T key update z --default\n$T key ls")
case("key update: without --default", KEYS + "$T key update a\n$T key ls")
case("key update: a missing key without --default", KEYS + "$T key update z")
case("key update: without --default, -v", KEYS + "$T key update a -v 2>&1 | grep -o 'did not take effect'")
case("key update: no name", KEYS + "$T key update --default")
case("key update: two names", KEYS + "$T key update a c --default\n$T key ls")
case("key update: no keys at all", "$T key update a --default")
case("key delete: one", KEYS + "$T key delete a\n$T key ls")
case("key delete: the default", KEYS + "$T key delete b\n$T key ls")
case("key delete: several", KEYS + "$T key delete a b\n$T key ls")
case("key delete: several, some missing", KEYS + "$T key delete a z c\n$T key ls")
case("key delete: a missing one first", KEYS + "$T key delete z a\n$T key ls")
case("key delete: a name twice", KEYS + "$T key delete a a\n$T key ls")
case("key delete: all, rm alias", KEYS + "$T key rm c b a\n$T key ls")
case("key delete: no name", KEYS + "$T key delete")
case("key delete: no keys at all", "$T key delete a")
case("key delete: a generated key, files kept", """
$T cert generate-test --default t >/dev/null
$T key delete t
$T key ls
$T cert ls
""")

# policy
case("policy show: no policy", "$T policy show")
case("policy show: garbage", "mkdir -p \"$C\"; cp \"$S/policy-garbage.json\" \"$C/trustpolicy.json\"\n$T policy show")
case("policy show: an invalid policy", "mkdir -p \"$C\"; cp \"$S/policy-bad.json\" \"$C/trustpolicy.json\"\n$T policy show")
case("policy show: an empty file", "mkdir -p \"$C\"; : > \"$C/trustpolicy.json\"\n$T policy show")
case("policy show: a directory", "mkdir -p \"$C/trustpolicy.json\"\n$T policy show")
case("policy show: a valid policy", "mkdir -p \"$C\"; cp \"$S/policy.json\" \"$C/trustpolicy.json\"\n$T policy show")
case("policy show: extra operand", "mkdir -p \"$C\"; cp \"$S/policy.json\" \"$C/trustpolicy.json\"\n$T policy show x")
case("policy show: only trustpolicy.oci.json", "mkdir -p \"$C\"; cp \"$S/policy.json\" \"$C/trustpolicy.oci.json\"\n$T policy show")
case("policy show: both files", """
mkdir -p "$C"; cp "$S/policy.json" "$C/trustpolicy.json"; cp "$S/policy2.json" "$C/trustpolicy.oci.json"
$T policy show
""")
case("policy import: then show", "$T policy import \"$S/policy.json\"\n$T policy show")
case("policy import: --force, nothing there", "$T policy import --force \"$S/policy.json\"")
for answer, feed in [("y", "printf 'y\\n' |"), ("yes", "printf 'yes\\n' |"), ("n", "printf 'n\\n' |"),
                     ("end of input", ""), ("an empty line", "printf '\\n' |")]:
    case(f"policy import: over a policy, answered {answer}", f"""
$T policy import "$S/policy.json"
{feed} $T policy import "$S/policy2.json"
$T policy show
""")
case("policy import: over a policy, --force", """
$T policy import "$S/policy.json"
$T policy import --force "$S/policy2.json"
$T policy show
""")
case("policy import: the same policy again, --force", """
$T policy import "$S/policy.json"
$T policy import --force "$S/policy.json"
""")
case("policy import: over an invalid policy, answered n", """
mkdir -p "$C"; cp "$S/policy-bad.json" "$C/trustpolicy.json"; chmod 600 "$C/trustpolicy.json"
printf 'n\\n' | $T policy import "$S/policy.json"
$T policy show
""")
case("policy import: over an empty file", """
mkdir -p "$C"; : > "$C/trustpolicy.json"; chmod 600 "$C/trustpolicy.json"
$T policy import "$S/policy.json"
""")
case("policy import: over a directory", """
mkdir -p "$C/trustpolicy.json"
$T policy import "$S/policy.json"
""")
case("policy import: over garbage, answered y", """
mkdir -p "$C"; cp "$S/policy-garbage.json" "$C/trustpolicy.json"
printf 'y\\n' | $T policy import "$S/policy.json"
$T policy show
""")
case("policy import: an invalid policy", "$T policy import \"$S/policy-bad.json\"\n$T policy show")
case("policy import: garbage", "$T policy import \"$S/policy-garbage.json\"")
case("policy import: an invalid policy over a valid one, --force", """
$T policy import "$S/policy.json"
$T policy import --force "$S/policy-bad.json"
$T policy show
""")
case("policy import: a missing file", "$T policy import \"$S/none.json\"")
case("policy import: a directory", "$T policy import \"$S/adir.pem\"")
case("policy import: no file", "$T policy import")
case("policy import: two files", "$T policy import \"$S/policy.json\" \"$S/policy2.json\"")
case("policy import: trustpolicy.oci.json exists", """
mkdir -p "$C"; cp "$S/policy.json" "$C/trustpolicy.oci.json"
$T policy import --force "$S/policy2.json"
""")
case("policy import: configuration directory is a file", """
mkdir -p "$D/xdg"; : > "$C"
$T policy import "$S/policy.json"
""")

# Where the configuration directory is.
case("config: NOTATION_CONFIG", """
NOTATION_CONFIG="$D/nc" $T cert add -t ca -s s "$S/ca.pem"
NOTATION_CONFIG="$D/nc" $T cert ls
$T cert ls
NOTATION_CONFIG="$D/nc" $T policy import "$S/policy.json"
NOTATION_CONFIG="$D/nc" $T policy show
$T policy show
""")
case("config: NOTATION_CONFIG, generate-test and keys", """
NOTATION_CONFIG="$D/nc" $T cert generate-test --default t
NOTATION_CONFIG="$D/nc" $T key ls
$T key ls
""")
case("config: NOTATION_CONFIG empty", """
NOTATION_CONFIG= $T cert add -t ca -s s "$S/ca.pem"
$T cert ls
""")
case("config: NOTATION_CONFIG relative", """
NOTATION_CONFIG=rel $T cert add -t ca -s s "$S/ca.pem"
NOTATION_CONFIG=rel $T cert ls
""")
case("config: no XDG_CONFIG_HOME", """
env -u XDG_CONFIG_HOME $T cert add -t ca -s s "$S/ca.pem"
env -u XDG_CONFIG_HOME $T cert ls
$T cert ls
""")
case("config: XDG_CONFIG_HOME empty", """
XDG_CONFIG_HOME= $T policy import "$S/policy.json"
XDG_CONFIG_HOME= $T policy show
""")
case("config: XDG_CONFIG_HOME relative", """
XDG_CONFIG_HOME=relx $T cert add -t ca -s s "$S/ca.pem"
XDG_CONFIG_HOME=relx $T cert ls
""")
case("config: a file, key commands", """
mkdir -p "$D/xdg"; : > "$C"
$T key ls
$T key add k --plugin fake --id 1
$T key update k --default
$T key delete k
$T cert ls
$T cert show -t ca -s s a.pem
$T cert delete -t ca -s s -y --all
""")
case("config: a file, policy show", "mkdir -p \"$D/xdg\"; : > \"$C\"\n$T policy show")
case("config: a file, generate-test", "mkdir -p \"$D/xdg\"; : > \"$C\"\n$T cert generate-test t")
case("config: signingkeys.json is a directory", """
mkdir -p "$C/signingkeys.json"
$T key ls
$T key delete k
$T key update k --default
""")
case("config: signingkeys.json is a directory, generate-test", "mkdir -p \"$C/signingkeys.json\"\n$T cert generate-test t")
case("config: signingkeys.json is a link", """
mkdir -p "$C"; printf '{"keys":[]}' > "$D/real.json"; ln -s "$D/real.json" "$C/signingkeys.json"
$T key ls
""")


# --- running -------------------------------------------------------------------------------------
def normalize(text, tool, table=False):
    named = re.search(r"\b(notation|notary)\b", text.replace("notation-", ""))
    text = text.replace(RUN, "<run>").replace(S, "<src>").replace(tool, "TOOL")
    text = re.sub(r"\b(notation|notary)\b", "TOOL", text)
    text = re.sub(r"expiring on \S+", "expiring on <time>", text)
    if table and named:
        text = re.sub(r" {3,}", "   ", text)
    return text


KNOWN = {}


def tree(root, dir_modes):
    out = []
    for base, dirs, names in os.walk(root):
        dirs.sort()
        for n in sorted(dirs + names):
            p = os.path.join(base, n)
            rel = os.path.relpath(p, root)
            if rel.split("/")[0] in ("cache", "tmp"):
                continue
            st = os.lstat(p)
            if stat.S_ISLNK(st.st_mode):
                out.append(f"l {rel} -> {os.readlink(p)}")
            elif stat.S_ISDIR(st.st_mode):
                out.append(f"d {oct(st.st_mode & 0o777) if dir_modes else ''} {rel}")
            else:
                with open(p, "rb") as f:
                    data = f.read()
                h = hashlib.sha256(data).hexdigest()
                if h in KNOWN or n.endswith(".json"):
                    what = KNOWN.get(h, h[:16])
                else:
                    what = "<generated>"
                out.append(f"f {oct(st.st_mode & 0o777)} {rel} {what}")
    return sorted(out)


def run_case(tool, steps):
    shutil.rmtree(RUN, ignore_errors=True)
    os.makedirs(f"{RUN}/home")
    os.makedirs(f"{RUN}/cwd")
    config = f"{RUN}/xdg/notation"
    env = {k: v for k, v in os.environ.items() if not k.startswith("NOTATION_")}
    env.update(XDG_CONFIG_HOME=f"{RUN}/xdg", HOME=f"{RUN}/home", NOTATION_CACHE=f"{RUN}/cache", T=tool,
               C=config, S=S, D=RUN, TMPDIR=f"{RUN}/tmp")
    os.makedirs(f"{RUN}/tmp")
    results = []
    for step in steps:
        try:
            r = subprocess.run(["bash", "-c", step], env=env, cwd=f"{RUN}/cwd", capture_output=True, text=True,
                               timeout=60, stdin=subprocess.DEVNULL)
            rc, out, err = r.returncode, r.stdout, r.stderr
        except subprocess.TimeoutExpired:
            rc, out, err = -1, "", "Error: timed out"
        lines = [l for l in err.splitlines() if not l.startswith("Warning: This feature is experimental")]
        error, before = "", lines
        for i, l in enumerate(lines):
            if l.startswith("Error: "):
                error, before = "\n".join(lines[i:]), lines[:i]
                break
        if tool == NOTARY:
            # notary's success line of `policy import` is notation's main branch's (README:
            # Deliberate differences), read here as v1.3.2's.
            out = re.sub(r"Successfully imported OCI trust policy configuration to \S+\n",
                         "Trust policy configuration imported successfully.\n", out)
        results.append({"ok": rc == 0, "out": normalize(out, tool, table=True), "error": normalize(error, tool).strip(),
                        "warnings": [normalize(l, tool) for l in lines if l.startswith("Warning: ")],
                        "other": [normalize(l, tool) for l in before if not l.startswith("Warning: ")]})
    # `plugin install` creates directories 0700 on purpose (README; notation: 0755), so their
    # modes are compared only where no step installs a plugin.
    return results, tree(RUN, not any("plugin install" in s for s in steps))


def compare(theirs, ours):
    diffs = []
    for i, (t, o) in enumerate(zip(theirs[0], ours[0])):
        step = f"step {i + 1}"
        if t["ok"] != o["ok"]:
            diffs.append(f"{step} {'succeeded' if t['ok'] else 'failed'} with notation, "
                         f"{'succeeded' if o['ok'] else 'failed'} with notary\n  notation: {t['error'] or t['out']!r}"
                         f"\n  notary:   {o['error'] or o['out']!r}")
            continue
        if t["out"] != o["out"]:
            diffs.append(f"{step} stdout\n  notation: {t['out']!r}\n  notary:   {o['out']!r}")
        if not o["error"].startswith(t["error"]) or (o["error"] and not t["error"]):
            diffs.append(f"{step} error\n  notation: {t['error']!r}\n  notary:   {o['error']!r}")
        if t["warnings"] != o["warnings"]:
            diffs.append(f"{step} warnings\n  notation: {t['warnings']}\n  notary:   {o['warnings']}")
        if t["other"] != o["other"]:
            diffs.append(f"{step} stderr\n  notation: {t['other']}\n  notary:   {o['other']}")
    if theirs[1] != ours[1]:
        only_t = [x for x in theirs[1] if x not in ours[1]]
        only_o = [x for x in ours[1] if x not in theirs[1]]
        diffs.append(f"tree\n  notation only: {only_t}\n  notary only:   {only_o}")
    return diffs


def main():
    build_sources()
    for base, _, names in os.walk(S):
        for n in names:
            with open(os.path.join(base, n), "rb") as f:
                KNOWN.setdefault(hashlib.sha256(f.read()).hexdigest(), f"<src {os.path.relpath(os.path.join(base, n), S)}>")
    only = os.environ.get("ONLY")
    report = Report("notation")
    labels = [c[0] for c in CASES]
    assert len(labels) == len(set(labels)), [l for l in labels if labels.count(l) > 1]
    steps = 0
    for label, case_steps in CASES:
        if only and only not in label:
            continue
        steps += len(case_steps)
        theirs = run_case(NOTATION, case_steps)
        ours = run_case(NOTARY, case_steps)
        diffs = compare(theirs, ours)
        pairs = [(t["ok"], o["ok"]) for t, o in zip(theirs[0], ours[0])]
        report.sequence(label, pairs, diffs, STRICTER.get(label), LENIENT.get(label), WORDED.get(label))
    report.stale({**STRICTER, **LENIENT, **WORDED}, labels)
    print(f"{steps} steps; ran in {time.time() - START:.0f} s")
    report.finish("management command cases", 0 if only else 40)


main()
