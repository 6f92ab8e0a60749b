"""The service under test: FOCAL_LOSS_URL (started by test/clients/python-client.test.ts from
dist/, with FOCAL_LOSS_API_KEY among its API_KEYS and MAX_ELEMENTS = FOCAL_LOSS_MAX_ELEMENTS)."""
import os

import pytest

from focal_loss_client import FocalLossClient


@pytest.fixture(scope="session")
def url() -> str:
    value = os.environ.get("FOCAL_LOSS_URL")
    if not value:
        pytest.fail("FOCAL_LOSS_URL is not set: run these tests through test/clients/python-client.test.ts (npm test)")
    return value


@pytest.fixture(scope="session")
def api_key() -> str:
    return os.environ["FOCAL_LOSS_API_KEY"]


@pytest.fixture(scope="session")
def max_elements() -> int:
    return int(os.environ["FOCAL_LOSS_MAX_ELEMENTS"])


@pytest.fixture()
def client(url: str, api_key: str):
    with FocalLossClient(url, api_key=api_key, timeout=300) as c:
        yield c
