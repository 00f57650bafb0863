#!/usr/bin/env bash
# The /docs browser test drives Debian's Chromium. Installs it when missing (needs root, as on CI).
set -euo pipefail
if [ -x /usr/bin/chromium ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
  echo "Chromium is missing: install Debian's package (sudo apt-get install -y chromium) and run the tests again." >&2
  exit 1
fi
echo "Installing Chromium from Debian's packages for the browser test…"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq chromium >/dev/null
