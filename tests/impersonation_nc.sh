#!/usr/bin/env bash
# impersonation_nc.sh - what Cyclone DDS 0.10's PKI-DH plugin does with the
# two other designs issue 11 proposed, measured with the shipped binaries so
# that docs/security.md's reasons for "one coalition identity authority" stay
# true (if a Cyclone upgrade changes a result, this test says so):
#
#  1. chain: a coalition root issues each nation an intermediate CA that
#     issues its node.  Nodes trusting only the root do not talk at all: the
#     plugin verifies a certificate against one self-signed trusted CA and
#     never builds a chain (no untrusted intermediates are passed to OpenSSL).
#  2. name-constrained national CAs: each nation's self-signed CA carries
#     nameConstraints permitted dirName C=<its code>,O=mwx.  The genuine nodes
#     talk; JPN's CA-signed "kor-node" certificate is refused (OpenSSL checks
#     a trust anchor's own name constraints; the plugin calls X509_verify_cert
#     with default flags), whether JPN presents the constrained CA or an
#     unconstrained copy made with the same key.
# The PKI layout of every node dir is the one mwx pki init makes; only the
# certificates are replaced with openssl-made ones.  Bounded: about 40 s.
# Usage: impersonation_nc.sh BUILD_DIR
set -u
B=$(cd "${1:?usage: impersonation_nc.sh BUILD_DIR}" && pwd)
. "$(dirname "$0")/lib/check.sh"
scratch imperson_nc
cd "$T" || exit 1

key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyAgreement\n' > leaf.ext
printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\n' > ca.ext
# ca NAME C [constrain]: a self-signed CA "C=<C>,O=mwx,CN=<NAME>", key NAME.key
ca() {
  local nc=""
  [ "${3:-}" = constrain ] && nc="nameConstraints=critical,permitted;dirName:dn_sub"
  cat > "$1.cnf" <<E
[req]
distinguished_name=dn
prompt=no
x509_extensions=v3
[dn]
C=$2
O=mwx
CN=$1
[v3]
basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash
$nc
[dn_sub]
C=$2
O=mwx
E
  [ -f "$1.key" ] || key "$1.key"
  openssl req -x509 -key "$1.key" -config "$1.cnf" -days 30 -out "$1.pem" 2>/dev/null
}
# leaf OUT C CN ISSUER [EXT]: a certificate for "C=<C>,O=mwx,CN=<CN>" issued by ISSUER
leaf() {
  key "$1.key"
  openssl req -new -key "$1.key" -subj "/C=$2/O=mwx/CN=$3" -out "$1.csr" 2>/dev/null &&
    openssl x509 -req -in "$1.csr" -CA "$4.pem" -CAkey "$4.key" -CAcreateserial -days 30 -extfile "${5:-leaf.ext}" \
      -out "$1.pem" 2>/dev/null
}
# pki DIR: mwx pki init, then the given node certificates: pki DIR TRUSTED... -- NAT:CERT:CA ...
pki() {
  local d=$1; shift
  "$B/mwx" pki init "$d" --nations KOR,JPN,USA >/dev/null || return 1
  rm -f "$d"/trusted/*
  while [ "$1" != -- ]; do cp "$1.pem" "$d/trusted/"; shift; done; shift
  for x in "$@"; do
    IFS=: read -r nat cert cacert <<< "$x"
    cp "$cert.pem" "$d/$nat/node.pem"; cp "$cert.key" "$d/$nat/node.key"; cp "$cacert.pem" "$d/$nat/identity_ca.pem"
  done
}
DOM=$(( 30 + $$ % 16 ))
cfg() { echo "{\"nation\":\"$2\",\"pki_dir\":\"$3\",\"domain_id\":$DOM,\"interface\":\"lo\",\"peers\":[\"127.0.0.1\"],\"lease_ms\":2000}" > "$1"; }
# run NAME USA_PKI KOR_PKI: the USA publishes 3 tracks releasable to KOR and USA
run() {
  cfg "$1.usa.json" USA "$2"; cfg "$1.kor.json" KOR "$3"
  timeout 30 "$B/mwx" net listen --config "$1.kor.json" --timeout 9 > "$1.kor.log" 2>&1 & PIDS=($!)
  timeout 30 "$B/mwx" net publish --config "$1.usa.json" --count 3 --rel KOR,USA --wait-partner KOR --timeout 7 \
    > "$1.pub.log" 2>&1
  echo $? > "$1.pub.rc"
  wait "${PIDS[0]}"; echo $? > "$1.kor.rc"; PIDS=()
}
reads() { grep -c "^ACCEPTED .*rel=KOR.USA" "$1.kor.log"; }

# ---- 1. a chain: root -> national intermediate -> node
ca root US
for c in KR JP US; do
  leaf "int$c" "$c" "$c intermediate" root ca.ext
done
leaf kor_c KR kor-node intKR; leaf usa_c US usa-node intUS
pki chain root -- KOR:kor_c:root USA:usa_c:root JPN:usa_c:root || { echo "FAIL pki chain"; exit 1; }
openssl verify -CAfile root.pem -untrusted intKR.pem kor_c.pem >/dev/null 2>&1 && ok "openssl: the chain verifies" ||
  bad "openssl: chain does not verify"
run chain chain chain
[ "$(reads chain)" = 0 ] && [ "$(cat chain.pub.rc)" != 0 ] &&
  ok "chain: Cyclone refuses the genuine intermediate-issued nodes ($(grep -ho 'Certificate not valid[^;]*' chain.*.log | head -1))" ||
  bad "chain: the nodes talked through an intermediate ($(reads chain) reads)"

# ---- 2. name-constrained national CAs
for c in KR JP US; do ca "nc$c" "$c" constrain; done
leaf kor KR kor-node ncKR; leaf usa US usa-node ncUS; leaf jpn JP jpn-node ncJP
leaf forged KR kor-node ncJP
pki nc ncKR ncJP ncUS -- KOR:kor:ncKR USA:usa:ncUS JPN:jpn:ncJP || { echo "FAIL pki nc"; exit 1; }
out=$(openssl verify -CAfile ncJP.pem forged.pem 2>&1)
echo "$out" | grep -q "permitted subtree violation" && ok "openssl: JPN's constrained CA cannot certify kor-node" ||
  bad "openssl accepted the forged certificate: $out"
run control nc nc
[ "$(reads control)" = 3 ] && ok "name constraints: the genuine KOR reads the USA's 3 rel.KOR.USA tracks" ||
  bad "name constraints: genuine KOR read $(reads control)"
# JPN presents its constrained CA: its own participant is refused
cp -r nc forged1; cp forged.pem forged1/KOR/node.pem; cp forged.key forged1/KOR/node.key
cp ncJP.pem forged1/KOR/identity_ca.pem; cp nc/JPN/origin.key forged1/KOR/origin.key
run attack1 nc forged1
[ "$(reads attack1)" = 0 ] && grep -q "permitted subtree violation" attack1.kor.log &&
  ok "forged kor-node under the constrained CA: refused locally (permitted subtree violation)" ||
  bad "attack1: $(reads attack1) reads; $(grep -h 'not valid' attack1.*.log | head -1)"
# JPN makes an unconstrained copy of its CA (same key and name) for itself
cp ncJP.cnf free.cnf; sed -i '/nameConstraints/d' free.cnf; cp ncJP.key free.key
openssl req -x509 -key free.key -config free.cnf -days 30 -out free.pem 2>/dev/null
cp -r forged1 forged2; cp free.pem forged2/KOR/identity_ca.pem; cp free.pem forged2/trusted/ncJP.pem
run attack2 nc forged2
[ "$(cat attack2.kor.rc)" = 0 ] && ok "forged kor-node with an unconstrained CA copy: its participant runs" ||
  bad "attack2: the forged participant did not run: $(tail -1 attack2.kor.log)"
[ "$(reads attack2)" = 0 ] && [ "$(cat attack2.pub.rc)" != 0 ] &&
  ok "... and the USA refuses it ($(grep -ho 'Certificate not valid[^;]*' attack2.pub.log | head -1))" ||
  bad "attack2: the forged certificate read $(reads attack2) rel.KOR.USA tracks"
if [ $fail != 0 ]; then for f in *.log; do echo "--- $f"; tail -4 "$f"; done; fi
exit $fail
