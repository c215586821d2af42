#!/usr/bin/env bash
# Micro-benchmarks (`unlearn bench micro`: checkpoint codec, ledger intake, audit lookups,
# prediction latency), then init/train wall time and peak RSS against N on KDD Cup 99 (10%
# file): its first 10%, 25%, 50% and 100% of lines, S=20 R=10, mlp:64, e0=2.
# Builds nothing: run `swift build -c release` first.
#
# Usage: ops/bench/micro.sh [bench micro options, e.g. --only codec,predict]
#        (env: U the binary, DATA_DIR, WORK, MODEL, EPOCHS)
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
EPOCHS="${EPOCHS:-2}" MODEL="${MODEL:-mlp:64}"

"$U" bench micro --mnist "$DATA_DIR/mnist" "$@"
echo

kdd="$DATA_DIR/kddcup99/kddcup.data_10_percent.csv"
total=$(wc -l < "$kdd")
timed() {  # command… -> "seconds | MB" of wall time and peak RSS
    /usr/bin/time -f "%e %M" -o "$WORK/time" "$@" > /dev/null
    read -r seconds kb < "$WORK/time"
    printf '%s | %d' "$seconds" "$((kb / 1024))"
}
echo "## KDD Cup 99 scale (S=20 R=10, $MODEL, e0=$EPOCHS; init = import, encode, partition, write rows, record index)"
echo
echo "| fraction | rows | init s | init MB | train s | train MB |"
echo "|---|---|---|---|---|---|"
for percent in 10 25 50 100; do
    rows=$((total * percent / 100))
    head -n "$rows" "$kdd" > "$WORK/kdd.csv"
    store="$WORK/kdd-$percent"
    rm -rf "$store"
    init=$(timed "$U" init --store "$store" --format csv --data "$WORK/kdd.csv" --label last \
        --shards 20 --slices 10 --model "$MODEL" --epochs "$EPOCHS" --seed 1 --batch 64)
    train=$(timed "$U" train --store "$store")
    echo "| $percent% | $rows | $init | $train |"
    rm -rf "$store"
done
rm -f "$WORK/kdd.csv"
