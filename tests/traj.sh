#!/usr/bin/env bash
# traj.sh - "mwx traj" from the shell: figures, JSON keys, CSV samples, and
# the exit status and message of bad arguments (2 usage, 1 failure).
set -u
BIN="${1:-build}/mwx"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fails=0
check() { # description, then a command that must succeed
  local what=$1; shift
  if "$@"; then echo "ok   $what"; else echo "FAIL $what"; fails=$((fails + 1)); fi
}
status() { # expected status, expected stderr text, mwx traj arguments
  local want=$1 text=$2; shift 2
  "$BIN" traj "$@" >"$TMP/out" 2>"$TMP/err"
  local got=$?
  [ "$got" -eq "$want" ] && grep -q -- "$text" "$TMP/err"
}

# 2022-11-18 Hwasong-17 (KCNA: 6,040.9 km, 999.2 km, 68.9 min).
"$BIN" traj --apogee-km 6040.9 --range-km 999.2 --json --csv "$TMP/t.csv" >"$TMP/j" 2>"$TMP/e"
check "json exit 0" test $? -eq 0
for k in flight_time_s apogee_km range_km impact_lat_deg impact_lon_deg burnout_time_s \
         burnout_speed_mps class launch_heading_deg; do
  check "json key $k" grep -q "\"$k\":" "$TMP/j"
done
check "json one line" test "$(wc -l <"$TMP/j")" -eq 1
check "json class ICBM" grep -q '"class":"ICBM"' "$TMP/j"
check "csv header" test "$(head -1 "$TMP/t.csv")" = "t_s,lat_deg,lon_deg,alt_km,speed_mps"
check "csv samples" test "$(wc -l <"$TMP/t.csv")" -gt 4000
"$BIN" traj --apogee-km 50 --range-km 650 --azimuth 90 --class srbm >"$TMP/h" 2>&1
check "human output" grep -q "^flight time" "$TMP/h"

check "missing value"      status 2 "--range-km needs a value" --apogee-km 100 --range-km
check "not a number"       status 2 "--apogee-km: 'abc' is not a number" --apogee-km abc --range-km 100
check "negative apogee"    status 2 "--apogee-km" --apogee-km -5 --range-km 100
check "missing apogee"     status 2 "--apogee-km is required" --range-km 100
check "unknown class"      status 2 "--class" --apogee-km 100 --range-km 300 --class XRBM
check "unknown option"     status 2 "unknown option '--bogus'" --apogee-km 100 --range-km 300 --bogus
check "impossible range"   status 1 "out of reach" --apogee-km 50 --range-km 5000
check "class too weak"     status 1 "ICBM energy" --apogee-km 6000 --range-km 1000 --class SRBM
check "beyond any ICBM"     status 1 "beyond a typical ICBM" --apogee-km 100000 --range-km 1000
exit $((fails > 0))
