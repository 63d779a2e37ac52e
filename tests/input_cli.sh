#!/usr/bin/env bash
# input_cli.sh - the programs refuse bad input cleanly (issue 11,
# docs/security.md "Input"): each case below crashed under the ASan/UBSan
# build (signed overflow), turned a file into a journal, printed -nan with
# status 0, read /dev/zero until memory ran out or silently did nothing.
# Now each one exits with the stated status and a message naming what is
# wrong, and never dies of a signal (status >= 128).
# Usage: input_cli.sh BUILD_DIR
set -u
bin="$1/mwx"
mwxd="$1/mwxd"
src="$(cd "$(dirname "$0")/.." && pwd)"
tmp="$(mktemp -d /tmp/mwx_input_cli.XXXXXX)"
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

# expect STATUS 'WORDS' CMD...: runs CMD, checks its exit status and that
# stderr+stdout contain WORDS (fixed string).
expect() {
  local want="$1" words="$2"
  shift 2
  local out rc
  out=$(timeout 60 "$@" 2>&1 < /dev/null)
  rc=$?
  if [ "$rc" -ne "$want" ]; then
    fail "$* -> status $rc (wanted $want): $out"
  elif ! grep -qF -- "$words" <<<"$out"; then
    fail "$* -> message lacks '$words': $out"
  fi
}

sc="$src/scenarios/2022-10-14-srbm.json"

# --- times beyond int64 nanoseconds (mwx.c: t * 1e9 overflowed) ----------
expect 2 "outside 1677-09-22 .. 2262-04-11" "$bin" audit show "$tmp/none.db" --since 2300-01-01T00:00:00Z
expect 2 "outside 1677-09-22 .. 2262-04-11" "$bin" release list --journal "$tmp/none.db" --now 9999-12-31T23:59:59Z
expect 2 "outside what int64 nanoseconds hold" "$bin" audit show "$tmp/none.db" --since 99999999999999999999
expect 2 "neither nanoseconds" "$bin" release list --journal "$tmp/none.db" --now "2026-13-01T00:00:00Z"

# --- numeric options -----------------------------------------------------
expect 2 "--timeout: 99999999999999 is outside 0..604800" "$bin" net publish --config "$src/config/kor.json" --count 1 --timeout 99999999999999
expect 2 "--count: -1 is outside" "$bin" net listen --config "$src/config/kor.json" --count -1
expect 2 "--count: '1e3' is not a whole number" "$bin" net listen --config "$src/config/kor.json" --count 1e3
expect 2 "--run-s: 0 is outside 1..100000000" "$mwxd" --config "$src/config/kor.json" --run-s 0
expect 2 "--interval-ms: 99999999999 is outside" "$mwxd" --config "$src/config/kor.json" --interval-ms 99999999999
expect 2 "--speed needs a number" "$bin" run "$sc" --nation KOR --journal "$tmp/r.db" --speed 1e308

# --- geo: no -nan with status 0 ------------------------------------------
out=$("$bin" geo lla 1e308 0 0 2>&1); rc=$?
[ "$rc" -ne 0 ] && [ "$rc" -lt 128 ] || fail "geo lla 1e308 -> status $rc: $out"
grep -q nan <<<"$out" && fail "geo lla 1e308 printed nan: $out"
expect 1 "more than 1e12 m" "$bin" geo lla 1e308 0 0
expect 0 "lat_deg=" "$bin" geo lla 6378137 0 0

# --- demo --acts that names no act ---------------------------------------
expect 2 "acts are 1 to 6" "$bin" demo --acts 9
expect 2 "names no act" "$bin" demo --acts ,

# --- a read-only command never makes a journal of a file ------------------
: > "$tmp/empty"
expect 1 "not a journal (an empty file)" "$bin" release list --journal "$tmp/empty"
expect 1 "not a journal (an empty file)" "$bin" audit verify "$tmp/empty"
[ -s "$tmp/empty" ] && fail "release list wrote into an empty file"
echo '{"nation":"KOR"}' > "$tmp/text"
expect 1 "not a journal (no SQLite header)" "$bin" release list --journal "$tmp/text"
expect 1 "not a journal (a directory)" "$bin" release list --journal "$tmp"

# --- files that are not files, or too big ---------------------------------
expect 1 "/dev/zero: not a regular file" "$bin" sim /dev/zero
expect 1 "not a regular file (a directory)" "$bin" sim "$tmp"
expect 2 "/dev/zero: not a regular file" "$mwxd" --config /dev/zero
head -c $((5 << 20)) /dev/zero | tr '\0' ' ' > "$tmp/big.json"
expect 1 "more than the limit of 4194304" "$bin" sim "$tmp/big.json"
mkdir -p "$tmp/pdir"
expect 1 "not a regular file (a directory)" "$bin" release check "$tmp/pdir"

# --- lenient configuration: duplicates and misspellings -------------------
sed 's/"nation": "KOR",/"nation": "KOR", "nation": "JPN",/' "$src/config/kor.json" > "$tmp/dup.json"
expect 2 "duplicate object key" "$mwxd" --config "$tmp/dup.json" --run-s 1
sed 's/"seed": 1,/"seed": 1, "journal_plot": false,/' "$src/config/kor.json" > "$tmp/typo.json"
expect 2 "unknown key 'journal_plot'" "$mwxd" --config "$tmp/typo.json" --run-s 1
expect 2 "unknown key 'journal_plot'" "$bin" net listen --config "$tmp/typo.json" --count 1
sed 's/"interface": "lo",/"interface": "lo\\"\/><Foo bar=\\"",/' "$src/config/kor.json" > "$tmp/xml.json"
expect 2 "is neither an interface name" "$mwxd" --config "$tmp/xml.json" --run-s 1

# --- log injection through a policy rule id -------------------------------
python3 - "$src/config/policy-KOR.json" "$tmp/inject.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
p["rules"][0]["id"] = "t\nJPN partner USA lost"
json.dump(p, open(sys.argv[2], "w"))
PY
out=$("$bin" release check "$tmp/inject.json" 2>&1); rc=$?
[ "$rc" -ne 0 ] && [ "$rc" -lt 128 ] || fail "release check of an injected id -> status $rc"
grep -qF "t\\x0aJPN partner USA lost" <<<"$out" || fail "message does not show the id escaped: $out"
[ "$(grep -c "partner USA lost" <<<"$out")" -eq 1 ] || fail "the injected id printed a line of its own: $out"
expect 1 "'id' holds a control character" "$bin" run "$sc" --nation KOR --journal "$tmp/inj.db" --policy "$tmp/inject.json"

# --- scenarios without end -------------------------------------------------
python3 - "$sc" "$tmp" <<'PY'
import json, sys
s = json.load(open(sys.argv[1])); d = sys.argv[2]
a = dict(s); l2 = dict(s["launches"][0]); l2["id"] = "M-late"; l2["time_utc"] = "2122-10-13T16:48:00Z"
a["launches"] = s["launches"] + [l2]; json.dump(a, open(d + "/century.json", "w"))
sens = json.load(open(sys.argv[1].rsplit("/", 2)[0] + "/data/sensors/default.json"))
sens[0]["period_s"] = 0.001; sens[0]["false_per_scan"] = 20
json.dump(sens, open(d + "/fast-sensors.json", "w"))
b = dict(s); b["sensors"] = "fast-sensors.json"; json.dump(b, open(d + "/fast.json", "w"))
for n in (300, 20000):
    many = [dict(sens[1], id="S%d" % i) for i in range(n)]
    json.dump(many, open(d + "/many-sensors-%d.json" % n, "w"))
    c = dict(s); c["sensors"] = "many-sensors-%d.json" % n; json.dump(c, open(d + "/many-%d.json" % n, "w"))
PY
expect 1 "more than the limit of 86400 s" "$bin" sim "$tmp/century.json" --out "$tmp/o1"
expect 1 "more than the limit of 2000" "$bin" sim "$tmp/fast.json" --out "$tmp/o2"
expect 1 "300 sensors, more than the limit of 256" "$bin" sim "$tmp/many-300.json" --out "$tmp/o3"
expect 1 "bytes, more than the limit of 4194304" "$bin" sim "$tmp/many-20000.json" --out "$tmp/o4"
[ -e "$tmp/o3" ] && [ "$(ls "$tmp/o3" | wc -l)" -gt 0 ] && fail "a refused scenario wrote plot files"
expect 1 "more than the limit of 86400 s" "$bin" track "$tmp/century.json"

[ "$fails" -eq 0 ] || { echo "$fails case(s) failed" >&2; exit 1; }
echo "input_cli: all cases passed"
