#!/usr/bin/env bash
# Runs schemathesis (PyPI) against the OpenAPI spec on a live local server: a small trained Adult
# store, one token per role, `unlearn serve` on a free loopback port, then one bounded
# schemathesis pass per role over the operations that role may call, with every check on.
# Passes when schemathesis reports no failure (no server error, no spec violation).
#
# Usage: ops/serve/schemathesis.sh      (env: MAX_EXAMPLES (default 25), U (binary), KEEP=1 to keep the work dir)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
U="${U:-.build/release/unlearn}"
[[ -x "$U" ]] || U=.build/debug/unlearn
[[ -x "$U" ]] || { echo "schemathesis.sh: build first (swift build)" >&2; exit 1; }
MAX_EXAMPLES="${MAX_EXAMPLES:-25}"
venv="$root/.venv-schemathesis"
if [[ ! -x "$venv/bin/schemathesis" ]]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q schemathesis
fi
work="$(mktemp -d)"
server=""
cleanup() { [[ -n "$server" ]] && kill -9 "$server" 2>/dev/null; [[ "${KEEP:-0}" == 1 ]] || rm -rf "$work"; }
trap cleanup EXIT
export OPENBLAS_NUM_THREADS=1

# A small model on the shipped Adult data (trains in about a second).
"$U" init --store "$work/store" --data data/adult/adult.data.zst --format csv --label last --shards 4 --slices 2 \
    --model mlp:16 --epochs 2 --seed 1 > /dev/null
"$U" train --store "$work/store" > /dev/null
declare -A tokens
for role in intake predict audit operator; do tokens[$role]=$("$U" token create --store "$work/store" --role "$role"); done

"$U" serve --store "$work/store" --port 0 --batch-window 1s > "$work/serve.out" 2> "$work/serve.err" &
server=$!
for _ in $(seq 200); do
    port=$(sed -n 's|^listening on http://127.0.0.1:\([0-9]*\)$|\1|p' "$work/serve.out"); [[ -n "$port" ]] && break; sleep 0.1
done
[[ -n "${port:-}" ]] || { echo "schemathesis.sh: the server did not start" >&2; cat "$work/serve.err" >&2; exit 1; }
base="http://127.0.0.1:$port"
# A few real requests so that ids exist.
for n in 1 2 3; do
    curl -s -o /dev/null -X POST "$base/v1/deletions" -H "Authorization: Bearer ${tokens[intake]}" \
        -H 'Content-Type: application/json' -d "{\"record_ids\": [\"row-$n\"]}"
done

status=0
run() {  # run ROLE OPERATION_ID...
    local role="$1"; shift
    local include=()
    for op in "$@"; do include+=(--include-operation-id "$op"); done
    echo "== schemathesis as $role: $*"
    "$venv/bin/schemathesis" --config-file "$root/ops/serve/schemathesis.toml" run "$base/v1/openapi.json" --url "$base" \
        -H "Authorization: Bearer ${tokens[$role]}" "${include[@]}" \
        --checks all --max-examples "$MAX_EXAMPLES" --request-timeout 30 --max-response-time 30 \
        --seed 1 --no-color || status=1
}
run intake createDeletion getDeletion getDeletionReceipt cancelDeletion
run predict predict
run audit listDeletions getDeletion getDeletionReceipt audit verifyAudit status
run operator status retrain
run intake openapi healthz readyz metrics
grep -q -i "fatal\|panic" "$work/serve.err" && { echo "schemathesis.sh: the server log shows a crash" >&2; status=1; }
kill -TERM "$server"; wait "$server" || { echo "schemathesis.sh: the server did not exit 0 on SIGTERM" >&2; status=1; }
server=""
exit $status
