"""Kafka reader offsets: partition restrictions that split correctly, and commits that never skip.

Two rules make the reader correct on every runner (FnApiRunner, Prism, Flink, Dataflow):

* A partition's restriction is `[start, END_OF_TIME)` and grows with the log. A runner may split
  it at any fraction (Prism and Dataflow split dynamically, Flink checkpoints): the fraction
  applies to what the log holds now (`[position, high watermark)`), as Beam's Java
  `GrowableOffsetRangeTracker` does, so the residual starts at a real offset. Splitting the
  numeric range `[position, 2^63)` instead put the residual ~4.6e18 past the log's end, where
  the consumer reset to offset 0 and the claim failed.
* After a split, the primary and the residual of one partition may finish in any order, in any
  bundle, on any worker. Kafka keeps one committed offset per partition, which must mean
  "everything below was durably written". `OffsetLedger` therefore commits an offset only when
  the finished ranges cover everything from the current committed offset up to it.
"""

from __future__ import annotations

import bisect
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple, Protocol

from apache_beam.io.iobase import RestrictionProgress
from apache_beam.io.restriction_trackers import OffsetRange, OffsetRestrictionTracker

log = logging.getLogger(__name__)

# The end of a partition's open-ended range: claiming it finishes the restriction.
END_OF_TIME = 2**63 - 1
# A gap older than this makes the ledger re-read the group's committed offset (another worker
# may have finished the missing range and committed it).
GAP_REFRESH_S = 5.0


class PartitionSlot(NamedTuple):
    """One partition of the topic, and the offset this run starts it at (the group's committed
    offset, the replay time's offset, or the earliest; 0 for a partition that does not exist yet)."""

    topic: str
    partition: int
    start: int


class PartitionRange(OffsetRange):
    """An offset range that knows its partition, so a tracker can estimate where its log ends."""

    def __init__(self, topic: str, partition: int, start: int, stop: int):
        super().__init__(start, stop)
        self.topic = topic
        self.partition = partition

    def split_at(self, split_pos: int) -> tuple[PartitionRange, PartitionRange]:
        return (
            PartitionRange(self.topic, self.partition, self.start, split_pos),
            PartitionRange(self.topic, self.partition, split_pos, self.stop),
        )

    @property
    def open_ended(self) -> bool:
        return self.stop == END_OF_TIME

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PartitionRange) and (
            self.topic,
            self.partition,
            self.start,
            self.stop,
        ) == (other.topic, other.partition, other.start, other.stop)

    def __hash__(self) -> int:
        return hash((self.topic, self.partition, self.start, self.stop))

    def __repr__(self) -> str:
        stop = "end" if self.open_ended else self.stop
        return f"PartitionRange({self.topic}/{self.partition} [{self.start}, {stop}))"

    def __reduce__(self):
        return (PartitionRange, (self.topic, self.partition, self.start, self.stop))


class GrowableOffsetTracker(OffsetRestrictionTracker):
    """Tracks a `PartitionRange`; splits an open-ended one against the log's estimated end."""

    def __init__(self, offset_range: PartitionRange, end_estimate: Callable[[], int]):
        super().__init__(offset_range)
        self._end_estimate = end_estimate

    def _position(self) -> int:
        """The last offset attempted (start - 1 before the first claim)."""
        if self._last_claim_attempt is None:
            return self._range.start - 1
        return self._last_claim_attempt

    def try_split(self, fraction_of_remainder: float):
        if self._range.stop != END_OF_TIME:
            return super().try_split(fraction_of_remainder)
        cur = self._position()
        if self._checkpointed or cur >= END_OF_TIME - 1:
            return None  # already checkpointed, or finished (END_OF_TIME was claimed)
        estimate = max(self._end_estimate(), cur + 1)
        split = cur + max(1, int((estimate - cur) * fraction_of_remainder))
        if fraction_of_remainder == 0:
            self._checkpointed = True
        self._range, residual = self._range.split_at(split)
        return self._range, residual

    def current_progress(self) -> RestrictionProgress:
        """Progress as a fraction of [start, estimated end). A fraction, not completed and
        remaining work: the Python SDK replaces `completed` with the bytes the element has
        output so far, which is NaN before its byte sampler took a sample (operations.py
        `total_output_bytes`); a split request at that moment then failed the bundle with
        "cannot convert float NaN to integer". With a fraction the SDK uses the fraction."""
        if self._range.stop != END_OF_TIME:
            return super().current_progress()
        cur = self._position()
        if cur >= END_OF_TIME - 1:
            return RestrictionProgress(fraction=1.0)
        done = cur + 1 - self._range.start
        left = max(self._end_estimate(), cur + 1) - cur - 1
        return RestrictionProgress(fraction=done / (done + left) if done + left else 0.0)

    def is_bounded(self) -> bool:
        return self._range.stop != END_OF_TIME


# --- commits ------------------------------------------------------------------------------


class OffsetStore(Protocol):
    """Where a consumer group's offsets live (Kafka; an in-memory log in unit tests)."""

    def commit(self, topic: str, partition: int, offset: int) -> None: ...

    def committed(self, topic: str, partition: int) -> int | None: ...

    def end_offsets(self, partitions: list[tuple[str, int]]) -> dict[tuple[str, int], int]: ...


@dataclass
class _PartitionLedger:
    committed: int  # everything below was durably written (target of the next commit)
    in_kafka: int  # what Kafka has acknowledged
    pending: list[tuple[int, int]] = field(default_factory=list)  # finished ranges above it
    gap_since: float | None = None


class OffsetLedger:
    """Commits, per partition, the offset below which every record was durably written.

    Bundle finalizers report the ranges they finished (`done`); the ledger merges them from the
    partition's floor (where this run started it) and commits when the covered prefix grows.
    Thread-safe: finalizers of concurrent bundles call it from several threads. On a runner with
    several worker processes, a range finished elsewhere shows up as a gap here; after
    `GAP_REFRESH_S` the ledger reads the group's committed offset, which only ever names a
    covered prefix, and continues from there.
    """

    def __init__(self, store: OffsetStore, clock: Callable[[], float] = time.monotonic):
        self._store = store
        self._clock = clock
        self._lock = threading.Lock()
        self._parts: dict[tuple[str, int], _PartitionLedger] = {}

    def register(self, slot: PartitionSlot) -> None:
        """Learn a partition's floor (the first time only: later calls change nothing)."""
        key = (slot.topic, slot.partition)
        with self._lock:
            if key not in self._parts:
                self._parts[key] = _PartitionLedger(slot.start, slot.start)

    def done(self, slot: PartitionSlot, start: int, stop: int) -> None:
        """Every record of `[start, stop)` of the slot's partition is durably written."""
        if stop <= start:
            return
        self.register(slot)
        key = (slot.topic, slot.partition)
        with self._lock:
            part = self._parts[key]
            if stop > part.committed:
                bisect.insort(part.pending, (start, stop))
            self._advance(key, part)

    def retry(self) -> None:
        """Commit what failed to commit before, and re-check long gaps."""
        with self._lock:
            for key, part in self._parts.items():
                self._advance(key, part)

    def committed(self) -> dict[tuple[str, int], int]:
        """What Kafka acknowledged, per partition this ledger knows."""
        with self._lock:
            return {key: part.in_kafka for key, part in self._parts.items()}

    def _advance(self, key: tuple[str, int], part: _PartitionLedger) -> None:
        self._merge(part)
        if part.pending:
            now = self._clock()
            if part.gap_since is None:
                part.gap_since = now
            elif now - part.gap_since >= GAP_REFRESH_S:
                part.gap_since = now
                try:
                    elsewhere = self._store.committed(*key)
                except Exception:  # Kafka unreachable: look again after the next interval
                    elsewhere = None
                if elsewhere is not None and elsewhere > part.committed:
                    part.committed = elsewhere
                    self._merge(part)
        else:
            part.gap_since = None
        if part.committed > part.in_kafka:
            try:
                self._store.commit(key[0], key[1], part.committed)
            except Exception as exc:  # the next finalizer or idle check retries; a crash replays
                log.warning(
                    "offset commit failed",
                    extra={
                        "topic": key[0],
                        "partition": key[1],
                        "offset": part.committed,
                        "error": repr(exc),
                    },
                )
                return
            part.in_kafka = part.committed

    @staticmethod
    def _merge(part: _PartitionLedger) -> None:
        while part.pending and part.pending[0][0] <= part.committed:
            _start, stop = part.pending.pop(0)
            part.committed = max(part.committed, stop)
