"""Pipeline metrics, counted once for Prometheus and Beam (throughput, lag, DLQ, bulk latency).

Each metric with a Beam name below also counts into that Beam metric (`Metrics.counter("newsflow",
...)`), so a distributed runner's own metric system and the run summary see the same figures;
the Prometheus endpoint serves the process it runs in (the local runner runs every DoFn in this
process). Beam metrics count only on a DoFn's own thread: count there, not in helper threads.
"""

from __future__ import annotations

import functools
from typing import Any

from newsflow.metrics import Counter, Gauge, Histogram

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


@functools.cache
def _beam(kind: str, name: str) -> Any:
    from apache_beam.metrics import Metrics

    return getattr(Metrics, kind)("newsflow", name)


def _beam_counter(template: str) -> Any:
    return lambda labels, amount: _beam("counter", template.format(**labels)).inc(int(amount))


RECORDS_READ.mirror_to(_beam_counter("records_read"))
RECORDS_WRITTEN.mirror_to(_beam_counter("written_{topic}"))
CONSUMER_LAG.mirror_to(lambda _labels, lag: _beam("gauge", "consumer_lag").set(int(lag)))
# Beam names these by the sink's mode: count with .labels(index=..., mode=...)
DOCUMENTS_INDEXED.mirror_to(_beam_counter("indexed_{mode}"))
DOCUMENTS_SKIPPED.mirror_to(_beam_counter("already_indexed_{mode}"))
DUPLICATES.mirror_to(_beam_counter("duplicates"))
DEAD_LETTERS.mirror_to(_beam_counter("dlq_{stage}"))
BULK_SECONDS.mirror_to(
    lambda _labels, seconds: _beam("distribution", "bulk_latency_ms").update(int(seconds * 1000))
)
