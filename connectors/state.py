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
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from newsflow.compacted import CompactedTable, CompactedTableError, load_tables
from newsflow.settings import Settings

log = logging.getLogger(__name__)

FEED_PREFIX = "feed:"
ITEM_PREFIX = "item:"
MAX_HASHES = 8  # content hashes remembered per item (a feed flip-flopping between versions)
# An item no feed has carried for this long is forgotten (tombstoned), so the state stays
# bounded; last_seen is refreshed at most once a day per item to keep state writes cheap.
ITEM_RETENTION = timedelta(days=30)
LAST_SEEN_REFRESH = timedelta(days=1)


StateError = CompactedTableError  # the connector state topic could not be read or written


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
    """In-memory view of the state topic; `persist` writes changes (after Kafka acked records)."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.topic = settings.topics.connector_state
        self._feeds = CompactedTable(self.topic, FeedState.model_validate_json, _dump, FEED_PREFIX)
        self._items = CompactedTable(self.topic, ItemState.model_validate_json, _dump, ITEM_PREFIX)

    @property
    def feeds(self) -> dict[str, FeedState]:
        return self._feeds.entries

    @property
    def items(self) -> dict[str, ItemState]:
        return self._items.entries

    def load(self, timeout: float = 30.0) -> ConnectorState:
        """Read the compacted topic from the beginning to its current end."""
        load_tables(self.settings, [self._feeds, self._items], timeout)
        log.info(
            "connector state loaded",
            extra={"topic": self.topic, "feeds": len(self.feeds), "items": len(self.items)},
        )
        return self

    def persist(
        self,
        producer: Any,
        feeds: Iterable[FeedState] = (),
        items: dict[str, ItemState] | None = None,
        timeout: float = 60.0,
    ) -> None:
        """Write feed and item states and wait for Kafka's acks (blocking; run in a thread)."""
        self._feeds.write(producer, {f.name: f for f in feeds}, timeout)
        self._items.write(producer, items or {}, timeout)

    def apply(
        self, feeds: Iterable[FeedState] = (), items: dict[str, ItemState] | None = None
    ) -> None:
        """Update the in-memory view once the writes were acknowledged."""
        self._feeds.update({f.name: f for f in feeds})
        self._items.update(items or {})

    def prune(self, producer: Any, now: datetime) -> int:
        """Tombstone items unseen for ITEM_RETENTION; returns how many were forgotten."""
        cutoff = now - ITEM_RETENTION
        expired = [
            i for i, s in self.items.items() if s.last_seen is not None and s.last_seen < cutoff
        ]
        if not expired:
            return 0
        done = self._items.forget(producer, expired)
        log.info("forgot items no feed carries any more", extra={"items": len(done)})
        return len(done)


def _dump(state: _State) -> bytes:
    return json.dumps(state.model_dump(mode="json"), separators=(",", ":")).encode("utf-8")


def read_state(settings: Settings) -> ConnectorState:
    """The current state, read by another process (`newsflow feeds status`)."""
    return ConnectorState(settings).load()
