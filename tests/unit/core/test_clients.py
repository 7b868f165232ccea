"""Credentials reach the server they are meant for (a local HTTP server records the headers)."""

from __future__ import annotations

import base64

from pytest_httpserver import HTTPServer

from newsflow.clients import elasticsearch_client
from newsflow.settings import load_settings


def _health(recorder: HTTPServer, env: dict[str, str]) -> dict[str, str]:
    url = recorder.url_for("/").rstrip("/")
    es = elasticsearch_client(
        load_settings(env={"NEWSFLOW_CONFIG": "", "NEWSFLOW_ES_URL": url, **env})
    )
    es.cluster.health()
    es.close()
    request, _ = recorder.log[-1]
    return {k.lower(): v for k, v in request.headers.items()}


def test_api_key_is_sent(recorder: HTTPServer):
    headers = _health(recorder, {"NEWSFLOW_ES_API_KEY": "a2V5OnNlY3JldA=="})
    assert headers["authorization"] == "ApiKey a2V5OnNlY3JldA=="


def test_basic_auth_is_sent(recorder: HTTPServer):
    headers = _health(
        recorder,
        {
            "NEWSFLOW_ES_USERNAME": "analyst",
            "NEWSFLOW_ES_PASSWORD": "pw",
        },
    )
    assert headers["authorization"] == "Basic " + base64.b64encode(b"analyst:pw").decode()


def test_no_credentials_no_header(recorder: HTTPServer):
    assert "authorization" not in _health(recorder, {})
