"""Elasticsearch sink: batched bulk requests with retries; permanent per-document failures -> DLQ.

Idempotent by construction: `_id` is the article id, and article documents are written with
external versioning (version = revision), so a replay of the same revision is a 409 the sink
counts as "already there", a newer revision replaces the document and an older one never wins.
Alerts are written with op_type=create (a 409 means "already alerted").
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Literal

import apache_beam as beam
import orjson
from apache_beam.transforms.window import GlobalWindow
from apache_beam.utils.timestamp import MAX_TIMESTAMP
from apache_beam.utils.windowed_value import WindowedValue

from newsflow.clients import elasticsearch_client
from newsflow.errors import NewsflowError, RecordError
from newsflow.retry import Backoff, retry_call, retrying
from newsflow.schema import iso, utcnow
from newsflow.settings import Settings
from pipeline import metrics
from pipeline.transforms.deadletters import dead_letter_for

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


class _WriteToElasticsearchFn(beam.DoFn):
    """Buffers documents, flushes by count, bytes and age (and at the end of every bundle)."""

    backoff_base = 0.5  # seconds; doubled per attempt up to MAX_BACKOFF_S

    def __init__(self, settings: Settings, index: str, mode: Mode):
        self.settings = settings
        self.index = index
        self.mode = mode
        self.max_docs = settings.pipeline.bulk_max_docs
        self.max_bytes = settings.pipeline.bulk_max_bytes
        self.max_age = settings.pipeline.bulk_flush_interval.total_seconds()
        self.max_retries = settings.pipeline.bulk_max_retries

    def setup(self) -> None:
        # Retries are ours (with backoff and per-item handling), not the transport's.
        self._es = elasticsearch_client(self.settings, max_retries=0, retry_on_timeout=False)
        self._pool: ThreadPoolExecutor | None = None

    def teardown(self) -> None:
        pool = getattr(self, "_pool", None)
        if pool is not None:
            pool.shutdown(wait=True)
        if getattr(self, "_es", None) is not None:
            self._es.close()

    def start_bundle(self) -> None:
        self._buffer: list[tuple[dict[str, Any], bytes]] = []
        self._bytes = 0
        self._oldest = 0.0
        self._in_flight: list[Future] = []
        self._dead: list[Any] = []
        if getattr(self, "_pool", None) is None:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"bulk-{self.index}")

    def process(self, doc: dict[str, Any]) -> None:
        if not self._buffer:
            self._oldest = time.monotonic()
        lines = bulk_lines(doc, self.index, self.mode, iso(utcnow()))
        self._buffer.append((doc, lines))
        self._bytes += len(lines)
        full = len(self._buffer) >= self.max_docs or self._bytes >= self.max_bytes
        if full or time.monotonic() - self._oldest >= self.max_age:
            self._submit()

    def finish_bundle(self):
        """Wait for every bulk of the bundle: the offsets are committed only after this returns."""
        self._submit()
        while self._in_flight:
            self._collect(self._in_flight.pop(0))
        dead, self._dead = self._dead, []
        for letter in dead:
            yield WindowedValue(letter, MAX_TIMESTAMP, [GlobalWindow()])

    def _submit(self) -> None:
        """Send the buffer in the background (the next batch is prepared meanwhile)."""
        if not self._buffer:
            return
        pending, self._buffer, self._bytes = self._buffer, [], 0
        if len(self._in_flight) >= MAX_IN_FLIGHT:  # backpressure: ES sets the pace
            self._collect(self._in_flight.pop(0))
        assert self._pool is not None  # created in start_bundle
        self._in_flight.append(self._pool.submit(self._write, pending))

    def _collect(self, future: Future) -> None:
        result: _BulkResult = future.result()  # raises ElasticsearchUnavailable: bundle fails
        self._dead += result.dead
        metrics.BULK_SECONDS.observe(result.seconds)
        metrics.DOCUMENTS_INDEXED.labels(index=self.index, mode=self.mode).inc(result.indexed)
        metrics.DOCUMENTS_SKIPPED.labels(index=self.index, mode=self.mode).inc(result.skipped)
        if result.dead:
            metrics.DEAD_LETTERS.labels(stage="index").inc(len(result.dead))

    def _write(self, pending: list[tuple[dict[str, Any], bytes]]) -> _BulkResult:
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

    def _bulk(self, pending: list[tuple[dict[str, Any], bytes]]) -> list[dict[str, Any]]:
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
        self, pending: list[tuple[dict[str, Any], bytes]], result: _BulkResult
    ) -> list[tuple[dict[str, Any], bytes]]:
        """One bulk of `pending`; permanent refusals -> dead letters; returns those refused with
        429/5xx (the next attempt sends them alone)."""
        items = self._bulk(pending)
        retry = []
        for (doc, lines), item in zip(pending, items, strict=True):
            outcome = self._outcome(item, result)
            if outcome == "retry":
                retry.append((doc, lines))
            elif outcome != "ok":
                result.dead.append(dead_letter_for(doc, "index", RecordError("index", outcome)))
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
        self.settings = settings
        self.index = index
        self.mode = mode

    def expand(self, pcoll):
        return pcoll | "Bulk" >> beam.ParDo(
            _WriteToElasticsearchFn(self.settings, self.index, self.mode)
        )


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
