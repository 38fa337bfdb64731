#!/usr/bin/env python3
"""Differential run: trust policy documents and statement selection.

    policies.py NOTARY NOTATION ORAS WORKDIR

import: ~360 OCI trust policy documents (version, statements, names, registryScopes, levels,
        overrides, verifyTimestamp, trustStores, trustedIdentities, skip, unknown, case-variant
        and duplicate members, wrong JSON types, nulls, invalid Unicode, numbers, nesting, BOM,
        trailing bytes, large documents), each given to `notation policy import --force FILE`
        and `notary policy import --force FILE`; the exit statuses must agree.
select: one artifact in an OCI layout signed by notation; trust policies whose statements lead
        to distinct outcomes (the exact statement passes, the `*` one names a store that does
        not hold the signer, none gives "no applicable trust policy"), verified by `notation
        verify --oci-layout --scope S` and `notary verify ...` under ~20 scope spellings; the
        outcome class (passed, no applicable statement, bad scope, bad policy, failed
        verification) must agree.
load:   documents written straight into trustpolicy.json (not imported) and verified: the
        loader at verification time (notation's `verify` reads the file with json.Decoder).

Every case must agree, except those in STRICTER, where notary refuses on purpose what notation
accepts, and EXTENSIONS, where notary accepts what notation's syntax cannot express (README,
"Deliberate differences from notation"); each is named with its rule, and a listed case that
stops differing fails too, so the lists stay true. Selection under two spellings of one scope
(`REG.IO/app`, `reg.io:443/app` for `reg.io/app`) differs by the canonical-scope rule, found by
`canonical` rather than listed. Exits 1 on any mismatch.
"""
import json
import os
import shutil
import subprocess
import sys

from common import Report, environment, run

NOTARY, NOTATION, ORAS, W = sys.argv[1:5]
W = os.path.abspath(W)

DUP = "duplicate or case-variant members (notation-go reads them as one field, the last wins)"
CANON = "scopes compared in canonical form (host lowercased, :443 dropped)"
UNICODE = "strings must be valid Unicode (Go substitutes U+FFFD)"
FINITE = "numbers must be finite, even in unknown members"
NESTING = "nesting is capped at 128 levels"
SIZE = "a policy file holds at most 16 MiB"
TRAILING = "trustpolicy.json holds one JSON value with nothing after it (notation's verify ignores the rest)"
IPV6 = "registry scopes may name an IPv6 registry (notation's scope syntax cannot express one)"
DOTS = "trust store names . and .. name a directory above the stores, not a store"

# Refused by notary, accepted by notation: why (README, "Deliberate differences from notation").
STRICTER = {
    "import: raw: dup member name (same value)": DUP,
    "import: raw: dup member name (last wins)": DUP,
    "import: raw: dup member level (bad then good)": DUP,
    "import: raw: member level and Level": DUP,
    "import: raw: dup override key (bad then good)": DUP,
    "import: raw: dup member trustStores": DUP,
    "import: raw: dup member trustedIdentities": DUP,
    "import: dup version (bad then good)": DUP,
    "import: version and Version": DUP,
    "import: dup trustPolicies (empty then good)": DUP,
    "import: dup registryScopes (bad then good)": DUP,
    "load: dup version (bad then good)": DUP,
    "import: scopes case variants in one statement": CANON,
    "import: scopes :443 variants in one statement": CANON,
    "import: scopes case variants across statements": CANON,
    "import: scopes :443 variants across statements": CANON,
    "import: scopes :0443 variants across statements": CANON,
    "import: scopes localhost variants across statements": CANON,
    "import: raw: lone surrogate in name": UNICODE,
    "import: raw: invalid utf-8 in name": UNICODE,
    "import: raw: invalid utf-8 in unknown member": UNICODE,
    "import: raw: 1e999 in unknown member": FINITE,
    "import: raw: nesting 130 in unknown member": NESTING,
    "import: raw: nesting 1000 in unknown member": NESTING,
    "import: document of 17 MiB (unknown member)": SIZE,
    "load: trailing garbage": TRAILING,
    "load: trailing second object": TRAILING,
    "load: trailing second, invalid object": TRAILING,
    "load: trailing ]": TRAILING,
    "import: stmt: trustStores ['ca:..']": DOTS,
    "import: stmt: trustStores ['ca:.']": DOTS,
}
# Accepted by notary, refused by notation.
EXTENSIONS = {
    "import: scope '[::1]/app'": IPV6,
    "import: scope '[::1]:5000/app'": IPV6,
    "import: scope '[2001:db8::1]:5000/app'": IPV6,
    "select: only * (good store) @ '[::1]:5000/app'": IPV6,
}


class PolicyReport(Report):
    """common.Report with deliberate differences in both directions and outcome classes."""

    def __init__(self):
        super().__init__("notation")
        self.extended = 0
        self.seen, self.labels = set(), set()

    def compare(self, label, theirs, ours, classes=None, canonical=False):
        """`theirs` and `ours` are (accepted, message) pairs; `classes` the outcome classes of a
        verification, which must agree when both refuse; `canonical`, whether the scope is
        another spelling of one the policy names."""
        assert label not in self.labels, f"two cases named {label}"
        self.labels.add(label)
        stricter, extension = STRICTER.get(label), EXTENSIONS.get(label)
        if stricter or extension:
            self.seen.add(label)
        (g, gm), (n, nm) = theirs, ours
        if canonical and g != n:
            # notary selects the statement notation passes over: either direction
            stricter = extension = CANON
        if extension and n and not g:
            self.extended += 1
            print(f"deliberate accepted  {label}: {extension}")
            return
        if extension and not stricter:
            self.mismatch(label, f"listed as deliberately accepted ({extension}), but notation "
                                 f"{'accepted' if g else 'refused'}, notary {'accepted' if n else 'refused'}"
                                 f"\n  notation: {gm}\n  notary: {nm}")
            return
        if classes and not g and not n and classes[0] != classes[1]:
            self.mismatch(label, f"both refused, notation as {classes[0]}, notary as {classes[1]}"
                                 f"\n  notation: {gm}\n  notary: {nm}")
            return
        self.record(label, theirs, ours, stricter=stricter)

    def finish(self, what, min_accepted):
        for label in sorted((set(STRICTER) | set(EXTENSIONS)) - self.seen):
            self.mismatch(label, "listed as deliberate but no case of it ran")
        if self.accepted < min_accepted:
            print(f"only {self.accepted} cases accepted by both, expected at least {min_accepted}")
        total = self.agree + self.stricter + self.extended + len(self.mismatched)
        print(f"{total} {what}: {self.agree} agree ({self.accepted} accepted by both), "
              f"{self.stricter} deliberately stricter, {self.extended} deliberately accepted, "
              f"{len(self.mismatched)} mismatched")
        sys.exit(1 if self.mismatched or self.accepted < min_accepted else 0)


report = PolicyReport()


def first_line(text):
    lines = [l for l in text.splitlines() if l.strip() and not l.startswith("Warning:")]
    return (lines or [""])[0][:240]


# --- documents ------------------------------------------------------------------------------------
def st(name="p", scopes=("reg.io/app",), level="strict", stores=("ca:good",), ids=("*",), **extra):
    s = {"name": name}
    if scopes is not None:
        s["registryScopes"] = list(scopes)
    s["signatureVerification"] = {"level": level} if not isinstance(level, dict) else level
    if stores is not None:
        s["trustStores"] = list(stores)
    if ids is not None:
        s["trustedIdentities"] = list(ids)
    s.update(extra)
    return s


def skip(name="p", scopes=("reg.io/app",), **extra):
    return st(name, scopes, "skip", None, None, **extra)


def doc(*stmts, version="1.0"):
    return {"version": version, "trustPolicies": list(stmts)}


def enc(d):
    return json.dumps(d, ensure_ascii=False)


def without(s, member):
    return {k: v for k, v in s.items() if k != member}


def renamed(s, member, to):
    return {(to if k == member else k): v for k, v in s.items()}


def statement_cases():
    """Statement-level cases: (label, statement)."""
    c = []
    for lv in ["strict", "permissive", "audit", "skip", "Strict", "STRICT", " strict", "", "none",
               "enforce", "ſtrict", "audit\u0000"]:
        c.append((f"level {lv!r}", st(level=lv) if lv != "skip" else skip()))
    c.append(("level missing", st(level={})))
    c.append(("level null", st(level={"level": None})))
    c.append(("level number", st(level={"level": 1})))
    c.append(("signatureVerification missing", without(st(), "signatureVerification")))
    c.append(("signatureVerification null", dict(st(), signatureVerification=None)))
    c.append(("signatureVerification string", dict(st(), signatureVerification="strict")))
    # overrides
    for k in ["integrity", "authenticity", "authenticTimestamp", "expiry", "revocation"]:
        for a in ["enforce", "log", "skip"]:
            c.append((f"override strict {k}={a}", st(level={"level": "strict", "override": {k: a}})))
    for lv in ["permissive", "audit"]:
        for k, a in [("authenticity", "enforce"), ("expiry", "enforce"), ("revocation", "skip"),
                     ("integrity", "enforce"), ("authenticity", "skip")]:
            c.append((f"override {lv} {k}={a}", st(level={"level": lv, "override": {k: a}})))
    for k, a in [("Integrity", "log"), ("authentictimestamp", "log"), ("EXPIRY", "log"), ("expiry ", "log"),
                 ("timestamp", "log"), ("", "log"), ("expiry", "Log"), ("expiry", ""), ("expiry", "warn"),
                 ("expiry", "enforce ")]:
        c.append((f"override strict {k!r}={a!r}", st(level={"level": "strict", "override": {k: a}})))
    c.append(("override value null", st(level={"level": "strict", "override": {"expiry": None}})))
    c.append(("override value number", st(level={"level": "strict", "override": {"expiry": 1}})))
    c.append(("override empty object", st(level={"level": "strict", "override": {}})))
    c.append(("override null", st(level={"level": "strict", "override": None})))
    c.append(("override list", st(level={"level": "strict", "override": [{"expiry": "log"}]})))
    c.append(("override two keys one bad", st(level={"level": "strict", "override": {"expiry": "log", "bogus": "log"}})))
    for a in ["enforce", "log", "skip"]:
        c.append((f"override under skip expiry={a}",
                  st(level={"level": "skip", "override": {"expiry": a}}, stores=None, ids=None)))
    c.append(("override null under skip", st(level={"level": "skip", "override": None}, stores=None, ids=None)))
    # verifyTimestamp
    for vt in ["always", "afterCertExpiry", "", "Always", "aftercertexpiry", "never", "afterCertExpiry "]:
        c.append((f"verifyTimestamp {vt!r}", st(level={"level": "strict", "verifyTimestamp": vt})))
    c.append(("verifyTimestamp null", st(level={"level": "strict", "verifyTimestamp": None})))
    c.append(("verifyTimestamp bool", st(level={"level": "strict", "verifyTimestamp": True})))
    c.append(("verifyTimestamp bad under skip",
              st(level={"level": "skip", "verifyTimestamp": "never"}, stores=None, ids=None)))
    c.append(("verifyTimestamp with override", st(level={
        "level": "permissive", "verifyTimestamp": "afterCertExpiry", "override": {"expiry": "enforce"}})))
    # trustStores
    for ts in [["ca:x"], ["signingAuthority:x"], ["tsa:x"], ["ca:x", "tsa:y"], ["signingAuthority:x", "tsa:y"],
               ["ca:x", "signingAuthority:y"], ["tsa:x", "tsa:y"], ["CA:x"], ["signingauthority:x"], ["ca"],
               ["ca:"], [":x"], ["x:y"], ["ca:a:b"], ["ca:a b"], ["ca:.."], ["ca:."], ["ca:-"], ["ca:a/b"],
               ["ca:a\\b"], ["ca:ü"], ["ca:x "], [" ca:x"], ["ca:x", "ca:x"], ["ca:x", "signingAuthority:x"],
               [""], ["ca:x", ""], ["ca:" + "a" * 300], ["ca:a.b-c_D9"], ["ca:x\n"], ["ca:\u212a"], ["ca:x\u0000"]]:
        c.append((f"trustStores {ts!r}"[:120], st(stores=ts)))
    c.append(("trustStores empty list", st(stores=[])))
    c.append(("trustStores missing", st(stores=None)))
    c.append(("trustStores null", dict(st(), trustStores=None)))
    c.append(("trustStores string", dict(st(), trustStores="ca:x")))
    c.append(("trustStores [null]", dict(st(), trustStores=[None])))
    c.append(("trustStores [1]", dict(st(), trustStores=[1])))
    # trustedIdentities (validation at import; identities.py covers matching)
    dn = "x509.subject: C=US, ST=WA, O=acme"
    for ti in [["*"], ["*", "*"], ["*", dn], [""], [dn, ""], ["x509.subject:"], ["x509.subject: "],
               ["x509.subject:C=US,ST=WA,O=acme"], [dn], ["x509.subject: C=US, ST=WA"],
               ["x509.subject: C=US, O=acme"], ["x509.subject: C=US, S=WA, O=acme"],
               ["x509.subject: C=US, ST=WA, S=WA, O=acme"], ["x509.subject: C=US+ST=WA, O=acme"],
               ["x509.subject: C=US, ST=WA, O=#04024869"], ["x509.subject: C=US, ST=WA, O=a\\,b"],
               ["x509.subject: C=US, ST=WA, O=\"a,b\""], ["x509.subject: C=US; ST=WA; O=acme"],
               ["x509.subject: C=US, ST=WA, O=acme,"], ["x509.subject: c=US, st=WA, o=acme"],
               ["x509.subject: 2.5.4.6=US, 2.5.4.8=WA, 2.5.4.10=acme"], ["x509.subject: C=US, ST=WA, O=acme, OU="],
               ["x509.subject: C=US, ST=WA, O=acme, OU=, OU=x"], ["x509.subject: C=US, ST=WA, O="],
               ["x509.subject: C=US, ST=WA, O=acme\\"], ["x509.subject: C=US, ST=WA, O=acme, CN"],
               ["x509.subject: C=US, ST=WA, O=acme, emailAddress=a@b"], [dn, dn],
               [dn, "x509.subject: C=US, ST=WA, O=acme, CN=a"], [dn, "x509.subject:C=US,ST=WA,O=acme"],
               ["foo:bar"], ["X509.Subject: anything"], ["x509.subject :C=US"], ["x509.Subject: C=US, ST=WA, O=acme"],
               ["nocolon"], [":x"], ["x:"], ["foo:bar", dn], ["x509.subject: C=US, ST=WA, O=" + "a" * 2000],
               [" *"], ["**"]]:
        c.append((f"trustedIdentities {ti!r}"[:140], st(ids=ti)))
    c.append(("trustedIdentities empty list", st(ids=[])))
    c.append(("trustedIdentities missing", st(ids=None)))
    c.append(("trustedIdentities null", dict(st(), trustedIdentities=None)))
    c.append(("trustedIdentities string", dict(st(), trustedIdentities="*")))
    c.append(("trustedIdentities [null]", dict(st(), trustedIdentities=[None])))
    # skip with stores or identities, other levels without
    c.append(("skip with stores", st(level="skip", ids=None)))
    c.append(("skip with identities", st(level="skip", stores=None)))
    c.append(("skip with empty lists", st(level="skip", stores=[], ids=[])))
    c.append(("skip with null lists", dict(skip(), trustStores=None, trustedIdentities=None)))
    c.append(("skip with bad store", st(level="skip", stores=["bogus"], ids=[])))
    c.append(("strict without stores and identities", st(stores=None, ids=None)))
    c.append(("audit without identities", st(level="audit", ids=[])))
    # statement names
    for nm in ["", " ", "ünï", "a/b", "p" * 1000, "\u0000", "*"]:
        c.append((f"name {nm[:20]!r}", st(name=nm)))
    c.append(("name missing", without(st(), "name")))
    c.append(("name null", dict(st(), name=None)))
    c.append(("name number", dict(st(), name=1)))
    # unknown and case-variant members
    c.append(("statement unknown member", dict(st(), extra="x")))
    c.append(("statement unknown member object", dict(st(), extra={"a": [1, {"b": None}]})))
    c.append(("signatureVerification unknown member", st(level={"level": "strict", "extra": 1})))
    c.append(("signatureVerification 'Level'", st(level={"Level": "strict"})))
    c.append(("signatureVerification 'Override'", st(level={"level": "strict", "Override": {"expiry": "log"}})))
    c.append(("signatureVerification 'VerifyTimestamp' bad", st(level={"level": "strict", "VerifyTimestamp": "never"})))
    c.append(("statement 'Name'", renamed(st(), "name", "Name")))
    c.append(("statement 'TRUSTSTORES'", renamed(st(), "trustStores", "TRUSTSTORES")))
    c.append(("statement 'ſignatureVerification' (U+017F)", renamed(st(), "signatureVerification", "ſignatureVerification")))
    c.append(("statement 'trustStoreſ' (U+017F)", renamed(st(), "trustStores", "trustStoreſ")))
    return c


def raw_statement_cases():
    """Statements as raw JSON text (duplicate members, escapes, numbers, nesting): (label, text)."""
    sv = '{"level":"strict"}'
    base = '"trustStores":["ca:good"],"trustedIdentities":["*"]'
    rs = '"registryScopes":["reg.io/app"],'
    tail = rs + '"signatureVerification":' + sv + ',' + base + '}'
    return [
        ("dup member name (same value)", '{"name":"p","name":"p",' + tail),
        ("dup member name (last wins)", '{"name":"","name":"p",' + tail),
        ("dup member level (bad then good)", '{"name":"p",' + rs + '"signatureVerification":{"level":"bogus","level":"strict"},' + base + '}'),
        ("dup member level (good then bad)", '{"name":"p",' + rs + '"signatureVerification":{"level":"strict","level":"bogus"},' + base + '}'),
        ("member level and Level", '{"name":"p",' + rs + '"signatureVerification":{"level":"bogus","Level":"strict"},' + base + '}'),
        ("dup override key (bad then good)", '{"name":"p",' + rs + '"signatureVerification":{"level":"strict","override":{"expiry":"bogus","expiry":"log"}},' + base + '}'),
        ("dup member trustStores", '{"name":"p",' + rs + '"signatureVerification":' + sv + ',"trustStores":["bad"],' + base + '}'),
        ("dup member trustedIdentities", '{"name":"p",' + rs + '"signatureVerification":' + sv + ',"trustedIdentities":[""],' + base + '}'),
        ("escaped member names", '{"\\u006eame":"p",' + rs + '"signatureVerification":{"\\u006cevel":"strict"},' + base + '}'),
        ("escaped colon in store", ('{"name":"p",' + tail).replace('ca:good', 'ca\\u003agood')),
        ("lone surrogate in name", '{"name":"\\ud800",' + tail),
        ("surrogate pair in name", '{"name":"\\ud83d\\ude00",' + tail),
        ("invalid escape in name", '{"name":"\\x",' + tail),
        ("control char in name", '{"name":"a\tb",' + tail),
        ("invalid utf-8 in name", '{"name":"a\udcffb",' + tail),
        ("invalid utf-8 in unknown member", '{"name":"p","x":"\udcff",' + tail),
        ("1e999 in unknown member", '{"name":"p","x":1e999,' + tail),
        ("-0 and big int in unknown member", '{"name":"p","x":[-0,123456789012345678901234567890,1e308],' + tail),
        ("nesting 100 in unknown member", '{"name":"p","x":' + '[' * 100 + ']' * 100 + ',' + tail),
        ("nesting 130 in unknown member", '{"name":"p","x":' + '[' * 130 + ']' * 130 + ',' + tail),
        ("nesting 1000 in unknown member", '{"name":"p","x":' + '[' * 1000 + ']' * 1000 + ',' + tail),
        ("70000 values in unknown member", '{"name":"p","x":[' + ','.join(['0'] * 70000) + '],' + tail),
    ]


def import_cases():
    c = []
    for v in ["1.0", "1.1", "1", "", "v1.0", "1.0 ", "2.0"]:
        c.append((f"version {v!r}", doc(st(), version=v)))
    c.append(("version missing", {"trustPolicies": [st()]}))
    c.append(("version null", {"version": None, "trustPolicies": [st()]}))
    c.append(("version number 1.0", '{"version":1.0,"trustPolicies":[' + enc(st()) + ']}'))
    c.append(("version list", {"version": ["1.0"], "trustPolicies": [st()]}))
    c.append(("trustPolicies missing", {"version": "1.0"}))
    c.append(("trustPolicies null", {"version": "1.0", "trustPolicies": None}))
    c.append(("trustPolicies empty", doc()))
    c.append(("trustPolicies object", {"version": "1.0", "trustPolicies": st()}))
    c.append(("trustPolicies [null]", {"version": "1.0", "trustPolicies": [None]}))
    c.append(("trustPolicies [{}]", {"version": "1.0", "trustPolicies": [{}]}))
    c.append(("trustPolicies [null, ok]", {"version": "1.0", "trustPolicies": [None, st()]}))
    c.append(("trustPolicies [1]", {"version": "1.0", "trustPolicies": [1]}))
    # names across statements
    c.append(("names duplicate", doc(st("p", ["a.io/x"]), st("p", ["a.io/y"]))))
    c.append(("names differ in case", doc(st("p", ["a.io/x"]), st("P", ["a.io/y"]))))
    c.append(("names NFC vs NFD", doc(st("\u00e9", ["a.io/x"]), st("e\u0301", ["a.io/y"]))))
    c.append(("names duplicate, second skip", doc(st("p", ["a.io/x"]), skip("p", ["a.io/y"]))))
    c.append(("two lone surrogates names", '{"version":"1.0","trustPolicies":[{"name":"\\ud800","registryScopes":["a.io/x"],"signatureVerification":{"level":"skip"}},{"name":"\\ud801","registryScopes":["a.io/y"],"signatureVerification":{"level":"skip"}}]}'))
    # registry scopes, one statement
    long_repo = "reg.io/" + "/".join(["abcdefghij"] * 30)
    scopes = ["*", "reg.io/app", "REG.IO/app", "reg.io/App", "reg.io:5000/app", "reg.io:443/app", "reg.io:80/app",
              "reg.io:0/app", "reg.io:00443/app", "reg.io:99999/app", "reg.io:99999999999999999999/app", "reg.io:/app",
              "reg.io:5000:1/app", "localhost/app", "localhost:5000/app", "LOCALHOST/app", "local/app",
              "[::1]/app", "[::1]:5000/app", "[2001:db8::1]:5000/app", "127.0.0.1:5000/app", "999.999.999.999/app",
              "reg.io/app:v1", "reg.io/app@sha256:" + "a" * 64, "reg.io/app/", "/app", "reg.io", "app", "library/app",
              "docker.io/library/app", "https://reg.io/app", "reg.io//app", "reg.io/a/b/c/d", "reg.io/a__b",
              "reg.io/a___b", "reg.io/a--b", "reg.io/a-", "reg.io/-a", "reg.io/a..b", "reg.io/_a", "-reg.io/app",
              "reg-.io/app", "reg..io/app", "reg.io./app", "xn--bcher-kva.example/app", "bücher.example/app",
              "reg.io/äpp", "", " reg.io/app", "reg.io/app\n", "*/app", "reg.io/*", "reg.io/a*b", "1/2",
              "a_b.io/app", "reg.io/app#x", long_repo, "reg.io/" + "a" * 300, "a" * 70 + ".io/app",
              ".".join(["a" * 60] * 6) + "/app", "reg.io/app\u0000", "reg.io\\app", "REG.IO:443/app",
              "*.reg.io/app", "reg.io:-1/app", "reg.io:٥٠٠٠/app", "reg.io/a/../b"]
    for s in scopes:
        c.append((f"scope {s[:90]!r}", doc(st(scopes=[s]))))
    c.append(("scopes empty list", doc(st(scopes=[]))))
    c.append(("scopes missing", doc(st(scopes=None))))
    c.append(("scopes null", doc(dict(st(), registryScopes=None))))
    c.append(("scopes string", doc(dict(st(), registryScopes="reg.io/app"))))
    c.append(("scopes [1]", doc(dict(st(), registryScopes=[1]))))
    c.append(("scopes * mixed", doc(st(scopes=["*", "reg.io/app"]))))
    c.append(("scopes * twice in one statement", doc(st(scopes=["*", "*"]))))
    c.append(("scopes duplicate in one statement", doc(st(scopes=["reg.io/app", "reg.io/app"]))))
    c.append(("scopes case variants in one statement", doc(st(scopes=["reg.io/app", "REG.io/app"]))))
    c.append(("scopes :443 variants in one statement", doc(st(scopes=["reg.io/app", "reg.io:443/app"]))))
    c.append(("scopes many", doc(st(scopes=[f"reg.io/app{i}" for i in range(500)]))))
    # registry scopes across statements
    c.append(("scopes * in two statements", doc(st("a", ["*"]), st("b", ["*"]))))
    c.append(("scopes * and exact", doc(st("a", ["*"]), st("b", ["reg.io/app"]))))
    c.append(("scopes duplicate across statements", doc(st("a", ["reg.io/app"]), st("b", ["reg.io/app"]))))
    c.append(("scopes duplicate across statements, one skip", doc(st("a", ["reg.io/app"]), skip("b", ["reg.io/app"]))))
    c.append(("scopes case variants across statements", doc(st("a", ["reg.io/app"]), st("b", ["REG.IO/app"]))))
    c.append(("scopes :443 variants across statements", doc(st("a", ["reg.io/app"]), st("b", ["reg.io:443/app"]))))
    c.append(("scopes :80 variants across statements", doc(st("a", ["reg.io/app"]), st("b", ["reg.io:80/app"]))))
    c.append(("scopes :0443 variants across statements", doc(st("a", ["reg.io:443/app"]), st("b", ["reg.io:0443/app"]))))
    c.append(("scopes localhost variants across statements", doc(st("a", ["localhost/app"]), st("b", ["LocalHost/app"]))))
    c.append(("scopes docker.io variants across statements", doc(st("a", ["docker.io/library/app"]), st("b", ["index.docker.io/library/app"]))))
    c.append(("scopes prefix/nested across statements", doc(st("a", ["reg.io/app"]), st("b", ["reg.io/app/sub"]))))
    c.append(("scopes trailing dot host across statements", doc(st("a", ["reg.io/app"]), st("b", ["reg.io./app"]))))
    c.append(("scopes 1000 statements", doc(*[st(f"p{i}", [f"reg.io/app{i}"]) for i in range(1000)])))
    # skip with the wildcard scope (the specification forbids it, notation does not check)
    c.append(("skip with * scope", doc(skip(scopes=["*"]))))
    c.append(("skip with * scope and exact strict", doc(skip("a", ["*"]), st("b", ["reg.io/app"]))))
    for label, s in statement_cases():
        c.append((f"stmt: {label}", doc(s)))
    for label, text in raw_statement_cases():
        c.append((f"raw: {label}", '{"version":"1.0","trustPolicies":[' + text + ']}'))
    # document members, blob fields (ignored in OCI documents, whatever their type), framing
    good = enc(doc(st()))
    c.append(("doc unknown member", dict(doc(st()), extra={"x": 1})))
    c.append(("doc globalPolicy member (blob field)", dict(doc(st()), globalPolicy=True)))
    for v in [True, False, None, "yes", 1, [True], {"a": 1}]:
        c.append((f"stmt globalPolicy {json.dumps(v)} (blob field)", doc(dict(st(), globalPolicy=v))))
    c.append(("stmt globalPolicy true on two statements", doc(dict(st("a", ["a.io/x"]), globalPolicy=True),
                                                              dict(st("b", ["a.io/y"]), globalPolicy=True))))
    c.append(("doc 'Version'", {"Version": "1.0", "trustPolicies": [st()]}))
    c.append(("doc 'TrustPolicies'", {"version": "1.0", "TrustPolicies": [st()]}))
    c.append(("doc 'trustPolicieſ' (U+017F)", {"version": "1.0", "trustPolicieſ": [st()]}))
    c.append(("stmt 'REGISTRYSCOPES'", doc(renamed(st(), "registryScopes", "REGISTRYSCOPES"))))
    c.append(("dup version (bad then good)", '{"version":"2.0","version":"1.0","trustPolicies":[' + enc(st()) + ']}'))
    c.append(("dup version (good then bad)", '{"version":"1.0","version":"2.0","trustPolicies":[' + enc(st()) + ']}'))
    c.append(("version and Version", '{"version":"2.0","Version":"1.0","trustPolicies":[' + enc(st()) + ']}'))
    c.append(("dup trustPolicies (empty then good)", '{"version":"1.0","trustPolicies":[],"trustPolicies":[' + enc(st()) + ']}'))
    c.append(("dup registryScopes (bad then good)", '{"version":"1.0","trustPolicies":[{"name":"p","registryScopes":["bad"],"registryScopes":["reg.io/app"],"signatureVerification":{"level":"skip"}}]}'))
    c.append(("BOM", b"\xef\xbb\xbf" + good.encode()))
    c.append(("UTF-16LE BOM", b"\xff\xfe" + good.encode("utf-16-le")))
    c.append(("trailing garbage", good + "xyz"))
    c.append(("trailing second object", good + good))
    c.append(("trailing whitespace", good + "\n\n \t\r\n"))
    c.append(("leading whitespace", "\n \t" + good))
    c.append(("trailing NUL", good + "\u0000"))
    c.append(("trailing comma in object", good[:-1] + ",}"))
    c.append(("comment", "// c\n" + good))
    c.append(("top-level array", "[" + good + "]"))
    c.append(("top-level null", "null"))
    c.append(("empty file", ""))
    c.append(("truncated", good[:-1]))
    c.append(("single quotes", good.replace('"', "'")))
    c.append(("NaN in unknown member", '{"x":NaN,' + good[1:]))
    c.append(("pretty printed, CRLF", json.dumps(doc(st()), indent=2).replace("\n", "\r\n")))
    for mib in (15, 17):
        c.append((f"document of {mib} MiB (unknown member)", dict(doc(st()), x="a" * (mib << 20))))
    c.append(("e2e sample", doc(
        st("wabbit-networks-images", ["registry.acme-rockets.io/software/net-monitor",
                                      "registry.acme-rockets.io/software/net-logger"],
           "strict", ["ca:wabbit-networks"],
           ["x509.subject: C=US, ST=WA, L=Seattle, O=wabbit-networks.io, OU=Security Tools"]),
        skip("unsigned-image", ["registry.acme-rockets.io/software/unsigned/net-utils"]),
        st("allow-expired-images", ["registry.acme-rockets.io/software/legacy/metrics"],
           {"level": "strict", "override": {"expiry": "log"}}, ["ca:acme-rockets"], ["*"]),
        st("global-policy-for-all-other-images", ["*"], "audit", ["ca:acme-rockets"],
           ["x509.subject: C=US, ST=WA, L=Seattle, O=acme-rockets.io, OU=SecOps"]))))
    return c


def as_bytes(d):
    if isinstance(d, bytes):
        return d
    return (d if isinstance(d, str) else enc(d)).encode("utf-8", "surrogateescape")


def call(args, env, cwd=None):
    """(exit status 0, the first line of stderr, else stdout)"""
    r = subprocess.run(args, env=env, capture_output=True, text=True, errors="replace", cwd=cwd)
    return r.returncode == 0, first_line(r.stderr) or first_line(r.stdout)


def run_import():
    env = environment(f"{W}/import")
    os.makedirs(f"{W}/docs", exist_ok=True)
    for i, (label, d) in enumerate(import_cases()):
        path = f"{W}/docs/{i:04d}.json"
        with open(path, "wb") as f:
            f.write(as_bytes(d))
        theirs = call([NOTATION, "policy", "import", "--force", path], env)
        ours = call([NOTARY, "policy", "import", "--force", path], env)
        report.compare(f"import: {label}", theirs, ours)


# --- selection and loading: one artifact signed by notation, verified under each policy ----------
SEL = f"{W}/select"
SEL_ENV = environment(SEL)
SEL_CFG = f"{SEL}/xdg/notation"


def sel_setup():
    os.makedirs(SEL, exist_ok=True)
    os.chdir(SEL)
    sh = lambda *a: run(SEL_ENV, *a)
    sh(NOTATION, "cert", "generate-test", "--default", "good")
    sh(NOTATION, "cert", "generate-test", "other")
    with open("art.txt", "w") as f:
        f.write("policy selection artifact\n")
    sh(ORAS, "push", "--oci-layout", "lay:v1", "art.txt")
    digest = sh(ORAS, "resolve", "--oci-layout", "lay:v1")
    sh(NOTATION, "sign", "--oci-layout", "--key", "good", f"lay@{digest}")
    return digest


def classify(ok, out):
    """The outcome class of a verification from its output."""
    if ok:
        return "pass"
    low = out.lower()
    if "no applicable" in low:
        return "no-applicable"
    if "registry scope" in low or "artifact uri" in low or "is not valid" in low or "invalid artifact reference" in low:
        return "bad-scope"
    if "regular file" in low or "malformed" in low or "symbolic link" in low or "reads as one" in low:
        return "bad-policy"
    if "authenticity" in low or "trust store" in low or "not signed by a trusted" in low \
            or "trusted identit" in low or "signature verification failed" in low:
        return "fail-verify"
    if "trust policy" in low:
        return "bad-policy"
    return "other"


def clear_policy():
    for f in ("trustpolicy.json", "trustpolicy.oci.json"):
        p = f"{SEL_CFG}/{f}"
        if os.path.isdir(p) and not os.path.islink(p):
            shutil.rmtree(p)
        elif os.path.lexists(p):
            os.remove(p)


def verify(label, digest, scope, canonical=False):
    outs, classes = [], []
    for tool in (NOTATION, NOTARY):
        r = subprocess.run([tool, "verify", "--oci-layout", "--scope", scope, f"lay@{digest}"], env=SEL_ENV,
                           capture_output=True, text=True, errors="replace")
        text = "\n".join(l for l in (r.stderr + "\n" + r.stdout).splitlines()
                         if l.strip() and not l.startswith("Warning:"))
        cls = classify(r.returncode == 0, text)
        classes.append(cls)
        outs.append((r.returncode == 0, f"[{cls}] {first_line(text)}"))
    report.compare(label, outs[0], outs[1], classes=classes, canonical=canonical)


def canonical(scope):
    """A scope in the canonical form README describes: host lowercased, port 443 dropped."""
    host, sep, rest = scope.partition("/")
    h, colon, port = host.rpartition(":")
    if colon and port.isdigit() and int(port) == 443:
        host = h
    return host.lower() + sep + rest


def good(name, scopes):
    return st(name, scopes, "strict", ["ca:good"], ["*"])


def bad(name, scopes):
    return st(name, scopes, "strict", ["ca:other"], ["*"])


def select_cases():
    """(label, policy document, scopes to verify under)."""
    probe = ["reg.io/app", "REG.IO/app", "Reg.io/app", "reg.io:443/app", "reg.io:0443/app", "REG.IO:443/app",
             "reg.io:80/app", "reg.io:5000/app", "reg.io/app/sub", "reg.io/apps", "localhost/app",
             "localhost:5000/app", "local/app", "reg.io./app"]
    bad_scopes = ["reg.io/App", "reg.io/app/", "reg.io", "*", "[::1]:5000/app", "reg.io/app:v1", "",
                  "https://reg.io/app", "a_b.io/app", "reg.io/app@sha256:" + "a" * 64]
    c = []
    for exact in ["reg.io/app", "REG.IO/app", "reg.io:443/app", "reg.io:0443/app", "reg.io:5000/app",
                  "localhost/app", "local/app", "reg.io/app/sub", "reg.io./app"]:
        c.append((f"exact {exact!r} + * (other store)", doc(good("e", [exact]), bad("w", ["*"])), probe))
        c.append((f"exact {exact!r}, no *", doc(good("e", [exact])), probe[:5]))
    # scopes both tools accept in a policy, selected by the same spelling
    for odd in ["reg.io:99999/app", "reg.io:0/app", "reg.io:00443/app", "999.999.999.999/app", "127.0.0.1:5000/app",
                "a" * 70 + ".io/app", ".".join(["a" * 60] * 6) + "/app", "reg.io/" + "a" * 300, "1/2",
                "xn--bcher-kva.example/app", "localhost:0/app", "LOCALHOST/app", "reg.io/a__b", "docker.io/library/app",
                "library/app"]:
        c.append((f"odd exact {odd[:40]!r} + * (other store)", doc(good("e", [odd]), bad("w", ["*"])), [odd]))
    # names of 255 and 256 bytes (Go's reference parser caps names at 255; notation matches the
    # scope before parsing, and so does notary)
    for n in (255, 256):
        long_scope = "reg.io/" + "a" * (n - 7)
        c.append((f"exact scope of {n} bytes + * (other store)", doc(good("e", [long_scope]), bad("w", ["*"])), [long_scope]))
        c.append((f"only * (good store), scope of {n} bytes", doc(good("w", ["*"])), [long_scope]))
    c.append(("only * (good store)", doc(good("w", ["*"])), probe[:3] + bad_scopes))
    c.append(("only * skip", doc(skip("w", ["*"])), probe[:3] + bad_scopes[:4]))
    c.append(("exact skip + * (other store)", doc(skip("e", ["reg.io/app"]), bad("w", ["*"])), probe[:5]))
    c.append(("exact other store + * skip", doc(bad("e", ["reg.io/app"]), skip("w", ["*"])), probe[:5]))
    c.append(("* first, exact second", doc(bad("w", ["*"]), good("e", ["reg.io/app"])), probe[:3]))
    c.append(("two exact statements", doc(good("a", ["reg.io/app"]), bad("b", ["reg.io/other"])),
              ["reg.io/app", "reg.io/other", "reg.io/x"]))
    c.append(("many scopes in one statement", doc(good("a", [f"reg.io/app{i}" for i in range(50)] + ["reg.io/app"]),
                                                  bad("w", ["*"])), ["reg.io/app", "reg.io/app49", "reg.io/app50"]))
    c.append(("audit * with other store", doc(st("w", ["*"], "audit", ["ca:other"], ["*"])), ["reg.io/app"]))
    c.append(("exact with identity mismatch", doc(st("e", ["reg.io/app"], "strict", ["ca:good"],
                                                     ["x509.subject: C=US, ST=WA, O=nomatch"]), good("w", ["*"])),
              ["reg.io/app", "reg.io/x"]))
    c.append(("exact with missing store", doc(st("e", ["reg.io/app"], "strict", ["ca:missing"], ["*"]), good("w", ["*"])),
              ["reg.io/app", "reg.io/x"]))
    c.append(("exact with tsa-only store", doc(st("e", ["reg.io/app"], "strict", ["tsa:good"], ["*"]), good("w", ["*"])),
              ["reg.io/app"]))
    c.append(("exact with signingAuthority store", doc(st("e", ["reg.io/app"], "strict", ["signingAuthority:good"], ["*"]),
                                                       bad("w", ["*"])), ["reg.io/app"]))
    c.append(("exact with duplicate store", doc(st("e", ["reg.io/app"], "strict", ["ca:good", "ca:good"], ["*"])),
              ["reg.io/app"]))
    c.append(("exact with other-prefix identity only", doc(st("e", ["reg.io/app"], "strict", ["ca:good"], ["foo:bar"])),
              ["reg.io/app"]))
    c.append(("exact with verifyTimestamp afterCertExpiry", doc(st("e", ["reg.io/app"], {
        "level": "strict", "verifyTimestamp": "afterCertExpiry"}, ["ca:good"], ["*"])), ["reg.io/app"]))
    c.append(("exact with globalPolicy string (blob field)", doc(dict(good("e", ["reg.io/app"]), globalPolicy="x")),
              ["reg.io/app"]))
    return c


def run_select(digest):
    for label, d, scopes in select_cases():
        clear_policy()
        with open(f"{SEL_CFG}/trustpolicy.json", "w") as f:
            f.write(enc(d))
        named = [s for t in d["trustPolicies"] for s in t["registryScopes"] if s != "*"]
        for scope in scopes:
            canon = any(s != scope and canonical(s) == canonical(scope) for s in named)
            verify(f"select: {label} @ {scope!r}", digest, scope, canonical=canon)


def run_load(digest):
    """Documents written straight into trustpolicy.json, verified with a scope they select."""
    ok = enc(doc(good("e", ["reg.io/app"])))
    cases = [
        ("valid", ok),
        ("BOM", b"\xef\xbb\xbf" + ok.encode()),
        ("trailing garbage", ok + "xyz"),
        ("trailing second object", ok + ok),
        ("trailing second, invalid object", ok + '{"version":"9"}'),
        ("trailing ]", ok + "]"),
        ("trailing whitespace", ok + "\n\n"),
        ("truncated", ok[:-1]),
        ("dup version (bad then good)", '{"version":"2.0","version":"1.0","trustPolicies":[' + enc(good("e", ["reg.io/app"])) + ']}'),
        ("'Version'", ok.replace('"version"', '"Version"')),
        ("unknown member", ok[:-1] + ',"x":1}'),
        ("invalid (no statements)", enc(doc())),
        ("invalid (skip with stores)", enc(doc(st("e", ["reg.io/app"], "skip")))),
        ("empty file", ""),
    ]
    for label, data in cases:
        clear_policy()
        with open(f"{SEL_CFG}/trustpolicy.json", "wb") as f:
            f.write(data if isinstance(data, bytes) else data.encode())
        verify(f"load: {label}", digest, "reg.io/app")
    # the policy file is a symbolic link, or a directory
    clear_policy()
    with open(f"{SEL}/real.json", "w") as f:
        f.write(ok)
    os.symlink(f"{SEL}/real.json", f"{SEL_CFG}/trustpolicy.json")
    verify("load: policy file is a symbolic link", digest, "reg.io/app")
    clear_policy()
    os.makedirs(f"{SEL_CFG}/trustpolicy.json")
    verify("load: policy file is a directory", digest, "reg.io/app")
    clear_policy()


run_import()
DIGEST = sel_setup()
run_select(DIGEST)
run_load(DIGEST)
report.finish("cases", 150)
