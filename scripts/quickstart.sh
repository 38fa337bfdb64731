#!/usr/bin/env bash
# The main job: creates an OCI image layout with a sample artifact, generates a test key, signs
# the artifact with JWS and COSE, verifies it against a trust policy, and prints what happened.
# Offline: no registry, no network.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
NOTARY_SKIP_GO_TOOLS=1 bash scripts/setup.sh >/dev/null
cargo run --release --quiet --example quickstart -- "${1:-target/quickstart}"
