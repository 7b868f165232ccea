"""Local servers the tests start on 127.0.0.1 ephemeral ports: feeds and a webhook endpoint
(pytest-httpserver), SMTP (aiosmtpd)."""

from __future__ import annotations

import gzip
import hashlib
import hmac
import json
import logging
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from pytest_httpserver import HTTPServer
from werkzeug import Request as WsgiRequest
from werkzeug import Response

ANY_PATH = re.compile(".*")


class _HttpServer(HTTPServer):
    """pytest-httpserver polling for shutdown every 50 ms (its default, 0.5 s, slows every test
    that stops a server)."""

    def thread_target(self) -> None:
        assert self.server is not None
        self.server.serve_forever(poll_interval=0.05)


def serve(handler: Callable[[WsgiRequest], Response], *methods: str, port: int = 0) -> HTTPServer:
    """A threaded pytest-httpserver on 127.0.0.1 that sends every request of `methods` to
    `handler`."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # not a line per request
    server = _HttpServer(host="127.0.0.1", port=port, threaded=True)
    for method in methods:
        server.expect_request(ANY_PATH, method=method).respond_with_handler(handler)
    server.start()
    return server


def stop(server: HTTPServer) -> None:
    """Stop and release the port (closing twice is fine)."""
    wsgi = server.server
    if wsgi is not None:
        server.stop()
        wsgi.server_close()


@dataclass
class Route:
    """What the server answers on one path. `etag=True` derives an ETag and answers 304s."""

    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/rss+xml; charset=utf-8"
    etag: bool = False
    last_modified: str | None = None
    delay: float = 0.0  # seconds before answering
    gzip: bool = False
    trickle: float = 0.0  # seconds between 64-byte chunks of the body


@dataclass(frozen=True)
class Request:
    """A request the feed server answered: its raw path (with the query), headers lower-cased."""

    path: str
    headers: dict[str, str]
    at: float


class FeedServer:
    """Feeds over HTTP on an ephemeral 127.0.0.1 port; `routes` may change while it runs."""

    def __init__(self) -> None:
        self.routes: dict[str, Route | Callable[[Request], Route]] = {}
        self.requests: list[Request] = []
        self._http: HTTPServer | None = None
        self.port = 0

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def start(self) -> FeedServer:
        self._http = serve(self._handle, "GET")
        self.port = self._http.port
        return self

    def stop(self) -> None:
        if self._http is not None:
            stop(self._http)

    def __enter__(self) -> FeedServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def requests_for(self, path: str) -> list[Request]:
        return [r for r in list(self.requests) if r.path.split("?", 1)[0] == path]

    def _handle(self, wsgi: WsgiRequest) -> Response:
        path = wsgi.environ.get("RAW_URI") or wsgi.full_path.rstrip("?")
        request = Request(path, {k.lower(): v for k, v in wsgi.headers.items()}, time.time())
        self.requests.append(request)
        route = self.routes.get(path.split("?", 1)[0])
        if callable(route):
            route = route(request)
        if route is None:
            route = Route(b"not found", 404, content_type="text/plain")
        return _answer(route, request)


def _answer(route: Route, request: Request) -> Response:
    if route.delay:
        time.sleep(route.delay)
    headers = {"Content-Type": route.content_type, **route.headers}
    status, body = route.status, route.body
    if route.etag:
        tag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        headers["ETag"] = tag
        if request.headers.get("if-none-match") == tag:
            status, body = 304, b""
    if route.last_modified:
        headers["Last-Modified"] = route.last_modified
        if not route.etag and request.headers.get("if-modified-since") == route.last_modified:
            status, body = 304, b""
    if route.gzip and body:
        body = gzip.compress(body)
        headers["Content-Encoding"] = "gzip"
    headers["Content-Length"] = str(len(body))
    if not route.trickle:
        return Response(body, status=status, headers=headers)
    return Response(_trickle(body, route.trickle), status=status, headers=headers)


def _trickle(body: bytes, pause: float) -> Iterator[bytes]:
    """The body in 64-byte chunks, `pause` seconds after each (the server flushes each one)."""
    for start in range(0, len(body), 64):
        yield body[start : start + 64]
        time.sleep(pause)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def signature_ok(self, secret: bytes) -> bool:
        expected = "sha256=" + hmac.new(secret, self.body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, self.headers.get("X-Newsflow-Signature", ""))


@dataclass
class WebhookReceiver:
    """Records every POST; can answer errors for a while or hang until released."""

    requests: list[Received] = field(default_factory=list)
    fail_remaining: int = 0
    fail_status: int = 503
    retry_after: str | None = None  # sent with failures as the Retry-After header
    hang: threading.Event = field(
        default_factory=threading.Event
    )  # set: requests wait for `release`
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    port: int = 0  # 0: an ephemeral port (the port it got once started)

    def __post_init__(self) -> None:
        self._http = serve(self._handle, "POST", port=self.port)
        self.port = self._http.port

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def alert_ids(self) -> list[str]:
        with self.lock:
            return [r.headers.get("X-Newsflow-Alert-Id", "") for r in self.requests]

    def close(self) -> None:
        self.release.set()
        stop(self._http)

    def _handle(self, request: WsgiRequest) -> Response:
        with self.lock:
            self.requests.append(Received(dict(request.headers), request.get_data()))
            failing = self.fail_remaining > 0
            self.fail_remaining -= 1 if failing else 0
        if self.hang.is_set():
            self.release.wait(30)
        if not failing:
            return Response(b"ok", status=200)
        headers = {} if self.retry_after is None else {"Retry-After": self.retry_after}
        return Response(b"unavailable", status=self.fail_status, headers=headers)


@dataclass
class Mail:
    sender: str
    recipients: list[str]
    data: bytes


class SmtpReceiver:
    """An SMTP server (aiosmtpd) that keeps every message; `reject_with` (e.g. "451 try later")
    answers each message's data with that reply instead."""

    def __init__(self, reject_with: str | None = None):
        self.messages: list[Mail] = []
        self.reject_with = reject_with
        self.port = free_port()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.reject_with:
            return self.reject_with
        data = envelope.original_content or b""
        self.messages.append(Mail(envelope.mail_from or "", list(envelope.rcpt_tos), data))
        return "250 OK queued"

    def close(self) -> None:
        self._controller.stop()


def listening(port: int) -> bool:
    """Whether something accepts connections on 127.0.0.1:`port`."""
    try:
        socket.create_connection(("127.0.0.1", port), 0.5).close()
    except OSError:
        return False
    return True
