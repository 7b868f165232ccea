"""Fixtures of the core unit tests."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest

from newsflow.settings import Settings, load_settings
from tests.support.servers import HeaderRecorder


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings with a home under tmp_path and fixed local ports (nothing is started)."""
    return load_settings(
        env={
            "NEWSFLOW_HOME": str(tmp_path / "home"),
            "NEWSFLOW_KAFKA_BOOTSTRAP": "127.0.0.1:19092",
            "NEWSFLOW_STACK__KAFKA_CONTROLLER_PORT": "19093",
            "NEWSFLOW_ES_URL": "http://127.0.0.1:19200",
        }
    )


@pytest.fixture
def recorder() -> Iterator[str]:
    """The URL of a local server that records the headers each request carries."""
    HeaderRecorder.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), HeaderRecorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
