#!/usr/bin/env bash
# Installs what ops/fides/e2e.sh needs: a Python venv with fides (PyPI `ethyca-fides`) OUTSIDE the
# repo (it is ~800 MB, so it is never part of CI), plus PostgreSQL and Redis from Debian.
# Idempotent: a venv that already imports fides and installed packages are left alone.
# Usage: ops/fides/install.sh        env: FIDES_VENV (default $HOME/.cache/unlearn-fides-venv),
#                                         FIDES_VERSION (default 2.78.2, the newest reachable here)
set -euo pipefail

venv="${FIDES_VENV:-$HOME/.cache/unlearn-fides-venv}"
version="${FIDES_VERSION:-2.78.2}"

case "${1:-}" in
    -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
    "") ;;
    *) echo "install.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
esac

command -v python3 >/dev/null || { echo "install.sh: python3 not found; install python3 (>= 3.9) first" >&2; exit 1; }

# Debian: the servers fides needs, jq, curl, zstd and zip the e2e script uses, python3-venv for the venv.
packages=(postgresql redis-server jq curl zstd zip)
source "$(dirname "${BASH_SOURCE[0]}")/../lib/apt.sh"
apt_install install.sh "${packages[@]}"

if [[ -x "$venv/bin/python" ]] && "$venv/bin/python" -c 'import fides' 2>/dev/null; then
    echo "install.sh: fides already installed in $venv ($("$venv/bin/pip" show ethyca-fides 2>/dev/null | sed -n 's/^Version: //p'))"
    exit 0
fi
echo "install.sh: creating venv $venv and installing ethyca-fides==$version (~2 minutes, ~800 MB)"
python3 -m venv "$venv" || { echo "install.sh: 'python3 -m venv' failed; install python3-venv" >&2; exit 1; }
"$venv/bin/pip" install --quiet --upgrade pip
"$venv/bin/pip" install --quiet "ethyca-fides==$version"
"$venv/bin/python" -c 'import fides' || { echo "install.sh: fides installed but does not import" >&2; exit 1; }
echo "install.sh: done: $venv ($("$venv/bin/pip" show ethyca-fides | sed -n 's/^Version: //p'))"
