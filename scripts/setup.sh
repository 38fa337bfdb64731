#!/usr/bin/env bash
# Installs everything the tests need on a fresh machine (Debian, root or sudo); scripts/test.sh
# runs it. The quickstart needs none of this: scripts/quickstart.sh checks its own few needs.
# Idempotent: re-running skips what is already present.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null; then SUDO=sudo; fi

need_apt=()
command -v openssl >/dev/null || need_apt+=(openssl)
command -v gcc >/dev/null || need_apt+=(gcc)
command -v make >/dev/null || need_apt+=(make)
# The release build links musl (scripts/build-release.sh): its C compiler wrapper and headers.
command -v musl-gcc >/dev/null || need_apt+=(musl-tools)
# Real registries and tools of the live tests: Debian's Distribution 2.8 (no referrers API),
# htpasswd for its Basic auth.
[ -x /usr/bin/docker-registry ] || need_apt+=(docker-registry)
command -v htpasswd >/dev/null || need_apt+=(apache2-utils)
# PKCS#11 tests (crates/notary-pkcs11): SoftHSM2 and pkcs11-tool (opensc).
command -v softhsm2-util >/dev/null || need_apt+=(softhsm2)
command -v pkcs11-tool >/dev/null || need_apt+=(opensc)
# The differential run against notation-go (tests/differential/envelopes.py) is Python.
command -v python3 >/dev/null || need_apt+=(python3 python3-pip)
# jq: reading k8s.io/kubernetes' go.mod when building kube-apiserver (scripts/install-go-tools.sh).
command -v jq >/dev/null || need_apt+=(jq)
if [ ${#need_apt[@]} -gt 0 ]; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}"
fi

# Its envelope and certificate builders: cryptography, and cbor2 below 6 (6 decodes CBOR arrays
# as tuples, which the mutations edit in place).
if ! python3 -c 'import cryptography, cbor2' 2>/dev/null; then
  python3 -m pip install --quiet 'cryptography>=3.4' 'cbor2>=5.4,<6' \
    || python3 -m pip install --quiet --break-system-packages 'cryptography>=3.4' 'cbor2>=5.4,<6'
fi

command -v cargo >/dev/null || { echo "setup: cargo (Rust stable) is required" >&2; exit 1; }
rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy rustfmt
# The release build's target (scripts/build-release.sh).
musl_target="$(uname -m)-unknown-linux-musl"
if command -v rustup >/dev/null && ! rustup target list --installed | grep -qx "$musl_target"; then
  rustup target add "$musl_target"
fi

# cargo-deny checks licences, advisories and sources of the dependency graph.
if ! command -v cargo-deny >/dev/null && [ ! -x "$HOME/.cargo/bin/cargo-deny" ]; then
  cargo install cargo-deny --locked --quiet
fi
# Go interop peers and registries (notation, ORAS, Distribution v3, olareg) and containerd + ctr
# (the image-verifier tests, which also need root), built from their released modules. The live
# tests fail, never skip, when one is missing.
# The tests always need them; NOTARY_SKIP_GO_TOOLS=1 skips them for a partial set-up.
if [ "${NOTARY_SKIP_GO_TOOLS:-0}" != 1 ]; then
  bash scripts/install-go-tools.sh "${NOTARY_TOOLS_BIN:-$HOME/.cache/notary-rs/tools}"
fi
echo "setup: done"
