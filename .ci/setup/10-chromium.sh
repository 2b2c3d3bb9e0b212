#!/usr/bin/env bash
# Debian's Chromium, for the browser tests (the HTML report and the dashboard, driven by playwright through
# executable_path; never `playwright install`) and for kaleido's chart images. Installed when missing.
set -euo pipefail
if ! command -v chromium >/dev/null 2>&1; then
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq >/dev/null
  $SUDO apt-get install -y -qq chromium >/dev/null
fi
echo "$(chromium --version 2>/dev/null) at $(command -v chromium)" >&2
