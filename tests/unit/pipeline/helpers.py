"""Small literal records for the pipeline unit tests."""

from __future__ import annotations

from typing import Any

from newsflow.schema import RawArticle, Source
from pipeline.io.kafka import KafkaRecord
from pipeline.records import Article, Envelope, Origin

SOURCE = Source(name="Example News", feed_url="https://example.com/feed.xml", domain="example.com")


def raw_article(n: int = 1, **fields: Any) -> RawArticle:
    base: dict[str, Any] = {
        "id": f"article-{n:04d}",
        "url": f"https://example.com/news/{n}?utm_source=rss&page=2",
        "title": f"Headline number {n}",
        "summary_html": f"<p>Summary of story {n}</p>",
        "content_html": f"<p>Body of story {n}, with several words in it.</p>",
        "published_at": "2026-11-24T10:00:00Z",
        "fetched_at": "2026-11-24T10:05:00Z",
        "source": SOURCE,
        "content_hash": f"connector-hash-{n}",
    }
    base.update(fields)
    return RawArticle(**base)


def kafka_record(value: bytes | None, offset: int = 0, key: bytes | None = b"k") -> KafkaRecord:
    return KafkaRecord("t.raw", 0, offset, key, value, 1_700_000_000_000)


def public(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if not k.startswith("_")}


def in_flight(doc: dict[str, Any], raw: str | None = None, **origin: Any) -> Article:
    """`doc` as the stages pass it on: an Article with its record's payload and origin."""
    return Article(doc, Envelope(raw, Origin(**origin)))  # type: ignore[arg-type]
