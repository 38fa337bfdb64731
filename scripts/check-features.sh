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

# The workspace's test build unifies features (dev-dependencies included), so a program built
# alone can lack what its tests had: each program that takes `--crypto rustcrypto` must build
# the provider in by itself, with its random source where it timestamps (the CLI).
for bin in notary-cli notary-admission notary-containerd-verifier; do
  feats=$(cargo tree -p "$bin" -e normal -i notary-provider-rustcrypto -f '{f}' --prefix none --depth 0 2>/dev/null || true)
  [ -n "$feats" ] || { echo "$bin built alone has no rustcrypto provider" >&2; exit 1; }
  if [ "$bin" = notary-cli ] && ! grep -q random <<<"$feats"; then
    echo "notary-cli built alone has the rustcrypto provider without its random source ($feats)" >&2
    exit 1
  fi
done
echo "== programs built alone: rustcrypto provider present"
