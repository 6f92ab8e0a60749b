"""Plain numpy focal loss, written from the reference contract's formulas, to check the service's
answers independently (float64, textbook expressions)."""
import numpy as np


def sigmoid_focal_sum(logits, targets, gamma, alpha):
    """Binary / multilabel, soft labels allowed, no label smoothing (test/fixtures/reference/README.md)."""
    z = logits.astype(np.float64)
    y = targets.astype(np.float64)
    p = 1 / (1 + np.exp(-z))
    ce = -(y * -np.logaddexp(0, -z) + (1 - y) * -np.logaddexp(0, z))
    p_t = p * y + (1 - p) * (1 - y)
    a_t = alpha * y + (1 - alpha) * (1 - y)
    return float(np.sum(a_t * (1 - p_t) ** gamma * ce))


def softmax_focal_sum(logits, labels, gamma, weights=None, ignore_index=None):
    z = logits.astype(np.float64)
    z = z - z.max(axis=1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    keep = np.ones(len(labels), dtype=bool) if ignore_index is None else labels != ignore_index
    rows = np.arange(len(labels))[keep]
    log_pt = log_p[rows, labels[keep]]
    per_row = -((1 - np.exp(log_pt)) ** gamma) * log_pt
    if weights is not None:
        per_row = per_row * weights[keep]
    return float(np.sum(per_row)), int(keep.sum())
