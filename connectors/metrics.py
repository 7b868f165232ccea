"""Feed connector: Prometheus metrics (fetches by outcome, items produced, fetch latency)."""

from __future__ import annotations

from newsflow.metrics import Counter, Gauge, Histogram

__all__ = [
    "CONSECUTIVE_FAILURES",
    "FETCHES",
    "FETCH_SECONDS",
    "FULL_TEXT",
    "ITEMS_PRODUCED",
    "STATE_WRITE_RETRIES",
]

FETCHES = Counter(
    "newsflow_connector_fetches_total",
    "Feed fetches by outcome (ok, not_modified, http_error, rate_limited, timeout, ...)",
    ["outcome"],
)
ITEMS_PRODUCED = Counter(
    "newsflow_connector_items_produced_total",
    "Records acknowledged by Kafka on the raw topic, by feed and kind (new, revision)",
    ["feed", "kind"],
)
FETCH_SECONDS = Histogram(
    "newsflow_connector_fetch_seconds",
    "Feed fetch latency, request to last byte",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60),
)
CONSECUTIVE_FAILURES = Gauge(
    "newsflow_connector_feed_consecutive_failures",
    "Consecutive failed polls per feed (0 = healthy)",
    ["feed"],
)
STATE_WRITE_RETRIES = Counter(
    "newsflow_connector_state_write_retries_total",
    "Connector-state writes retried because Kafka did not acknowledge them",
)
FULL_TEXT = Counter(
    "newsflow_connector_full_text_total",
    "Article page fetches for full_text feeds, by outcome",
    ["outcome"],
)
