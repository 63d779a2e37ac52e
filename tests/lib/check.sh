# tests/lib/check.sh - sourced by the shell tests (tests/*.sh; this folder
# is not globbed, so it is no test itself): the verdict helpers and a
# scratch directory removed at exit.
#   ok WHAT / bad WHAT     one line each; bad counts into $fails (and sets $fail=1)
#   expect CODE WHAT PATTERN -- COMMAND...
#                          COMMAND must exit CODE and print (stdout+stderr)
#                          something matching the extended regex PATTERN
#                          (empty: anything)
#   scratch NAME           T=/tmp/mwx_NAME.XXXXXX, made now; at exit every
#                          pid in the array PIDS is killed and T removed
#   wait_for FILE PATTERN COUNT SECONDS
#                          0 once FILE has COUNT lines matching PATTERN (grep
#                          basic regex), 1 if SECONDS pass first (polls 10/s)
# The caller ends with `exit $((fails > 0))` (or its own summary).
fails=0
fail=0
PIDS=()
ok() { echo "ok   - $*"; }
bad() { echo "FAIL - $*"; fails=$((fails + 1)); fail=1; }
expect() {
  local code=$1 what=$2 pat=$3; shift 4
  local out rc
  out=$("$@" 2>&1); rc=$?
  if [ "$rc" -ne "$code" ]; then bad "$what: exit $rc, wanted $code: $out"; return; fi
  if [ -n "$pat" ] && ! grep -qE -- "$pat" <<<"$out"; then bad "$what: output lacks /$pat/: $out"; return; fi
  ok "$what"
}
wait_for() {
  local end=$((SECONDS + $4))
  while [ $SECONDS -lt $end ]; do
    [ "$(grep -c -- "$2" "$1" 2>/dev/null)" -ge "$3" ] && return 0
    sleep 0.1
  done
  return 1
}
scratch_cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$T"
}
scratch() {
  T=$(mktemp -d "/tmp/mwx_$1.XXXXXX") || { echo "FAIL - mktemp" >&2; exit 1; }
  trap scratch_cleanup EXIT
}
