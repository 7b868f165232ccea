"""Unit tests: every feed format, encodings, HTML/CDATA, links, missing fields, broken feeds."""

from datetime import UTC, datetime
from pathlib import Path

import pytest

from newsflow.connectors.feeds import FeedConfig
from newsflow.connectors.parser import FeedParseError, parse_feed, to_record
from newsflow.schema import RawArticle
from newsflow.urls import article_id

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "feeds"
BASE = "https://feeds.fixture.example/feeds/"


def parse(name: str, content_type: str = "application/xml"):
    return parse_feed((FIXTURES / name).read_bytes(), BASE + name, {"content-type": content_type})


@pytest.mark.parametrize(
    ("name", "version", "title"),
    [
        ("rss090.rdf", "rss090", "First web browser war begins"),
        ("rss091.xml", "rss091n", "Town council approves budget"),
        ("rss092.xml", "rss092", "Ferry timetable changes"),
        ("rss10.rdf", "rss10", "Observatory spots new moon"),
        ("rss20.xml", "rss20", "Harbour bridge reopens after repairs"),
        ("atom03.xml", "atom03", "Legacy format still alive"),
        ("atom10.xml", "atom10", "Summit <em>ends</em> without deal"),
    ],
)
def test_every_format_is_parsed(name, version, title):
    parsed = parse(name)
    assert parsed.version == version
    assert parsed.items[0].title == title
    assert parsed.warnings == []


def test_windows_1251_from_the_xml_declaration():
    item = parse("cp1251.xml").items[0]
    assert item.title == "Песков: встреча Путина и Трампа не планируется"
    assert "Дмитрий Песков" in item.summary_html


def test_iso_8859_1_from_the_http_header():
    item = parse("latin1.xml", "application/rss+xml; charset=ISO-8859-1").items[0]
    assert item.title == "Fête de la bière à Zürich: garçon, naïve"
    assert item.summary_html == "Crème brûlée et café à l'été."


def test_html_and_cdata_content_is_kept_as_html():
    first = parse("rss20.xml").items[0]
    assert first.summary_html.startswith("<p>The <b>harbour bridge</b> reopened")
    assert "six weeks of repairs" in first.content_html
    atom = parse("atom10.xml").items[1]
    assert "<strong>rose</strong>" in atom.summary_html
    escaped = parse("rss20.xml").items[1]
    assert escaped.summary_html == "<p>Escaped HTML summary about a comet.</p>"


def test_relative_links_resolve_against_the_feed_and_xml_base():
    rss = parse("rss20.xml").items
    assert rss[1].url == "https://feeds.fixture.example/science/comet"
    # RSS has no xml:base: relative links in content resolve against the feed URL
    assert 'href="https://feeds.fixture.example/city/repairs"' in rss[0].content_html
    atom = parse("atom10.xml").items[0]
    assert atom.url == "https://atom-times.example/world/summit-ends"
    assert 'href="https://atom-times.example/photos/1"' in atom.content_html


def test_ids_come_from_the_canonical_url_else_the_guid():
    items = {i.title: i for i in parse("rss20.xml").items}
    bridge = items["Harbour bridge reopens after repairs"]
    assert (
        bridge.url == "https://fixture-daily.example/city/bridge-reopens"
    )  # host, utm_*, fragment
    assert bridge.id == article_id("https://fixture-daily.example/city/bridge-reopens")
    assert items["Only a guid"].url is None
    assert items["Only a guid"].id == article_id(
        None, "urn:fixture:guid-only-42", BASE + "rss20.xml"
    )


def test_duplicates_are_counted_and_an_item_without_link_or_guid_is_still_produced():
    parsed = parse("rss20.xml")
    assert len(parsed.items) == 5  # the last item gets an id derived from feed and text
    assert parsed.duplicates == 1 and parsed.skipped == 0
    assert len({i.id for i in parsed.items}) == 5


def test_dates_are_utc_and_a_missing_date_is_flagged():
    items = parse("rss20.xml").items
    assert items[0].published_at == datetime(2025, 11, 3, 8, 30, tzinfo=UTC)  # +0100 -> UTC
    assert parse("atom10.xml").items[0].published_at == datetime(2025, 11, 5, 14, 0, tzinfo=UTC)
    fetched = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    feed = FeedConfig(name="fixture", url=BASE + "rss20.xml", tags=["t"], language="en")
    untitled = items[2]
    assert untitled.title is None and untitled.published_at is None
    record = to_record(untitled, feed, feed.url, fetched)
    assert record.published_at == fetched and record.published_at_estimated is True
    dated = to_record(items[0], feed, feed.url, fetched)
    assert dated.published_at_estimated is False
    assert RawArticle.from_json(dated.to_json()) == dated


def test_record_carries_authors_categories_and_source():
    feed = FeedConfig(name="fixture", url=BASE + "atom10.xml", tags=["world"], language="en")
    record = to_record(parse("atom10.xml").items[0], feed, feed.url, datetime.now(UTC), revision=2)
    assert record.authors == ["Jo Park", "Li Wei"]
    assert record.categories == ["Politics"]
    assert record.source.name == "fixture" and record.source.feed_url == feed.url
    assert record.source.domain == "atom-times.example" and record.source.tags == ["world"]
    assert record.language_hint == "en" and record.revision == 2 and record.full_text is False


def test_content_hash_changes_only_when_the_content_does():
    original = (FIXTURES / "atom10.xml").read_bytes()
    before = parse_feed(original, BASE).items
    redated = original.replace(b"2025-11-05T09:00:00-05:00", b"2025-11-06T09:00:00-05:00")
    assert [i.content_hash for i in parse_feed(redated, BASE).items] == [
        i.content_hash for i in before
    ]
    edited = parse_feed(original.replace(b"without a deal", b"with a partial deal"), BASE).items
    assert edited[0].content_hash != before[0].content_hash
    assert edited[0].id == before[0].id
    assert edited[1].content_hash == before[1].content_hash


def test_publisher_hints():
    assert parse("rss20.xml").ttl == 15 * 60
    body = b"""<?xml version="1.0"?><rss version="2.0" xmlns:sy="http://purl.org/rss/1.0/modules/syndication/">
    <channel><title>t</title><sy:updatePeriod>hourly</sy:updatePeriod><sy:updateFrequency>2</sy:updateFrequency>
    <item><title>a</title><link>https://e.example/a</link></item></channel></rss>"""
    assert parse_feed(body, BASE).update_period == 1800


def test_recoverable_malformed_feed_is_accepted_with_a_warning():
    parsed = parse("malformed_recoverable.xml")
    assert [i.title for i in parsed.items] == ["Salt & pepper shortage", "Second item"]
    assert parsed.warnings and "malformed feed accepted" in parsed.warnings[0]


@pytest.mark.parametrize(
    ("name", "content_type", "reason"),
    [
        ("html_page.html", "text/html; charset=utf-8", "got an HTML page"),
        ("malformed_fatal.xml", "application/xml", "not well-formed"),
    ],
)
def test_fatal_documents_raise_with_the_reason(name, content_type, reason):
    with pytest.raises(FeedParseError, match=reason):
        parse(name, content_type)


def test_empty_body_is_a_feed_error():
    with pytest.raises(FeedParseError, match="empty response"):
        parse_feed(b"   ", BASE)


def test_a_date_in_the_future_is_treated_as_missing():
    body = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
    <item><title>Tomorrow</title><link>https://e.example/t</link><pubDate>Fri, 01 Jan 2100 00:00:00 GMT</pubDate></item>
    </channel></rss>"""
    item = parse_feed(body, BASE).items[0]
    fetched = datetime(2026, 1, 1, tzinfo=UTC)
    record = to_record(item, FeedConfig(name="f", url=BASE), BASE, fetched)
    assert record.published_at == fetched and record.published_at_estimated is True
