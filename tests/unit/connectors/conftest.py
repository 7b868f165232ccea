"""Fixtures of the connector unit tests."""

from __future__ import annotations

import pytest

from tests.support.ssrf import paired_servers


@pytest.fixture
def servers():
    public, internal = paired_servers()
    internal.routes["/feed"] = (200, {}, b"<secret/>")
    yield public, internal
    public.close()
    internal.close()
