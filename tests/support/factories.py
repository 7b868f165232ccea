"""Test records: the raw article factory (and its random-words preset), Kafka records, enrichment
input."""

from __future__ import annotations

import random
from typing import Any

from newsflow.pipeline.io.kafka import KafkaRecord
from newsflow.pipeline.records import Article, Envelope, Origin
from newsflow.schema import RawArticle, Source, utcnow

SOURCE = Source(name="Example News", feed_url="https://example.com/feed.xml", domain="example.com")


def raw_article(n: int = 1, **fields: Any) -> RawArticle:
    """The test article: literal values numbered `n`; `fields` replace any of them."""
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


VOCABULARY = [
    "government",
    "minister",
    "election",
    "vote",
    "parliament",
    "market",
    "shares",
    "bank",
    "inflation",
    "rate",
    "growth",
    "economy",
    "company",
    "profit",
    "loss",
    "deal",
    "merger",
    "court",
    "judge",
    "ruling",
    "law",
    "police",
    "arrest",
    "city",
    "council",
    "mayor",
    "school",
    "teacher",
    "student",
    "hospital",
    "doctor",
    "patient",
    "vaccine",
    "virus",
    "climate",
    "storm",
    "flood",
    "fire",
    "heat",
    "drought",
    "energy",
    "oil",
    "gas",
    "price",
    "power",
    "plant",
    "nuclear",
    "wind",
    "solar",
    "team",
    "match",
    "goal",
    "league",
    "season",
    "coach",
    "player",
    "film",
    "music",
    "festival",
    "artist",
    "award",
    "book",
    "author",
    "science",
    "space",
    "rocket",
    "launch",
    "mission",
    "planet",
    "study",
    "research",
    "university",
    "report",
    "data",
    "survey",
    "poll",
    "border",
    "migrant",
    "refugee",
    "war",
    "peace",
    "talks",
    "ceasefire",
    "army",
    "troops",
    "attack",
    "strike",
    "protest",
    "union",
    "worker",
    "wage",
    "job",
    "factory",
    "trade",
    "tariff",
    "export",
    "import",
    "summit",
    "leader",
    "president",
    "prime",
    "official",
    "spokesman",
    "statement",
    "interview",
    "budget",
    "tax",
    "reform",
    "plan",
]


def in_flight(doc: dict[str, Any], raw: str | None = None, **origin: Any) -> Article:
    """`doc` as the stages pass it on: an Article with its record's payload and origin."""
    return Article(doc, Envelope(raw, Origin(**origin)))  # type: ignore[arg-type]


def article(
    n: int,
    *,
    seed: int | None = None,
    source: str = "Wire",
    body: str | None = None,
    title: str | None = None,
    revision: int = 1,
    url: str | None = None,
) -> RawArticle:
    """A distinct, realistic-looking article (its words are random, so stories never merge):
    `raw_article` with words drawn from VOCABULARY, published now."""
    rnd = random.Random(seed if seed is not None else n)
    text = body or " ".join(rnd.choice(VOCABULARY) for _ in range(120))
    now = utcnow()
    return raw_article(
        n,
        id=f"art{n:010d}",
        url=url or f"https://{source.lower()}.example.com/news/{n}?utm_source=rss",
        title=title or " ".join(rnd.choice(VOCABULARY) for _ in range(8)).capitalize(),
        summary_html=f"<p>{text[:160]}</p>",
        content_html=f"<div><p>{text}</p><p>Read more: <a href='/more'>here</a></p></div>",
        published_at=now,
        fetched_at=now,
        source=Source(name=source, feed_url=f"https://{source.lower()}.example.com/feed", domain="example.com"),
        revision=revision,
        content_hash=f"connector-{n}-{revision}",
    )  # fmt: skip


def enrichment_input(
    body: str, title: str = "", language: str | None = "en", **extra: Any
) -> dict[str, Any]:
    """A minimal document dict as the pipeline hands it to the enrichment stage."""
    return {"id": "a1", "title": title, "summary": "", "body": body, "language": language, **extra}
