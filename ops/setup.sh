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
command -v dpkg-query >/dev/null || { echo "setup.sh: needs a Debian-based system (dpkg-query not found)" >&2; exit 1; }

# Headers + pkg-config files for the CSQLite (GRDB), CZstd, CZlib and COpenBLAS system-library
# shims; gnuplot-nox renders 'unlearn bench --report' pictures.
packages=(libsqlite3-dev libzstd-dev zlib1g-dev libopenblas-dev pkg-config gnuplot-nox)
# Tools the fault-injection campaigns use (ops/faults): JSON, the shipped .zst data, the ledger.
packages+=(jq zstd sqlite3 curl)
missing=()
for p in "${packages[@]}"; do
    # dpkg-query fails for unknown packages; treat that like "not installed".
    status="$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)"
    [[ "$status" == "install ok installed" ]] || missing+=("$p")
done

if ((${#missing[@]})); then
    # sudo only when we are not root, and only if it exists (minimal containers run as root without sudo).
    sudo=()
    if ((EUID != 0)); then
        command -v sudo >/dev/null || { echo "setup.sh: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
        sudo=(sudo)
    fi
    echo "setup.sh: installing ${missing[*]}"
    "${sudo[@]}" apt-get update
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
else
    echo "setup.sh: system packages already installed"
fi

if ((build)); then
    (cd "$root" && swift build -c release)
    echo "setup.sh: binary at $root/.build/release/unlearn"
fi
