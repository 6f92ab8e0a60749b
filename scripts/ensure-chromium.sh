#!/usr/bin/env bash
# Makes sure Debian's Chromium (/usr/bin/chromium) is present for the browser test
# (test/e2e/docs-browser.test.ts). The test command runs this before tap, so a fresh machine
# or a clean CI clone installs it; it is not an npm package because playwright-core's own
# browser download needs the internet, which this project's machines do not have.
#
# Exit status is always 0: when Chromium cannot be installed (not root, no apt-get, no
# network), the browser test itself reports that, and fails under CI=true.
set -uo pipefail
source "$(dirname "$0")/apt-install.sh"

CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"

if [[ -x "$CHROMIUM" ]]; then
  exit 0
fi

apt_install ensure-chromium "$CHROMIUM" chromium
if [[ -x "$CHROMIUM" ]]; then
  echo "ensure-chromium: $("$CHROMIUM" --version 2>/dev/null || echo installed)" >&2
fi
exit 0
