#!/usr/bin/env bash
# pki.sh - `mwx pki init` output checked with the openssl command line:
# every node certificate is issued by the one coalition identity CA (no
# national CA is trusted: issue 11), lifetimes follow NIST SP 800-57,
# governance and permissions verify as S/MIME under the permissions CA,
# subjects and partitions are as DDS Security needs them, and bad
# arguments give clear errors.  Usage: pki.sh BUILD_DIR
set -u
B=${1:?usage: pki.sh BUILD_DIR}
MWX="$B/mwx"
. "$(dirname "$0")/lib/check.sh"
scratch pki_test
check() { local what=$1; shift; if "$@" >/dev/null 2>&1; then ok "$what"; else bad "$what"; fi; }
refuse() { local what=$1; shift; if "$@" >/dev/null 2>&1; then bad "$what"; else ok "$what"; fi; }

P="$T/pki"
check "pki init" "$MWX" pki init "$P" --nations KOR,JPN,USA
for f in nations identity_ca.pem permissions_ca.pem governance.xml governance.p7s ca/permissions_ca.key ca/identity_ca.key; do
  [ -s "$P/$f" ] && ok "exists $f" || bad "missing $f"
done
[ "$(cat "$P/nations" | tr '\n' ' ')" = "JPN KOR USA " ] && ok "nations sorted" || bad "nations file"
[ "$(ls "$P/trusted" | tr '\n' ' ')" = "identity_ca.pem " ] && cmp -s "$P/trusted/identity_ca.pem" "$P/identity_ca.pem" &&
  ok "trusted/ holds the coalition identity CA only" || bad "trusted/: $(ls "$P/trusted")"
[ "$(ls "$P/ca" | grep -v '_web_ca.key$' | tr '\n' ' ')" = "identity_ca.key permissions_ca.key " ] && ok "no national CA key" || bad "ca/: $(ls "$P/ca")"
# lifetimes (NIST SP 800-57 Part 1 Rev. 5, table 1): CAs 5 years, nodes 1 year
D=86400
openssl x509 -in "$P/identity_ca.pem" -noout -checkend $((1825 * D)) >/dev/null &&
  ! openssl x509 -in "$P/identity_ca.pem" -noout -checkend $((1827 * D)) >/dev/null &&
  ok "identity CA valid for 1826 days" || bad "identity CA lifetime: $(openssl x509 -in "$P/identity_ca.pem" -noout -enddate)"
openssl x509 -in "$P/permissions_ca.pem" -noout -checkend $((1825 * D)) >/dev/null &&
  ok "permissions CA valid for 1826 days" || bad "permissions CA lifetime"
openssl x509 -in "$P/KOR/node.pem" -noout -checkend $((364 * D)) >/dev/null &&
  ! openssl x509 -in "$P/KOR/node.pem" -noout -checkend $((366 * D)) >/dev/null &&
  ok "node certificate valid for 365 days" || bad "node lifetime: $(openssl x509 -in "$P/KOR/node.pem" -noout -enddate)"
grep -q "<not_after>$(date -u -d '+365 days' +%Y-%m-%d)" "$P/KOR/permissions.xml" &&
  ok "permissions valid for 365 days" || bad "permissions validity: $(grep -o '<not_after>[^<]*' "$P/KOR/permissions.xml")"

check "governance S/MIME verifies" openssl smime -verify -text -in "$P/governance.p7s" -CAfile "$P/permissions_ca.pem" -out "$T/gov.txt"
diff -q <(tr -d "\r" < "$T/gov.txt") "$P/governance.xml" >/dev/null && ok "signed governance = governance.xml" || bad "signed governance differs"
grep -q "<discovery_protection_kind>ENCRYPT" "$P/governance.xml" && grep -q "<data_protection_kind>ENCRYPT" "$P/governance.xml" &&
  grep -q "<allow_unauthenticated_participants>false" "$P/governance.xml" && ok "governance: authenticated, encrypted" || bad "governance content"

for N in KOR JPN USA; do
  n=$(echo "$N" | tr A-Z a-z)
  check "$N node cert issued by the coalition identity CA" openssl verify -CAfile "$P/identity_ca.pem" "$P/$N/node.pem"
  refuse "$N node cert does not verify under the permissions CA" openssl verify -CAfile "$P/permissions_ca.pem" "$P/$N/node.pem"
  check "$N identity_ca.pem = the coalition identity CA" cmp "$P/$N/identity_ca.pem" "$P/identity_ca.pem"
  check "$N permissions S/MIME verifies" openssl smime -verify -text -in "$P/$N/permissions.p7s" -CAfile "$P/permissions_ca.pem" -out "$T/perm.txt"
  diff -q <(tr -d "\r" < "$T/perm.txt") "$P/$N/permissions.xml" >/dev/null && ok "$N signed permissions = permissions.xml" || bad "$N permissions differ"
  grep -q "<subject_name>CN=$n-node,O=mwx,C=${N:0:2}</subject_name>" "$P/$N/permissions.xml" ||
    grep -q "<subject_name>CN=$n-node,O=mwx,C=" "$P/$N/permissions.xml" && ok "$N subject_name CN first, no spaces" || bad "$N subject_name"
  subj=$(openssl x509 -in "$P/$N/node.pem" -noout -subject -nameopt RFC2253)
  echo "$subj" | grep -q "CN=$n-node,O=mwx,C=" && ok "$N certificate subject $subj" || bad "$N certificate subject $subj"
  check "$N node key matches cert" bash -c "[ \"\$(openssl x509 -in '$P/$N/node.pem' -noout -pubkey)\" = \"\$(openssl pkey -in '$P/$N/node.key' -pubout)\" ]"
  check "$N origin key is Ed25519 and matches origin/$N.pub" bash -c "openssl pkey -in '$P/$N/origin.key' -noout -text | grep -q ED25519 && [ \"\$(openssl pkey -in '$P/$N/origin.key' -pubout)\" = \"\$(cat '$P/origin/$N.pub')\" ]"
  [ "$(stat -c %a "$P/$N/node.key")" = 600 ] && [ "$(stat -c %a "$P/$N/origin.key")" = 600 ] && ok "$N private keys mode 0600" || bad "$N key modes"
  # partitions: N writes in org.N.rel.X for exactly the subsets X of {JPN,KOR,USA}
  # that contain N, and reads org.S.rel.X for every sender S in such an X
  got=$(sed -n '/<publish>/,/<\/publish>/p' "$P/$N/permissions.xml" | grep -o 'org\.[A-Z]*\.rel\.[A-Z.]*' | sort | tr '\n' ' ')
  want=$(for s in rel.JPN rel.KOR rel.USA rel.JPN.KOR rel.JPN.USA rel.KOR.USA rel.JPN.KOR.USA; do
           case "$s" in *$N*) echo "org.$N.$s";; esac; done | sort | tr '\n' ' ')
  [ "$got" = "$want" ] && ok "$N publish partitions: $got" || bad "$N publish partitions: got '$got' want '$want'"
  got=$(sed -n '/<subscribe>/,/<\/subscribe>/p' "$P/$N/permissions.xml" | grep -o 'org\.[A-Z]*\.rel\.[A-Z.]*' | sort | tr '\n' ' ')
  want=$(for s in rel.JPN rel.KOR rel.USA rel.JPN.KOR rel.JPN.USA rel.KOR.USA rel.JPN.KOR.USA; do
           case "$s" in *$N*) for S in $(echo "${s#rel.}" | tr . ' '); do echo "org.$S.$s"; done;; esac; done | sort | tr '\n' ' ')
  [ "$got" = "$want" ] && ok "$N subscribe partitions ($(echo $got | wc -w))" || bad "$N subscribe partitions: got '$got' want '$want'"
done

# bad arguments
out=$("$MWX" pki init "$T/x" --nations KOR,XYZ 2>&1); rc=$?
[ $rc = 2 ] && echo "$out" | grep -q "unknown nation code 'XYZ'" && ok "unknown nation refused: $out" || bad "unknown nation ($rc: $out)"
out=$("$MWX" pki init "$T/x" --nations KOR,jp 2>&1); rc=$?
[ $rc = 2 ] && echo "$out" | grep -q "malformed nation code" && ok "malformed nation refused: $out" || bad "malformed nation ($rc: $out)"
out=$("$MWX" pki init "$T/x" --nations KOR,KOR 2>&1); rc=$?
[ $rc = 2 ] && echo "$out" | grep -q "twice" && ok "duplicate refused: $out" || bad "duplicate ($rc: $out)"
out=$("$MWX" pki init "$T/x" --nations KOR 2>&1); rc=$?
[ $rc = 2 ] && ok "single nation refused: $out" || bad "single nation ($rc: $out)"
[ ! -e "$T/x" ] && ok "nothing written on bad arguments" || bad "$T/x was created"
out=$("$MWX" pki init "$P" --nations KOR,JPN 2>&1); rc=$?
[ $rc = 2 ] && echo "$out" | grep -q "not empty" && ok "existing dir refused: $out" || bad "existing dir ($rc: $out)"
cp "$P/identity_ca.pem" "$P/trusted/JPN.pem"; : > "$P/ca/JPN_identity_ca.key" # an older layout's national CA
check "existing dir with --force" "$MWX" pki init "$P" --nations KOR,JPN,USA --force
[ ! -e "$P/trusted/JPN.pem" ] && [ ! -e "$P/ca/JPN_identity_ca.key" ] && ok "--force removed the older layout's national CA" ||
  bad "--force left a national CA in trusted/ or ca/"
out=$("$MWX" pki init "$T/y" --nations KOR,JPN --days 4000 2>&1); rc=$?
[ $rc = 2 ] && echo "$out" | grep -q "longer than" && ok "--days 4000 refused: $out" || bad "--days 4000 ($rc: $out)"
# revocation list: mwx pki revoke, checked with openssl verify -crl_check
check "pki revoke KOR" "$MWX" pki revoke "$P" --nation KOR
V="openssl verify -crl_check -CRLfile $P/identity_crl.pem -CAfile $P/identity_ca.pem"
out=$($V "$P/KOR/node.pem" 2>&1)
echo "$out" | grep -q "certificate revoked" && ok "KOR's certificate is revoked: $(echo "$out" | grep "^error 23")" || bad "KOR not revoked: $out"
check "JPN's certificate still verifies with the list" $V "$P/JPN/node.pem"
out=$("$MWX" pki revoke "$P" --nation KOR 2>&1); rc=$?
[ $rc = 2 ] && echo "$out" | grep -q "already revoked" && ok "second revoke refused: $out" || bad "second revoke ($rc: $out)"
check "pki reissue KOR" "$MWX" pki reissue "$P" --nation KOR --days 30
check "the reissued KOR certificate verifies with the list" $V "$P/KOR/node.pem"
openssl x509 -in "$P/KOR/node.pem" -noout -checkend $((29 * D)) >/dev/null &&
  ! openssl x509 -in "$P/KOR/node.pem" -noout -checkend $((31 * D)) >/dev/null && ok "reissue --days 30" || bad "reissue lifetime"
check "JPN revoked too" "$MWX" pki revoke "$P" --nation JPN
[ "$(openssl crl -in "$P/identity_crl.pem" -noout -text | grep -c 'Serial Number')" = 2 ] && ok "the list holds 2 serials" ||
  bad "list: $(openssl crl -in "$P/identity_crl.pem" -noout -text | grep 'Serial')"
out=$("$MWX" pki revoke "$T/none" --nation KOR 2>&1); rc=$?
[ $rc = 1 ] && ok "revoke without a PKI: $out" || bad "revoke without a PKI ($rc: $out)"

# origin-key revocation list, checked with openssl smime
check "pki revoke --origin USA" "$MWX" pki revoke "$P" --nation USA --origin
check "origin list S/MIME verifies" openssl smime -verify -text -in "$P/origin_revoked.p7s" -CAfile "$P/permissions_ca.pem" -out "$T/orl.txt"
fp=$(openssl pkey -pubin -in "$P/origin/USA.pub" -outform DER | sha256sum | cut -d' ' -f1)
tr -d "\r" < "$T/orl.txt" | grep -q "^USA $fp\$" && ok "origin list names USA's key $fp" || bad "origin list: $(cat "$T/orl.txt")"
out=$("$MWX" pki revoke "$P" --nation USA --origin 2>&1); rc=$?
[ $rc = 2 ] && echo "$out" | grep -q "already revoked" && ok "second origin revoke refused" || bad "second origin revoke ($rc: $out)"

# the web server certificate: at most MWX_PKI_WEB_MAX_DAYS (825, the CA/Browser
# Forum Baseline Requirements 6.3.2 ceiling, include/mwx/pki.h); init gives it
# the node lifetime (365), web-cert alone the ceiling
openssl x509 -in "$P/JPN/web.pem" -noout -checkend $((364 * D)) >/dev/null &&
  ! openssl x509 -in "$P/JPN/web.pem" -noout -checkend $((366 * D)) >/dev/null &&
  ok "init: web certificate valid for 365 days" || bad "init web lifetime: $(openssl x509 -in "$P/JPN/web.pem" -noout -enddate)"
check "pki web-cert JPN (default days)" "$MWX" pki web-cert "$P" --nation JPN
openssl x509 -in "$P/JPN/web.pem" -noout -checkend $((824 * D)) >/dev/null &&
  ! openssl x509 -in "$P/JPN/web.pem" -noout -checkend $((826 * D)) >/dev/null &&
  ok "web-cert: valid for 825 days" || bad "web-cert lifetime: $(openssl x509 -in "$P/JPN/web.pem" -noout -enddate)"
check "web-cert --days 825" "$MWX" pki web-cert "$P" --nation JPN --days 825
out=$("$MWX" pki web-cert "$P" --nation JPN --days 826 2>&1); rc=$?
[ $rc = 2 ] && echo "$out" | grep -q "1..825" && ok "web-cert --days 826 refused: $out" || bad "web-cert --days 826 ($rc: $out)"

out=$("$MWX" pki init 2>&1); rc=$?
[ $rc = 2 ] && ok "no arguments: usage" || bad "no arguments ($rc)"

exit $fail
