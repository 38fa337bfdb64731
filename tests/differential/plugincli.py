#!/usr/bin/env python3
"""Differential run: `plugin install`, `plugin list` (`ls`) and `plugin uninstall` (`remove`,
`rm`), notation v1.3.2 against notary.

    plugincli.py NOTARY NOTATION WORKDIR

Each case runs one sequence of shell steps (`$T` the tool under test, `$C` its configuration
directory `$XDG_CONFIG_HOME/notation`, `$P` the plugin directory, `$S` the packages the script
built) with each tool in turn, on a fresh directory at the same path. Plugins are small shell
scripts named `notation-<name>` answering `get-plugin-metadata` (names, versions with SemVer
edges, capabilities, contract versions, broken JSON, missing members, failures, a name not
matching the file), installed from an executable, a .zip or a .tar.gz (several files and
executables, nested directories, links, modes, empty, `..` and absolute entries, wrong
extensions, corrupted, many entries) or by flag forms of `--file`/`--url`/`--sha256sum`/`--force`.
URL installs are served by a local HTTPS server (a test CA both tools trust through
`SSL_CERT_FILE`; `$U` its base URL). Compared, step by step: the exit status, stdout byte for byte (the `plugin list` table, the
`Successfully ...` lines, the prompt of `uninstall`), the error (notation's `Error: ...` must
open notary's, "notation" read as "notary") and `Warning:` lines; then the tree the steps left
in the configuration directory (names, kinds, file modes, file contents by hash; the modes of
directories are compared by one case only, below).

A case listed in STRICTER (notary refuses what notation accepts), LENIENT (notary accepts what
notation refuses) or WORDED (same outcomes, other words, output or tree) differs on purpose and
must still differ: the rule is printed instead of a mismatch. Exits 1 on any other difference.
ONLY=text runs the cases whose label contains it.

About 250 cases; about 30 s on two cores.

Needs python3 with `cryptography` (scripts/setup.sh installs it).
"""
import hashlib
import http.server
import io
import ipaddress
import json
import os
import re
import shutil
import ssl
import stat
import subprocess
import sys
import tarfile
import threading
import time
import zipfile

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from common import Report, cert, pem

NOTARY, NOTATION, W = sys.argv[1:4]
W = os.path.abspath(W)
os.makedirs(W, exist_ok=True)
S = f"{W}/src"
RUN = f"{W}/run"
START = time.time()

# --- deliberate differences ----------------------------------------------------------------------
DIR_MODE = "a plugin's directory is created 0700 (README: Deliberate differences; notation: 0755)"
UNSAFE = ("an archive entry with an absolute path is refused as unsafe (notation strips the leading '/' "
          "and installs it)")
SAME_NAME = ("an archive holding two files of one name (after flattening) is refused; notation keeps the "
             "last one")
ENTRIES = "an archive of more than 1,024 entries is refused (notation reads any number)"
BIG_VERSION = ("a version number past 64 bits is not a valid semantic version (notation compares the digits "
               "of any length)")
SYMLINK = ("a plugin executable that is a symbolic link is refused (README: plugins run from the plugin "
           "directory, symlinks refused); notation runs what it points to")
STRICTER = {
    "tgz: absolute path entry": UNSAFE,
    "zip: absolute path entry": UNSAFE,
    "version: 1.0.0 then 99999999999999999999.0.0": BIG_VERSION,
    "list: extra arguments": ("`plugin list` refuses arguments, as `list` and `key list` do (README: Deliberate "
                              "differences); notation ignores them"),
    "tgz: two files of one name in two directories": SAME_NAME,
    "tgz: the executable twice": SAME_NAME,
    "zip: 2000 entries": ENTRIES,
    "tgz: 2000 entries": ENTRIES,
}
LENIENT = {
    "url: a bare executable": ("a bare executable downloaded by URL is named by the URL's last segment; notation "
                               "names it by its temporary file, so it never installs one"),
    "file: relative bare file name": ("notation runs a plugin named by a bare relative file name through a PATH "
                                      "lookup, which fails; notary runs the file named"),
}
STDERR_NOT_JSON = ("a plugin failing with a stderr that is no JSON error object: notary names the exit status, "
                   "notation its JSON decoder's complaint about stderr")
WORDED = {
    "dir mode: install": DIR_MODE,
    "metadata: exit-1-stderr": STDERR_NOT_JSON,
    "list: metadata exit-1-stderr": STDERR_NOT_JSON,
    "metadata: null": ("a `null` answer is not a JSON object to notary; Go decodes it as an empty one (empty "
                       "name)"),
    "list: metadata null": ("a `null` answer is not a JSON object to notary; Go decodes it as an empty one "
                            "(empty name)"),
    "flags: --url bad URL": "the URL parser's words for why a URL cannot be read",
    "zip: absolute nested path entry": ("an archive entry with an absolute path is refused as unsafe; notation "
                                        "ignores it as one in a directory and finds no plugin"),
    "tgz: truncated": "the decompressor's words for a cut stream (Go: `unexpected EOF`)",
    "tgz: gzip of a plain file": "the tar reader's words for a stream that is no tar (Go: `unexpected EOF`)",
    "tgz: hard link": ("a hard link entry is skipped, never written (notation writes an empty file for it and "
                       "fails running it)"),
    "list: symlinked executable": SYMLINK,
    "uninstall: name with a slash": ("a name that cannot be a plugin directory is not looked up: notary says it "
                                     "finds no such plugin, notation names the path it tried"),
    "file: plugins dir is a file": ("notary stages the package inside the plugin directory and fails creating "
                                    "it; notation unpacks elsewhere and fails looking for an installed plugin"),
    "url: connection refused": "the HTTP client's words for a refused connection",
    "url: untrusted server": "the HTTP client's words for a certificate it cannot verify",
}


# --- a local HTTPS server -------------------------------------------------------------------------
class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        path = self.path.split("?")[0]
        if path.startswith("/redirect/"):
            self.send_response(302)
            self.send_header("Location", path[len("/redirect"):])
            self.end_headers()
            return
        if path.startswith("/status/"):
            self.send_response(int(path.split("/")[2]))
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        f = os.path.normpath(f"{S}/{path.lstrip('/')}")
        if not f.startswith(S + "/") or not os.path.isfile(f):
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        with open(f, "rb") as fh:
            data = fh.read()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def start_server():
    """Serves WORK/src over HTTPS on 127.0.0.1; returns the base URL and the CA file."""
    def name(cn):
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = cert(name("plugincli CA"), ca_key, name("plugincli CA"), ca_key, ca=True)
    san = x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))])
    leaf = cert(name("127.0.0.1"), key, name("plugincli CA"), ca_key, eku="server",
                ku=dict(digital_signature=True), extra=[(san, False)])
    os.makedirs(f"{W}/tls", exist_ok=True)
    with open(f"{W}/tls/ca.pem", "wb") as f:
        f.write(pem(ca))
    with open(f"{W}/tls/server.pem", "wb") as f:
        f.write(pem(leaf) + key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                              serialization.NoEncryption()))
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(f"{W}/tls/server.pem")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"https://127.0.0.1:{server.server_address[1]}", f"{W}/tls/ca.pem"


def steps_of(text):
    return [s for s in text.strip().splitlines() if s.strip()]


# --- plugins and packages ------------------------------------------------------------------------
def meta(name="demo", version="1.0.0", **over):
    m = {"name": name, "description": "Demo plugin", "version": version, "url": "https://example.com",
         "supportedContractVersions": ["1.0"], "capabilities": ["SIGNATURE_GENERATOR.RAW"]}
    for k, v in over.items():
        if v is None:
            m.pop(k, None)
        else:
            m[k] = v
    return m


def script(metadata=None, raw=None, code=0, stderr=None):
    """A plugin answering get-plugin-metadata with `metadata` (a dict) or `raw` text."""
    body = raw if raw is not None else json.dumps(metadata if metadata is not None else meta())
    err = f"printf '%s' '{stderr}' >&2\n" if stderr else ""
    return (f"#!/bin/sh\ncat >/dev/null\nif [ \"$1\" = get-plugin-metadata ]; then\n{err}cat <<'EOF'\n{body}\nEOF\n"
            f"exit {code}\nfi\nexit 1\n").encode()


PLUGIN = script()


def put(rel, data, mode=0o755):
    p = f"{S}/{rel}"
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, "wb") as f:
        f.write(data)
    os.chmod(p, mode)
    return p


def zip_pkg(rel, entries):
    """entries: (name, data, mode) for files, (name, None, 'dir') and (name, target, 'link')."""
    p = f"{S}/{rel}"
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data, mode in entries:
            i = zipfile.ZipInfo(name, (2024, 1, 1, 0, 0, 0))
            i.create_system = 3
            if mode == "dir":
                i.external_attr = (stat.S_IFDIR | 0o755) << 16 | 0x10
                z.writestr(i, b"")
            elif mode == "link":
                i.external_attr = (stat.S_IFLNK | 0o777) << 16
                z.writestr(i, data)
            else:
                i.external_attr = (stat.S_IFREG | mode) << 16
                z.writestr(i, data)
    return p


def tgz_pkg(rel, entries):
    """entries as zip_pkg's, and (name, target, 'hardlink')."""
    p = f"{S}/{rel}"
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with tarfile.open(p, "w:gz", format=tarfile.GNU_FORMAT) as t:
        for name, data, mode in entries:
            i = tarfile.TarInfo(name)
            i.mtime = 1700000000
            if mode == "dir":
                i.type, i.mode = tarfile.DIRTYPE, 0o755
                t.addfile(i)
            elif mode in ("link", "hardlink"):
                i.type = tarfile.SYMTYPE if mode == "link" else tarfile.LNKTYPE
                i.linkname, i.mode = data.decode(), 0o777
                t.addfile(i)
            else:
                i.size, i.mode = len(data), mode
                t.addfile(i, io.BytesIO(data))
    return p


def build_sources():
    shutil.rmtree(S, ignore_errors=True)
    os.makedirs(S)
    # Single executables, one directory per package (the file name is the plugin's).
    put("v100/notation-demo", PLUGIN)
    for v in ["1.1.0", "0.9.0", "2.0.0", "1.0.0-alpha", "1.0.0-rc.1", "1.0.0+a", "1.0.0+b", "1.0.0-alpha.1",
              "1.0.0-alpha.beta", "v1.0.0", "1.0", "abc", "01.0.0", "1.0.0-", "1.2.3-0a", "1.0.0-01",
              "99999999999999999999.0.0"]:
        put(f"ver/{v}/notation-demo", script(meta(version=v)))
    put("mode700/notation-demo", PLUGIN, 0o700)
    put("mode777/notation-demo", PLUGIN, 0o777)
    put("mode644/notation-demo", PLUGIN, 0o644)
    put("mode500/notation-demo", PLUGIN, 0o500)
    put("empty/notation-demo", b"", 0o755)
    put("noname/demo", PLUGIN)
    put("dash/notation-", script(meta(name="")))
    put("exe/notation-demo.exe", script(meta(name="demo.exe")))
    put("mismatch/notation-other", PLUGIN)
    put("dotted/notation-demo.v2", script(meta(name="demo.v2")))
    put("upper/notation-Demo", script(meta(name="Demo")))
    put("other/notation-other", script(meta(name="other", version="3.1.4", description="Another one",
                                            capabilities=["SIGNATURE_VERIFIER.TRUSTED_IDENTITY",
                                                          "SIGNATURE_VERIFIER.REVOCATION_CHECK"])))
    put("alpha/notation-alpha", script(meta(name="alpha", description="Alpha, the first")))
    put("named.zip/notation-demo.zip", PLUGIN)
    os.symlink(f"{S}/v100/notation-demo", f"{S}/v100/link")
    os.makedirs(f"{S}/linked", exist_ok=True)
    os.symlink(f"{S}/v100/notation-demo", f"{S}/linked/notation-demo")
    # Metadata variants.
    metas = {
        "no-caps": meta(capabilities=[]), "unknown-cap": meta(capabilities=["FOO.BAR"]),
        "all-caps": meta(capabilities=["SIGNATURE_GENERATOR.RAW", "SIGNATURE_GENERATOR.ENVELOPE",
                                       "SIGNATURE_VERIFIER.TRUSTED_IDENTITY", "SIGNATURE_VERIFIER.REVOCATION_CHECK"]),
        "contract-2": meta(supportedContractVersions=["2.0"]), "no-contract": meta(supportedContractVersions=[]),
        "contracts": meta(supportedContractVersions=["1.0", "2.0"]),
        "no-name": meta(name=None), "no-version": meta(version=None), "no-url": meta(url=None),
        "no-description": meta(description=None), "empty-version": meta(version=""),
        "empty-description": meta(description=""), "empty-url": meta(url=""), "extra-member": meta(extra=1),
        "caps-null": meta(capabilities=None), "contract-missing": meta(supportedContractVersions=None),
        "upper-members": {"NAME": "demo", "Description": "Demo plugin", "VERSION": "1.0.0", "Url": "https://e",
                          "SupportedContractVersions": ["1.0"], "Capabilities": ["SIGNATURE_GENERATOR.RAW"]},
        "version-number": meta(version=1), "unicode-description": meta(description="Démo ✓ plugin"),
        "long-description": meta(description="x" * 300), "name-mismatch": meta(name="other"),
    }
    for k, m in metas.items():
        put(f"meta/{k}/notation-demo", script(m))
    raws = {"broken-json": ("{not json", 0, None), "empty-output": ("", 0, None),
            "exit-1": (json.dumps(meta()), 1, None), "exit-1-stderr": ("", 1, "plugin failed badly"),
            "error-body": ('{"errorCode":"GENERIC","errorMessage":"nope"}', 1, None),
            "trailing-text": (json.dumps(meta()) + " tail", 0, None), "array": ("[]", 0, None),
            "two-values": (json.dumps(meta()) + json.dumps(meta()), 0, None), "null": ("null", 0, None)}
    for k, (raw, code, err) in raws.items():
        put(f"meta/{k}/notation-demo", script(raw=raw, code=code, stderr=err))
    put("meta/not-a-script/notation-demo", b"\x7fELF garbage", 0o755)
    # Archives.
    lic = b"Apache License\n"
    zip_pkg("zip/one.zip", [("notation-demo", PLUGIN, 0o755)])
    zip_pkg("zip/v110.zip", [("notation-demo", script(meta(version="1.1.0")), 0o755)])
    zip_pkg("zip/license.zip", [("notation-demo", PLUGIN, 0o755), ("LICENSE", lic, 0o644)])
    zip_pkg("zip/modes.zip", [("notation-demo", PLUGIN, 0o700), ("LICENSE", lic, 0o600), ("lib.so", lic, 0o777)])
    zip_pkg("zip/two-exes.zip", [("notation-demo", PLUGIN, 0o755), ("notation-other", PLUGIN, 0o755)])
    zip_pkg("zip/exe-and-candidate.zip", [("notation-demo", PLUGIN, 0o755), ("notation-other", PLUGIN, 0o644)])
    zip_pkg("zip/candidate.zip", [("notation-demo", PLUGIN, 0o644), ("LICENSE", lic, 0o644)])
    zip_pkg("zip/two-candidates.zip", [("notation-demo", PLUGIN, 0o644), ("notation-other", PLUGIN, 0o644)])
    zip_pkg("zip/nested.zip", [("bin/", None, "dir"), ("bin/notation-demo", PLUGIN, 0o755)])
    zip_pkg("zip/nested-no-dir-entry.zip", [("bin/notation-demo", PLUGIN, 0o755)])
    zip_pkg("zip/top-and-nested.zip", [("notation-demo", PLUGIN, 0o755), ("docs/", None, "dir"),
                                       ("docs/README", lic, 0o644), ("docs/notation-other", PLUGIN, 0o755)])
    zip_pkg("zip/dot-slash.zip", [("./notation-demo", PLUGIN, 0o755)])
    zip_pkg("zip/symlink.zip", [("notation-demo", b"/bin/sh", "link")])
    zip_pkg("zip/symlink-beside.zip", [("notation-demo", PLUGIN, 0o755), ("LICENSE", b"/etc/passwd", "link")])
    zip_pkg("zip/slip.zip", [("../notation-demo", PLUGIN, 0o755)])
    zip_pkg("zip/dots-in-name.zip", [("notation-demo", PLUGIN, 0o755), ("LICENSE..txt", lic, 0o644)])
    zip_pkg("zip/absolute.zip", [("/notation-demo", PLUGIN, 0o755)])
    zip_pkg("zip/absolute-nested.zip", [("/opt/notation-demo", PLUGIN, 0o755)])
    zip_pkg("zip/empty.zip", [])
    zip_pkg("zip/no-plugin.zip", [("README", lic, 0o644)])
    zip_pkg("zip/exe-suffix.zip", [("notation-demo.exe", PLUGIN, 0o755)])
    zip_pkg("zip/mismatch.zip", [("notation-other", PLUGIN, 0o755)])
    zip_pkg("zip/broken-plugin.zip", [("notation-demo", script(raw="{", code=0), 0o755)])
    zip_pkg("zip/dash-only.zip", [("notation-", PLUGIN, 0o755)])
    zip_pkg("zip/many.zip", [("notation-demo", PLUGIN, 0o755)] + [(f"f{i}", b"x", 0o644) for i in range(2000)])
    zip_pkg("zip/some.zip", [("notation-demo", PLUGIN, 0o755)] + [(f"f{i}", b"x", 0o644) for i in range(40)])
    with open(f"{S}/zip/one.zip", "rb") as f:
        data = f.read()
    put("zip/truncated.zip", data[: len(data) // 2], 0o644)
    put("zip/garbage.zip", b"PK\x03\x04" + b"\0" * 40, 0o644)
    put("zip/renamed.tar.gz", data, 0o644)
    put("zip/no-extension", data, 0o644)
    tgz_pkg("tgz/one.tar.gz", [("notation-demo", PLUGIN, 0o755)])
    tgz_pkg("tgz/license.tar.gz", [("notation-demo", PLUGIN, 0o755), ("LICENSE", lic, 0o644)])
    tgz_pkg("tgz/modes.tar.gz", [("notation-demo", PLUGIN, 0o700), ("LICENSE", lic, 0o600), ("lib.so", lic, 0o777)])
    tgz_pkg("tgz/two-exes.tar.gz", [("notation-demo", PLUGIN, 0o755), ("notation-other", PLUGIN, 0o755)])
    tgz_pkg("tgz/candidate.tar.gz", [("notation-demo", PLUGIN, 0o600)])
    tgz_pkg("tgz/nested.tar.gz", [("bin/", None, "dir"), ("bin/notation-demo", PLUGIN, 0o755),
                                  ("bin/doc/LICENSE", lic, 0o644)])
    tgz_pkg("tgz/dot-slash.tar.gz", [("./", None, "dir"), ("./notation-demo", PLUGIN, 0o755)])
    tgz_pkg("tgz/symlink.tar.gz", [("notation-demo", b"/bin/sh", "link")])
    tgz_pkg("tgz/symlink-beside.tar.gz", [("notation-demo", PLUGIN, 0o755), ("LICENSE", b"/etc/passwd", "link")])
    tgz_pkg("tgz/hardlink.tar.gz", [("real", PLUGIN, 0o755), ("notation-demo", b"real", "hardlink")])
    tgz_pkg("tgz/slip.tar.gz", [("x/../../notation-demo", PLUGIN, 0o755)])
    tgz_pkg("tgz/dots-in-name.tar.gz", [("notation-demo", PLUGIN, 0o755), ("LICENSE..txt", lic, 0o644)])
    tgz_pkg("tgz/absolute.tar.gz", [("/notation-demo", PLUGIN, 0o755)])
    tgz_pkg("tgz/same-name.tar.gz", [("a/notation-demo", PLUGIN, 0o755), ("b/notation-demo",
                                                                           script(meta(version="2.0.0")), 0o755)])
    tgz_pkg("tgz/twice.tar.gz", [("notation-demo", PLUGIN, 0o755), ("notation-demo",
                                                                     script(meta(version="2.0.0")), 0o755)])
    tgz_pkg("tgz/empty.tar.gz", [])
    tgz_pkg("tgz/no-plugin.tar.gz", [("README", lic, 0o644)])
    tgz_pkg("tgz/mismatch.tar.gz", [("notation-other", PLUGIN, 0o755)])
    tgz_pkg("tgz/many.tar.gz", [("notation-demo", PLUGIN, 0o755)] + [(f"f{i}", b"x", 0o644) for i in range(2000)])
    tgz_pkg("tgz/some.tar.gz", [("notation-demo", PLUGIN, 0o755)] + [(f"f{i}", b"x", 0o644) for i in range(40)])
    with open(f"{S}/tgz/one.tar.gz", "rb") as f:
        data = f.read()
    put("tgz/truncated.tar.gz", data[: len(data) // 2], 0o644)
    put("tgz/renamed.zip", data, 0o644)
    import gzip
    put("tgz/gzip-not-tar.tar.gz", gzip.compress(PLUGIN, mtime=0), 0o644)
    put("tgz/plain-named.tar.gz", PLUGIN, 0o755)


# --- cases ---------------------------------------------------------------------------------------
INSTALL = "$T plugin install --file"
CASES = []


def case(label, text):
    CASES.append((label, steps_of(text)))


# The single executable.
case("file: install, list", f"""
{INSTALL} "$S/v100/notation-demo"
$T plugin list
""")
case("file: install twice", f"{INSTALL} \"$S/v100/notation-demo\"\n{INSTALL} \"$S/v100/notation-demo\"")
case("file: install twice, --force", f"{INSTALL} \"$S/v100/notation-demo\"\n{INSTALL} --force \"$S/v100/notation-demo\"")
case("file: relative bare file name", "cp \"$S/v100/notation-demo\" .\n$T plugin install --file notation-demo")
case("file: ./ relative path", "cp \"$S/v100/notation-demo\" .\n$T plugin install --file ./notation-demo\n$T plugin ls")
case("file: mode 0700", f"{INSTALL} \"$S/mode700/notation-demo\"")
case("file: mode 0777", f"{INSTALL} \"$S/mode777/notation-demo\"")
case("file: mode 0644 (not executable)", f"{INSTALL} \"$S/mode644/notation-demo\"")
case("file: mode 0500", f"{INSTALL} \"$S/mode500/notation-demo\"")
case("file: empty executable", f"{INSTALL} \"$S/empty/notation-demo\"")
case("file: name without the notation- prefix", f"{INSTALL} \"$S/noname/demo\"")
case("file: notation- with no name", f"{INSTALL} \"$S/dash/notation-\"")
case("file: .exe suffix", f"{INSTALL} \"$S/exe/notation-demo.exe\"")
case("file: name not the metadata's", f"{INSTALL} \"$S/mismatch/notation-other\"")
case("file: name with a dot", f"{INSTALL} \"$S/dotted/notation-demo.v2\"\n$T plugin list")
case("file: name in upper case", f"{INSTALL} \"$S/upper/notation-Demo\"\n$T plugin list")
case("file: a directory", f"{INSTALL} \"$S/v100\"")
case("file: missing", f"{INSTALL} \"$S/nothing/notation-demo\"")
case("file: empty path", f"{INSTALL} ''")
case("file: a symlink to the executable, named otherwise", f"{INSTALL} \"$S/v100/link\"")
case("file: a symlink named notation-demo", f"{INSTALL} \"$S/linked/notation-demo\"")
case("file: executable named .zip", f"{INSTALL} \"$S/named.zip/notation-demo.zip\"")
case("file: script named .tar.gz", f"{INSTALL} \"$S/tgz/plain-named.tar.gz\"")
case("file: add alias", "$T plugin add --file \"$S/v100/notation-demo\"")
case("file: --file=true", "$T plugin install --file=true \"$S/v100/notation-demo\"")
case("file: --force=false twice", f"{INSTALL} \"$S/v100/notation-demo\"\n{INSTALL} --force=false \"$S/v100/notation-demo\"")
case("file: flags after the source", "$T plugin install \"$S/v100/notation-demo\" --file")
case("file: plugins dir is a file", f"mkdir -p \"$C\"; : > \"$P\"\n{INSTALL} \"$S/v100/notation-demo\"")
case("file: NOTATION_CONFIG elsewhere",
     "NOTATION_CONFIG=\"$D/other\" $T plugin install --file \"$S/v100/notation-demo\"\n"
     "NOTATION_CONFIG=\"$D/other\" $T plugin list\n$T plugin list\nfind \"$D/other\" | sort")

# Versions.
for v in ["1.1.0", "0.9.0", "1.0.0-alpha", "1.0.0+a", "v1.0.0", "1.0", "abc", "01.0.0", "1.0.0-", "1.2.3-0a",
          "1.0.0-01", "99999999999999999999.0.0"]:
    case(f"version: 1.0.0 then {v}", f"{INSTALL} \"$S/v100/notation-demo\"\n{INSTALL} \"$S/ver/{v}/notation-demo\"\n"
                                     "$T plugin list")
for v in ["abc", "1.0", "v1.0.0"]:
    case(f"version: {v} then 1.0.0", f"{INSTALL} \"$S/ver/{v}/notation-demo\"\n{INSTALL} \"$S/v100/notation-demo\"")
    case(f"version: {v} then 1.0.0 --force",
         f"{INSTALL} \"$S/ver/{v}/notation-demo\"\n{INSTALL} --force \"$S/v100/notation-demo\"")
for a, b in [("1.0.0-alpha", "1.0.0-alpha.1"), ("1.0.0-alpha.1", "1.0.0-alpha.beta"), ("1.0.0-rc.1", "1.0.0-alpha"),
             ("1.0.0+a", "1.0.0+b"), ("2.0.0", "1.1.0"), ("1.1.0", "2.0.0")]:
    case(f"version: {a} then {b}", f"{INSTALL} \"$S/ver/{a}/notation-demo\"\n{INSTALL} \"$S/ver/{b}/notation-demo\"")
case("version: downgrade, then --force", f"""
{INSTALL} "$S/ver/1.1.0/notation-demo"
{INSTALL} "$S/ver/0.9.0/notation-demo"
{INSTALL} --force "$S/ver/0.9.0/notation-demo"
$T plugin list
""")
case("version: upgrade removes the old files", f"""
{INSTALL} "$S/zip/license.zip"
{INSTALL} "$S/zip/v110.zip"
""")
case("version: existing plugin broken", f"""
mkdir -p "$P/demo"; printf '#!/bin/sh\\nexit 1\\n' > "$P/demo/notation-demo"; chmod 755 "$P/demo/notation-demo"
{INSTALL} "$S/v100/notation-demo"
{INSTALL} --force "$S/v100/notation-demo"
""")
case("version: existing directory without executable", f"""
mkdir -p "$P/demo"; echo x > "$P/demo/stale"
{INSTALL} "$S/v100/notation-demo"
""")
case("version: existing executable is a directory", f"""
mkdir -p "$P/demo/notation-demo"
{INSTALL} "$S/v100/notation-demo"
{INSTALL} --force "$S/v100/notation-demo"
""")

# Metadata.
for k in ["no-caps", "unknown-cap", "all-caps", "contract-2", "no-contract", "contracts", "no-name", "no-version",
          "no-url", "no-description", "empty-version", "empty-description", "empty-url", "extra-member", "caps-null",
          "contract-missing", "upper-members", "version-number", "unicode-description", "long-description",
          "name-mismatch", "broken-json", "empty-output", "exit-1", "exit-1-stderr", "error-body", "trailing-text",
          "array", "two-values", "null", "not-a-script"]:
    case(f"metadata: {k}", f"{INSTALL} \"$S/meta/{k}/notation-demo\"")
    case(f"list: metadata {k}", f"mkdir -p \"$P/demo\"; cp -p \"$S/meta/{k}/notation-demo\" \"$P/demo/\"\n"
                                "$T plugin list")

# --sha256sum.
SUM = "$(sha256sum \"$S/v100/notation-demo\" | cut -d' ' -f1)"
ZSUM = "$(sha256sum \"$S/zip/one.zip\" | cut -d' ' -f1)"
case("sha256sum: right", f"{INSTALL} --sha256sum {SUM} \"$S/v100/notation-demo\"")
case("sha256sum: upper case", f"{INSTALL} --sha256sum $(echo {SUM} | tr a-f A-F) \"$S/v100/notation-demo\"")
case("sha256sum: wrong", f"{INSTALL} --sha256sum {'0' * 64} \"$S/v100/notation-demo\"")
case("sha256sum: short", f"{INSTALL} --sha256sum abc \"$S/v100/notation-demo\"")
case("sha256sum: empty", f"{INSTALL} --sha256sum '' \"$S/v100/notation-demo\"")
case("sha256sum: with spaces", f"{INSTALL} --sha256sum \" {SUM} \" \"$S/v100/notation-demo\"")
case("sha256sum: zip, right", f"{INSTALL} --sha256sum {ZSUM} \"$S/zip/one.zip\"")
case("sha256sum: zip, the executable's", f"{INSTALL} --sha256sum {SUM} \"$S/zip/one.zip\"")

# Flags.
for label, args in [("no arguments", ""), ("--file, no source", "--file"), ("--url, no source", "--url"),
                    ("no --file or --url", "\"$S/v100/notation-demo\""),
                    ("--file and --url", "--file --url \"$S/v100/notation-demo\""),
                    ("two sources", "--file \"$S/v100/notation-demo\" \"$S/zip/one.zip\""),
                    ("unknown flag", "--file --bogus \"$S/v100/notation-demo\""),
                    ("--sha256sum without a value", "--file \"$S/v100/notation-demo\" --sha256sum"),
                    ("--url without --sha256sum", "--url https://127.0.0.1:1/notation-demo"),
                    ("--url http", f"--url --sha256sum {'0' * 64} http://127.0.0.1:1/x.zip"),
                    ("--url ftp", f"--url --sha256sum {'0' * 64} ftp://127.0.0.1:1/x.zip"),
                    ("--url no scheme", f"--url --sha256sum {'0' * 64} 127.0.0.1/x.zip"),
                    ("--url a file path", f"--url --sha256sum {'0' * 64} \"$S/zip/one.zip\""),
                    ("--url empty --sha256sum", "--url --sha256sum '' https://127.0.0.1:1/x.zip"),
                    ("--url bad URL", f"--url --sha256sum {'0' * 64} 'https://[::1'"),
                    ("--file with an https source", "--file https://127.0.0.1:1/x.zip")]:
    case(f"flags: {label}", f"$T plugin install {args}")
case("url: connection refused", f"$T plugin install --url --sha256sum {'0' * 64} https://127.0.0.1:1/x.zip")
URL = "$T plugin install --url"


def url_sum(rel):
    return f"$(sha256sum \"$S/{rel}\" | cut -d' ' -f1)"


case("url: zip", f"{URL} --sha256sum {url_sum('zip/license.zip')} \"$U/zip/license.zip\"\n$T plugin list")
case("url: tar.gz", f"{URL} --sha256sum {url_sum('tgz/modes.tar.gz')} \"$U/tgz/modes.tar.gz\"")
case("url: checksum in upper case",
     f"{URL} --sha256sum $(echo {url_sum('zip/one.zip')} | tr a-f A-F) \"$U/zip/one.zip\"")
case("url: wrong checksum", f"{URL} --sha256sum {'0' * 64} \"$U/zip/one.zip\"")
case("url: the executable's checksum", f"{URL} --sha256sum {url_sum('v100/notation-demo')} \"$U/zip/one.zip\"")
case("url: not found", f"{URL} --sha256sum {'0' * 64} \"$U/zip/none.zip\"")
case("url: status 500", f"{URL} --sha256sum {'0' * 64} \"$U/status/500\"")
case("url: redirect", f"{URL} --sha256sum {url_sum('zip/one.zip')} \"$U/redirect/zip/one.zip\"")
case("url: upgrade", f"{URL} --sha256sum {url_sum('zip/one.zip')} \"$U/zip/one.zip\"\n"
                     f"{URL} --sha256sum {url_sum('zip/v110.zip')} \"$U/zip/v110.zip\"")
case("url: same version again", f"{URL} --sha256sum {url_sum('zip/one.zip')} \"$U/zip/one.zip\"\n"
                                f"{URL} --sha256sum {url_sum('zip/one.zip')} \"$U/zip/one.zip\"")
case("url: two executables", f"{URL} --sha256sum {url_sum('zip/two-exes.zip')} \"$U/zip/two-exes.zip\"")
case("url: a bare executable", f"{URL} --sha256sum {url_sum('v100/notation-demo')} \"$U/v100/notation-demo\"")
case("url: untrusted server", f"SSL_CERT_FILE=/dev/null {URL} --sha256sum {url_sum('zip/one.zip')} "
                              "\"$U/zip/one.zip\"")

# Archives.
for kind in ["zip", "tgz"]:
    ext = "zip" if kind == "zip" else "tar.gz"
    for name in ["one", "license", "modes", "two-exes", "nested", "dot-slash", "symlink", "symlink-beside", "slip",
                 "dots-in-name", "absolute", "empty", "no-plugin", "mismatch", "many", "some", "truncated",
                 "candidate"]:
        label = {"many": "2000 entries", "some": "41 entries", "absolute": "absolute path entry",
                 "nested": "nested directories"}.get(name, name)
        case(f"{kind}: {label}", f"{INSTALL} \"$S/{kind}/{name}.{ext}\"\n$T plugin list")
for name, label in [("exe-and-candidate", "an executable and a non-executable candidate"),
                    ("two-candidates", "two non-executable candidates"),
                    ("nested-no-dir-entry", "nested, no directory entry"),
                    ("top-and-nested", "top-level executable and a nested directory"),
                    ("absolute-nested", "absolute nested path entry"), ("exe-suffix", ".exe entry"),
                    ("broken-plugin", "broken plugin"), ("dash-only", "notation- entry"),
                    ("garbage", "garbage after the magic"), ("renamed.tar.gz", "a zip named .tar.gz"),
                    ("no-extension", "a zip without extension")]:
    f = name if "." in name or name == "no-extension" else f"{name}.zip"
    case(f"zip: {label}", f"{INSTALL} \"$S/zip/{f}\"\n$T plugin list")
for name, label in [("hardlink", "hard link"), ("same-name", "two files of one name in two directories"),
                    ("twice", "the executable twice"), ("gzip-not-tar", "gzip of a plain file"),
                    ("renamed.zip", "a tar.gz named .zip")]:
    f = name if "." in name else f"{name}.tar.gz"
    case(f"tgz: {label}", f"{INSTALL} \"$S/tgz/{f}\"\n$T plugin list")

# plugin list.
case("list: no configuration directory", "$T plugin list")
case("list: empty plugin directory", "mkdir -p \"$P\"\n$T plugin list")
case("list: plugins is a file", "mkdir -p \"$C\"; : > \"$P\"\n$T plugin list")
case("list: several plugins, sorted", f"""
{INSTALL} "$S/other/notation-other"
{INSTALL} "$S/alpha/notation-alpha"
{INSTALL} "$S/v100/notation-demo"
$T plugin list
$T plugin ls
""")
case("list: stray files and directories", f"""
{INSTALL} "$S/v100/notation-demo"
mkdir -p "$P/emptydir" "$P/.hidden" "$P/Zed"; echo x > "$P/stray.txt"; echo x > "$P/Zed/README"
cp -p "$S/v100/notation-demo" "$P/notation-loose"
$T plugin list
""")
case("list: executable not executable", "mkdir -p \"$P/demo\"; cp \"$S/mode644/notation-demo\" \"$P/demo/\"\n$T plugin list")
case("list: executable is a directory", "mkdir -p \"$P/demo/notation-demo\"\n$T plugin list")
case("list: symlinked plugin directory", "mkdir -p \"$P\"; ln -s \"$S/v100\" \"$P/demo\"\n$T plugin list")
case("list: symlinked executable", "mkdir -p \"$P/demo\"; ln -s \"$S/v100/notation-demo\" \"$P/demo/notation-demo\"\n"
                                   "$T plugin list")
case("list: plugin named otherwise in its metadata", "mkdir -p \"$P/zed\"; cp -p \"$S/v100/notation-demo\" \"$P/zed/notation-zed\"\n"
                                                     "$T plugin list")
case("list: extra arguments", f"{INSTALL} \"$S/v100/notation-demo\"\n$T plugin list extra")
case("list: unknown flag", "$T plugin list --bogus")
case("list: NOTATION_LIBEXEC", "mkdir -p \"$D/lib/plugins/demo\"; cp -p \"$S/v100/notation-demo\" \"$D/lib/plugins/demo/\"\n"
                               "NOTATION_LIBEXEC=\"$D/lib\" $T plugin list")

# plugin uninstall.
UNI = f"{INSTALL} \"$S/zip/license.zip\""
case("uninstall: --yes", f"{UNI}\n$T plugin uninstall --yes demo\n$T plugin list")
case("uninstall: -y", f"{UNI}\n$T plugin uninstall -y demo")
case("uninstall: stdin closed", f"{UNI}\n$T plugin uninstall demo </dev/null")
case("uninstall: answer y", f"{UNI}\necho y | $T plugin uninstall demo")
case("uninstall: answer Y", f"{UNI}\necho Y | $T plugin uninstall demo")
case("uninstall: answer yes", f"{UNI}\necho yes | $T plugin uninstall demo")
case("uninstall: answer n", f"{UNI}\necho n | $T plugin uninstall demo")
case("uninstall: answer empty", f"{UNI}\necho | $T plugin uninstall demo")
case("uninstall: answer ' y'", f"{UNI}\necho ' y' | $T plugin uninstall demo")
case("uninstall: remove alias", f"{UNI}\n$T plugin remove -y demo")
case("uninstall: rm alias", f"{UNI}\n$T plugin rm --yes demo")
case("uninstall: missing, --yes", "$T plugin uninstall --yes demo")
case("uninstall: missing, stdin closed", "$T plugin uninstall demo </dev/null")
case("uninstall: missing, answer y", "echo y | $T plugin uninstall demo")
case("uninstall: no name", "$T plugin uninstall")
case("uninstall: two names", f"{UNI}\n$T plugin uninstall -y demo other")
case("uninstall: empty name", "mkdir -p \"$P\"\n$T plugin uninstall -y ''")
case("uninstall: a directory without executable", "mkdir -p \"$P/demo\"\n$T plugin uninstall -y demo")
case("uninstall: a file in plugins", "mkdir -p \"$P\"; : > \"$P/demo\"\n$T plugin uninstall -y demo")
case("uninstall: name with a slash", f"{UNI}\n$T plugin uninstall -y demo/notation-demo")
case("uninstall: ../", "mkdir -p \"$P\" \"$C/victim\"\n$T plugin uninstall -y ../victim")
case("uninstall: name of another case", f"{UNI}\n$T plugin uninstall -y DEMO")
case("uninstall: a broken plugin", "mkdir -p \"$P/demo\"; cp -p \"$S/meta/broken-json/notation-demo\" \"$P/demo/\"\n"
                                   "$T plugin uninstall -y demo")
case("uninstall: then install again", f"{UNI}\n$T plugin uninstall -y demo\n{INSTALL} \"$S/v100/notation-demo\"")

# The modes of directories (compared by this case only).
case("dir mode: install", f"{INSTALL} \"$S/v100/notation-demo\"")


# --- running -------------------------------------------------------------------------------------
def normalize(text, tool, table=False):
    named = re.search(r"\b(notation|notary)\b", text.replace("notation-", ""))
    text = text.replace(RUN, "<run>").replace(S, "<src>").replace(tool, "TOOL")
    if BASE_URL:
        text = text.replace(BASE_URL, "<url>")
    text = re.sub(r"\b(notation|notary)\b", "TOOL", text)
    if table and named:
        # A table cell naming the tool widens its column by the name's length: the padding of
        # such a table is compared as one gap.
        text = re.sub(r" {3,}", "   ", text)
    return text


def tree(root, dir_modes):
    out = []
    for base, dirs, names in os.walk(root):
        dirs.sort()
        for n in sorted(dirs + names):
            p = os.path.join(base, n)
            rel = os.path.relpath(p, root)
            st = os.lstat(p)
            if stat.S_ISLNK(st.st_mode):
                out.append(f"l {rel} -> {os.readlink(p)}")
            elif stat.S_ISDIR(st.st_mode):
                out.append(f"d {oct(st.st_mode & 0o777) if dir_modes else ''} {rel}")
            else:
                with open(p, "rb") as f:
                    h = hashlib.sha256(f.read()).hexdigest()[:16]
                out.append(f"f {oct(st.st_mode & 0o777)} {rel} {h}")
    return sorted(out)


BASE_URL, CA_FILE = None, None


def run_case(tool, steps, dir_modes):
    shutil.rmtree(RUN, ignore_errors=True)
    os.makedirs(f"{RUN}/home")
    os.makedirs(f"{RUN}/cwd")
    config = f"{RUN}/xdg/notation"
    env = {k: v for k, v in os.environ.items() if not k.startswith("NOTATION_")}
    env.update(XDG_CONFIG_HOME=f"{RUN}/xdg", HOME=f"{RUN}/home", NOTATION_CACHE=f"{RUN}/cache",
               T=tool, C=config, P=f"{config}/plugins", S=S, D=RUN, TMPDIR=f"{RUN}/tmp", U=BASE_URL,
               SSL_CERT_FILE=CA_FILE)
    env.pop("SSL_CERT_DIR", None)
    os.makedirs(f"{RUN}/tmp")
    results = []
    for step in steps:
        try:
            r = subprocess.run(["bash", "-c", step], env=env, cwd=f"{RUN}/cwd", capture_output=True, text=True,
                               timeout=60, stdin=subprocess.DEVNULL)
            rc, out, err = r.returncode, r.stdout, r.stderr
        except subprocess.TimeoutExpired:
            rc, out, err = -1, "", "Error: timed out"
        lines = err.splitlines()
        error = ""
        for i, l in enumerate(lines):
            if l.startswith("Error: "):
                error = "\n".join(lines[i:])
                break
        results.append({"ok": rc == 0, "out": normalize(out, tool, table=True), "error": normalize(error, tool).strip(),
                        "warnings": [normalize(l, tool) for l in lines if l.startswith("Warning: ")]})
    left = tree(f"{RUN}/xdg", dir_modes) + [f"tmp {x}" for x in sorted(os.listdir(f"{RUN}/tmp"))] + \
        [f"cwd {x}" for x in sorted(os.listdir(f"{RUN}/cwd"))]
    return results, left


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
        if not t["ok"] and not o["error"].startswith(t["error"]):
            diffs.append(f"{step} error\n  notation: {t['error']!r}\n  notary:   {o['error']!r}")
        if t["warnings"] != o["warnings"]:
            diffs.append(f"{step} warnings\n  notation: {t['warnings']}\n  notary:   {o['warnings']}")
    if theirs[1] != ours[1]:
        only_t = [x for x in theirs[1] if x not in ours[1]]
        only_o = [x for x in ours[1] if x not in theirs[1]]
        diffs.append(f"tree\n  notation only: {only_t}\n  notary only:   {only_o}")
    return diffs


def main():
    global BASE_URL, CA_FILE
    build_sources()
    BASE_URL, CA_FILE = start_server()
    only = os.environ.get("ONLY")
    report = Report("notation")
    labels = [c[0] for c in CASES]
    assert len(labels) == len(set(labels)), [l for l in labels if labels.count(l) > 1]
    for label, steps in CASES:
        if only and only not in label:
            continue
        dir_modes = label.startswith("dir mode")
        theirs = run_case(NOTATION, steps, dir_modes)
        ours = run_case(NOTARY, steps, dir_modes)
        diffs = compare(theirs, ours)
        pairs = [(t["ok"], o["ok"]) for t, o in zip(theirs[0], ours[0])]
        report.sequence(label, pairs, diffs, STRICTER.get(label), LENIENT.get(label), WORDED.get(label))
    report.stale({**STRICTER, **LENIENT, **WORDED}, labels)
    print(f"ran in {time.time() - START:.0f} s")
    report.finish("plugin command cases", 0 if only else 40)


main()
