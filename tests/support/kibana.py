"""A local HTTP server (pytest-httpserver) that answers like Kibana's status and saved-objects
APIs, for the setup tests (Kibana itself is in no registry these machines reach). It records
every request, keeps the imported objects per space, and checks references the way Kibana's
import does."""

from __future__ import annotations

import base64
import email.parser
import email.policy
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from werkzeug import Request as WsgiRequest
from werkzeug import Response
from werkzeug.datastructures import Headers

from tests.support.servers import serve, stop

API_KEY = base64.b64encode(b"id:secret").decode()  # the key the fake expects in the tests


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: Headers  # case-insensitive, as HTTP header names are
    body: bytes


@dataclass
class FakeKibana:
    version: str = "9.2.4"
    level: str = "available"
    credentials: str | None = None  # the Authorization header it accepts (None: any)
    requests: list[Request] = field(default_factory=list)
    objects: dict[tuple[str, str, str], dict[str, Any]] = field(default_factory=dict)
    unavailable_for: int = 0  # answer 503 to this many status calls first
    anonymous_status: bool = False  # a secured Kibana's status for a caller without credentials

    def __post_init__(self) -> None:
        self._http = serve(self._handle, "GET", "POST")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._http.port}"

    def close(self) -> None:
        stop(self._http)

    def _handle(self, wsgi: WsgiRequest) -> Response:
        query = parse_qs(wsgi.query_string.decode())
        request = Request(wsgi.method, wsgi.path, query, Headers(wsgi.headers), wsgi.get_data())
        self.requests.append(request)
        status, payload = self.answer(request)
        return Response(json.dumps(payload), status=status, content_type="application/json")

    def answer(self, request: Request) -> tuple[int, dict[str, Any]]:
        if self.anonymous_status and "Authorization" not in request.headers:
            if request.path == "/api/status":
                return 200, {"status": {"overall": {"level": "available"}}}
            return 401, {"statusCode": 401, "error": "Unauthorized"}
        if self.credentials and request.headers.get("Authorization") != self.credentials:
            return 401, {"statusCode": 401, "error": "Unauthorized"}
        path, space = request.path, "default"
        if path.startswith("/s/"):
            _, _, space, rest = path.split("/", 3)
            path = "/" + rest
        if path == "/api/status":
            if self.unavailable_for > 0:
                self.unavailable_for -= 1
                return 503, {"status": {"overall": {"level": "unavailable"}}}
            return 200, {
                "version": {"number": self.version},
                "status": {"overall": {"level": self.level}},
            }
        if request.method == "POST" and path == "/api/saved_objects/_import":
            if request.headers.get("kbn-xsrf") is None:
                return 400, {
                    "error": "Bad Request",
                    "message": "Request must contain a kbn-xsrf header.",
                }
            return self._import(space, request)
        parts = path.split("/")
        if (
            request.method == "GET"
            and len(parts) == 5
            and parts[:3] == ["", "api", "saved_objects"]
        ):
            found = self.objects.get((space, parts[3], parts[4]))
            return (200, found) if found else (404, {"statusCode": 404, "error": "Not Found"})
        return 404, {"statusCode": 404, "error": "Not Found", "message": f"no route {path}"}

    def _import(self, space: str, request: Request) -> tuple[int, dict[str, Any]]:
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            b"Content-Type: "
            + request.headers["Content-Type"].encode()
            + b"\r\n\r\n"
            + request.body
        )
        (part,) = [
            p
            for p in message.iter_parts()
            if p.get_param("name", header="content-disposition") == "file"
        ]
        lines = [
            json.loads(line) for line in part.get_payload(decode=True).splitlines() if line.strip()
        ]
        overwrite = request.query.get("overwrite") == ["true"]
        uploaded = {(o["type"], o["id"]) for o in lines}
        errors = []
        for obj in lines:
            missing = [
                {"type": r["type"], "id": r["id"]}
                for r in obj.get("references", [])
                if (r["type"], r["id"]) not in uploaded
                and (space, r["type"], r["id"]) not in self.objects
            ]
            key = (space, obj["type"], obj["id"])
            if missing:
                errors.append(
                    {
                        "type": obj["type"],
                        "id": obj["id"],
                        "error": {"type": "missing_references", "references": missing},
                    }
                )
            elif key in self.objects and not overwrite:
                errors.append({"type": obj["type"], "id": obj["id"], "error": {"type": "conflict"}})
        if errors:
            return 200, {"success": False, "successCount": 0, "errors": errors}
        for obj in lines:
            self.objects[(space, obj["type"], obj["id"])] = obj
        return 200, {
            "success": True,
            "successCount": len(lines),
            "successResults": [{"type": o["type"], "id": o["id"]} for o in lines],
        }
