"""Feed connector: polite article-page fetching (robots.txt, per-host rate) and text extraction."""

from __future__ import annotations

import asyncio
import logging
import time
from urllib.parse import urlsplit

from newsflow.connectors.fetcher import PAGE_ACCEPT, HttpFetcher
from newsflow.connectors.metrics import FULL_TEXT
from newsflow.connectors.robots import RobotsCache, RobotsRefusedError
from newsflow.urls import BlockedAddressError

log = logging.getLogger(__name__)


class FullTextExtractor:
    """Fetch an article page when robots.txt allows it, at most `rate` pages/second per host.

    Pages and robots.txt go through the fetcher, so through its SSRF guard: every redirect hop
    and every connection. A page link to a non-public address (a feed may point anywhere) is
    refused before anything is requested, robots.txt included."""

    def __init__(self, fetcher: HttpFetcher, rate: float, user_agent: str):
        self.fetcher = fetcher
        self.min_gap = 1.0 / rate
        self.robots = RobotsCache(fetcher, user_agent)
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
                robots = await self.robots.rules_for(origin)
            except RobotsRefusedError as exc:
                return self._refused(url, str(exc))
            if not robots.allows(url):
                FULL_TEXT.labels("disallowed").inc()
                log.info("robots.txt disallows the article page", extra={"url": url})
                return None
            gap = max(self.min_gap, robots.crawl_delay)
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
