#!/usr/bin/env bash
# Accuracy of SISA ensembles against the monolithic model trained by the same code, plus
# single-thread training throughput. Prints Markdown tables (the README's Performance section).
#
# Usage: ops/bench/sisa-accuracy.sh [mnist|adult|all]   (DATA_DIR defaults to ../shared/data)
# Needs a release build: bash ops/setup.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
EPOCHS="${EPOCHS:-30}"
which="${1:-all}"


# store NAME S R [extra init args…] -> trains and prints "seconds"
make_store() {
    local name=$1 s=$2 r=$3; shift 3
    rm -rf "$WORK/$name"
    "$U" init --store "$WORK/$name" --shards "$s" --slices "$r" --seed 1 --epochs "$EPOCHS" "$@" > /dev/null
    "$U" train --store "$WORK/$name" --json | json 'd["seconds"]'
}

table() {  # dataset, init args…, then test args after "--"
    local dataset=$1; shift
    local init=() test=()
    while [[ $1 != "--" ]]; do init+=("$1"); shift; done; shift
    test=("$@")
    echo "### $dataset (e0=$EPOCHS, $(printf '%s ' "${init[@]}" | grep -o 'mlp:[0-9,]*'))"
    echo
    echo "| S | R | vote | mean | train s |"
    echo "|---|---|---|---|---|"
    local shards_list="${SHARDS:-5 10 20}" slices_list="${SLICES:-1 10}"
    for cfg in "1 1" $(for s in $shards_list; do for r in $slices_list; do echo "$s,$r"; done; done); do
        local s=${cfg%[ ,]*} r=${cfg#*[ ,]}
        local seconds; seconds=$(make_store "$dataset-$s-$r" "$s" "$r" "${init[@]}")
        local line; line=$("$U" eval --store "$WORK/$dataset-$s-$r" "${test[@]}" --json)
        local vote mean
        vote=$(echo "$line" | json '"%.2f" % (100*d["accuracy_by_aggregation"]["vote"])')
        mean=$(echo "$line" | json '"%.2f" % (100*d["accuracy_by_aggregation"]["mean"])')
        printf '| %s | %s | %s | %s | %.1f |\n' "$s" "$r" "$vote" "$mean" "$seconds"
        rm -rf "$WORK/$dataset-$s-$r"
    done
    echo
}

throughput() {
    echo "### Training throughput, one thread (MNIST, MLP 784-128-10, Adam, one epoch, S=1 R=1)"
    echo
    echo "| batch | samples/s |"
    echo "|---|---|"
    for batch in 16 64 256; do
        rm -rf "$WORK/tp"
        "$U" init --store "$WORK/tp" --format idx --data "$DATA_DIR/mnist/train-images-idx3-ubyte" \
            --labels "$DATA_DIR/mnist/train-labels-idx1-ubyte" --shards 1 --slices 1 --model mlp:128 \
            --epochs 1 --seed 1 --batch "$batch" > /dev/null
        local best=()
        for _ in 1 2 3; do best+=("$("$U" train --store "$WORK/tp" --json | json '"%.0f" % (d["samples"]/d["seconds"])')"); done
        printf '| %s | %s (median of 3) |\n' "$batch" "$(printf '%s\n' "${best[@]}" | sort -n | sed -n 2p)"
    done
    rm -rf "$WORK/tp"
    echo
}

if [[ $which == mnist || $which == all ]]; then
    table mnist --format idx --data "$DATA_DIR/mnist/train-images-idx3-ubyte" --labels "$DATA_DIR/mnist/train-labels-idx1-ubyte" \
        --model mlp:128 --batch "${MNIST_BATCH:-16}" -- \
        --data "$DATA_DIR/mnist/t10k-images-idx3-ubyte" --labels "$DATA_DIR/mnist/t10k-labels-idx1-ubyte"
    throughput
fi
if [[ $which == adult || $which == all ]]; then
    EPOCHS="${ADULT_EPOCHS:-10}" SHARDS="10" SLICES="1 5 10" table adult --format csv --data data/adult/adult.data.zst --model mlp:64 --batch 64 -- \
        --data data/adult/adult.test.zst
fi
