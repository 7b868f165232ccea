"""Unit tests: HttpFetcher against a local HTTP server (no mocks): validators, redirects, limits."""

import asyncio
import gzip
import threading
import time
from email.utils import formatdate

import pytest

from newsflow.connectors.fetcher import SETTING, HttpFetcher, parse_max_age
from newsflow.retry import parse_retry_after
from newsflow.settings import ConnectorSettings
from newsflow.urls import AddressGuard, BlockedAddressError, is_public_address
from tests.support.servers import Route

RSS = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'


def fetch(url: str, allow_private: bool = True, **settings):
    async def go():
        config = ConnectorSettings(allow_private_addresses=allow_private, **settings)
        fetcher = HttpFetcher(config)
        try:
            return await fetcher.fetch(url)
        finally:
            await fetcher.aclose()

    return asyncio.run(go())


def fetch_with(url: str, etag=None, modified=None):
    async def go():
        fetcher = HttpFetcher(ConnectorSettings(allow_private_addresses=True))
        try:
            return await fetcher.fetch(url, etag, modified)
        finally:
            await fetcher.aclose()

    return asyncio.run(go())


def test_ok_and_conditional_get_with_etag(server):
    server.routes["/f"] = Route(RSS, etag=True)
    first = fetch(server.url("/f"))
    assert first.outcome == "ok" and first.body == RSS and first.headers["etag"]
    second = fetch_with(server.url("/f"), etag=first.headers["etag"])
    assert second.outcome == "not_modified" and second.status == 304 and second.body == b""
    assert server.requests[1].headers["if-none-match"] == first.headers["etag"]
    assert server.requests[0].headers["user-agent"].startswith("newsflow/")


def test_conditional_get_with_last_modified(server):
    stamp = "Wed, 05 Nov 2025 10:00:00 GMT"
    server.routes["/f"] = Route(RSS, last_modified=stamp)
    assert fetch_with(server.url("/f")).headers["last-modified"] == stamp
    assert fetch_with(server.url("/f"), modified=stamp).outcome == "not_modified"


def test_compressed_responses_are_decoded(server):
    server.routes["/gz"] = Route(RSS, gzip=True)
    result = fetch(server.url("/gz"))
    assert result.outcome == "ok" and result.body == RSS
    assert "gzip" in server.requests[0].headers["accept-encoding"]


def test_429_carries_retry_after(server):
    server.routes["/busy"] = Route(b"slow down", 429, {"Retry-After": "120"})
    result = fetch(server.url("/busy"))
    assert result.outcome == "rate_limited" and result.retry_after == 120
    assert "HTTP 429" in result.error


def test_503_with_http_date_retry_after(server):
    later = formatdate(time.time() + 600, usegmt=True)
    server.routes["/down"] = Route(b"maintenance", 503, {"Retry-After": later})
    result = fetch(server.url("/down"))
    assert result.outcome == "http_error" and 590 <= result.retry_after <= 600


def test_permanent_redirect_reports_the_new_url(server):
    server.routes["/old"] = Route(status=301, headers={"Location": "/new"})
    server.routes["/new"] = Route(RSS)
    result = fetch(server.url("/old"))
    assert result.outcome == "ok" and result.body == RSS
    assert result.permanent_url == server.url("/new")


def test_temporary_redirect_keeps_the_url(server):
    server.routes["/tmp"] = Route(status=302, headers={"Location": "/perm"})
    server.routes["/perm"] = Route(status=308, headers={"Location": "/final"})
    server.routes["/final"] = Route(RSS)
    result = fetch(server.url("/tmp"))
    assert result.outcome == "ok" and result.permanent_url is None
    assert result.url == server.url("/final")


def test_redirect_loop_fails_cleanly(server):
    server.routes["/a"] = Route(status=301, headers={"Location": "/b"})
    server.routes["/b"] = Route(status=302, headers={"Location": "/a"})
    result = fetch(server.url("/a"))
    assert result.outcome == "redirect_loop" and "redirect loop" in result.error
    assert len(server.requests) == 2


def test_slow_server_hits_the_timeout(server):
    server.routes["/slow"] = Route(RSS, delay=3)
    started = time.monotonic()
    result = fetch(server.url("/slow"), timeout="1s")
    assert result.outcome == "timeout" and "timed out after 1s" in result.error
    assert time.monotonic() - started < 2.5


def test_trickling_server_hits_the_total_timeout(server):
    server.routes["/trickle"] = Route(RSS * 4, trickle=0.2)  # each chunk is fast, the whole is not
    result = fetch(server.url("/trickle"), timeout="1s")
    assert result.outcome == "timeout"


def test_oversize_response_by_content_length(server):
    server.routes["/big"] = Route(b"x" * 5000)
    result = fetch(server.url("/big"), max_response_bytes=4096)
    assert result.outcome == "too_large" and "4096-byte cap" in result.error


def test_oversize_after_decompression(server):
    server.routes["/bomb"] = Route(b"<" * 200_000, gzip=True)  # ~300 bytes on the wire
    assert len(gzip.compress(b"<" * 200_000)) < 4096
    result = fetch(server.url("/bomb"), max_response_bytes=4096)
    assert result.outcome == "too_large"


def test_ssrf_guard_refuses_loopback_unless_allowed(server):
    server.routes["/f"] = Route(RSS)
    refused = fetch(server.url("/f"), allow_private=False)
    assert refused.outcome == "blocked" and "allow_private_addresses" in refused.error
    assert server.requests == []  # nothing reached the server
    assert fetch(server.url("/f"), allow_private=True).outcome == "ok"


def test_ssrf_guard_checks_literal_hosts_without_dns():
    """The check every redirect hop passes before it is requested (names: at connect time)."""
    guard = AddressGuard(False, SETTING)
    with pytest.raises(BlockedAddressError, match="localhost names are loopback"):
        guard.check_url("http://localhost:1/x")
    with pytest.raises(BlockedAddressError, match=r"refusing 0x7f\.1 \(127\.0\.0\.1\): loopback"):
        guard.check_url("http://0x7f.1:1/x")
    with pytest.raises(BlockedAddressError, match="only http"):
        AddressGuard(True, SETTING).check_url("file:///etc/passwd")


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("192.168.0.1", False),
        ("172.16.5.4", False),
        ("169.254.169.254", False),  # cloud metadata
        ("::1", False),
        ("fe80::1", False),
        ("fd00::1", False),
        ("::ffff:127.0.0.1", False),
        ("0.0.0.0", False),
        ("100.64.0.1", False),  # carrier-grade NAT
        ("224.0.0.1", False),  # multicast
        ("fec0::1", False),  # deprecated site-local
        ("2002:7f00:1::", False),  # 6to4 around 127.0.0.1
        ("64:ff9b::a00:1", False),  # NAT64 around 10.0.0.1
        ("93.184.216.34", True),
        ("2606:4700::1111", True),
    ],
)
def test_public_address_classification(address, public):
    assert is_public_address(address) is public


def test_per_host_concurrency_limit(server):
    active = {"now": 0, "max": 0}
    lock = threading.Lock()

    def slow(request):
        with lock:
            active["now"] += 1
            active["max"] = max(active["max"], active["now"])
        time.sleep(0.2)
        with lock:
            active["now"] -= 1
        return Route(RSS)

    server.routes["/c"] = slow

    async def go():
        fetcher = HttpFetcher(
            ConnectorSettings(allow_private_addresses=True, per_host_concurrency=2)
        )
        try:
            return await asyncio.gather(*(fetcher.fetch(server.url("/c")) for _ in range(6)))
        finally:
            await fetcher.aclose()

    results = asyncio.run(go())
    assert all(r.outcome == "ok" for r in results)
    assert active["max"] == 2


def test_header_parsers():
    assert parse_retry_after("30") == 30
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412480 - 60) == 60
    assert parse_max_age("public, max-age=600") == 600
    assert parse_max_age("no-cache") is None


def test_full_text_pages_go_through_the_ssrf_guard(server):
    from newsflow.connectors.fulltext import FullTextExtractor

    server.routes["/article"] = Route(
        b"<html><body><p>secret</p></body></html>", content_type="text/html"
    )

    async def go():
        fetcher = HttpFetcher(ConnectorSettings())  # private addresses refused
        try:
            return await FullTextExtractor(fetcher, 10.0, "newsflow/0.1").extract(
                server.url("/article")
            )
        finally:
            await fetcher.aclose()

    assert asyncio.run(go()) is None
    assert server.requests == []


def test_the_connected_peer_is_checked_too(server):
    """A name (no literal address to refuse in the URL) resolving to loopback is refused where
    the connection is made, by the address its lookup returned."""
    from tests.support.ssrf import FakeDNS, guard_with

    server.routes["/f"] = Route(RSS)
    dns = FakeDNS(sneaky_test=["127.0.0.1"])

    async def go():
        fetcher = HttpFetcher(ConnectorSettings(), guard=guard_with(dns))
        try:
            return await fetcher.fetch(f"http://sneaky.test:{server.port}/f")
        finally:
            await fetcher.aclose()

    result = asyncio.run(go())
    assert result.outcome == "blocked"
    assert result.error.startswith("refusing sneaky.test (127.0.0.1): loopback address")
    assert dns.lookups == ["sneaky.test"] and server.requests == []


@pytest.mark.parametrize(
    ("robots", "allowed"),
    [
        (Route(b"User-agent: *\nDisallow: /private/\n", content_type="text/plain"), True),
        (Route(b"User-agent: newsflow\nDisallow: /\n", content_type="text/plain"), False),
        (Route(b"gone", 404, content_type="text/plain"), True),  # RFC 9309: unavailable = no rules
        (Route(b"oops", 503, content_type="text/plain"), False),  # unreachable = disallow all
    ],
)
def test_full_text_obeys_robots_txt(server, robots, allowed):
    from pathlib import Path

    from newsflow.connectors.fulltext import FullTextExtractor

    page = (
        Path(__file__).resolve().parents[2] / "fixtures" / "feeds" / "article_page.html"
    ).read_bytes()
    server.routes["/robots.txt"] = robots
    server.routes["/news/glacier"] = Route(page, content_type="text/html; charset=utf-8")

    async def go():
        fetcher = HttpFetcher(ConnectorSettings(allow_private_addresses=True))
        try:
            return await FullTextExtractor(fetcher, 10.0, "newsflow/0.1").extract(
                server.url("/news/glacier")
            )
        finally:
            await fetcher.aclose()

    text = asyncio.run(go())
    assert (text is not None and "Rhone glacier" in text) is allowed
    assert len(server.requests_for("/news/glacier")) == (1 if allowed else 0)


def test_waiting_for_a_slot_does_not_count_against_the_timeout(server):
    server.routes["/q"] = Route(RSS, delay=0.6)

    async def go():
        config = ConnectorSettings(
            allow_private_addresses=True, per_host_concurrency=1, timeout="1s"
        )
        fetcher = HttpFetcher(config)
        try:
            return await asyncio.gather(*(fetcher.fetch(server.url("/q")) for _ in range(3)))
        finally:
            await fetcher.aclose()

    results = asyncio.run(go())
    assert [r.outcome for r in results] == ["ok", "ok", "ok"]  # the third waited ~1.2s for its turn
