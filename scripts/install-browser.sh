#!/usr/bin/env bash
# Debian's Chromium for the browser tests (Playwright drives it; nothing downloads a browser).
# Needs root (CI runs as root). Without root it says what to run and exits non-zero.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
    exit 0
fi
if [ "$(id -u)" != "0" ]; then
    echo "Chromium is missing: run 'sudo apt-get install chromium' for the browser tests." >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
/usr/bin/chromium --version
