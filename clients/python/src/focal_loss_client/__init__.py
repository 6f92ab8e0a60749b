"""focal-loss-client: the focal-loss service from Python, numpy arrays in and out.

    from focal_loss_client import FocalLossClient
    with FocalLossClient("http://localhost:3000") as client:
        result = client.evaluate(logits, targets, mode="multiclass", gamma=2.0)
        print(result.loss, result.accuracy, result.to_mlflow_metrics())
"""
from .client import DEFAULT_CHUNK_ELEMENTS, FocalLossClient
from .errors import FocalLossError, ServiceError, TransportError
from .results import ClassStats, Evaluation

__all__ = ["FocalLossClient", "Evaluation", "ClassStats", "FocalLossError", "ServiceError", "TransportError", "DEFAULT_CHUNK_ELEMENTS"]
__version__ = "0.1.0"
