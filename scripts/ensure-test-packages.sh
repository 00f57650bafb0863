#!/usr/bin/env bash
# The browser test drives Debian's Chromium; the scale-out spec starts Debian's redis-server.
# Installs whichever is missing (needs root, as on CI).
set -euo pipefail
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "Missing for the tests: ${missing[*]}. Install Debian's packages (sudo apt-get install -y ${missing[*]}) and run the tests again." >&2
  exit 1
fi
echo "Installing ${missing[*]} from Debian's packages for the tests…"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${missing[@]}" >/dev/null
