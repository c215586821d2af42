# Sourced by the benchmark scripts: repo root as the working directory, the release binary,
# the shared datasets, a scratch directory, one BLAS thread per process, and small helpers.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
U="${U:-.build/release/unlearn}"
[[ -x "$U" ]] || { echo "bench: no binary at $U; build it with 'bash ops/setup.sh'" >&2; exit 1; }
DATA_DIR="${DATA_DIR:-$root/../shared/data}"
WORK="${WORK:-$(mktemp -d)}"
export OPENBLAS_NUM_THREADS=1

# json EXPR: evaluates a Python expression over `d`, the last JSON line on stdin.
json() { python3 -c "import json,sys; d=json.loads(sys.stdin.read().strip().splitlines()[-1]); print($1)"; }
now() { date +%s.%N; }
