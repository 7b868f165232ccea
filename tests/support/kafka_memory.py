"""An in-memory Kafka topic behind the reader's LogFactory interface, for unit tests only.

The reader's DoFn is pickled into the runner's worker, which runs in this process for the
FnApiRunner: the topic is found again by name in a module registry. A poll can be made to stop
at a chosen record until the test has asked the runner for a split ("breakpoints").
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

_TOPICS: dict[str, MemoryTopic] = {}


@dataclass(frozen=True)
class MemoryRecord:
    offset: int
    key: bytes | None
    value: bytes | None
    timestamp: int


@dataclass
class Breakpoint:
    """Pause the read when the `at`-th record of a poll is about to be handed over."""

    at: int
    reached: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)


@dataclass
class MemoryTopic:
    name: str
    partitions: dict[int, list[MemoryRecord]]
    committed: dict[int, int] = field(default_factory=dict)
    commits: list[tuple[int, int]] = field(default_factory=list)
    breakpoint: Breakpoint | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def end(self, partition: int) -> int:
        records = self.partitions.get(partition, [])
        return records[-1].offset + 1 if records else 0


def memory_topic(name: str, counts: dict[int, int], gaps: int = 0) -> MemoryTopic:
    """A topic with `counts[p]` records in partition p; every `gaps`-th offset is missing (as
    after compaction or a transaction marker) when `gaps` > 0."""
    partitions = {}
    for p, count in counts.items():
        offsets = [o for o in range(count) if not gaps or o % gaps != gaps - 1]
        partitions[p] = [
            MemoryRecord(o, f"{p}-{o}".encode(), f"value {p}-{o}".encode(), 1_700_000_000_000 + o)
            for o in offsets
        ]
    topic = MemoryTopic(name, partitions)
    _TOPICS[name] = topic
    return topic


class _PausingRecords:
    """A poll's records; iterating stops at an armed breakpoint until the test releases it."""

    def __init__(self, topic: MemoryTopic, records: list[MemoryRecord]):
        self.topic = topic
        self.records = records

    def __iter__(self) -> Iterator[MemoryRecord]:
        for index, record in enumerate(self.records):
            point = self.topic.breakpoint
            if point is not None and index == point.at and not point.reached.is_set():
                point.reached.set()
                point.release.wait(5)
            yield record

    def __len__(self) -> int:
        return len(self.records)


class MemoryPartitionLog:
    def __init__(self, topic: MemoryTopic, partition: int):
        self.topic = topic
        self.partition = partition
        self._position = 0
        self._fetched: int | None = None

    def position(self) -> int:
        return self._position

    def seek(self, offset: int) -> None:
        self._position = offset

    def poll(self, max_records: int, timeout_ms: int) -> _PausingRecords:
        end = self.topic.end(self.partition)
        if self._position > end:  # out of range: Kafka's auto_offset_reset=earliest
            self._position = 0
        records = [
            r for r in self.topic.partitions.get(self.partition, []) if r.offset >= self._position
        ][:max_records]
        self._position = records[-1].offset + 1 if records else max(self._position, end)
        self._fetched = end
        return _PausingRecords(self.topic, records)

    def end_offset(self) -> int | None:
        return self._fetched

    def close(self) -> None:
        pass


class MemoryOffsets:
    def __init__(self, topic: MemoryTopic):
        self.topic = topic

    def commit(self, topic: str, partition: int, offset: int) -> None:
        with self.topic.lock:
            self.topic.committed[partition] = offset
            self.topic.commits.append((partition, offset))

    def committed(self, topic: str, partition: int) -> int | None:
        return self.topic.committed.get(partition)

    def end_offsets(self, partitions: list[tuple[str, int]]) -> dict[tuple[str, int], int]:
        return {(t, p): self.topic.end(p) for t, p in partitions}


class MemoryLogs:
    """LogFactory over a registered MemoryTopic (picklable: it pickles the topic's name)."""

    def __init__(self, name: str):
        self.name = name

    @property
    def topic(self) -> MemoryTopic:
        return _TOPICS[self.name]

    def open_log(self, topic: str, partition: int, max_records: int) -> MemoryPartitionLog:
        return MemoryPartitionLog(self.topic, partition)

    def partitions(self, topic: str) -> set[int]:
        return set(self.topic.partitions)

    def offsets(self) -> MemoryOffsets:
        return MemoryOffsets(self.topic)

    def start_offsets(self, topic: str, start_time_ms: int | None) -> dict[int, int]:
        return {p: self.topic.committed.get(p, 0) for p in self.topic.partitions}
