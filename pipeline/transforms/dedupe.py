"""Exact dedupe stage: one document per content (same normalised title + text -> one article).

State lives in Elasticsearch (`content_hash` of indexed documents), looked up once per batch,
plus a per-worker cache that covers the refresh interval (documents written by this worker but
not yet searchable). A document whose content is already indexed under *another* id is dropped
and counted; the same id passes (a revision, or a replay the sink will recognise).
"""

from __future__ import annotations

import logging
from typing import Any

import apache_beam as beam
from apache_beam.metrics import Metrics

from newsflow.settings import Settings
from pipeline import metrics
from pipeline.io.elasticsearch import search_with_retries
from pipeline.transforms.batch import BatchLookupFn, RecentDict

log = logging.getLogger(__name__)

CACHE_SIZE = 50_000


class _DropDuplicatesFn(BatchLookupFn):
    def __init__(self, settings: Settings):
        super().__init__(settings)
        self.index = settings.indices.articles
        self.retries = settings.pipeline.bulk_max_retries
        self.duplicates = Metrics.counter("newsflow", "duplicates")

    def setup(self) -> None:
        super().setup()
        self.owners: RecentDict = RecentDict(CACHE_SIZE)  # content_hash -> ids that carry it

    def indexed_owners(self, hashes: list[str]) -> dict[str, set[str]]:
        hits = search_with_retries(
            self.es, self.index, self.retries,
            query={"terms": {"content_hash": hashes}},
            source=["id", "content_hash"], size=min(10_000, 4 * len(hashes)),
        )  # fmt: skip
        found: dict[str, set[str]] = {}
        for hit in hits:
            src = hit["_source"]
            found.setdefault(src["content_hash"], set()).add(src["id"])
        return found

    def lookup(self, docs: list[dict[str, Any]]) -> dict[str, set[str]]:
        hashes = sorted({d.get("content_hash") or "" for d in docs} - {""})
        return self.indexed_owners(hashes) if hashes else {}

    def resolve(
        self, docs: list[dict[str, Any]], found: dict[str, set[str]]
    ) -> list[dict[str, Any]]:
        kept = []
        for doc in docs:
            content = doc.get("content_hash")
            owners = (
                (self.owners.get(content) or set()) | found.get(content, set()) if content else None
            )
            if owners and doc["id"] not in owners:
                self.duplicates.inc()
                metrics.DUPLICATES.inc()
                log.debug("duplicate", extra={"id": doc["id"], "duplicate_of": sorted(owners)[0]})
                continue
            if content:
                self.owners[content] = (owners or set()) | {doc["id"]}
            kept.append(doc)
        return kept


class DropDuplicates(beam.PTransform):
    """Drops documents whose content is already indexed (or earlier in the stream) under another id."""

    def __init__(self, settings: Settings):
        super().__init__()
        self.settings = settings

    def expand(self, docs):
        return docs | "Dedupe" >> beam.ParDo(_DropDuplicatesFn(self.settings))
