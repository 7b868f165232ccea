"""Feed connector: robots.txt under RFC 9309 (protego), fetched through the guarded fetcher."""

from __future__ import annotations

import time
from dataclasses import dataclass

from protego import Protego

from newsflow.connectors.fetcher import HttpFetcher

ROBOTS_TTL = 24 * 3600.0  # RFC 9309: caches should not be used for more than 24 hours
ROBOTS_ACCEPT = "text/plain, */*;q=0.5"


class RobotsRefusedError(Exception):
    """The SSRF guard refused robots.txt (or a redirect on the way to it): no verdict."""


def parse_robots(text: str) -> Protego:
    """The rules of a robots.txt body: RFC 9309 matching (`*`, `$`, the longest rule wins)."""
    return Protego.parse(text)


@dataclass(frozen=True)
class SiteRules:
    """One site's robots.txt for one user agent; `rules=None` means no rules (all allowed)."""

    rules: Protego | None
    agent: str

    def allows(self, url: str) -> bool:
        return self.rules is None or self.rules.can_fetch(url, self.agent)

    @property
    def crawl_delay(self) -> float:
        """Seconds between requests the site asks of us (0.0 when it asks nothing)."""
        return (self.rules.crawl_delay(self.agent) if self.rules is not None else None) or 0.0


class RobotsCache:
    """robots.txt per origin for `user_agent` (its product token), kept for `ttl` seconds.

    Fetched through the fetcher, so through its SSRF guard, size cap and timeout. A refusal by
    the guard is not cached: it is no verdict on the site's rules."""

    def __init__(self, fetcher: HttpFetcher, user_agent: str, ttl: float = ROBOTS_TTL):
        self.fetcher = fetcher
        self.agent = user_agent.split("/", 1)[0]
        self.ttl = ttl
        self._sites: dict[str, tuple[float, SiteRules]] = {}

    async def rules_for(self, origin: str) -> SiteRules:
        """The rules of `origin` (scheme://host[:port]); raises RobotsRefusedError."""
        cached = self._sites.get(origin)
        if cached is not None and time.monotonic() - cached[0] < self.ttl:
            return cached[1]
        result = await self.fetcher.fetch(f"{origin}/robots.txt", accept=ROBOTS_ACCEPT)
        if result.outcome == "blocked":
            raise RobotsRefusedError(result.error or "refused")
        rules: Protego | None
        if result.outcome == "ok":
            rules = parse_robots(result.body.decode("utf-8", "replace"))
        elif 400 <= result.status < 500 and result.status != 429:
            rules = None  # "unavailable": no rules
        else:  # unreachable, 429 or 5xx: assume everything is disallowed, as RFC 9309 asks
            rules = parse_robots("User-agent: *\nDisallow: /\n")
        site = SiteRules(rules, self.agent)
        self._sites[origin] = (time.monotonic(), site)
        return site
