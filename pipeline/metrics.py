"""Pipeline metrics, counted once for Prometheus and Beam (throughput, consumer lag, DLQ, bulk latency).

Each metric here mirrors into the Beam metric named after it (`Metrics.counter("newsflow", ...)`),
so a distributed runner's own metric system and the run summary see the same figures; the
Prometheus endpoint serves the process it runs in (the local runner runs every DoFn in this
process). Beam metrics count only on a DoFn's own thread: count there, not in helper threads.
"""

from __future__ import annotations

import functools
from typing import Any

from newsflow.metrics import Counter, Gauge, Histogram, serve_metrics

__all__ = [
    "BULK_RETRIES",
    "BULK_SECONDS",
    "CONSUMER_LAG",
    "DEAD_LETTERS",
    "DOCUMENTS_INDEXED",
    "DOCUMENTS_SKIPPED",
    "DUPLICATES",
    "KAFKA_UNAVAILABLE",
    "RECORDS_READ",
    "RECORDS_WRITTEN",
    "serve",
]

serve = serve_metrics  # `newsflow run` calls it by this name


@functools.cache
def _beam(kind: str, name: str) -> Any:
    from apache_beam.metrics import Metrics

    return getattr(Metrics, kind)("newsflow", name)


def _beam_counter(template: str) -> Any:
    return lambda labels, amount: _beam("counter", template.format(**labels)).inc(int(amount))


def _beam_gauge(name: str) -> Any:
    return lambda _labels, value: _beam("gauge", name).set(int(value))


def _beam_milliseconds(name: str) -> Any:
    return lambda _labels, seconds: _beam("distribution", name).update(int(seconds * 1000))


RECORDS_READ = Counter(
    "newsflow_pipeline_records_read_total",
    "Kafka records read",
    ["topic"],
    mirror=_beam_counter("records_read"),
)
RECORDS_WRITTEN = Counter(
    "newsflow_pipeline_records_written_total",
    "Kafka records written",
    ["topic"],
    mirror=_beam_counter("written_{topic}"),
)
CONSUMER_LAG = Gauge(
    "newsflow_pipeline_consumer_lag",
    "records behind the partition end",
    ["topic", "partition"],
    mirror=_beam_gauge("consumer_lag"),
)
# Beam names these by the sink's mode: count with .labels(index=..., mode=...)
DOCUMENTS_INDEXED = Counter(
    "newsflow_pipeline_documents_indexed_total",
    "documents written to ES",
    ["index"],
    mirror=_beam_counter("indexed_{mode}"),
)
DOCUMENTS_SKIPPED = Counter(
    "newsflow_pipeline_documents_skipped_total",
    "documents ES already had (same or newer revision)",
    ["index"],
    mirror=_beam_counter("already_indexed_{mode}"),
)
DUPLICATES = Counter(
    "newsflow_pipeline_duplicates_total",
    "articles dropped as exact duplicates",
    mirror=_beam_counter("duplicates"),
)
DEAD_LETTERS = Counter(
    "newsflow_pipeline_dead_letters_total",
    "records sent to the DLQ",
    ["stage"],
    mirror=_beam_counter("dlq_{stage}"),
)
BULK_SECONDS = Histogram(
    "newsflow_pipeline_bulk_seconds",
    "Elasticsearch bulk request latency (including retries)",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
    mirror=_beam_milliseconds("bulk_latency_ms"),
)
KAFKA_UNAVAILABLE = Counter(
    "newsflow_pipeline_kafka_unavailable_total",
    "Kafka requests that failed because Kafka was unreachable (the pipeline retried)",
    ["operation"],
)
BULK_RETRIES = Counter(
    "newsflow_pipeline_bulk_retries_total", "bulk requests retried after 429/5xx/connection errors"
)
