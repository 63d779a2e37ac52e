#!/usr/bin/env bash
# impersonation.sh - issue 11's critical attack, against the shipped binaries:
# JPN uses the certificate authority it controls to issue a certificate with
# KOR's subject (CN=kor-node,O=mwx,C=KR), takes KOR's signed permissions
# document (it travels in the clear) and joins the coalition as "KOR".
#
# Before the fix every node trusted every nation's identity CA for any
# subject: the forged participant read the USA's KOR-only tracks
# (rel.KOR.USA) and the USA reported "partner KOR alive".  Now one coalition
# identity authority issues every node certificate (mwx pki init models it,
# see docs/security.md) and a nation's own CA is trusted by nobody else.
#
# The attacker is given the best configuration the shipped programs allow:
# its own trust list holds both its CA and the coalition's (so that it
# accepts the USA), its identity CA is the one that signed its certificate.
# A control run with the genuine KOR node under the same harness proves the
# harness sees rel.KOR.USA samples and partner reports when they happen.
# Keys and certificates are generated here.  Bounded: about 30 s.
# Usage: impersonation.sh BUILD_DIR
set -u
B=$(cd "${1:?usage: impersonation.sh BUILD_DIR}" && pwd)
. "$(dirname "$0")/lib/check.sh"
scratch imperson

P="$T/pki"
"$B/mwx" pki init "$P" --nations KOR,JPN,USA >/dev/null || { echo "FAIL pki init"; exit 1; }

# ---- JPN forges KOR's identity with the CA JPN controls
A="$T/attacker"
mkdir -p "$A/KOR" "$A/trusted" "$A/origin"
if [ -f "$P/ca/JPN_identity_ca.key" ]; then
  # the layout before the fix: JPN's national identity CA, trusted by all
  JCA="$P/trusted/JPN.pem" JKEY="$P/ca/JPN_identity_ca.key"
  echo "note JPN's national identity CA is in the coalition's trust list"
else
  # no national CA is trusted any more: JPN makes one of its own
  JCA="$T/jpn_ca.pem" JKEY="$T/jpn_ca.key"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$JKEY" -out "$JCA" \
    -subj "/C=JP/O=mwx/CN=JPN Identity CA" -days 30 \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null ||
    { echo "FAIL openssl: JPN CA"; exit 1; }
fi
cat > "$T/leaf.ext" <<E
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyAgreement
E
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$A/KOR/node.key" \
  -subj "/C=KR/O=mwx/CN=kor-node" -out "$T/forged.csr" 2>/dev/null &&
  openssl x509 -req -in "$T/forged.csr" -CA "$JCA" -CAkey "$JKEY" -CAcreateserial -days 30 \
    -extfile "$T/leaf.ext" -out "$A/KOR/node.pem" 2>/dev/null || { echo "FAIL openssl: forged certificate"; exit 1; }
subj=$(openssl x509 -in "$A/KOR/node.pem" -noout -subject -nameopt RFC2253)
iss=$(openssl x509 -in "$A/KOR/node.pem" -noout -issuer -nameopt RFC2253)
echo "note forged certificate: $subj, $iss"
cp "$JCA" "$A/KOR/identity_ca.pem"
cp "$P/KOR/permissions.p7s" "$A/KOR/"          # KOR's signed permissions, exchanged in the clear
cp "$P/JPN/origin.key" "$A/KOR/origin.key"      # JPN does not hold KOR's origin key
cp "$P/nations" "$P/permissions_ca.pem" "$P/governance.p7s" "$A/"
cp "$P/origin/"*.pub "$A/origin/"
cp "$P/trusted/"*.pem "$A/trusted/"
cmp -s "$JCA" "$P/trusted/JPN.pem" 2>/dev/null || cp "$JCA" "$A/trusted/JPN-own.pem"

# 46..59: no other test uses these (replay_node.sh 200..229, impersonation_nc.sh 30..45,
# hub_netns.sh 41-42, test_node_replay 60..99, cop_browser 100..149, coalition 150..199)
DOM=$(( 46 + $$ % 14 ))
cfg() { # cfg FILE NATION PKI
  cat > "$1" <<J
{"nation":"$2","pki_dir":"$3","secure":true,"role":"mesh","domain_id":$DOM,"interface":"lo","peers":["127.0.0.1"],
 "lease_ms":2000}
J
}
cfg "$T/usa.json" USA "$P"
cfg "$T/kor.json" KOR "$P"
cfg "$T/forged.json" KOR "$A"

# run NAME KOR_CONFIG: a KOR node listens, the USA listens and publishes three
# tracks releasable to KOR and the USA only
run() {
  local name=$1 korcfg=$2
  PIDS=()
  timeout 30 "$B/mwx" net listen --config "$korcfg" --timeout 12 > "$T/$name.kor.log" 2>&1 & PIDS+=($!)
  timeout 30 "$B/mwx" net listen --config "$T/usa.json" --timeout 12 > "$T/$name.usa.log" 2>&1 & PIDS+=($!)
  timeout 30 "$B/mwx" net publish --config "$T/usa.json" --count 3 --rel KOR,USA --wait-partner KOR --timeout 8 \
    > "$T/$name.pub.log" 2>&1
  echo $? > "$T/$name.pub.rc"
  wait "${PIDS[0]}"; echo $? > "$T/$name.kor.rc"
  wait "${PIDS[1]}"
  PIDS=()
}

run control "$T/kor.json"
n=$(grep -c "^ACCEPTED .*orig=USA .*rel=KOR.USA" "$T/control.kor.log")
[ "$n" = 3 ] && ok "control: the genuine KOR node read the USA's 3 rel.KOR.USA tracks" ||
  bad "control: genuine KOR read $n rel.KOR.USA tracks: $(tail -3 "$T/control.kor.log")"
grep -q "^PARTNER link=0 KOR alive" "$T/control.usa.log" && ok "control: the USA reported partner KOR alive" ||
  bad "control: no KOR partner report at the USA"

run attack "$T/forged.json"
[ "$(cat "$T/attack.kor.rc")" = 0 ] && ok "the forged KOR participant was created (it ran its full listen)" ||
  bad "the forged KOR node did not run: $(tail -2 "$T/attack.kor.log")"
n=$(grep -c "rel=KOR.USA" "$T/attack.kor.log")
[ "$n" = 0 ] && ok "the forged certificate read no rel.KOR.USA sample" ||
  bad "the forged certificate read $n rel.KOR.USA samples: $(grep rel=KOR.USA "$T/attack.kor.log" | head -3)"
grep -q "^PARTNER link=0 KOR alive" "$T/attack.usa.log" && bad "the USA reported the forged participant as partner KOR" ||
  ok "the USA never reported a KOR partner"
[ "$(cat "$T/attack.pub.rc")" != 0 ] && grep -q "no reader of KOR" "$T/attack.pub.log" &&
  ok "the USA's publisher found no KOR reader: $(tail -1 "$T/attack.pub.log")" ||
  bad "the USA's publisher matched a KOR reader: $(tail -2 "$T/attack.pub.log")"
if [ $fail != 0 ]; then for f in "$T"/*.log; do echo "--- $f"; tail -5 "$f"; done; fi
exit $fail
