#!/usr/bin/env bash
# End to end with a REAL fides: fides sends an erasure through the unlearn SaaS connector
# (ops/fides/unlearn_config.yml + unlearn_dataset.yml, callback strategy) to a real
# `unlearn serve`; unlearn retrains, publishes, purges, then calls fides back; fides marks the
# privacy request complete. Everything runs on 127.0.0.1 and is stopped on exit.
#
# Checks, each one failing the run:
#   * fides reports the privacy request `complete` (bounded wait);
#   * unlearn really received the erasure (its request carries fides's privacy request id as
#     external_id) and completed it; `unlearn verify --replay --id <record>` passes;
#   * the callback completed fides's task: the erasure request task has callback_succeeded and
#     rows_masked = 1 in fides's database, and fides logged "Callback received".
#
# Usage: ops/fides/e2e.sh [--case callback|kill] [--register api|template]
#   --case kill      SIGKILLs `unlearn serve` after it accepted the erasure (before the retrain),
#                    restarts it; fides must still complete.
#   --register template  registers the connector as a template zip instead of the API calls.
# Env: FIDES_VENV (default $HOME/.cache/unlearn-fides-venv; make it with ops/fides/install.sh),
#      UNLEARN_BIN (default .build/release/unlearn, built when missing), RECORD (default row-123),
#      E2E_TIMEOUT (seconds fides may take to complete, default 300), KEEP=1 keeps the work dir.
# Not in CI: fides needs an ~800 MB venv, PostgreSQL and Redis.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
here="$root/ops/fides"
case_name=callback
register=api
while (($#)); do
    case "$1" in
        --case) case_name="${2:-}"; shift 2 ;;
        --register) register="${2:-}"; shift 2 ;;
        -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
        *) echo "e2e.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
    esac
done
[[ "$case_name" == callback || "$case_name" == kill ]] || { echo "e2e.sh: --case must be callback or kill" >&2; exit 2; }
[[ "$register" == api || "$register" == template ]] || { echo "e2e.sh: --register must be api or template" >&2; exit 2; }

venv="${FIDES_VENV:-$HOME/.cache/unlearn-fides-venv}"
U="${UNLEARN_BIN:-$root/.build/release/unlearn}"
record="${RECORD:-row-123}"
timeout="${E2E_TIMEOUT:-300}"
start_time=$SECONDS

say() { printf '[e2e %4ds] %s\n' "$((SECONDS - start_time))" "$*"; }
fail() { say "FAIL: $*"; summary FAIL; exit 1; }
for tool in curl jq pg_lsclusters redis-server zip; do
    command -v "$tool" >/dev/null || { echo "e2e.sh: '$tool' not found; run ops/fides/install.sh" >&2; exit 1; }
done
[[ -x "$venv/bin/uvicorn" ]] || { echo "e2e.sh: no fides venv at $venv; run ops/fides/install.sh (or set FIDES_VENV)" >&2; exit 1; }
if [[ ! -x "$U" ]]; then
    [[ -z "${UNLEARN_BIN:-}" ]] || { echo "e2e.sh: UNLEARN_BIN '$U' is not executable" >&2; exit 1; }
    say "building the release binary (swift build -c release --product unlearn)"
    (cd "$root" && swift build -c release --product unlearn >/dev/null)
fi
# A binary without the fides callback still runs everything up to fides's wait for the callback,
# which then times out: useful to see how far a build gets, never a PASS.
fides_url_option=1
"$U" serve --help 2>/dev/null | grep -q -- '--fides-url' || fides_url_option=""

work="$(mktemp -d /tmp/unlearn-fides-e2e.XXXXXX)"
chmod 700 "$work"
unlearn_pid="" fides_pid="" redis_pid="" pg_started="" pg_db="" pg_user=""
declare -A timing
summary() {
    local verdict="$1"
    echo
    echo "== fides e2e ($case_name, registered via $register): $verdict"
    [[ -n "${fides_version:-}" ]] && echo "   fides $fides_version; unlearn $U (repo at $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown))"
    for k in fides_ready connector_ready fides_complete total; do
        [[ -n "${timing[$k]:-}" ]] && printf '   %-16s %ss\n' "$k" "${timing[$k]}"
    done
    if [[ "$verdict" == FAIL || -n "${KEEP:-}" ]]; then echo "   logs kept: $work (unlearn.err, fides.log)"; else echo "   (KEEP=1 keeps the logs)"; fi
}
cleanup() {
    local rc=$?
    set +e  # a stopped server's non-zero wait status must not end the clean-up early
    [[ -n "$unlearn_pid" ]] && kill -TERM "$unlearn_pid" 2>/dev/null && wait "$unlearn_pid" 2>/dev/null
    [[ -n "$fides_pid" ]] && kill -TERM "$fides_pid" 2>/dev/null && wait "$fides_pid" 2>/dev/null
    [[ -n "$redis_pid" ]] && kill -TERM "$redis_pid" 2>/dev/null && wait "$redis_pid" 2>/dev/null
    if [[ -n "$pg_db" ]]; then
        psql_admin -c "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)" >/dev/null 2>&1 || true
        psql_admin -c "DROP ROLE IF EXISTS $pg_user" >/dev/null 2>&1 || true
    fi
    [[ -n "$pg_started" ]] && pg_ctlcluster "$pg_version" "$pg_cluster" stop 2>/dev/null
    if ((rc != 0)) || [[ -n "${KEEP:-}" ]]; then echo "e2e.sh: work dir kept: $work"; else rm -rf "$work"; fi
    return $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# wait_until SECONDS DESCRIPTION COMMAND...: polls every 0.5 s; fails with DESCRIPTION on timeout.
wait_until() {
    local limit="$1" what="$2"; shift 2
    local deadline=$((SECONDS + limit))
    until "$@"; do
        ((SECONDS < deadline)) || fail "timed out after ${limit}s waiting for $what"
        sleep 0.5
    done
}
free_port() { "$venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
random_text() { "$venv/bin/python" -c "import secrets,string; print(''.join(secrets.choice(string.ascii_letters+string.digits) for _ in range($1)))"; }

# ---- PostgreSQL (the machine's cluster, loopback only) and a throwaway database ----
read -r pg_version pg_cluster pg_port pg_status _ < <(pg_lsclusters -h | head -1)
[[ -n "${pg_version:-}" ]] || fail "no PostgreSQL cluster (pg_lsclusters is empty); run ops/fides/install.sh"
psql_admin() { runuser -u postgres -- psql -p "$pg_port" -v ON_ERROR_STOP=1 -q "$@"; }
if [[ "$pg_status" != online* ]]; then
    pg_ctlcluster "$pg_version" "$pg_cluster" start -- -o "-c listen_addresses=127.0.0.1" || fail "pg_ctlcluster $pg_version $pg_cluster start failed"
    pg_started=1
fi
pg_user="fides_e2e_$$" pg_db="fides_e2e_$$"
pg_password="$(random_text 24)"
psql_admin -c "CREATE ROLE $pg_user LOGIN PASSWORD '$pg_password'" || fail "could not create the PostgreSQL role"
psql_admin -c "CREATE DATABASE $pg_db OWNER $pg_user" || fail "could not create the PostgreSQL database"
say "PostgreSQL $pg_version/$pg_cluster on 127.0.0.1:$pg_port, database $pg_db"

# ---- Redis on a free loopback port, no persistence ----
redis_port="$(free_port)"
redis_password="$(random_text 24)"
redis-server --bind 127.0.0.1 --port "$redis_port" --requirepass "$redis_password" --save '' --appendonly no \
    --dir "$work" > "$work/redis.log" 2>&1 &
redis_pid=$!
wait_until 20 "redis to answer" redis-cli -p "$redis_port" -a "$redis_password" --no-auth-warning ping >/dev/null 2>&1
say "Redis on 127.0.0.1:$redis_port"

# ---- unlearn: a small real store (Adult data, trains in seconds), tokens ----
export OPENBLAS_NUM_THREADS=1
store="$work/store"
"$U" init --store "$store" --data "$root/data/adult/adult.data.zst" --format csv --label last --shards 4 --slices 2 \
    --model mlp:16 --epochs 2 --seed 1 > "$work/init.out" || fail "unlearn init failed (see $work/init.out)"
"$U" train --store "$store" > "$work/train.out" || fail "unlearn train failed"
intake_token="$("$U" token create --store "$store" --role intake --name fides 2>/dev/null)"
audit_token="$("$U" token create --store "$store" --role audit --name e2e-audit 2>/dev/null)"
fides_port="$(free_port)"
fides_url="http://127.0.0.1:$fides_port"

# start_unlearn PORT [SERVE OPTIONS...]: starts `unlearn serve` in the background, sets unlearn_url.
start_unlearn() {
    local port="$1"; shift
    local callback=()
    [[ -n "$fides_url_option" ]] && callback=(--fides-url "$fides_url")
    "$U" serve --store "$store" --host 127.0.0.1 --port "$port" "${callback[@]}" "$@" \
        > "$work/unlearn.out" 2>> "$work/unlearn.err" &
    unlearn_pid=$!
    local got=""
    for _ in $(seq 300); do
        got="$(sed -n 's|^listening on \(http://127.0.0.1:[0-9]*\)$|\1|p' "$work/unlearn.out")"
        [[ -n "$got" ]] && break
        kill -0 "$unlearn_pid" 2>/dev/null || fail "unlearn serve exited: $(tail -5 "$work/unlearn.err")"
        sleep 0.1
    done
    [[ -n "$got" ]] || fail "unlearn serve did not start within 30 s"
    unlearn_url="$got"
}
first_window=0.2s
# The kill case keeps the first server from retraining (a long batch window) so that the SIGKILL
# lands between accepting the erasure and completing it.
[[ "$case_name" == kill ]] && first_window=600s
start_unlearn 0 --batch-window "$first_window"
say "unlearn serve at $unlearn_url (fides-url $fides_url, batch window $first_window)"
[[ -n "$fides_url_option" ]] || say "WARNING: $U has no 'serve --fides-url': unlearn cannot call fides back, so fides will wait"

# ---- fides on 127.0.0.1 ----
fides_client_id="unlearn-e2e"
fides_client_secret="$(random_text 32)"
fides_env=(
    FIDES__DEV_MODE=true                                  # loopback downstreams are refused otherwise
    FIDES__EXECUTION__INTERRUPTED_TASK_REQUEUE_INTERVAL=86400  # 2.78.2 watchdog errors parked callback tasks
    FIDES__USER__ANALYTICS_OPT_OUT=true
    FIDES__DATABASE__SERVER=127.0.0.1 FIDES__DATABASE__PORT="$pg_port" FIDES__DATABASE__USER="$pg_user"
    FIDES__DATABASE__PASSWORD="$pg_password" FIDES__DATABASE__DB="$pg_db"
    FIDES__REDIS__HOST=127.0.0.1 FIDES__REDIS__PORT="$redis_port" FIDES__REDIS__PASSWORD="$redis_password"
    FIDES__SECURITY__APP_ENCRYPTION_KEY="$(random_text 32)"
    FIDES__SECURITY__OAUTH_ROOT_CLIENT_ID="$fides_client_id"
    FIDES__SECURITY__OAUTH_ROOT_CLIENT_SECRET="$fides_client_secret"
)
fides_version="$("$venv/bin/python" -c 'from importlib.metadata import version; print(version("ethyca-fides"))')"
(cd "$work" && exec env "${fides_env[@]}" "$venv/bin/uvicorn" fides.api.main:app --host 127.0.0.1 --port "$fides_port" \
    > "$work/fides.log" 2>&1) &
fides_pid=$!
fides_up() {
    kill -0 "$fides_pid" 2>/dev/null || fail "fides exited: $(tail -20 "$work/fides.log")"
    curl -fsS -o /dev/null "$fides_url/health" 2>/dev/null
}
wait_until 180 "fides /health" fides_up
timing[fides_ready]=$((SECONDS - start_time))
say "fides $fides_version at $fides_url"

# ---- fides API: token, policy, connector, secrets ----
api="$fides_url/api/v1"
fides_token="$(curl -fsS -X POST "$api/oauth/token" -d grant_type=client_credentials \
    --data-urlencode "client_id=$fides_client_id" --data-urlencode "client_secret=$fides_client_secret" | jq -r .access_token)"
[[ -n "$fides_token" && "$fides_token" != null ]] || fail "no OAuth token from fides"
# fides_call METHOD PATH [curl args...]: prints the body; fails the run on a non-2xx answer.
fides_call() {
    local method="$1" path="$2"; shift 2
    local out status
    out="$(curl -sS -w '\n%{http_code}' -X "$method" "$api$path" -H "Authorization: Bearer $fides_token" "$@")" \
        || fail "fides $method $path: no answer"
    status="${out##*$'\n'}"; out="${out%$'\n'*}"
    [[ "$status" == 2* ]] || fail "fides $method $path answered $status: $out"
    printf '%s' "$out"
}
fides_json() { local method="$1" path="$2" body="$3"; fides_call "$method" "$path" -H 'Content-Type: application/json' -d "$body"; }
yaml_to_json() { "$venv/bin/python" -c 'import json,sys,yaml; print(json.dumps(yaml.safe_load(sys.stdin)))'; }

policy=unlearn_erasure
fides_json PATCH /dsr/policy "[{\"name\": \"unlearn erasure\", \"key\": \"$policy\"}]" > /dev/null
fides_json PATCH "/dsr/policy/$policy/rule" \
    '[{"name": "erase", "key": "erase", "action_type": "erasure", "masking_strategy": {"strategy": "null_rewrite", "configuration": {}}}]' > /dev/null
fides_json PATCH "/dsr/policy/$policy/rule/erase/target" '[{"name": "user data", "key": "user", "data_category": "user"}]' > /dev/null

key=unlearn_instance
secrets="$(jq -n --arg d "${unlearn_url#http://}" --arg t "$intake_token" '{domain: $d, api_token: $t}')"
if [[ "$register" == api ]]; then
    fides_json PATCH /connection "[{\"name\": \"unlearn\", \"key\": \"$key\", \"connection_type\": \"saas\", \"access\": \"write\"}]" > /dev/null
    sed "s/<instance_fides_key>/$key/g" "$here/unlearn_config.yml" | yaml_to_json | jq .saas_config > "$work/config.json"
    fides_call PATCH "/connection/$key/saas_config" -H 'Content-Type: application/json' --data-binary "@$work/config.json" > /dev/null
    test_result="$(fides_json PUT "/connection/$key/secret" "$secrets")"
    sed "s/<instance_fides_key>/$key/g" "$here/unlearn_dataset.yml" | yaml_to_json | jq .dataset > "$work/dataset.json"
    fides_call PATCH "/connection/$key/dataset" -H 'Content-Type: application/json' --data-binary "@$work/dataset.json" > "$work/dataset.out"
    [[ "$(jq '.succeeded | length' "$work/dataset.out")" == 1 ]] || fail "fides refused the dataset: $(cat "$work/dataset.out")"
else
    (cd "$work" && cp "$here/unlearn_config.yml" config.yml && cp "$here/unlearn_dataset.yml" dataset.yml \
        && zip -q unlearn-connector.zip config.yml dataset.yml)
    fides_call POST /connector-templates/register -F "file=@$work/unlearn-connector.zip;type=application/zip" > /dev/null
    fides_json POST /connection/instantiate/unlearn \
        "$(jq -n --arg k "$key" --argjson s "$secrets" '{name: "unlearn", key: $k, instance_key: $k, secrets: $s}')" > /dev/null
    test_result="$(fides_call GET "/connection/$key/test")"
fi
[[ "$(jq -r .test_status <<<"$test_result")" == succeeded ]] || fail "fides's connection test failed: $test_result"
timing[connector_ready]=$((SECONDS - start_time))
say "connector $key registered ($register), connection test succeeded"

# ---- the privacy request ----
created="$(fides_json POST /privacy-request "[{\"identity\": {\"external_id\": \"$record\"}, \"policy_key\": \"$policy\"}]")"
pr_id="$(jq -r '.succeeded[0].id // empty' <<<"$created")"
[[ -n "$pr_id" ]] || fail "fides did not create the privacy request: $created"
pr_status() { fides_call GET "/privacy-request?request_id=$pr_id" | jq -r '.items[0].status'; }
if [[ "$(pr_status)" == pending ]]; then
    fides_json PATCH /privacy-request/administrate/approve "{\"request_ids\": [\"$pr_id\"]}" > /dev/null
    say "privacy request $pr_id approved"
fi
pr_created=$SECONDS
say "privacy request $pr_id for external_id=$record (policy $policy)"

# unlearn_request: prints unlearn's request for this privacy request (matched by external_id), or fails.
unlearn_request() {
    curl -fsS "$unlearn_url/v1/deletions?limit=100" -H "Authorization: Bearer $audit_token" 2>/dev/null \
        | jq -ce --arg pr "$pr_id" '[.deletions[] | select(.external_id == $pr)] | first // empty'
}
if [[ "$case_name" == kill ]]; then
    unlearn_has_request() { unlearn_request > /dev/null; }
    wait_until 120 "unlearn to accept the erasure" unlearn_has_request
    say "unlearn accepted the erasure: $(unlearn_request | jq -c '{deletion_id, status}')"
    kill -KILL "$unlearn_pid"; wait "$unlearn_pid" 2>/dev/null || true
    port="${unlearn_url##*:}"
    say "SIGKILLed unlearn serve; restarting it on port $port"
    start_unlearn "$port" --batch-window 0.2s
fi

pr_done() {
    local s; s="$(pr_status)"
    case "$s" in
        complete) return 0 ;;
        error|canceled|denied) fail "fides says the privacy request is '$s' (see $work/fides.log)" ;;
        *) return 1 ;;
    esac
}
wait_until "$timeout" "fides to mark the privacy request complete" pr_done
timing[fides_complete]=$((SECONDS - pr_created))
say "fides: privacy request complete after ${timing[fides_complete]}s"

# ---- did unlearn really do it, and was it the callback? ----
req="$(unlearn_request)" || fail "unlearn has no deletion with external_id $pr_id: fides never called it (check primary_key in the dataset)"
[[ "$(jq -r .status <<<"$req")" == completed ]] || fail "unlearn's request is not completed: $req"
say "unlearn: deletion $(jq -r .deletion_id <<<"$req") completed for external_id $pr_id"
task="$(PGPASSWORD="$pg_password" psql -h 127.0.0.1 -p "$pg_port" -U "$pg_user" -d "$pg_db" -At -F ' ' -c \
    "SELECT status, callback_succeeded, rows_masked FROM requesttask
     WHERE privacy_request_id = '$pr_id' AND action_type = 'erasure' AND collection_address = '$key:training_record'")"
read -r task_status task_callback task_rows <<<"$task"
[[ "$task_status" == complete && "$task_callback" == t && "$task_rows" == 1 ]] \
    || fail "fides's erasure task is not completed by a callback: status=$task_status callback_succeeded=$task_callback rows_masked=$task_rows"
grep -q "Callback received for erasure task $key:training_record" "$work/fides.log" || fail "fides logged no callback for $key:training_record"
say "fides: erasure task $key:training_record complete, callback_succeeded, rows_masked=1"

kill -TERM "$unlearn_pid"; wait "$unlearn_pid" || fail "unlearn serve did not exit 0 on SIGTERM"
unlearn_pid=""
"$U" verify --store "$store" --id "$record" --replay > "$work/verify.out" 2>&1 || fail "unlearn verify --replay failed: $(tail -5 "$work/verify.out")"
say "unlearn verify --replay --id $record: passed"
"$U" audit --store "$store" --id "$record" > "$work/audit.out" || fail "unlearn audit --id failed"
grep -q 'callback.delivered' "$work/audit.out" || fail "unlearn's audit trail for $record has no callback.delivered event"
say "unlearn audit --id $record: $(grep -o 'events .*' "$work/audit.out" | head -1)"
"$U" audit verify --store "$store" > /dev/null || fail "unlearn audit verify failed"
grep -q "Authorization\|$record" "$work/unlearn.err" && fail "unlearn's log shows a token header or the raw record id"

timing[total]=$((SECONDS - start_time))
summary PASS
