"""Feed connector: polite HTTP fetching (limits, conditional GET, redirects, size cap, SSRF guard)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import httpx

from newsflow.connectors.metrics import FETCH_SECONDS, FETCHES
from newsflow.errors import NewsflowError
from newsflow.http_guard import guarded_async_transport, refused
from newsflow.retry import parse_retry_after
from newsflow.settings import ConnectorSettings
from newsflow.urls import AddressGuard, BlockedAddressError

FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, "
    "application/xml;q=0.8, text/xml;q=0.8, */*;q=0.5"
)
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"
MAX_REDIRECTS = 5
_REDIRECTS = {301, 302, 303, 307, 308}
_PERMANENT = {301, 308}
SETTING = "connector.allow_private_addresses"  # named in the guard's refusals

log = logging.getLogger(__name__)


class FetchError(NewsflowError):
    """A fetch failed; `outcome` is a metric label, `retry_after` the server's wish in seconds."""

    def __init__(
        self,
        reason: str,
        outcome: str = "network",
        retry_after: float | None = None,
        status: int = 0,
    ):
        self.outcome = outcome
        self.reason = reason
        self.retry_after = retry_after
        self.status = status
        super().__init__(reason)

    def __reduce__(self):
        return (type(self), (self.reason, self.outcome, self.retry_after, self.status))


@dataclass(frozen=True)
class FetchResult:
    """What one fetch produced: a body, a 304, or an error (never an exception)."""

    url: str  # the URL finally answered
    outcome: str  # ok, not_modified, or a FetchError outcome
    status: int = 0
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    permanent_url: str | None = None  # set when every redirect hop was permanent (301/308)
    error: str | None = None
    retry_after: float | None = None
    elapsed: float = 0.0

    @property
    def ok(self) -> bool:
        return self.outcome in ("ok", "not_modified")


def parse_max_age(cache_control: str | None) -> float | None:
    """max-age (seconds) from a Cache-Control header, if any."""
    for part in (cache_control or "").split(","):
        name, _, value = part.strip().partition("=")
        if name.lower() == "max-age" and value.strip().strip('"').isdigit():
            return float(value.strip().strip('"'))
    return None


class HttpFetcher:
    """Async HTTP client with global and per-host concurrency limits, behind the SSRF guard.

    `guard` defaults to the settings' policy; tests pass one with their own resolver."""

    def __init__(self, settings: ConnectorSettings, guard: AddressGuard | None = None):
        self.settings = settings
        self.guard = guard or AddressGuard(settings.allow_private_addresses, SETTING)
        self.timeout = settings.timeout.total_seconds()
        self._global = asyncio.Semaphore(settings.max_concurrency)
        self._hosts: dict[str, asyncio.Semaphore] = {}
        limits = httpx.Limits(
            max_connections=settings.max_concurrency,
            max_keepalive_connections=settings.max_concurrency,
        )
        self._client = httpx.AsyncClient(
            follow_redirects=False,
            timeout=httpx.Timeout(self.timeout),
            transport=guarded_async_transport(self.guard, limits=limits),
            headers={"User-Agent": settings.user_agent},
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    def _host_slot(self, url: str) -> asyncio.Semaphore:
        parts = urlsplit(url)
        key = f"{(parts.hostname or '').lower()}:{parts.port or ''}"
        if key not in self._hosts:
            self._hosts[key] = asyncio.Semaphore(self.settings.per_host_concurrency)
        return self._hosts[key]

    async def fetch(
        self,
        url: str,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: str = FEED_ACCEPT,
    ) -> FetchResult:
        """GET url politely; returns a FetchResult whatever happens (errors are data)."""
        started = time.monotonic()
        try:
            result = await self._follow(url, etag, last_modified, accept)
        except FetchError as exc:
            result = FetchResult(
                url, exc.outcome, exc.status, error=exc.reason, retry_after=exc.retry_after
            )
        except TimeoutError:
            reason = f"timed out after {self.timeout:g}s"
            result = FetchResult(url, "timeout", error=reason)
        elapsed = time.monotonic() - started
        FETCHES.labels(result.outcome).inc()
        FETCH_SECONDS.observe(elapsed)
        return FetchResult(**{**result.__dict__, "elapsed": elapsed})

    async def _follow(
        self, url: str, etag: str | None, last_modified: str | None, accept: str
    ) -> FetchResult:
        visited = [url]
        permanent = True
        current = url
        budget = self.timeout  # for the whole redirect chain, not for waiting on a slot
        while True:
            try:
                self.guard.check_url(current)  # literal addresses; names are checked at connect
            except BlockedAddressError as exc:
                raise FetchError(_hop(visited, str(exc)), "blocked") from None
            headers = {"Accept": accept}
            if etag:
                headers["If-None-Match"] = etag
            if last_modified:
                headers["If-Modified-Since"] = last_modified
            # host slot first: waiting on a busy host must not hold a global slot
            async with self._host_slot(current), self._global:
                hop_started = time.monotonic()
                try:
                    async with asyncio.timeout(max(budget, 0.001)):
                        status, response_headers, body = await self._get(current, headers)
                except FetchError as exc:
                    if exc.outcome == "blocked":
                        raise FetchError(_hop(visited, exc.reason), "blocked") from None
                    raise
                budget -= time.monotonic() - hop_started
            if status not in _REDIRECTS:
                break
            location = response_headers.get("location")
            if not location:
                msg = f"HTTP {status} redirect without a Location"
                raise FetchError(msg, "http_error", status=status)
            permanent = permanent and status in _PERMANENT
            current = urljoin(current, location)
            if current in visited:
                reason = f"redirect loop: {' -> '.join([*visited, current])}"
                raise FetchError(reason, "redirect_loop", status=status)
            if len(visited) > MAX_REDIRECTS:
                msg = f"more than {MAX_REDIRECTS} redirects from {url}"
                raise FetchError(msg, "redirect_loop", status=status)
            visited.append(current)
        moved = current if permanent and current != url else None
        return _classify(current, status, response_headers, body, moved)

    async def _get(self, url: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        cap = self.settings.max_response_bytes
        try:
            async with self._client.stream("GET", url, headers=headers) as response:
                response_headers = {k.lower(): v for k, v in response.headers.items()}
                if response.status_code in _REDIRECTS or response.status_code == 304:
                    return response.status_code, response_headers, b""
                declared = response_headers.get("content-length", "")
                if declared.isdigit() and int(declared) > cap:
                    msg = f"response of {declared} bytes exceeds the {cap}-byte cap"
                    raise FetchError(msg, "too_large")
                chunks: list[bytes] = []
                size = 0
                async for chunk in response.aiter_bytes():  # decoded: caps decompression bombs too
                    size += len(chunk)
                    if size > cap:
                        msg = f"response exceeds the {cap}-byte cap"
                        raise FetchError(msg, "too_large")
                    chunks.append(chunk)
                return response.status_code, response_headers, b"".join(chunks)
        except httpx.TimeoutException:
            msg = f"timed out after {self.timeout:g}s"
            raise FetchError(msg, "timeout") from None
        except httpx.DecodingError as exc:
            msg = f"cannot decode the compressed response: {exc}"
            raise FetchError(msg, "network") from None
        except httpx.ConnectError as exc:
            if refused(exc):
                raise FetchError(str(exc), "blocked") from None
            msg = f"ConnectError: {exc or 'connection failed'}"
            raise FetchError(msg, "network") from None
        except (httpx.TransportError, httpx.InvalidURL, httpx.StreamError) as exc:
            msg = f"{type(exc).__name__}: {exc or 'connection failed'}"
            raise FetchError(msg, "network") from None


def _hop(visited: list[str], reason: str) -> str:
    """A refusal's reason, naming the redirect target when a redirect led there."""
    if len(visited) < 2:
        return reason
    return f"redirect from {visited[-2]} to {visited[-1]} refused: {reason}"


def _classify(
    url: str, status: int, headers: dict[str, str], body: bytes, moved: str | None
) -> FetchResult:
    if status == 304:
        return FetchResult(url, "not_modified", status, headers=headers, permanent_url=moved)
    if 200 <= status < 300:
        return FetchResult(url, "ok", status, body, headers, permanent_url=moved)
    retry_after = parse_retry_after(headers.get("retry-after")) if status in (429, 503) else None
    outcome = "rate_limited" if status == 429 else "http_error"
    reason = f"HTTP {status}"
    if retry_after is not None:
        reason += f" (Retry-After {retry_after:g}s)"
    return FetchResult(
        url,
        outcome,
        status,
        headers=headers,
        permanent_url=moved,
        error=reason,
        retry_after=retry_after,
    )
