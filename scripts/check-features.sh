#!/usr/bin/env bash
# Every library crate builds alone with --no-default-features and with its defaults (so no
# crate relies on a feature only the workspace turns on), and the trust engine's pure-Rust
# build pulls in no async runtime, HTTP client or C toolchain. `cargo check` only: cheap.
set -euo pipefail
cd "$(dirname "$0")/.."

crates=()
for dir in crates/*/; do
  [ -f "$dir/src/lib.rs" ] || continue
  # The package name, not the directory's (crates/notary is published as notary-rs).
  name=$(sed -n 's/^name = "\(.*\)"/\1/p' "$dir/Cargo.toml" | head -1)
  grep -q '^publish = false' "$dir/Cargo.toml" && continue
  crates+=("$name")
done

for c in "${crates[@]}"; do
  echo "== $c (no default features)"
  cargo check --quiet -p "$c" --no-default-features --lib
  echo "== $c (default features)"
  cargo check --quiet -p "$c" --lib
done
echo "== notary-verifier with only the rustcrypto provider"
cargo check --quiet -p notary-verifier --no-default-features --features rustcrypto --lib

echo "== notary-verifier dependency graph (rustcrypto): no runtime, HTTP client or C build"
banned=$(cargo tree -p notary-verifier -e normal --no-default-features --features rustcrypto --prefix none \
  | grep -E '^(tokio|reqwest|hyper|aws-lc-sys|aws-lc-rs|cc|cmake|openssl-sys|ring) ' | sort -u || true)
if [ -n "$banned" ]; then
  echo "notary-verifier (rustcrypto) depends on: $banned" >&2
  exit 1
fi
count() {
  cargo tree -p notary-verifier -e normal "$@" --prefix none | sed 's/ (\*)//' | sort -u | wc -l
}
echo "crates in notary-verifier's graph: default (aws-lc-rs) $(count), rustcrypto $(count --no-default-features --features rustcrypto)"
