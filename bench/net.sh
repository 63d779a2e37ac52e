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
. "$(dirname "$0")/lib.sh"
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
ddsperf_setup "$P" "$T"
dom=90
for mode in plain secure; do
  xml=$(ddsperf_uri $mode)
  for rate in "" 1kHz; do
    dom=$((dom + 1))
    CYCLONEDDS_URI="$xml" ddsperf -i $dom -D $((DUR + 3)) pong > "$T/pong.log" 2>&1 &
    pong=$!
    CYCLONEDDS_URI="$xml" ddsperf -i $dom -D $((DUR + 1)) ping $rate > "$T/ping.log" 2>&1
    kill $pong 2>/dev/null; wait $pong 2>/dev/null
    echo "DDSPERF mode=$mode ping=${rate:-back-to-back} $(summ "$T/ping.log") (half round trip)"
  done
done
