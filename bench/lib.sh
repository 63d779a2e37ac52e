# lib.sh - shell functions for the bench scripts that run Cyclone's ddsperf
# beside mwx (net.sh, node_latency.sh source it).  Not a benchmark: run.sh
# skips it.

# ddsperf_setup PKI DIR: readies ddsperf's security under the same policy as
# mwx (the coalition governance applied to every topic, the KOR certificate
# of the mwx PKI in PKI, permissions for every topic in every partition, as
# ddsperf uses its own partitions), signed into DIR/gov.p7s and DIR/perm.p7s.
# Sets DDSPERF_NET (loopback only) and DDSPERF_SEC (the <Security> element).
ddsperf_setup() {
  local P=$1 T=$2 x
  sed 's#<topic_expression>mwx_\*</topic_expression>#<topic_expression>*</topic_expression>#' "$P/governance.xml" > "$T/gov.xml"
  sed -e 's#<topic>mwx_\*</topic>#<topic>*</topic>#' \
      -e '/<partitions>/,/<\/partitions>/c\          <partitions><partition>*</partition></partitions>' "$P/KOR/permissions.xml" > "$T/perm.xml"
  for x in gov perm; do
    openssl smime -sign -text -in "$T/$x.xml" -out "$T/$x.p7s" -signer "$P/permissions_ca.pem" -inkey "$P/ca/permissions_ca.key"
  done
  DDSPERF_NET='<General><Interfaces><NetworkInterface name="lo"/></Interfaces><AllowMulticast>false</AllowMulticast></General><Discovery><ParticipantIndex>auto</ParticipantIndex><Peers><Peer address="127.0.0.1"/></Peers></Discovery>'
  DDSPERF_SEC="<Security><Authentication><Library path=\"dds_security_auth\" initFunction=\"init_authentication\" finalizeFunction=\"finalize_authentication\"/><IdentityCA>file:$P/KOR/identity_ca.pem</IdentityCA><IdentityCertificate>file:$P/KOR/node.pem</IdentityCertificate><PrivateKey>file:$P/KOR/node.key</PrivateKey></Authentication><AccessControl><Library path=\"dds_security_ac\" initFunction=\"init_access_control\" finalizeFunction=\"finalize_access_control\"/><Governance>file:$T/gov.p7s</Governance><PermissionsCA>file:$P/permissions_ca.pem</PermissionsCA><Permissions>file:$T/perm.p7s</Permissions></AccessControl><Cryptographic><Library path=\"dds_security_crypto\" initFunction=\"init_crypto\" finalizeFunction=\"finalize_crypto\"/></Cryptographic></Security>"
}

# ddsperf_uri plain|secure: the CYCLONEDDS_URI for ddsperf in that mode.
ddsperf_uri() {
  if [ "$1" = plain ]; then
    echo "<CycloneDDS><Domain id=\"any\">$DDSPERF_NET</Domain></CycloneDDS>"
  else
    echo "<CycloneDDS><Domain id=\"any\">$DDSPERF_NET$DDSPERF_SEC</Domain></CycloneDDS>"
  fi
}

# summ PING_LOG: median over the per-second lines of ddsperf ping (first
# second dropped) of 50% and 99%.
summ() {
  awk '/ size 12 mean/ { for (i = 1; i <= NF; i++) { if ($i == "50%") a[n] = $(i+1); if ($i == "99%") b[n] = $(i+1) } n++ }
       function med(x, k,   i, j, t, v) { for (i = 1; i < k; i++) v[i-1] = x[i] + 0; k--;
         for (i = 0; i < k; i++) for (j = i + 1; j < k; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
         return k ? v[int(k / 2)] : -1 }
       END { printf "p50_us=%.0f p99_us=%.0f seconds=%d", med(a, n), med(b, n), n - 1 }' "$1"
}
