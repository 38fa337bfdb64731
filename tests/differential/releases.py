#!/usr/bin/env python3
"""Differential run: blob signatures as each notation-go release writes and reads them.

    releases.py NOTARY PEER [PEER ...] WORKDIR

Each PEER is tests/interop-go/blobpeer built against one notation-go release
(scripts/install-go-tools.sh: blobpeer-v1.0.0, -v1.1.0, -v1.2.0, -v1.3.0 with the
notation-core-go each requires; `blobpeer` itself is v1.3.2, the reference). For six key types
(RSA 2048/3072/4096, EC P-256/384/521), JWS and COSE, plain, with user metadata and with an
expiry:
  - each release signs; notary and the reference verify the envelope, and both must accept it;
  - notary signs; each release verifies, and must accept it as notary does;
  - each release's envelopes with a changed signature, verified against another blob, without the
    user metadata asked for, and expired; each release's verifier and notary both refuse them,
    and the same for notary's own envelopes changed so.
Exits 1 on any mismatch (tests/differential_notation.rs).

Needs python3 with `cbor2` (scripts/setup.sh installs it).
"""
import base64
import json
import os
import sys
import time

import cbor2

from common import Report, environment, outcome, run

NOTARY, PEERS, WORK = sys.argv[1], sys.argv[2:-1], sys.argv[-1]
REFERENCE = next(p for p in PEERS if os.path.basename(p) == "blobpeer")
CFG = f"{WORK}/xdg/notation"
ENV = environment(WORK)
BLOB, OTHER = f"{WORK}/blob.txt", f"{WORK}/other.txt"
KEYS = {"rsa2048": "2048", "rsa3072": "3072", "rsa4096": "4096", "ec256": "256", "ec384": "384", "ec521": "521"}
STORES = ",".join(f"ca:{k}" for k in KEYS)
META = {"io.example.build": "42", "team": "a=b"}
VARIANTS = {"plain": ([], []), "metadata": ([], []), "expiry": (["-expiry", "24h"], ["--expiry", "24h"])}
for k, v in META.items():
    VARIANTS["metadata"][0].extend(["-m", f"{k}={v}"])
    VARIANTS["metadata"][1].extend(["--user-metadata", f"{k}={v}"])


def release(peer):
    """The notation-go release a peer was built against."""
    name = os.path.basename(peer)
    return name.split("-", 1)[1] if "-" in name else "v1.3.2"


# --- set-up: keys and trust stores by notary, a global blob policy naming them all ---------------
for name, bits in KEYS.items():
    run(ENV, NOTARY, "cert", "generate-test", name, "-b", bits)
with open(f"{CFG}/trustpolicy.blob.json", "w") as f:
    json.dump({"version": "1.0", "trustPolicies": [{
        "name": "blob", "signatureVerification": {"level": "strict"}, "trustStores": STORES.split(","),
        "trustedIdentities": ["*"], "globalPolicy": True}]}, f)
for path, text in ((BLOB, "a blob for every release\n"), (OTHER, "another blob\n")):
    with open(path, "w") as f:
        f.write(text)


def peer_sign(peer, key, fmt, extra, out):
    run(ENV, peer, "sign", "-key", f"{CFG}/localkeys/{key}.key", "-cert", f"{CFG}/localkeys/{key}.crt",
        "-format", fmt, "-out", out, *extra, BLOB)
    return out


def notary_sign(key, fmt, extra, out_dir):
    run(ENV, NOTARY, "blob", "sign", "--key", key, "--signature-format", fmt, "--signature-directory",
        out_dir, *extra, BLOB)
    return f"{out_dir}/blob.txt.{fmt}.sig"


def peer_verify(peer, fmt, sig, blob=BLOB, meta=()):
    args = [peer, "verify", "-format", fmt, "-sig", sig, "-stores", STORES]
    for k, v in meta:
        args += ["-m", f"{k}={v}"]
    return outcome(args + [blob], ENV)


def notary_verify(sig, blob=BLOB, meta=()):
    args = [NOTARY, "blob", "verify", "--signature", sig]
    for k, v in meta:
        args += ["--user-metadata", f"{k}={v}"]
    return outcome(args + [blob], ENV)


def tampered(fmt, sig):
    """The envelope with one bit of its signature value flipped (decoded, so base64's unused
    bits cannot hide the change)."""
    with open(sig, "rb") as f:
        data = f.read()
    if fmt == "jws":
        obj = json.loads(data)
        raw = bytearray(base64.urlsafe_b64decode(obj["signature"] + "=" * (-len(obj["signature"]) % 4)))
        raw[len(raw) // 2] ^= 1
        obj["signature"] = base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()
        data = json.dumps(obj).encode()
    else:
        tag = cbor2.loads(data)
        raw = bytearray(tag.value[3])
        raw[len(raw) // 2] ^= 1
        tag.value[3] = bytes(raw)
        data = cbor2.dumps(tag)
    out = sig.replace(f".{fmt}.sig", f"-tampered.{fmt}.sig")  # notary reads the format from the name
    with open(out, "wb") as f:
        f.write(data)
    return out


report = Report("notation-go")


def refused(label, theirs, ours, validation):
    """A case both must refuse, notary for `validation` (the name its message starts with)."""
    if report.record(label, theirs, ours) and not ours[0] and f"{validation} validation failed" not in ours[1]:
        report.mismatch(label, f"notary refused it, but not for {validation}: {ours[1]}")


meta_of = {"plain": (), "metadata": tuple(META.items()), "expiry": ()}
os.makedirs(f"{WORK}/sigs", exist_ok=True)
# Notary's envelopes, one per key, format and variant, and those expiring a second after signing.
ours, ours_expiring = {}, {}
for key in KEYS:
    for fmt in ("jws", "cose"):
        for variant, (_, flags) in VARIANTS.items():
            ours[key, fmt, variant] = notary_sign(key, fmt, flags, f"{WORK}/sigs/notary-{key}-{variant}")
        if key in ("rsa2048", "ec256"):
            ours_expiring[key, fmt] = notary_sign(key, fmt, ["--expiry", "1s"], f"{WORK}/sigs/notary-{key}-1s")
theirs_expiring = {}
for peer in PEERS:
    rel = release(peer)
    for key in KEYS:
        for fmt in ("jws", "cose"):
            for variant, (flags, _) in VARIANTS.items():
                sig = peer_sign(peer, key, fmt, flags, f"{WORK}/sigs/{rel}-{key}-{variant}.{fmt}.sig")
                meta = meta_of[variant]
                # The release's envelope: the reference verifier and notary both accept it.
                report.record(f"{rel} signs, {key} {fmt} {variant}", peer_verify(REFERENCE, fmt, sig, meta=meta),
                              notary_verify(sig, meta=meta), must_accept=True)
                # Notary's envelope: the release's verifier accepts it as notary does.
                mine = ours[key, fmt, variant]
                report.record(f"{rel} verifies notary's, {key} {fmt} {variant}",
                              peer_verify(peer, fmt, mine, meta=meta), notary_verify(mine, meta=meta),
                              must_accept=True)
                if key not in ("rsa2048", "ec256") or variant == "expiry":
                    continue
                # Refused by the release's verifier and by notary alike.
                for who, s in (("its own", sig), ("notary's", mine)):
                    bad = tampered(fmt, s)
                    refused(f"{rel} verifies {who} with a changed signature, {key} {fmt} {variant}",
                            peer_verify(peer, fmt, bad, meta=meta), notary_verify(bad, meta=meta), "integrity")
                    refused(f"{rel} verifies {who} against another blob, {key} {fmt} {variant}",
                            peer_verify(peer, fmt, s, blob=OTHER, meta=meta),
                            notary_verify(s, blob=OTHER, meta=meta), "target_mismatch")
                    if variant == "plain":
                        want = (("io.example.build", "42"),)
                        refused(f"{rel} verifies {who} asking for metadata it lacks, {key} {fmt}",
                                peer_verify(peer, fmt, s, meta=want), notary_verify(s, meta=want), "user_metadata")
            if key in ("rsa2048", "ec256"):
                theirs_expiring[rel, key, fmt] = (peer, peer_sign(
                    peer, key, fmt, ["-expiry", "1s"], f"{WORK}/sigs/{rel}-{key}-1s.{fmt}.sig"))
# Every envelope signed with a one-second expiry has expired by now.
time.sleep(2)
for (rel, key, fmt), (peer, sig) in theirs_expiring.items():
    refused(f"{rel} verifies its own, expired, {key} {fmt}", peer_verify(peer, fmt, sig), notary_verify(sig),
            "expiry")
    mine = ours_expiring[key, fmt]
    refused(f"{rel} verifies notary's, expired, {key} {fmt}", peer_verify(peer, fmt, mine), notary_verify(mine),
            "expiry")
report.finish("cases", 2 * 36 * len(PEERS))
