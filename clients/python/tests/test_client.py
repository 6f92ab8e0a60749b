"""focal_loss_client against the real service: answers checked against plain numpy, chunked
batches equal to one request, a 10M-element batch, retries after Retry-After, timeouts, and the
service's refusals as exceptions with their problem details."""
import http.server
import math
import socket
import threading

import numpy as np
import pytest
import requests

from focal_loss_client import Evaluation, FocalLossClient, ServiceError, TransportError
from reference import sigmoid_focal_sum, softmax_focal_sum


def rel(a: float, b: float) -> float:
    return abs(a - b) / max(abs(b), 1e-300)


def multiclass_batch(n=3000, c=7, seed=1):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, c, size=n).astype(np.int64)
    logits = rng.normal(size=(n, c)).astype(np.float32)
    logits[np.arange(n), labels] += 1.5
    return logits, labels


def test_multiclass_matches_numpy(client):
    logits, labels = multiclass_batch()
    result = client.evaluate(logits, labels, mode="multiclass", gamma=2.0)
    loss_sum, count = softmax_focal_sum(logits, labels, 2.0)
    assert result.requests == 1
    assert result.count == count == len(labels)
    assert rel(result.loss, loss_sum / count) < 1e-12
    predicted = logits.argmax(axis=1)
    assert result.accuracy == pytest.approx(float(np.mean(predicted == labels)), abs=0)
    assert [k.support for k in result.classes] == np.bincount(labels, minlength=7).tolist()
    assert [k.tp for k in result.classes] == [int(np.sum((predicted == k) & (labels == k))) for k in range(7)]


def assert_same(chunked: Evaluation, single: Evaluation, rtol=1e-12):
    assert chunked.requests > 1 and single.requests == 1
    assert chunked.count == single.count and chunked.n == single.n and chunked.c == single.c
    assert rel(chunked.loss, single.loss) < rtol
    assert chunked.denominator == single.denominator
    for a, b in zip(chunked.classes, single.classes):
        assert (a.index, a.name, a.support, a.tp, a.fp, a.fn, a.pt_histogram) == (b.index, b.name, b.support, b.tp, b.fp, b.fn, b.pt_histogram)
        for field in ("loss_sum", "pos_loss_sum", "neg_loss_sum", "precision", "recall", "suggested_alpha"):
            x, y = getattr(a, field), getattr(b, field)
            assert (x is None and y is None) or math.isclose(x, y, rel_tol=rtol, abs_tol=1e-300), field
    if single.accuracy is not None:
        assert math.isclose(chunked.accuracy, single.accuracy, rel_tol=rtol)
    for name in ("gradient", "losses"):
        a, b = getattr(chunked, name), getattr(single, name)
        assert (a is None) == (b is None), name
        if a is not None:
            assert a.shape == b.shape
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-300)


def test_chunked_multiclass_equals_one_request(client):
    logits, labels = multiclass_batch(n=5000)
    labels[::11] = -1  # ignored rows
    weights = np.random.default_rng(2).uniform(0.5, 2, size=len(labels))
    names = [f"class {k}" for k in range(7)]
    options = dict(mode="multiclass", gamma=1.5, weights=weights, ignore_index=-1, class_names=names, gradient=True)
    single = client.evaluate(logits, labels, **options)
    chunked = client.evaluate(logits, labels, chunk_elements=7 * 700, **options)
    assert chunked.requests == math.ceil(5000 / 700)
    assert_same(chunked, single)
    loss_sum, count = softmax_focal_sum(logits, labels, 1.5, weights=weights, ignore_index=-1)
    assert chunked.count == count
    assert rel(chunked.loss, loss_sum / count) < 1e-12


def test_chunked_multilabel_with_alpha_tensor_and_normalizer(client):
    rng = np.random.default_rng(3)
    logits = rng.normal(size=(2000, 5))
    targets = (rng.uniform(size=(2000, 5)) < 0.3).astype(np.uint8)
    options = dict(mode="multilabel", alpha=[0.1, 0.2, 0.3, 0.4, 0.5], normalizer=1234.5, gradient=True)
    assert_same(client.evaluate(logits, targets, chunk_elements=1500, **options), client.evaluate(logits, targets, **options))


def test_chunked_binary_reduction_none(client):
    rng = np.random.default_rng(4)
    logits = rng.normal(size=3001).astype(np.float32)
    targets = rng.uniform(size=3001)
    single = client.evaluate(logits, targets, mode="binary", reduction="none", gamma=0.5, gradient=True)
    chunked = client.evaluate(logits, targets, mode="binary", reduction="none", gamma=0.5, gradient=True, chunk_elements=1000)
    assert chunked.requests == 4 and chunked.losses.shape == (3001,)
    assert_same(chunked, single)
    assert rel(single.loss, sigmoid_focal_sum(logits, targets, 0.5, 0.25)) < 1e-12


def test_a_batch_over_the_service_limit_is_split_after_its_413(client, max_elements):
    rng = np.random.default_rng(5)
    n, c = max_elements // 4 + 17, 10  # 2.5x the service's MAX_ELEMENTS, not a multiple of it
    logits = rng.normal(size=(n, c)).astype(np.float32)
    targets = (rng.uniform(size=(n, c)) < 0.2).astype(np.uint8)
    assert n * c > max_elements
    result = client.evaluate(logits, targets, mode="multilabel", gamma=2.0)
    assert result.requests >= 3
    assert result.count == n * c
    assert rel(result.loss, sigmoid_focal_sum(logits, targets, 2.0, 0.25) / (n * c)) < 1e-11
    assert sum(k.support for k in result.classes) == int(targets.sum())


def test_ten_million_elements(client):
    rng = np.random.default_rng(6)
    n, c = 1_000_000, 10
    logits = rng.normal(size=(n, c)).astype(np.float32)
    targets = (rng.uniform(size=(n, c)) < 0.1).astype(np.uint8)
    result = client.evaluate(logits, targets, mode="multilabel", gamma=2.0)
    assert result.count == 10_000_000 and result.requests > 1
    assert rel(result.loss, sigmoid_focal_sum(logits, targets, 2.0, 0.25) / (n * c)) < 1e-10
    assert [k.support for k in result.classes] == targets.sum(axis=0).tolist()


def test_metrics_helpers(client):
    logits, labels = multiclass_batch(n=200, c=3)
    result = client.evaluate(logits, labels, mode="multiclass", class_names=["cat", "dog", "bird?"])
    flat = result.to_flat_metrics()
    assert flat["focal_loss/loss"] == result.loss and flat["focal_loss/accuracy"] == result.accuracy
    assert flat["focal_loss/class/dog/recall"] == result.classes[1].recall
    assert len(flat) == 3 + 5 * 3 and all(isinstance(v, float) and math.isfinite(v) for v in flat.values())
    mlflow = result.to_mlflow_metrics(prefix="val/")
    assert mlflow["val/class/bird_/precision"] == result.classes[2].precision
    assert all(set(k) <= set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./ ") for k in mlflow)


# -- refusals ------------------------------------------------------------------------------------


def test_refusals_carry_the_problem(client):
    logits, labels = multiclass_batch(n=10, c=3)
    labels[4] = 3
    with pytest.raises(ServiceError) as info:
        client.evaluate(logits, labels, mode="multiclass")
    err = info.value
    assert err.status == 400 and err.code == "invalid-request"
    assert "targets" in err.message and err.problem["code"] == err.code and err.request_id
    logits[2, 1] = np.nan
    with pytest.raises(ServiceError, match="finite") as info:
        client.evaluate(logits, np.zeros(10, dtype=np.int64), mode="multiclass")
    assert info.value.status == 400


def test_api_key(url):
    for key, detail in ((None, "send an API key"), ("wrong", "not valid")):
        with FocalLossClient(url, api_key=key) as anonymous, pytest.raises(ServiceError) as info:
            anonymous.evaluate([0.5], [1.0], mode="binary")
        assert info.value.status == 401 and info.value.code == "unauthorized" and detail in info.value.message


def test_caller_mistakes_are_caught_before_sending(client):
    with pytest.raises(ValueError, match="N = 3 rows"):
        client.evaluate(np.zeros((3, 2)), np.zeros(4, dtype=np.int64), mode="multiclass")
    with pytest.raises(TypeError, match="logits has dtype complex128"):
        client.evaluate(np.zeros(3, dtype=complex), np.zeros(3), mode="binary")
    with pytest.raises(ValueError, match="mode must be one of"):
        client.evaluate([0.0], [1.0], mode="softmax")


# -- retries and timeouts, through a stand-in in front of the real service -------------------------


class Gate(http.server.ThreadingHTTPServer):
    """Answers the first requests with the given (status, Retry-After), then forwards to the service."""

    daemon_threads = True

    def __init__(self, upstream: str, refusals, hang: bool = False):
        self.upstream, self.refusals, self.hang, self.seen = upstream, list(refusals), hang, 0
        self.release = threading.Event()
        super().__init__(("127.0.0.1", 0), GateHandler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def stop(self):
        self.release.set()
        self.shutdown()
        self.server_close()


class GateHandler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        gate: Gate = self.server  # type: ignore[assignment]
        body = self.rfile.read(int(self.headers["Content-Length"]))
        gate.seen += 1
        if gate.hang:
            gate.release.wait(30)
            return
        if gate.refusals:
            status, retry_after = gate.refusals.pop(0)
            payload = b'{"error":"busy","code":"overloaded"}'
            self.send_response(status)
            self.send_header("Retry-After", retry_after)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
            return
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
        res = requests.post(gate.upstream + self.path, data=body, headers=headers, timeout=60)
        self.send_response(res.status_code)
        for k, v in res.headers.items():
            if k.lower() not in ("content-length", "transfer-encoding", "connection", "keep-alive"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(res.content)))
        self.end_headers()
        self.wfile.write(res.content)


def test_retries_after_retry_after(url, api_key, client):
    gate = Gate(url, [(503, "2"), (429, "1"), (503, "1000")])
    delays = []
    try:
        with FocalLossClient(gate.url, api_key=api_key, sleep=delays.append, max_retry_delay=30) as retrying:
            logits, labels = multiclass_batch(n=50, c=4)
            result = retrying.evaluate(logits, labels, mode="multiclass")
        assert delays == [2.0, 1.0, 30.0], "Retry-After honoured, capped at max_retry_delay"
        assert retrying.retries == 3 and gate.seen == 4
        assert result.loss == client.evaluate(logits, labels, mode="multiclass").loss
        gate.refusals = [(503, "1")] * 3
        with FocalLossClient(gate.url, api_key=api_key, sleep=delays.append, max_retries=2) as impatient:
            with pytest.raises(ServiceError) as info:
                impatient.evaluate(logits, labels, mode="multiclass")
        assert info.value.status == 503 and info.value.code == "overloaded"
    finally:
        gate.stop()


def test_timeout(url):
    gate = Gate(url, [], hang=True)
    try:
        with FocalLossClient(gate.url, timeout=0.5) as hasty, pytest.raises(TransportError, match="within 0.5 s"):
            hasty.evaluate([0.5], [1.0], mode="binary")
    finally:
        gate.stop()


def test_connection_refused_is_a_transport_error():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    delays = []
    with FocalLossClient(f"http://127.0.0.1:{port}", max_retries=2, sleep=delays.append) as nowhere:
        with pytest.raises(TransportError, match="cannot reach"):
            nowhere.evaluate([0.5], [1.0], mode="binary")
    assert delays == [0.25, 0.5]
