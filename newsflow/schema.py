"""Record schema shared by the connector and the pipeline (versioned), and the ES document.

news.raw      <- RawArticle   (key = article id, value = JSON, schema "newsflow.raw/1")
news.enriched <- ArticleDocument (the document behind the news-articles alias)
news.dlq      <- DeadLetter   (original payload, stage, reason, time)
news.alerts   <- AlertEvent   (also the document behind news-alerts)
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any, Literal, TypedDict

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from newsflow.errors import RecordError

RAW_SCHEMA = "newsflow.raw/1"
DOCUMENT_SCHEMA = "newsflow.article/1"
DLQ_SCHEMA = "newsflow.dlq/1"
ALERT_SCHEMA = "newsflow.alert/1"
PARSE_STAGE = "parse"

EntityType = Literal[
    "PERSON", "ORG", "LOCATION", "NORP", "EVENT", "LAW", "PRODUCT", "WORK_OF_ART", "MISC"
]


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso(value: datetime) -> str:
    """ISO-8601 in UTC with a 'Z', millisecond precision (what ES and Kibana like)."""
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def to_json(self) -> bytes:
        return self.model_dump_json(exclude_none=False).encode("utf-8")


class Source(_Record):
    name: str = Field(min_length=1)
    feed_url: str
    domain: str
    tags: list[str] = Field(default_factory=list)


class RawArticle(_Record):
    """One feed item as the connector produced it: HTML untouched, dates in UTC."""

    schema_: Literal["newsflow.raw/1"] = Field(default="newsflow.raw/1", alias="schema")
    id: str = Field(min_length=8, max_length=128)
    url: str | None = None
    guid: str | None = None
    title: str | None = None
    summary_html: str | None = None
    content_html: str | None = None
    authors: list[str] = Field(default_factory=list)
    categories: list[str] = Field(default_factory=list)
    published_at: datetime
    published_at_estimated: bool = False  # no date in the feed: fetch time used
    updated_at: datetime | None = None
    fetched_at: datetime
    language_hint: str | None = None
    source: Source
    revision: int = Field(default=1, ge=1)
    content_hash: str
    full_text: bool = False  # content_html was extracted from the article page

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @field_validator("published_at", "fetched_at", "updated_at")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def to_json(self) -> bytes:
        return self.model_dump_json(by_alias=True).encode("utf-8")

    @classmethod
    def from_json(cls, payload: bytes | str) -> RawArticle:
        """Parse a news.raw value; raises RecordError(stage='parse') naming the field."""
        try:
            data = orjson.loads(payload)  # ~3x json.loads; invalid UTF-8 is a JSONDecodeError too
        except orjson.JSONDecodeError as exc:
            raise RecordError(PARSE_STAGE, f"not JSON: {exc}") from None
        if not isinstance(data, dict):
            raise RecordError(PARSE_STAGE, "not a JSON object")
        schema = data.get("schema")
        if schema != RAW_SCHEMA:
            reason = f"unsupported schema {schema!r}, expected {RAW_SCHEMA!r}"
            raise RecordError(PARSE_STAGE, reason, "schema")
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(p) for p in first["loc"])
            raise RecordError(PARSE_STAGE, first["msg"], field) from None


class Entity(_Record):
    name: str  # canonical
    type: EntityType
    mentions: int = Field(ge=1)
    surface_forms: list[str] = Field(default_factory=list)
    wikidata: str | None = None


class ArticleDocument(_Record):
    """The document behind the news-articles alias: the contract analysts and Kibana rely on."""

    id: str
    url: str | None = None
    title: str = ""
    summary: str = ""
    body: str = ""
    authors: list[str] = Field(default_factory=list)
    categories: list[str] = Field(default_factory=list)
    source: Source
    published_at: datetime
    published_at_estimated: bool = False
    fetched_at: datetime
    indexed_at: datetime | None = None
    language: str | None = None
    entities: list[Entity] = Field(default_factory=list)
    persons: list[str] = Field(default_factory=list)
    organizations: list[str] = Field(default_factory=list)
    locations: list[str] = Field(default_factory=list)
    entity_aliases: list[str] = Field(default_factory=list)  # every alias/surface form, for search
    story_id: str | None = None
    alert_rules: list[str] = Field(default_factory=list)
    revision: int = 1
    content_hash: str = ""

    def to_es(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


class ArticleFields(TypedDict):
    """ArticleDocument in its JSON form, as the pipeline builds, indexes and publishes it: the
    same fields (a test holds the two together), a plain dict at run time."""

    id: str
    url: str | None
    title: str
    summary: str
    body: str
    authors: list[str]
    categories: list[str]
    source: dict[str, Any]
    published_at: str
    published_at_estimated: bool
    fetched_at: str
    indexed_at: str | None
    language: str | None
    entities: list[dict[str, Any]]
    persons: list[str]
    organizations: list[str]
    locations: list[str]
    entity_aliases: list[str]
    story_id: str | None
    alert_rules: list[str]
    revision: int
    content_hash: str


class DeadLetter(_Record):
    """A record that a stage could not process: kept whole, with the stage and reason."""

    schema_: Literal["newsflow.dlq/1"] = Field(default="newsflow.dlq/1", alias="schema")
    stage: str
    reason: str
    field: str | None = None
    failed_at: datetime = Field(default_factory=utcnow)
    source_topic: str | None = None
    partition: int | None = None
    offset: int | None = None
    key: str | None = None
    payload: str  # UTF-8 text, or base64 when payload_encoding == "base64"
    payload_encoding: Literal["utf-8", "base64"] = "utf-8"

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @classmethod
    def of(cls, payload: bytes | str, stage: str, reason: str, **where: Any) -> DeadLetter:
        if isinstance(payload, str):
            return cls(stage=stage, reason=reason, payload=payload, **where)
        try:
            return cls(stage=stage, reason=reason, payload=payload.decode("utf-8"), **where)
        except UnicodeDecodeError:
            encoded = base64.b64encode(payload).decode("ascii")
            return cls(
                stage=stage, reason=reason, payload=encoded, payload_encoding="base64", **where
            )

    def original(self) -> bytes:
        if self.payload_encoding == "base64":
            return base64.b64decode(self.payload)
        return self.payload.encode("utf-8")

    def to_json(self) -> bytes:
        return self.model_dump_json(by_alias=True).encode("utf-8")


class AlertEvent(_Record):
    """One alert: a rule matched an article (or story). Event on news.alerts, doc in news-alerts."""

    id: str
    rule_id: str
    rule_name: str | None = None
    article_id: str
    story_id: str | None = None
    title: str = ""
    url: str | None = None
    source_name: str | None = None
    matched_terms: list[str] = Field(default_factory=list)
    matched_entities: list[str] = Field(default_factory=list)
    snippets: list[str] = Field(default_factory=list)
    channels: list[str] = Field(default_factory=list)
    published_at: datetime | None = None
    triggered_at: datetime = Field(default_factory=utcnow)
