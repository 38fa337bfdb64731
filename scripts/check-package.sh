#!/usr/bin/env bash
# Every crate meant for crates.io (no `publish = false`) has the metadata crates.io and docs.rs
# use, a README that is its crate docs (so its example is a doctest), no doc example reading
# files outside the crate, and packages: `cargo package --no-verify` (no build: cheap), with the
# LICENSE inside each .crate.
set -euo pipefail
cd "$(dirname "$0")/.."

# crates.io category slugs this workspace may use (src/boot/categories.toml of crates.io).
categories=" cryptography authentication command-line-utilities development-tools encoding \
  parser-implementations network-programming web-programming::http-client hardware-support config \
  data-structures api-bindings "

fail() { echo "check-package: $*" >&2; exit 1; }

packages=()
for dir in crates/*/; do
  toml="$dir/Cargo.toml"
  grep -q '^publish = false' "$toml" && continue
  name=$(sed -n 's/^name = "\(.*\)"/\1/p' "$toml" | head -1)
  packages+=("$name")
  for field in description readme keywords categories; do
    grep -q "^$field = " "$toml" || fail "$name: no $field in [package]"
  done
  grep -q '^readme = "README.md"' "$toml" || fail "$name: readme is not README.md"
  [ -f "$dir/README.md" ] || fail "$name: $dir/README.md missing"
  [ -e "$dir/LICENSE" ] || fail "$name: $dir/LICENSE missing (a link to the root LICENSE)"
  kw=$(sed -n 's/^keywords = \[\(.*\)\]/\1/p' "$toml" | tr -d ' "' | tr ',' ' ')
  n=$(wc -w <<<"$kw")
  { [ "$n" -ge 1 ] && [ "$n" -le 5 ]; } || fail "$name: $n keywords (crates.io takes 1 to 5)"
  for k in $kw; do
    [[ "$k" =~ ^[a-z][a-z0-9_+-]{0,19}$ ]] || fail "$name: keyword '$k' is not a crates.io keyword"
  done
  for c in $(sed -n 's/^categories = \[\(.*\)\]/\1/p' "$toml" | tr -d ' "' | tr ',' ' '); do
    [[ "$categories" == *" $c "* ]] || fail "$name: '$c' is not a known crates.io category slug"
  done
  if [ -f "$dir/src/lib.rs" ]; then
    grep -q '^\[package.metadata.docs.rs\]' "$toml" || fail "$name: no [package.metadata.docs.rs]"
    grep -q '^#!\[doc = include_str!("../README.md")\]' "$dir/src/lib.rs" \
      || fail "$name: src/lib.rs does not take its crate docs from README.md"
    grep -q '^```rust' "$dir/README.md" || fail "$name: README.md has no Rust example"
  fi
  # A packaged crate has only its own directory: no doctest or source may read ../ paths.
  if grep -rnE 'CARGO_MANIFEST_DIR"\), *"/\.\.|\.\./shared|include_(str|bytes)!\("\.\./\.\.' "$dir/src" "$dir/README.md"; then
    fail "$name: reads files outside the crate (above)"
  fi
done

args=()
for p in "${packages[@]}"; do args+=(-p "$p"); done
cargo package --quiet --no-verify --allow-dirty "${args[@]}"

target="${CARGO_TARGET_DIR:-target}/package"
for p in "${packages[@]}"; do
  crate="$target/$p-$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1).crate"
  files=$(tar -tzf "$crate")
  for f in LICENSE README.md Cargo.toml; do
    grep -qx "[^/]*/$f" <<<"$files" || fail "$p: $f is not in $crate"
  done
done
echo "packaged ${#packages[@]} crates: ${packages[*]}"
