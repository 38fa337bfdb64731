#!/usr/bin/env bash
# Blob signing vs hashing: times `sha256sum FILE` and `notary blob sign FILE` (RSA-2048 key, so
# SHA-256) on the same 1 GiB file in one run, several rounds interleaved, and prints the ratio
# notary/sha256sum and notary's peak memory. Usage: benches/blob-sign.sh [SIZE_MIB] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
size="${1:-1024}"; rounds="${2:-3}"
cargo build --release --quiet -p notary-cli
bin="${CARGO_TARGET_DIR:-$PWD/target}/release/notary"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
export NOTATION_CONFIG="$work/config"
"$bin" cert generate-test bench --default >/dev/null
head -c "$((size * 1024 * 1024))" /dev/urandom > "$work/blob.bin"
t_sha=0; t_not=0
now() { date +%s.%N; }
for r in $(seq "$rounds"); do
  a=$(now); sha256sum "$work/blob.bin" >/dev/null; b=$(now)
  "$bin" blob sign --force --signature-directory "$work" "$work/blob.bin" >/dev/null; c=$(now)
  t_sha=$(echo "$t_sha + $b - $a" | bc -l); t_not=$(echo "$t_not + $c - $b" | bc -l)
done
rss=$( { /usr/bin/time -f '%M' "$bin" blob sign --force --signature-directory "$work" "$work/blob.bin" >/dev/null; } 2>&1 | tail -1 )
printf 'blob of %d MiB, %d rounds: sha256sum %.3f s, notary blob sign %.3f s, ratio %.3f, notary peak RSS %s KiB\n' \
  "$size" "$rounds" "$(echo "$t_sha / $rounds" | bc -l)" "$(echo "$t_not / $rounds" | bc -l)" "$(echo "$t_not / $t_sha" | bc -l)" "$rss"
