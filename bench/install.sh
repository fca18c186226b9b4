#!/usr/bin/env bash
# What `make bench` needs besides the Python environment: wrk (the load driver, and the physical limit)
# and Debian's prometheus-blackbox-exporter (the peer the checker is compared with). Installs them with
# apt-get when they are missing and this is root; otherwise says what is missing (the bench then skips
# those comparisons and says so in its report).
set -euo pipefail

missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v prometheus-blackbox-exporter >/dev/null || missing+=(prometheus-blackbox-exporter)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "bench: installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    # The package enables a system service; the bench runs its own exporter on a port of its own.
    if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
        systemctl disable --now prometheus-blackbox-exporter >/dev/null 2>&1 || true
    fi
else
    echo "bench: missing ${missing[*]} (install them: apt-get install ${missing[*]}); those comparisons are skipped" >&2
fi
