#!/usr/bin/env bash
# Builds the Go interop peers from their released modules: notation v1.3.2 and v1.0.0 (the
# first release), ORAS v1.2.3, CNCF Distribution v3.0.0 (no referrers API, like Debian's 2.8)
# and olareg v0.1.2 (a registry with the OCI 1.1 referrers API: OCI-Subject, artifactType
# filtering, Link pagination), and containerd v2.4.2 + ctr (the image-verifier tests of
# crates/notary-containerd-verifier).
# `go install mod@version` needs the proxy's @v/list endpoint, which some proxies refuse, so each
# tool is built from a throwaway module that requires the exact version.
# Usage: install-go-tools.sh DEST_BIN_DIR. Idempotent. Fails loudly if a tool cannot be built.
set -euo pipefail
dest=${1:?usage: install-go-tools.sh DEST_BIN_DIR}
mkdir -p "$dest"
command -v go >/dev/null || { echo "install-go-tools: Go toolchain not found" >&2; exit 1; }
export GOSUMDB=${GOSUMDB:-off} GOTOOLCHAIN=${GOTOOLCHAIN:-local}
# Module and build caches of these builds (several GB with kube-apiserver) live only while this
# script runs: the binaries are all the tests need, and a CI machine's disk is not ours to fill.
gowork=$(mktemp -d)
export GOFLAGS="-mod=mod -modcacherw" GOCACHE="$gowork/cache" GOMODCACHE="$gowork/mod"
trap 'rm -rf "$gowork"' EXIT

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
# The first release, for envelopes and manifests as notation wrote them then (interop_notation.rs).
build notation-v1.0.0 github.com/notaryproject/notation v1.0.0 github.com/notaryproject/notation/cmd/notation
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
# The same program against each earlier notation-go release the module proxy serves (each with
# the notation-core-go it requires: v1.0.0, v1.0.2, v1.1.0, v1.2.0), for envelopes as those
# releases write and read them (tests/differential/releases.py). v1.0.x and v1.1.x name their
# file signer differently (build tag notation_v1_0). About 15 s each.
for v in v1.0.0 v1.1.0 v1.2.0 v1.3.0; do
  name="blobpeer-$v"
  if [ -x "$dest/$name" ] && [ "$(cat "$dest/$name.version" 2>/dev/null)" = "$v-$stamp" ]; then
    continue
  fi
  tags=""; case "$v" in v1.0.*|v1.1.*) tags="notation_v1_0" ;; esac
  tmp=$(mktemp -d); cp "$src"/*.go "$tmp"/
  ( cd "$tmp" && go mod init notary-rs/blobpeer >/dev/null 2>&1 \
      && go get "github.com/notaryproject/notation-go@$v" >/dev/null && go mod tidy >/dev/null 2>&1 \
      && CGO_ENABLED=0 go build -tags "$tags" -trimpath -o "$dest/$name" . ) \
    || { echo "install-go-tools: building $name failed" >&2; rm -rf "$tmp"; exit 1; }
  echo "$v-$stamp" > "$dest/$name.version"; rm -rf "$tmp"
  echo "install-go-tools: $name -> $dest/$name"
done

# etcd and kube-apiserver (+ kubectl) for the admission webhook tests (crates/notary-admission):
# a real API server on loopback, no nodes. k8s.io/kubernetes requires its staging modules at
# v0.0.0 and maps them to ./staging with replaces that a dependent module does not inherit, so the
# throwaway module replaces each with its published twin (v1.X.Y -> v0.X.Y), leaving out the two
# sample modules that are never published. The version ldflags make /version report the release.
# About 4 minutes and 3 GB of RAM once; cached by .version afterwards.
build etcd go.etcd.io/etcd/server/v3 v3.7.3 go.etcd.io/etcd/server/v3
K8S_VERSION=1.37.2
k8s_cmds=()
for c in kube-apiserver kubectl; do
  [ -x "$dest/$c" ] && [ "$(cat "$dest/$c.version" 2>/dev/null)" = "v$K8S_VERSION" ] || k8s_cmds+=("$c")
done
if [ ${#k8s_cmds[@]} -gt 0 ]; then
  command -v jq >/dev/null || { echo "install-go-tools: jq is required to build kube-apiserver" >&2; exit 1; }
  tmp=$(mktemp -d)
  # set -e does not apply inside a subshell whose status is tested, hence the explicit exits.
  (
    cd "$tmp" && go mod init notary-rs-tools >/dev/null 2>&1 || exit 1
    mod=$(go mod download -json "k8s.io/kubernetes@v$K8S_VERSION" | jq -r .GoMod) || exit 1
    [ -f "$mod" ] || exit 1
    { echo "replace ("
      sed -n '/^replace (/,/^)/p' "$mod" | awk '/=> \.\/staging/ {print $1}' | while read -r m; do
        case $m in k8s.io/sample-cli-plugin|k8s.io/sample-controller) continue;; esac
        echo "	$m => $m v0.${K8S_VERSION#1.}"
      done
      echo ")"; } >> go.mod || exit 1
    go get "k8s.io/kubernetes@v$K8S_VERSION" >/dev/null || exit 1
    p=k8s.io/component-base/version; cv=k8s.io/client-go/pkg/version; minor=$(echo "$K8S_VERSION" | cut -d. -f2)
    ld="-s -w -X $p.gitVersion=v$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean"
    ld="$ld -X $cv.gitVersion=v$K8S_VERSION -X $cv.gitMajor=1 -X $cv.gitMinor=$minor"
    for c in "${k8s_cmds[@]}"; do
      CGO_ENABLED=0 go build -trimpath -ldflags "$ld" -o "$dest/$c" "k8s.io/kubernetes/cmd/$c" || exit 1
      echo "v$K8S_VERSION" > "$dest/$c.version"
      echo "install-go-tools: $c v$K8S_VERSION -> $dest/$c"
    done
  ) || { echo "install-go-tools: building kube-apiserver/kubectl v$K8S_VERSION failed" >&2; rm -rf "$tmp"; exit 1; }
  rm -rf "$tmp"
fi
