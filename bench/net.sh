#!/usr/bin/env bash
# net.sh - the net benchmark: mwx's own one-way latency (KOR stamps, signs,
# publishes -> JPN holds the sample verified) and burst throughput, mesh and
# hub, DDS Security on and off (bench_net), and beside it Cyclone's ddsperf
# latency run on the same machine in the same run, plain and with the same
# security policy as mwx (the coalition governance applied to every topic,
# the KOR certificate, permissions for every topic in every partition,
# as ddsperf uses its own partitions).
# All traffic on loopback.  Usage: bench/net.sh BUILD_DIR [SECONDS]
set -u
B=$(cd "${1:?usage: bench/net.sh BUILD_DIR [SECONDS]}" && pwd)
DUR=${2:-5}
T=$(mktemp -d /tmp/mwx_bench.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$T"' EXIT

echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ) $(uname -m) $(nproc) cores, Cyclone DDS $(dpkg-query -W -f='${Version}' cyclonedds-tools 2>/dev/null)"

# ---------------------------------------------------------------- mwx
for topo in mesh hub; do
  for sec in 0 1; do
    h=0; [ "$topo" = hub ] && h=1
    dom=$((80 + 4 * (sec + 2 * h)))
    "$B/bench_net" --topology $topo --secure $sec --rate 1000 --count $((DUR * 1000)) --burst 20000 \
      --domain $dom 2>"$T/err" | grep -E "^(RESULT|CRYPTO)" || { echo "bench_net $topo $sec failed"; cat "$T/err"; }
  done
done

# ------------------------------------------------------------- ddsperf
P="$T/pki"
"$B/mwx" pki init "$P" --nations KOR,JPN,USA >/dev/null
sed 's#<topic_expression>mwx_\*</topic_expression>#<topic_expression>*</topic_expression>#' "$P/governance.xml" > "$T/gov.xml"
sed -e 's#<topic>mwx_\*</topic>#<topic>*</topic>#' \
    -e '/<partitions>/,/<\/partitions>/c\          <partitions><partition>*</partition></partitions>' "$P/KOR/permissions.xml" > "$T/perm.xml"
for d in gov perm; do
  openssl smime -sign -text -in "$T/$d.xml" -out "$T/$d.p7s" -signer "$P/permissions_ca.pem" -inkey "$P/ca/permissions_ca.key"
done
net='<General><Interfaces><NetworkInterface name="lo"/></Interfaces><AllowMulticast>false</AllowMulticast></General><Discovery><ParticipantIndex>auto</ParticipantIndex><Peers><Peer address="127.0.0.1"/></Peers></Discovery>'
sec="<Security><Authentication><Library path=\"dds_security_auth\" initFunction=\"init_authentication\" finalizeFunction=\"finalize_authentication\"/><IdentityCA>file:$P/KOR/identity_ca.pem</IdentityCA><IdentityCertificate>file:$P/KOR/node.pem</IdentityCertificate><PrivateKey>file:$P/KOR/node.key</PrivateKey></Authentication><AccessControl><Library path=\"dds_security_ac\" initFunction=\"init_access_control\" finalizeFunction=\"finalize_access_control\"/><Governance>file:$T/gov.p7s</Governance><PermissionsCA>file:$P/permissions_ca.pem</PermissionsCA><Permissions>file:$T/perm.p7s</Permissions></AccessControl><Cryptographic><Library path=\"dds_security_crypto\" initFunction=\"init_crypto\" finalizeFunction=\"finalize_crypto\"/></Cryptographic></Security>"

# median over the per-second lines (first second dropped) of 50% and 99%
summ() {
  awk '/ size 12 mean/ { for (i = 1; i <= NF; i++) { if ($i == "50%") a[n] = $(i+1); if ($i == "99%") b[n] = $(i+1) } n++ }
       function med(x, k,   i, j, t, v) { for (i = 1; i < k; i++) v[i-1] = x[i] + 0; k--; 
         for (i = 0; i < k; i++) for (j = i + 1; j < k; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
         return k ? v[int(k / 2)] : -1 }
       END { printf "p50_us=%.0f p99_us=%.0f seconds=%d", med(a, n), med(b, n), n - 1 }' "$1"
}
dom=90
for mode in plain secure; do
  if [ $mode = plain ]; then xml="<CycloneDDS><Domain id=\"any\">$net</Domain></CycloneDDS>"; else xml="<CycloneDDS><Domain id=\"any\">$net$sec</Domain></CycloneDDS>"; fi
  for rate in "" 1kHz; do
    dom=$((dom + 1))
    CYCLONEDDS_URI="$xml" ddsperf -i $dom -D $((DUR + 3)) pong > "$T/pong.log" 2>&1 &
    pong=$!
    CYCLONEDDS_URI="$xml" ddsperf -i $dom -D $((DUR + 1)) ping $rate > "$T/ping.log" 2>&1
    kill $pong 2>/dev/null; wait $pong 2>/dev/null
    echo "DDSPERF mode=$mode ping=${rate:-back-to-back} $(summ "$T/ping.log") (half round trip)"
  done
done
