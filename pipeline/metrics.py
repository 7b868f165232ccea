"""Pipeline metrics for Prometheus (throughput, consumer lag, DLQ count, bulk latency).

Beam metrics (`Metrics.counter("newsflow", ...)`) are kept next to these in the DoFns, so a
distributed runner's own metric system sees the same figures; the Prometheus endpoint serves the
process it runs in (the local runner runs every DoFn in this process).
"""

from __future__ import annotations

import logging

from prometheus_client import Counter, Gauge, Histogram, start_http_server

log = logging.getLogger(__name__)

RECORDS_READ = Counter("newsflow_pipeline_records_read_total", "Kafka records read", ["topic"])
RECORDS_WRITTEN = Counter(
    "newsflow_pipeline_records_written_total", "Kafka records written", ["topic"]
)
CONSUMER_LAG = Gauge(
    "newsflow_pipeline_consumer_lag", "records behind the partition end", ["topic", "partition"]
)
DOCUMENTS_INDEXED = Counter(
    "newsflow_pipeline_documents_indexed_total", "documents written to ES", ["index"]
)
DOCUMENTS_SKIPPED = Counter(
    "newsflow_pipeline_documents_skipped_total",
    "documents ES already had (same or newer revision)",
    ["index"],
)
DUPLICATES = Counter("newsflow_pipeline_duplicates_total", "articles dropped as exact duplicates")
DEAD_LETTERS = Counter("newsflow_pipeline_dead_letters_total", "records sent to the DLQ", ["stage"])
BULK_SECONDS = Histogram(
    "newsflow_pipeline_bulk_seconds",
    "Elasticsearch bulk request latency (including retries)",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
KAFKA_UNAVAILABLE = Counter(
    "newsflow_pipeline_kafka_unavailable_total",
    "Kafka requests that failed because Kafka was unreachable (the pipeline retried)",
    ["operation"],
)
BULK_RETRIES = Counter(
    "newsflow_pipeline_bulk_retries_total", "bulk requests retried after 429/5xx/connection errors"
)


def serve(port: int | None) -> None:
    """Expose /metrics on `port` (None or 0: don't)."""
    if port:
        start_http_server(port)
        log.info("prometheus metrics", extra={"port": port})
