"""The metrics facade: one call counts in Prometheus and in the mirror; one /metrics starter."""

from __future__ import annotations

import socket
import urllib.request

from newsflow.metrics import Counter, Gauge, Histogram, serve_metrics


def test_one_call_counts_in_prometheus_and_in_the_mirror() -> None:
    seen: list[tuple[dict[str, str], float]] = []
    counter = Counter(
        "t_facade_docs_total", "docs", ["index"], mirror=lambda labels, n: seen.append((labels, n))
    )
    counter.labels(index="a").inc(2)
    counter.labels(index="a", mode="versioned").inc(3)  # `mode` names only the mirror's metric
    assert counter.labels(index="a")._value.get() == 5
    assert seen == [({"index": "a"}, 2), ({"index": "a", "mode": "versioned"}, 3)]


def test_gauges_and_histograms_mirror_what_they_are_given() -> None:
    seen: list[tuple[str, float]] = []
    gauge = Gauge(
        "t_facade_lag", "lag", ["partition"], mirror=lambda _labels, v: seen.append(("g", v))
    )
    histogram = Histogram(
        "t_facade_s", "s", buckets=(1,), mirror=lambda _labels, v: seen.append(("h", v))
    )
    gauge.labels(partition="0").set(7)
    histogram.observe(0.5)
    assert seen == [("g", 7), ("h", 0.5)]


def test_without_a_mirror_it_is_a_plain_prometheus_metric_served_on_metrics() -> None:
    Counter("t_facade_plain_total", "plain").inc()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    serve_metrics(port, addr="127.0.0.1")
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    assert "t_facade_plain_total 1.0" in text


def test_pipeline_metrics_count_once_for_beam_and_prometheus() -> None:
    import apache_beam as beam
    from apache_beam.metrics.metric import MetricsFilter
    from apache_beam.testing.test_pipeline import TestPipeline

    from newsflow.pipeline import metrics

    def letter(element: int) -> int:
        metrics.DEAD_LETTERS.labels(stage="facade_test").inc()
        return element

    before = metrics.DEAD_LETTERS.labels(stage="facade_test")._value.get()
    pipeline = TestPipeline()
    _ = pipeline | beam.Create([1, 2, 3]) | beam.Map(letter)
    result = pipeline.run()
    result.wait_until_finish()
    (counter,) = result.metrics().query(MetricsFilter().with_name("dlq_facade_test"))["counters"]
    assert counter.committed == 3
    assert metrics.DEAD_LETTERS.labels(stage="facade_test")._value.get() == before + 3
