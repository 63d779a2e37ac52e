#!/usr/bin/env bash
# geo_zone.sh - "mwx geo zone" end to end, run by ctest with the build
# directory as $1: the JSON object (keys, values, null for no nation) for
# places on land, in a territorial sea, in an EEZ and on the high seas; the
# text form; bad arguments (exit 2, message naming the argument); a corrupt
# zone file through --data (exit 1, message naming the file).
set -u
B=${1:?usage: geo_zone.sh BUILD_DIR}
MWX="$B/mwx"
T=$(mktemp -d /tmp/mwx_geo_zone.XXXXXX)
trap 'rm -rf "$T"' EXIT
fails=0
ok() { echo "ok   - $1"; }
bad() { echo "FAIL - $1"; fails=$((fails + 1)); }
expect() {
  local code=$1 what=$2 pat=$3; shift 4
  local out rc
  out=$("$@" 2>&1); rc=$?
  if [ "$rc" -ne "$code" ]; then bad "$what: exit $rc, wanted $code: $out"; return; fi
  if [ -n "$pat" ] && ! grep -qE -- "$pat" <<<"$out"; then bad "$what: output lacks /$pat/: $out"; return; fi
  ok "$what"
}
# json LAT LON PYTHON-CONDITION (on o, the parsed object)
json() {
  local out
  out=$("$MWX" geo zone --lat "$1" --lon "$2" --json 2>&1) || { bad "$1 $2: exit $?: $out"; return; }
  if python3 -c "import json,sys; o=json.loads(sys.argv[1]); assert set(o)=={'zone','nation','distance_to_coast_km','distance_to_baseline_km','region','distance_approx'}, o.keys(); assert $3, o" "$out" 2>/dev/null; then
    ok "$1 $2: $3"
  else
    bad "$1 $2: '$3' does not hold for $out"
  fi
}
json 40.82 140.74 "o['zone']=='land' and o['nation']=='JPN' and o['region']=='Aomori' and o['distance_to_coast_km']==0"
json 41.30 140.00 "o['zone']=='territorial_sea' and o['nation']=='JPN' and 0 < o['distance_to_coast_km'] < 22.3"
json 39.90 136.18 "o['zone']=='eez' and o['nation']=='JPN' and 200 < o['distance_to_coast_km'] < 320"
json 42.50 132.00 "o['zone']=='eez' and o['nation']=='RUS'"
json 32.62 177.75 "o['zone']=='high_seas' and o['nation'] is None and o['distance_to_coast_km'] > 1000"
json -33.9 151.2 "o['zone']=='unknown' and o['nation'] is None and o['distance_to_coast_km'] is None"
expect 0 "text form" "^zone=land nation=KOR region=Seoul" -- "$MWX" geo zone --lat 37.57 --lon 126.98
expect 2 "missing --lon" "--lat and --lon are required" -- "$MWX" geo zone --lat 40
expect 2 "latitude not a number" "--lat: 'north' is not a number" -- "$MWX" geo zone --lat north --lon 140
expect 2 "latitude out of range" "not a position" -- "$MWX" geo zone --lat 95 --lon 140
expect 2 "unknown argument" "unknown or incomplete argument '--alt'" -- "$MWX" geo zone --lat 40 --lon 140 --alt 3
head -c 1000 /dev/urandom > "$T/bad.bin"
expect 1 "corrupt zone file" "bad.bin: not a zone file" -- "$MWX" geo zone --lat 40 --lon 140 --data "$T/bad.bin"
expect 1 "zone file is a directory" "$T: not a regular file" -- "$MWX" geo zone --lat 40 --lon 140 --data "$T"
echo "$((fails == 0 ? 1 : 0)) passed, $fails failed" >/dev/null
[ "$fails" -eq 0 ] && echo "geo_zone: all passed" || echo "geo_zone: $fails failed"
exit $((fails > 0))
