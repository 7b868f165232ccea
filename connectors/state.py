"""Feed connector: durable state (feed validators and health, seen items) in a compacted topic.

Keys on `settings.topics.connector_state` (one partition, cleanup.policy=compact):
  feed:<name>  -> FeedState JSON (validators, current URL, health, schedule)
  item:<id>    -> ItemState JSON (revision, recent content hashes)
The latest value per key is the state; the connector reads the topic to its end on start.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field

from newsflow.compacted import read_to_end
from newsflow.errors import NewsflowError
from newsflow.settings import Settings

log = logging.getLogger(__name__)

FEED_PREFIX = "feed:"
ITEM_PREFIX = "item:"
MAX_HASHES = 8  # content hashes remembered per item (a feed flip-flopping between versions)
# An item no feed has carried for this long is forgotten (tombstoned), so the state stays
# bounded; last_seen is refreshed at most once a day per item to keep state writes cheap.
ITEM_RETENTION = timedelta(days=30)
LAST_SEEN_REFRESH = timedelta(days=1)


class StateError(NewsflowError):
    """The connector state topic could not be read or written."""


class _State(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class FeedState(_State):
    """Everything the connector knows about one feed between polls."""

    name: str
    config_url: str  # the URL in the feeds file when this state was written
    url: str  # where we fetch now (moved by permanent redirects)
    etag: str | None = None
    last_modified: str | None = None
    last_status: int | None = None
    last_outcome: str | None = None
    last_poll_at: datetime | None = None
    last_success_at: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None
    consecutive_failures: int = 0
    items_produced: int = 0
    next_poll_at: datetime | None = None
    interval: float | None = None  # effective seconds after publisher hints
    body_hash: str | None = None  # of the last 200 body: servers without validators cost no parse
    last_parsed_at: datetime | None = None  # last full fetch + parse (forced daily, see runner)
    warnings: list[str] = Field(default_factory=list)


class ItemState(_State):
    rev: int = 1
    hashes: list[str] = Field(default_factory=list)
    feed: str | None = None
    last_seen: datetime | None = None

    def revised(self, content_hash: str, feed: str, seen: datetime) -> ItemState:
        hashes = [*[h for h in self.hashes if h != content_hash], content_hash][-MAX_HASHES:]
        return ItemState(rev=self.rev + 1, hashes=hashes, feed=feed, last_seen=seen)


class ConnectorState:
    """In-memory view of the state topic; `write` persists changes (after Kafka acked records)."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.topic = settings.topics.connector_state
        self.feeds: dict[str, FeedState] = {}
        self.items: dict[str, ItemState] = {}

    def load(self, timeout: float = 30.0) -> ConnectorState:
        """Read the compacted topic from the beginning to its current end."""
        try:
            for key, value in read_to_end(self.settings, self.topic, timeout):
                self._apply(key, value)
        except NewsflowError as exc:
            raise StateError(str(exc)) from None
        log.info(
            "connector state loaded",
            extra={"topic": self.topic, "feeds": len(self.feeds), "items": len(self.items)},
        )
        return self

    def _apply(self, key: bytes | None, value: bytes | None) -> None:
        name = (key or b"").decode("utf-8", "replace")
        try:
            if name.startswith(FEED_PREFIX):
                if value is None:
                    self.feeds.pop(name[len(FEED_PREFIX) :], None)
                else:
                    self.feeds[name[len(FEED_PREFIX) :]] = FeedState.model_validate_json(value)
            elif name.startswith(ITEM_PREFIX):
                if value is None:
                    self.items.pop(name[len(ITEM_PREFIX) :], None)
                else:
                    self.items[name[len(ITEM_PREFIX) :]] = ItemState.model_validate_json(value)
        except ValueError as exc:  # a record from an older, incompatible version: start afresh
            log.warning("ignoring unreadable state record", extra={"key": name, "error": str(exc)})

    def persist(
        self,
        producer,
        feeds: Iterable[FeedState] = (),
        items: dict[str, ItemState] | None = None,
        timeout: float = 60.0,
    ) -> None:
        """Write feed and item states and wait for Kafka's acks (blocking; run in a thread)."""
        futures = [
            producer.send(self.topic, key=f"{FEED_PREFIX}{f.name}".encode(), value=_dump(f))
            for f in feeds
        ]
        futures += [
            producer.send(self.topic, key=f"{ITEM_PREFIX}{i}".encode(), value=_dump(s))
            for i, s in (items or {}).items()
        ]
        try:
            producer.flush(timeout=timeout)
        except Exception as exc:
            msg = f"state topic {self.topic!r}: flush failed: {exc}"
            raise StateError(msg) from None
        for future in futures:
            if not future.succeeded():
                msg = f"state topic {self.topic!r} did not acknowledge a write: {future.exception}"
                raise StateError(msg)

    def apply(
        self, feeds: Iterable[FeedState] = (), items: dict[str, ItemState] | None = None
    ) -> None:
        """Update the in-memory view once the writes were acknowledged."""
        for feed in feeds:
            self.feeds[feed.name] = feed
        self.items.update(items or {})

    def prune(self, producer, now: datetime) -> int:
        """Tombstone items unseen for ITEM_RETENTION; returns how many were forgotten."""
        cutoff = now - ITEM_RETENTION
        expired = [
            i for i, s in self.items.items() if s.last_seen is not None and s.last_seen < cutoff
        ]
        if not expired:
            return 0
        futures = [
            producer.send(self.topic, key=f"{ITEM_PREFIX}{i}".encode(), value=None) for i in expired
        ]
        producer.flush(timeout=60)
        done = [i for i, f in zip(expired, futures, strict=True) if f.succeeded()]
        for item_id in done:
            self.items.pop(item_id, None)
        log.info("forgot items no feed carries any more", extra={"items": len(done)})
        return len(done)


def _dump(state: _State) -> bytes:
    return json.dumps(state.model_dump(mode="json"), separators=(",", ":")).encode("utf-8")


def read_state(settings: Settings) -> ConnectorState:
    """The current state, read by another process (`newsflow feeds status`)."""
    return ConnectorState(settings).load()
