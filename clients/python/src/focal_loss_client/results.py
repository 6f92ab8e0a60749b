"""An evaluation's result, and the exact merge of results computed over chunks of rows.

The same rules as the service's CLI (clients/typescript/src/merge/merge-results.ts): every chunk is computed with
reduction ``sum`` (or ``none``) and its raw per-class counters; the loss sums (Neumaier-compensated)
and counters are added first, and only then reduced -- the mean as sum / denominator, precision,
recall, suggested alpha and accuracy from the merged counters -- with the formulas a single request
uses, so the merged result is one request's over the whole batch up to the rounding of the sums.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Dict, List, Mapping, Optional

import numpy as np

PT_BINS = 10
# Multiclass suggested alpha: 1 / ln(1.02 + support / count), as the service computes it.
SUGGESTED_ALPHA_OFFSET = 1.02
RAW_COUNTERS = ("class_support", "class_loss_sum", "class_pos_loss_sum", "class_neg_loss_sum", "class_tp", "class_fp", "class_fn", "class_pt_histogram")


class CompensatedSum:
    """Neumaier's compensated summation (the service's clients/typescript/src/merge/compensated-sum.ts)."""

    def __init__(self) -> None:
        self._sum = 0.0
        self._compensation = 0.0

    def add(self, x: float) -> None:
        t = self._sum + x
        if abs(self._sum) >= abs(x):
            self._compensation += self._sum - t + x
        else:
            self._compensation += x - t + self._sum
        self._sum = t

    def value(self) -> float:
        return self._sum + self._compensation


@dataclass
class ClassStats:
    """One class (multiclass) or label (binary, multilabel)."""

    index: int
    name: Optional[str]
    support: int
    loss_sum: float
    pos_loss_sum: Optional[float]
    neg_loss_sum: Optional[float]
    tp: int
    fp: int
    fn: int
    precision: float
    recall: float
    pt_histogram: List[int]
    suggested_alpha: Optional[float]


@dataclass
class Evaluation:
    """The full result of ``evaluate``: the reduced loss, what it divided by, per-class statistics,
    and the gradient / per-element losses when asked for."""

    mode: str
    reduction: str
    loss: float
    loss_sum: float
    count: int
    denominator: float
    n: int
    c: int
    classes: List[ClassStats]
    accuracy: Optional[float]
    gradient: Optional[np.ndarray] = None
    losses: Optional[np.ndarray] = None
    requests: int = 1
    parameters: Dict[str, object] = field(default_factory=dict)

    def to_flat_metrics(self, prefix: str = "focal_loss/", separator: str = "/") -> Dict[str, float]:
        """Scalars for an experiment tracker: loss, count, accuracy and per-class support, loss
        sum, precision, recall, suggested alpha (keyed by class name when given, else index)."""
        metrics: Dict[str, float] = {f"{prefix}loss": self.loss, f"{prefix}count": float(self.count)}
        if self.accuracy is not None:
            metrics[f"{prefix}accuracy"] = self.accuracy
        for k in self.classes:
            key = f"{prefix}class{separator}{k.name if k.name is not None else k.index}{separator}"
            metrics[key + "support"] = float(k.support)
            metrics[key + "loss_sum"] = k.loss_sum
            metrics[key + "precision"] = k.precision
            metrics[key + "recall"] = k.recall
            if k.suggested_alpha is not None:
                metrics[key + "suggested_alpha"] = k.suggested_alpha
        return metrics

    def to_mlflow_metrics(self, prefix: str = "focal_loss/") -> Dict[str, float]:
        """to_flat_metrics() with keys MLflow accepts (letters, digits, _ - . / and spaces):
        ``mlflow.log_metrics(evaluation.to_mlflow_metrics(), step=epoch)``."""
        return {re.sub(r"[^A-Za-z0-9_\-. /]", "_", k): v for k, v in self.to_flat_metrics(prefix).items()}


def _ratio(num: float, den: float) -> float:
    return num / den if den > 0 else 0.0


def _inverse_log_frequency(share: float) -> float:
    return 1 / math.log(SUGGESTED_ALPHA_OFFSET + share)


def suggested_alphas(mode: str, support: List[int], count: int, n: int) -> List[Optional[float]]:
    """stats.classes[].suggested_alpha as the service defines it (clients/typescript/src/merge/evaluation-stats.ts): multiclass
    r_k / sum_j f_j r_j with f_k = support_k / count and r = 1 / ln(1.02 + f) (None without support);
    binary/multilabel r(f) / (r(f) + r(1 - f)) with f the share of positives (None without both)."""
    if mode == "multiclass":
        raw = [_inverse_log_frequency(s / count) if s > 0 else None for s in support]
        mean = sum((s / count) * w for s, w in zip(support, raw) if w is not None)
        return [w / mean if w is not None else None for w in raw]
    out: List[Optional[float]] = []
    for s in support:
        if s <= 0 or n - s <= 0:
            out.append(None)
            continue
        pos, neg = _inverse_log_frequency(s / n), _inverse_log_frequency((n - s) / n)
        out.append(pos / (pos + neg))
    return out


def class_stats(mode: str, raw: Mapping[str, np.ndarray], count: int, n: int, names: Optional[List[str]]) -> List[ClassStats]:
    """Raw counters -> per-class statistics, with the service's formulas (clients/typescript/src/merge/class-stats.ts)."""
    sigmoid = mode != "multiclass"
    c = len(raw["class_support"])
    histogram = raw["class_pt_histogram"].reshape(c, PT_BINS)
    weights = suggested_alphas(mode, [int(v) for v in raw["class_support"]], count, n)
    classes = []
    for k in range(c):
        support = int(raw["class_support"][k])
        tp, fp, fn = (int(raw[f"class_{x}"][k]) for x in ("tp", "fp", "fn"))
        classes.append(
            ClassStats(
                index=k,
                name=names[k] if names is not None else None,
                support=support,
                loss_sum=float(raw["class_loss_sum"][k]),
                pos_loss_sum=float(raw["class_pos_loss_sum"][k]) if sigmoid else None,
                neg_loss_sum=float(raw["class_neg_loss_sum"][k]) if sigmoid else None,
                tp=tp,
                fp=fp,
                fn=fn,
                precision=_ratio(tp, tp + fp),
                recall=_ratio(tp, tp + fn),
                pt_histogram=[int(v) for v in histogram[k]],
                suggested_alpha=weights[k],
            )
        )
    return classes


def accuracy_of(mode: str, raw: Mapping[str, np.ndarray], count: int) -> Optional[float]:
    return _ratio(float(np.sum(raw["class_tp"])), count) if mode == "multiclass" else None


def loss_denominator(reduction: str, normalizer: Optional[float], count: int) -> float:
    """What ``mean`` divides the loss sum by: the normalizer when given, else the count; 1 otherwise."""
    return (normalizer if normalizer is not None else count) if reduction == "mean" else 1.0


def reduce_loss_sum(reduction: str, loss_sum: float, denominator: float) -> float:
    """The reduced loss; an empty mean is 0, not 0 / 0."""
    if reduction != "mean":
        return loss_sum
    return loss_sum / denominator if denominator > 0 else 0.0


def gradient_scale(reduction: str, denominator: float) -> float:
    """d(loss)/d(sum): a multiplication by 1 / denominator, as the kernels do."""
    if reduction != "mean":
        return 1.0
    return 1 / denominator if denominator > 0 else 0.0


class ResultMerger:
    """Adds chunk results (computed with reduction sum or none), then reduces once."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.loss_sum = CompensatedSum()
        self.count = 0
        self.raw: Dict[str, np.ndarray] = {}
        self.parts = 0

    def add(self, outputs: Mapping[str, np.ndarray]) -> None:
        self.loss_sum.add(float(outputs["loss"].reshape(-1)[0]))
        self.count += int(outputs["count"].reshape(-1)[0])
        for name in RAW_COUNTERS:
            if name not in outputs:
                continue
            # float64 for sums; counts stay exact integers (int64 before conversion).
            part = outputs[name].reshape(-1)
            if name in self.raw:
                self.raw[name] = self.raw[name] + part
            else:
                self.raw[name] = part.copy()
        self.parts += 1
