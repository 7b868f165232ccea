"""Batching DoFns: one base that collects a bundle's elements in batches (by size, age and at the
end of the bundle) and emits each output with its own element's timestamp and window."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import apache_beam as beam
from apache_beam.pvalue import TaggedOutput
from apache_beam.utils.windowed_value import WindowedValue


class RecentDict:
    """A mapping that remembers roughly the last `capacity` keys written.

    Two generations: writes go to the young one; when it holds capacity/2 keys it becomes the
    old one and the previous old one is dropped. O(1) with plain-dict speed (an OrderedDict's
    move_to_end per write cost more than the lookups it served).
    """

    def __init__(self, capacity: int):
        self.half = max(1, capacity // 2)
        self.young: dict[Any, Any] = {}
        self.old: dict[Any, Any] = {}

    def get(self, key: Any, default: Any = None) -> Any:
        value = self.young.get(key, _MISSING)
        if value is _MISSING:
            value = self.old.get(key, default)
        return value

    def __contains__(self, key: Any) -> bool:
        return key in self.young or key in self.old

    def __setitem__(self, key: Any, value: Any) -> None:
        self.young[key] = value
        self.rotate_if_full()

    def rotate_if_full(self) -> None:
        """The young generation becomes the old one once it holds capacity/2 keys (for callers
        that write `young` directly in a hot loop)."""
        if len(self.young) >= self.half:
            self.old, self.young = self.young, {}

    def __len__(self) -> int:
        return len(self.young) + len(self.old)


_MISSING = object()


# One element of a batch: (what the batch keeps of the element, its timestamp, its window).
Item = tuple[Any, Any, Any]


class BatchingFn(beam.DoFn):
    """Collects a bundle's elements and hands them to `flush` in batches: when `max_size` are
    collected (or `full()` says so), when the oldest waited `max_age_s`, and at the bundle's end.

    Each output is paired with the item it came from and emitted as a WindowedValue with that
    element's timestamp and window, whether from `process` or `finish_bundle` (where Beam gives
    no element context); a TaggedOutput keeps its tag. Everything is emitted, and every
    asynchronous piece of work finished (`finish`), before the bundle ends: the reader's offset
    commit, in the bundle finalizer, still follows the sinks. No shuffle and no Beam state, so
    the graph stays fused (docs/pipeline.md).
    Subclasses implement `flush(batch)`; they may override `admit`, `full` and `finish`.
    """

    def __init__(self, max_size: int, max_age_s: float | None = None):
        self.max_size = max_size
        self.max_age_s = max_age_s

    def start_bundle(self) -> None:
        self._batch: list[Item] = []
        self._oldest = 0.0

    def process(
        self, element: Any, timestamp=beam.DoFn.TimestampParam, window=beam.DoFn.WindowParam
    ) -> Iterator[Any]:
        batch = self._batch
        if not batch and self.max_age_s is not None:
            self._oldest = time.monotonic()
        batch.append((self.admit(element), timestamp, window))
        if len(batch) >= self.max_size or self.full() or self._too_old():
            yield from _stamped(self.flush(self._take()))

    def finish_bundle(self) -> Iterator[Any]:
        yield from _stamped(self.flush(self._take()))
        yield from _stamped(self.finish())

    def _too_old(self) -> bool:
        return self.max_age_s is not None and time.monotonic() - self._oldest >= self.max_age_s

    def _take(self) -> list[Item]:
        batch, self._batch = self._batch, []
        return batch

    def admit(self, element: Any) -> Any:
        """What the batch keeps of an element (the element itself unless overridden)."""
        return element

    def full(self) -> bool:
        """A further reason to flush now (besides size and age), e.g. the batch's bytes."""
        return False

    def flush(self, batch: list[Item]) -> Iterable[tuple[Item, Any]]:
        """Handle a batch (possibly empty); yield (item, output) for each output."""
        raise NotImplementedError

    def finish(self) -> Iterable[tuple[Item, Any]]:
        """At the end of the bundle, after the last flush: outputs of work still in flight."""
        return ()


def _stamped(outputs: Iterable[tuple[Item, Any]]) -> Iterator[Any]:
    for (_kept, timestamp, window), output in outputs:
        if isinstance(output, TaggedOutput):
            yield TaggedOutput(output.tag, WindowedValue(output.value, timestamp, (window,)))
        else:
            yield WindowedValue(output, timestamp, (window,))


class BatchLookupFn(BatchingFn):
    """Collects up to `batch_size` articles of a bundle, looks them up together, emits them.

    What a batch needs to know about earlier articles comes from Elasticsearch plus a per-worker
    cache. The lookup of batch n runs in a background thread while batch n+1 is collected;
    batch n is resolved (in order, on the bundle's thread) before batch n+1, and all before the
    bundle ends. Subclasses implement `prepare(elements)` (bundle thread), `lookup(prepared)`
    (background thread: only reads them and Elasticsearch) and `resolve(prepared, found)`
    (bundle thread: one output per element, None to drop it).
    """

    batch_size = 500

    def __init__(self, connect: Callable[[], Any]):
        super().__init__(self.batch_size)
        self.connect = connect

    def setup(self) -> None:
        self.es = self.connect()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=type(self).__name__)

    def teardown(self) -> None:
        if getattr(self, "_pool", None) is not None:
            self._pool.shutdown(wait=True)
        if getattr(self, "es", None) is not None:
            self.es.close()

    def start_bundle(self) -> None:
        super().start_bundle()
        self._pending: tuple[list[Item], Any, Future] | None = None

    def flush(self, batch: list[Item]) -> list[tuple[Item, Any]]:
        """Start the lookup of the batch; return the previous batch, resolved."""
        if not batch:
            return []
        prepared = self.prepare([element for element, _ts, _window in batch])
        done = self._drain()
        self._pending = (batch, prepared, self._pool.submit(self.lookup, prepared))
        return done

    def finish(self) -> list[tuple[Item, Any]]:
        return self._drain()

    def _drain(self) -> list[tuple[Item, Any]]:
        if self._pending is None:
            return []
        batch, prepared, future = self._pending
        self._pending = None
        outputs = self.resolve(prepared, future.result())
        return [(item, out) for item, out in zip(batch, outputs, strict=True) if out is not None]

    def prepare(self, elements: list[Any]) -> Any:
        return elements

    def lookup(self, prepared: Any) -> Any:
        raise NotImplementedError

    def resolve(self, prepared: Any, found: Any) -> list[Any]:
        raise NotImplementedError
