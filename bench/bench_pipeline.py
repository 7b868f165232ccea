"""Benchmark: the Beam pipeline's transport throughput and freshness on the real Kafka + ES.

1. Throughput, enrichment off, Kafka -> Elasticsearch: articles/s of `newsflow pipeline run`
   (subprocess, local runner) and of a plain kafka-python -> helpers.bulk loop over the same
   records, measured in the same run; the ratio of the two. Median of --rounds.
2. Freshness: the pipeline streaming at half the measured capacity; time from a record's append
   to news.raw until a search finds it. p50 and p95.

    .venv/bin/python bench/bench_pipeline.py [--articles 20000] [--rounds 3] [--workers 1,2,3]
        [--freshness-seconds 30]
"""

from __future__ import annotations

import argparse
import json
import signal
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from newsflow.admin import initialise
from newsflow.clients import elasticsearch_client, kafka_consumer, kafka_producer
from newsflow.settings import Settings, load_settings
from tests.conftest import cleanup, isolated_settings
from tests.fixtures.pipeline.support import article, es_count, start_pipeline

PARTITIONS = 6


def fresh_settings(base: Settings) -> Settings:
    prefix = f"bench-{uuid.uuid4().hex[:8]}"
    settings = isolated_settings(base, prefix).with_overrides(
        topics={"partitions": PARTITIONS}, enrichment={"enabled": False}
    )
    initialise(settings)
    return settings


def produce_articles(settings: Settings, count: int, offset: int = 0) -> None:
    producer = kafka_producer(settings, linger_ms=50, batch_size=1024 * 1024)
    for i in range(offset, offset + count):
        a = article(i)
        producer.send(settings.topics.raw, key=a.id.encode(), value=a.to_json())
    producer.flush()
    producer.close()


def plain_loop(settings: Settings, count: int) -> float:
    """kafka-python -> json -> helpers.bulk into a plain index: articles/s."""
    from elasticsearch import helpers

    es = elasticsearch_client(settings)
    index = f"{settings.indices.articles}-plain"
    es.indices.create(index=index, settings={"number_of_shards": 1, "number_of_replicas": 0})
    consumer = kafka_consumer(
        settings, settings.topics.raw, group_id=f"{settings.pipeline.consumer_group}-plain"
    )
    done = 0
    started = time.perf_counter()
    try:
        while done < count:
            actions = []
            for batch in consumer.poll(timeout_ms=500, max_records=500).values():
                for rec in batch:
                    doc = json.loads(rec.value)
                    actions.append({"_index": index, "_id": doc["id"], "_source": doc})
            if actions:
                helpers.bulk(es, actions, chunk_size=500)
                done += len(actions)
            consumer.commit()
        return count / (time.perf_counter() - started)
    finally:
        consumer.close()
        es.indices.delete(index=index)
        es.close()


def pipeline_run(
    settings: Settings, count: int, log: Path, workers: int = 1
) -> tuple[float, float]:
    """(end-to-end articles/s from process start, steady articles/s between 10% and 90%)."""
    started = time.perf_counter()
    proc = start_pipeline(settings, "--until-idle", "3", "--workers", str(workers), log=log)
    marks: dict[float, float] = {}
    es = elasticsearch_client(settings)
    try:
        while True:
            # no forced refresh: the index refreshes every second by itself, and forcing it
            # 4 times a second would slow the indexing we are measuring
            n = es.count(index=settings.indices.articles)["count"]
            now = time.perf_counter()
            for frac in (0.1, 0.9, 1.0):
                if n >= frac * count and frac not in marks:
                    marks[frac] = now
            if 1.0 in marks or proc.poll() is not None:
                break
            time.sleep(0.25)
        if 1.0 not in marks:
            msg = f"pipeline exited early (code {proc.poll()}), see {log}"
            raise RuntimeError(msg)
        proc.wait(timeout=60)
    finally:
        es.close()
        if proc.poll() is None:
            proc.kill()
    return count / (marks[1.0] - started), 0.8 * count / (marks[0.9] - marks[0.1])


def throughput(
    base: Settings, count: int, rounds: int, logdir: Path, workers: list[int]
) -> dict[str, list[float]]:
    """Interleaved rounds: the plain loop, then the pipeline with each worker count, each on a
    fresh topic and index holding the same `count` articles."""
    results: dict[str, list[float]] = {"plain": []}
    for r in range(rounds):
        line = []
        for variant in ["plain", *(f"w{w}" for w in workers)]:
            settings = fresh_settings(base)
            try:
                produce_articles(settings, count)
                if variant == "plain":
                    results["plain"].append(plain_loop(settings, count))
                    line.append(f"plain {results['plain'][-1]:.0f}/s")
                    continue
                w = int(variant[1:])
                e2e, steady = pipeline_run(
                    settings, count, logdir / f"throughput-{r}-{variant}.log", w
                )
                results.setdefault(f"{variant}_e2e", []).append(e2e)
                results.setdefault(f"{variant}_steady", []).append(steady)
                line.append(f"{w} worker(s) {steady:.0f}/s steady, {e2e:.0f}/s end-to-end")
            finally:
                cleanup(settings)
        print(f"  round {r + 1}: " + "; ".join(line))
    return results


def freshness(
    base: Settings, rate: float, seconds: float, logdir: Path, beam_args: list[str] | None = None
) -> list[float]:
    """Latencies (s) from append to searchable, producing at `rate` articles/s."""
    settings = fresh_settings(base)
    sent: dict[str, float] = {}
    seen: dict[str, float] = {}
    proc = start_pipeline(settings, *(beam_args or []), log=logdir / "freshness.log")
    stop = threading.Event()

    def search_loop() -> None:
        es = elasticsearch_client(settings)
        while not stop.is_set() or len(seen) < len(sent):
            pending = [i for i in list(sent) if i not in seen][:10_000]
            if pending:
                hits = es.search(
                    index=settings.indices.articles, query={"terms": {"id": pending}},
                    source=["id"], size=len(pending),
                )["hits"]["hits"]  # fmt: skip
                now = time.time()
                for hit in hits:
                    seen.setdefault(hit["_source"]["id"], now)
            if stop.is_set() and time.time() > stop_at[0] + 30:
                break
            time.sleep(0.05)
        es.close()

    stop_at = [0.0]
    try:
        warm = kafka_producer(settings)
        a = article(10_000_000)
        warm.send(settings.topics.raw, key=a.id.encode(), value=a.to_json()).get(timeout=10)
        deadline = time.time() + 60
        while es_count(settings) < 1 and time.time() < deadline:  # the pipeline is up and warm
            time.sleep(0.2)
        searcher = threading.Thread(target=search_loop, daemon=True)
        searcher.start()
        producer = kafka_producer(settings, linger_ms=0)
        start = time.time()
        i = 0
        while time.time() - start < seconds:
            delay = start + i / rate - time.time()
            if delay > 0:
                time.sleep(delay)
            a = article(i)
            producer.send(settings.topics.raw, key=a.id.encode(), value=a.to_json())
            sent[a.id] = time.time()
            i += 1
        producer.flush()
        stop_at[0] = time.time()
        stop.set()
        searcher.join(timeout=60)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except Exception:
            proc.kill()
        cleanup(settings)
    missing = len(sent) - len(seen)
    if missing:
        print(f"  {missing} of {len(sent)} articles were not searchable within 30 s of the end")
    return [seen[i] - sent[i] for i in seen if i in sent]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--freshness-seconds", type=float, default=30)
    parser.add_argument("--skip-freshness", action="store_true")
    parser.add_argument(
        "--workers", default="1,2,3", help="pipeline worker counts to measure (comma-separated)"
    )
    parser.add_argument(
        "--freshness-rate", type=float, help="skip the throughput part, use this rate"
    )
    parser.add_argument("beam_args", nargs="*", help="extra pipeline flags for the freshness run")
    args = parser.parse_args()
    base = load_settings()
    logdir = Path(tempfile.mkdtemp(prefix="bench-pipeline-"))
    if args.freshness_rate:
        lat = freshness(base, args.freshness_rate, args.freshness_seconds, logdir, args.beam_args)
        print(f"  append -> searchable at {args.freshness_rate:.0f}/s: p50 {percentile(lat, 0.5):.2f} s,"
              f" p95 {percentile(lat, 0.95):.2f} s over {len(lat)} articles")  # fmt: skip
        return 0
    workers = [int(w) for w in args.workers.split(",")]
    print(
        f"throughput: {args.articles} articles, {PARTITIONS} partitions, enrichment off, "
        f"{args.rounds} interleaved rounds, pipeline workers {workers}"
    )
    t = throughput(base, args.articles, args.rounds, logdir, workers)
    plain = statistics.median(t["plain"])
    print(f"  plain kafka-python -> helpers.bulk: {plain:.0f} articles/s (median)")
    for w in workers:
        steady = statistics.median(t[f"w{w}_steady"])
        e2e = statistics.median(t[f"w{w}_e2e"])
        print(
            f"  pipeline --workers {w}: {steady:.0f} articles/s steady (median, target 3000), "
            f"{e2e:.0f}/s end to end incl. start-up; ratio to plain {steady / plain:.2f}"
        )
    capacity = statistics.median(t[f"w{workers[0]}_steady"])
    if not args.skip_freshness:
        rate = max(1.0, capacity / 2)
        print(
            f"freshness: {rate:.0f} articles/s (half the capacity) for {args.freshness_seconds:.0f} s"
        )
        latencies = freshness(base, rate, args.freshness_seconds, logdir)
        print(f"  append -> searchable: p50 {percentile(latencies, 0.5):.2f} s, p95 {percentile(latencies, 0.95):.2f} s"
              f" over {len(latencies)} articles (target p95 <= 2 s)")  # fmt: skip
    print(f"logs: {logdir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
