"""Article ids, URL canonicalisation and the versioned record schema."""

from __future__ import annotations

import json
import re

import pytest

from newsflow.errors import RecordError
from newsflow.schema import RAW_SCHEMA, DeadLetter, RawArticle
from newsflow.urls import (
    AddressGuard,
    BlockedAddressError,
    address_kind,
    article_id,
    canonical_url,
    parse_ip_literal,
    url_domain,
)


def test_canonical_url_drops_tracking_fragment_and_case_of_host():
    url = "HTTPS://WWW.Example.ORG:443/World/Story?id=7&utm_source=rss&utm_medium=x&fbclid=abc#comments"
    assert canonical_url(url) == "https://www.example.org/World/Story?id=7"


def test_same_article_same_id_across_tracking_variants():
    a = article_id("https://news.example/a?utm_campaign=1")
    b = article_id("https://NEWS.example/a#top")
    assert a == b
    assert a != article_id("https://news.example/b")


def test_guid_fallback_is_scoped_to_its_feed_and_no_identity():
    feed = "https://a.example/rss"
    assert article_id(None, "urn:uuid:1234", feed) == article_id("", "urn:uuid:1234", feed)
    assert article_id(None, "urn:uuid:1234", feed) != article_id(None, "urn:uuid:5678", feed)
    # the same junk GUID in two feeds: two articles; the feed URL compared canonically
    assert article_id(None, "1", feed) != article_id(None, "1", "https://b.example/rss")
    assert article_id(None, "1", feed) == article_id(None, "1", "https://A.example/rss#x")
    # a link identifies an article across feeds, whatever the GUID
    link = "https://news.example/a"
    assert article_id(link, "1", feed) == article_id(link, "2", "https://b.example/rss")
    with pytest.raises(ValueError, match="within its feed"):
        article_id(None, "urn:uuid:1234")
    with pytest.raises(ValueError, match="link or a guid"):
        article_id(None, None)


def test_url_domain():
    assert url_domain("https://www.RT.com/news/1") == "rt.com"


def raw(**changes):
    base = {
        "schema": RAW_SCHEMA,
        "id": "0123456789abcdef0123456789abcdef",
        "url": "https://news.example/a",
        "title": "T",
        "published_at": "2025-11-20T10:00:00+03:00",
        "fetched_at": "2025-11-20T08:00:00Z",
        "source": {
            "name": "world-news",
            "feed_url": "https://news.example/rss",
            "domain": "news.example",
        },
        "content_hash": "abc",
    }
    base.update(changes)
    return json.dumps(base)


def test_raw_article_round_trip_normalises_dates_to_utc():
    record = RawArticle.from_json(raw())
    assert record.published_at.isoformat() == "2025-11-20T07:00:00+00:00"
    again = RawArticle.from_json(record.to_json())
    assert again == record
    assert json.loads(record.to_json())["schema"] == RAW_SCHEMA


@pytest.mark.parametrize(
    ("payload", "field", "reason"),
    [
        (b"\xff\xfe\x00binary", None, "not JSON"),
        ("[1, 2]", None, "not a JSON object"),
        (raw(schema="newsflow.raw/99"), "schema", "unsupported schema"),
        (raw(id=None), "id", ""),
        (raw(published_at="yesterday"), "published_at", ""),
        (raw(source={"name": ""}), "source.", ""),
    ],
)
def test_bad_records_name_stage_and_field(payload, field, reason):
    with pytest.raises(RecordError) as err:
        RawArticle.from_json(payload)
    assert err.value.stage == "parse"
    if field:
        assert (err.value.field or "").startswith(field)
    assert reason in err.value.reason


def test_dead_letter_keeps_binary_payload_exactly():
    payload = b"\x00\xff\x10 not utf-8"
    letter = DeadLetter.of(payload, stage="parse", reason="not JSON", partition=1, offset=7)
    assert letter.payload_encoding == "base64"
    assert DeadLetter.model_validate_json(letter.to_json()).original() == payload
    text = DeadLetter.of("plain", stage="clean", reason="x")
    assert text.original() == b"plain"


# --- the SSRF guard (newsflow.urls.AddressGuard) ---------------------------------------------


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("2130706433", "127.0.0.1"),  # one 32-bit decimal number
        ("0x7f000001", "127.0.0.1"),  # one hex number
        ("0x7f.1", "127.0.0.1"),  # hex, 8.24 form
        ("0177.0.0.1", "127.0.0.1"),  # octal
        ("0177.0.0.01", "127.0.0.1"),
        ("127.1", "127.0.0.1"),  # 8.24
        ("127.0.1", "127.0.0.1"),  # 8.8.16
        ("0x0a.0.0.5", "10.0.0.5"),
        ("0xA9FEA9FE", "169.254.169.254"),  # the metadata address, hex, upper case
        ("127.0.0.1.", "127.0.0.1"),  # trailing dot
        ("0", "0.0.0.0"),
        ("::1", "::1"),
        ("[::1]", "::1"),
        ("::ffff:127.0.0.1", "::ffff:7f00:1"),
        ("fe80::1%eth0", "fe80::1%eth0"),
        ("example.org", None),
        ("08.0.0.1", None),  # not octal, not decimal: a name (and getaddrinfo agrees)
        ("256.0.0.1", None),
        ("1.2.3.4.5", None),
        ("0x7f.example", None),
        ("deadbeef", None),
    ],
)
def test_ip_literals_in_every_notation_resolvers_accept(host, address):
    parsed = parse_ip_literal(host)
    assert (str(parsed) if parsed is not None else None) == address


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("127.255.0.9", "loopback"),
        ("::1", "loopback"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("169.254.169.254", "cloud metadata (link-local)"),
        ("fd00:ec2::254", "cloud metadata (link-local)"),
        ("169.254.1.1", "link-local"),
        ("fe80::1", "link-local"),
        ("10.0.0.1", "private"),
        ("172.16.0.1", "private"),
        ("172.31.255.255", "private"),
        ("192.168.0.1", "private"),
        ("fc00::1", "private"),
        ("fd12:3456::1", "private"),
        ("100.64.0.1", "carrier-grade NAT"),
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("::ffff:127.0.0.1", "loopback"),  # IPv4-mapped
        ("::ffff:10.0.0.1", "private"),
        ("64:ff9b::a9fe:a9fe", "cloud metadata (link-local)"),  # NAT64 of 169.254.169.254
        ("2002:7f00:1::", "loopback"),  # 6to4 of 127.0.0.1
        ("fec0::1", "site-local"),
        ("240.0.0.1", "private"),  # reserved (Python files it under private)
        ("172.32.0.1", None),
        ("93.184.216.34", None),
        ("2606:4700::1111", None),
        ("::ffff:93.184.216.34", None),  # what a dual-stack socket reaches is public
        ("64:ff9b::5db8:d822", None),  # DNS64 answer for 93.184.216.34
    ],
)
def test_address_kinds(address, kind):
    assert address_kind(address) == kind


class Lookups:
    def __init__(self, **answers: list[str]):
        self.answers = {name.replace("_", "."): a for name, a in answers.items()}
        self.calls: list[str] = []

    def __call__(self, host: str, port: int) -> list[str]:
        self.calls.append(host)
        if host not in self.answers:
            raise OSError(host)
        return self.answers[host]


GUARD = AddressGuard(setting="x.allow_private_addresses", resolver=Lookups())


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://127.0.0.1/", "refusing 127.0.0.1 (127.0.0.1): loopback address"),
        ("http://2130706433/", "refusing 2130706433 (127.0.0.1): loopback address"),
        ("http://0x7f.1/", "refusing 0x7f.1 (127.0.0.1): loopback address"),
        ("https://[::ffff:127.0.0.1]:8443/x", "(::ffff:7f00:1): loopback address"),
        ("http://public.example@127.0.0.1/", "refusing 127.0.0.1 (127.0.0.1)"),
        ("http://user:pw@[::1]:80/", "refusing ::1 (::1)"),
        ("http://169.254.169.254/latest/", "cloud metadata (link-local) address"),
        ("http://LOCALHOST:8080/", "refusing localhost: localhost names are loopback"),
        ("http://api.localhost/", "localhost names are loopback"),
        ("http://10.1.2.3/", "private address"),
        ("http://0.0.0.0:9200/", "unspecified address"),
        ("file:///etc/passwd", "only http(s) URLs with a host"),
        ("gopher://example.org/", "only http(s) URLs with a host"),
        ("http:///no-host", "only http(s) URLs with a host"),
        ("http://[::1/", "only http(s) URLs with a host"),  # unparseable
    ],
)
def test_guard_refuses_literal_urls_without_dns(url, message):
    with pytest.raises(BlockedAddressError, match=re.escape(message)) as err:
        GUARD.check_url(url)
    if "only http" not in message:
        assert str(err.value).endswith("(set x.allow_private_addresses to allow)")
    assert GUARD.resolver.calls == []  # type: ignore[attr-defined]


def test_guard_lets_names_and_public_literals_through_to_connect_time():
    for url in ("http://example.org/", "https://public@93.184.216.34/x", "http://127.0.0.1.evil/"):
        GUARD.check_url(url)
    allowed = AddressGuard(allow_private=True)
    allowed.check_url("http://127.0.0.1:9/")
    with pytest.raises(BlockedAddressError, match="only http"):
        allowed.check_url("file:///etc/passwd")  # the scheme rule holds even then


def test_guard_resolves_once_and_checks_every_address():
    dns = Lookups(
        public_test=["93.184.216.34", "2606:4700::1111"],
        mixed_test=["93.184.216.34", "10.0.0.7"],
        mapped_test=["::ffff:169.254.169.254"],
        empty_test=[],
    )
    guard = AddressGuard(setting="s", resolver=dns)
    assert guard.addresses("public.test", 443) == ["93.184.216.34", "2606:4700::1111"]
    with pytest.raises(BlockedAddressError, match=r"refusing mixed\.test \(10\.0\.0\.7\)"):
        guard.addresses("mixed.test", 80)
    with pytest.raises(BlockedAddressError, match="cloud metadata"):
        guard.addresses("mapped.test", 80)
    with pytest.raises(OSError, match="no address"):
        guard.addresses("empty.test", 80)
    with pytest.raises(OSError):
        guard.addresses("unknown.test", 80)
    assert dns.calls == ["public.test", "mixed.test", "mapped.test", "empty.test", "unknown.test"]
    with pytest.raises(BlockedAddressError):
        guard.addresses("0x7f.1", 80)
    assert guard.addresses("93.184.216.34", 80) == ["93.184.216.34"]
    assert len(dns.calls) == 5  # literals never reach the resolver


def test_injected_classifier_decides_what_is_public():
    guard = AddressGuard(
        resolver=Lookups(stage_test=["127.0.0.2"]), is_public=lambda a: a == "127.0.0.2"
    )
    assert guard.addresses("stage.test", 80) == ["127.0.0.2"]
    with pytest.raises(BlockedAddressError, match=r"\(127\.0\.0\.1\): loopback address"):
        guard.addresses("127.0.0.1", 80)
