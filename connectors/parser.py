"""Feed connector: feedparser output -> FeedItem -> RawArticle (ids, dates in UTC, content hash)."""

from __future__ import annotations

import calendar
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urljoin, urlsplit

import feedparser

from connectors.feeds import FeedConfig
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


class FeedParseError(NewsflowError):
    """The body is not a feed we can read (an HTML page, garbage, fatally broken XML)."""


@dataclass(frozen=True)
class FeedItem:
    """One feed entry, normalised; `content_hash` covers what a reader would see change."""

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


@dataclass(frozen=True)
class ParsedFeed:
    items: list[FeedItem]
    version: str
    title: str | None = None
    warnings: list[str] = field(default_factory=list)
    ttl: float | None = None  # seconds, from RSS <ttl>
    update_period: float | None = None  # seconds, from sy:updatePeriod / sy:updateFrequency
    skipped: int = 0  # entries with neither a usable link nor a guid
    duplicates: int = 0  # entries repeating an id already seen in this document


def content_hash(*parts: Any) -> str:
    """Stable hash over the fields that make an edit (title, summary, content, authors, tags)."""
    blob = json.dumps(parts, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:32]


def parse_feed(body: bytes, url: str, headers: Mapping[str, str] | None = None) -> ParsedFeed:
    """Parse RSS 0.9x/1.0/2.0 or Atom 0.3/1.0 bytes; raises FeedParseError when fatally broken.

    The charset comes from the HTTP Content-Type and the XML declaration (feedparser applies
    both); relative links resolve against the feed URL (Content-Location) and xml:base.
    """
    # without a Content-Type feedparser flags every feed; the XML declaration decides then
    content_type = (headers or {}).get("content-type") or "application/xml"
    response_headers = {"content-location": url, "content-type": content_type}
    parsed = feedparser.parse(
        body, response_headers=response_headers, resolve_relative_uris=True, sanitize_html=False
    )
    version = parsed.get("version") or ""
    problem = parsed.get("bozo_exception") if parsed.get("bozo") else None
    if not version and not parsed.entries:
        raise FeedParseError(_fatal_reason(body, headers or {}, problem))
    warnings = [f"malformed feed accepted: {_describe(problem)}"] if problem else []
    items: list[FeedItem] = []
    seen: set[str] = set()
    skipped = duplicates = 0
    for entry in parsed.entries:
        item = _item(entry, url)
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


def _item(entry: Mapping[str, Any], feed_url: str) -> FeedItem | None:
    link = _absolute(entry.get("link"), feed_url)
    guid = (entry.get("id") or "").strip() or None
    if not link and not guid:
        return None
    title = (entry.get("title") or "").strip() or None
    summary = entry.get("summary") or None
    content = (
        "\n".join(c.get("value", "") for c in entry.get("content") or [] if c.get("value")) or None
    )
    if content and summary and content.strip() == summary.strip():
        summary = None  # feedparser copies an Atom entry's content into its summary
    authors = _names(entry)
    categories = sorted(
        {t.get("term", "").strip() for t in entry.get("tags") or [] if t.get("term")}
    )
    return FeedItem(
        id=article_id(link, guid),
        url=canonical_url(link) if link else None,
        guid=guid,
        title=title,
        summary_html=summary,
        content_html=content,
        authors=authors,
        categories=categories,
        published_at=_when(entry, "published_parsed", "created_parsed", "updated_parsed"),
        updated_at=_when(entry, "updated_parsed"),
        content_hash=content_hash(title, summary, content, authors, categories),
    )


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
        title=item.title,
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
