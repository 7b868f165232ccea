"""SSRF guard of the connector: redirects, address notations, DNS answers, TLS, full text.

Real local servers, no mocks of HTTP: a "public" server on 127.0.0.2 (the only address the
injected classifier lets pass), an internal one on 127.0.0.1, and host names answered by a
resolver the test controls (see tests/support/ssrf.py). A refused request is one the internal server
never sees.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from newsflow.connectors.fetcher import FetchResult, HttpFetcher
from newsflow.connectors.fulltext import FullTextExtractor
from newsflow.http_guard import guarded_async_transport
from newsflow.settings import ConnectorSettings
from tests.support.ssrf import (
    INTERNAL,
    PUBLIC,
    RSS,
    FakeDNS,
    LocalServer,
    guard_with,
    make_tls,
    paired_servers,
)

SETTING = "connector.allow_private_addresses"


def fetch(url: str, dns: FakeDNS, allow_private: bool = False, **settings) -> FetchResult:
    async def go() -> FetchResult:
        config = ConnectorSettings(allow_private_addresses=allow_private, **settings)
        guard = guard_with(dns) if not allow_private else None
        fetcher = HttpFetcher(config, guard=guard)
        try:
            return await fetcher.fetch(url)
        finally:
            await fetcher.aclose()

    return asyncio.run(go())


def redirecting(public: LocalServer, target: str, status: int = 302) -> str:
    public.routes["/start"] = (status, {"Location": target}, b"")
    return public.url("/start", host="feed.test")


# Every kind of address a redirect must not reach; {port} is the internal server's port.
TARGETS = [
    "http://127.0.0.1:{port}/feed",  # loopback
    "http://[::1]:{port}/feed",  # IPv6 loopback
    "http://169.254.169.254/latest/meta-data/",  # cloud metadata
    "http://[fd00:ec2::254]/latest/meta-data/",  # AWS IPv6 metadata
    "http://10.0.0.5/",  # 10/8
    "http://172.16.0.1/",  # 172.16/12, first ...
    "http://172.31.255.254/",  # ... and last
    "http://192.168.1.1/",  # 192.168/16
    "http://[fc00::1]/",  # unique local fc00::/7
    "http://[fd12:3456::1]/",
    "http://[fe80::1]/",  # IPv6 link-local
    "http://169.254.1.1/",  # IPv4 link-local
    "http://0.0.0.0:{port}/feed",  # unspecified (reaches local services on Linux)
    "http://[::]:{port}/feed",
    "http://2130706433:{port}/feed",  # decimal 127.0.0.1
    "http://0x7f.1:{port}/feed",  # hex + short form
    "http://0x7f000001:{port}/feed",
    "http://127.1:{port}/feed",
    "http://127.0.0.1.:{port}/feed",  # trailing dot
    "http://[::ffff:127.0.0.1]:{port}/feed",  # IPv4-mapped IPv6
    "http://[::ffff:a00:5]/",  # IPv4-mapped 10.0.0.5
    "http://public.example@127.0.0.1:{port}/feed",  # userinfo: the host is 127.0.0.1
    "http://localhost:{port}/feed",
    "http://inside.test:{port}/feed",  # a name resolving to loopback
    "http://metadata.test/latest/",  # a name resolving to the metadata address
    "http://v6inside.test/",  # a name with a unique-local IPv6 address
    "http://mixed.test:{port}/feed",  # one public and one private address: refused
]


def dns_for_targets() -> FakeDNS:
    return FakeDNS(
        feed_test=[PUBLIC],
        inside_test=[INTERNAL],
        metadata_test=["169.254.169.254"],
        v6inside_test=["fd00::7"],
        mixed_test=[PUBLIC, INTERNAL],
    )


@pytest.mark.parametrize("template", TARGETS)
def test_redirect_to_a_non_public_address_is_refused_naming_the_target(servers, template):
    public, internal = servers
    target = template.format(port=internal.port)
    start = redirecting(public, target)
    result = fetch(start, dns_for_targets())
    assert result.outcome == "blocked", result.error
    assert result.error.startswith(f"redirect from {start} to {target} refused: refusing ")
    assert f"(set {SETTING} to allow)" in result.error
    assert [r.path for r in public.requests] == ["/start"]
    assert internal.requests == []


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_every_redirect_status_is_checked(servers, status):
    public, internal = servers
    result = fetch(redirecting(public, internal.url("/feed"), status), dns_for_targets())
    assert (
        result.outcome == "blocked" and "refusing 127.0.0.1 (127.0.0.1): loopback" in result.error
    )
    assert internal.requests == []


def test_each_hop_of_a_chain_is_checked(servers):
    public, internal = servers
    dns = dns_for_targets()
    dns.add("cdn.test", [PUBLIC])
    public.routes["/a"] = (301, {"Location": "/b"}, b"")
    public.routes["/b"] = (302, {"Location": public.url("/c", host="cdn.test")}, b"")
    public.routes["/c"] = (307, {"Location": f"http://inside.test:{internal.port}/feed"}, b"")
    result = fetch(public.url("/a", host="feed.test"), dns)
    assert result.outcome == "blocked"
    assert result.error.startswith(
        f"redirect from {public.url('/c', host='cdn.test')} to "
        f"http://inside.test:{internal.port}/feed refused: refusing inside.test (127.0.0.1)"
    )
    assert [r.path for r in public.requests] == ["/a", "/b", "/c"]
    assert internal.requests == []


def test_redirects_between_public_hosts_still_work_and_carry_the_host_name(servers):
    public, internal = servers
    dns = dns_for_targets()
    dns.add("mirror.test", [PUBLIC])
    public.routes["/start"] = (301, {"Location": public.url("/feed", host="mirror.test")}, b"")
    public.routes["/feed"] = (200, {}, RSS)
    result = fetch(public.url("/start", host="feed.test"), dns)
    assert result.outcome == "ok" and result.body == RSS
    assert result.permanent_url == public.url("/feed", host="mirror.test")
    assert [r.headers["Host"] for r in public.requests] == [
        f"feed.test:{public.port}",
        f"mirror.test:{public.port}",
    ]
    assert internal.requests == []


def test_private_addresses_allowed_when_configured(servers):
    public, internal = servers
    public.routes["/start"] = (302, {"Location": internal.url("/feed")}, b"")
    result = fetch(public.url("/start"), FakeDNS(), allow_private=True)
    assert result.outcome == "ok" and result.body == b"<secret/>"


@pytest.mark.parametrize(
    "url",
    [
        "http://public.example@127.0.0.1:{port}/feed",
        "http://127.0.0.1:{port}@inside.test:{port}/feed",  # host is inside.test (-> 127.0.0.1)
        "http://feed.test%40127.0.0.1:{port}/feed",
        "http://feed.test\\@127.0.0.1:{port}/feed",
        "http://[::ffff:127.0.0.1]:{port}/feed",
        "http://2130706433:{port}/feed",
        "http://0x7f.1:{port}/feed",
        "http://0177.0.0.1:{port}/feed",  # octal: httpx cannot parse it, the guard reads 127.0.0.1
    ],
)
def test_tricky_urls_never_reach_the_internal_server(servers, url):
    _, internal = servers
    result = fetch(url.format(port=internal.port), dns_for_targets())
    assert result.outcome in ("blocked", "network"), result  # refused, or not even a valid URL
    assert internal.requests == []


def test_octal_redirect_target_is_not_followed(servers):
    """httpx rejects a Location it cannot parse (0177.0.0.1) before the guard sees it."""
    public, internal = servers
    target = f"http://0177.0.0.1:{internal.port}/feed"
    result = fetch(redirecting(public, target), dns_for_targets())
    assert result.outcome == "network" and "0177.0.0.1" in result.error
    assert internal.requests == []


def test_dns_rebinding_cannot_reach_the_private_address(servers):
    """rebind.test answers 127.0.0.2 ("public") to the first lookup and 127.0.0.1 to every
    later one. A guard that checked one lookup and let the HTTP client look the name up again
    would connect to 127.0.0.1; this one resolves once and connects to what it checked."""
    public, internal = servers
    public.routes["/feed"] = (200, {}, RSS)
    dns = FakeDNS(rebind_test=[[PUBLIC], [INTERNAL]])
    url = f"http://rebind.test:{public.port}/feed"  # the same port serves on both addresses
    first = fetch(url, dns)
    assert first.outcome == "ok" and first.body == RSS  # the public server answered
    assert dns.lookups == ["rebind.test"]  # one lookup for the whole fetch
    second = fetch(url, dns)  # a new connection: the name now points inside
    assert second.outcome == "blocked"
    assert second.error.startswith("refusing rebind.test (127.0.0.1): loopback address")
    assert len(public.requests) == 1 and internal.requests == []


def test_every_address_of_a_name_is_checked(servers):
    public, internal = servers
    public.routes["/feed"] = (200, {}, RSS)
    for answer in ([PUBLIC, INTERNAL], [INTERNAL, PUBLIC], [PUBLIC, "::1"]):
        result = fetch(f"http://multi.test:{public.port}/feed", FakeDNS(multi_test=answer))
        assert result.outcome == "blocked", answer
    assert public.requests == [] and internal.requests == []


def test_a_name_that_does_not_resolve_is_a_network_error(servers):
    result = fetch("http://nowhere.test/feed", FakeDNS())
    assert result.outcome == "network" and "cannot resolve nowhere.test" in result.error


def test_https_by_checked_address_keeps_sni_certificate_and_host(tmp_path: Path):
    """Connecting to the checked address must not break TLS: SNI and the certificate check use
    the host name, and so does the Host header."""
    server_tls, client_tls = make_tls(tmp_path, "feed.test", "rebind.test")
    public, internal = paired_servers(tls=server_tls)
    public.routes["/feed"] = (200, {}, RSS)
    dns = FakeDNS(feed_test=[PUBLIC], rebind_test=[[PUBLIC], [INTERNAL]])

    async def get(url: str) -> httpx.Response:
        transport = guarded_async_transport(guard_with(dns), verify=client_tls)
        async with httpx.AsyncClient(transport=transport) as client:
            return await client.get(url)

    try:
        response = asyncio.run(get(f"https://feed.test:{public.port}/feed"))
        assert response.status_code == 200 and response.content == RSS
        assert public.sni == ["feed.test"]
        assert public.requests[0].headers["Host"] == f"feed.test:{public.port}"
        with pytest.raises(httpx.ConnectError, match="certificate verify failed"):
            asyncio.run(get(f"https://{PUBLIC}:{public.port}/feed"))  # not the certificate's name
        assert asyncio.run(get(f"https://rebind.test:{public.port}/feed")).status_code == 200
        with pytest.raises(httpx.ConnectError, match=r"refusing rebind\.test \(127\.0\.0\.1\)"):
            asyncio.run(get(f"https://rebind.test:{public.port}/feed"))  # now points inside
        assert public.sni == ["feed.test", None, "rebind.test"]  # no SNI for an IP address
        assert internal.requests == [] and internal.sni == []
    finally:
        public.close()
        internal.close()


def full_text(url: str, dns: FakeDNS) -> str | None:
    async def go() -> str | None:
        fetcher = HttpFetcher(ConnectorSettings(), guard=guard_with(dns))
        try:
            return await FullTextExtractor(fetcher, 50.0, "newsflow/0.1").extract(url)
        finally:
            await fetcher.aclose()

    return asyncio.run(go())


PAGE = b"<html><body><article><p>" + b"The glacier retreated again this year. " * 20 + b"</p>"


def test_full_text_page_on_a_public_host_is_extracted(servers):
    public, _ = servers
    public.routes["/article"] = (200, {"Content-Type": "text/html"}, PAGE + b"</article>")
    text = full_text(public.url("/article", host="feed.test"), dns_for_targets())
    assert text is not None and "glacier retreated" in text


def test_full_text_page_redirecting_inside_is_refused(servers):
    public, internal = servers
    internal.routes["/admin"] = (200, {"Content-Type": "text/html"}, PAGE + b"secret</article>")
    public.routes["/article"] = (302, {"Location": internal.url("/admin")}, b"")
    assert full_text(public.url("/article", host="feed.test"), dns_for_targets()) is None
    assert [r.path for r in public.requests] == ["/robots.txt", "/article"]
    assert internal.requests == []


def test_full_text_robots_redirecting_inside_stops_the_page_fetch(servers):
    public, internal = servers
    public.routes["/robots.txt"] = (301, {"Location": internal.url("/robots.txt")}, b"")
    public.routes["/article"] = (200, {"Content-Type": "text/html"}, PAGE + b"</article>")
    assert full_text(public.url("/article", host="feed.test"), dns_for_targets()) is None
    assert [r.path for r in public.requests] == ["/robots.txt"]
    assert internal.requests == []


@pytest.mark.parametrize(
    "url",
    [
        "http://0x7f.1:{port}/admin",
        "http://[::ffff:127.0.0.1]:{port}/admin",
        "http://inside.test:{port}/admin",
        "http://feed.test@127.0.0.1:{port}/admin",
    ],
)
def test_full_text_link_to_an_internal_address_requests_nothing(servers, url):
    _, internal = servers
    internal.routes["/admin"] = (200, {"Content-Type": "text/html"}, PAGE + b"</article>")
    assert full_text(url.format(port=internal.port), dns_for_targets()) is None
    assert internal.requests == []
