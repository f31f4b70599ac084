#!/usr/bin/env bash
# Retention matrix and lifecycle classification over CDNOW_master x100 (2,357,000 customers,
# 6,965,900 orders): Rapport's benchmarks (release build, ordo-one/benchmark) and the same
# queries in DuckDB from PyPI, printed side by side. Loading is excluded on both sides.
#   Benchmarks/insights/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."
MASTER=../Tests/RapportEngineTests/Fixtures/CDNOW_master.txt
VENV=insights/.venv
if [ ! -x "$VENV/bin/python" ]; then python3 -m venv "$VENV"; fi
"$VENV/bin/pip" install -q --disable-pip-version-check "duckdb>=2,<3" pandas

swift package benchmark --target Insights --filter "(Retention|Lifecycle).*" --no-progress 2>&1 | tee /tmp/rapport-insights-bench.txt
DUCK=$("$VENV/bin/python" insights/duckdb_insights.py "$MASTER" --runs 5)
echo "$DUCK"
# Each benchmark's median wall clock (p50 column), found under its title.
median() {
  awk -v title="$1" -F'│' 'index($0, title) == 1 { found = 1 } found && /Time \(wall clock\)/ { gsub(/ /, "", $5); print $5; exit }' \
    /tmp/rapport-insights-bench.txt
}
RET_P50=$(median "Retention:")
LC_P50=$(median "Lifecycle:")
D_RET=$(grep "^retention" <<<"$DUCK" | sed -E 's/.*median ([0-9]+).*/\1/')
D_LC=$(grep "^lifecycle: ms" <<<"$DUCK" | sed -E 's/.*median ([0-9]+).*/\1/')
printf '\n%-22s %10s %10s\n' "median ms" "Rapport" "DuckDB"
printf '%-22s %10s %10s\n' "retention (monthly)" "$RET_P50" "$D_RET" "lifecycle stages" "$LC_P50" "$D_LC"
echo "Rapport $(grep '^lifecycle stages' /tmp/rapport-insights-bench.txt)"
echo "DuckDB  $(grep '^lifecycle stages' <<<"$DUCK")"
