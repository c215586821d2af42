#!/usr/bin/env bash
# Kill campaign for intake: N times, a bulk `unlearn delete --ids-from FILE` of K fresh ids is
# SIGKILLed at a random moment across its whole duration. Each time: the bulk is all or nothing
# (the pending requests grew by exactly 0 or K, and the first, middle and last id agree with that),
# an acknowledged bulk (exit 0) is always fully there, and the store passes the same checks as in
# kill-retrain.sh (opens, doctor or its fallback, every acknowledged request present, eval works).
# At the end a clean retrain completes every request; every stored id passes `unlearn verify`, and
# a seeded sample of REPLAY of them (default 20; REPLAY=all for every one) passes `verify --replay`.
#
#   ops/faults/kill-intake.sh [N]       (default 20)
#
# Environment: SEED (42), K (8 ids per bulk), ROWS (12000 Adult rows), REPLAY, SHARDS, SLICES, MODEL,
# EPOCHS (5), U, WORK, KEEP=1. Prints `kill-intake: N kills, F failures` and exits 1 when F > 0.
campaign=kill-intake
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
N="${1:-20}"
K="${K:-8}"
ROWS="${ROWS:-12000}"
EPOCHS="${EPOCHS:-5}"
REPLAY="${REPLAY:-20}"
started=$(date +%s)
[ $(( (2 * N + 6) * K )) -lt $(( ROWS * 3 / 4 )) ] || { echo "kill-intake: 2*N*K must stay under 3/4 of ROWS" >&2; exit 64; }

echo "kill-intake: N=$N K=$K SEED=$SEED ROWS=$ROWS store $store"
make_data "$ROWS"
make_store
doctor_note

mapfile -t pool < <(seq 0 $((ROWS - 1)) | awk -v seed="$SEED" 'BEGIN { srand(seed) } { print rand() "\t" $0 }' | sort -k1,1 | cut -f2)
next=0
stored_ids=()     # ids whose bulk request is in the ledger (acknowledged, or committed just before the kill)
acked_bulks=0

# Writes the next K fresh ids to $WORK/ids.txt.
next_bulk() {
    bulk=()
    for _ in $(seq 1 "$K"); do bulk+=("row-${pool[$next]}"); next=$((next + 1)); done
    { echo "# kill-intake bulk"; printf '%s\n' "${bulk[@]}"; } >"$WORK/ids.txt"
}

pending_requests() {
    "$U" status --store "$store" --json 2>>"$log" | jq -r '.pending_requests // .pendingRequests'
}

# Is there a request for this id in the ledger?
has_request() {
    [ -n "$("$U" audit --store "$store" --id "$1" --format json 2>>"$log")" ]
}

# Records the bulk's requests when its receipts were printed (exit 0).
acknowledge() {
    local out="$1"
    mapfile -t requests < <(jq -r '.request' "$out")
    [ ${#requests[@]} -eq "$K" ] || fail "an acknowledged bulk printed ${#requests[@]} receipts, not $K"
    acked_requests+=("${requests[@]}")
    acked_bulks=$((acked_bulks + 1))
}

# A typical bulk's duration: the median of five clean ones (after one to warm the caches).
times=()
for i in 0 1 2 3 4 5; do
    next_bulk
    t0=$(now_ms)
    if "$U" delete --store "$store" --ids-from "$WORK/ids.txt" --json >"$WORK/out.json" 2>>"$log"; then
        acknowledge "$WORK/out.json"; stored_ids+=("${bulk[@]}")
    else
        fail "clean bulk delete failed"
    fi
    [ "$i" -eq 0 ] || times+=($(( $(now_ms) - t0 )))
done
typical=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 3p)
span=$(( typical * 5 / 4 + 1 ))
echo "kill-intake: a clean bulk of $K takes ${typical} ms (median); kills land uniformly in [0, ${span}) ms"

none=0; all=0; acked=0; killed=0; iteration=0
# N counts bulks actually killed (exit 137); one that finished first is counted apart (at most 4N).
while [ "$killed" -lt "$N" ] && [ "$iteration" -lt $((4 * N)) ] && [ $(( (next + K) * 4 )) -lt $((ROWS * 3)) ]; do
    iteration=$((iteration + 1))
    next_bulk
    before="$(pending_requests)"
    rand_below "$span"; delay=$r
    "$U" delete --store "$store" --ids-from "$WORK/ids.txt" --json >"$WORK/out.json" 2>>"$log" &
    pid=$!
    sleep_ms "$delay"
    kill -9 "$pid" 2>/dev/null || true
    rc=0; { wait "$pid"; } 2>/dev/null || rc=$?
    after="$(pending_requests)" || { fail "status: the store does not open"; continue; }
    delta=$(( after - before ))
    echo "iteration $iteration: kill at ${delay} ms, delete exit $rc, pending $before -> $after" >>"$log"
    first="${bulk[0]}"; middle="${bulk[$((K / 2))]}"; last="${bulk[$((K - 1))]}"
    if [ "$delta" -eq "$K" ]; then
        all=$((all + 1)); stored_ids+=("${bulk[@]}")
        for id in "$first" "$middle" "$last"; do has_request "$id" || fail "bulk counted whole but $id has no request"; done
    elif [ "$delta" -eq 0 ]; then
        none=$((none + 1))
        [ "$rc" -ne 0 ] || fail "delete exited 0 but none of the $K requests is in the ledger"
        for id in "$first" "$middle" "$last"; do ! has_request "$id" || fail "bulk counted absent but $id has a request"; done
    else
        fail "PARTIAL bulk: $delta of $K requests stored (exit $rc)"
    fi
    # The window follows the machine's load: a bulk that finished first narrows it, a kill widens it
    # a little (about three kills in four attempts).
    if [ "$rc" -eq 0 ]; then acked=$((acked + 1)); acknowledge "$WORK/out.json"; span=$(( span * 9 / 10 + 1 ))
    elif [ "$rc" -eq 137 ]; then killed=$((killed + 1)); span=$(( span * 103 / 100 + 1 ))
    else fail "delete exited $rc (neither finished nor killed)"; fi
    check_store
    if [ $((iteration % 25)) -eq 0 ]; then
        echo "kill-intake: $killed/$N kills after $iteration attempts (bulks whole $all, absent $none, acknowledged $acked, $failures failures)"
    fi
done

# The end: a clean retrain completes every request; every stored id is gone, a sample by replay.
iteration=final
"$U" retrain --store "$store" >>"$log" 2>&1 || fail "the final clean retrain failed (exit $?)"
pending="$(pending_requests)"
[ "$pending" = 0 ] || fail "$pending request(s) still pending after the final retrain"
check_store
completed="$("$U" audit --store "$store" --format json | jq -r 'select(.status == "completed") | .request' | wc -l)"
[ "$completed" -eq "${#stored_ids[@]}" ] || fail "$completed completed requests, expected ${#stored_ids[@]}"
for id in "${stored_ids[@]}"; do
    "$U" verify --store "$store" --id "$id" >>"$log" 2>&1 || fail "verify --id $id failed"
done
replayed=0
if [ "$REPLAY" = all ]; then sample=("${stored_ids[@]}"); else
    sample=(); for _ in $(seq 1 "$REPLAY"); do rand_below ${#stored_ids[@]}; sample+=("${stored_ids[$r]}"); done
fi
for id in "${sample[@]}"; do
    "$U" verify --store "$store" --id "$id" --replay >>"$log" 2>&1 || fail "verify --replay --id $id failed"
    replayed=$((replayed + 1))
done

echo "kill-intake: final kill window ${span} ms"
echo "kill-intake: bulks all-or-nothing: $all whole, $none absent, 0 partial allowed; $acked acknowledged by exit 0;" \
     "${#stored_ids[@]} stored ids verified, $replayed by replay; $(( $(date +%s) - started )) s"
[ "$killed" -ge "$N" ] || fail "only $killed kills landed in $iteration attempts (ROWS too small for N and K?)"
echo "kill-intake: $killed kills, $failures failures"
[ "$failures" -eq 0 ] || { echo "last lines of $log (KEEP=1 keeps it):"; tail -40 "$log"; exit 1; }
