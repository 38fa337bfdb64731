#!/usr/bin/env python3
"""Rebuilds the JWS fixtures of this directory from notation-made envelopes of the shared interop
corpus. Only the unsigned `header` member is edited, so every signature stays valid.

usage: make_fixtures.py /work/shared/interop/data
"""
import sys
from pathlib import Path

data = Path(sys.argv[1])
here = Path(__file__).parent


def edit(src, out, old, new):
    text = (data / src).read_text()
    assert text.count(old) == 1, (src, old)
    (here / out).write_text(text.replace(old, new))


# Early notation releases wrote the signing agent as `io.cncf.notary.SigningAgent`.
edit(
    "notation-go/internal-testdata/jws_signature.sig",
    "legacy-signing-agent.jws.sig",
    '"io.cncf.notary.signingAgent":',
    '"io.cncf.notary.SigningAgent":',
)
# Unprotected members notation does not read (RFC 7515 §4: ignore what is not understood),
# on a timestamped envelope made by notation's e2e tests.
edit(
    "notation-e2e/signatures/blob.jws.sig",
    "unknown-unprotected-members.jws.sig",
    '"header":{',
    '"header":{"kid":"legacy-key","com.example.note":{"list":[1,true,null],"n":1.5},',
)
