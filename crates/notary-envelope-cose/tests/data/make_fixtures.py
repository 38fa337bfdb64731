#!/usr/bin/env python3
"""Rebuilds the COSE fixtures of this directory from notation-made envelopes of the shared
interop corpus. Only the unprotected header map is edited (entries added after its head), so
every signature stays valid.

usage: make_fixtures.py /work/shared/interop/data
"""
import sys
from pathlib import Path

data = Path(sys.argv[1])
here = Path(__file__).parent


def text(s):
    b = s.encode()
    assert len(b) < 256
    return (bytes([0x60 | len(b)]) if len(b) < 24 else bytes([0x78, len(b)])) + b


def add_unprotected(src, out, entries):
    env = (data / src).read_bytes()
    # d2 (tag 18) 84 (array of 4) 58 LL (protected bstr, one-byte length) ...
    assert env[:3] == b"\xd2\x84\x58", src
    at = 4 + env[3]
    head = env[at]
    assert 0xA0 <= head < 0xA0 + 24 - len(entries), hex(head)
    body = b"".join(k + v for k, v in entries)
    (here / out).write_bytes(env[:at] + bytes([head + len(entries)]) + body + env[at + 1 :])


add_unprotected(
    "notation-e2e/signatures/blob.cose.sig",
    "unknown-unprotected-labels.cose.sig",
    [
        # A case variant of the signing agent label: notation reads labels exactly, so it
        # is just another unknown label there and here.
        (text("io.cncf.notary.SigningAgent"), text("legacy")),
        (b"\x04", b"\x4alegacy-key"),  # kid (4), a byte string
        (text("com.example.note"), b"\x83\x01\xf5\xf6"),  # [1, true, null]
    ],
)
