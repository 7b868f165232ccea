"""Benchmark: the sink's bulk function against `helpers.streaming_bulk`, same documents, one run.

Variants, each sending the same article documents in bulks of `--batch` to one fresh index on
the running Elasticsearch, in interleaved rounds:
  ours              bulk_lines per document (orjson) + send_bulk (one body, filter_path)
  streaming-dicts   helpers.streaming_bulk with action dicts (the helper serialises them)
  streaming-bytes   helpers.streaming_bulk fed the sink's prebuilt bytes (a chunker around them)
Two workloads: "index" (every document a new external version) and "replay" (the same
revisions again: every document a 409, the path a replayed bundle takes). Before timing, one
mixed bulk (indexed, stale revision, mapping error) checks that every variant reports the same
status and error type per document (what the sink dead-letters). Prints medians of --rounds:
documents/s (wall) and client CPU µs per document. The index is deleted at the end.

    .venv/bin/python bench/bench_bulk.py [--docs 10000] [--batch 500] [--rounds 5]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from elasticsearch.helpers import streaming_bulk

from newsflow.clients import elasticsearch_client
from newsflow.indices import article_mappings
from newsflow.pipeline.io.elasticsearch import BULK_FILTER, bulk_lines, send_bulk
from newsflow.settings import load_settings

Sender = Callable[[Any, str, list[dict[str, Any]]], list[tuple[int, str]]]
WORDS = ("glacier", "council", "minister", "harbour", "election", "storm", "market", "court")


def document(n: int, revision: int, prefix: str) -> dict[str, Any]:
    """An enriched article as the sink receives it (~3 KB of JSON)."""
    rnd = random.Random(n)
    body = " ".join(rnd.choice(WORDS) for _ in range(300))
    return {
        "id": f"{prefix}{n:08d}",
        "revision": revision,
        "url": f"https://wire.example.com/news/{n}",
        "title": " ".join(rnd.choice(WORDS) for _ in range(8)),
        "summary": body[:200],
        "body": body,
        "source": {"name": "Wire", "feed_url": "https://wire.example.com/feed", "domain": "wire"},
        "published_at": "2026-12-03T10:00:00+00:00",
        "fetched_at": "2026-12-03T10:01:00+00:00",
        "language": "en",
        "entities": [{"name": "Rhone Glacier", "type": "LOCATION", "mentions": 2}],
        "locations": ["Rhone Glacier"],
        "content_hash": f"h{n}-{revision}",
        "_origin": ("news.raw", 0, n),  # travels with the document, never indexed
    }


def _statuses(items: list[dict[str, Any]]) -> list[tuple[int, str]]:
    return [(int(i.get("status", 500)), (i.get("error") or {}).get("type", "")) for i in items]


def ours(es: Any, index: str, docs: list[dict[str, Any]]) -> list[tuple[int, str]]:
    stamp = "2026-12-03T10:02:00+00:00"
    return _statuses(send_bulk(es, [bulk_lines(d, index, "versioned", stamp) for d in docs]))


def _stream(es: Any, actions: list[Any], expand: Callable[[Any], Any] | None) -> list[Any]:
    extra = {"expand_action_callback": expand} if expand else {}
    results = streaming_bulk(
        es,
        actions,
        chunk_size=len(actions),
        max_chunk_bytes=1 << 30,  # the sink sizes its batches itself
        raise_on_error=False,  # every refused document comes back, with its reason
        raise_on_exception=True,  # request failures go to the sink's retry loop, as today
        filter_path="items.*.status,items.*.error",
        **extra,
    )
    return [next(iter(info.values())) for _ok, info in results]


def streaming_dicts(es: Any, index: str, docs: list[dict[str, Any]]) -> list[tuple[int, str]]:
    actions = []
    for doc in docs:
        source = {k: v for k, v in doc.items() if not k.startswith("_")}
        source["indexed_at"] = "2026-12-03T10:02:00+00:00"
        actions.append(
            {
                "_index": index,
                "_id": source["id"],
                "version": int(source.get("revision") or 1),
                "version_type": "external",
                "_source": source,
            }
        )
    return _statuses(_stream(es, actions, None))


def streaming_bytes(es: Any, index: str, docs: list[dict[str, Any]]) -> list[tuple[int, str]]:
    stamp = "2026-12-03T10:02:00+00:00"
    lines = [bulk_lines(d, index, "versioned", stamp) for d in docs]
    return _statuses(_stream(es, lines, lambda op: tuple(op.split(b"\n", 2)[:2])))


VARIANTS: dict[str, Sender] = {
    "ours": ours,
    "streaming-dicts": streaming_dicts,
    "streaming-bytes": streaming_bytes,
}


def check_same_outcomes(es: Any, index: str) -> None:
    """One mixed bulk per variant: each must report the same status/error per document."""
    for name, send in VARIANTS.items():
        prefix = f"mix-{name}-"
        send(es, index, [document(0, 5, prefix)])
        bad = document(2, 1, prefix)
        bad["published_at"] = "not a date"
        got = send(es, index, [document(0, 4, prefix), document(1, 1, prefix), bad])
        print(f"  mixed bulk, {name:16} {got}")
        expected = [(409, "version_conflict_engine_exception"), (201, "")]
        if got[:2] != expected or got[2][0] != 400:
            msg = f"{name} reports {got}"
            raise SystemExit(msg)


def run(es: Any, index: str, send: Sender, docs: list[dict[str, Any]], batch: int) -> tuple:
    wall, cpu = time.perf_counter(), time.process_time()
    statuses: set[int] = set()
    for start in range(0, len(docs), batch):
        statuses |= {s for s, _ in send(es, index, docs[start : start + batch])}
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return len(docs) / wall, cpu / len(docs) * 1e6, statuses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    es = elasticsearch_client(load_settings(), max_retries=0, retry_on_timeout=False)
    index = f"bench-bulk-{uuid.uuid4().hex[:8]}"
    es.indices.create(
        index=index,
        mappings=article_mappings("standard"),
        settings={"number_of_shards": 1, "number_of_replicas": 0, "refresh_interval": "1s"},
    )
    figures: dict[tuple[str, str], list[tuple[float, float]]] = {}
    try:
        check_same_outcomes(es, index)
        for round_ in range(args.rounds):
            names = list(VARIANTS) if round_ % 2 == 0 else list(reversed(VARIANTS))
            for name in names:
                docs = [document(n, round_ + 1, f"{name}-") for n in range(args.docs)]
                for workload, expect in (("index", {201, 200}), ("replay", {409})):
                    rate, cpu_us, seen = run(es, index, VARIANTS[name], docs, args.batch)
                    if not seen <= expect:
                        msg = f"{name} {workload}: statuses {seen}, expected {expect}"
                        raise SystemExit(msg)
                    figures.setdefault((workload, name), []).append((rate, cpu_us))
            print(f"  round {round_ + 1}/{args.rounds} done")
    finally:
        es.indices.delete(index=index, ignore_unavailable=True)
        es.close()
    print(f"\n{args.docs} documents per variant and workload, bulks of {args.batch}, "
          f"medians of {args.rounds} rounds (BULK_FILTER of ours: {BULK_FILTER!r})")  # fmt: skip
    print(f"{'workload':8} {'variant':16} {'docs/s (min-max)':>22} {'client CPU µs/doc':>24}")
    for (workload, name), values in sorted(figures.items()):
        rates, cpus = [v[0] for v in values], [v[1] for v in values]
        rate, cpu = statistics.median(rates), statistics.median(cpus)
        base = figures[(workload, "ours")]
        ratio = rate / statistics.median(v[0] for v in base)
        cpu_ratio = cpu / statistics.median(v[1] for v in base)
        print(
            f"{workload:8} {name:16} {rate:6.0f} ({min(rates):5.0f}-{max(rates):5.0f}) x{ratio:.2f}"
            f" {cpu:7.1f} ({min(cpus):4.1f}-{max(cpus):4.1f}) x{cpu_ratio:.2f}"
        )


if __name__ == "__main__":
    main()
