#!/usr/bin/env bash
# The fixed revocation test CA (committed test material: its keys are public, never use them
# outside tests) and the seeds of the `revocation` fuzz corpus, all made by OpenSSL.
#   crates/notary-revocation/testdata/fixed-ca/: ca.der + ca.pk8 (EC P-256 CA), responder.der +
#     responder.pk8 (delegated OCSP responder), leaf.der (CRL DP and OCSP URL on 127.0.0.1),
#     serial-128.der (serial 128, DER content 00 80, which a CRL entry of -128 must not match).
#   fuzz/corpus/revocation/seed-*: inputs of notary::fuzz_targets::revocation (first byte =
#     mode: 1 CRL TBSCertList [+ delta TBSCertList], 2 OCSP ResponseData signed by the CA,
#     3 ResponseData signed by the delegated responder; whole DER files are mode 0).
# Usage: tests/pki/make-fixed-revocation-ca.sh [--seeds-only]  (from anywhere)
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
out="$repo/crates/notary-revocation/testdata/fixed-ca"
corpus="$repo/fuzz/corpus/revocation"
w="$(mktemp -d)"; trap 'rm -rf "$w"' EXIT
cd "$w"
q() { "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; "$@"; exit 1; }; }
base=http://127.0.0.1/fixed-ca

mkdir -p db/new; touch db/index.txt; echo 1000 > db/serial; echo 1000 > db/crlnumber
cat > ca.cnf <<CNF
[ ca ]
default_ca = CA_default
[ CA_default ]
dir = $w
database = \$dir/db/index.txt
new_certs_dir = \$dir/db/new
serial = \$dir/db/serial
crlnumber = \$dir/db/crlnumber
certificate = \$dir/ca.pem
private_key = \$dir/ca.key
default_md = sha256
default_days = 36500
default_crl_days = 36500
policy = policy_any
unique_subject = no
copy_extensions = none
[ policy_any ]
commonName = supplied
[ leaf_ext ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = codeSigning
authorityInfoAccess = OCSP;URI:$base/ocsp
crlDistributionPoints = URI:$base/leaf.crl
[ serial128_ext ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = codeSigning
crlDistributionPoints = URI:$base/serial-128.crl
[ ocsp_ext ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = critical,OCSPSigning
[ crl_ext ]
authorityKeyIdentifier = keyid:always
[ base_ext ]
authorityKeyIdentifier = keyid:always
freshestCRL = URI:$base/delta.crl
[ delta_ext ]
authorityKeyIdentifier = keyid:always
deltaCRL = critical,ASN1:INTEGER:0x1000
[ idp_ca_ext ]
authorityKeyIdentifier = keyid:always
issuingDistributionPoint = critical,@idp_ca
[ idp_ca ]
onlyCA = TRUE
[ idp_user_ext ]
authorityKeyIdentifier = keyid:always
issuingDistributionPoint = critical,@idp_user
[ idp_user ]
fullname = URI:$base/leaf.crl
onlyuser = TRUE
[ idp_reasons_ext ]
authorityKeyIdentifier = keyid:always
issuingDistributionPoint = critical,@idp_reasons
[ idp_reasons ]
onlysomereasons = keyCompromise,CACompromise
[ idp_indirect_ext ]
authorityKeyIdentifier = keyid:always
issuingDistributionPoint = critical,@idp_indirect
[ idp_indirect ]
indirectCRL = TRUE
CNF

if [ "${1:-}" != "--seeds-only" ]; then
  q openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ca.key
  q openssl req -x509 -key ca.key -out ca.pem -days 36500 -sha256 -subj "/CN=Notary Fixed Revocation Test CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" -addext "subjectKeyIdentifier=hash"
  for n in leaf responder; do
    q openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out $n.key
    q openssl req -new -key $n.key -out $n.csr -subj "/CN=Notary Fixed Revocation Test $n"
  done
  q openssl ca -batch -config ca.cnf -extensions leaf_ext -in leaf.csr -out leaf.pem
  q openssl ca -batch -config ca.cnf -extensions ocsp_ext -in responder.csr -out responder.pem
  for n in ca leaf responder; do q openssl x509 -in $n.pem -outform DER -out "$out/$n.der"; done
  for n in ca responder; do q openssl pkcs8 -topk8 -nocrypt -in $n.key -outform DER -out "$out/$n.pk8"; done
else
  # Reuse the committed CA and responder; rebuild an openssl ca database holding the leaf.
  for n in ca responder; do
    q openssl pkcs8 -inform DER -nocrypt -in "$out/$n.pk8" -out $n.key
    q openssl x509 -inform DER -in "$out/$n.der" -out $n.pem
  done
  q openssl x509 -inform DER -in "$out/leaf.der" -out leaf.pem
  exp=$(openssl x509 -in leaf.pem -noout -enddate | cut -d= -f2)
  serial=$(openssl x509 -in leaf.pem -noout -serial | cut -d= -f2)
  printf 'V\t%s\t\t%s\tunknown\t/CN=Notary Fixed Revocation Test leaf\n' "$(date -u -d "$exp" +%Y%m%d%H%M%SZ)" "$serial" > db/index.txt
  echo 'unique_subject = no' > db/index.txt.attr
fi

# The serial-128 leaf, made from whichever CA is current.
q openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out s128.key
q openssl req -new -key s128.key -out s128.csr -subj "/CN=Notary Fixed Revocation Test serial 128"
q openssl x509 -req -in s128.csr -CA ca.pem -CAkey ca.key -set_serial 128 -days 36500 -sha256 \
  -extfile ca.cnf -extensions serial128_ext -out s128.pem
q openssl x509 -in s128.pem -outform DER -out "$out/serial-128.der"

# DER helpers: the first element inside the outer SEQUENCE (a CRL's TBSCertList), and an
# OCSP response's tbsResponseData.
cat > der.py <<'PY'
import sys
def tlv(b, i):
    t = b[i]; l = b[i+1]; h = 2
    if l & 0x80:
        n = l & 0x7f; l = int.from_bytes(b[i+2:i+2+n], 'big'); h = 2 + n
    return t, i + h, i + h + l  # tag, content start, end
def first_child(b):
    _, s, _ = tlv(b, 0); _, _, e = tlv(b, s); return b[s:e]
def response_data(b):
    _, s, _ = tlv(b, 0)              # OCSPResponse
    _, _, e = tlv(b, s)              # responseStatus
    _, s, _ = tlv(b, e)              # [0] responseBytes
    _, s, _ = tlv(b, s)              # ResponseBytes SEQUENCE
    _, _, e = tlv(b, s)              # responseType OID
    _, s, _ = tlv(b, e)              # response OCTET STRING
    _, s, _ = tlv(b, s)              # BasicOCSPResponse
    _, _, e = tlv(b, s)              # tbsResponseData
    return b[s:e]
mode, kind, out, *ins = sys.argv[1:]
data = bytes([int(mode)])
for f in ins:
    b = open(f, 'rb').read()
    data += first_child(b) if kind == 'crl' else response_data(b)
open(out, 'wb').write(data)
PY

crl() { # name section [config]
  q openssl ca -config "${3:-ca.cnf}" -gencrl -crlexts "$2" -out "$1.pem"
  q openssl crl -in "$1.pem" -outform DER -out "$1.crl"
}
crl empty crl_ext
crl base base_ext
crl delta_empty delta_ext
crl idp_ca idp_ca_ext
crl idp_indirect idp_indirect_ext
q openssl ca -config ca.cnf -revoke leaf.pem -crl_compromise 20250101000000Z
crl revoked crl_ext
crl delta_revoked delta_ext
crl idp_user idp_user_ext
crl idp_reasons idp_reasons_ext
ocsp() { # name signer [extra request args...]
  local name=$1 signer=$2; shift 2
  q openssl ocsp -issuer ca.pem "$@" -no_nonce -reqout "$name.req"
  q openssl ocsp -index db/index.txt -CA ca.pem -rsigner "$signer.pem" -rkey "$signer.key" -ndays 36500 \
    -reqin "$name.req" -respout "$name.ocsp"
}
ocsp revoked ca -cert leaf.pem
ocsp revoked_delegated responder -cert leaf.pem
ocsp unknown ca -serial 0x7777
sed -i 's/^R\(\t[^\t]*\)\t[^\t]*\t/V\1\t\t/' db/index.txt
ocsp good ca -cert leaf.pem
ocsp good_delegated responder -cert leaf.pem

mkdir -p "$corpus"
s() { python3 der.py "$@"; }
s 1 crl "$corpus/seed-crl-empty" empty.crl
s 1 crl "$corpus/seed-crl-revoked" revoked.crl
s 1 crl "$corpus/seed-crl-base-delta-empty" base.crl delta_empty.crl
s 1 crl "$corpus/seed-crl-base-delta-revoked" base.crl delta_revoked.crl
s 1 crl "$corpus/seed-crl-delta-as-base" delta_revoked.crl
s 1 crl "$corpus/seed-crl-idp-ca-only" idp_ca.crl
s 1 crl "$corpus/seed-crl-idp-user-revoked" idp_user.crl
s 1 crl "$corpus/seed-crl-idp-reasons" idp_reasons.crl
s 1 crl "$corpus/seed-crl-idp-indirect" idp_indirect.crl
s 5 crl "$corpus/seed-crl-revoked-signing-time" revoked.crl
for n in good revoked unknown; do s 2 ocsp "$corpus/seed-ocsp-$n" $n.ocsp; done
for n in good revoked; do s 3 ocsp "$corpus/seed-ocsp-$n-delegated" ${n}_delegated.ocsp; done
s 6 ocsp "$corpus/seed-ocsp-revoked-signing-time" revoked.ocsp
for n in revoked delta_revoked idp_user; do cp $n.crl "$corpus/seed-der-$n.crl"; done
for n in good revoked_delegated; do cp $n.ocsp "$corpus/seed-der-$n.ocsp"; done
echo ok
