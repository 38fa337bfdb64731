#!/usr/bin/env bash
# Side-by-side: `notary` and the Go `notation` (v1.3.2) doing the same work in one run on one
# machine, sharing one configuration directory (key, trust store, trust policy):
#   - sign 100 artifacts, verify 100 artifacts, in an OCI layout and in two local registries
#     (Debian's docker-registry, tag schema; olareg, referrers API; both on 127.0.0.1);
#   - blob sign and verify of a 1 GiB file (notation v1.3.2 has no blob commands: the Go side is
#     tests/interop-go/blobpeer, notation's own signer/verifier libraries).
# Prints each pair and the ratio notation/notary (targets: verify >= 3, sign >= 2, blob >= 1; one
# process per artifact against a registry: verify >= 2, sign >= 1.6), and for each registry the
# floor: its own time for the requests of one sign with no client work (registry-floor.py).
# `notary` keeps its signature cache (manifests and envelopes by digest) in the cache directory
# of this run: the first verify round of each place fills it, the second runs warm; notation
# has no such cache. Then it prints the HTTP requests of one `notary sign` and one cold and one
# warm `notary verify` by digest on each registry (from `notary -d`).
# Usage: benches/compare-notation.sh [ARTIFACTS] [BLOB_MIB]   (tools from scripts/setup.sh)
#   NOTARY_BIN=path: time that notary binary instead of this tree's release build
#   (scripts/build-release.sh) for before/after runs.
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-100}"; blob_mib="${2:-1024}"
tools="${NOTARY_TOOLS_BIN:-$HOME/.cache/notary-rs/tools}"
for t in notation oras blobpeer; do
  [ -x "$tools/$t" ] || { echo "compare-notation: $tools/$t missing (run scripts/setup.sh)" >&2; exit 1; }
done
[ -x /usr/bin/docker-registry ] || { echo "compare-notation: docker-registry missing (run scripts/setup.sh)" >&2; exit 1; }
if [ -n "${NOTARY_BIN:-}" ]; then
  notary=$NOTARY_BIN
else
  # The release build (static on Linux, linked against musl where it is installed, as
  # notation's release binaries are static); NOTARY_LIBC=gnu times the static glibc build,
  # NOTARY_STATIC=0 the ordinary dynamically linked one.
  notary=$(bash scripts/build-release.sh | sed -n 1p)  # sed reads it all: no SIGPIPE under pipefail
fi
notation="$tools/notation"; oras="$tools/oras"; blobpeer="$tools/blobpeer"
# Which build is timed: linking is part of what a process costs.
if readelf -lW "$notary" 2>/dev/null | grep -q INTERP; then link=dynamic; else link=static; fi
# The musl release build carries mimalloc (scripts/build-release.sh), the glibc one does not.
if [ "$link" = static ]; then
  if grep -qa mimalloc "$notary"; then link="$link, musl + mimalloc"; else link="$link, glibc"; fi
fi
echo "notary: $notary ($link)"

work=$(mktemp -d); reg_pid=""
ola_pid=""
cleanup() { for p in $reg_pid $ola_pid; do kill "$p" 2>/dev/null; done; rm -rf "$work"; }
trap cleanup EXIT
# All three binaries run from files written the same way, into this run's directory. A file
# written by a linker (`go build` leaves notation so in scripts/setup.sh) sits in the page cache
# in small folios and costs more page faults per run than one written by `install` or a package
# manager: 5-8% of a notation sign or verify here, and the same for notary.
mkdir -p "$work/bin"
for b in notary notation blobpeer; do install -m 0755 "${!b}" "$work/bin/$b"; done
notary="$work/bin/notary"; notation="$work/bin/notation"; blobpeer="$work/bin/blobpeer"
export HOME="$work/home" XDG_CONFIG_HOME="$work/xdg" NOTATION_EXPERIMENTAL=1
mkdir -p "$HOME"
"$notary" cert generate-test bench --default >/dev/null
cfg="$XDG_CONFIG_HOME/notation"
cat > "$cfg/trustpolicy.json" <<'JSON'
{"version":"1.0","trustPolicies":[{"name":"bench","registryScopes":["*"],
 "signatureVerification":{"level":"strict"},"trustStores":["ca:bench"],"trustedIdentities":["*"]}]}
JSON
cat > "$cfg/trustpolicy.blob.json" <<'JSON'
{"version":"1.0","trustPolicies":[{"name":"bench","signatureVerification":{"level":"strict"},
 "trustStores":["ca:bench"],"trustedIdentities":["*"],"globalPolicy":true}]}
JSON
# blobpeer verifies against the trust store named "interop".
mkdir -p "$cfg/truststore/x509/ca/interop"; cp "$cfg/truststore/x509/ca/bench/"* "$cfg/truststore/x509/ca/interop/"

# A local registry (Distribution 2.8) on an ephemeral port.
. benches/docker-registry.sh
start_docker_registry "$work/reg" compare-notation
# olareg (referrers API) on a free port; both tools use the API there (--force-referrers-tag=false).
[ -x "$tools/olareg" ] || { echo "compare-notation: $tools/olareg missing (run scripts/setup.sh)" >&2; exit 1; }
oport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$tools/olareg" serve --addr 127.0.0.1 --port "$oport" --dir "$work/olareg" --gc-frequency -1s > "$work/olareg.log" 2>&1 &
ola_pid=$!
for _ in $(seq 200); do (exec 3<>/dev/tcp/127.0.0.1/"$oport") 2>/dev/null && break; sleep 0.05; done
ohost="127.0.0.1:$oport"

# Nanoseconds without forking (bash 5 EPOCHREALTIME), so the harness adds little to each run.
now() { local t=${EPOCHREALTIME/[.,]/}; echo $(( t * 1000 )); }
ms() { echo $(( ($2 - $1) / 1000000 )); }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
spawn_us=0  # the harness's own cost per process start, measured below
report() { # label notary_ms notation_ms target [invocations]
  local k=${5:-0} net_n net_g
  net_n=$(( $2 - spawn_us * k / 1000 )); net_g=$(( $3 - spawn_us * k / 1000 ))
  printf '%-40s notary %6d ms  notation %6d ms  notation/notary %5sx' "$1" "$2" "$3" "$(ratio "$3" "$2")"
  if [ "$k" -gt 0 ]; then
    printf '  (less process start-up: %5sx)' "$(ratio "$net_g" "$net_n")"
  fi
  printf '  target >= %s\n' "$4"
}

# Artifacts: N per tool and place, each signed once by the tool that signs it.
echo "preparing $n artifacts x 4 ..."
for i in $(seq "$n"); do echo "artifact $i" > "$work/a$i.txt"; done
push_layout() { (cd "$work" && "$oras" push --oci-layout "$1:v$2" "a$2.txt" >/dev/null); }
push_reg() { (cd "$work" && "$oras" push --plain-http "$3/$1:v$2" "a$2.txt" >/dev/null); }
declare -A dig
for i in $(seq "$n"); do
  for who in notary notation; do
    push_layout "$work/layout-$who" "$i"
    push_reg "bench-$who" "$i" "$host"
    push_reg "bench-$who" "$i" "$ohost"
    dig[$who-layout-$i]=$("$oras" resolve --oci-layout "$work/layout-$who:v$i")
    dig[$who-reg-$i]=$("$oras" resolve --plain-http "$host/bench-$who:v$i")
    dig[$who-ola-$i]=$("$oras" resolve --plain-http "$ohost/bench-$who:v$i")
  done
done
# Subjects for the registries' own floor (registry-floor.py): what signing costs with no client.
floor_n=$(( n < 20 ? n : 20 ))
declare -A floor_digs
for i in $(seq "$floor_n"); do
  push_reg floor "$i" "$host"; push_reg floor "$i" "$ohost"
  floor_digs[reg]+=" $("$oras" resolve --plain-http "$host/floor:v$i")"
  floor_digs[ola]+=" $("$oras" resolve --plain-http "$ohost/floor:v$i")"
done

run_sign() { # tool place i
  local who=$1 place=$2 i=$3 bin
  bin=$notary; [ "$who" = notation ] && bin=$notation
  if [ "$place" = layout ]; then
    "$bin" sign --oci-layout "$work/layout-$who@${dig[$who-layout-$i]}" >/dev/null 2>&1
  elif [ "$place" = ola ]; then
    "$bin" sign --insecure-registry --force-referrers-tag=false "$ohost/bench-$who@${dig[$who-ola-$i]}" >/dev/null 2>&1
  else
    "$bin" sign --insecure-registry "$host/bench-$who@${dig[$who-reg-$i]}" >/dev/null 2>&1
  fi
}
run_verify() { # tool place i (verifies the artifacts notary signed, so both check the same bytes)
  local who=$1 place=$2 i=$3 bin
  bin=$notary; [ "$who" = notation ] && bin=$notation
  if [ "$place" = layout ]; then
    "$bin" verify --oci-layout --scope local/bench "$work/layout-notary@${dig[notary-layout-$i]}" >/dev/null 2>&1
  elif [ "$place" = ola ]; then
    "$bin" verify --insecure-registry "$ohost/bench-notary@${dig[notary-ola-$i]}" >/dev/null 2>&1
  else
    "$bin" verify --insecure-registry "$host/bench-notary@${dig[notary-reg-$i]}" >/dev/null 2>&1
  fi
}

# Each operation is timed per invocation and the two tools alternate artifact by artifact, so
# registry warm-up and machine noise fall on both alike.
declare -A total
# What starting a trivial process costs this harness (fork, exec, timing), in microseconds;
# both tools pay it on every run, so the net ratio subtracts it (as
# hyperfine subtracts shell start-up).
a=${EPOCHREALTIME/[.,]/}; for _ in $(seq 200); do /bin/true; done; b=${EPOCHREALTIME/[.,]/}
spawn_us=$(( (b - a) / 200 ))
timed() { # key command...
  local a b; a=${EPOCHREALTIME/[.,]/}; "${@:2}"; b=${EPOCHREALTIME/[.,]/}
  total[$1]=$(( ${total[$1]:-0} + (b - a) * 1000 ))
}
for place in layout reg ola; do
  case $place in
    layout) label="OCI layout" ;;
    reg) label="docker-registry (tag schema)" ;;
    ola) label="olareg (referrers API)" ;;
  esac
  for i in $(seq "$n"); do
    timed "sign-notary-$place" run_sign notary "$place" "$i"
    timed "sign-notation-$place" run_sign notation "$place" "$i"
  done
  # Targets: 2x sign and 3x verify where no server is involved; against a registry one
  # process per artifact is bound by the registry's own time: 1.6x sign, 2x verify.
  st=2; vt=3; [ "$place" != layout ] && { st=1.6; vt=2; }
  report "sign $n, $label" "$(( total[sign-notary-$place] / 1000000 ))" "$(( total[sign-notation-$place] / 1000000 ))" "$st" "$n"
  if [ "$place" != layout ]; then
    # The registry's own time for notary's requests of one sign, sent with no client work:
    # notation's time over it is the most any client could show against this registry.
    fh=$host; pattern=tag; [ "$place" = ola ] && { fh=$ohost; pattern=api; }
    # shellcheck disable=SC2086 # the digests are words
    read -r floor_ms _ < <(python3 "$(dirname "$0")/registry-floor.py" "$fh" floor "$pattern" ${floor_digs[$place]})
    per_notation=$(awk -v t="${total[sign-notation-$place]}" -v n="$n" 'BEGIN { printf "%.1f", t / n / 1e6 }')
    per_notary=$(awk -v t="${total[sign-notary-$place]}" -v n="$n" 'BEGIN { printf "%.1f", t / n / 1e6 }')
    printf '%-40s %s ms per sign with no client at all (notary %s ms, notation %s ms): notation/floor %sx, the most any client could show\n' \
      "registry floor, $label" "$floor_ms" "$per_notary" "$per_notation" "$(ratio "$per_notation" "$floor_ms")"
  fi
  for round in 1 2; do
    for i in $(seq "$n"); do
      timed "verify-notary-$place" run_verify notary "$place" "$i"
      timed "verify-notation-$place" run_verify notation "$place" "$i"
    done
  done
  report "verify $n (x2), $label" "$(( total[verify-notary-$place] / 1000000 ))" "$(( total[verify-notation-$place] / 1000000 ))" "$vt" "$((2 * n))"
done

# Requests per operation (`notary -d` counts them; binaries without -d skip this).
if "$notary" verify --help 2>/dev/null | grep -q -- '--debug'; then
  requests() { "$@" 2>&1 >/dev/null | sed -n 's/.*registry request counts.* requests=\([0-9]*\).*/\1/p' | head -1; }
  for place in reg ola; do
    case $place in
      reg) h=$host; label="docker-registry (tag schema)"; sflags=() ;;
      ola) h=$ohost; label="olareg (referrers API)"; sflags=(--force-referrers-tag=false) ;;
    esac
    r="$h/bench-notary@${dig[notary-$place-1]}"
    s=$(requests "$notary" sign -d --insecure-registry "${sflags[@]}" "$r")
    c=$(requests "$notary" verify -d --no-signature-cache --insecure-registry "$r")
    w=$(requests "$notary" verify -d --insecure-registry "$r")
    printf '%-40s sign %s, verify by digest: cold %s, warm %s HTTP requests\n' "requests, $label" "$s" "$c" "$w"
  done
fi

# Batch: notary takes many references in one invocation (8 at a time, one client per
# repository); notation takes one per invocation. Same work: the N artifacts above, against
# notation's per-invocation totals measured above (verify: one round's average).
batch_refs() { # tool place
  local i
  for i in $(seq "$n"); do
    case $2 in
      layout) echo "$work/layout-$1@${dig[$1-layout-$i]}" ;;
      reg) echo "$host/bench-$1@${dig[$1-reg-$i]}" ;;
      ola) echo "$ohost/bench-$1@${dig[$1-ola-$i]}" ;;
    esac
  done
}
for place in layout reg ola; do
  case $place in
    layout) label="OCI layout"; flags=(--oci-layout --scope local/bench) ;;
    reg) label="docker-registry"; flags=(--insecure-registry) ;;
    ola) label="olareg"; flags=(--insecure-registry) ;;
  esac
  mapfile -t refs < <(batch_refs notary "$place")
  a=${EPOCHREALTIME/[.,]/}
  "$notary" verify "${flags[@]}" "${refs[@]}" >/dev/null 2>&1 || { echo "batch verify failed ($place)" >&2; exit 1; }
  b=${EPOCHREALTIME/[.,]/}
  report "verify $n, one notary run, $label" "$(( (b - a) / 1000 ))" "$(( total[verify-notation-$place] / 2000000 ))" 3
  sflags=("${flags[@]}")
  [ "$place" = layout ] && sflags=(--oci-layout)
  [ "$place" = ola ] && sflags+=(--force-referrers-tag=false)
  a=${EPOCHREALTIME/[.,]/}
  "$notary" sign "${sflags[@]}" "${refs[@]}" >/dev/null 2>&1 || { echo "batch sign failed ($place)" >&2; exit 1; }
  b=${EPOCHREALTIME/[.,]/}
  report "sign $n, one notary run, $label" "$(( (b - a) / 1000 ))" "$(( total[sign-notation-$place] / 1000000 ))" 2
done

# Blob: 1 GiB.
head -c "$((blob_mib * 1024 * 1024))" /dev/urandom > "$work/blob.bin"
key="$cfg/localkeys/bench.key"; crt="$cfg/localkeys/bench.crt"
a=$(now); "$notary" blob sign --force --signature-directory "$work" "$work/blob.bin" >/dev/null; b=$(now)
"$blobpeer" sign -key "$key" -cert "$crt" -format jws -out "$work/blob.go.jws.sig" "$work/blob.bin"; c=$(now)
report "blob sign ${blob_mib} MiB" "$(ms "$a" "$b")" "$(ms "$b" "$c")" 1
a=$(now); "$notary" blob verify --signature "$work/blob.bin.jws.sig" "$work/blob.bin" >/dev/null; b=$(now)
"$blobpeer" verify -format jws -sig "$work/blob.go.jws.sig" "$work/blob.bin" >/dev/null; c=$(now)
report "blob verify ${blob_mib} MiB (Go: notation-go)" "$(ms "$a" "$b")" "$(ms "$b" "$c")" 1
