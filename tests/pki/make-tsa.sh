#!/usr/bin/env bash
# Test PKI for a real OpenSSL RFC 3161 TSA: a root CA and a TSA certificate (critical
# timeStamping EKU), plus the `openssl ts -reply` configuration.
# Usage: make-tsa.sh DIR [ROOT_RSA_BITS]   (the root's key size, 2048 unless given)
set -euo pipefail
d="$1"; root_bits="${2:-2048}"; mkdir -p "$d"; cd "$d"
openssl req -x509 -newkey "rsa:$root_bits" -nodes -keyout ca.key -out ca.crt -days 3650 \
  -subj "/C=US/ST=WA/O=Notary Test/CN=Test TSA Root" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
openssl req -new -newkey rsa:2048 -nodes -keyout tsa.key -out tsa.csr \
  -subj "/C=US/ST=WA/O=Notary Test/CN=Test TSA" 2>/dev/null
printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=critical,timeStamping\n' > tsa.ext
openssl x509 -req -in tsa.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out tsa.crt -days 3650 -extfile tsa.ext 2>/dev/null
echo 01 > tsaserial
cat > tsa.cnf <<CNF
[ tsa ]
default_tsa = tsa_config
[ tsa_config ]
dir = $PWD
serial = \$dir/tsaserial
crypto_device = builtin
signer_cert = \$dir/tsa.crt
certs = \$dir/ca.crt
signer_key = \$dir/tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256, sha384, sha512
accuracy = secs:1, millisecs:500, microsecs:100
clock_precision_digits = 0
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
CNF
