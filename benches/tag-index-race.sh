#!/usr/bin/env bash
# Signers of one artifact at the same moment, against a registry without the referrers API
# (Debian's docker-registry, the referrers tag schema): how many of their signatures the
# subject's tag index still lists afterwards.
#
# Usage: benches/tag-index-race.sh SIGNER [ROUNDS] [CONCURRENT]   (tools from scripts/setup.sh)
#   SIGNER: a `notary` or `notation` binary. Each round pushes an artifact, signs it once, then
#   starts CONCURRENT signs of it at once and counts the signatures listed. Set
#   NOTARY_CONFIRM_REFERRERS_TAG=1 to time notary's confirmed tag index writes.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
signer=$1; rounds=${2:-10}; k=${3:-8}
tools="${NOTARY_TOOLS:-$HOME/.cache/notary-rs/tools}"
[ -x "$tools/oras" ] || { echo "tag-index-race: $tools/oras missing (run scripts/setup.sh)" >&2; exit 1; }
[ -x /usr/bin/docker-registry ] || { echo "tag-index-race: docker-registry missing (run scripts/setup.sh)" >&2; exit 1; }
oras=$tools/oras
work=$(mktemp -d); reg_pid=""
trap 'kill $reg_pid 2>/dev/null; rm -rf "$work"' EXIT
export HOME="$work/home" XDG_CONFIG_HOME="$work/xdg" NOTATION_EXPERIMENTAL=1
mkdir -p "$HOME"
# Both tools read notation's configuration: one test key, made by whichever is given.
"$signer" cert generate-test race --default >/dev/null \
  || { echo "tag-index-race: $signer cannot make a test key" >&2; exit 1; }
. "$here/docker-registry.sh"
start_docker_registry "$work/reg" tag-index-race
listed=0; total=0; failed=0
for r in $(seq "$rounds"); do
  echo "artifact $r" > "$work/a$r.txt"
  (cd "$work" && "$oras" push --plain-http "$host/app:v$r" "a$r.txt" >/dev/null)
  d=$("$oras" resolve --plain-http "$host/app:v$r")
  "$signer" sign --insecure-registry "$host/app@$d" >/dev/null 2>&1 || { echo "tag-index-race: first sign failed" >&2; exit 1; }
  pids=()
  for i in $(seq "$k"); do "$signer" sign --insecure-registry "$host/app@$d" >/dev/null 2>&1 & pids+=($!); done
  for p in "${pids[@]}"; do wait "$p" || failed=$((failed + 1)); done
  # The tag index as the registry serves it, whoever the signer was.
  n=$("$oras" discover --plain-http --distribution-spec v1.1-referrers-tag --format json "$host/app@$d" \
    | python3 -c 'import json,sys; print(len(json.load(sys.stdin).get("manifests") or []))')
  listed=$((listed + n)); total=$((total + k + 1))
  echo "round $r: $n of $((k + 1)) listed"
done
echo "$(basename "$signer"): $listed of $total signatures listed; $failed signs reported failure"
