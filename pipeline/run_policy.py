"""When a streaming run ends: a stop request (SIGINT/SIGTERM) or `--until-idle`, on any runner.

The CLI and the Kafka reader share nothing but a file path and the consumer group, so this works
whether the reader runs in the CLI's process (FnApiRunner, Prism's LOOPBACK environment) or in
SDK harness processes of their own on the same host. A stop request creates the file; every
reader sees it at its next poll, claims the end of its partition and the run finishes with its
last bundle flushed and committed. On a cluster (Flink, Dataflow) use the runner's drain.

`--until-idle N` is decided inside the reader: no record arrived in this process for N seconds
*and* the group's committed offsets have reached the end of every partition this process reads
(so a run never ends while input waits behind a slow write). The reader that decides creates the
stop file, so every partition stops, not just the one that noticed.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from newsflow.pipeline import metrics
from newsflow.pipeline.io.kafka_offsets import OffsetLedger, OffsetStore, PartitionSlot

log = logging.getLogger(__name__)

# How often an idle process asks Kafka whether the group has caught up.
CATCH_UP_CHECK_S = 1.0


@dataclass(frozen=True)
class RunPolicy:
    """How a run ends: `until_idle` seconds without input (None: never), or a stop request."""

    until_idle: float | None = None
    stop_file: str | None = None

    def stop_requested(self) -> bool:
        return self.stop_file is not None and os.path.exists(self.stop_file)

    def request_stop(self) -> None:
        if self.stop_file:
            Path(self.stop_file).touch()


class RunState:
    """What the readers of one run share within a process: the commit ledger, the partitions
    seen, and when input last arrived."""

    def __init__(
        self, policy: RunPolicy, store: OffsetStore, clock: Callable[[], float] = time.monotonic
    ):
        self.policy = policy
        self.store = store
        self.ledger = OffsetLedger(store, clock)
        self._clock = clock
        self._lock = threading.Lock()
        self._slots: dict[tuple[str, int], tuple[PartitionSlot, bool]] = {}
        self._last_input: float | None = None
        self._last_check = float("-inf")
        self._stopped = False

    def saw(self, slot: PartitionSlot, exists: bool) -> None:
        """A reader is reading this slot (whose partition may not exist yet)."""
        key = (slot.topic, slot.partition)
        if self._slots.get(key, (None, False))[1] != exists:
            with self._lock:
                self._slots[key] = (slot, exists)
            if exists:
                self.ledger.register(slot)

    def note_input(self) -> None:
        self._last_input = self._clock()

    def idle_for(self) -> float:
        now = self._clock()
        if self._last_input is None:
            self._last_input = now  # the idle clock starts at the first poll
        return now - self._last_input

    def should_stop(self) -> bool:
        if self._stopped or self.policy.stop_requested():
            return True
        until_idle = self.policy.until_idle
        if until_idle is None or self.idle_for() < until_idle:
            return False
        with self._lock:
            now = self._clock()
            if now - self._last_check < CATCH_UP_CHECK_S:
                return False
            self._last_check = now
        self.ledger.retry()
        if not self.caught_up():
            return False
        self._stopped = True
        self.policy.request_stop()
        return True

    def caught_up(self) -> bool:
        """Has the group committed everything the partitions read here hold?"""
        if not self._slots:
            return False  # no reader has polled yet
        slots = [slot for slot, exists in self._slots.values() if exists]
        if not slots:
            return True
        try:
            ends = self.store.end_offsets([(s.topic, s.partition) for s in slots])
        except Exception as exc:  # Kafka unreachable: not known to be caught up (asked again later)
            metrics.KAFKA_UNAVAILABLE.labels(operation="end_offsets").inc()
            log.warning(
                "Kafka unavailable: cannot read the end offsets, retrying",
                extra={"error": repr(exc)},
            )
            return False
        committed = self.ledger.committed()
        return all(
            committed.get((s.topic, s.partition), s.start) >= ends.get((s.topic, s.partition), 0)
            for s in slots
        )
