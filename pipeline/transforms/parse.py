"""Parse and validate stage: news.raw values (RawArticle JSON) -> Articles."""

from __future__ import annotations

from typing import Any

import apache_beam as beam
from apache_beam.metrics import Metrics

from newsflow.errors import RecordError
from newsflow.pipeline.records import Article, Envelope, Origin
from newsflow.pipeline.transforms.deadletters import GuardedParDo, StageOutput
from newsflow.schema import ArticleFields, RawArticle
from newsflow.settings import Settings

STAGE = "parse"

# A raw record larger than this many times max_body_chars is refused before parsing: no
# article is that long, and a multi-megabyte value is poison (e.g. a runaway page scrape).
RECORD_SIZE_FACTOR = 10


def to_envelope(record: Any) -> Envelope:
    """A Kafka record (or a (file, line) pair) -> its Envelope (value and coordinates).

    Never fails, so that a poison value reaches the guarded parse step with its coordinates.
    """
    if (
        isinstance(record, tuple) and len(record) == 2 and isinstance(record[0], str)
    ):  # (file, line)
        return Envelope(record[1], Origin(topic=f"file:{record[0]}"))
    key = record.key.decode("utf-8", "replace") if record.key is not None else None
    return Envelope(record.value, Origin(record.topic, record.partition, record.offset, key))


def document_from_raw(article: RawArticle) -> ArticleFields:
    """The ArticleDocument shape, with the HTML still in title/summary/body (CleanArticles cleans).

    Built from the validated raw record's JSON form directly (a second model would validate the
    same values again); a test checks that it round-trips through ArticleDocument unchanged.
    """
    raw = article.model_dump(mode="json")
    return {
        "id": raw["id"],
        "url": raw["url"],
        "title": raw["title"] or "",
        "summary": raw["summary_html"] or "",
        "body": raw["content_html"] or "",
        "authors": raw["authors"],
        "categories": raw["categories"],
        "source": raw["source"],
        "published_at": raw["published_at"],
        "published_at_estimated": raw["published_at_estimated"],
        "fetched_at": raw["fetched_at"],
        "indexed_at": None,
        "language": None,
        "entities": [],
        "persons": [],
        "organizations": [],
        "locations": [],
        "entity_aliases": [],
        "story_id": None,
        "alert_rules": [],
        "revision": raw["revision"],
        "content_hash": raw["content_hash"],
    }


class _ParseArticleFn(beam.DoFn):
    def __init__(self, max_record_bytes: int):
        self.max_record_bytes = max_record_bytes
        self.parsed = Metrics.counter("newsflow", "parsed")

    def process(self, envelope: Envelope):
        raw = envelope.raw
        if raw is None:
            reason = "record has no value (tombstone)"
            raise RecordError(STAGE, reason)
        size = len(raw)
        if size > self.max_record_bytes:
            reason = f"record of {size} bytes exceeds the {self.max_record_bytes}-byte limit"
            raise RecordError(STAGE, reason, "content_html")
        article = RawArticle.from_json(raw)
        self.parsed.inc()
        yield Article(document_from_raw(article), envelope, article.language_hint)


class ParseArticles(beam.PTransform):
    """Envelopes -> Articles; not JSON, wrong schema, bad fields or oversize -> dead letters."""

    def __init__(self, settings: Settings):
        super().__init__()
        self.max_record_bytes = settings.pipeline.max_body_chars * RECORD_SIZE_FACTOR

    def expand(self, envelopes) -> StageOutput:
        return envelopes | "Parse" >> GuardedParDo(
            _ParseArticleFn(self.max_record_bytes), stage=STAGE
        )
