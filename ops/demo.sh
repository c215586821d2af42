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
        rm -rf -- "$STORE" "$STORE.receipt.json" "$STORE.receipt-http.json" "$STORE.pub"
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

step "the service: unlearn serve on 127.0.0.1, a deletion over HTTP, the scheduler's retrain, the signed receipt"
command -v curl >/dev/null || { echo "demo.sh: curl is needed for the service step (apt-get install curl)" >&2; exit 1; }
intake="$("$U" token create --store "$STORE" --role intake 2>/dev/null)"
predictor="$("$U" token create --store "$STORE" --role predict 2>/dev/null)"
serve_log="$(mktemp)"
"$U" serve --store "$STORE" --host 127.0.0.1 --port 0 > "$serve_log" 2>&1 &
serve_pid=$!
trap 'kill "$serve_pid" 2>/dev/null || true; rm -f "$serve_log"' EXIT
for _ in $(seq 1 100); do grep -q "listening on" "$serve_log" && break; sleep 0.1; done
url="$(grep -o 'http://[0-9.:]*' "$serve_log" | head -1)"
[[ -n "$url" ]] || { echo "demo.sh: the service did not start:" >&2; cat "$serve_log" >&2; exit 1; }
echo "service at $url"
reply="$(curl -fsS -X POST "$url/v1/deletions" -H "Authorization: Bearer $intake" -H 'Content-Type: application/json' \
    -d '{"record_ids": ["row-7"], "reason": "Art. 17 via HTTP", "requested_by": "demo", "external_id": "demo-1"}')"
echo "POST /v1/deletions -> $reply"
id="$(sed -n 's/.*"deletion_id":\([0-9]*\).*/\1/p' <<<"$reply")"
for _ in $(seq 1 300); do
    status="$(curl -fsS "$url/v1/deletions/$id" -H "Authorization: Bearer $intake" | sed -n 's/.*"status":"\([a-z_]*\)".*/\1/p' | head -1)"
    [[ "$status" == completed ]] && break
    sleep 0.1
done
echo "GET /v1/deletions/$id -> status $status (the service's scheduler retrained)"
[[ "$status" == completed ]] || { echo "demo.sh: the deletion did not complete" >&2; exit 1; }
curl -fsS "$url/v1/deletions/$id/receipt" -H "Authorization: Bearer $intake" > "$STORE.receipt-http.json"
"$U" receipt verify "$STORE.receipt-http.json" --public-key "$STORE.pub"
echo "POST /v1/predict -> $(curl -fsS -X POST "$url/v1/predict" -H "Authorization: Bearer $predictor" -H 'Content-Type: application/json' \
    -d '{"rows": [[39, "State-gov", 77516, "Bachelors", 13, "Never-married", "Adm-clerical", "Not-in-family", "White", "Male", 2174, 0, 40, "United-States"]]}')"
kill -TERM "$serve_pid"; wait "$serve_pid" && echo "service stopped cleanly (SIGTERM, exit 0)"
trap - EXIT
rm -f "$serve_log"

step "eval after unlearning"
"$U" eval --store "$STORE" --data "$TEST"

step "verify --from-source: the whole store (schema, placement, rows, checkpoints) equals a fresh build of the shipped file without the two deleted people"
"$U" verify --store "$STORE" --from-source "$TRAIN"

echo
echo "== done: store in $STORE"
