"""Credentials reach the server they are meant for (a local HTTP server records the headers)."""

from __future__ import annotations

import base64
import http.server
import json
import threading
from collections.abc import Iterator

import pytest

from newsflow.clients import elasticsearch_client
from newsflow.settings import load_settings


class _Recorder(http.server.BaseHTTPRequestHandler):
    seen: list[dict[str, str]] = []

    def do_GET(self) -> None:
        type(self).seen.append(dict(self.headers))
        body = json.dumps({"cluster_name": "x", "status": "green"}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("X-elastic-product", "Elasticsearch")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def recorder() -> Iterator[str]:
    _Recorder.seen = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _health(env: dict[str, str]) -> dict[str, str]:
    es = elasticsearch_client(load_settings(env={"NEWSFLOW_CONFIG": "", **env}))
    es.cluster.health()
    es.close()
    return {k.lower(): v for k, v in _Recorder.seen[-1].items()}


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
