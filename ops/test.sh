#!/usr/bin/env bash
# Runs the test suite (debug build). Extra arguments go to `swift test`, e.g. --filter Ledger.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# System libraries only; `swift test` builds what it needs itself.
bash "$root/ops/setup.sh" --no-build

cd "$root"
# One BLAS thread: reproducible sums, and parallel tests don't oversubscribe the cores.
export OPENBLAS_NUM_THREADS=1
exec swift test "$@"
