"""The pipeline's elements (Envelope, Article) and the Kafka serialisers of what it publishes."""

from __future__ import annotations

import json
from typing import Any, NamedTuple

import orjson

from newsflow.schema import ArticleFields, DeadLetter


class Origin(NamedTuple):
    """Where a record came from: its Kafka coordinates, or only `file:<path>` for a backfill."""

    topic: str | None = None
    partition: int | None = None
    offset: int | None = None
    key: str | None = None


class Envelope(NamedTuple):
    """A news.raw record as read: its value as it was (what a dead letter keeps) and its origin."""

    raw: bytes | str | None  # None: a Kafka tombstone
    origin: Origin = Origin()


class Article(NamedTuple):
    """An article between two stages: the document it will be indexed as, and its record.

    `doc` is ArticleDocument's JSON form (a plain dict, typed): the stages, the alert matcher,
    the enricher and the sinks read and write it as is, without a model to convert at each step.
    """

    doc: ArticleFields
    envelope: Envelope
    language_hint: str | None = None  # the feed's language, a fallback for DetectLanguage

    def with_doc(self, doc: ArticleFields) -> Article:
        return Article(doc, self.envelope, self.language_hint)


# Room for the DeadLetter envelope and Kafka's record overhead under the 16 MiB limit.
_DLQ_HEADROOM = 64 * 1024


def serialize_document(article: Article) -> tuple[bytes, bytes]:
    """news.enriched: key = article id, value = the indexed document."""
    doc = article.doc
    return doc["id"].encode("utf-8"), orjson.dumps(doc, default=str)


def serialize_alert(alert: dict[str, Any]) -> tuple[bytes, bytes]:
    """news.alerts: key = alert id (deterministic, so consumers can dedupe)."""
    return str(alert["id"]).encode("utf-8"), json.dumps(
        alert, ensure_ascii=False, default=str
    ).encode("utf-8")


def dead_letter_serializer(max_message_bytes: int):
    """news.dlq: key = the original record key; a payload too big for Kafka is cut and says so."""
    limit = max_message_bytes - _DLQ_HEADROOM

    def serialize(dead: DeadLetter) -> tuple[bytes | None, bytes]:
        value = dead.to_json()
        if len(value) > limit:
            cut = dead.payload[: limit // 2]
            reason = f"{dead.reason} [payload truncated from {len(dead.payload)} characters]"
            value = dead.model_copy(update={"payload": cut, "reason": reason}).to_json()
        return (dead.key.encode("utf-8") if dead.key else None), value

    return serialize
