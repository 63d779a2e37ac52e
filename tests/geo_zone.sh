#!/usr/bin/env bash
# geo_zone.sh - "mwx geo zone" and "mwx geo overflight" end to end, run by ctest with the build
# directory as $1: the JSON object (keys, values, null for no nation) for
# places on land, in a territorial sea, in an EEZ and on the high seas; the
# text form; bad arguments (exit 2, message naming the argument); a corrupt
# zone file through --data (exit 1, message naming the file).
set -u
B=${1:?usage: geo_zone.sh BUILD_DIR}
MWX="$B/mwx"
. "$(dirname "$0")/lib/check.sh"
scratch geo_zone
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
# overflight of the 2022-10-04 Hwasong-12 fitted to launches.csv: Aomori's land 6-8 min after launch
out=$("$MWX" geo overflight --lat 40.61 --lon 126.43 --azimuth 84 --apogee-km 1000 --range-km 4600 --json 2>&1)
if python3 -c "
import json,sys
o=json.loads(sys.argv[1])
a=[p for p in o['passages'] if p['nation']=='JPN' and p['region']=='Aomori' and p['over_land']]
assert len(a)==1 and 300 < a[0]['enter_s'] < 480, a
assert not any(p['region']=='Tokyo' for p in o['passages'])
assert o['impact']['zone']=='high_seas' and o['impact']['nation'] is None
" "$out"; then ok "overflight 2022-10-04: Aomori"; else bad "overflight 2022-10-04: $out"; fi
expect 2 "overflight without range" "--range-km is required" -- "$MWX" geo overflight --lat 40.61 --lon 126.43 --azimuth 84 --apogee-km 1000
expect 2 "overflight, impossible flight" "" -- "$MWX" geo overflight --lat 40.61 --lon 126.43 --azimuth 84 --apogee-km -5 --range-km 4600
head -c 1000 /dev/urandom > "$T/bad.bin"
expect 1 "corrupt zone file" "bad.bin: not a zone file" -- "$MWX" geo zone --lat 40 --lon 140 --data "$T/bad.bin"
expect 1 "zone file is a directory" "$T: not a regular file" -- "$MWX" geo zone --lat 40 --lon 140 --data "$T"
[ "$fails" -eq 0 ] && echo "geo_zone: all passed" || echo "geo_zone: $fails failed"
exit $((fails > 0))
