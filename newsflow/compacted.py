"""Shared core: a key -> value table over a compacted Kafka topic (connector and notifier state)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, Generic, TypeVar

from newsflow.clients import kafka_consumer
from newsflow.errors import NewsflowError
from newsflow.settings import Settings

log = logging.getLogger(__name__)
V = TypeVar("V")


class CompactedTableError(NewsflowError):
    """A state topic could not be read to its end, or did not acknowledge a write."""


def read_to_end(
    settings: Settings, topic: str, timeout: float = 30.0
) -> Iterator[tuple[bytes, bytes | None]]:
    """Every (key, value) in the topic up to the end offsets seen at the start; value None is a
    tombstone. Raises CompactedTableError if the topic is missing or cannot be read in time."""
    from kafka import TopicPartition

    consumer = kafka_consumer(settings, group_id=None, enable_auto_commit=False)
    try:
        partitions = consumer.partitions_for_topic(topic)
        if not partitions:
            msg = f"state topic {topic!r} does not exist (run `newsflow init`)"
            raise CompactedTableError(msg)
        assigned = [TopicPartition(topic, p) for p in sorted(partitions)]
        consumer.assign(assigned)
        consumer.seek_to_beginning(*assigned)
        ends = consumer.end_offsets(assigned)
        deadline = time.monotonic() + timeout
        while any(consumer.position(tp) < ends[tp] for tp in assigned):
            if time.monotonic() > deadline:
                msg = f"could not read state topic {topic!r} to its end within {timeout:g}s"
                raise CompactedTableError(msg)
            for records in consumer.poll(timeout_ms=500).values():
                for record in records:
                    yield record.key, record.value
    finally:
        consumer.close()


class CompactedTable(Generic[V]):
    """The latest value per key of a compacted topic, or of its keys under `prefix` (without
    the prefix): `entries` is the in-memory view. Writes are durable (every record acknowledged)
    before they return and change `entries` only through `update`, once they are."""

    def __init__(
        self,
        topic: str,
        decode: Callable[[bytes], V],
        encode: Callable[[V], bytes],
        prefix: str = "",
    ):
        self.topic = topic
        self.prefix = prefix
        self.decode = decode
        self.encode = encode
        self.entries: dict[str, V] = {}

    def load(self, settings: Settings, timeout: float = 30.0) -> CompactedTable[V]:
        """Read the topic from its beginning to its current end into `entries`."""
        load_tables(settings, [self], timeout)
        return self

    def apply(self, key: bytes | None, value: bytes | None) -> None:
        """One record read from the topic: the latest value wins, a tombstone removes the key;
        keys outside the prefix are not this table's, unreadable values are skipped."""
        name = (key or b"").decode("utf-8", "replace")
        if not name.startswith(self.prefix):
            return
        name = name[len(self.prefix) :]
        if value is None:
            self.entries.pop(name, None)
            return
        try:
            self.entries[name] = self.decode(value)
        except ValueError as exc:  # a record from an older, incompatible version: start afresh
            log.warning("ignoring unreadable state record", extra={"key": name, "error": str(exc)})

    def get(self, key: str) -> V | None:
        return self.entries.get(key)

    def update(self, changes: Mapping[str, V | None]) -> None:
        """Apply acknowledged writes to `entries` (None removes the key)."""
        for key, value in changes.items():
            if value is None:
                self.entries.pop(key, None)
            else:
                self.entries[key] = value

    def write(self, producer: Any, changes: Mapping[str, V | None], timeout: float = 60.0) -> None:
        """Send every change (None: a tombstone) and wait until Kafka acknowledged them all;
        otherwise Kafka's error for the write (or CompactedTableError when the flush failed)
        raises. `entries` is left to `update`."""
        for future in self._send(producer, changes, timeout).values():
            future.get(timeout=timeout)  # done after the flush: returns, or raises Kafka's error

    def put(self, producer: Any, key: str, value: V, timeout: float = 30.0) -> None:
        """Write one entry, durable before it returns, then keep it in `entries`."""
        self.write(producer, {key: value}, timeout)
        self.update({key: value})

    def forget(self, producer: Any, keys: Iterable[str], timeout: float = 60.0) -> list[str]:
        """Tombstone `keys`; returns those Kafka acknowledged, which leave `entries`."""
        futures = self._send(producer, dict.fromkeys(keys), timeout)
        done = [key for key, future in futures.items() if future.succeeded()]
        self.update(dict.fromkeys(done))
        return done

    def _send(
        self, producer: Any, changes: Mapping[str, V | None], timeout: float
    ) -> dict[str, Any]:
        futures = {
            key: producer.send(
                self.topic,
                key=f"{self.prefix}{key}".encode(),
                value=None if value is None else self.encode(value),
            )
            for key, value in changes.items()
        }
        if futures:
            try:
                producer.flush(timeout=timeout)
            except Exception as exc:
                msg = f"state topic {self.topic!r}: flush failed: {exc}"
                raise CompactedTableError(msg) from None
        return futures


def load_tables(
    settings: Settings, tables: list[CompactedTable[Any]], timeout: float = 30.0
) -> None:
    """Read one topic once into the tables that share it (each takes the keys of its prefix)."""
    (topic,) = {table.topic for table in tables}
    for table in tables:
        table.entries.clear()
    for key, value in read_to_end(settings, topic, timeout):
        for table in tables:
            table.apply(key, value)
