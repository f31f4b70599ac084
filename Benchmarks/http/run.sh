#!/usr/bin/env bash
# HTTP ingestion benchmark: a release `rapport serve` on a fresh data directory (durability full),
# wrk sending 100-message batches to /v1/batch. Prints acknowledged events/s and latency percentiles.
#   Benchmarks/http/run.sh [seconds=20] [connections=32]
set -euo pipefail
cd "$(dirname "$0")/../.."
SECONDS_TO_RUN=${1:-20}
CONNECTIONS=${2:-32}
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }
swift build -c release --product rapport >/dev/null
DATA=$(mktemp -d /tmp/rapport-http-bench.XXXXXX)
PORT=${PORT:-18480}
.build/release/rapport serve --data "$DATA" --port "$PORT" --log-level warning >"$DATA/server.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true; wait $PID 2>/dev/null || true; rm -rf "$DATA"' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.1; done
export RAPPORT_KEY=$(python3 -c "import json,sys; print(json.load(open('$DATA/credentials.json'))['writeKeys']['web'])")
wrk -t1 -c"$CONNECTIONS" -d"${SECONDS_TO_RUN}s" --latency -s Benchmarks/http/batch.lua "http://127.0.0.1:$PORT" | tail -4
echo "log position after the run: $(curl -s "http://127.0.0.1:$PORT/health")"
