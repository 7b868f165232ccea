"""Parse and validate stage: news.raw values (RawArticle JSON) -> pipeline documents."""

from __future__ import annotations

from typing import Any

import apache_beam as beam
from apache_beam.metrics import Metrics

from newsflow.errors import RecordError
from newsflow.schema import RawArticle
from newsflow.settings import Settings
from pipeline.transforms.deadletters import ORIGIN_KEY, RAW_KEY, GuardedParDo, StageOutput

STAGE = "parse"
# Private keys the later stages read (never indexed).
HTML_KEYS = ("title", "summary", "body")
LANGUAGE_HINT_KEY = "_language_hint"
FULL_TEXT_KEY = "_full_text"

# A raw record larger than this many times max_body_chars is refused before parsing: no
# article is that long, and a multi-megabyte value is poison (e.g. a runaway page scrape).
RECORD_SIZE_FACTOR = 10


def to_envelope(record: Any) -> dict[str, Any]:
    """A Kafka record (or a file line) -> {"_raw": value, "_origin": coordinates}.

    Never fails, so that a poison value reaches the guarded parse step with its coordinates.
    """
    if (
        isinstance(record, tuple) and len(record) == 2 and isinstance(record[0], str)
    ):  # (file, line)
        return {RAW_KEY: record[1], ORIGIN_KEY: {"topic": f"file:{record[0]}"}}
    key = record.key.decode("utf-8", "replace") if record.key is not None else None
    origin = {
        "topic": record.topic,
        "partition": record.partition,
        "offset": record.offset,
        "key": key,
    }
    return {RAW_KEY: record.value, ORIGIN_KEY: origin}


def document_from_raw(article: RawArticle) -> dict[str, Any]:
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
        LANGUAGE_HINT_KEY: raw["language_hint"],
        FULL_TEXT_KEY: raw["full_text"],
    }


class _ParseArticleFn(beam.DoFn):
    def __init__(self, max_record_bytes: int):
        self.max_record_bytes = max_record_bytes
        self.parsed = Metrics.counter("newsflow", "parsed")

    def process(self, envelope: dict[str, Any]):
        raw = envelope.get(RAW_KEY)
        if raw is None:
            reason = "record has no value (tombstone)"
            raise RecordError(STAGE, reason)
        size = len(raw)
        if size > self.max_record_bytes:
            reason = f"record of {size} bytes exceeds the {self.max_record_bytes}-byte limit"
            raise RecordError(STAGE, reason, "content_html")
        doc = document_from_raw(RawArticle.from_json(raw))
        doc[RAW_KEY] = raw
        doc[ORIGIN_KEY] = envelope.get(ORIGIN_KEY) or {}
        self.parsed.inc()
        yield doc


class ParseArticles(beam.PTransform):
    """Envelopes -> documents; not JSON, wrong schema, bad fields or oversize -> dead letters."""

    def __init__(self, settings: Settings):
        super().__init__()
        self.max_record_bytes = settings.pipeline.max_body_chars * RECORD_SIZE_FACTOR

    def expand(self, envelopes) -> StageOutput:
        return envelopes | "Parse" >> GuardedParDo(
            _ParseArticleFn(self.max_record_bytes), stage=STAGE
        )
