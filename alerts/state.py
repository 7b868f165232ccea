"""Notifier delivery state: the latest entry per key in the compacted alert-deliveries topic.

Keys:  "delivery/<alert id>/<channel>"  -> {status, attempts, reason, at, rule_id, title, ...}
       "throttle/<rule id>/<channel>"   -> {window_start, held, held_count}
Statuses: delivering (about to send; re-sent on restart), delivered, failed (final, with the
reason), held (throttled; goes into the window's summary).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from datetime import UTC, datetime
from typing import Any

from newsflow.clients import kafka_producer
from newsflow.compacted import CompactedTable
from newsflow.metrics import Counter
from newsflow.retry import until_kafka_answers
from newsflow.schema import iso, utcnow
from newsflow.settings import Settings

log = logging.getLogger(__name__)
STATE_WRITE_RETRIES = Counter(
    "newsflow_notifier_state_write_retries_total",
    "delivery-state writes retried because Kafka did not acknowledge them",
)

DELIVERING, DELIVERED, FAILED, HELD = "delivering", "delivered", "failed", "held"
FINAL = {DELIVERED, FAILED, HELD}


def delivery_key(alert_id: str, channel: str) -> str:
    return f"delivery/{alert_id}/{channel}"


def throttle_key(rule_id: str, channel: str) -> str:
    return f"throttle/{rule_id}/{channel}"


def _table(settings: Settings) -> CompactedTable[dict[str, Any]]:
    return CompactedTable(settings.topics.alert_deliveries, json.loads, _encode)


def _encode(value: dict[str, Any]) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode("utf-8")


def read_state(settings: Settings, timeout: float = 30.0) -> dict[str, dict[str, Any]]:
    """Everything in the state topic, latest value per key (tombstones remove the key)."""
    return _table(settings).load(settings, timeout).entries


class DeliveryState:
    """In-memory view of the state topic; `put` returns once the entry is durable in Kafka."""

    def __init__(self, settings: Settings, entries: dict[str, dict[str, Any]] | None = None):
        self.settings = settings
        self.table = _table(settings)
        if entries is None:
            self.table.load(settings)
        else:
            self.entries = entries
        self._producer = kafka_producer(settings, linger_ms=0)

    @property
    def entries(self) -> dict[str, dict[str, Any]]:
        return self.table.entries

    @entries.setter
    def entries(self, entries: dict[str, dict[str, Any]]) -> None:
        self.table.entries = entries

    def prune(self, max_age_seconds: float) -> int:
        """Tombstone final entries older than `max_age_seconds`; returns how many went."""
        cutoff = iso(datetime.fromtimestamp(time.time() - max_age_seconds, UTC))
        doomed = [
            k for k, v in self.entries.items()
            if k.startswith("delivery/") and v.get("status") in FINAL and v.get("at", "") < cutoff
        ]  # fmt: skip
        return len(self.table.forget(self._producer, doomed, timeout=30)) if doomed else 0

    def get(self, key: str) -> dict[str, Any] | None:
        return self.table.get(key)

    def put(
        self,
        key: str,
        value: dict[str, Any],
        timeout: float = 30.0,
        stop: threading.Event | None = None,
    ) -> None:
        """Durable (acks=all) before it returns. While Kafka is away the write is retried with
        backoff (the same entry again: the topic is compacted) until it lands or `stop` is set,
        which raises the last error: nothing is acted on without its state entry."""
        value = {**value, "at": iso(utcnow())}
        until_kafka_answers(
            lambda: self.table.put(self._producer, key, value, timeout),
            "delivery state not written yet",
            stop,
            STATE_WRITE_RETRIES,
            logger=log,
        )

    def close(self) -> None:
        self._producer.close(timeout=10)
