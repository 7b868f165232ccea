"""Unit tests: robots.txt under RFC 9309 - the `*` and `$` rules urllib.robotparser misses."""

import asyncio
from pathlib import Path
from urllib.robotparser import RobotFileParser

import pytest

from connectors.fetcher import HttpFetcher
from connectors.fulltext import FullTextExtractor
from connectors.robots import parse_robots
from connectors.testing import FeedServer, Route
from newsflow.settings import ConnectorSettings

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


def test_full_text_skips_a_page_only_a_wildcard_rule_disallows():
    """The page the `$` rule names is not fetched; the same page with a query is."""
    with FeedServer() as server:
        server.routes["/robots.txt"] = Route(
            b"User-agent: newsflow\nDisallow: /*/glacier$\n", content_type="text/plain"
        )
        server.routes["/news/glacier"] = Route(PAGE, content_type="text/html; charset=utf-8")

        async def go():
            fetcher = HttpFetcher(ConnectorSettings(allow_private_addresses=True))
            try:
                extractor = FullTextExtractor(fetcher, 50.0, "newsflow/0.1")
                anchored = await extractor.extract(server.url("/news/glacier"))
                with_query = await extractor.extract(server.url("/news/glacier?page=2"))
                return anchored, with_query
            finally:
                await fetcher.aclose()

        anchored, with_query = asyncio.run(go())
        assert anchored is None
        assert with_query is not None and "Rhone glacier" in with_query
        assert [r.path for r in server.requests] == ["/robots.txt", "/news/glacier?page=2"]
