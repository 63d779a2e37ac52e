#!/usr/bin/env bash
# sim_cli.sh - "mwx sim" as a user runs it: outputs written, the same seed
# gives the same bytes, --json prints one object, and bad arguments or bad
# files fail with a clear message and a non-zero status.
# Usage: sim_cli.sh BUILD_DIR
set -u
bin="$1/mwx"
src="$(cd "$(dirname "$0")/.." && pwd)"
tmp="$(mktemp -d /tmp/mwx_sim_cli.XXXXXX)"
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
sc="$src/scenarios/2022-10-14-srbm.json"

# 1. a run writes one plot file per sensor and the truth, and prints the table
"$bin" sim "$sc" --seed 5 --out "$tmp/a" > "$tmp/a.txt" || fail "run a"
n_sensors=$(grep -c '"id"' "$src/data/sensors/default.json")
[ "$(ls "$tmp/a"/plots_*.csv | wc -l)" -eq "$n_sensors" ] || fail "expected $n_sensors plot files"
[ -s "$tmp/a/truth.csv" ] || fail "no truth.csv"
head -1 "$tmp/a/plots_KOR-GP-CHUNGNAM.csv" | grep -q '^time_ns,time_utc,sensor_id,nation,kind' || fail "plot header"
grep -q 'KOR-GP-CHUNGNAM' "$tmp/a.txt" || fail "table lacks KOR-GP-CHUNGNAM"

# 2. same seed => same bytes; another seed => different plots
"$bin" sim "$sc" --seed 5 --out "$tmp/b" > "$tmp/b.txt" || fail "run b"
diff -r "$tmp/a" "$tmp/b" > /dev/null || fail "same seed, different files"
cmp -s "$tmp/a.txt" "$tmp/b.txt" || fail "same seed, different table"
"$bin" sim "$sc" --seed 6 --out "$tmp/c" > /dev/null || fail "run c"
cmp -s "$tmp/a/plots_KOR-GP-CHUNGNAM.csv" "$tmp/c/plots_KOR-GP-CHUNGNAM.csv" && fail "seeds 5 and 6 gave the same plots"
cmp -s "$tmp/a/truth.csv" "$tmp/c/truth.csv" || fail "truth depends on the seed"

# 3. --json: one object with the documented keys, null where never
"$bin" sim "$sc" --json --out "$tmp/d" > "$tmp/d.json" || fail "json run"
head -c 15 "$tmp/d.json" | grep -q '^{"visibility":\[' || fail "json start"
grep -q '"first_visible_s":null' "$tmp/d.json" || fail "json lacks null for a sensor that never sees"
grep -q '"missile":"M1","sensor":"KOR-GP-CHUNGNAM","nation":"KOR","first_visible_s":[0-9]' "$tmp/d.json" \
  || fail "json row of KOR-GP-CHUNGNAM"
if command -v python3 > /dev/null; then
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert len(d["visibility"]) > 10' "$tmp/d.json" \
    || fail "json does not parse"
fi

# 4. bad usage: exit 2 with a message
expect() { # expect STATUS NEEDLE ARGS...
  local want="$1" needle="$2"; shift 2
  "$bin" sim "$@" > /dev/null 2> "$tmp/err"; local got=$?
  [ "$got" -eq "$want" ] || fail "mwx sim $*: status $got, expected $want"
  grep -q -- "$needle" "$tmp/err" || fail "mwx sim $*: message '$(cat "$tmp/err")' lacks '$needle'"
}
expect 2 "no scenario" 
expect 2 "unknown option '--bogus'" "$sc" --bogus
expect 2 "--seed: 'abc'" "$sc" --seed abc
expect 2 "--seed: '-1'" "$sc" --seed -1
expect 2 "--out needs a value" "$sc" --out
expect 2 "more than one scenario" "$sc" "$sc"
# 5. bad files: exit 1, the message names the file and the key
expect 1 "cannot open" "$tmp/none.json"
sed 's/"apogee_km": 50.0/"apogee_km": "high"/' "$sc" > "$tmp/bad.json"
expect 1 "bad.json: launches\[0\].apogee_km: must be a number" "$tmp/bad.json"
echo "OK"
