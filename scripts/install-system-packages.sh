#!/usr/bin/env bash
# Debian packages the tests need beyond Python: Chromium for the browser tests (driven by
# Playwright; nothing downloads a browser), poppler-utils to look at PDF pages, and the
# Pango/HarfBuzz libraries and fonts WeasyPrint draws PDFs with (Noto Color Emoji, so emoji in
# post texts show in PDFs and pages rather than as empty boxes).
# Needs root (CI runs as root). Without root it says what to run and exits non-zero.
set -euo pipefail
PACKAGES=(chromium poppler-utils libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core fonts-noto-color-emoji)
missing=()
for package in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
        || missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
if [ "$(id -u)" != "0" ]; then
    echo "Missing system packages: run 'sudo apt-get install ${missing[*]}'." >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "Installed: ${missing[*]}"
