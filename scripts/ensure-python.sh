#!/usr/bin/env bash
# Makes sure Debian's Python with NumPy, requests, pytest, venv and setuptools is present for the
# Python client's tests (test/clients/python-client.test.ts installs clients/python into a venv
# of /usr/bin/python3 and runs its pytest suite). The test command runs this before tap, so a
# fresh machine or a clean CI clone installs them; Debian's packages, not pip: Debian 12's Python
# refuses pip installs outside a venv (externally-managed-environment), and these machines have
# no PyPI access.
#
# Exit status is always 0: when the packages cannot be installed (not root, no apt-get, no
# network), the Python test itself reports that, and fails under CI=true.
set -uo pipefail
source "$(dirname "$0")/apt-install.sh"

PYTHON="${FOCAL_PYTHON:-/usr/bin/python3}"
CHECK='import numpy, requests, pytest, venv, ensurepip, setuptools'

if [[ -x "$PYTHON" ]] && "$PYTHON" -c "$CHECK" >/dev/null 2>&1; then
  exit 0
fi
apt_install ensure-python "$PYTHON with numpy, requests, pytest, venv and setuptools" \
  python3-numpy python3-requests python3-pytest python3-venv python3-setuptools
"$PYTHON" -c "$CHECK; print('ensure-python: numpy', numpy.__version__, 'requests', requests.__version__, 'pytest', pytest.__version__)" >&2 || true
exit 0
