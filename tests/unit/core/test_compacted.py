"""The compacted-topic table: latest value wins, tombstones, prefixes, writes only when acked."""

from __future__ import annotations

import json
from typing import Any

import pytest
from kafka.errors import KafkaTimeoutError

from newsflow.compacted import CompactedTable, CompactedTableError


class Future:
    def __init__(self, error: Exception | None):
        self.error = error

    def succeeded(self) -> bool:
        return self.error is None

    def get(self, timeout: float) -> None:
        if self.error:
            raise self.error


class Producer:
    """Acknowledges every send except those whose key is in `refuse`."""

    def __init__(self, refuse: set[bytes] = frozenset(), flush_error: Exception | None = None):
        self.refuse, self.flush_error = refuse, flush_error
        self.sent: list[tuple[str, bytes, bytes | None]] = []

    def send(self, topic: str, key: bytes, value: bytes | None) -> Future:
        self.sent.append((topic, key, value))
        return Future(KafkaTimeoutError("no ack") if key in self.refuse else None)

    def flush(self, timeout: float | None = None) -> None:
        if self.flush_error:
            raise self.flush_error


def table(prefix: str = "") -> CompactedTable[dict[str, Any]]:
    return CompactedTable("state", json.loads, lambda v: json.dumps(v).encode(), prefix)


def test_the_latest_value_wins_and_a_tombstone_removes_the_key():
    t = table()
    for key, value in [(b"a", b'{"n": 1}'), (b"b", b'{"n": 2}'), (b"a", b'{"n": 3}'), (b"b", None)]:
        t.apply(key, value)
    assert t.entries == {"a": {"n": 3}}


def test_a_prefixed_table_takes_only_its_keys_and_an_unreadable_record_is_skipped():
    feeds = table("feed:")
    for key, value in [(b"feed:x", b'{"n": 1}'), (b"item:y", b'{"n": 2}'), (b"feed:z", b"{bad")]:
        feeds.apply(key, value)
    assert feeds.entries == {"x": {"n": 1}}


def test_writes_carry_the_prefix_and_change_the_view_only_through_update():
    t, producer = table("feed:"), Producer()
    t.write(producer, {"x": {"n": 1}, "y": None})
    assert producer.sent == [("state", b"feed:x", b'{"n": 1}'), ("state", b"feed:y", None)]
    assert t.entries == {}
    t.put(producer, "x", {"n": 1})
    assert t.get("x") == {"n": 1}


def test_an_unacknowledged_write_raises_kafkas_error_and_is_not_kept():
    t = table()
    with pytest.raises(KafkaTimeoutError):
        t.put(Producer(refuse={b"x"}), "x", {"n": 1})
    with pytest.raises(CompactedTableError, match="flush failed"):
        t.put(Producer(flush_error=KafkaTimeoutError("down")), "x", {"n": 1})
    assert t.entries == {}


def test_forget_drops_only_what_kafka_acknowledged():
    t = table()
    t.update({"a": {"n": 1}, "b": {"n": 2}, "c": {"n": 3}})
    assert t.forget(Producer(refuse={b"b"}), ["a", "b"]) == ["a"]
    assert set(t.entries) == {"b", "c"}
