#!/usr/bin/env bash
# Writes qualify's read outputs on a fixed demo database into OUT, so that two
# builds can be compared byte for byte: `benches/golden.sh BIN OUT`, then
# `diff -r OUT1 OUT2`. The database, the clock and the user are fixed.
set -euo pipefail
bin=${1:?usage: golden.sh QUALIFY_BINARY OUT_DIR}
out=${2:?usage: golden.sh QUALIFY_BINARY OUT_DIR}
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export QUALIFY_USER="Golden Tester"
asof=2026-11-27T15:00:00Z
db="$work/demo.db"
q() { "$bin" --db "$db" --as-of "$asof" "$@"; }
q demo --seed 7 --deals 300 > "$out/demo.txt"
q check --json > "$out/check.json" || true
q check > "$out/check.txt" || true
q metrics --json > "$out/metrics.json"
q metrics > "$out/metrics.txt"
q deal list --json > "$out/list.json"
q deal list > "$out/list.txt"
q deal export --out "$work/export.json"
cp "$work/export.json" "$out/export.json"
q deal export --format salesforce-csv --out "$work/export.csv"
cp "$work/export.csv" "$out/export.csv"
for id in 1 42 250; do
  q report "$id" > "$out/report-$id.md"
  q deal show "$id" > "$out/show-$id.txt"
  q deal show "$id" --json > "$out/show-$id.json"
  q check "$id" --json > "$out/check-$id.json" || true
  q history "$id" > "$out/history-$id.txt"
  q history "$id" --json > "$out/history-$id.json"
done
echo "golden outputs in $out"
