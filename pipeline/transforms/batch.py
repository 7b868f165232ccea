"""Bundle batching for stages that look their state up in Elasticsearch once per batch."""

from __future__ import annotations

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
        if len(self.young) >= self.half:
            self.old, self.young = self.young, {}

    def __len__(self) -> int:
        return len(self.young) + len(self.old)


_MISSING = object()


class BatchLookupFn(beam.DoFn):
    """Collects up to `batch_size` documents of a bundle, resolves them together, emits them.

    No shuffle and no Beam state: the graph stays fused (see docs/pipeline.md), and what a batch
    needs to know about earlier documents comes from Elasticsearch plus a per-worker cache.
    Subclasses implement `resolve(batch) -> iterable of documents`.
    """

    batch_size = 500

    def __init__(self, settings: Settings):
        self.settings = settings

    def setup(self) -> None:
        self.es = elasticsearch_client(self.settings, max_retries=0, retry_on_timeout=False)

    def teardown(self) -> None:
        if getattr(self, "es", None) is not None:
            self.es.close()

    def start_bundle(self) -> None:
        self._batch: list[tuple[dict[str, Any], Any]] = []

    def process(self, doc: dict[str, Any], timestamp=beam.DoFn.TimestampParam):
        self._batch.append((doc, timestamp))
        if len(self._batch) >= self.batch_size:
            yield from (doc for doc, _ts in self._resolve())

    def finish_bundle(self):
        for doc, ts in self._resolve():
            yield WindowedValue(doc, ts, [GlobalWindow()])

    def _resolve(self) -> list[tuple[dict[str, Any], Any]]:
        batch, self._batch = self._batch, []
        if not batch:
            return []
        stamps = {id(doc): ts for doc, ts in batch}
        return [
            (doc, stamps.get(id(doc), batch[0][1]))
            for doc in self.resolve([doc for doc, _ts in batch])
        ]

    def resolve(self, docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        raise NotImplementedError
