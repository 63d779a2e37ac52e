#!/usr/bin/env bash
# Runs every benchmark of bench/ against the build directory given as $1
# (default: build) and prints their figures.  BENCHMARKS.md records what
# these printed, with the machine they ran on.  Long runs belong here, not
# in `make test`.
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
  [ "$s" = bench/run.sh ] && continue
  [ -f "$s" ] || continue
  echo "== $s =="
  bash "$s" "$build"
  echo
done
