"""Benchmark: the feed connector polling 1,000 local feeds (a mix of 200 and 304) into real Kafka.

Prints feeds per minute, CPU (process time / wall) and peak RSS, median of several rounds.
The feed server runs in a child process so the figures are the connector's alone.

    .venv/bin/python bench/bench_connector.py [--feeds 1000] [--items 20] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from newsflow.admin import InitReport, create_topics, topic_specs
from newsflow.clients import kafka_admin, kafka_producer
from newsflow.connectors.feeds import FeedConfig
from newsflow.connectors.runner import RssConnector
from newsflow.connectors.state import ConnectorState
from newsflow.settings import Settings, load_settings


def feed_body(feed: int, version: int, items: int) -> bytes:
    """An RSS 2.0 feed; each new version adds two items and edits one (like a real news feed)."""
    entries = []
    for i in range(version * 2, version * 2 + items):
        edit = " (updated)" if i == version * 2 + 3 else ""
        entries.append(
            f"<item><title>Feed {feed} story {i}{edit}</title>"
            f"<link>https://bench{feed % 97}.example/f{feed}/story-{i}?utm_source=rss</link>"
            f"<guid>f{feed}-{i}</guid><pubDate>Mon, 03 Nov 2025 09:{i % 60:02d}:00 GMT</pubDate>"
            f"<description><![CDATA[<p>Summary of story {i} in feed {feed}. {'Lorem ipsum dolor sit amet. ' * 8}</p>]]>"
            f"</description></item>"
        )
    doc = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Bench feed {feed}</title><link>https://bench.example/{feed}</link>{''.join(entries)}"
        "</channel></rss>"
    )
    return doc.encode("utf-8")


SERVER = """
import sys, time
sys.path.insert(0, {root!r})
from bench.bench_connector import feed_body
from tests.support.servers import FeedServer, Route
feeds, items = {feeds}, {items}
server = FeedServer().start()
versions = {{n: 0 for n in range(feeds)}}
def route(n):
    return lambda request: Route(feed_body(n, versions[n], items), etag=True)
for n in range(feeds):
    server.routes[f"/feed/{{n}}"] = route(n)
print(server.port, flush=True)
for line in sys.stdin:  # "bump": the next round changes every other feed
    round_ = int(line)
    for n in range(feeds):
        if (n + round_) % 2 == 0:
            versions[n] += 1
    print("ok", flush=True)
"""


def start_server(feeds: int, items: int) -> tuple[subprocess.Popen, int]:
    root = str(Path(__file__).resolve().parents[1])
    code = SERVER.format(root=root, feeds=feeds, items=items)
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=root,
    )
    port = int(proc.stdout.readline())
    return proc, port


def bench_settings(base: Settings) -> Settings:
    prefix = f"bench-{uuid.uuid4().hex[:8]}"
    return base.with_overrides(
        topics={"raw": f"{prefix}.raw", "connector_state": f"{prefix}.connector-state",
                "enriched": f"{prefix}.enriched", "alerts": f"{prefix}.alerts", "dlq": f"{prefix}.dlq",
                "alert_deliveries": f"{prefix}.alert-deliveries", "partitions": 3},
        # all bench feeds live on 127.0.0.1: let one host take the global limit (many hosts in real life)
        connector={"allow_private_addresses": True, "per_host_concurrency": 32, "max_concurrency": 32,
                   "timeout": "20s"},
    )  # fmt: skip


def one_round(settings: Settings, feeds: list[FeedConfig], producer) -> dict[str, float]:
    state = ConnectorState(settings).load()
    connector = RssConnector(settings, feeds, producer, state)
    cpu, wall = time.process_time(), time.perf_counter()
    report = asyncio.run(connector.run(once=True))
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    assert report.failed == 0, report.lines[:5]
    return {
        "feeds_per_min": len(feeds) / wall * 60,
        "cores": cpu / wall,
        "cpu_ms_per_feed": cpu / len(feeds) * 1000,
        "records": report.produced,
        "revisions": report.revisions,
        "wall": wall,
    }


def paced(
    settings: Settings, feeds: list[FeedConfig], producer, proc, minutes: float, round_: int
) -> None:
    """Continuous mode, every feed due each minute (half of them changed): CPU as measured."""
    state = ConnectorState(settings).load()
    connector = RssConnector(settings, feeds, producer, state)

    async def run() -> tuple[float, float, int]:
        stop = asyncio.Event()
        task = asyncio.create_task(connector.run(stop=stop))
        cpu, wall = time.process_time(), time.perf_counter()
        bump = round_
        while time.perf_counter() - wall < minutes * 60:
            await asyncio.sleep(60 - (time.perf_counter() - wall) % 60)
            proc.stdin.write(f"{bump}\n")  # the next minute's polls see half the feeds changed
            proc.stdin.flush()
            await asyncio.to_thread(proc.stdout.readline)
            bump += 1
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        stop.set()
        report = await task
        return cpu, wall, report.polled

    cpu, wall, polled = asyncio.run(run())
    print(
        f"paced, continuous mode, 1m interval for {wall / 60:.1f} min: {polled / wall * 60:,.0f} "
        f"feeds/min polled, {cpu / wall:.2f} cores on average"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--items", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--paced", type=float, default=0, metavar="MINUTES",
        help="also run the continuous mode with a 1m interval for MINUTES and measure its CPU",
    )  # fmt: skip
    args = parser.parse_args()

    settings = bench_settings(load_settings())
    create_topics(settings, InitReport())
    proc, port = start_server(args.feeds, args.items)
    producer = kafka_producer(settings)
    try:
        interval = 60.0 if args.paced else None  # paced: every feed is due once a minute
        feeds = [
            FeedConfig(
                name=f"bench-{n}", url=f"http://127.0.0.1:{port}/feed/{n}", interval=interval
            )
            for n in range(args.feeds)
        ]
        cold = one_round(settings, feeds, producer)
        print(f"cold start (all 200, {cold['records']} records): {cold['feeds_per_min']:.0f} feeds/min, "
              f"{cold['cores']:.2f} cores, {cold['wall']:.1f}s")  # fmt: skip
        rounds = []
        for round_ in range(1, args.rounds + 1):
            proc.stdin.write(f"{round_}\n")
            proc.stdin.flush()
            proc.stdout.readline()
            result = one_round(settings, feeds, producer)
            rounds.append(result)
            print(f"round {round_} (half 200, half 304; {result['records']} records, {result['revisions']} "
                  f"revisions): {result['feeds_per_min']:.0f} feeds/min, {result['cores']:.2f} cores")  # fmt: skip
        if args.paced:
            paced(settings, feeds, producer, proc, args.paced, args.rounds + 1)
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        per_min = statistics.median(r["feeds_per_min"] for r in rounds)
        cores = statistics.median(r["cores"] for r in rounds)
        cpu_ms = statistics.median(r["cpu_ms_per_feed"] for r in rounds)
        print(
            f"\nfeeds: {args.feeds} x {args.items} items; median of {args.rounds} rounds, 200/304 mix"
        )
        print(f"  throughput        {per_min:,.0f} feeds/min (target >= 1,000)")
        print(f"  CPU while polling {cores:.2f} cores flat out; {cpu_ms:.1f} ms CPU per feed")
        print(f"  CPU at 1,000/min  {cpu_ms * 1000 / 60 / 1000:.2f} cores (target <= 0.5)")
        print(f"  peak RSS          {peak_mb:.0f} MB (target < 300 MB)")
    finally:
        producer.close(timeout=10)
        proc.kill()
        admin = kafka_admin(settings)
        try:
            admin.delete_topics([t for t in topic_specs(settings) if t in set(admin.list_topics())])
        finally:
            admin.close()
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
