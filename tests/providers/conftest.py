"""A fresh SSE test server per test, and a clean secrets registry."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from teleprinter import secrets
from tests.servers.sse import SSEServer


@pytest.fixture
def server() -> Iterator[SSEServer]:
    with SSEServer() as running:
        yield running


@pytest.fixture(autouse=True)
def _clean_secrets() -> Iterator[None]:
    secrets.forget_all()
    yield
    secrets.forget_all()
