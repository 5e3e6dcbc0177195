#!/usr/bin/env bash
# Installs Debian's Chromium for the web page's browser tests (playwright-core drives it; Playwright's own browser
# download is not reachable here). Idempotent: nothing happens when /usr/bin/chromium exists. Root, non-interactive.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

if [ -x /usr/bin/chromium ]; then
  echo "[setup-chromium] $(/usr/bin/chromium --version 2>/dev/null | head -1) already installed"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "[setup-chromium] Chromium is missing and this is not root: run 'sudo apt-get install -y chromium' (the browser tests need it)." >&2
  exit 1
fi
echo "[setup-chromium] installing Debian's chromium"
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium >/dev/null
/usr/bin/chromium --version
