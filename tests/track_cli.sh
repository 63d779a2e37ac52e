#!/usr/bin/env bash
# track_cli.sh - "mwx track" as a user runs it: the text timeline, --json
# with the documented keys (null where it never happened), the same seed
# gives the same bytes, UKF runs too, and bad arguments fail with status 2.
# Usage: track_cli.sh BUILD_DIR
set -u
bin="$1/mwx"
src="$(cd "$(dirname "$0")/.." && pwd)"
tmp="$(mktemp -d /tmp/mwx_track_cli.XXXXXX)"
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
sc="$src/scenarios/2022-10-14-srbm.json"

# 1. text timeline
"$bin" track "$sc" --nation ALL > "$tmp/a.txt" || fail "text run"
for k in "first plot" "first confirmed track" "first impact prediction" "impact error at launch + 60 s" \
         "impact error at 50% of flight" "final launch-point error" "class"; do
  grep -q "$k" "$tmp/a.txt" || fail "text lacks '$k'"
done

# 2. --json: keys, a class, an impact point and a three-number ellipse
"$bin" track "$sc" --nation KOR --seed 3 --json > "$tmp/a.json" || fail "json run"
python3 - "$tmp/a.json" <<'PY' || fail "json content"
import json, sys
d = json.load(open(sys.argv[1]))
m = d["missiles"][0]
for k in ("id", "first_track_s", "first_ipp_s", "ipp_error_km", "launch_error_km", "class",
          "impact_lat_deg", "impact_lon_deg", "impact_ellipse_km"):
    assert k in m, k
assert set(m["ipp_error_km"]) == {"60", "120", "300", "half"}
assert m["ipp_error_km"]["60"] is None            # an SRBM is still in boost at +60 s
assert m["first_track_s"] is not None and m["first_track_s"] < 120
assert m["class"] in ("SRBM", "MRBM")
assert len(m["impact_ellipse_km"]) == 3 and m["impact_ellipse_km"][0] >= m["impact_ellipse_km"][1]
PY

# 3. determinism; the UKF runs
"$bin" track "$sc" --nation KOR --seed 3 --json > "$tmp/b.json" || fail "json run b"
cmp -s "$tmp/a.json" "$tmp/b.json" || fail "same seed, different output"
"$bin" track "$sc" --nation USA --filter ukf --json > /dev/null || fail "ukf run"

# 4. bad usage and bad files
"$bin" track > /dev/null 2>&1; [ $? -eq 2 ] || fail "no scenario: expected status 2"
"$bin" track "$sc" --nation FRA > /dev/null 2> "$tmp/e"; [ $? -eq 2 ] || fail "bad nation: expected 2"
grep -q "FRA" "$tmp/e" || fail "bad nation message"
"$bin" track "$sc" --filter kalman > /dev/null 2>&1; [ $? -eq 2 ] || fail "bad filter: expected 2"
"$bin" track "$sc" --seed -4 > /dev/null 2>&1; [ $? -eq 2 ] || fail "bad seed: expected 2"
"$bin" track "$tmp/missing.json" > /dev/null 2> "$tmp/e"; [ $? -eq 1 ] || fail "missing file: expected 1"
grep -q "mwx track:" "$tmp/e" || fail "missing file message"
"$bin" track --help | grep -q "usage: mwx track" || fail "help"
echo "track_cli: ok"
