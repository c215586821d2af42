#!/usr/bin/env bash
# Kill campaign for the retrainer: N times, request one deletion, start `unlearn retrain`, SIGKILL it
# at a random moment across its whole duration (process start to exit), then check that the store
# opens, `unlearn doctor` passes (or, without doctor in the binary: recover + audit verify + the
# live files against their manifest sha256), every acknowledged request is in the ledger, and the
# live version evaluates; then a rerun completes with nothing left pending. At the end a clean
# retrain completes and every acknowledged id passes `unlearn verify --replay`.
#
#   ops/faults/kill-retrain.sh [N]      (default 20)
#
# Environment: SEED (42; the same seed gives the same ids and kill moments), ROWS (8000 Adult rows),
# SHARDS (4), SLICES (4), MODEL (mlp:64), EPOCHS (100), U, WORK, KEEP=1 (keep the scratch folder).
# Prints `kill-retrain: N kills, F failures` and exits 1 when F > 0.
campaign=kill-retrain
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
N="${1:-20}"
ROWS="${ROWS:-8000}"
MODEL="${MODEL:-mlp:64}"
EPOCHS="${EPOCHS:-100}"
started=$(date +%s)

echo "kill-retrain: N=$N SEED=$SEED ROWS=$ROWS store $store"
make_data "$ROWS"
make_store
doctor_note

# Ids never requested yet, in a seeded random order.
mapfile -t pool < <(seq 0 $((ROWS - 1)) | awk -v seed="$SEED" 'BEGIN { srand(seed) } { print rand() "\t" $0 }' | sort -k1,1 | cut -f2)
next=0
acked_ids=()

# Requests one deletion; an id whose `delete` exited 0 is acknowledged.
request_one() {
    local id="row-${pool[$next]}" out request
    next=$((next + 1))
    if out="$("$U" delete --store "$store" --id "$id" --json 2>>"$log")"; then
        request="$(jq -r '.request' <<<"$out" | head -1)"
        acked_ids+=("$id")
        acked_requests+=("$request")
    else
        fail "delete --id $id failed (no kill involved)"
    fi
}

# The longest retrain one request can cause: a whole shard from slice 0. Time three clean ones (ids
# whose receipt places them in slice 0) and kill in [0, 1.25 x the longest): kills then land from
# process start through plan, training, writes, publish and purge; shorter retrains (later slices)
# sometimes finish first.
longest=0; calibrated=0
while [ "$calibrated" -lt 3 ]; do
    id="row-${pool[$next]}"; next=$((next + 1))
    out="$("$U" delete --store "$store" --id "$id" --json 2>>"$log")" || { fail "delete --id $id failed"; continue; }
    acked_ids+=("$id"); acked_requests+=("$(jq -r '.request' <<<"$out")")
    t0=$(now_ms)
    "$U" retrain --store "$store" >>"$log" 2>&1 || fail "clean retrain failed"
    t=$(( $(now_ms) - t0 ))
    [ "$(jq -r '.placements[0].slice' <<<"$out")" = 0 ] || continue
    [ "$t" -gt "$longest" ] && longest=$t
    calibrated=$((calibrated + 1))
done
span=$(( longest * 5 / 4 + 1 ))
echo "kill-retrain: a clean whole-shard retrain takes up to ${longest} ms; kills land uniformly in [0, ${span}) ms"

killed=0; finished=0; published=0; iteration=0
# N counts retrains actually killed mid-run; one that finished before its kill is counted apart
# (at most 4N attempts).
while [ "$killed" -lt "$N" ] && [ "$iteration" -lt $((4 * N)) ]; do
    iteration=$((iteration + 1))
    request_one
    v0="$("$U" status --store "$store" --json 2>>"$log" | jq -r '.version')"
    rand_below "$span"; delay=$r
    "$U" retrain --store "$store" >>"$log" 2>&1 &
    pid=$!
    sleep_ms "$delay"
    kill -9 "$pid" 2>/dev/null || true
    rc=0; { wait "$pid"; } 2>/dev/null || rc=$?
    if [ "$rc" -eq 137 ]; then
        killed=$((killed + 1))
        v1="$("$U" status --store "$store" --json 2>>"$log" | jq -r '.version')"
        [ "$v1" = "$v0" ] || published=$((published + 1))
    elif [ "$rc" -eq 0 ]; then
        finished=$((finished + 1))
    else
        fail "retrain exited $rc (neither finished nor killed)"
    fi
    echo "iteration $iteration: kill at ${delay} ms, retrain exit $rc" >>"$log"
    check_store
    # A rerun finishes the killed job, so work does not pile up: every killed retrain then has about
    # one request's work, and the kill window keeps covering its whole duration.
    "$U" retrain --store "$store" >>"$log" 2>&1 || fail "the rerun after the kill failed (exit $?)"
    pending="$("$U" status --store "$store" --json 2>>"$log" | jq -r '.pendingRequests')"
    [ "$pending" = 0 ] || fail "$pending request(s) still pending after the rerun"
    if [ $((iteration % 25)) -eq 0 ]; then
        echo "kill-retrain: $killed/$N kills after $iteration attempts ($finished finished first, $failures failures)"
    fi
done

# The end: a clean retrain, then every acknowledged id is proven gone, by replay.
iteration=final
"$U" retrain --store "$store" >>"$log" 2>&1 || fail "the final clean retrain failed (exit $?)"
pending="$("$U" status --store "$store" --json | jq -r '.pending_requests // .pendingRequests // empty')"
[ "${pending:-0}" = 0 ] || fail "$pending request(s) still pending after the final retrain"
check_store
for id in "${acked_ids[@]}"; do
    "$U" verify --store "$store" --id "$id" --replay >>"$log" 2>&1 || fail "verify --replay --id $id failed"
done

echo "kill-retrain: ${#acked_ids[@]} acknowledged ids verified by replay; $killed retrains killed mid-run ($published of them after publishing their version), $finished finished before their kill; $(( $(date +%s) - started )) s"
[ "$killed" -ge "$N" ] || fail "only $killed kills landed mid-run in $iteration attempts"
echo "kill-retrain: $killed kills, $failures failures"
[ "$failures" -eq 0 ] || { echo "last lines of $log (KEEP=1 keeps it):"; tail -40 "$log"; exit 1; }
