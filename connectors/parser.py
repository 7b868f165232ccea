"""Feed connector: feedparser output -> FeedItem -> RawArticle (ids, dates in UTC, content hash).

Identity. An item's id is `newsflow.urls.article_id(link, guid, feed)`: the canonical link of a
link element, else the GUID within the feed's configured URL (a GUID is unique only within its
feed: two feeds' GUID `1` are two articles; a permalink GUID without a link element stays the
item's url but is identified as a GUID). A link that resolves to the document's own address (an
empty href) is no link. An item with neither gets an id derived from what tells it apart in its feed, as feed
readers do (Miniflux hashes title + content, FreshRSS date + title + content, both per feed):
the feed's configured URL (canonical) plus the title plus the date (published, else created, else
updated, in UTC), or plus the text (content, else summary) when the item has no date. So the
same item polled again gets the same id; an item edited under the same title and date keeps its
id (the edit becomes a revision); a new title, or new text in an undated item, makes a new
article (the pipeline's stories stage then finds it is a copy or rewrite of the old one). Only
an item with no title, no date and no text at all is skipped; `ParsedFeed.skipped` counts it and
the runner logs it with the feed's name.

Text and HTML. `RawArticle.title`, `summary_html` and `content_html` are HTML, so the pipeline
cleans all three alike. A plain-text construct (an RSS title, an Atom `type="text"` element:
feedparser's `*_detail.type` is `text/plain`) is HTML-escaped into the record, so that
"History of the &lt;blink&gt; tag" is indexed as "History of the <blink> tag" rather than losing
the word to tag stripping. `FeedItem.title` keeps the title as in the feed, with its type.
"""

from __future__ import annotations

import calendar
import hashlib
import html
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urljoin, urlsplit

import feedparser

from newsflow.connectors.feeds import FeedConfig
from newsflow.errors import NewsflowError
from newsflow.schema import RawArticle, Source
from newsflow.urls import article_id, canonical_url, url_domain

_PERIOD_SECONDS = {
    "hourly": 3600,
    "daily": 86400,
    "weekly": 604800,
    "monthly": 2592000,
    "yearly": 31536000,
}
FUTURE_TOLERANCE = timedelta(hours=1)
_HTML_SNIFF = re.compile(rb"<\s*(!doctype\s+html|html[\s>]|head[\s>]|body[\s>])", re.IGNORECASE)
# a numeric character reference (checked for values that are no character)
_NUMERIC_REFERENCE = re.compile(rb"&#([0-9]{1,20}|[xX][0-9a-fA-F]{1,16});")
# feedparser's content types that are markup; anything else (text/plain, Atom type="text") is text
_MARKUP_TYPES = frozenset(("text/html", "application/xhtml+xml"))


class FeedParseError(NewsflowError):
    """The body is not a feed we can read (an HTML page, garbage, fatally broken XML)."""


@dataclass(frozen=True)
class FeedItem:
    """One feed entry, normalised; `content_hash` covers what a reader would see change.

    `title` is as in the feed: HTML, or plain text when `title_is_text` (`title_html` is what the
    record carries). `summary_html` and `content_html` are HTML (plain text escaped).
    """

    id: str
    url: str | None
    guid: str | None
    title: str | None
    summary_html: str | None
    content_html: str | None
    authors: list[str]
    categories: list[str]
    published_at: datetime | None
    updated_at: datetime | None
    content_hash: str
    title_is_text: bool = False

    @property
    def title_html(self) -> str | None:
        """The title as HTML: a plain-text title escaped, so that cleaning restores it exactly."""
        if self.title is None or not self.title_is_text:
            return self.title
        return html.escape(self.title, quote=False)


@dataclass(frozen=True)
class ParsedFeed:
    items: list[FeedItem]
    version: str
    title: str | None = None
    warnings: list[str] = field(default_factory=list)
    ttl: float | None = None  # seconds, from RSS <ttl>
    update_period: float | None = None  # seconds, from sy:updatePeriod / sy:updateFrequency
    skipped: int = 0  # empty entries: no link, guid, title, date or text
    duplicates: int = 0  # entries repeating an id already seen in this document

    @property
    def entries(self) -> int:
        """Every entry feedparser found: items + skipped + duplicates."""
        return len(self.items) + self.skipped + self.duplicates


def content_hash(*parts: Any) -> str:
    """Stable hash over the fields that make an edit (title, summary, content, authors, tags)."""
    blob = json.dumps(parts, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:32]


def parse_feed(
    body: bytes,
    url: str,
    headers: Mapping[str, str] | None = None,
    feed_key: str | None = None,
) -> ParsedFeed:
    """Parse RSS 0.9x/1.0/2.0 or Atom 0.3/1.0 bytes; raises FeedParseError when fatally broken.

    The charset comes from the HTTP Content-Type and the XML declaration (feedparser applies
    both); relative links resolve against the feed URL (Content-Location) and xml:base.
    `feed_key` (the feed's configured URL; default `url`) is what ids of items without a link
    derive from (GUID-only and derived ids): a redirect to another URL must not change them.
    """
    parsed, warnings = _feedparser(body, url, headers or {})
    version = parsed.get("version") or ""
    problem = parsed.get("bozo_exception") if parsed.get("bozo") else None
    if not version and not parsed.entries:
        raise FeedParseError(_fatal_reason(body, headers or {}, problem))
    if problem:
        warnings.append(f"malformed feed accepted: {_describe(problem)}")
    items: list[FeedItem] = []
    seen: set[str] = set()
    skipped = duplicates = 0
    for entry in parsed.entries:
        item = _item(entry, url, feed_key or url)
        if item is None:
            skipped += 1
        elif item.id in seen:
            duplicates += 1
        else:
            seen.add(item.id)
            items.append(item)
    feed = parsed.get("feed", {})
    return ParsedFeed(
        items=items,
        version=version or "unknown",
        title=feed.get("title"),
        warnings=warnings,
        ttl=_ttl(feed),
        update_period=_update_period(feed),
        skipped=skipped,
        duplicates=duplicates,
    )


def _feedparser(body: bytes, url: str, headers: Mapping[str, str]) -> tuple[Any, list[str]]:
    """feedparser's result, and warnings. feedparser raises on a character reference that is
    no character ("&#99999999;", a surrogate "&#xD800;"): those are replaced by U+FFFD and the
    document parsed again, rather than the whole feed refused."""
    # without a Content-Type feedparser flags every feed; the XML declaration decides then
    content_type = headers.get("content-type") or "application/xml"
    response_headers = {"content-location": url, "content-type": content_type}

    def parse(document: bytes) -> Any:
        return feedparser.parse(
            document, response_headers=response_headers, resolve_relative_uris=True,
            sanitize_html=False,
        )  # fmt: skip

    try:
        return parse(body), []
    except ValueError as exc:  # UnicodeEncodeError included
        failure: ValueError = exc
    repaired, count = _repair_references(body)
    if count:
        warning = f"{count} character reference(s) out of range replaced by U+FFFD"
        try:
            return parse(repaired), [warning]
        except ValueError as exc:
            failure = exc
    msg = f"not a feed: feedparser failed: {_describe(failure)} ({content_type})"
    raise FeedParseError(msg)


def _repair_references(body: bytes) -> tuple[bytes, int]:
    """The body with references to no character replaced by "&#xFFFD;", and how many."""
    replaced = 0

    def replace(match: re.Match[bytes]) -> bytes:
        nonlocal replaced
        digits = match[1]
        code = int(digits[1:], 16) if digits[:1] in (b"x", b"X") else int(digits)
        if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            replaced += 1
            return b"&#xFFFD;"
        return match[0]

    return _NUMERIC_REFERENCE.sub(replace, body), replaced


def _describe(problem: Any) -> str:
    text = str(problem) or type(problem).__name__
    return text[:300]


def _fatal_reason(body: bytes, headers: Mapping[str, str], problem: Any) -> str:
    content_type = headers.get("content-type", "no content-type")
    if not body.strip():
        return "not a feed: empty response"
    if _HTML_SNIFF.search(body[:4096]):
        return f"not a feed: got an HTML page ({content_type})"
    reason = _describe(problem) if problem else "no RSS/Atom root element"
    return f"not a feed: {reason} ({content_type})"


def _ttl(feed: Mapping[str, Any]) -> float | None:
    value = str(feed.get("ttl") or "").strip()
    return float(value) * 60 if value.isdigit() and int(value) > 0 else None


def _update_period(feed: Mapping[str, Any]) -> float | None:
    period = _PERIOD_SECONDS.get(str(feed.get("sy_updateperiod") or "").strip().lower())
    if period is None:
        return None
    frequency = str(feed.get("sy_updatefrequency") or "1").strip()
    return period / (int(frequency) if frequency.isdigit() and int(frequency) > 0 else 1)


def _when(entry: Mapping[str, Any], *keys: str) -> datetime | None:
    for key in keys:
        value = entry.get(key)
        if value:
            try:
                return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
            except (OverflowError, ValueError, TypeError):
                continue
    return None


def _absolute(link: str | None, base: str) -> str | None:
    if not link or not link.strip():
        return None
    resolved = urljoin(base, link.strip())
    parts = urlsplit(resolved)
    return resolved if parts.scheme in ("http", "https") and parts.hostname else None


def _item(entry: Mapping[str, Any], feed_url: str, feed_key: str) -> FeedItem | None:
    link = _absolute(entry.get("link"), feed_url)
    base = (entry.get("title_detail") or entry.get("summary_detail") or {}).get("base")
    if link and canonical_url(link) in {canonical_url(u) for u in (base or feed_url, feed_url)}:
        link = None  # an empty href resolves to the document's own address: no article's link
    guid = (entry.get("id") or "").strip() or None
    # Without a link element feedparser copies the GUID (resolved against the feed, when
    # relative: `1` becomes https://host/feeds/1) into `link`: it stays the item's url, but the
    # id is the GUID's, within its feed, or two feeds' GUID `1` would be one article
    linked = any(each.get("href") for each in entry.get("links") or [])
    title = (entry.get("title") or "").strip() or None
    summary = entry.get("summary") or None
    pieces = [c for c in entry.get("content") or [] if c.get("value")]
    content = "\n".join(c["value"] for c in pieces) or None
    if content and summary and content.strip() == summary.strip():
        summary = None  # feedparser copies an Atom entry's content into its summary
    published = _when(entry, "published_parsed", "created_parsed", "updated_parsed")
    if link or guid:
        item_id = article_id(link if linked else None, guid or link, feed_key)
    else:
        derived = _derived_id(feed_key, title, published, content or summary)
        if derived is None:
            return None
        item_id = derived
    authors = _names(entry)
    categories = sorted(
        {t.get("term", "").strip() for t in entry.get("tags") or [] if t.get("term")}
    )
    content_html = "\n".join(_as_html(c["value"], c.get("type")) for c in pieces) or None
    return FeedItem(
        id=item_id,
        url=canonical_url(link) if link else None,
        guid=guid,
        title=title,
        title_is_text=_detail_type(entry, "title_detail") not in _MARKUP_TYPES,
        summary_html=_as_html(summary, _summary_type(entry, pieces)) if summary else None,
        content_html=content_html if content else None,
        authors=authors,
        categories=categories,
        published_at=published,
        updated_at=_when(entry, "updated_parsed"),
        # over the feed's values, before escaping: the hashes kept in the state stay valid
        content_hash=content_hash(title, summary, content, authors, categories),
    )


def _derived_id(
    feed_key: str, title: str | None, published: datetime | None, text: str | None
) -> str | None:
    """The id of an item with neither link nor GUID (see the module docstring); None when the
    item has nothing to tell it by (no title, no date, no text)."""
    title = " ".join((title or "").split())
    text = " ".join((text or "").split())
    if not (title or published or text):
        return None
    tail = published.isoformat() if published else text
    basis = f"item:{canonical_url(feed_key)}\n{title}\n{tail}"
    return hashlib.sha256(basis.encode("utf-8")).hexdigest()[:32]


def _detail_type(entry: Mapping[str, Any], key: str) -> str:
    detail = entry.get(key)
    kind = detail.get("type") if isinstance(detail, Mapping) else None
    return str(kind or "text/html").lower()


def _summary_type(entry: Mapping[str, Any], pieces: list[Mapping[str, Any]]) -> str:
    if "summary_detail" not in entry and pieces:  # feedparser copied the first content
        return str(pieces[0].get("type") or "text/html").lower()
    return _detail_type(entry, "summary_detail")


def _as_html(value: str, kind: str | None) -> str:
    """Feed text as HTML: a plain-text construct is escaped, so its "<" and "&" stay text."""
    if (kind or "text/html").lower() in _MARKUP_TYPES:
        return value
    return html.escape(value, quote=False)


def _names(entry: Mapping[str, Any]) -> list[str]:
    names = [a.get("name", "").strip() for a in entry.get("authors") or [] if isinstance(a, dict)]
    names = [n for n in names if n]
    if not names and entry.get("author"):
        names = [str(entry["author"]).strip()]
    return list(dict.fromkeys(names))


def to_record(
    item: FeedItem,
    feed: FeedConfig,
    feed_url: str,
    fetched_at: datetime,
    revision: int = 1,
    content_html: str | None = None,
) -> RawArticle:
    """The news.raw record for an item; a missing date is flagged and falls back to fetch time.

    A date more than an hour in the future (a publisher's time-zone bug) is treated as missing,
    so it cannot pin the article to the top of every "latest" view.
    """
    published = item.published_at
    if published is not None and published > fetched_at + FUTURE_TOLERANCE:
        published = None
    return RawArticle(
        id=item.id,
        url=item.url,
        guid=item.guid,
        title=item.title_html,
        summary_html=item.summary_html,
        content_html=content_html if content_html is not None else item.content_html,
        authors=item.authors,
        categories=item.categories,
        published_at=published or fetched_at,
        published_at_estimated=published is None,
        updated_at=item.updated_at,
        fetched_at=fetched_at,
        language_hint=feed.language,
        # the publisher is where the article lives; the feed may sit on a CDN or aggregator
        source=Source(
            name=feed.name,
            feed_url=feed_url,
            domain=url_domain(item.url or feed_url),
            tags=feed.tags,
        ),
        revision=revision,
        content_hash=item.content_hash,
        full_text=content_html is not None,
    )
