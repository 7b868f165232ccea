"""Fixtures of the alert unit tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.ssrf import LocalServer, paired_servers


@pytest.fixture
def receivers() -> Iterator[tuple[LocalServer, LocalServer]]:
    public, internal = paired_servers()
    for server in (public, internal):
        server.routes["/hook"] = (200, {"Content-Type": "text/plain"}, b"ok")
    yield public, internal
    public.close()
    internal.close()
