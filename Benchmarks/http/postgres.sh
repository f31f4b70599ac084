#!/usr/bin/env bash
# HTTP ingestion on PostgreSQL with several nodes: a throwaway PostgreSQL cluster with fsync on
# (every acknowledged batch is durable: synchronous_commit=on), NODES release `rapport serve`
# processes on one database, and one wrk per node sending 100-message batches to /v1/batch.
# Prints the acknowledged events/s of each node and in all, and the projection lag: the most
# events logged but not yet applied by the writer during the run, and how long after the run
# every node had applied the whole log. Then kill -9 the writer and time the failover: until
# another node writes, and until it has flushed the whole log.
#   Benchmarks/http/postgres.sh [seconds=20] [connections per node=16] [nodes=2]
set -euo pipefail
cd "$(dirname "$0")/../.."
SECONDS_TO_RUN=${1:-20}
CONNECTIONS=${2:-16}
NODES=${3:-2}
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }
swift build -c release --product rapport >/dev/null
# shellcheck source=../../scripts/postgres.sh
source scripts/postgres.sh
PG_FSYNC=on pg_start
DB="$RAPPORT_TEST_POSTGRES_URL?sslmode=disable&schema=bench"
WORK=$(mktemp -d /tmp/rapport-pg-bench.XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; rm -rf "$WORK"; pg_stop; }
trap cleanup EXIT
BASE=${PORT:-18580}
for n in $(seq 1 "$NODES"); do
  port=$((BASE + n))
  mkdir -p "$WORK/node$n"
  .build/release/rapport serve --data "$WORK/node$n" --database "$DB" --port "$port" --log-level warning \
    >"$WORK/node$n.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 200); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
done
export RAPPORT_KEY=$(python3 -c "import json; print(json.load(open('$WORK/node1/credentials.json'))['writeKeys']['web'])")
health() { curl -s "http://127.0.0.1:$1/health"; }
# Sample the lag every half second while wrk runs.
( while true; do
    for n in $(seq 1 "$NODES"); do health $((BASE + n)); echo; done
    sleep 0.5
  done ) >"$WORK/health.jsonl" 2>/dev/null &
SAMPLER=$!
PIDS+=($SAMPLER)
for n in $(seq 1 "$NODES"); do
  wrk -t1 -c"$CONNECTIONS" -d"${SECONDS_TO_RUN}s" --latency -s Benchmarks/http/batch.lua \
    "http://127.0.0.1:$((BASE + n))" >"$WORK/wrk$n.txt" 2>&1 &
  WRK[$n]=$!
done
for n in $(seq 1 "$NODES"); do wait "${WRK[$n]}"; done
END=$(date +%s.%N)
kill $SAMPLER 2>/dev/null || true
total=0
for n in $(seq 1 "$NODES"); do
  rps=$(awk '/Requests\/sec/ {print $2}' "$WORK/wrk$n.txt")
  p50=$(awk '/ 50%/ {print $2}' "$WORK/wrk$n.txt"); p99=$(awk '/ 99%/ {print $2}' "$WORK/wrk$n.txt")
  errors=$(grep -E "Non-2xx|Socket errors" "$WORK/wrk$n.txt" || true)
  echo "node $n: $(python3 -c "print(round($rps * 100))") events/s acknowledged (batch latency p50 $p50, p99 $p99) $errors"
  total=$(python3 -c "print($total + $rps * 100)")
done
echo "all nodes: $(python3 -c "print(round($total))") events/s acknowledged durably"
# Until every node has applied the whole log.
while true; do
  done_all=1
  for n in $(seq 1 "$NODES"); do
    python3 -c "import json,sys; h=json.loads(sys.argv[1]); sys.exit(0 if h['projected'] >= h['logPosition'] else 1)" \
      "$(health $((BASE + n)))" || done_all=0
  done
  [ $done_all = 1 ] && break
  sleep 0.1
done
CAUGHT=$(date +%s.%N)
python3 - "$WORK/health.jsonl" <<'PY'
import json, sys
lags = [json.loads(l) for l in open(sys.argv[1]) if l.strip().startswith("{")]
writer = [h["logPosition"] - h["projected"] for h in lags if h.get("projectionLeader")]
follower = [h["logPosition"] - h["projected"] for h in lags if not h.get("projectionLeader")]
if writer: print(f"projection lag of the writer during the run: max {max(writer)} events, median {sorted(writer)[len(writer)//2]}")
if follower: print(f"projection lag of the followers during the run: max {max(follower)} events, median {sorted(follower)[len(follower)//2]}")
PY
echo "every node had applied the whole log $(python3 -c "print(round($CAUGHT - $END, 2))") s after the run"
echo "log position: $(health $((BASE + 1)))"

# Failover: kill -9 the writer.
TOKEN=$(python3 -c "import json; print(json.load(open('$WORK/node1/credentials.json'))['adminToken'])")
leader=""
for n in $(seq 1 "$NODES"); do
  python3 -c "import json,sys; sys.exit(0 if json.loads(sys.argv[1]).get('projectionLeader') else 1)" \
    "$(health $((BASE + n)))" && leader=$n
done
[ -n "$leader" ] || { echo "no writer found"; exit 1; }
other=$(( leader % NODES + 1 ))
KILLED=$(date +%s.%N)
kill -9 "${PIDS[$((leader - 1))]}"
until python3 -c "import json,sys; sys.exit(0 if json.loads(sys.argv[1]).get('projectionLeader') else 1)" \
    "$(health $((BASE + other)))"; do sleep 0.1; done
TOOK=$(date +%s.%N)
flushed() {
  curl -s -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$((BASE + other))/v1/stats" |
    python3 -c "import json,sys; s=json.load(sys.stdin); sys.exit(0 if s['projectionCheckpoint'] >= s['logPosition'] else 1)"
}
until flushed; do sleep 0.1; done
DONE=$(date +%s.%N)
echo "failover after kill -9 of node $leader: node $other writes after $(python3 -c "print(round($TOOK - $KILLED, 1))") s (the lease is 10 s), and has flushed the whole log after $(python3 -c "print(round($DONE - $KILLED, 1))") s"
