"""The fault matrix: one case per fault, each a row (tests/support/fault_matrix.py: what it counts).

Every case asserts what the system promises: nothing lost (every article indexed, dead-lettered
or dropped as an exact duplicate; every alert delivered), nothing written twice (Elasticsearch's
indexing counters), no alert delivered twice to a receiver that heard the answer, no dead
letter for a good article, and every part ends cleanly on SIGTERM, having resumed by itself.

Cases marked `full` (Kafka's broker killed or cut, Elasticsearch cut for 60 s, latency, 503,
read-only) run in `make chaos` (NEWSFLOW_CHAOS=all); the faster half also in `make test` (CI)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from newsflow.settings import Settings
from tests.support.clients import es_count
from tests.support.fault_matrix import ChaosKafka, Flow, Row, env_for, flow, run_case, topic_size
from tests.support.proxies import HttpFaultProxy, ToxicProxy
from tests.support.waiting import wait_for

full = pytest.mark.chaos_full


def check(row: Row, rows: list[Row]) -> None:
    rows.append(row)
    print("\n" + Row.HEADER + "\n" + row.markdown())
    assert row.lost == 0, row
    assert row.alerts_lost == 0, row
    assert row.alerts_twice == 0, row
    assert row.dead_lettered == 0, row
    assert row.duplicate_writes == 0, row
    assert all(code == 0 for code in row.exits.values()), row.exits


def es_env(url: str, *parts: str) -> dict[str, dict[str, str]]:
    return env_for(*(parts or ("pipeline", "notifier")), NEWSFLOW_ES_URL=url)


def until(seconds: float) -> float:
    time.sleep(seconds)
    return time.monotonic()


# --- Kafka --------------------------------------------------------------------------------------


@full
def test_kafka_broker_killed_while_the_pipeline_is_busy(
    own_kafka: Settings, chaos_kafka: ChaosKafka, tmp_path: Path, record_row: list[Row]
):
    def fault(f: Flow) -> float:
        before = es_count(f.settings)
        f.publish(1500)
        wait_for(lambda: es_count(f.settings) > before + 50, 60, "wave B being indexed", 0.05)
        chaos_kafka.kill()
        time.sleep(20)
        chaos_kafka.start()
        return time.monotonic()

    with flow("kafka-killed-busy", own_kafka, tmp_path) as f:
        check(run_case(f, fault), record_row)


@full
def test_kafka_broker_killed_while_everything_waits_for_news(
    own_kafka: Settings, chaos_kafka: ChaosKafka, tmp_path: Path, record_row: list[Row]
):
    def fault(f: Flow) -> float:
        time.sleep(3)  # connector, pipeline and notifier idle, waiting for news
        chaos_kafka.kill()
        time.sleep(10)
        f.publish(200)  # news while the broker is away: the connector must hold them
        time.sleep(10)
        chaos_kafka.start()
        return time.monotonic()

    with flow("kafka-killed-idle", own_kafka, tmp_path) as f:
        check(run_case(f, fault), record_row)


@full
def test_kafka_unreachable_for_60s(
    own_kafka: Settings, chaos_kafka: ChaosKafka, tmp_path: Path, record_row: list[Row]
):
    def fault(f: Flow) -> float:
        chaos_kafka.proxy.enable(False)
        try:
            time.sleep(5)
            f.publish(200)
            time.sleep(55)
        finally:
            chaos_kafka.proxy.enable(True)
        return time.monotonic()

    with flow("kafka-unreachable-60s", own_kafka, tmp_path) as f:
        check(run_case(f, fault), record_row)


# --- Elasticsearch ------------------------------------------------------------------------------


@full
def test_elasticsearch_unreachable_for_60s(
    shared: Settings, es_proxy: ToxicProxy, tmp_path: Path, record_row: list[Row]
):
    def fault(f: Flow) -> float:
        es_proxy.enable(False)
        try:
            f.publish(200)
            time.sleep(60)
        finally:
            es_proxy.enable(True)
        return time.monotonic()

    env = es_env(f"http://{es_proxy.address}")
    with flow("es-unreachable-60s", shared, tmp_path, env=env) as f:
        row = run_case(f, fault)
        assert f.saw("pipeline", "retry"), f.log("pipeline")
        check(row, record_row)


@full
def test_elasticsearch_2s_latency_on_every_request(
    shared: Settings, es_proxy: ToxicProxy, tmp_path: Path, record_row: list[Row]
):
    def fault(f: Flow) -> float:
        # the latency stays for the rest of the case: recover = wave B through a slow cluster
        es_proxy.add_toxic("latency", "downstream", latency=2000)
        f.publish(200)
        return time.monotonic()

    env = es_env(f"http://{es_proxy.address}")
    with flow("es-latency-2s", shared, tmp_path, env=env) as f:
        check(run_case(f, fault), record_row)


def test_elasticsearch_connections_reset_mid_bulk(
    shared: Settings, es_proxy: ToxicProxy, tmp_path: Path, record_row: list[Row]
):
    def fault(f: Flow) -> float:
        # every connection is closed once 32 KB went up it: bulks of 300 articles are cut
        # part-way (Elasticsearch drops an incomplete request), small lookups still pass
        toxic = es_proxy.add_toxic("limit_data", "upstream", bytes=32_768)
        try:
            f.publish(300)
            time.sleep(20)
        finally:
            es_proxy.remove_toxic(toxic)
        return time.monotonic()

    env = es_env(f"http://{es_proxy.address}")
    with flow("es-reset-mid-bulk", shared, tmp_path, env=env) as f:
        row = run_case(f, fault)
        assert f.saw("pipeline", "retry"), "no request was cut: " + f.log("pipeline")
        check(row, record_row)


@pytest.mark.parametrize("status", [429, pytest.param(503, marks=full)])
def test_elasticsearch_answers_errors_for_30s(
    shared: Settings, tmp_path: Path, record_row: list[Row], status: int
):
    proxy = HttpFaultProxy(shared.elasticsearch.url)

    def fault(f: Flow) -> float:
        proxy.fail_with(status)
        try:
            f.publish(200)
            time.sleep(30)
        finally:
            proxy.fail_with(None)
        assert proxy.answered[status] > 0, "the fault was never seen"
        return time.monotonic()

    try:
        with flow(f"es-http-{status}-30s", shared, tmp_path, env=es_env(proxy.url)) as f:
            check(run_case(f, fault), record_row)
    finally:
        proxy.close()


@full
def test_elasticsearch_indices_read_only_for_30s(
    shared: Settings, tmp_path: Path, record_row: list[Row]
):
    """What a full disk does: the flood-stage watermark sets read_only_allow_delete."""
    from newsflow.clients import elasticsearch_client

    idx = shared.indices
    names = ",".join(
        f"{alias}-*" for alias in (idx.articles, idx.alerts, idx.stories, idx.story_sketches)
    )

    def block(on: bool) -> None:
        es = elasticsearch_client(shared)
        try:
            value: Any = True if on else None
            es.indices.put_settings(
                index=names, settings={"index.blocks.read_only_allow_delete": value}
            )
        finally:
            es.close()

    def fault(f: Flow) -> float:
        block(True)
        try:
            f.publish(200)
            time.sleep(30)
            assert es_count(f.settings) < len(f.feeds.items), "written through a read-only block?"
        finally:
            block(False)
        return time.monotonic()

    with flow("es-read-only-30s", shared, tmp_path) as f:
        check(run_case(f, fault), record_row)


# --- processes killed ---------------------------------------------------------------------------


def test_connector_killed_in_the_middle_of_a_large_feed(
    shared: Settings, tmp_path: Path, record_row: list[Row]
):
    large = 4000
    seen: dict[str, int] = {}

    def fault(f: Flow) -> float:
        before = topic_size(f.settings, f.settings.topics.raw)
        f.publish(large, feed=0)
        wait_for(
            lambda: topic_size(f.settings, f.settings.topics.raw) > before + 200,
            60, "the connector producing the large feed", 0.02,
        )  # fmt: skip
        f.kill("connector")
        seen["at_kill"] = topic_size(f.settings, f.settings.topics.raw) - before
        f.start("connector")
        return time.monotonic()

    with flow("connector-killed-mid-feed", shared, tmp_path) as f:
        row = run_case(f, fault, settle_timeout=300)
        assert seen["at_kill"] < large, f"the kill came after the whole feed: {seen}"
        check(row, record_row)


def test_notifier_killed_while_a_webhook_is_slow(
    shared: Settings, tmp_path: Path, record_row: list[Row]
):
    def fault(f: Flow) -> float:
        f.receiver.hang.set()  # deliveries hang until released
        f.publish(20)
        assert f.receiver.hanging.wait(60), f.log("notifier")
        f.kill("notifier")
        f.receiver.hang.clear()
        f.receiver.release.set()
        f.start("notifier")
        return time.monotonic()

    with flow("notifier-killed-slow-webhook", shared, tmp_path) as f:
        row = run_case(f, fault)
        assert row.alerts_resent >= 1, "the request in flight was never sent again"
        check(row, record_row)


def test_webhook_answers_500_for_5_minutes(shared: Settings, tmp_path: Path, record_row: list[Row]):
    """Five minutes at 1/20 scale: the shipped policy (12 attempts, backoff doubling from 1 s to
    60 s: 6 minutes before giving up) with every duration divided by 20, and 15 s of 500s."""
    scale = 20
    delivery = {"timeout": "1s", "backoff": "50ms", "max_backoff": "3s"}

    def fault(f: Flow) -> float:
        f.receiver.fail_until = time.monotonic() + 300 / scale
        f.publish(20)
        return until(300 / scale)

    with flow("webhook-500-5min", shared, tmp_path, delivery=delivery) as f:
        row = run_case(f, fault)
        assert row.alerts_resent > 0, "no delivery ever met a 500"
        check(row, record_row)


def test_pipeline_killed_during_story_assignment(
    shared: Settings, tmp_path: Path, record_row: list[Row]
):
    proxy = HttpFaultProxy(shared.elasticsearch.url)
    sketches = shared.indices.story_sketches

    def fault(f: Flow) -> float:
        # the candidate lookup runs while this worker holds the story lock
        hold = proxy.hold_requests(rf"/{sketches}/_search")
        f.publish(200)
        assert hold.arrived.wait(60), f.log("pipeline")
        f.kill("pipeline")
        proxy.let_go()
        f.start("pipeline")  # finds the dead worker's lock and waits for its lease to expire
        return time.monotonic()

    try:
        with flow("pipeline-killed-in-stories", shared, tmp_path, env=es_env(proxy.url)) as f:
            check(run_case(f, fault), record_row)
    finally:
        proxy.close()


def test_pipeline_killed_during_the_elasticsearch_flush(
    shared: Settings, tmp_path: Path, record_row: list[Row]
):
    proxy = HttpFaultProxy(shared.elasticsearch.url)

    def fault(f: Flow) -> float:
        # the articles' bulk reached Elasticsearch; the pipeline dies before it hears so
        hold = proxy.hold_requests(r"_bulk", "after", body_contains=shared.indices.articles)
        f.publish(300)
        assert hold.arrived.wait(60), f.log("pipeline")
        f.kill("pipeline")
        proxy.let_go()
        f.start("pipeline")
        return time.monotonic()

    try:
        with flow("pipeline-killed-in-flush", shared, tmp_path, env=es_env(proxy.url)) as f:
            row = run_case(f, fault)
            assert row.replays_refused > 0, "the restart replayed nothing: the kill missed"
            check(row, record_row)
    finally:
        proxy.close()
