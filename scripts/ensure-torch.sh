#!/usr/bin/env bash
# Makes sure Debian's PyTorch (python3-torch) is present for the benchmarks' reference column
# (bench/torch.ts runs ../shared/bench/torch_focal.py's copy, bench/torch_focal.py, with it).
# `npm run bench` runs this first, so a fresh machine measures against PyTorch in the same run
# instead of printing "torch rows skipped". Never fails: without torch the benchmark still runs
# and says which rows it skipped and why.
set -uo pipefail
source "$(dirname "$0")/apt-install.sh"

PYTHON="${TORCH_PYTHON:-/usr/bin/python3}"
if [[ -x "$PYTHON" ]] && "$PYTHON" -c 'import torch' >/dev/null 2>&1; then
  exit 0
fi
apt_install ensure-torch "$PYTHON with PyTorch" python3-torch
"$PYTHON" -c "import torch; print('ensure-torch: torch', torch.__version__)" >&2 || true
exit 0
