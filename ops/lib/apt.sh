# Sourced by ops/setup.sh and ops/fides/install.sh: apt_install WHO PACKAGE...
# Installs the Debian packages that are missing (apt-get update once, only when something is),
# with sudo only when not root. WHO names the calling script in messages.
apt_install() {
    local who="$1"; shift
    command -v dpkg-query >/dev/null || { echo "$who: needs a Debian-based system (dpkg-query not found)" >&2; exit 1; }
    local missing=() p status
    for p in "$@"; do
        # dpkg-query fails for unknown packages; treat that like "not installed".
        status="$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)"
        [[ "$status" == "install ok installed" ]] || missing+=("$p")
    done
    if ((${#missing[@]} == 0)); then
        echo "$who: system packages already installed"
        return 0
    fi
    # sudo only when we are not root, and only if it exists (minimal containers run as root without sudo).
    local sudo=()
    if ((EUID != 0)); then
        command -v sudo >/dev/null || { echo "$who: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
        sudo=(sudo)
    fi
    echo "$who: installing ${missing[*]}"
    "${sudo[@]}" apt-get update
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
}
