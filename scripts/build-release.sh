#!/usr/bin/env bash
# Builds the two programs that run once per artifact, `notary` and `notary-containerd-verifier`,
# the way a release ships them, and installs them in OUT (default: target/dist).
#
# On Linux with glibc they are static-pie executables (`-C target-feature=+crt-static`), as
# notation's Go binaries are static: no dynamic loader, no libc.so to map and relocate. That
# takes ~0.5 ms of CPU off every process: a warm `notary verify` against a local registry ran
# 8-23% faster in interleaved A/B runs, a sign 0-13% (benches/HISTORY.md). Host names resolve
# through /etc/hosts and DNS (glibc's built-in NSS modules, as notation's pure-Go resolver
# does); other NSS host modules load only where the system's glibc is the one linked. Neither
# program loads shared libraries: PKCS#11 keys are used through the `notation-pkcs11` plugin, a separate and
# dynamically linked process (it must dlopen the token's module), which this script leaves out.
# Elsewhere, or with NOTARY_STATIC=0, it is the ordinary release build.
#
# Usage: scripts/build-release.sh [OUT]   (prints the installed paths)
set -euo pipefail
cd "$(dirname "$0")/.."
target_dir="${CARGO_TARGET_DIR:-$PWD/target}"
out="${1:-$target_dir/dist}"
host=$(rustc -vV | sed -n 's/^host: //p')
bins=(notary notary-containerd-verifier)
pkgs=(-p notary-cli -p notary-containerd-verifier)

if [ "${NOTARY_STATIC:-1}" != 0 ] && [[ "$host" == *-linux-gnu ]]; then
  # --target keeps the flag off build scripts and proc-macros (which must stay dynamic) and
  # puts these artifacts in their own directory, beside the ordinary build's.
  RUSTFLAGS="${RUSTFLAGS:+$RUSTFLAGS }-C target-feature=+crt-static" \
    cargo build --release --quiet --locked --target "$host" "${pkgs[@]}"
  from="$target_dir/$host/release"
  for b in "${bins[@]}"; do
    # A static-pie executable has no program interpreter and needs no shared library.
    if readelf -lW "$from/$b" | grep -q 'INTERP' || readelf -dW "$from/$b" | grep -q '(NEEDED)'; then
      echo "build-release: $from/$b is not statically linked" >&2
      exit 1
    fi
  done
else
  cargo build --release --quiet --locked "${pkgs[@]}"
  from="$target_dir/release"
fi

mkdir -p "$out"
for b in "${bins[@]}"; do
  # install writes a new file, as a package manager does (see README: a binary fresh out of
  # the linker costs more page faults per run until the page cache drops it).
  install -m 0755 "$from/$b" "$out/$b"
  echo "$out/$b"
done
