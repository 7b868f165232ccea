"""Credentials reach the server they are meant for (a local HTTP server records the headers)."""

from __future__ import annotations

import base64

from newsflow.clients import elasticsearch_client
from newsflow.settings import load_settings
from tests.support.servers import HeaderRecorder


def _health(env: dict[str, str]) -> dict[str, str]:
    es = elasticsearch_client(load_settings(env={"NEWSFLOW_CONFIG": "", **env}))
    es.cluster.health()
    es.close()
    return {k.lower(): v for k, v in HeaderRecorder.seen[-1].items()}


def test_api_key_is_sent(recorder: str):
    headers = _health({"NEWSFLOW_ES_URL": recorder, "NEWSFLOW_ES_API_KEY": "a2V5OnNlY3JldA=="})
    assert headers["authorization"] == "ApiKey a2V5OnNlY3JldA=="


def test_basic_auth_is_sent(recorder: str):
    headers = _health(
        {
            "NEWSFLOW_ES_URL": recorder,
            "NEWSFLOW_ES_USERNAME": "analyst",
            "NEWSFLOW_ES_PASSWORD": "pw",
        }
    )
    assert headers["authorization"] == "Basic " + base64.b64encode(b"analyst:pw").decode()


def test_no_credentials_no_header(recorder: str):
    assert "authorization" not in _health({"NEWSFLOW_ES_URL": recorder})
