#!/usr/bin/env bash
# POST /loss with binary-encoded tensors: logits as float32 and labels as uint8, each the base64
# of its little-endian bytes (perl's pack writes them; numpy's tobytes() does the same), and the
# gradient asked back as a base64 float64 tensor, decoded here with base64 -d and od.
# FOCAL_LOSS_URL (default http://localhost:3000), FOCAL_LOSS_API_KEY (when the service has API_KEYS).
set -euo pipefail
URL="${FOCAL_LOSS_URL:-http://localhost:3000}"
auth=()
[[ -n "${FOCAL_LOSS_API_KEY:-}" ]] && auth=(-H "authorization: Bearer $FOCAL_LOSS_API_KEY")

logits=$(perl -e 'print pack("f<*", 2.5, -1.0, 1000)' | base64 -w0)   # float32, little-endian
targets=$(perl -e 'print pack("C*", 1, 0, 1)' | base64 -w0)            # uint8
body=$(cat <<JSON
{"mode": "binary", "gamma": 0.5, "outputs": ["loss", "gradient"], "encoding": "base64", "dtype": "float64",
 "logits":  {"dtype": "float32", "shape": [3], "data": "$logits"},
 "targets": {"dtype": "uint8",   "shape": [3], "data": "$targets"}}
JSON
)
echo "request body:"
echo "$body"
response=$(curl -sS --fail-with-body -X POST "$URL/loss" -H 'content-type: application/json' "${auth[@]}" -d "$body")
echo "response:"
echo "$response"
echo "gradient, decoded:"
# The "data" of the gradient tensor: base64 -> 3 little-endian float64 values.
echo "$response" | sed -E 's/.*"gradient":\{[^}]*"data":"([^"]*)".*/\1/' | base64 -d | od -A n -t f8 -v
