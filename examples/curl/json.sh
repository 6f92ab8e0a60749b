#!/usr/bin/env bash
# POST /loss with JSON arrays: a binary batch of three examples.
# FOCAL_LOSS_URL (default http://localhost:3000), FOCAL_LOSS_API_KEY (when the service has API_KEYS).
set -euo pipefail
URL="${FOCAL_LOSS_URL:-http://localhost:3000}"
auth=()
[[ -n "${FOCAL_LOSS_API_KEY:-}" ]] && auth=(-H "authorization: Bearer $FOCAL_LOSS_API_KEY")

curl -sS --fail-with-body -X POST "$URL/loss" -H 'content-type: application/json' "${auth[@]}" \
  -d '{"mode":"binary","logits":[2.5,-1.0,1000],"targets":[1,0,1],"gamma":0.5,"outputs":["loss","gradient"]}'
echo
