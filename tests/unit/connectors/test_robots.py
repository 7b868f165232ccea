"""Unit tests: robots.txt under RFC 9309 - the `*` and `$` rules urllib.robotparser misses."""

import asyncio
from pathlib import Path
from urllib.robotparser import RobotFileParser

import pytest

from newsflow.connectors.fetcher import HttpFetcher
from newsflow.connectors.fulltext import FullTextExtractor
from newsflow.connectors.robots import RobotsCache, parse_robots
from newsflow.settings import ConnectorSettings
from tests.support.servers import FeedServer, Route

PAGE = (
    Path(__file__).resolve().parents[2] / "fixtures" / "feeds" / "article_page.html"
).read_bytes()

# (robots.txt, URL, allowed under RFC 9309)
RFC_9309_CASES = [
    ("User-agent: *\nDisallow: /*.pdf$\n", "https://example.com/files/report.pdf", False),
    ("User-agent: *\nDisallow: /*/glacier$\n", "https://example.com/news/glacier", False),
    ("User-agent: *\nDisallow: /*?print=\n", "https://example.com/a/b?print=1", False),
    ("User-agent: *\nDisallow: /\nAllow: /news/$\n", "https://example.com/news/", True),
]


@pytest.mark.parametrize(("robots", "url", "allowed"), RFC_9309_CASES)
def test_wildcard_and_end_anchor_rules_where_the_standard_library_is_wrong(robots, url, allowed):
    stdlib = RobotFileParser()
    stdlib.parse(robots.splitlines())
    assert stdlib.can_fetch("newsflow", url) is not allowed  # the difference protego makes
    assert parse_robots(robots).can_fetch(url, "newsflow") is allowed


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://example.com/files/report.pdf.html", True),  # `$`: the path must end there
        ("https://example.com/files/report.pdf?v=2", True),
        ("https://example.com/files/2024/report.pdf", False),  # `*`: any characters, `/` too
    ],
)
def test_the_end_anchor_ends_the_whole_path_and_query(url, allowed):
    assert parse_robots("User-agent: *\nDisallow: /files/*.pdf$\n").can_fetch(url, "newsflow") is (
        allowed
    )


def _extract_pages(robots: bytes, paths: list[str]) -> tuple[FeedServer, list[str | None]]:
    """Full text of `paths` (the article page behind each) under `robots`, one extractor."""
    with FeedServer() as server:
        server.routes["/robots.txt"] = Route(robots, content_type="text/plain")
        server.routes["/news/glacier"] = Route(PAGE, content_type="text/html; charset=utf-8")

        async def go() -> list[str | None]:
            fetcher = HttpFetcher(ConnectorSettings(allow_private_addresses=True))
            try:
                extractor = FullTextExtractor(fetcher, 50.0, "newsflow/0.1")
                return [await extractor.extract(server.url(path)) for path in paths]
            finally:
                await fetcher.aclose()

        return server, asyncio.run(go())


def test_full_text_skips_a_page_only_a_wildcard_rule_disallows():
    """The page the `$` rule names is not fetched; the same page with a query is."""
    robots = b"User-agent: newsflow\nDisallow: /*/glacier$\n"
    server, (anchored, with_query) = _extract_pages(robots, ["/news/glacier", "/news/glacier?p=2"])
    assert anchored is None
    assert with_query is not None and "Rhone glacier" in with_query
    assert [r.path for r in server.requests] == ["/robots.txt", "/news/glacier?p=2"]


def test_crawl_delay_spaces_the_pages_and_robots_txt_is_fetched_once():
    robots = b"User-agent: *\nCrawl-delay: 0.5\nDisallow: /private/\n"
    server, texts = _extract_pages(robots, ["/news/glacier?a", "/news/glacier?b"])
    assert all(texts)
    pages = server.requests_for("/news/glacier")
    assert len(pages) == 2 and pages[1].at - pages[0].at >= 0.45  # not 1/50 s
    assert len(server.requests_for("/robots.txt")) == 1


def test_rules_are_fetched_again_once_they_expire():
    with FeedServer() as server:
        server.routes["/robots.txt"] = Route(
            b"User-agent: *\nDisallow: /x\n", content_type="text/plain"
        )
        origin = server.url("/").rstrip("/")

        async def go(ttl: float) -> None:
            fetcher = HttpFetcher(ConnectorSettings(allow_private_addresses=True))
            try:
                cache = RobotsCache(fetcher, "newsflow/0.1", ttl=ttl)
                for _ in range(2):
                    assert not (await cache.rules_for(origin)).allows(origin + "/x")
            finally:
                await fetcher.aclose()

        asyncio.run(go(3600.0))
        assert len(server.requests_for("/robots.txt")) == 1
        asyncio.run(go(0.0))
        assert len(server.requests_for("/robots.txt")) == 3
