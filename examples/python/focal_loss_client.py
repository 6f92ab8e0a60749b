"""Focal loss from Python with requests + numpy, using the binary (base64) tensor encoding.

Sends a batch of float32 logits and int64 class ids to POST /loss as base64 tensors, asks for
the gradient back as a float64 tensor, retries 429/503 after the Retry-After the service sends,
and checks the answer against a plain NumPy focal loss.

    FOCAL_LOSS_URL=http://localhost:3000 python3 focal_loss_client.py
"""
import base64
import os
import sys
import time

import numpy as np
import requests

URL = os.environ.get("FOCAL_LOSS_URL", "http://localhost:3000")
API_KEY = os.environ.get("FOCAL_LOSS_API_KEY")

# The wire dtypes and their little-endian NumPy equivalents.
DTYPES = {"float32": "<f4", "float64": "<f8", "int32": "<i4", "int64": "<i8", "uint8": "|u1"}


def encode(array):
    """A NumPy array -> {"dtype", "shape", "data": base64 of its little-endian bytes}."""
    name = {np.dtype(v).str: k for k, v in DTYPES.items()}.get(array.dtype.newbyteorder("<").str)
    if name is None:
        raise TypeError(f"no wire dtype for {array.dtype}")
    data = np.ascontiguousarray(array, dtype=DTYPES[name]).tobytes()
    return {"dtype": name, "shape": list(array.shape), "data": base64.b64encode(data).decode("ascii")}


def decode(tensor):
    """{"dtype", "shape", "data"} -> a NumPy array."""
    raw = base64.b64decode(tensor["data"])
    return np.frombuffer(raw, dtype=DTYPES[tensor["dtype"]]).reshape(tensor["shape"])


def focal_loss(logits, targets, mode, retries=8, **options):
    """POST /loss; retries 429 and 503 after Retry-After; raises with the problem's detail otherwise."""
    body = {"mode": mode, "logits": encode(logits), "targets": encode(targets), "encoding": "base64", "dtype": "float64", **options}
    headers = {"authorization": f"Bearer {API_KEY}"} if API_KEY else {}
    for attempt in range(retries + 1):
        res = requests.post(f"{URL}/loss", json=body, headers=headers, timeout=120)
        if res.status_code in (429, 503) and attempt < retries:
            time.sleep(float(res.headers.get("retry-after", 2**attempt * 0.25)))
            continue
        if res.status_code != 200:
            problem = res.json()
            raise RuntimeError(f"{res.status_code} {problem.get('code')}: {problem.get('detail')}")
        out = res.json()
        if "gradient" in out:
            out["gradient"] = decode(out["gradient"])
        return out
    raise AssertionError("unreachable")


def numpy_focal_loss(logits, labels, gamma):
    """The textbook multiclass focal loss, mean over rows (no alpha), for comparison."""
    z = logits.astype(np.float64)
    z = z - z.max(axis=1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    log_pt = log_p[np.arange(len(labels)), labels]
    return float(np.mean(-((1 - np.exp(log_pt)) ** gamma) * log_pt))


def main():
    rng = np.random.default_rng(7)
    n, c = 100_000, 5
    labels = rng.choice(c, size=n, p=[0.5, 0.2, 0.15, 0.1, 0.05]).astype(np.int64)
    logits = rng.normal(size=(n, c)).astype(np.float32)
    logits[np.arange(n), labels] += 2.0

    started = time.perf_counter()
    out = focal_loss(logits, labels, "multiclass", gamma=2.0, class_names=["car", "person", "bike", "truck", "sign"])
    elapsed = time.perf_counter() - started

    reference = numpy_focal_loss(logits, labels, 2.0)
    print(f"POST {URL}/loss: {n} x {c} float32 logits, {elapsed:.2f} s")
    print(f"focal loss (service) {out['loss']:.12f}")
    print(f"focal loss (numpy)   {reference:.12f}   relative difference {abs(out['loss'] - reference) / reference:.1e}")
    print(f"accuracy {out['stats']['accuracy']:.4f}")
    print(f"{'class':<8}{'support':>9}{'loss share':>12}{'precision':>11}{'recall':>8}{'suggested alpha':>17}")
    total = sum(k["loss_sum"] for k in out["stats"]["classes"])
    for k in out["stats"]["classes"]:
        print(f"{k['name']:<8}{k['support']:>9}{100 * k['loss_sum'] / total:>11.1f}%{k['precision']:>11.4f}{k['recall']:>8.4f}{k['suggested_alpha']:>17.4f}")
    grad = out["gradient"]
    print(f"gradient: {grad.dtype} {grad.shape}; largest |row sum| {np.abs(grad.sum(axis=1)).max():.1e} (softmax gradients sum to 0 per row)")


if __name__ == "__main__":
    try:
        main()
    except (requests.RequestException, RuntimeError) as err:
        print(f"error: {err}", file=sys.stderr)
        sys.exit(1)
