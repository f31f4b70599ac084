#!/usr/bin/env bash
# RFM over CDNOW_master x100 (2,357,000 customers, 6,965,900 orders): Rapport's benchmark (release
# build, ordo-one/benchmark) and the same computation in DuckDB from PyPI, printed side by side.
# Loading is excluded on both sides.
#   Benchmarks/rfm/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."
MASTER=../Tests/RapportEngineTests/Fixtures/CDNOW_master.txt
VENV=rfm/.venv
if [ ! -x "$VENV/bin/python" ]; then python3 -m venv "$VENV"; fi
"$VENV/bin/pip" install -q --disable-pip-version-check "duckdb>=2,<3" pandas

swift package benchmark --target Audience --filter "RFM: CDNOW x100.*" --no-progress | tee /tmp/rapport-rfm-bench.txt
RAPPORT_MS=$(grep "Time (wall clock)" /tmp/rapport-rfm-bench.txt | awk -F'│' '{gsub(/ /, "", $3); gsub(/ /, "", $5); print $3, $5}')
DUCK=$("$VENV/bin/python" rfm/duckdb_rfm.py "$MASTER" --runs 5)
echo "$DUCK"
read -r R_MIN R_P50 <<<"$RAPPORT_MS"
D_MIN=$(sed -E 's/.*min ([0-9]+).*/\1/' <<<"$DUCK")
D_P50=$(sed -E 's/.*median ([0-9]+).*/\1/' <<<"$DUCK")
printf '\n%-10s %10s %10s\n' "" "min ms" "median ms"
printf '%-10s %10s %10s\n' "Rapport" "$R_MIN" "$R_P50" "DuckDB" "$D_MIN" "$D_P50"
python3 -c "print(f'Rapport is {$D_P50 / $R_P50:.1f}x faster than DuckDB (medians)')"
