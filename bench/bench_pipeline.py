"""Benchmark: the Beam pipeline's throughput, CPU and freshness on the real Kafka + ES, per runner.

1. Throughput, enrichment off, Kafka -> Elasticsearch: articles/s of `newsflow pipeline run`
   (subprocess) for each variant - runner (FnApiRunner, PrismRunner) x worker count - and of a
   plain kafka-python -> helpers.bulk loop over the same records, in interleaved rounds of the
   same run; the ratio of each to the plain loop; CPU per article of the pipeline's processes
   (Prism's too) and of Elasticsearch. `--baseline REF` adds the code of a git commit as one
   more variant (checked out in a temporary worktree, run with the same virtualenv): before
   and after, side by side. Medians of --rounds.
2. Throughput with enrichment on (`--enrich-articles N`): realistic texts (the stories
   evaluation set's tuning split, each article with a unique opening line), per runner.
3. Freshness: each runner streaming at one rate (half the lower capacity); time from a record's
   append to news.raw until a search finds it. p50 and p95.

    .venv/bin/python bench/bench_pipeline.py [--articles 20000] [--rounds 3]
        [--variants fnapi:1,fnapi:2,prism:1,prism:2] [--baseline REF] [--enrich-articles 400]
        [--freshness-seconds 30]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from newsflow.admin import initialise
from newsflow.clients import elasticsearch_client, kafka_consumer, kafka_producer
from newsflow.settings import Settings, load_settings
from tests.support.clients import es_count
from tests.support.factories import article
from tests.support.processes import ROOT, log_tail, pipeline_env
from tests.support.stack import cleanup, isolated_settings

PARTITIONS = 6
RUNNERS = {"fnapi": "FnApiRunner", "prism": "PrismRunner"}


@dataclass(frozen=True)
class Variant:
    name: str
    runner: str  # FnApiRunner or PrismRunner
    workers: int
    code: Path = ROOT  # the checkout whose code runs (a worktree for --baseline)


def parse_variants(text: str) -> list[Variant]:
    out = []
    for item in text.split(","):
        runner, _, workers = item.partition(":")
        out.append(Variant(f"{runner}:{workers or 1}", RUNNERS[runner], int(workers or 1)))
    return out


def baseline_worktree(ref: str) -> Path:
    """The code of commit `ref` in a temporary git worktree (the same virtualenv runs it)."""
    path = Path(tempfile.mkdtemp(prefix="bench-baseline-"))
    subprocess.run(
        ["git", "worktree", "add", "--detach", str(path), ref],
        cwd=ROOT, check=True, capture_output=True,
    )  # fmt: skip
    return path


def code_env(settings: Settings, code: Path) -> dict[str, str]:
    """The pipeline's environment for `code`: an older checkout gets only the settings it knows
    (it validates its configuration strictly)."""
    env = pipeline_env(settings)
    if code != ROOT:
        env["PYTHONPATH"] = str(code)
        known = {"ARTICLES", "ALERTS", "SHARDS", "REPLICAS", "REFRESH_INTERVAL"}
        for name in [n for n in env if n.startswith("NEWSFLOW_INDICES__")]:
            if name.removeprefix("NEWSFLOW_INDICES__") not in known:
                del env[name]
    return env


def fresh_settings(base: Settings, code: Path = ROOT, enrichment: bool = False) -> Settings:
    prefix = f"bench-{uuid.uuid4().hex[:8]}"
    settings = isolated_settings(base, prefix).with_overrides(
        topics={"partitions": PARTITIONS}, enrichment={"enabled": enrichment}
    )
    if code == ROOT:
        initialise(settings)
    else:  # the baseline's own topics, templates and mappings
        subprocess.run(
            [sys.executable, "-m", "newsflow.cli", "init"],
            cwd=code, env=code_env(settings, code),
            check=True, capture_output=True,
        )  # fmt: skip
    return settings


def produce_articles(settings: Settings, count: int, offset: int = 0) -> None:
    producer = kafka_producer(settings, linger_ms=50, batch_size=1024 * 1024)
    for i in range(offset, offset + count):
        a = article(i)
        producer.send(settings.topics.raw, key=a.id.encode(), value=a.to_json())
    producer.flush()
    producer.close()


def produce_texts(settings: Settings, count: int) -> None:
    """Realistic articles: the stories evaluation set's tuning split, each with an opening
    line of its own (so none is an exact copy of another)."""
    from datetime import datetime

    from newsflow.schema import RawArticle, Source

    rows = [
        json.loads(line)
        for path in sorted((ROOT / "tests" / "fixtures" / "stories").glob("dev_*.jsonl"))
        for line in path.read_text("utf-8").splitlines()
    ]
    producer = kafka_producer(settings, linger_ms=50, batch_size=1024 * 1024)
    now = datetime.now().astimezone()
    for i in range(count):
        row = rows[i % len(rows)]
        body = f"<p>Bulletin {i}.</p>" + "".join(f"<p>{p}</p>" for p in row["body"].split("\n\n"))
        raw = RawArticle(
            id=f"text-{i:08d}", url=f"https://example.org/{i}", title=row["title"],
            content_html=body, published_at=now, fetched_at=now, language_hint="en",
            source=Source(name=row["source"], feed_url="https://example.org/rss", domain="example.org"),
            content_hash=f"text-{i}",
        )  # fmt: skip
        producer.send(settings.topics.raw, key=raw.id.encode(), value=raw.to_json())
    producer.flush()
    producer.close()


def elasticsearch_cpu(settings: Settings) -> float:
    """CPU seconds the local Elasticsearch process has used so far (0 if it is not local)."""
    pidfile = settings.home / "elasticsearch" / "run" / "elasticsearch.pid"
    try:
        fields = Path(f"/proc/{int(pidfile.read_text().strip())}/stat").read_text().split()
    except (OSError, ValueError):
        return 0.0
    return (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")


def launch(settings: Settings, variant: Variant, log: Path, *args: str) -> subprocess.Popen:
    """`newsflow pipeline run ARGS` of the variant's code, in the background."""
    env = code_env(settings, variant.code)
    extra = [f"--runner={variant.runner}"] if variant.runner != "FnApiRunner" else []
    workers = ["--workers", str(variant.workers)] if variant.workers > 1 else []
    handle = log.open("ab")
    return subprocess.Popen(
        [sys.executable, "-m", "newsflow.cli", "pipeline", "run", *args, *workers, *extra],
        cwd=variant.code, env=env, stdout=handle, stderr=subprocess.STDOUT,
    )  # fmt: skip


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


@dataclass(frozen=True)
class Run:
    e2e: float  # articles/s from process start to the last document
    steady: float  # articles/s between the 10 % and 90 % marks
    cpu_ms: float  # pipeline processes' CPU per article (ms)
    es_cpu_ms: float  # Elasticsearch CPU per article (ms)


def pipeline_run(settings: Settings, count: int, log: Path, variant: Variant) -> Run:
    """One run over `count` articles already in the topic, until idle."""
    es_before = elasticsearch_cpu(settings)
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = launch(settings, variant, log, "--until-idle", "3")
    marks: dict[float, float] = {}
    es = elasticsearch_client(settings)
    try:
        while True:
            # no forced refresh: the index refreshes by itself, and forcing it 4 times a
            # second would slow the indexing we are measuring
            n = es.count(index=settings.indices.articles)["count"]
            now = time.perf_counter()
            for frac in (0.1, 0.9, 1.0):
                if n >= frac * count and frac not in marks:
                    marks[frac] = now
            if 1.0 in marks or proc.poll() is not None:
                break
            time.sleep(0.25)
        if 1.0 not in marks:
            msg = f"pipeline exited early (code {proc.poll()}), see {log}:\n{log_tail(log)}"
            raise RuntimeError(msg)
        proc.wait(timeout=120)
    finally:
        es.close()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (children.ru_utime - children_before.ru_utime) + (
        children.ru_stime - children_before.ru_stime
    )
    es_cpu = elasticsearch_cpu(settings) - es_before
    window = marks[0.9] - marks[0.1]  # zero when one bundle carried them all (small runs)
    return Run(
        count / (marks[1.0] - started),
        0.8 * count / window if window > 0 else float("nan"),
        1000 * cpu / count,
        1000 * es_cpu / count,
    )


def throughput(
    base: Settings,
    count: int,
    rounds: int,
    logdir: Path,
    variants: list[Variant],
    enrichment: bool = False,
    plain: bool = True,
) -> dict[str, list]:
    """Interleaved rounds: the plain loop, then each variant, each on a fresh topic and index
    holding the same `count` articles."""
    results: dict[str, list] = {"plain": []}
    for r in range(rounds):
        line = []
        for variant in [None, *variants] if plain else variants:
            settings = fresh_settings(base, variant.code if variant else ROOT, enrichment)
            try:
                (produce_texts if enrichment else produce_articles)(settings, count)
                if variant is None:
                    results["plain"].append(plain_loop(settings, count))
                    line.append(f"plain {results['plain'][-1]:.0f}/s")
                    continue
                tag = "enrich" if enrichment else "throughput"
                run = pipeline_run(
                    settings, count, logdir / f"{tag}-{r}-{variant.name}.log", variant
                )
                results.setdefault(variant.name, []).append(run)
                line.append(
                    f"{variant.name} {run.steady:.0f}/s steady, {run.e2e:.0f}/s e2e, "
                    f"{run.cpu_ms:.3f} + ES {run.es_cpu_ms:.3f} ms/article"
                )
            finally:
                cleanup(settings)
        print(f"  round {r + 1}: " + "; ".join(line), flush=True)
    return results


def report(results: dict[str, list], variants: list[Variant], plain: float | None) -> None:
    for variant in variants:
        runs = results[variant.name]
        steady = statistics.median(r.steady for r in runs)
        ratio = f"; ratio to plain {steady / plain:.2f}" if plain else ""
        print(
            f"  {variant.name:14s} {steady:7.1f} articles/s steady (nan: one bundle), "
            f"{statistics.median(r.e2e for r in runs):7.1f}/s end to end; CPU per article "
            f"{statistics.median(r.cpu_ms for r in runs):.3f} ms pipeline + "
            f"{statistics.median(r.es_cpu_ms for r in runs):.3f} ms Elasticsearch{ratio}"
        )


def freshness(
    base: Settings,
    rate: float,
    seconds: float,
    logdir: Path,
    variant: Variant,
    beam_args: list[str] | None = None,
) -> list[float]:
    """Latencies (s) from append to searchable, producing at `rate` articles/s."""
    settings = fresh_settings(base, variant.code)
    sent: dict[str, float] = {}
    seen: dict[str, float] = {}
    proc = launch(settings, variant, logdir / f"freshness-{variant.name}.log", *(beam_args or []))
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
    parser.add_argument(
        "--variants",
        default="fnapi:1,fnapi:2,prism:1,prism:2",
        help="runner:workers, comma-separated (runner: fnapi or prism)",
    )
    parser.add_argument(
        "--baseline", metavar="REF", help="also run this git commit's code (fnapi, 1 worker)"
    )
    parser.add_argument(
        "--enrich-articles", type=int, default=0, help="also measure with enrichment on"
    )
    parser.add_argument("--freshness-seconds", type=float, default=30)
    parser.add_argument("--skip-freshness", action="store_true")
    parser.add_argument(
        "--freshness-rate", type=float, help="skip the throughput part, use this rate"
    )
    parser.add_argument("beam_args", nargs="*", help="extra pipeline flags for the freshness run")
    args = parser.parse_args()
    base = load_settings()
    logdir = Path(tempfile.mkdtemp(prefix="bench-pipeline-"))
    variants = parse_variants(args.variants)
    runners = [v for v in variants if v.workers == 1]
    if args.freshness_rate:
        for variant in runners:
            lat = freshness(
                base, args.freshness_rate, args.freshness_seconds, logdir, variant, args.beam_args
            )
            print(f"  {variant.name}: append -> searchable at {args.freshness_rate:.0f}/s: "
                  f"p50 {percentile(lat, 0.5):.2f} s, p95 {percentile(lat, 0.95):.2f} s "
                  f"over {len(lat)} articles")  # fmt: skip
        return 0
    worktree = baseline_worktree(args.baseline) if args.baseline else None
    try:
        measured = list(variants)
        if worktree:
            measured.append(Variant(f"before:{args.baseline[:10]}", "FnApiRunner", 1, worktree))
        print(
            f"throughput: {args.articles} articles, {PARTITIONS} partitions, enrichment off, "
            f"{args.rounds} interleaved rounds: plain loop, " + ", ".join(v.name for v in measured)
        )
        t = throughput(base, args.articles, args.rounds, logdir, measured) if args.articles else {}
        if t:
            plain = statistics.median(t["plain"])
            print(f"  plain kafka-python -> helpers.bulk: {plain:.0f} articles/s (median)")
            report(t, measured, plain)
        if args.enrich_articles:
            print(f"throughput with enrichment on: {args.enrich_articles} realistic articles")
            e = throughput(
                base, args.enrich_articles, args.rounds, logdir, runners, True, plain=False
            )
            report(e, runners, None)
        if not args.skip_freshness and t:
            capacity = min(statistics.median(r.steady for r in t[v.name]) for v in runners)
            rate = max(1.0, capacity / 2)
            print(
                f"freshness: {rate:.0f} articles/s (half the lower capacity) for "
                f"{args.freshness_seconds:.0f} s"
            )
            for variant in runners:
                lat = freshness(base, rate, args.freshness_seconds, logdir, variant)
                print(f"  {variant.name}: append -> searchable p50 {percentile(lat, 0.5):.2f} s, "
                      f"p95 {percentile(lat, 0.95):.2f} s over {len(lat)} articles "
                      "(target p95 <= 2 s)")  # fmt: skip
    finally:
        if worktree:
            subprocess.run(
                ["git", "worktree", "remove", "--force", str(worktree)], cwd=ROOT, check=False
            )
    print(f"logs: {logdir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
