#!/usr/bin/env bash
# Regenerates the certificate fixtures of notary-x509 with the openssl CLI (tested with 3.0).
# Each directory holds one chain (leaf.pem, inter.pem, root.pem, ...) that is valid except for
# the one rule its name says it breaks; tests/chain_rules.rs asserts the error of each.
# Private keys stay in a temporary directory and are discarded.
# Usage: testdata/gen.sh   (run from anywhere; rewrites the PEM/DER files beside this script)
set -euo pipefail

OUT="$(cd "$(dirname "$0")" && pwd)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"

START=20240101000000Z
END=21240101000000Z
SUBJ="/C=US/ST=WA/L=Seattle/O=Notary/OU=Test"

cat > ca.cnf <<'CNF'
[ca]
default_ca = dflt
[dflt]
database = index.txt
new_certs_dir = .
serial = serial
policy = anything
default_md = sha256
unique_subject = no
copy_extensions = none
[anything]
countryName = optional
stateOrProvinceName = optional
localityName = optional
organizationName = optional
organizationalUnitName = optional
commonName = optional
[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
CNF

cat > ext.cnf <<'CNF'
[root]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[root_pathlen0]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
[inter]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
[inter_no_ku]
basicConstraints = critical, CA:TRUE
[inter_ku_not_critical]
basicConstraints = critical, CA:TRUE
keyUsage = keyCertSign, cRLSign
[inter_no_certsign]
basicConstraints = critical, CA:TRUE
keyUsage = critical, digitalSignature, cRLSign
[inter_no_bc]
keyUsage = critical, keyCertSign, cRLSign
[leaf]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = codeSigning
[leaf_no_ku]
basicConstraints = CA:FALSE
[leaf_ku_not_critical]
keyUsage = digitalSignature
[leaf_ku_forbidden]
keyUsage = critical, digitalSignature, keyEncipherment
[leaf_no_digsig]
keyUsage = critical, nonRepudiation
[leaf_ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, digitalSignature
[leaf_eku_server]
keyUsage = critical, digitalSignature
extendedKeyUsage = codeSigning, serverAuth
[leaf_eku_any]
keyUsage = critical, digitalSignature
extendedKeyUsage = anyExtendedKeyUsage
[tsa_leaf]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = critical, timeStamping
[tsa_leaf_eku_not_critical]
keyUsage = critical, digitalSignature
extendedKeyUsage = timeStamping
[tsa_leaf_eku_extra]
keyUsage = critical, digitalSignature
extendedKeyUsage = critical, timeStamping, codeSigning
[tsa_leaf_ku_not_critical]
keyUsage = digitalSignature
extendedKeyUsage = critical, timeStamping
CNF

touch index.txt
echo 1000 > serial

rsa() { openssl genpkey -algorithm RSA -pkeyopt "rsa_keygen_bits:$2" -out "$1.key" 2>/dev/null; }
ec() { openssl genpkey -algorithm EC -pkeyopt "ec_paramgen_curve:$2" -out "$1.key"; }

# sign NAME SUBJECT-CN ISSUER(or self) EXT [extra openssl-ca args...]
sign() {
  local name=$1 cn=$2 issuer=$3 ext=$4
  shift 4
  openssl req -new -config ca.cnf -key "$name.key" -subj "$SUBJ/CN=$cn" -out "$name.csr"
  if [ "$issuer" = self ]; then
    openssl ca -batch -config ca.cnf -selfsign -keyfile "$name.key" -in "$name.csr" \
      -out "$name.pem" -extfile ext.cnf -extensions "$ext" -preserveDN -notext \
      -startdate "$START" -enddate "$END" "$@" 2>/dev/null
  else
    openssl ca -batch -config ca.cnf -cert "$issuer.pem" -keyfile "$issuer.key" -in "$name.csr" \
      -out "$name.pem" -extfile ext.cnf -extensions "$ext" -preserveDN -notext \
      -startdate "$START" -enddate "$END" "$@" 2>/dev/null
  fi
}

# Shared valid CA chain (RSA).
rsa root 3072
sign root "Notary Test Root" self root
rsa inter 3072
sign inter "Notary Test Intermediate" root inter
rsa leaf 2048
sign leaf "Notary Test Leaf" inter leaf
mkdir -p "$OUT/valid"
cp root.pem inter.pem leaf.pem "$OUT/valid/"
cat leaf.pem inter.pem root.pem > "$OUT/valid/chain.pem"
for n in root inter leaf; do openssl x509 -in "$n.pem" -outform DER -out "$OUT/valid/$n.der"; done

# A lone self-signed signing certificate (notation cert generate-test style).
rsa selfleaf 2048
sign selfleaf "Notary Self Signed" self leaf
mkdir -p "$OUT/self-signed"
cp selfleaf.pem "$OUT/self-signed/leaf.pem"

# Leaf-rule violations, each signed by the valid intermediate.
for ext in leaf_no_ku leaf_ku_not_critical leaf_ku_forbidden leaf_no_digsig leaf_ca \
  leaf_eku_server leaf_eku_any; do
  rsa "$ext" 2048
  sign "$ext" "Notary ${ext}" inter "$ext"
  mkdir -p "$OUT/$ext"
  cp "$ext.pem" "$OUT/$ext/leaf.pem"
done

# RSA-1024 leaf.
rsa rsa1024 1024
sign rsa1024 "Notary rsa1024" inter leaf
mkdir -p "$OUT/leaf_rsa1024" && cp rsa1024.pem "$OUT/leaf_rsa1024/leaf.pem"

# SHA-1 signed leaf.
rsa sha1leaf 2048
sign sha1leaf "Notary sha1" inter leaf -md sha1
mkdir -p "$OUT/leaf_sha1" && cp sha1leaf.pem "$OUT/leaf_sha1/leaf.pem"

# Expired leaf (2020-2021).
rsa expired 2048
START=20200101000000Z END=20210101000000Z sign expired "Notary expired" inter leaf
mkdir -p "$OUT/leaf_expired" && cp expired.pem "$OUT/leaf_expired/leaf.pem"

# CA-rule violations: an intermediate breaking one rule, a leaf under it.
for ext in inter_no_ku inter_ku_not_critical inter_no_certsign inter_no_bc; do
  rsa "$ext" 3072
  sign "$ext" "Notary ${ext}" root "$ext"
  rsa "${ext}_leaf" 2048
  sign "${ext}_leaf" "Notary ${ext} leaf" "$ext" leaf
  mkdir -p "$OUT/$ext"
  cp "$ext.pem" "$OUT/$ext/inter.pem"
  cp "${ext}_leaf.pem" "$OUT/$ext/leaf.pem"
done

# pathLenConstraint 0 on the root with an intermediate below it.
rsa plroot 3072
sign plroot "Notary pathlen Root" self root_pathlen0
rsa plinter 3072
sign plinter "Notary pathlen Intermediate" plroot inter
rsa plleaf 2048
sign plleaf "Notary pathlen Leaf" plinter leaf
mkdir -p "$OUT/root_pathlen"
cp plroot.pem "$OUT/root_pathlen/root.pem"
cp plinter.pem "$OUT/root_pathlen/inter.pem"
cp plleaf.pem "$OUT/root_pathlen/leaf.pem"

# Self-signed intermediate in the middle of a chain.
rsa ssinter 3072
sign ssinter "Notary self-signed Intermediate" self inter
rsa ssleaf 2048
sign ssleaf "Notary self-signed-inter Leaf" ssinter leaf
mkdir -p "$OUT/inter_self_signed"
cp ssinter.pem "$OUT/inter_self_signed/inter.pem"
cp ssleaf.pem "$OUT/inter_self_signed/leaf.pem"

# Issuer name mismatch: a second CA certificate with the intermediate's key but another name.
cp inter.key twin.key
sign twin "Notary Twin Intermediate" root inter
rsa twinleaf 2048
sign twinleaf "Notary twin Leaf" twin leaf
mkdir -p "$OUT/issuer_mismatch" && cp twinleaf.pem "$OUT/issuer_mismatch/leaf.pem"

# EC chain: P-384 root, P-256 intermediate signing with ecdsa-with-SHA512, P-521 leaf.
ec ecroot P-384
sign ecroot "Notary EC Root" self root -md sha384
ec ecinter P-256
sign ecinter "Notary EC Intermediate" ecroot inter -md sha384
ec ecleaf P-521
sign ecleaf "Notary EC Leaf" ecinter leaf -md sha512
mkdir -p "$OUT/ec"
cp ecroot.pem "$OUT/ec/root.pem"; cp ecinter.pem "$OUT/ec/inter.pem"; cp ecleaf.pem "$OUT/ec/leaf.pem"

# RSASSA-PSS signed leaf (salt = hash length) under the valid intermediate.
rsa pssleaf 4096
sign pssleaf "Notary PSS Leaf" inter leaf -md sha256 -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:digest
mkdir -p "$OUT/pss" && cp pssleaf.pem "$OUT/pss/leaf.pem"

# Ed25519 root and intermediate above an EC P-256 leaf.
openssl genpkey -algorithm ED25519 -out edroot.key
sign edroot "Notary Ed25519 Root" self root -md default
ec edleaf P-256
sign edleaf "Notary Ed25519-signed Leaf" edroot leaf -md default
mkdir -p "$OUT/ed25519" && cp edroot.pem "$OUT/ed25519/root.pem" && cp edleaf.pem "$OUT/ed25519/leaf.pem"

# Timestamping chains under the valid intermediate/root.
for ext in tsa_leaf tsa_leaf_eku_not_critical tsa_leaf_eku_extra tsa_leaf_ku_not_critical; do
  rsa "$ext" 2048
  sign "$ext" "Notary ${ext}" inter "$ext"
  mkdir -p "$OUT/$ext" && cp "$ext.pem" "$OUT/$ext/leaf.pem"
done

# Raw envelope-style signatures over a fixed message with the valid leaf (PS256) and the EC
# leaf (ES512, DER from openssl; the test converts it to r||s).
mkdir -p "$OUT/raw"
printf 'notary-x509 raw signature test message' > "$OUT/raw/message.txt"
openssl dgst -sha256 -sign leaf.key -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:digest \
  -out "$OUT/raw/ps256.sig" "$OUT/raw/message.txt"
openssl dgst -sha512 -sign ecleaf.key -out "$OUT/raw/es512.der.sig" "$OUT/raw/message.txt"

# An RSA-1024 root (notary verifies no signature with an RSA key under 2048 bits; notation
# accepts such a CA) over a valid leaf: the error names the root's key.
rsa root1024 1024
sign root1024 "Notary rsa1024 Root" self root
rsa leaf_under_1024 2048
sign leaf_under_1024 "Notary leaf under rsa1024" root1024 leaf
mkdir -p "$OUT/ca_rsa1024"
cp root1024.pem "$OUT/ca_rsa1024/root.pem"
cp leaf_under_1024.pem "$OUT/ca_rsa1024/leaf.pem"

echo "fixtures written to $OUT"
