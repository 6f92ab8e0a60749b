#!/usr/bin/env bash
# Makes sure Debian's Chromium (/usr/bin/chromium) is present for the browser test
# (test/e2e/docs-browser.test.ts). The test command runs this before tap, so a fresh machine
# or a clean CI clone installs it; it is not an npm package because playwright-core's own
# browser download needs the internet, which this project's machines do not have.
#
# Exit status is always 0: when Chromium cannot be installed (not root, no apt-get, no
# network), the browser test itself reports that, and fails under CI=true.
set -uo pipefail

CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"

if [[ -x "$CHROMIUM" ]]; then
  exit 0
fi

if [[ "$(id -u)" != "0" ]] || ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-chromium: $CHROMIUM is missing and cannot be installed here (needs root and apt-get);" \
       "install the Debian package 'chromium' to run the browser test" >&2
  exit 0
fi

echo "ensure-chromium: installing Debian's chromium (first run on this machine)" >&2
export DEBIAN_FRONTEND=noninteractive
# Wait for another apt/dpkg run (another job on the same machine) instead of failing at once.
apt_opts=(-o DPkg::Lock::Timeout=600 -o Acquire::Retries=3)
if ! apt-get "${apt_opts[@]}" install -y --no-install-recommends chromium >/tmp/ensure-chromium.log 2>&1; then
  # The package lists may be missing or stale on a fresh machine.
  apt-get "${apt_opts[@]}" update >>/tmp/ensure-chromium.log 2>&1
  apt-get "${apt_opts[@]}" install -y --no-install-recommends chromium >>/tmp/ensure-chromium.log 2>&1 ||
    { echo "ensure-chromium: apt-get install chromium failed; see /tmp/ensure-chromium.log" >&2; tail -5 /tmp/ensure-chromium.log >&2; }
fi
if [[ -x "$CHROMIUM" ]]; then
  echo "ensure-chromium: $("$CHROMIUM" --version 2>/dev/null || echo installed)" >&2
fi
exit 0
