#!/usr/bin/env bash
# The project's test command (README "Run the tests"; .ci/run calls exactly this).
# Set-up, lints, unit/integration/doc tests, the interop conformance corpus, fuzz smoke runs.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TERM_COLOR=never

# A one-shot CI run gains nothing from incremental caches, which are large.
if [ -n "${CI:-}" ]; then export CARGO_INCREMENTAL=0; fi
# Free space at each stage, so a full disk is seen where it happens.
disk() { df -h . | awk -v s="$1" 'NR==2 {print "disk (" s "): " $4 " free of " $2}'; }

disk start
bash scripts/setup.sh
mkdir -p target  # logs below land here
disk "after setup"

echo "== fmt";    cargo fmt --all -- --check
echo "== clippy"; cargo clippy --workspace --all-targets --quiet -- -D warnings
echo "== deny";   cargo deny --log-level error check bans licenses sources
# Broken intra-doc links are errors, as warnings are for clippy.
echo "== docs";   RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --workspace --quiet
echo "== tests";  cargo test --workspace --quiet 2>&1 | tee target/test-output.txt
# The oci-spec conversions are behind a feature nothing in the workspace turns on.
OCI_SPEC=(-p notary-core -p notary-registry --features notary-core/oci-spec,notary-registry/oci-spec)
disk "after tests"
echo "== oci-spec feature"
cargo clippy "${OCI_SPEC[@]}" --all-targets --quiet -- -D warnings
cargo test "${OCI_SPEC[@]}" --quiet -- oci_spec every_e2e 2>&1 | tee -a target/test-output.txt

echo "== features (every library crate alone, default and --no-default-features)"
bash scripts/check-features.sh

echo "== package (crates.io metadata, README crate docs, cargo package --no-verify)"
bash scripts/check-package.sh

# Opt-in: the FIPS module (aws-lc-fips-sys: C, CMake and Go) adds ~3 minutes of C build.
if [ "${NOTARY_TEST_FIPS:-0}" = 1 ]; then
  echo "== fips (aws-lc-rs on the FIPS module: the provider reports FIPS mode and signs/verifies)"
  cargo test -p notary-provider-aws-lc-rs --features fips --quiet 2>&1 | tee -a target/test-output.txt
fi

disk "after package"
echo "== conformance (../shared/interop), under both crypto providers"
SHARED="${NOTARY_SHARED:-../shared}"
for crypto in aws-lc-rs rustcrypto; do
  echo "-- --crypto $crypto"
  cargo run --release --quiet -p notary-conformance -- --crypto "$crypto" \
    --cases "$SHARED/interop/cases.json" --data "$SHARED/interop/data" | tee "target/conformance-$crypto.txt"
  tail -1 "target/conformance-$crypto.txt" | grep -q ' 0 failed, 0 skipped$'
done

disk "after conformance"
# The binaries a release ships are not the ones the suites above ran (static, linked against
# musl on Linux; NOTARY_LIBC=musl makes a missing musl set-up an error here): the CLI suite
# (registries, plugins, TSA over TLS, notation interop) and the containerd suite run again
# against them.
echo "== release build (scripts/build-release.sh), CLI and containerd suites against it"
NOTARY_LIBC="${NOTARY_LIBC:-musl}" bash scripts/build-release.sh > target/release-bins.txt
mapfile -t release_bins < target/release-bins.txt
[ "${#release_bins[@]}" = 2 ] || { echo "test: build-release.sh printed ${release_bins[*]}" >&2; exit 1; }
NOTARY_BIN="${release_bins[0]}" cargo test -p notary-cli --quiet 2>&1 | tee -a target/test-output.txt
NOTARY_CONTAINERD_VERIFIER_BIN="${release_bins[1]}" cargo test -p notary-containerd-verifier --quiet 2>&1 \
  | tee -a target/test-output.txt

disk "after release build"
echo "== fuzz"
bash scripts/fuzz.sh "${FUZZ_SECONDS:-60}"

disk end
# Final tally in the plain form CI reads: cargo's per-binary results summed.
awk '/^test result:/ {p+=$4; f+=$6; i+=$8} END {printf "%d passed, %d failed, %d skipped\n", p, f, i}' target/test-output.txt
