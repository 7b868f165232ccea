"""Feed connector: polite article-page fetching (robots.txt, per-host rate) and text extraction."""

from __future__ import annotations

import asyncio
import logging
import time
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

from connectors.fetcher import PAGE_ACCEPT, HttpFetcher
from connectors.metrics import FULL_TEXT
from newsflow.urls import BlockedAddressError

log = logging.getLogger(__name__)

ROBOTS_TTL = 24 * 3600.0  # RFC 9309: caches should not be used for more than 24 hours


class _Blocked(Exception):
    """The SSRF guard refused the page's host (or a redirect on the way to robots.txt)."""


class FullTextExtractor:
    """Fetch an article page when robots.txt allows it, at most `rate` pages/second per host.

    Pages and robots.txt go through the fetcher, so through its SSRF guard: every redirect hop
    and every connection. A page link to a non-public address (a feed may point anywhere) is
    refused before anything is requested, robots.txt included."""

    def __init__(self, fetcher: HttpFetcher, rate: float, user_agent: str):
        self.fetcher = fetcher
        self.min_gap = 1.0 / rate
        self.agent = user_agent.split("/", 1)[0]
        self._robots: dict[str, tuple[float, RobotFileParser | None]] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._last: dict[str, float] = {}

    async def extract(self, url: str) -> str | None:
        """The main text of the page as HTML, or None (disallowed, refused, failed, nothing found)."""
        try:
            self.fetcher.guard.check_url(url)
        except BlockedAddressError as exc:
            return self._refused(url, str(exc))
        origin = _origin(url)
        lock = self._locks.setdefault(origin, asyncio.Lock())
        async with lock:  # one page at a time per host, spaced by the rate (and Crawl-delay)
            try:
                robots = await self._robots_for(origin)
            except _Blocked as exc:
                return self._refused(url, str(exc))
            if robots is not None and not robots.can_fetch(self.agent, url):
                FULL_TEXT.labels("disallowed").inc()
                log.info("robots.txt disallows the article page", extra={"url": url})
                return None
            gap = self.min_gap
            if robots is not None and robots.crawl_delay(self.agent):
                gap = max(gap, float(robots.crawl_delay(self.agent) or 0))
            wait = self._last.get(origin, 0.0) + gap - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            result = await self.fetcher.fetch(url, accept=PAGE_ACCEPT)
            self._last[origin] = time.monotonic()
        if result.outcome == "blocked":
            return self._refused(url, result.error or "")
        if result.outcome != "ok":
            FULL_TEXT.labels("fetch_failed").inc()
            log.warning("article page fetch failed", extra={"url": url, "error": result.error})
            return None
        try:
            text = await asyncio.to_thread(_extract, result.body, url)
        except Exception as exc:  # an extractor failure costs the full text, never the item
            FULL_TEXT.labels("extract_failed").inc()
            log.warning("article text extraction failed", extra={"url": url, "error": repr(exc)})
            return None
        FULL_TEXT.labels("extracted" if text else "empty").inc()
        return text

    @staticmethod
    def _refused(url: str, reason: str) -> None:
        FULL_TEXT.labels("blocked").inc()
        log.warning("article page refused by the SSRF guard", extra={"url": url, "error": reason})
        return None

    async def _robots_for(self, origin: str) -> RobotFileParser | None:
        """Parsed robots.txt; None means everything is allowed (RFC 9309: 4xx = no rules)."""
        cached = self._robots.get(origin)
        if cached is not None and time.monotonic() - cached[0] < ROBOTS_TTL:
            return cached[1]
        result = await self.fetcher.fetch(f"{origin}/robots.txt", accept="text/plain, */*;q=0.5")
        if result.outcome == "blocked":  # not cached: no verdict on the site's rules
            raise _Blocked(result.error or "refused")
        parser: RobotFileParser | None
        if result.outcome == "ok":
            parser = RobotFileParser()
            parser.parse(result.body.decode("utf-8", "replace").splitlines())
        elif 400 <= result.status < 500 and result.status != 429:
            parser = None  # "unavailable": no rules
        else:  # unreachable, 429 or 5xx: assume everything is disallowed, as RFC 9309 asks
            parser = RobotFileParser()
            parser.parse(["User-agent: *", "Disallow: /"])
        self._robots[origin] = (time.monotonic(), parser)
        return parser


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _extract(body: bytes, url: str) -> str | None:
    import trafilatura

    return trafilatura.extract(
        body,
        url=url,
        output_format="html",
        include_comments=False,
        include_tables=True,
        favor_precision=True,
    )
