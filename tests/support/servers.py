"""Local servers the tests start on 127.0.0.1 ephemeral ports: feeds, a webhook endpoint, SMTP."""

from __future__ import annotations

import gzip
import hashlib
import hmac
import json
import socket
import socketserver
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


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
    path: str
    headers: dict[str, str]
    at: float


class FeedServer:
    """ThreadingHTTPServer on an ephemeral 127.0.0.1 port; `routes` may change while it runs."""

    def __init__(self) -> None:
        self.routes: dict[str, Route | Callable[[Request], Route]] = {}
        self.requests: list[Request] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                request = Request(
                    self.path, {k.lower(): v for k, v in self.headers.items()}, time.time()
                )
                server.requests.append(request)
                route = server.routes.get(self.path.split("?", 1)[0])
                if callable(route):
                    route = route(request)
                if route is None:
                    route = Route(b"not found", 404, content_type="text/plain")
                server._answer(self, route, request)

            def log_message(self, format: str, *args) -> None:  # quiet
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def start(self) -> FeedServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> FeedServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def requests_for(self, path: str) -> list[Request]:
        return [r for r in list(self.requests) if r.path.split("?", 1)[0] == path]

    def _answer(self, handler: BaseHTTPRequestHandler, route: Route, request: Request) -> None:
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
        try:
            handler.send_response(status)
            for name, value in headers.items():
                handler.send_header(name, value)
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            if not route.trickle:
                handler.wfile.write(body)
                return
            for start in range(0, len(body), 64):
                handler.wfile.write(body[start : start + 64])
                handler.wfile.flush()
                time.sleep(route.trickle)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeouts, size caps): expected in tests


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
    port: int = 0  # 0: an ephemeral port

    def __post_init__(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver.lock:
                    receiver.requests.append(Received(dict(self.headers), body))
                    failing = receiver.fail_remaining > 0
                    receiver.fail_remaining -= 1 if failing else 0
                if receiver.hang.is_set():
                    receiver.release.wait(30)
                status = receiver.fail_status if failing else 200
                try:
                    self.send_response(status)
                    if status != 200 and receiver.retry_after is not None:
                        self.send_header("Retry-After", receiver.retry_after)
                    self.end_headers()
                    self.wfile.write(b"ok" if status == 200 else b"unavailable")
                except OSError:
                    pass  # the client gave up (timeout, or a notifier the test killed)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def alert_ids(self) -> list[str]:
        with self.lock:
            return [r.headers.get("X-Newsflow-Alert-Id", "") for r in self.requests]

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@dataclass
class Mail:
    sender: str
    recipients: list[str]
    data: bytes


class SmtpReceiver:
    """Just enough SMTP (RFC 5321) for smtplib: EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT."""

    def __init__(self, reject_with: str | None = None):
        self.messages: list[Mail] = []
        self.reject_with = reject_with  # e.g. "451 try later": answer DATA with this
        receiver = self

        class Handler(socketserver.StreamRequestHandler):
            def reply(self, line: str) -> None:
                self.wfile.write(line.encode() + b"\r\n")

            def handle(self) -> None:
                self.reply("220 localhost test SMTP")
                sender, recipients = "", []
                while line := self.rfile.readline():
                    command = line.decode("utf-8", "replace").strip()
                    verb = command[:4].upper()
                    if verb in ("EHLO", "HELO"):
                        self.reply(
                            "250-localhost\r\n250 8BITMIME" if verb == "EHLO" else "250 localhost"
                        )
                    elif verb == "MAIL":
                        sender, recipients = command.split(":", 1)[1].strip(" <>"), []
                        self.reply("250 OK")
                    elif verb == "RCPT":
                        recipients.append(command.split(":", 1)[1].strip(" <>"))
                        self.reply("250 OK")
                    elif verb == "DATA":
                        if receiver.reject_with:
                            self.reply(receiver.reject_with)
                            continue
                        self.reply("354 end with <CRLF>.<CRLF>")
                        data = b""
                        while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                            data += chunk[1:] if chunk.startswith(b"..") else chunk
                        receiver.messages.append(Mail(sender, recipients, data))
                        self.reply("250 OK queued")
                    elif verb == "QUIT":
                        self.reply("221 bye")
                        return
                    else:  # RSET, NOOP
                        self.reply("250 OK")

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def listening(port: int) -> bool:
    """Whether something accepts connections on 127.0.0.1:`port`."""
    try:
        socket.create_connection(("127.0.0.1", port), 0.5).close()
    except OSError:
        return False
    return True


class HeaderRecorder(BaseHTTPRequestHandler):
    """Answers GETs like an Elasticsearch root and records each request's headers in `seen`."""

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
