"""Fixtures of the Kibana unit tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.kibana import API_KEY, FakeKibana


@pytest.fixture
def kibana() -> Iterator[FakeKibana]:
    server = FakeKibana(credentials=f"ApiKey {API_KEY}")
    yield server
    server.close()
