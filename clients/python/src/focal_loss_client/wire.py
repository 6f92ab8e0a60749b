"""numpy arrays <-> the Open Inference Protocol's binary tensor data extension: a JSON header
(its length in Inference-Header-Content-Length), then each tensor's little-endian bytes."""
from __future__ import annotations

import json
from typing import Any, Dict, List, Mapping, Sequence, Tuple

import numpy as np

# numpy dtypes the service accepts, by protocol datatype (little-endian on the wire).
FLOAT_DATATYPES = {np.dtype(np.float16): "FP16", np.dtype(np.float32): "FP32", np.dtype(np.float64): "FP64"}
TARGET_DATATYPES = {
    **FLOAT_DATATYPES,
    np.dtype(np.int64): "INT64",
    np.dtype(np.int32): "INT32",
    np.dtype(np.uint8): "UINT8",
    np.dtype(np.bool_): "BOOL",
}
NUMPY_OF = {"FP16": "<f2", "FP32": "<f4", "FP64": "<f8", "INT64": "<i8", "INT32": "<i4", "UINT8": "|u1", "BOOL": "|b1"}
HEADER_LENGTH = "Inference-Header-Content-Length"


def datatype_of(array: np.ndarray, accepted: Mapping[np.dtype, str], what: str) -> str:
    """The protocol datatype of an array, or a TypeError naming the input and what it accepts."""
    found = accepted.get(array.dtype.newbyteorder("="))  # any byte order: the wire form is little-endian
    if found is None:
        names = ", ".join(sorted({str(d) for d in accepted}))
        raise TypeError(f"{what} has dtype {array.dtype}; the service accepts {names}")
    return found


def encode_request(inputs: Sequence[Tuple[str, np.ndarray, str]], parameters: Mapping[str, Any], outputs: Sequence[str]) -> Tuple[bytes, int]:
    """The request body (JSON header + binary tensors) and the JSON header's length."""
    chunks: List[bytes] = []
    described: List[Dict[str, Any]] = []
    for name, array, datatype in inputs:
        data = np.ascontiguousarray(array, dtype=NUMPY_OF[datatype]).tobytes()
        described.append({"name": name, "shape": list(array.shape), "datatype": datatype, "parameters": {"binary_data_size": len(data)}})
        chunks.append(data)
    header = json.dumps(
        {"inputs": described, "parameters": {**parameters, "binary_data_output": True}, "outputs": [{"name": o} for o in outputs]},
        allow_nan=False,
    ).encode("utf-8")
    return b"".join([header, *chunks]), len(header)


def decode_response(body: bytes, header_length: int) -> Tuple[Dict[str, Any], Dict[str, np.ndarray]]:
    """A response -> its JSON header and its outputs as numpy arrays (binary or JSON data)."""
    header = json.loads(body[:header_length])
    outputs: Dict[str, np.ndarray] = {}
    offset = header_length
    for out in header["outputs"]:
        dtype = np.dtype(NUMPY_OF[out["datatype"]])
        size = (out.get("parameters") or {}).get("binary_data_size")
        if size is not None:
            values = np.frombuffer(body, dtype=dtype, count=size // dtype.itemsize, offset=offset)
            offset += size
        else:
            values = np.asarray(out["data"], dtype=dtype)
        outputs[out["name"]] = values.reshape(out["shape"])
    return header, outputs
