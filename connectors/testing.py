"""Feed connector: a local HTTP feed server for tests, the benchmark and demos (127.0.0.1 only)."""

from __future__ import annotations

import gzip
import hashlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


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
