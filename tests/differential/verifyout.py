#!/usr/bin/env python3
"""Differential run: the text `verify` prints, notation v1.3.2 against notary, on OCI layouts.

    verifyout.py NOTARY NOTATION ORAS [DOCKER_REGISTRY] WORKDIR

Signs artifacts in OCI layouts with `notary` (a good signature, JWS and COSE, user metadata,
several signatures of which some are bad, an expired signature, an expired certificate, an
untrusted signer, a tampered envelope, none at all), then verifies each with `notation verify`
and `notary verify` under trust policies of every level and a set of overrides (a failed
validation that is only logged is printed as a warning), a trusted identity that does not
match, a trust store that does not exist, no trust policy, by tag and by digest, with
`--user-metadata` matched or not and with `--max-signatures` reached, each once plain and once
with `-v`; then a few of them through a registry (DOCKER_REGISTRY, else `docker-registry` from
`PATH`; skipped when there is none). Both tools run in the same directory with the same
arguments. Compared, "notation"
read as "notary":
- the exit status;
- stdout, byte for byte;
- stderr, line by line, but for notation's experimental-feature warning and the log lines `-v`
  adds (see below).

Rules that make notary's text differ on purpose (README: Deliberate differences); a case where
one applies is reported with the rule, and a rule claimed that does not apply is a mismatch:
- NEWER_LAYOUT (WORDED): after a warning, notary's stdout opens with a blank line, as
  notation's main branch prints it; the rest must then be equal.
- FAILURE_REASONS (WORDED): when every signature fails, notary's error is notation's headline
  followed by why each signature failed (`: <reason>` for one, a `  signature N: <reason>` line
  each for more); notation logs the reasons only under `-v`.
- VERBOSE_LOG (WORDED): under `-v` both log to stderr, notation in logrus' text format (Go
  structures dumped with `%+v`), notary in `tracing`'s (time, level, span fields). These lines
  are not compared as text; notation's `<validation> validation failed. Failure reason: <why>`
  lines (when every signature failed, so both tried them all) and its `Signature verification
  skipped for <scope>@<digest>` line must each appear, message for message, among notary's.
- ADDED_DETAIL (WORDED): a line that is notation's followed by where notary looked, in
  parentheses (the trust policy file, the trust store directory).
notation's user metadata table is read with its rows sorted (Go prints its map in random
order, notary sorted). Cases where notary's words differ for a reason of their own are listed in
STRICTER, LENIENT or WORDED with the rule; a listed case that stops differing fails the run too.
Layouts whose signatures would make the outcome depend on which one notation tries first are not
run where that shows (notation's order in a layout is random).

`-d/--debug` is not compared (its content differs by nature). About 240 cases, 20 s or so on
two cores. Exits 1 on any mismatch.

Needs python3 with `cryptography` (scripts/setup.sh installs it).
"""
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import time

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from common import Report, add_signing_key, cert as make_cert, environment, now, pem, run, tamper_layout_payload

NOTARY, NOTATION, ORAS = sys.argv[1:4]
REGISTRY_BIN = sys.argv[4] if len(sys.argv) > 5 else shutil.which("docker-registry")
W = sys.argv[-1]
W = os.path.abspath(W)
os.makedirs(W, exist_ok=True)
ENV = environment(W)
CFG = f"{W}/xdg/notation"
START = time.time()
os.chdir(W)


def sh(*args):
    return run(ENV, *args)


def dn(cn):
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "US"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "verifyout"),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


# --- set-up --------------------------------------------------------------------------------------
sh(NOTARY, "cert", "generate-test", "good", "--default")
sh(NOTARY, "cert", "generate-test", "other")  # its own store, which the policies do not name
STORE = f"{CFG}/truststore/x509/ca/good"
ROOT_KEY = rsa.generate_private_key(65537, 2048)
ROOT = make_cert(dn("verifyout root"), ROOT_KEY, dn("verifyout root"), ROOT_KEY, ca=True)
with open(f"{STORE}/verifyout-root.pem", "wb") as f:
    f.write(pem(ROOT))


def artifact(name):
    with open(f"{name}.txt", "w") as f:
        f.write(name)
    sh(ORAS, "push", "--oci-layout", f"{name}:v1", f"{name}.txt")
    return sh(ORAS, "resolve", "--oci-layout", f"{name}:v1")


ART = {}
for name, signs in [
        ("good", [["--key", "good"]]),
        ("cose", [["--key", "good", "--signature-format", "cose"]]),
        ("metadata", [["--key", "good", "-m", "k=v", "-m", "io.example.long-key=a longer value"]]),
        ("expiring", [["--key", "good", "--expiry", "2s"]]),
        ("untrusted", [["--key", "other"]]),
        ("mixed", [["--key", "other"], ["--key", "good"]]),
        ("all-bad", [["--key", "other"], ["--key", "good", "--expiry", "2s"], ["--key", "other"]]),
        ("three", [["--key", "good"], ["--key", "good"], ["--key", "good"]]),
        ("two-untrusted", [["--key", "other"], ["--key", "other"]]),
        ("none", []),
        ("tampered", [["--key", "good"]])]:
    ART[name] = artifact(name)
    for args in signs:
        sh(NOTARY, "sign", "--oci-layout", *args, f"{name}@{ART[name]}")

# A signer whose certificate expires a few seconds after it signs.
ART["expired-cert"] = artifact("expired-cert")
leaf_key = ec.generate_private_key(ec.SECP256R1())
leaf_expiry = now() + datetime.timedelta(seconds=8)
leaf = make_cert(dn("short-lived"), leaf_key, dn("verifyout root"), ROOT_KEY, not_after=leaf_expiry)
add_signing_key(CFG, "short", leaf_key, [leaf, ROOT])
sh(NOTARY, "sign", "--oci-layout", "--key", "short", f"expired-cert@{ART['expired-cert']}")
signed_by_short = now()

# Tamper with the payload of the 'tampered' signature, keeping every digest and size right.
tamper_layout_payload("tampered", ART["tampered"])

# Past the 2 s expiry and the short-lived certificate, measured, not assumed.
time.sleep(max(0.0, (max(leaf_expiry, signed_by_short) - now()).total_seconds()) + 2.5)


def policy(level="strict", override=None, identity="*", stores=("ca:good",)):
    sv = {"level": level}
    if override:
        sv["override"] = override
    st = {"name": "p", "registryScopes": ["*"], "signatureVerification": sv}
    if level != "skip":
        st.update(trustStores=list(stores), trustedIdentities=[identity])
    with open(f"{CFG}/trustpolicy.json", "w") as f:
        json.dump({"version": "1.0", "trustPolicies": [st]}, f)


# --- deliberate differences ----------------------------------------------------------------------
NEWER_LAYOUT = "NEWER_LAYOUT: a blank line between warnings and the result (notation's main branch)"
FAILURE_REASONS = "FAILURE_REASONS: notary names why each signature failed after notation's headline"
VERBOSE_LOG = "VERBOSE_LOG: -v logs in tracing's format, not logrus'"
ADDED_DETAIL = "ADDED_DETAIL: notation's words, then where notary looked in parentheses"
STRICTER = {}
LENIENT = {}
TAMPERED = ("TAMPERED: -v logs notary's reason for a tampered payload (the signature does not verify); "
            "notation-core-go decodes the payload first and logs Go's JSON error")
WORDED = {
    **{f"tampered: {c} -v": TAMPERED for c in ("strict", "permissive", "audit", 'strict {"expiry": "log"}',
                                               'strict {"authenticity": "log"}', 'permissive {"expiry": "enforce"}',
                                               'audit {"authenticity": "enforce"}', 'strict {"revocation": "skip"}')},
}

# --- running -------------------------------------------------------------------------------------
LOG_G = re.compile(r'^level=(\w+) msg=(.*)$')
LOG_N = re.compile(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z\s+(TRACE|DEBUG|INFO|WARN|ERROR) ')
FAILED_VALIDATION = re.compile(r'\w+ validation failed\. Failure reason: .*')
SKIPPED = re.compile(r'Signature verification skipped for \S+')


def sorted_table(out):
    """notation's user metadata table with its rows sorted (Go prints its map in random order,
    notary sorted)."""
    lines = out.split("\n")
    for i, l in enumerate(lines):
        if l.startswith("KEY   "):
            end = next((j for j in range(i + 1, len(lines)) if not lines[j]), len(lines))
            lines[i + 1:end] = sorted(lines[i + 1:end])
    return "\n".join(lines)


def execute(tool, args):
    r = subprocess.run([tool, *args], env=ENV, cwd=W, capture_output=True, text=True, timeout=120)
    out = r.stdout.replace("notation", "notary")
    if tool == NOTATION:
        out = sorted_table(out)
    lines = [l.replace("notation", "notary") for l in r.stderr.splitlines()
             if not l.startswith("Warning: This feature is experimental")]
    log_re = LOG_G if tool == NOTATION else LOG_N
    logs = [l for l in lines if log_re.match(l)]
    # notation's logger does not quote its messages: a line of a message holding a newline
    # stays among the other lines, which are compared.
    rest = [l for l in lines if not log_re.match(l)]
    return {"rc": r.returncode, "out": out, "err": rest, "logs": logs}


def added_detail(g_err, n_err):
    """True when notary's lines are notation's, some with a detail in parentheses after them."""
    return len(g_err) == len(n_err) and all(
        n == g or (n.startswith(g + " (") and n.endswith(")")) for g, n in zip(g_err, n_err))


def failure_reasons(g_err, n_err):
    """True when notary's error lines are notation's headline plus the reasons (after the same
    warnings)."""
    if not g_err or g_err[:-1] != n_err[:len(g_err) - 1]:
        return False
    head, n_err = g_err[-1], n_err[len(g_err) - 1:]
    if not n_err:
        return False
    if not head.startswith("Error: signature verification failed for all the signatures associated with "):
        return False
    if n_err[0].startswith(head + ": ") and len(n_err) == 1:
        return True
    return n_err[0] == head + ":" and len(n_err) > 2 and all(
        re.match(rf"  signature {i + 1}: ", l) for i, l in enumerate(n_err[1:]))


report = Report("notation")
seen = set()


def differs_on_purpose(label, rules):
    report.stricter += 1
    print(f"differs on purpose {label}: {'; '.join(rules)}")


def case(label, name, *flags, ref=None, where=("--oci-layout", "--scope", "local/verifyout")):
    for verbose in (False, True):
        one(label + (" -v" if verbose else ""), name, flags, ref, verbose, where)


def one(label, name, flags, ref, verbose, where):
    assert label not in seen, label
    seen.add(label)
    ref = ref or f"{name}@{ART[name]}"
    args = ["verify", *where, *flags, ref] + (["-v"] if verbose else [])
    g, n = execute(NOTATION, args), execute(NOTARY, args)
    g_ok, n_ok = g["rc"] == 0, n["rc"] == 0
    tail = lambda r: (r["err"] or r["out"].splitlines() or [""])[-1]
    base = label[:-3] if verbose else label
    if base in STRICTER or base in LENIENT or g_ok != n_ok:
        report.record(label, (g_ok, tail(g)), (n_ok, tail(n)), stricter=STRICTER.get(base),
                      lenient=LENIENT.get(base))
        return
    diffs, rules = [], []
    if g["rc"] != n["rc"]:
        diffs.append(f"exit status: notation {g['rc']}, notary {n['rc']}")
    n_out = n["out"]
    if any(l.startswith("Warning: ") for l in g["err"]) and g_ok:
        if n_out.startswith("\n"):
            n_out = n_out[1:]
            rules.append(NEWER_LAYOUT)
        else:
            diffs.append("notary's stdout does not open with a blank line after a warning")
    if g["out"] != n_out:
        diffs.append(f"stdout\n  notation: {g['out']!r}\n  notary:   {n['out']!r}")
    if g["err"] != n["err"]:
        if not g_ok and failure_reasons(g["err"], n["err"]):
            rules.append(FAILURE_REASONS)
        elif added_detail(g["err"], n["err"]):
            rules.append(ADDED_DETAIL)
        else:
            diffs.append("stderr\n  notation: " + "\n            ".join(g["err"]) +
                         "\n  notary:   " + "\n            ".join(n["err"]))
    if verbose:
        if g["logs"]:
            rules.append(VERBOSE_LOG)
        # Which signatures a verification that passed tried may differ (notary tries those
        # whose thumbprint names a trusted certificate first): their failures are compared
        # when all of them failed.
        for l in g["logs"]:
            msg = LOG_G.match(l).group(2)
            compared = (FAILED_VALIDATION.fullmatch(msg) and not g_ok) or SKIPPED.fullmatch(msg)
            if compared and not any(msg in l2 for l2 in n["logs"]):
                diffs.append(f"-v: notation logs {msg!r}; notary does not:\n    " + "\n    ".join(n["logs"]))
    rule = WORDED.get(label)
    if diffs and rule:
        differs_on_purpose(label, rules + [rule])
    elif diffs:
        report.mismatch(label, "both " + ("accepted" if g_ok else "refused") + ", but\n" + "\n".join(diffs))
    elif rule:
        report.mismatch(label, f"listed as worded differently ({rule}) but agrees")
    elif rules:
        differs_on_purpose(label, rules)
        report.accepted += g_ok
    else:
        report.record(label, (g_ok, ""), (n_ok, ""))


# --- cases ---------------------------------------------------------------------------------------
LEVELS = [("strict", None), ("permissive", None), ("audit", None), ("skip", None),
          ("strict", {"expiry": "log"}), ("strict", {"authenticity": "log"}),
          ("permissive", {"expiry": "enforce"}), ("audit", {"authenticity": "enforce"}),
          ("strict", {"revocation": "skip"}), ("audit", {"expiry": "skip"}), ("strict", {"authenticity": "skip"}),
          ("permissive", {"integrity": "log"})]


def ACCEPTED_OVERRIDE(level, override):
    return not (override.get("integrity") or override.get("authenticity") == "skip"
                or (level == "audit" and override.get("expiry") == "skip"))
for name in ["good", "expiring", "untrusted", "expired-cert", "tampered", "mixed"]:
    for level, override in LEVELS:
        if override and not ACCEPTED_OVERRIDE(level, override) and name != "good":
            continue  # a policy error, shown once (on "good")
        if name == "mixed" and (level == "audit" and not override or (override or {}).get("authenticity") == "log"):
            # Which signature notation tries first in a layout is random (a map), and with
            # authenticity only logged the untrusted one would pass with a warning.
            continue
        policy(level, override)
        case(f"{name}: {level} {json.dumps(override) if override else ''}".strip(), name)

policy()
for name in ["cose", "metadata", "all-bad", "three", "none"]:
    case(f"{name}: strict", name)
    case(f"{name}: by tag", name, ref=f"{name}:v1")
case("good: by tag", "good", ref="good:v1")
case("good: a tag that names nothing", "good", ref="good:nope")
case("good: a digest that names nothing", "good", ref="good@sha256:" + "0" * 64)
case("metadata: -m k=v", "metadata", "-m", "k=v")
case("metadata: -m k=v, by tag", "metadata", "-m", "k=v", ref="metadata:v1")
case("metadata: -m k=x", "metadata", "-m", "k=x")
case("metadata: -m k=v -m io.example.long-key='a longer value'", "metadata", "-m", "k=v",
     "-m", "io.example.long-key=a longer value")
case("metadata: -m nope=1", "metadata", "-m", "nope=1")
case("good: -m k=v", "good", "-m", "k=v")
case("mixed: -m k=v", "mixed", "-m", "k=v")
# Which signatures come first in a layout is random in notation (a map): the cases below try
# them all, or need any one.
for m in ["1", "2", "3"]:
    case(f"three: --max-signatures {m}", "three", "--max-signatures", m)
case("all-bad: --max-signatures 3", "all-bad", "--max-signatures", "3")
case("mixed: --max-signatures 2", "mixed", "--max-signatures", "2")
case("untrusted: --max-signatures 1", "untrusted", "--max-signatures", "1")
for m in ["1", "2", "3"]:
    case(f"two-untrusted: --max-signatures {m}", "two-untrusted", "--max-signatures", m)

policy(identity="x509.subject: C=US, O=nomatch")
case("good: an invalid identity", "good")
policy(identity="x509.subject: C=US, ST=WA, O=nomatch")
for name in ["good", "mixed", "metadata"]:
    case(f"{name}: an identity that does not match", name)
policy("audit", identity="x509.subject: C=US, ST=WA, O=nomatch")
case("good: audit, an identity that does not match", "good")
policy("permissive", identity="x509.subject: C=US, ST=WA, O=nomatch")
case("metadata: permissive, an identity that does not match", "metadata")
policy(stores=("ca:absent",))
case("good: a trust store that does not exist", "good")
policy("audit", stores=("ca:absent",))
case("good: audit, a trust store that does not exist", "good")
policy(stores=("ca:good", "ca:absent"))
case("good: a trust store that does not exist among others", "good")
os.makedirs(f"{CFG}/truststore/x509/ca/empty")
policy(stores=("ca:empty",))
case("good: an empty trust store", "good")
policy("audit", stores=("ca:empty",))
case("good: audit, an empty trust store", "good")
policy("audit", {"authenticity": "log"}, stores=("ca:other",))
case("good: audit, authenticity logged, another store", "good")
case("metadata: audit, authenticity logged, another store", "metadata")
case("metadata: audit, authenticity logged, another store, by tag", "metadata", ref="metadata:v1")
policy("skip")
case("none: skip", "none")
case("good: skip, by tag", "good", ref="good:v1")
case("metadata: skip, -m k=x", "metadata", "-m", "k=x")
os.remove(f"{CFG}/trustpolicy.json")
case("good: no trust policy", "good")

# --- the same few through a registry (Debian's docker-registry, no referrers API) ----------------
if REGISTRY_BIN:
    import registry_lib
    registry_lib.BINARIES["d2"] = REGISTRY_BIN
    registry_lib.WORK = W
    REG = registry_lib.Registry("d2")
    try:
        REMOTE = {}
        for name, signs in [("good", [["--key", "good"]]), ("untrusted", [["--key", "other"]]),
                            ("metadata", [["--key", "good", "-m", "k=v"]]), ("none", []),
                            ("mixed", [["--key", "other"], ["--key", "good"]])]:
            sh(ORAS, "push", "--plain-http", f"{REG.host}/{name}:v1", f"{name}.txt")
            REMOTE[name] = f"{REG.host}/{name}@" + sh(ORAS, "resolve", "--plain-http", f"{REG.host}/{name}:v1")
            for args in signs:
                sh(NOTARY, "sign", "--insecure-registry", *args, REMOTE[name])
        remote = ("--insecure-registry",)
        for level in ("strict", "audit", "skip"):
            policy(level)
            for name in REMOTE:
                if name == "mixed" and level == "audit":
                    continue  # which signature notation tries first is its registry's order
                case(f"registry, {name}: {level}", name, ref=REMOTE[name], where=remote)
            case(f"registry, good: {level}, by tag", "good", ref=f"{REG.host}/good:v1", where=remote)
        policy()
        case("registry, metadata: -m k=v", "metadata", "-m", "k=v", ref=REMOTE["metadata"], where=remote)
        case("registry, metadata: -m k=x", "metadata", "-m", "k=x", ref=REMOTE["metadata"], where=remote)
        case("registry, good: a tag that names nothing", "good", ref=f"{REG.host}/good:nope", where=remote)
    finally:
        REG.stop()
else:
    print("no docker-registry: the registry cases did not run")

listed = set(STRICTER) | set(LENIENT) | set(WORDED)
ran = seen | {l[:-3] for l in seen if l.endswith(" -v")}
for stale in sorted(listed - ran):
    report.mismatch(stale, "listed as a deliberate difference, but no case has this name")
print(f"ran in {time.time() - START:.0f} s")
report.finish("cases", 30)
