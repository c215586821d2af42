#!/usr/bin/env bash
# The service under load on loopback, in one run (release build, wrk from Debian):
#   1. durable intake: POST /v1/deletions, 64 concurrent connections, a new id per call
#      (MNIST store, 60,000 records; scheduler off so only intake runs), with the intake writer
#      at the process's priority (baseline) and at the default, nice -10;
#   2. predict: one Adult row, 32 connections paced to about 1,000 requests/s, while retrains
#      of the same store run back to back (ops/bench/serve/retrain-loader.py), with the retrain
#      threads at the service's own priority (baseline) and at the default, idle; then idle again
#      with Poisson arrivals (independent clients) instead of connections in step, and from a
#      constant-rate sender (one request every 1 ms, as wrk2 paces);
#   3. one id on MNIST S=20 R=10: POST /v1/deletions to status `completed` (the scheduler's
#      retrain, polled every 10 ms), median of TRIALS.
#
# Usage: ops/bench/serve.sh      (env: DURATION (s, default 5), TRIALS (default 7), PHASES (default
#                                "1 2 3"), DATA_DIR, U)
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
command -v wrk >/dev/null || { echo "serve.sh: installing wrk"; apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
DURATION="${DURATION:-5}" TRIALS="${TRIALS:-7}" PHASES="${PHASES:-1 2 3}"
want() { [[ " $PHASES " == *" $1 "* ]]; }
pids=()
cleanup() { for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

# serve STORE ARGS...: starts the service on a free port and sets $port and $pid.
serve() {
    local store="$1"; shift
    local out="$WORK/serve-$RANDOM.out"
    "$U" serve --store "$store" --port 0 "$@" > "$out" 2> "$out.err" &
    pid=$!
    pids+=("$pid")
    for _ in $(seq 600); do
        port=$(sed -n 's|^listening on http://127.0.0.1:\([0-9]*\)$|\1|p' "$out")
        [[ -n "$port" ]] && return 0
        sleep 0.05
    done
    echo "serve.sh: the service did not start" >&2; cat "$out.err" >&2; exit 1
}
token() { "$U" token create --store "$1" --role "$2"; }
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }

echo "== stores"
mnist="$WORK/mnist"
if want 1 || want 3; then
"$U" init --store "$mnist" --format idx --data "$DATA_DIR/mnist/train-images-idx3-ubyte" \
    --labels "$DATA_DIR/mnist/train-labels-idx1-ubyte" --shards 20 --slices 10 --model mlp:128 \
    --epochs 20 --seed 1 --batch 64 > /dev/null
"$U" train --store "$mnist" > /dev/null
fi
adult="$WORK/adult"
"$U" init --store "$adult" --data data/adult/adult.data.zst --format csv --label last \
    --shards 10 --slices 5 --model mlp:64 --epochs 10 --seed 42 > /dev/null
"$U" train --store "$adult" > /dev/null
if want 1; then cp -a "$mnist" "$WORK/mnist-intake-normal"; cp -a "$mnist" "$WORK/mnist-intake-raised"; fi
# Flush what setting up wrote before any phase: the kernel writes it back about 30 s later, in
# the middle of the first phase, and every fsync then waits behind it (intake measured 7,700-7,900/s
# that way against 9,000-9,800/s).
sync

# intake_run NAME ARGS...: one intake phase on a fresh copy of the MNIST store; sets $rate.
intake_run() {
local name="$1"; shift
local store="$WORK/mnist-intake-$name"
echo "== 1. durable intake, 64 connections, ${DURATION}s, writer $name ($*)"
serve "$store" --no-scheduler "$@"
TOKEN=$(token "$store" intake) THREADS=2 IDS=60000 \
    wrk -t2 -c64 -d"${DURATION}s" --latency -s ops/bench/serve/intake.lua "http://127.0.0.1:$port" | tee "$WORK/intake-$name.txt"
groups=$(curl -s "http://127.0.0.1:$port/metrics" | awk '/^unlearn_intake_group_commits_total/ {print $2}')
received=$(curl -s "http://127.0.0.1:$port/metrics" | awk '/^unlearn_deletion_requests_received_total/ {print $2}')
rate=$(awk '/Requests\/sec/ {print $2}' "$WORK/intake-$name.txt")
non2xx=$(awk '/Non-2xx/ {print $5}' "$WORK/intake-$name.txt"); non2xx=${non2xx:-0}
kill -TERM "$pid"; wait "$pid" || true
ledger_new=$(python3 -c "import sqlite3; print(sqlite3.connect('$store/ledger.sqlite').execute('select count(*) from deletion_request').fetchone()[0])")
# The store has 60,000 records: calls past the 60,000th repeat ids (idempotent, but cheaper or dearer
# than a new id), so a run that long measures a mix; say so rather than let the rate mislead.
calls=$(awk '/requests in/ {print $1}' "$WORK/intake-$name.txt")
# (wrk does not count the calls in flight when it stops, which the ledger may hold: hence the floor.)
new_ids=${received%.*}; repeats=$(( calls > ${new_ids:-0} ? calls - ${new_ids:-0} : 0 ))
echo "INTAKE writer=$name rate=$rate/s non2xx=$non2xx calls=$calls new_requests=$received repeated_ids=$repeats in_ledger=$ledger_new group_commits=$groups"
(( repeats <= 0 )) || echo "serve.sh: $repeats calls repeated ids (the store has 60,000 records); shorten DURATION for a rate of new ids only" >&2
}
# The baseline first (the writer at the process's priority), then the default (nice -10, above the
# handlers that feed it; as root here, so the raise is allowed).
if want 1; then
intake_run normal --intake-nice=0; rate_base="$rate"
intake_run raised; rate_raised="$rate"
echo "INTAKE_RATIO raised/normal=$(python3 -c "print(round($rate_raised / $rate_base, 2))")"
fi

predict_under_retrains() {
local priority="$1" arrivals="${2:-fixed}"
echo "== 2. predict, one Adult row, 32 connections at ~1,000/s ($arrivals arrivals) for ${DURATION}s, retrains running at priority $priority"
serve "$adult" --batch-window 0s --retrain-priority "$priority"
ptoken=$(token "$adult" predict) itoken=$(token "$adult" intake) otoken=$(token "$adult" operator)
# One row of adult.test, keyed by column index (the label column left out).
body='{"rows":[{"0":25,"1":"Private","2":226802,"3":"11th","4":7,"5":"Never-married","6":"Machine-op-inspct","7":"Own-child","8":"Black","9":"Male","10":0,"11":0,"12":40,"13":"United-States"}]}'
# Retrains back to back, each deleting records of its own (rounds numbered apart per run).
first=$(( ${priority/idle/20} * 1000 + ${#arrivals} * 100 ))
python3 ops/bench/serve/retrain-loader.py "$port" "$itoken" "$otoken" $(( DURATION + 2 )) "$first" 32561 > "$WORK/loader-$priority.txt" &
loader=$!
sleep 1
TOKEN="$ptoken" BODY="$body" DELAY_MS=32 ARRIVALS="$arrivals" THREADS=2 CONNECTIONS=32 wrk -t2 -c32 -d"${DURATION}s" --latency -s ops/bench/serve/predict.lua "http://127.0.0.1:$port" | tee "$WORK/predict-$priority-$arrivals.txt"
p99=$(sed -n 's/.* p99_ms=\([0-9.]*\).*/\1/p' "$WORK/predict-$priority-$arrivals.txt")
wait "$loader" || true
retrains=$(curl -s "http://127.0.0.1:$port/metrics" | awk '/^unlearn_retrains_total/ {print $2}')
echo "PREDICT_RETRAINS priority=$priority arrivals=$arrivals retrains_during_run=$retrains"
kill -TERM "$pid"; wait "$pid" || true
}
# The baseline first (retrain threads at the service's own priority), then the default, idle.
if want 2; then
predict_under_retrains 0; p99_base="$p99"
predict_under_retrains idle; p99_idle="$p99"
echo "PREDICT_P99_RATIO normal/idle=$(python3 -c "print(round($p99_base / $p99_idle, 2))")"
# Independent clients: the same rate as a Poisson stream instead of bursts in step; then a
# constant-rate sender (one request every 1 ms on whichever connection is free, as wrk2 paces).
predict_under_retrains idle poisson
predict_under_retrains idle rate
fi

want 3 || exit 0
echo "== 3. one id, MNIST S=20 R=10: POST to completed (median of $TRIALS)"
serve "$mnist" --batch-window 0s
itoken=$(token "$mnist" intake)
times=()
for trial in $(seq "$TRIALS"); do
    id=$(python3 -c "import random; print(random.Random($trial).randrange(60000))")
    t=$(python3 - "$port" "$itoken" "$id" <<'PY'
import json, sys, time, urllib.request
port, token, rid = sys.argv[1], sys.argv[2], sys.argv[3]
h = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}
t0 = time.monotonic()
req = urllib.request.Request(f"http://127.0.0.1:{port}/v1/deletions", data=json.dumps({"record_ids": [f"row-{rid}"]}).encode(), headers=h)
d = json.load(urllib.request.urlopen(req))
while True:
    s = json.load(urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{port}/v1/deletions/{d['deletion_id']}", headers=h)))
    if s["status"] == "completed": break
    time.sleep(0.01)
print("%.3f" % (time.monotonic() - t0))
PY
)
    times+=("$t")
done
median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (TRIALS + 1) / 2 ))p")
echo "DELETE_TO_COMPLETED median=${median}s all=${times[*]}"
kill -TERM "$pid"; wait "$pid" || true
