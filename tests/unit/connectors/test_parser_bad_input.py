"""Unit tests: items without link or GUID get stable ids; plain-text titles stay text."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from newsflow.connectors.feeds import FeedConfig
from newsflow.connectors.parser import parse_feed, to_record

FEED = "https://odd.example/feed.xml"


def rss(*items: str) -> bytes:
    body = "".join(f"<item>{item}</item>" for item in items)
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
        f"{body}</channel></rss>"
    ).encode()


def atom(*entries: str) -> bytes:
    body = "".join(f"<entry>{entry}</entry>" for entry in entries)
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>t</title><id>urn:t</id>{body}</feed>"
    ).encode()


def only(body: bytes, url: str = FEED, feed_key: str | None = None):
    parsed = parse_feed(body, url, feed_key=feed_key)
    assert len(parsed.items) == 1, parsed
    return parsed.items[0]


def record(item):
    feed = FeedConfig(name="odd", url=FEED)
    return to_record(item, feed, FEED, datetime(2026, 1, 1, tzinfo=UTC))


DATED = "<title>Ferry strike ends</title><pubDate>Mon, 03 Nov 2025 09:30:00 +0100</pubDate>"


# --- identity of items with neither link nor GUID -------------------------------------------


def test_an_item_without_link_or_guid_gets_the_same_id_every_poll():
    first = only(rss(DATED + "<description>Talks succeeded.</description>"))
    again = only(rss(DATED + "<description>Talks succeeded.</description>"))
    assert first.id == again.id and len(first.id) == 32
    assert first.url is None and first.guid is None


def test_an_edit_under_the_same_title_and_date_keeps_the_id_and_is_a_revision():
    before = only(rss(DATED + "<description>Talks succeeded.</description>"))
    after = only(rss(DATED + "<description>Talks succeeded after 12 hours.</description>"))
    assert after.id == before.id
    assert after.content_hash != before.content_hash  # the runner produces revision 2


def test_the_same_instant_written_in_another_zone_is_the_same_date():
    utc = "<title>Ferry strike ends</title><pubDate>Mon, 03 Nov 2025 08:30:00 GMT</pubDate>"
    assert only(rss(utc)).id == only(rss(DATED)).id


def test_a_new_title_or_another_feed_is_another_article():
    base = only(rss(DATED)).id
    assert only(rss(DATED.replace("ends", "is over"))).id != base
    assert only(rss(DATED), url="https://other.example/feed.xml").id != base


def test_a_redirected_feed_keeps_the_ids_of_its_items():
    """The id derives from the configured URL (feed_key), not from where the feed was fetched."""
    direct = only(rss(DATED), url=FEED)
    moved = only(rss(DATED), url="https://cdn.example/x/feed.xml?token=1", feed_key=FEED)
    assert moved.id == direct.id


# --- GUIDs are scoped to their feed -----------------------------------------------------------

SISTER = "https://odd.example/other-feed.xml"  # the same host and folder as FEED


@pytest.mark.parametrize(
    "item",
    [
        "<title>a</title><guid isPermaLink='false'>1</guid>",  # a GUID that is no link
        "<title>a</title><guid>1</guid>",  # a permalink GUID, relative: resolved against the feed
        "<title>a</title><guid>https://odd.example/story/1</guid>",  # an absolute permalink GUID
    ],
)
def test_the_same_guid_in_two_feeds_is_two_articles(item: str):
    """Feeds reuse GUIDs (`1`, `2`, ...); only a link element names an article across feeds.
    Before, both feeds' items had one id and one replaced the other in the index."""
    first, second = only(rss(item), url=FEED), only(rss(item), url=SISTER)
    assert first.id != second.id
    assert first.id == only(rss(item), url=FEED).id  # stable
    assert first.url == second.url  # the permalink is still the article's url, where there is one


def test_a_relative_atom_id_without_a_link_element_is_a_guid_not_a_link():
    entry = "<title>a</title><id>1</id><summary>s</summary>"
    first, second = only(atom(entry), url=FEED), only(atom(entry), url=SISTER)
    assert first.url == second.url == "https://odd.example/1"  # feedparser's reading
    assert first.id != second.id


def test_a_link_element_names_the_article_across_feeds():
    item = "<title>a</title><link>https://odd.example/story/1</link><guid>1</guid>"
    assert only(rss(item), url=FEED).id == only(rss(item), url=SISTER).id


@pytest.mark.parametrize("href", ["", "  ", FEED])
def test_a_link_to_the_document_itself_names_no_article(href: str):
    """An empty href resolves to the feed's own address (or its xml:base): not a link."""
    entry = f"<title>a</title><link rel='alternate' href='{href}'/><summary>s</summary>"
    first, second = only(atom(entry), url=FEED), only(atom(entry), url=SISTER)
    assert first.url is None and first.id != second.id


def test_an_undated_item_is_told_apart_by_its_text():
    one = only(rss("<title>Weather</title><description>Rain.</description>"))
    same = only(rss("<title>Weather</title><description>  Rain. </description>"))
    other = only(rss("<title>Weather</title><description>Sun.</description>"))
    assert one.id == same.id != other.id
    assert one.published_at is None
    assert record(one).published_at_estimated is True


@pytest.mark.parametrize(
    "item",
    [
        "<title>Only a title</title>",
        "<pubDate>Mon, 03 Nov 2025 09:30:00 GMT</pubDate>",
        "<description>Only a description</description>",
    ],
)
def test_a_title_a_date_or_a_text_alone_is_enough(item: str):
    parsed = parse_feed(rss(item), FEED)
    assert len(parsed.items) == 1 and parsed.skipped == 0


def test_only_an_item_with_nothing_at_all_is_skipped_and_counted():
    parsed = parse_feed(
        rss(
            "",
            "<title>   </title><description>\n\t </description>",
            "<category>news</category><author>someone@example.org</author>",
            "<title>Kept</title>",
        ),
        FEED,
    )
    assert [i.title for i in parsed.items] == ["Kept"]
    assert parsed.skipped == 3 and parsed.entries == 4


def test_two_identical_items_without_link_or_guid_are_one_duplicate():
    parsed = parse_feed(rss(DATED, DATED), FEED)
    assert len(parsed.items) == 1 and parsed.duplicates == 1


# --- text stays text ------------------------------------------------------------------------


BLINK = "History of the <blink> tag"


@pytest.mark.parametrize(
    "title",
    [
        "<title>History of the &lt;blink&gt; tag</title>",  # RSS: the title is plain text
        "<title><![CDATA[History of the <blink> tag]]></title>",
    ],
)
def test_a_plain_text_rss_title_is_escaped_into_the_record(title: str):
    item = only(rss(title + "<link>https://odd.example/blink</link>"))
    assert item.title == BLINK and item.title_is_text
    assert record(item).title == "History of the &lt;blink&gt; tag"


def test_an_rss_title_that_is_html_stays_html():
    """feedparser recognises HTML in an RSS title (a closing tag of a known element)."""
    item = only(rss("<title>&lt;b&gt;Breaking:&lt;/b&gt; talks &amp; more</title><link>https://o.example/b</link>"))  # fmt: skip
    assert not item.title_is_text
    assert record(item).title == "<b>Breaking:</b> talks & more"  # feedparser's HTML


def test_atom_text_constructs_are_escaped_and_html_constructs_kept():
    item = only(
        atom(
            '<title type="text">Use &lt;b&gt; &amp; &lt;i&gt;</title><id>urn:1</id>'
            '<summary type="text">a &lt;b&gt; b</summary>'
            '<content type="html">&lt;p&gt;Real &lt;em&gt;markup&lt;/em&gt;&lt;/p&gt;</content>'
        )
    )
    assert item.title == "Use <b> & <i>" and item.title_is_text
    assert record(item).title == "Use &lt;b&gt; &amp; &lt;i&gt;"
    assert item.summary_html == "a &lt;b&gt; b"
    assert item.content_html == "<p>Real <em>markup</em></p>"


def test_atom_plain_text_content_is_escaped():
    item = only(
        atom('<title>T</title><id>urn:2</id><content type="text">x &lt; y &amp; z</content>')
    )
    assert item.content_html == "x &lt; y &amp; z"
    assert item.summary_html is None  # feedparser's copy of the content into the summary


def test_rss_descriptions_are_html_as_the_spec_says():
    item = only(rss("<title>T</title><link>https://o.example/d</link><description>&lt;p&gt;x &amp;amp; y&lt;/p&gt;</description>"))  # fmt: skip
    assert item.summary_html == "<p>x &amp; y</p>"


def test_escaping_makes_no_revision_of_items_already_seen():
    """The content hash is over the feed's values, as before escaping existed: an item whose
    title needs escaping is not produced again as an edit."""
    plain = only(rss("<title>Salt &amp; pepper</title><link>https://o.example/s</link>"))
    assert record(plain).title == "Salt &amp; pepper"
    from newsflow.connectors.parser import content_hash

    assert plain.content_hash == content_hash("Salt & pepper", None, None, [], [])


# --- references to no character -------------------------------------------------------------


@pytest.mark.parametrize("reference", ["&#99999999;", "&#x110000;", "&#xD800;", "&#55296;"])
def test_a_reference_to_no_character_costs_one_character_not_the_feed(reference: str):
    """feedparser raises on these (chr() out of range, a lone surrogate): every item of the
    feed would be lost. They become U+FFFD and the feed is read, with a warning."""
    body = rss(
        f"<title>Overflow {reference} here &#8217;</title><link>https://o.example/1</link>",
        "<title>Next</title><link>https://o.example/2</link>",
    )
    parsed = parse_feed(body, FEED)
    assert [i.title for i in parsed.items] == ["Overflow \ufffd here \u2019", "Next"]
    assert parsed.warnings[0] == "1 character reference(s) out of range replaced by U+FFFD"
