#!/usr/bin/env bash
# Runs every benchmark of bench/ against the build directory given as $1
# (default: build) and prints their figures.  BENCHMARKS.md records what
# these printed, with the machine they ran on.  Long runs belong here, not
# in `make test`.  bench/lib.sh is not a benchmark: the others source it.
set -euo pipefail
build=${1:-build}
cd "$(dirname "$0")/.."
for b in "$build"/bench_*; do
  [ -x "$b" ] || continue
  echo "== $(basename "$b") =="
  "$b"
  echo
done
for s in bench/*.sh; do
  case "$s" in bench/run.sh | bench/lib.sh) continue ;; esac
  [ -f "$s" ] || continue
  echo "== $s =="
  bash "$s" "$build"
  echo
done
