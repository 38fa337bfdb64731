#!/usr/bin/env bash
# Builds the Go interop peers from their released modules: notation v1.3.2, ORAS v1.2.3,
# CNCF Distribution v3.0.0 (no referrers API, like Debian's 2.8) and olareg v0.1.2 (a registry
# with the OCI 1.1 referrers API: OCI-Subject, artifactType filtering, Link pagination), and
# containerd v2.4.2 + ctr (the image-verifier tests of crates/notary-containerd-verifier).
# `go install mod@version` needs the proxy's @v/list endpoint, which some proxies refuse, so each
# tool is built from a throwaway module that requires the exact version.
# Usage: install-go-tools.sh DEST_BIN_DIR. Idempotent. Fails loudly if a tool cannot be built.
set -euo pipefail
dest=${1:?usage: install-go-tools.sh DEST_BIN_DIR}
mkdir -p "$dest"
command -v go >/dev/null || { echo "install-go-tools: Go toolchain not found" >&2; exit 1; }
export GOFLAGS=-mod=mod GOSUMDB=${GOSUMDB:-off} GOTOOLCHAIN=${GOTOOLCHAIN:-local}

build() { # name module version package
  local name=$1 module=$2 version=$3 pkg=$4
  if [ -x "$dest/$name" ] && [ -f "$dest/$name.version" ] && [ "$(cat "$dest/$name.version")" = "$version" ]; then
    return 0
  fi
  local tmp; tmp=$(mktemp -d)
  ( cd "$tmp" && go mod init notary-rs-tools >/dev/null 2>&1 \
      && go get "$module@$version" >/dev/null \
      && CGO_ENABLED=0 go build -trimpath -o "$dest/$name" "$pkg" ) \
    || { echo "install-go-tools: building $name $version failed" >&2; rm -rf "$tmp"; exit 1; }
  echo "$version" > "$dest/$name.version"
  rm -rf "$tmp"
  echo "install-go-tools: $name $version -> $dest/$name"
}

build notation github.com/notaryproject/notation v1.3.2 github.com/notaryproject/notation/cmd/notation
build oras oras.land/oras v1.2.3 oras.land/oras/cmd/oras
build distribution-registry github.com/distribution/distribution/v3 v3.0.0 github.com/distribution/distribution/v3/cmd/registry
build olareg github.com/olareg/olareg v0.1.2 github.com/olareg/olareg/cmd/olareg
# containerd's go.mod needs Go >= 1.26.6; CGO is not needed for the pull path the tests use.
# About 60 s once (ctr then reuses the build cache).
build containerd github.com/containerd/containerd/v2 v2.4.2 github.com/containerd/containerd/v2/cmd/containerd
build ctr github.com/containerd/containerd/v2 v2.4.2 github.com/containerd/containerd/v2/cmd/ctr

# The blob-signature peer (tests/interop-go/blobpeer): our own small program on notation-go and
# notation-core-go, since notation v1.3.2 has no blob commands. Built from a copy so the source
# tree stays clean.
src="$(cd "$(dirname "$0")/.." && pwd)/tests/interop-go/blobpeer"
stamp=$(cat "$src"/go.mod "$src"/*.go | sha256sum | cut -c1-16)
if [ ! -x "$dest/blobpeer" ] || [ "$(cat "$dest/blobpeer.version" 2>/dev/null)" != "$stamp" ]; then
  tmp=$(mktemp -d); cp "$src"/go.mod "$src"/*.go "$tmp"/
  ( cd "$tmp" && go mod tidy >/dev/null 2>&1 && CGO_ENABLED=0 go build -trimpath -o "$dest/blobpeer" . ) \
    || { echo "install-go-tools: building blobpeer failed" >&2; rm -rf "$tmp"; exit 1; }
  echo "$stamp" > "$dest/blobpeer.version"; rm -rf "$tmp"
  echo "install-go-tools: blobpeer -> $dest/blobpeer"
fi
