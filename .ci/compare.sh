#!/usr/bin/env bash
# CI: run spacy and rules over the gold corpus with this checkout's code and compare them with
# the baseline committed in results/. Exit 1 when a gated score dropped by more than 0.01, 2
# when the results cannot be compared (docs/ci.md). Needs `bench` on PATH with the spacy extra.
# --no-significance: both systems are deterministic, so every change in their predictions
# comes from the change under test; p-values are still shown (docs/ci.md, "Which gate").
#   BENCH_COMPARE_SYSTEMS  systems to run (default: "spacy rules")
#   BENCH_COMPARE_OUT      keep the new results here (default: a temporary directory)
# Extra arguments go to `bench compare` (e.g. --max-drop 0.02).
set -euo pipefail
cd "$(dirname "$0")/.."

systems=${BENCH_COMPARE_SYSTEMS:-spacy rules}
if [ -n "${BENCH_COMPARE_OUT:-}" ]; then
  out=$BENCH_COMPARE_OUT
  rm -rf "$out"
else
  out=$(mktemp -d)
  trap 'rm -rf "$out"' EXIT
fi

for system in $systems; do
  echo "compare: bench run --system $system"
  bench run --system "$system" --out "$out" --no-cache --no-report --quiet
done
echo "compare: bench compare results $out --no-significance $*"
bench compare results "$out" --no-significance --markdown "$out/compare.md" "$@"
