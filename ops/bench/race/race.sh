#!/usr/bin/env bash
# Peer race: the same MLP 784-128-10 (ReLU, Adam lr 1e-3, cross-entropy) trained on MNIST by
# unlearn's trainer and by PyTorch CPU, one thread each. Per batch size: median samples/s over
# ROUNDS alternating runs, their ratio (unlearn / torch, > 1 means unlearn is faster), and test
# accuracy after EPOCHS epochs so speed is not bought with wrong math.
#
# Usage: ops/bench/race/race.sh     (env: BATCHES="16 64 256", ROUNDS=3, EPOCHS=1, DATA_DIR,
#                                    ADAM=default|foreach|fused for the torch optimizer kernel,
#                                    INIT=torch|unlearn for the torch weight init)
# First run creates $ROOT/.venv-race and pip-installs numpy + torch (CPU wheel).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
cd "$root"
U="${UNLEARN_BIN:-$root/.build/release/unlearn}"
VENV="$root/.venv-race"
TORCH_SPEC="${TORCH_SPEC:-torch==2.13.0+cpu}"
DATA_DIR="${DATA_DIR:-${DATA:-$root/../shared/data}}"
BATCHES="${BATCHES:-16 64 256}" ROUNDS="${ROUNDS:-3}" EPOCHS="${EPOCHS:-1}" ADAM="${ADAM:-default}"
INIT="${INIT:-torch}"
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
die() { echo "race.sh: $*" >&2; exit 1; }

[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || die "ROUNDS must be a positive integer, got '$ROUNDS'"
[[ "$EPOCHS" =~ ^[1-9][0-9]*$ ]] || die "EPOCHS must be a positive integer, got '$EPOCHS'"
for b in $BATCHES; do [[ "$b" =~ ^[1-9][0-9]*$ ]] || die "BATCHES must be positive integers, got '$b'"; done

mnist="$DATA_DIR/mnist"
train_x="$mnist/train-images-idx3-ubyte" train_y="$mnist/train-labels-idx1-ubyte"
test_x="$mnist/t10k-images-idx3-ubyte" test_y="$mnist/t10k-labels-idx1-ubyte"
for f in "$train_x" "$train_y" "$test_x" "$test_y"; do
    [[ -r "$f" ]] || die "missing MNIST file $f (set DATA_DIR to the folder holding mnist/)"
done

# --- PyTorch in a private venv; never a fake ratio if it cannot be had. ---
py="$VENV/bin/python"
if ! { [[ -x "$py" ]] && "$py" -c 'import numpy, torch' 2>/dev/null; }; then
    command -v python3 >/dev/null || die "python3 not found; needed for the PyTorch side"
    echo "race.sh: installing numpy and $TORCH_SPEC into $VENV (one time)"
    t0=$(date +%s.%N)
    [[ -x "$py" ]] || python3 -m venv "$VENV" || die "could not create venv $VENV (is python3-venv installed?)"
    "$py" -m pip install --quiet numpy "$TORCH_SPEC" \
        || die "pip could not install numpy + $TORCH_SPEC; no race without PyTorch"
    t1=$(date +%s.%N)
    echo "race.sh: torch install took $(python3 -c "print('%.1f' % ($t1 - $t0))")s"
fi
torch_version="$("$py" -c 'import torch; print(torch.__version__)' 2>&1)" \
    || die "PyTorch is installed in $VENV but does not import: $torch_version"

# --- unlearn release binary. ---
if [[ ! -x "$U" ]]; then
    echo "race.sh: $U missing; building it with ops/setup.sh"
    bash "$root/ops/setup.sh" || die "ops/setup.sh failed; cannot race without the unlearn binary"
fi

out="$(mktemp)"
trap 'rm -f "$out"' EXIT
run_unlearn() {
    "$U" bench trainer --format idx --data "$train_x" --labels "$train_y" \
        --test-data "$test_x" --test-labels "$test_y" --model mlp:128 --optimizer adam \
        --batch "$1" --epochs "$EPOCHS" --lr 0.001 --seed "$2" --json \
        | tail -n 1 | sed 's/^{/{"side":"unlearn",/' >> "$out"
}
run_torch() {
    "$py" "$here/torch_mlp.py" --data "$train_x" --labels "$train_y" \
        --test-data "$test_x" --test-labels "$test_y" \
        --batch "$1" --epochs "$EPOCHS" --lr 0.001 --seed "$2" --adam "$ADAM" --init "$INIT" \
        | tail -n 1 | sed 's/^{/{"side":"torch",/' >> "$out"
}

echo "race.sh: unlearn vs PyTorch $torch_version (Adam: $ADAM, init: $INIT), MLP 784-128-10, MNIST, 1 thread each"
echo "race.sh: epochs=$EPOCHS rounds=$ROUNDS batches=[$BATCHES] load average: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')"
for b in $BATCHES; do
    for r in $(seq "$ROUNDS"); do
        # Alternate who goes first so slow drift (other load, thermal) hits both sides alike.
        if ((r % 2)); then run_unlearn "$b" "$r"; run_torch "$b" "$r"
        else run_torch "$b" "$r"; run_unlearn "$b" "$r"; fi
    done
done

"$py" - "$out" "$EPOCHS" "$ROUNDS" "$torch_version" "$ADAM" "$INIT" <<'EOF'
import json, statistics, sys
path, epochs, rounds, torch_version, adam, init = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), *sys.argv[4:7]
runs = [json.loads(l) for l in open(path) if l.strip()]
batches = list(dict.fromkeys(r["batch"] for r in runs))
rows = []
for b in batches:
    u = [r for r in runs if r["batch"] == b and r["side"] == "unlearn"]
    t = [r for r in runs if r["batch"] == b and r["side"] == "torch"]
    if len(u) != rounds or len(t) != rounds:
        sys.exit(f"race.sh: batch {b}: got {len(u)} unlearn and {len(t)} torch results, expected {rounds} each")
    us = statistics.median(r["unlearn_samples_per_s"] for r in u)
    ts = statistics.median(r["torch_samples_per_s"] for r in t)
    rows.append({
        "batch": b,
        "unlearn_samples_per_s": round(us, 1),
        "torch_samples_per_s": round(ts, 1),
        "ratio": round(us / ts, 3),
        "unlearn_accuracy": round(statistics.median(r["accuracy"] for r in u), 4),
        "torch_accuracy": round(statistics.median(r["accuracy"] for r in t), 4),
        "epochs": epochs,
        "rounds": rounds,
        "torch_version": torch_version,
        "torch_adam": adam,
        "torch_init": init,
        "unlearn_runs_samples_per_s": [round(r["unlearn_samples_per_s"], 1) for r in u],
        "torch_runs_samples_per_s": [round(r["torch_samples_per_s"], 1) for r in t],
        "unlearn_runs_accuracy": [r["accuracy"] for r in u],
        "torch_runs_accuracy": [r["accuracy"] for r in t],
    })
print()
print(f"epochs: {epochs}, rounds: {rounds} (medians), ratio = unlearn / torch (> 1: unlearn faster)")
print()
print("| batch | unlearn samples/s | torch samples/s | ratio | unlearn acc | torch acc |")
print("|---:|---:|---:|---:|---:|---:|")
for r in rows:
    print(f"| {r['batch']} | {r['unlearn_samples_per_s']:,.0f} | {r['torch_samples_per_s']:,.0f} | "
          f"{r['ratio']:.2f}x | {100 * r['unlearn_accuracy']:.2f}% | {100 * r['torch_accuracy']:.2f}% |")
print()
for r in rows:
    print(json.dumps(r))
warn = [r["batch"] for r in rows if abs(r["unlearn_accuracy"] - r["torch_accuracy"]) > 0.015]
if warn:
    print(f"race.sh: WARNING: accuracies differ by more than 1.5 points at batch {warn}; the speed ratio is suspect there",
          file=sys.stderr)
EOF
