"""Crash and outage recovery: SIGKILL mid-stream, Elasticsearch unreachable for 30 s, SIGTERM."""

from __future__ import annotations

import re
import signal
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from newsflow.settings import Settings
from tests.support.clients import es_count, es_docs, index_writes, produce, uncommitted
from tests.support.factories import article
from tests.support.processes import log_tail, run_pipeline, start_pipeline
from tests.support.proxies import HttpFaultProxy, TcpProxy
from tests.support.servers import free_port
from tests.support.waiting import wait_for


def test_sigkill_mid_stream_then_restart_indexes_every_article_exactly_once(
    fast: Settings, tmp_path: Path, runner: list[str]
):
    total = 4000
    arts = [article(i) for i in range(total)]
    log = tmp_path / "pipeline.log"
    proxy = HttpFaultProxy(fast.elasticsearch.url)
    # small reads and bulks so the kill lands between many commits
    proc = start_pipeline(
        fast, "--kafka_max_records=100", *runner, log=log, NEWSFLOW_PIPELINE__BULK_MAX_DOCS="100",
        NEWSFLOW_ES_URL=proxy.url,
    )  # fmt: skip
    try:
        produce(fast, arts)
        wait_for(lambda: es_count(fast) >= 500, 60, "the first documents", interval=0.05)
        # the kill lands while an articles bulk is written but not yet answered: its offsets
        # cannot have been committed, so the restart must replay it
        hold = proxy.hold_requests(r"_bulk", when="after", body_contains=fast.indices.articles)
        assert hold.arrived.wait(60), log_tail(log)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
        proxy.close()
    at_kill = es_count(fast)
    assert at_kill < total, "the kill came too late to test anything"
    assert uncommitted(fast) > 0

    code = run_pipeline(fast, "--until-idle", "3", *runner, log=log)
    assert code == 0, log_tail(log)
    docs = es_docs(fast)
    assert len(docs) == total and set(docs) == {a.id for a in arts}
    # Documents are keyed by article id, so a count cannot see a second write. Elasticsearch's
    # indexing counters can: every successful write counts in index_total, a replay refused by
    # the external version (= revision) counts as a version conflict. The restart replayed what
    # was written but not committed (conflicts > 0) and wrote nothing twice. (Proved able to
    # fail: with the sink's external version removed, duplicate_writes was > 0.)
    writes = index_writes(fast)
    assert writes.docs == total
    assert writes.duplicate_writes == 0, writes
    assert writes.replays_refused > 0, writes
    assert uncommitted(fast) == 0


def test_elasticsearch_unreachable_for_30s_loses_nothing(fast: Settings, tmp_path: Path):
    es_url = urlsplit(fast.elasticsearch.url)
    proxy = TcpProxy(es_url.hostname or "127.0.0.1", es_url.port or 9200)
    log = tmp_path / "pipeline.log"
    proc = start_pipeline(fast, log=log, NEWSFLOW_ES_URL=f"http://127.0.0.1:{proxy.port}")
    try:
        produce(fast, [article(i) for i in range(50)])
        wait_for(lambda: es_count(fast) == 50, 60, "the first 50 documents")
        proxy.cut()
        produce(fast, [article(i) for i in range(50, 150)])
        time.sleep(30)  # the outage itself is what is under test: 30 s of refused connections
        assert es_count(fast) == 50, "documents went through a cut proxy?"
        assert proc.poll() is None, log_tail(log)
        proxy.restore()
        wait_for(lambda: es_count(fast) == 150, 90, "the documents written during the outage")
        wait_for(lambda: uncommitted(fast) == 0, 30, "offsets committed after the outage")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0, log_tail(log)
    finally:
        if proc.poll() is None:
            proc.kill()
        proxy.close()
    # the first stage to meet the outage (the dedupe lookup or the bulk) waited and retried
    assert " retry " in log_tail(log, 200_000)
    assert set(es_docs(fast)) == {article(i).id for i in range(150)}


def _scrape(port: int) -> str:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=2).text
    except httpx.HTTPError:
        return ""


def test_partitions_added_while_streaming_are_picked_up(fast: Settings, tmp_path: Path):
    from kafka.admin import NewPartitions

    from newsflow.clients import kafka_admin, kafka_producer

    log = tmp_path / "pipeline.log"
    port = free_port()
    proc = start_pipeline(fast, log=log, NEWSFLOW_PIPELINE__METRICS_PORT=str(port))
    try:
        produce(fast, [article(i) for i in range(4)])
        wait_for(lambda: es_count(fast) == 4, 60, "the first documents")
        metrics = _scrape(port)
        read = f'newsflow_pipeline_records_read_total{{topic="{fast.topics.raw}"}} 4.0'
        assert read in metrics and "newsflow_pipeline_consumer_lag{" in metrics, metrics[-2000:]
        assert "newsflow_pipeline_bulk_seconds_count" in metrics
        admin = kafka_admin(fast)
        try:
            admin.create_partitions({fast.topics.raw: NewPartitions(total_count=3)})
        finally:
            admin.close()
        producer = kafka_producer(fast)
        late = article(100)
        meta = producer.send(
            fast.topics.raw, key=late.id.encode(), value=late.to_json(), partition=2
        ).get(30)
        producer.close()
        assert meta.partition == 2
        wait_for(lambda: late.id in es_docs(fast), 60, "the record of the new partition")
        wait_for(lambda: uncommitted(fast) == 0, 30, "the new partition's offset committed")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0, log_tail(log)
    finally:
        if proc.poll() is None:
            proc.kill()


def test_until_idle_does_not_stop_while_input_waits_behind_a_slow_write(
    fast: Settings, tmp_path: Path
):
    es_url = urlsplit(fast.elasticsearch.url)
    proxy = TcpProxy(es_url.hostname or "127.0.0.1", es_url.port or 9200)
    log = tmp_path / "pipeline.log"
    produce(fast, [article(i) for i in range(300)])
    proxy.cut()  # the first bundle waits out ~6 s of retries: longer than the idle time
    proc = start_pipeline(
        fast, "--until-idle", "2", "--kafka_max_records=50", log=log,
        NEWSFLOW_ES_URL=f"http://127.0.0.1:{proxy.port}",
    )  # fmt: skip
    try:
        time.sleep(6)
        proxy.restore()
        assert proc.wait(timeout=120) == 0, log_tail(log)
    finally:
        if proc.poll() is None:
            proc.kill()
        proxy.close()
    assert es_count(fast) == 300
    assert uncommitted(fast) == 0


def test_two_workers_split_the_partitions_and_stop_together_on_sigterm(
    fast: Settings, tmp_path: Path
):
    settings = fast  # news.raw has 2 partitions here: one per worker
    log = tmp_path / "pipeline.log"
    proc = start_pipeline(settings, "--workers", "2", log=log)
    try:
        arts = [article(i) for i in range(200)]
        produce(settings, arts)  # keyed by id: spread over both partitions
        wait_for(lambda: es_count(settings) == 200, 90, "every article indexed")
        wait_for(lambda: uncommitted(settings) == 0, 30, "every offset committed")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0, log_tail(log)
    finally:
        if proc.poll() is None:
            proc.kill()
    text = log.read_text()
    assert "shard=0/2" in text and "shard=1/2" in text, log_tail(log)
    assert text.count("pipeline stopped") == 2  # both workers flushed and exited cleanly
    read = [int(n) for n in re.findall(r"records_read=(\d+)", text)]
    assert len(read) == 2 and min(read) > 0 and sum(read) == 200, read  # each read its share
    assert set(es_docs(settings)) == {a.id for a in arts}
