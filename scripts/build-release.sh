#!/usr/bin/env bash
# Builds the two programs that run once per artifact, `notary` and `notary-containerd-verifier`,
# the way a release ships them, and installs them in OUT (default: target/dist).
#
# On Linux they are static executables, as notation's Go binaries are: no dynamic loader, no
# shared library to map and relocate (`-C target-feature=+crt-static`). They link musl where the
# Rust target `<arch>-unknown-linux-musl` and a musl C compiler are installed (scripts/setup.sh
# installs both), else glibc (static-pie). musl because glibc's start-up probes the CPU's caches
# and features with dozens of `cpuid` instructions, each a trap to the hypervisor in a virtual
# machine: ~0.4 ms of every process on the CI machines, a third of a `notary version`
# (benches/HISTORY.md); musl reads no CPU model at start-up. The musl builds allocate with
# mimalloc, which also takes `malloc` over for aws-lc: musl's allocator serialises threads on
# one lock (a batch verification ran 4x slower with it), and left to aws-lc it gave back on a
# sign what musl's start-up saves. Host names resolve through /etc/hosts and DNS in both (as
# notation's pure-Go resolver does); no other NSS host module is loaded. Neither program loads
# shared libraries: PKCS#11 keys are used through the `notation-pkcs11` plugin, a separate and
# dynamically linked process (it must dlopen the token's module), which this script leaves out.
#
#   NOTARY_LIBC=musl|gnu: require that C library (default: musl when installed, else glibc)
#   NOTARY_STATIC=0: the ordinary (dynamically linked) release build instead
#
# Usage: scripts/build-release.sh [OUT]   (prints the installed paths)
set -euo pipefail
cd "$(dirname "$0")/.."
target_dir="${CARGO_TARGET_DIR:-$PWD/target}"
out="${1:-$target_dir/dist}"
host=$(rustc -vV | sed -n 's/^host: //p')
bins=(notary notary-containerd-verifier)
pkgs=(-p notary-cli -p notary-containerd-verifier)

# The static target: musl if its Rust standard library and C compiler are here, else glibc.
static_target() {
  local arch=${host%%-*} musl
  musl="$arch-unknown-linux-musl"
  case "${NOTARY_LIBC:-}" in
    gnu) echo "$host"; return ;;
    musl | "") ;;
    *) echo "build-release: NOTARY_LIBC must be musl or gnu, not $NOTARY_LIBC" >&2; return 1 ;;
  esac
  if [ -d "$(rustc --print sysroot)/lib/rustlib/$musl/lib" ] \
    && { command -v "$arch-linux-musl-gcc" || command -v musl-gcc; } >/dev/null; then
    echo "$musl"
  elif [ "${NOTARY_LIBC:-}" = musl ]; then
    echo "build-release: NOTARY_LIBC=musl needs the Rust target $musl and a musl C compiler (scripts/setup.sh)" >&2
    return 1
  else
    echo "build-release: no $musl target or musl C compiler here; linking against glibc" >&2
    echo "$host"
  fi
}

if [ "${NOTARY_STATIC:-1}" != 0 ] && [[ "$host" == *-linux-gnu ]]; then
  target=$(static_target)
  if [[ "$target" == *-musl ]]; then
    # mimalloc (the musl builds' allocator) frees every page it holds at exit when statically
    # linked (for a library unloaded and loaded again); a process that is exiting needs none
    # of that (~0.1 ms per run). `cc` reads CFLAGS_<target> for the C code of this target only.
    cflags_var="CFLAGS_${target//-/_}"
    export "$cflags_var=${!cflags_var:+${!cflags_var} }-DMI_SKIP_COLLECT_ON_EXIT"
  fi
  # --target keeps the flag off build scripts and proc-macros (which must stay dynamic) and
  # puts these artifacts in their own directory, beside the ordinary build's.
  RUSTFLAGS="${RUSTFLAGS:+$RUSTFLAGS }-C target-feature=+crt-static" \
    cargo build --release --quiet --locked --target "$target" "${pkgs[@]}"
  from="$target_dir/$target/release"
  for b in "${bins[@]}"; do
    # A static executable has no program interpreter and needs no shared library.
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
