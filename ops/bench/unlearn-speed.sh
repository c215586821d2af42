#!/usr/bin/env bash
# Time from `unlearn delete` of K uniform random ids to a published version (delete + retrain,
# wall clock, median of TRIALS), next to a full monolithic retrain measured in the same run;
# ensemble accuracy before and after. Default: MNIST, S=20, R=10, MLP 784-128-10.
#
# Usage: ops/bench/unlearn-speed.sh      (env: S, R, EPOCHS, TRIALS, DATA_DIR)
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
S="${S:-20}" R="${R:-10}" EPOCHS="${EPOCHS:-20}" TRIALS="${TRIALS:-3}"
store="$WORK/mnist"
test=(--data "$DATA_DIR/mnist/t10k-images-idx3-ubyte" --labels "$DATA_DIR/mnist/t10k-labels-idx1-ubyte")

rm -rf "$store"
"$U" init --store "$store" --format idx --data "$DATA_DIR/mnist/train-images-idx3-ubyte" \
    --labels "$DATA_DIR/mnist/train-labels-idx1-ubyte" --shards "$S" --slices "$R" --model mlp:128 \
    --epochs "$EPOCHS" --seed 1 --batch 64 > /dev/null
train_s=$("$U" train --store "$store" --json | json 'd["seconds"]')
before=$("$U" eval --store "$store" "${test[@]}" --baseline --json)
acc_before=$(echo "$before" | json '"%.2f" % (100*d["accuracy"])')
mono_acc=$(echo "$before" | json '"%.2f" % (100*d["monolithic"]["accuracy"])')
mono_s=$(echo "$before" | json '"%.2f" % d["monolithic"]["train_seconds"]')

echo "MNIST S=$S R=$R mlp:128 e0=$EPOCHS: SISA training ${train_s}s (2 cores), monolithic retrain ${mono_s}s (1 core)"
echo
echo "| requests K | delete→published (median of $TRIALS) | speed-up vs monolithic retrain | shards retrained |"
echo "|---|---|---|---|"
seed=0
for k in 1 8; do
    times=() shards=""
    for _ in $(seq "$TRIALS"); do
        seed=$((seed + 1))
        python3 -c "import random; r=random.Random($seed); print('\n'.join(f'row-{i}' for i in r.sample(range(60000), $k)))" > "$WORK/ids"
        t0=$(now)
        "$U" delete --store "$store" --ids-from "$WORK/ids" > /dev/null
        report=$("$U" retrain --store "$store" --json)
        t1=$(now)
        times+=("$(python3 -c "print('%.3f' % ($t1 - $t0))")")
        shards=$(echo "$report" | json 'len(d["plan"]["shards"])')
    done
    median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (TRIALS + 1) / 2 ))p")
    printf '| %s | %ss (all: %s) | %.1f× | %s |\n' "$k" "$median" "${times[*]}" "$(python3 -c "print($mono_s / $median)")" "$shards"
done
acc_after=$("$U" eval --store "$store" "${test[@]}" --json | json '"%.2f" % (100*d["accuracy"])')
echo
echo "ensemble accuracy: before $acc_before%, after $acc_after%; monolithic $mono_acc%"
