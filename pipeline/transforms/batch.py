"""Bundle batching for stages that look their state up in Elasticsearch once per batch."""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import apache_beam as beam
from apache_beam.transforms.window import GlobalWindow
from apache_beam.utils.windowed_value import WindowedValue

from newsflow.clients import elasticsearch_client
from newsflow.settings import Settings


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


class BatchLookupFn(beam.DoFn):
    """Collects up to `batch_size` documents of a bundle, looks them up together, emits them.

    No shuffle and no Beam state: the graph stays fused (see docs/pipeline.md), and what a batch
    needs to know about earlier documents comes from Elasticsearch plus a per-worker cache.
    The lookup of batch n runs in a background thread while batch n+1 is collected; batch n is
    resolved (in order, on the bundle's thread) before batch n+1, and all before the bundle ends.
    Subclasses implement `prepare(docs)` (bundle thread), `lookup(docs)` (background thread:
    only reads the documents and Elasticsearch) and `resolve(docs, found)` (bundle thread).
    """

    batch_size = 500

    def __init__(self, settings: Settings):
        self.settings = settings

    def setup(self) -> None:
        self.es = elasticsearch_client(self.settings, max_retries=0, retry_on_timeout=False)
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=type(self).__name__)

    def teardown(self) -> None:
        if getattr(self, "_pool", None) is not None:
            self._pool.shutdown(wait=True)
        if getattr(self, "es", None) is not None:
            self.es.close()

    def start_bundle(self) -> None:
        self._batch: list[tuple[dict[str, Any], Any]] = []
        self._pending: tuple[list[dict[str, Any]], Any, Future] | None = None

    def process(self, doc: dict[str, Any], timestamp=beam.DoFn.TimestampParam):
        self._batch.append((doc, timestamp))
        if len(self._batch) >= self.batch_size:
            yield from (doc for doc, _ts in self._advance())

    def finish_bundle(self):
        for doc, ts in [*self._advance(), *self._drain()]:
            yield WindowedValue(doc, ts, [GlobalWindow()])

    def _advance(self) -> list[tuple[dict[str, Any], Any]]:
        """Start the lookup of the collected batch; return the previous batch, resolved."""
        batch, self._batch = self._batch, []
        if not batch:
            return []
        docs = self.prepare([doc for doc, _ts in batch])
        done = self._drain()
        self._pending = (docs, batch[0][1], self._pool.submit(self.lookup, docs))
        return done

    def _drain(self) -> list[tuple[dict[str, Any], Any]]:
        if self._pending is None:
            return []
        docs, timestamp, future = self._pending
        self._pending = None
        return [(doc, timestamp) for doc in self.resolve(docs, future.result())]

    def prepare(self, docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return docs

    def lookup(self, docs: list[dict[str, Any]]) -> Any:
        raise NotImplementedError

    def resolve(self, docs: list[dict[str, Any]], found: Any) -> list[dict[str, Any]]:
        raise NotImplementedError
