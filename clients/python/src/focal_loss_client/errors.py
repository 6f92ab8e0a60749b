"""The exceptions the client raises: the service's refusals carry its problem details."""
from __future__ import annotations

from typing import Any, Mapping, Optional


class FocalLossError(Exception):
    """Base class of every error this client raises."""


class ServiceError(FocalLossError):
    """The service refused the request: its status, stable code, message and whole problem body.

    ``code`` is one of the service's stable codes (``invalid-request``, ``too-many-elements``,
    ``unauthorized``, ``overloaded``, ...); ``message`` names the input and the reason.
    """

    def __init__(self, status: int, code: Optional[str], message: str, problem: Mapping[str, Any], request_id: Optional[str]):
        super().__init__(f"{status} {code}: {message}" + (f" (request id {request_id})" if request_id else ""))
        self.status = status
        self.code = code
        self.message = message
        self.problem = dict(problem)
        self.request_id = request_id


class TransportError(FocalLossError):
    """No answer: the connection failed or the request timed out (after the retries allowed)."""
