#!/usr/bin/env bash
# KDD Cup 99 (10%, 494,021 rows): wall time and peak memory (max RSS) to import and to train
# S=20, R=10; then intake rate of `unlearn delete` and `audit --id` latency with 100,000
# requests in the ledger.
#
# Usage: ops/bench/kdd-scale.sh      (env: DATA_DIR, EPOCHS, MODEL)
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
EPOCHS="${EPOCHS:-2}" MODEL="${MODEL:-mlp:64}"
store="$WORK/kdd"
measure() {  # label, command… -> "label: X s, Y MB"
    local label=$1; shift
    /usr/bin/time -f "%e %M" -o "$WORK/time" "$@" > /dev/null
    read -r seconds kb < "$WORK/time"
    printf '| %s | %s s | %d MB |\n' "$label" "$seconds" "$((kb / 1024))"
}

rm -rf "$store"
echo "| step (KDD Cup 99 10%, 494,021 rows, S=20 R=10, $MODEL, e0=$EPOCHS) | wall | peak RSS |"
echo "|---|---|---|"
measure "init (import, encode, partition, write rows, record index)" \
    "$U" init --store "$store" --format csv --data "$DATA_DIR/kddcup99/kddcup.data_10_percent.csv" --label last \
    --shards 20 --slices 10 --model "$MODEL" --epochs "$EPOCHS" --seed 1 --batch 64
measure "train (20 shards on 2 cores)" "$U" train --store "$store"
echo

# Intake: single durable requests through the CLI (process start included), and one bulk file.
python3 -c "print('\n'.join(f'row-{i}' for i in range(0, 400000, 4)))" > "$WORK/bulk"
t0=$(date +%s.%N)
for i in $(seq 1 50); do "$U" delete --store "$store" --id "row-$((i * 4 + 1))" > /dev/null; done
t1=$(date +%s.%N)
"$U" delete --store "$store" --ids-from "$WORK/bulk" > /dev/null
t2=$(date +%s.%N)
python3 - "$t0" "$t1" "$t2" <<'PY'
import sys
t0, t1, t2 = map(float, sys.argv[1:])
print(f"intake, one CLI call per request: {50 / (t1 - t0):.1f} requests/s (durable commit + process start)")
print(f"intake, bulk --ids-from of 100,000 ids in one transaction: {100000 / (t2 - t1):.0f} requests/s")
PY
pending=$("$U" status --store "$store" --json | json 'd["pendingRequests"]')
lat=()
for i in $(seq 1 11); do
    t0=$(date +%s.%N)
    "$U" audit --store "$store" --id "row-$((i * 4000))" --format json > /dev/null
    t1=$(date +%s.%N)
    lat+=("$(python3 -c "print('%.1f' % (1000 * ($t1 - $t0)))")")
done
echo "audit --id with $pending requests in the ledger: median $(printf '%s\n' "${lat[@]}" | sort -n | sed -n 6p) ms per CLI call (all: ${lat[*]})"
