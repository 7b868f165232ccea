"""Elasticsearch sink: batched bulk requests with retries; permanent per-document failures -> DLQ.

Idempotent by construction: `_id` is the article id, and article documents are written with
external versioning (version = revision), so a replay of the same revision is a 409 the sink
counts as "already there", a newer revision replaces the document and an older one never wins.
Alerts are written with op_type=create (a 409 means "already alerted").
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Literal, cast

import apache_beam as beam
import orjson

from newsflow.clients import elasticsearch_client
from newsflow.errors import NewsflowError, RecordError
from newsflow.pipeline import metrics
from newsflow.pipeline.records import Article
from newsflow.pipeline.transforms.batch import BatchingFn, Item
from newsflow.pipeline.transforms.deadletters import dead_letter_for
from newsflow.retry import Backoff, retry_call, retrying
from newsflow.schema import DeadLetter, iso, utcnow
from newsflow.settings import ElasticsearchSettings, Settings

__all__ = ["WriteToElasticsearch", "search_with_retries", "with_retries"]

log = logging.getLogger(__name__)

Mode = Literal["versioned", "create"]
RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})
MAX_BACKOFF_S = 30.0
MAX_IN_FLIGHT = 2  # bulk requests per sink instance; one is being built while one is sent
BULK_FILTER = "errors,items.*.status,items.*.error"  # all the sink reads of a bulk response


class ElasticsearchUnavailable(NewsflowError):
    """Bulk retries exhausted: the bundle fails (its offsets are not committed) and is replayed."""

    def __init__(self, index: str, attempts: int, reason: str):
        self.index, self.attempts, self.reason = index, attempts, reason
        super().__init__(
            f"Elasticsearch bulk to {index!r} failed after {attempts} attempts: {reason}"
        )

    def __reduce__(self):
        return (type(self), (self.index, self.attempts, self.reason))


def public_fields(doc: dict[str, Any]) -> dict[str, Any]:
    """The indexable part of a pipeline document (keys starting with '_' travel, never index)."""
    return {k: v for k, v in doc.items() if not k.startswith("_")}


def bulk_lines(doc: dict[str, Any], index: str, mode: Mode, indexed_at: str) -> bytes:
    """The two NDJSON lines of one bulk operation for `doc` (UTF-8)."""
    source = public_fields(doc)
    if mode == "versioned":
        source["indexed_at"] = indexed_at
        action = {
            "index": {
                "_index": index,
                "_id": source["id"],
                "version": int(source.get("revision") or 1),
                "version_type": "external",
            }
        }
    else:
        action = {"create": {"_index": index, "_id": source["id"]}}
    return b"%b\n%b\n" % (orjson.dumps(action), orjson.dumps(source, default=str))


def send_bulk(es: Any, operations: list[bytes]) -> list[dict[str, Any]]:
    """One bulk request of prebuilt operations (`bulk_lines`): per operation, in order, its
    `status` and, when refused, its `error`. Request-level failures raise (the caller retries).

    Not `helpers.streaming_bulk`: that reports the same per-document outcomes, but costs 1.5-2.3x
    the client CPU per document (it re-chunks the actions and walks every item even when nothing
    failed) for no gain on the wire (bench/bench_bulk.py)."""
    response = es.bulk(operations=b"".join(operations), filter_path=BULK_FILTER)
    if not response.get("errors"):
        return [{"status": 201}] * len(operations)
    return [next(iter(entry.values())) for entry in response["items"]]


def _is_retryable(exc: Exception) -> bool:
    from elastic_transport import ConnectionError as TransportConnectionError
    from elastic_transport import ConnectionTimeout
    from elasticsearch import ApiError

    if isinstance(exc, TransportConnectionError | ConnectionTimeout):
        return True
    return isinstance(exc, ApiError) and exc.meta.status in RETRYABLE_STATUS


class _Rejected(Exception):
    """Some documents of a bulk were refused with 429/5xx: they are sent again."""

    def __init__(self, count: int):
        super().__init__(f"{count} document(s) rejected with 429/5xx")


def _retry_bulk(exc: Exception) -> bool:
    return isinstance(exc, _Rejected) or _is_retryable(exc)


def _reason(exc: Exception) -> str:
    return str(exc) if isinstance(exc, _Rejected) else f"{type(exc).__name__}: {exc}"


@dataclass
class _BulkResult:
    dead: list[Any] = field(default_factory=list)
    indexed: int = 0
    skipped: int = 0
    seconds: float = 0.0


def elasticsearch_connector(settings: Settings) -> Callable[[], Any]:
    """How a DoFn opens its client: it carries the connection settings only, not all Settings.
    The client does not retry: the pipeline's writes and lookups retry themselves."""
    return partial(_connect, settings.elasticsearch)


def _connect(connection: ElasticsearchSettings) -> Any:
    settings = Settings(elasticsearch=connection)
    return elasticsearch_client(settings, max_retries=0, retry_on_timeout=False)


@dataclass(frozen=True)
class BulkOptions:
    """How the sink batches and retries (the pipeline settings of the same names, typed)."""

    max_docs: int
    max_bytes: int
    max_age_s: float
    max_retries: int

    @classmethod
    def from_settings(cls, settings: Settings) -> BulkOptions:
        pipeline = settings.pipeline
        return cls(
            max_docs=pipeline.bulk_max_docs,
            max_bytes=pipeline.bulk_max_bytes,
            max_age_s=pipeline.bulk_flush_interval.total_seconds(),
            max_retries=pipeline.bulk_max_retries,
        )


def _source(element: Article | dict[str, Any]) -> dict[str, Any]:
    """The document of an element: an Article's ArticleDocument, or the element itself (an
    AlertEvent dict)."""
    return cast(dict[str, Any], element.doc) if isinstance(element, Article) else element


class _WriteToElasticsearchFn(BatchingFn):
    """Buffers documents, flushes by count, bytes and age (and at the end of every bundle)."""

    backoff_base = 0.5  # seconds; doubled per attempt up to MAX_BACKOFF_S

    def __init__(self, connect: Callable[[], Any], index: str, mode: Mode, options: BulkOptions):
        super().__init__(options.max_docs, options.max_age_s)
        self.connect = connect
        self.index = index
        self.mode = mode
        self.max_bytes = options.max_bytes
        self.max_retries = options.max_retries

    def setup(self) -> None:
        # Retries are ours (with backoff and per-item handling), not the transport's.
        self._es = self.connect()
        self._pool: ThreadPoolExecutor | None = None

    def teardown(self) -> None:
        pool = getattr(self, "_pool", None)
        if pool is not None:
            pool.shutdown(wait=True)
        if getattr(self, "_es", None) is not None:
            self._es.close()

    def start_bundle(self) -> None:
        super().start_bundle()
        self._bytes = 0
        self._in_flight: list[Future] = []
        if getattr(self, "_pool", None) is None:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"bulk-{self.index}")

    def admit(self, element: Any) -> tuple[Any, bytes]:
        lines = bulk_lines(_source(element), self.index, self.mode, iso(utcnow()))
        self._bytes += len(lines)
        return element, lines

    def full(self) -> bool:
        return self._bytes >= self.max_bytes

    def flush(self, batch: list[Item]) -> list[tuple[Item, DeadLetter]]:
        """Send the batch in the background (the next batch is prepared meanwhile); the dead
        letters of a bulk collected meanwhile (backpressure: ES sets the pace)."""
        if not batch:
            return []
        self._bytes = 0
        dead = []
        if len(self._in_flight) >= MAX_IN_FLIGHT:
            dead = self._collect(self._in_flight.pop(0))
        assert self._pool is not None  # created in start_bundle
        pending = [
            ((element, timestamp, window), lines) for (element, lines), timestamp, window in batch
        ]
        self._in_flight.append(self._pool.submit(self._write, pending))
        return dead

    def finish(self) -> list[tuple[Item, DeadLetter]]:
        """Wait for every bulk of the bundle: the offsets are committed only after this returns."""
        dead = []
        while self._in_flight:
            dead += self._collect(self._in_flight.pop(0))
        return dead

    def _collect(self, future: Future) -> list[tuple[Item, DeadLetter]]:
        result: _BulkResult = future.result()  # raises ElasticsearchUnavailable: bundle fails
        metrics.BULK_SECONDS.observe(result.seconds)
        metrics.DOCUMENTS_INDEXED.labels(index=self.index, mode=self.mode).inc(result.indexed)
        metrics.DOCUMENTS_SKIPPED.labels(index=self.index, mode=self.mode).inc(result.skipped)
        if result.dead:
            metrics.DEAD_LETTERS.labels(stage="index").inc(len(result.dead))
        return result.dead

    def _write(self, pending: list[tuple[Item, bytes]]) -> _BulkResult:
        """Write one batch, retrying what may succeed later; permanent refusals -> dead letters."""
        result = _BulkResult()
        started = time.monotonic()
        backoff = Backoff(self.backoff_base, MAX_BACKOFF_S, self.max_retries + 1)
        try:
            for attempt in retrying(backoff, _retry_bulk, on_retry=self._on_retry):
                with attempt:
                    pending = self._attempt(pending, result)
                    if pending:
                        raise _Rejected(len(pending))
        except Exception as exc:
            if not _retry_bulk(exc):
                raise
            raise ElasticsearchUnavailable(
                self.index, backoff.attempts or 0, _reason(exc)
            ) from None
        result.seconds = time.monotonic() - started
        return result

    def _bulk(self, pending: list[tuple[Item, bytes]]) -> list[dict[str, Any]]:
        return send_bulk(self._es, [lines for _doc, lines in pending])

    @staticmethod
    def _outcome(item: dict[str, Any], result: _BulkResult) -> str:
        """'ok', 'retry' or the reason of a permanent failure."""
        status = int(item.get("status", 500))
        if status < 300:
            result.indexed += 1
            return "ok"
        if status == 409:  # same or newer revision already indexed / alert already recorded
            result.skipped += 1
            return "ok"
        if status in RETRYABLE_STATUS:
            return "retry"
        error = item.get("error") or {}
        if isinstance(error, dict):
            return f"HTTP {status} {error.get('type', 'error')}: {error.get('reason', '')}"[:2000]
        return f"HTTP {status}: {error}"[:2000]

    def _attempt(
        self, pending: list[tuple[Item, bytes]], result: _BulkResult
    ) -> list[tuple[Item, bytes]]:
        """One bulk of `pending`; permanent refusals -> dead letters; returns those refused with
        429/5xx (the next attempt sends them alone)."""
        items = self._bulk(pending)
        retry = []
        for (doc, lines), item in zip(pending, items, strict=True):
            outcome = self._outcome(item, result)
            if outcome == "retry":
                retry.append((doc, lines))
            elif outcome != "ok":
                letter = dead_letter_for(doc[0], "index", RecordError("index", outcome))
                result.dead.append((doc, letter))
        return retry

    def _on_retry(self, error: Exception, failures: int, delay: float) -> None:
        metrics.BULK_RETRIES.inc()
        log.warning(
            "bulk retry",
            extra={
                "index": self.index,
                "attempt": failures,
                "delay_s": delay,
                "reason": _reason(error)[:300],
            },
        )


class WriteToElasticsearch(beam.PTransform):
    """Bulk-writes documents to `index` (an alias); returns the DeadLetters of refused documents.

    mode="versioned": `_id` = id, external version = revision (articles).
    mode="create": `_id` = id, op_type=create, a conflict is success (alerts).
    """

    def __init__(self, settings: Settings, index: str, mode: Mode = "versioned"):
        super().__init__()
        self.fn = _WriteToElasticsearchFn(
            elasticsearch_connector(settings), index, mode, BulkOptions.from_settings(settings)
        )

    def expand(self, pcoll):
        return pcoll | "Bulk" >> beam.ParDo(self.fn)


def search_with_retries(es: Any, index: str, retries: int, **body: Any) -> list[dict[str, Any]]:
    """Hits of one search, retried with backoff on 429/5xx/connection errors (state lookups)."""
    return with_retries(index, retries, lambda: es.search(index=index, **body)["hits"]["hits"])


def with_retries(index: str, retries: int, call: Any) -> Any:
    """`call()`, retried with backoff on 429/5xx/connection errors (other errors raise)."""

    def warn(error: Exception, failures: int, delay: float) -> None:
        extra = {"index": index, "attempt": failures, "delay_s": delay, "error": repr(error)}
        log.warning("request retry", extra=extra)

    backoff = Backoff(0.5, MAX_BACKOFF_S, retries + 1)
    return retry_call(call, backoff, _is_retryable, on_retry=warn)
