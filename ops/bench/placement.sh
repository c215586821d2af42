#!/usr/bin/env bash
# Per-record placement: the spread of shard and slice sizes (MNIST and KDD at S=20, R=10), and
# accuracy on MNIST and Adult before (BEFORE: a binary with positional placement, e.g. main's)
# and after (U: this build). Prints Markdown tables (the README's placement design note).
#
# Usage: BEFORE=/path/to/main/.build/release/unlearn ops/bench/placement.sh [spread|accuracy|all]
#   env: SEED (default 1), EPOCHS (MNIST, default 5), ADULT_EPOCHS (default 10), S, R (default 20, 10),
#        AFTER_ADULT (extra init args for the after run; default "--min-category-count 0", so that
#        only the placement differs from a binary that predates the forgetting schema)
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
which="${1:-all}"
S="${S:-20}" R="${R:-10}" EPOCHS="${EPOCHS:-5}"
mnist=(--format idx --data "$DATA_DIR/mnist/train-images-idx3-ubyte" --labels "$DATA_DIR/mnist/train-labels-idx1-ubyte")
mnist_test=(--data "$DATA_DIR/mnist/t10k-images-idx3-ubyte" --labels "$DATA_DIR/mnist/t10k-labels-idx1-ubyte")
kdd=(--format csv --data "$DATA_DIR/kddcup99/kddcup.data_10_percent.csv" --label last)
adult=(--format csv --data data/adult/adult.data.zst)

# spread BINARY NAME init-args… -> one table row: min/max/stddev of shard and slice sizes
spread() {
    local bin=$1 name=$2; shift 2
    rm -rf "$WORK/$name"
    "$bin" init --store "$WORK/$name" --shards "$S" --slices "$R" --seed 1 "$@" > /dev/null
    "$bin" status --store "$WORK/$name" --json | python3 -c '
import json, statistics, sys
d = json.loads(sys.stdin.read().strip().splitlines()[-1])
cells = [n for shard in d["sliceRows"] for n in shard]; shards = [sum(s) for s in d["sliceRows"]]
f = lambda xs: "%d / %d / %.1f" % (min(xs), max(xs), statistics.pstdev(xs))
print("| %s | %s | %s |" % (sys.argv[1], f(shards), f(cells)))' "$name"
    rm -rf "$WORK/$name"
}

# accuracy BINARY NAME epochs test-args -- init-args… -> mean-aggregation accuracy (%)
accuracy() {
    local bin=$1 name=$2 epochs=$3; shift 3
    local test=(); while [[ $1 != "--" ]]; do test+=("$1"); shift; done; shift
    rm -rf "$WORK/$name"
    "$bin" init --store "$WORK/$name" --shards "$S" --slices "$R" --seed "${SEED:-1}" --epochs "$epochs" "$@" > /dev/null
    "$bin" train --store "$WORK/$name" > /dev/null
    "$bin" eval --store "$WORK/$name" "${test[@]}" --json | json '"%.2f" % (100*d["accuracy_by_aggregation"]["mean"])'
    rm -rf "$WORK/$name"
}

if [[ $which == spread || $which == all ]]; then
    echo "| store (S=$S, R=$R) | shard rows min / max / sd | slice rows min / max / sd |"
    echo "|---|---|---|"
    for b in ${BEFORE:+before} after; do
        bin=$U; [[ $b == before ]] && bin=$BEFORE
        spread "$bin" "mnist-$b" "${mnist[@]}"
        spread "$bin" "kdd-$b" "${kdd[@]}"
    done
    echo
fi
if [[ $which == accuracy || $which == all ]]; then
    echo "| dataset (S=$S, R=$R) | before (positional) | after (per-record) |"
    echo "|---|---|---|"
    for set in mnist adult; do
        if [[ $set == mnist ]]; then e=$EPOCHS; t=("${mnist_test[@]}"); i=("${mnist[@]}" --model mlp:128 --batch 16)
        else e=${ADULT_EPOCHS:-10}; t=(--data data/adult/adult.test.zst); i=("${adult[@]}" --model mlp:64 --batch 64); fi
        before=n/a; [[ -n ${BEFORE:-} ]] && before=$(accuracy "$BEFORE" "$set-before" "$e" "${t[@]}" -- "${i[@]}")
        extra=(); [[ $set == adult ]] && read -ra extra <<< "${AFTER_ADULT---min-category-count 0}"
        after=$(accuracy "$U" "$set-after" "$e" "${t[@]}" -- "${i[@]}" "${extra[@]}")
        echo "| $set (e=$e) | $before | $after |"
    done
fi
