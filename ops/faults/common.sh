# Shared by ops/faults/kill-retrain.sh and kill-intake.sh (sourced, not run).
# Environment: U (the unlearn binary; default .build/release/unlearn, built when missing),
# SEED (default 42), WORK (scratch folder; default a new temp dir, removed at the end unless KEEP=1).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SEED="${SEED:-42}"
RANDOM="$SEED"
export OPENBLAS_NUM_THREADS=1

if [ -z "${U:-}" ]; then
    U="$root/.build/release/unlearn"
    if [ ! -x "$U" ]; then
        echo "building $U (swift build -c release)"
        (cd "$root" && swift build -c release --product unlearn >/dev/null)
    fi
fi
[ -x "$U" ] || { echo "no unlearn binary at $U" >&2; exit 66; }

if [ -z "${WORK:-}" ]; then
    WORK="$(mktemp -d "${TMPDIR:-/tmp}/unlearn-faults.XXXXXX")"
    [ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$WORK"' EXIT
fi
mkdir -p "$WORK"
store="$WORK/store"
log="$WORK/log"
: >"$log"

failures=0
fail() {
    failures=$((failures + 1))
    echo "FAIL [$campaign iteration ${iteration:-setup}]: $*" | tee -a "$log" >&2
}

# Milliseconds since the epoch.
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# Sets $r to a deterministic random integer in [0, n) from bash's seeded generator (30 bits).
# (Not echoed: a $(...) subshell would not advance the parent's generator.)
rand_below() { r=$(( (RANDOM * 32768 + RANDOM) % $1 )); }

# Sleeps a whole number of milliseconds.
sleep_ms() { sleep "$(printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)))"; }

# Adult rows for the store and a labelled test file for eval.
make_data() {
    local rows="$1"
    # (head closes the pipe early: zstd's SIGPIPE is expected, hence the || true.)
    { zstd -dc "$root/data/adult/adult.data.zst" || true; } | head -n "$rows" >"$WORK/train.csv"
    { zstd -dc "$root/data/adult/adult.test.zst" || true; } | { grep -v '^|' || true; } | head -n 400 >"$WORK/test.csv"
}

# Creates and trains the store: S shards, R slices, a small MLP and e0=50 (Adult
# rows: a retrain of one shard takes up to about a second).
make_store() {
    "$U" init --store "$store" --data "$WORK/train.csv" --format csv --header absent --label last \
        --shards "${SHARDS:-4}" --slices "${SLICES:-4}" --model "${MODEL:-mlp:16}" --epochs "${EPOCHS:-50}" \
        --seed 42 >>"$log" 2>&1 || { echo "init failed, see $log" >&2; tail -5 "$log" >&2; exit 1; }
    "$U" train --store "$store" >>"$log" 2>&1 || { echo "train failed, see $log" >&2; tail -5 "$log" >&2; exit 1; }
}

# Does this binary have 'unlearn doctor'? (The lead adds it on main; until then the fallback runs.)
# (`unlearn doctor --help` exits 0 with the top-level help when there is no such subcommand, so the
# subcommand list is read instead.)
if "$U" --help 2>/dev/null | grep -qE '^  doctor( |$)'; then have_doctor=1; else have_doctor=0; fi
doctor_note() {
    if [ "$have_doctor" = 1 ]; then
        echo "doctor: 'unlearn doctor' is checked after every kill"
    else
        echo "doctor: 'unlearn doctor' is not in this binary; checking 'recover' + 'audit verify' + the live manifest's sha256 instead"
    fi
}

# The live version's files against the sha256 its manifest records (part of the doctor fallback):
# the manifest text is read from the ledger (sqlite3, read-only) and checked against manifest_sha256.
check_live_files() {
    command -v sqlite3 >/dev/null || return 0
    local version manifest recorded
    version="$(jq -r '.version' <<<"$1")"
    manifest="$(sqlite3 -readonly "$store/ledger.sqlite" "SELECT manifest FROM model_version WHERE version = $version")"
    recorded="$(sqlite3 -readonly "$store/ledger.sqlite" "SELECT manifest_sha256 FROM model_version WHERE version = $version")"
    [ -n "$manifest" ] || { echo "no manifest for live version $version" >>"$log"; return 1; }
    [ "$(printf '%s' "$manifest" | sha256sum | cut -d' ' -f1)" = "$recorded" ] \
        || { echo "manifest of version $version does not match its sha256" >>"$log"; return 1; }
    jq -r '.shards[] | (.rows + .checkpoints)[] | "\(.sha256)  \(.path)"' <<<"$manifest" \
        | (cd "$store" && sha256sum --quiet --strict -c -) >>"$log" 2>&1
}

# After a kill: the store opens, doctor passes (or its fallback), every acknowledged request is in
# the ledger, and the live version evaluates. $acked_requests holds the acknowledged request numbers.
acked_requests=()
check_store() {
    local status_json
    if ! status_json="$("$U" status --store "$store" --json 2>>"$log")"; then
        fail "status: the store does not open"; return
    fi
    if [ "$have_doctor" = 1 ]; then
        "$U" doctor --store "$store" >>"$log" 2>&1 || fail "doctor reports damage (exit $?)"
    else
        "$U" recover --store "$store" >>"$log" 2>&1 || fail "recover failed (exit $?)"
        "$U" audit verify --store "$store" >>"$log" 2>&1 || fail "audit verify: the hash chain is broken (exit $?)"
        status_json="$("$U" status --store "$store" --json 2>>"$log")" || { fail "status after recover"; return; }
        check_live_files "$status_json" || fail "a live file does not match its manifest sha256"
    fi
    if [ ${#acked_requests[@]} -gt 0 ]; then
        local present missing
        present="$("$U" audit --store "$store" --format json 2>>"$log" | jq -r '.request')" || { fail "audit query failed"; return; }
        missing="$(comm -23 <(printf '%s\n' "${acked_requests[@]}" | sort -u) <(sort -u <<<"$present"))"
        [ -z "$missing" ] || fail "acknowledged request(s) missing from the ledger: $(echo $missing)"
    fi
    "$U" eval --store "$store" --data "$WORK/test.csv" >>"$log" 2>&1 || fail "eval of the live version failed (exit $?)"
}
