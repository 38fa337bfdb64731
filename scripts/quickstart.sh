#!/usr/bin/env bash
# The main job: creates an OCI image layout with a sample artifact, generates a test key, signs
# the artifact with JWS and COSE, verifies it against a trust policy, and prints what happened.
# Offline: no registry, no network.
#
# Installs only what this needs: a Rust toolchain must be there (checked), and aws-lc-sys needs a
# C compiler and make (installed from Debian's packages when missing). The registries, SoftHSM2,
# opensc, cargo-deny and the Go interop tools are for the tests only: scripts/setup.sh, which
# scripts/test.sh runs.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

command -v cargo >/dev/null || {
  echo "quickstart: cargo (Rust stable, see rust-version in Cargo.toml) is required" >&2
  exit 1
}
need_apt=()
command -v cc >/dev/null || command -v gcc >/dev/null || need_apt+=(gcc)
command -v make >/dev/null || need_apt+=(make)
if [ ${#need_apt[@]} -gt 0 ]; then
  SUDO=""
  if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null; then SUDO=sudo; fi
  command -v apt-get >/dev/null || {
    echo "quickstart: please install ${need_apt[*]} (needed to build aws-lc-sys)" >&2
    exit 1
  }
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

cargo run --release --quiet --example quickstart -- "${1:-target/quickstart}"
