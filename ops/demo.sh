#!/usr/bin/env bash
# End-to-end demo on the UCI Adult data: build, create a SISA store, train, evaluate against a
# monolithic baseline, then delete one record, unlearn it, prove it is gone and check the audit chain.
# Usage: ops/demo.sh            (STORE=dir overrides the store directory, default shards/adult)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

step() { echo; echo "== step: $*"; }

step "setup (system packages + release build)"
bash ops/setup.sh

U=.build/release/unlearn
STORE="${STORE:-shards/adult}"
TRAIN=data/adult/adult.data.zst
TEST=data/adult/adult.test.zst
# Shards train in parallel; one BLAS thread each avoids oversubscribing the cores.
export OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-1}"

step "remove old demo store $STORE"
if [[ -e "$STORE" ]]; then
    # Only ever delete something that is recognisably a store (or empty), never an arbitrary directory.
    if [[ -f "$STORE/store.json" || -z "$(ls -A "$STORE")" ]]; then
        rm -rf -- "$STORE" "$STORE.receipt.json" "$STORE.pub"
    else
        echo "demo.sh: '$STORE' exists and is not an unlearn store; refusing to delete it" >&2
        exit 1
    fi
fi
mkdir -p -- "$(dirname -- "$STORE")"

step "init: import and partition (S=10 shards x R=5 slices, MLP 64)"
"$U" init --store "$STORE" --data "$TRAIN" --format csv --label last \
    --shards 10 --slices 5 --model mlp:64 --epochs 10 --seed 42 --batch 64 --optimizer adam

step "train every shard slice by slice"
"$U" train --store "$STORE"

step "eval: SISA ensemble vs monolithic baseline"
"$U" eval --store "$STORE" --data "$TEST" --baseline

step "delete row-42 (durable request in the ledger)"
"$U" delete --store "$STORE" --id row-42 --reason "GDPR Art. 17 request" --requested-by demo

step "retrain: unlearn pending requests (only the affected shard, from its checkpoint)"
"$U" retrain --store "$STORE"

step "verify row-42 is gone (with replay from scratch)"
"$U" verify --store "$STORE" --id row-42 --replay

step "audit trail for row-42"
"$U" audit --store "$STORE" --id row-42

step "audit verify: hash chain intact"
"$U" audit verify --store "$STORE"

step "signed receipt of the deletion, checked offline with the store's public key"
"$U" receipt --store "$STORE" --request 1 --out "$STORE.receipt.json"
"$U" receipt public-key --store "$STORE" > "$STORE.pub"
"$U" receipt verify "$STORE.receipt.json" --public-key "$STORE.pub"

step "doctor: every file, seal, chain and permission checked"
"$U" doctor --store "$STORE"

step "eval after unlearning"
"$U" eval --store "$STORE" --data "$TEST"

echo
echo "== done: store in $STORE"
