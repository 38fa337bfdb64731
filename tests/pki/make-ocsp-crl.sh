#!/usr/bin/env bash
# Test PKI for live revocation checks with OpenSSL: root CA -> intermediate CA -> code-signing
# leaf, each non-root certificate publishing an OCSP responder and a CRL distribution point on
# http://127.0.0.1:PORT, OCSP signing certificates for both CAs, and the CRLs.
# Usage: make-ocsp-crl.sh DIR PORT. Revoke with:
#   openssl ca -config DIR/inter/ca.cnf -revoke DIR/leaf.crt && gencrl inter   (see gencrl below)
set -euo pipefail
d="$1"; port="$2"; mkdir -p "$d"; cd "$d"; base="http://127.0.0.1:$port"
q() { "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; "$@"; exit 1; }; }

mkca() { # name
  mkdir -p "$1/db/new" crl; touch "$1/db/index.txt"; echo 1000 > "$1/db/serial"; echo 1000 > "$1/db/crlnumber"
  cat > "$1/ca.cnf" <<CNF
[ ca ]
default_ca = CA_default
[ CA_default ]
dir = $PWD/$1
database = \$dir/db/index.txt
new_certs_dir = \$dir/db/new
serial = \$dir/db/serial
crlnumber = \$dir/db/crlnumber
certificate = \$dir/ca.crt
private_key = \$dir/ca.key
default_md = sha256
default_days = 3650
default_crl_days = 30
policy = policy_any
unique_subject = no
copy_extensions = none
[ policy_any ]
commonName = supplied
organizationName = optional
countryName = optional
stateOrProvinceName = optional
[ inter_ext ]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
authorityInfoAccess = OCSP;URI:$base/ocsp-root
crlDistributionPoints = URI:$base/crl/root.crl
[ leaf_ext ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = codeSigning
authorityInfoAccess = OCSP;URI:$base/ocsp-inter
crlDistributionPoints = URI:$base/crl/inter.crl
[ ocsp_ext ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = critical,OCSPSigning
[ crl_ext ]
authorityKeyIdentifier = keyid:always
CNF
}

mkca root
q openssl req -x509 -newkey rsa:2048 -nodes -keyout root/ca.key -out root/ca.crt -days 3650 \
  -subj "/C=US/ST=WA/O=Notary Test/CN=Revocation Test Root" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" -addext "subjectKeyIdentifier=hash"
mkca inter
q openssl req -new -newkey rsa:2048 -nodes -keyout inter/ca.key -out inter/ca.csr -subj "/C=US/ST=WA/O=Notary Test/CN=Revocation Test Intermediate"
q openssl ca -batch -config root/ca.cnf -extensions inter_ext -in inter/ca.csr -out inter/ca.crt
q openssl req -new -newkey rsa:2048 -nodes -keyout leaf.key -out leaf.csr -subj "/C=US/ST=WA/O=Notary Test/CN=Revocation Test Leaf"
q openssl ca -batch -config inter/ca.cnf -extensions leaf_ext -in leaf.csr -out leaf.crt
for ca in root inter; do
  q openssl req -new -newkey rsa:2048 -nodes -keyout "$ca/ocsp.key" -out "$ca/ocsp.csr" -subj "/C=US/O=Notary Test/CN=OCSP $ca"
  q openssl ca -batch -config "$ca/ca.cnf" -extensions ocsp_ext -in "$ca/ocsp.csr" -out "$ca/ocsp.crt"
done
# PEM chain, leaf first (openssl ca output has a text preamble; keep only the PEM).
for f in leaf.crt inter/ca.crt root/ca.crt; do openssl x509 -in "$f"; done > chain.pem
gencrl() { q openssl ca -config "$1/ca.cnf" -gencrl -crlexts crl_ext -out "crl/$1.crl.pem"; q openssl crl -in "crl/$1.crl.pem" -outform DER -out "crl/$1.crl"; }
gencrl root; gencrl inter
echo ok
