"""Fixtures of the core unit tests."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from newsflow.settings import Settings, load_settings


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
def recorder(httpserver: HTTPServer) -> HTTPServer:
    """A local server that answers like an Elasticsearch root; its `log` keeps each request."""
    httpserver.expect_request(re.compile(".*")).respond_with_json(
        {"cluster_name": "x", "status": "green"}, headers={"X-elastic-product": "Elasticsearch"}
    )
    return httpserver
