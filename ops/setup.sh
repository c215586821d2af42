#!/usr/bin/env bash
# Idempotent set-up for a fresh Debian/Ubuntu machine that already has Swift:
# installs the C libraries the package links against, then builds the release binary.
# Usage: ops/setup.sh [--no-build]
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build=1
for arg in "$@"; do
    case "$arg" in
        --no-build) build=0 ;;
        -h|--help) echo "usage: $0 [--no-build]"; exit 0 ;;
        *) echo "setup.sh: unknown argument '$arg' (try --help)" >&2; exit 2 ;;
    esac
done

command -v swift >/dev/null || { echo "setup.sh: 'swift' not found; install a Swift 6 toolchain first (https://swift.org/install)" >&2; exit 1; }
source "$root/ops/lib/apt.sh"

# Headers + pkg-config files for the CSQLite (GRDB), CZstd, CZlib and COpenBLAS system-library
# shims; gnuplot-nox renders 'unlearn bench --report' pictures.
packages=(libsqlite3-dev libzstd-dev zlib1g-dev libopenblas-dev pkg-config gnuplot-nox)
# Tools the fault-injection campaigns use (ops/faults): JSON, the shipped .zst data, the ledger.
packages+=(jq zstd sqlite3 curl)
apt_install setup.sh "${packages[@]}"

if ((build)); then
    (cd "$root" && swift build -c release)
    echo "setup.sh: binary at $root/.build/release/unlearn"
fi
