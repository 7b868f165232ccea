"""Benchmark: CPU per article of the stories stage, this code against an earlier commit's, same run.

    .venv/bin/python bench/bench_stories.py [--baseline bf98a21] [--articles 20000] [--rounds 3]

Each round runs, for each code version, the stage(s) that decide stories - here: the stories
stage (which also drops exact copies); in the baseline: exact dedupe plus its MinHash/LSH
stories stage - over the same synthetic articles (tests/support/factories.py, the
pipeline benchmark's corpus), in batches of 500 as the pipeline forms them, against the local
Elasticsearch (`make up`). The stage's own calls run on one thread here, so the process CPU time
around them is the stage's CPU; the garbage collector is tuned as `pipeline run` tunes it. The
baseline's documents are indexed between batches (outside the measurement), since its lookups
read the articles index; today's stage writes its own sketches, inside the measurement.
Medians over rounds; wall time includes waiting for Elasticsearch.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

DRIVER = r"""
import json, sys, time
root, count, prefix = sys.argv[1], int(sys.argv[2]), sys.argv[3]
sys.path.insert(0, root)
from newsflow.admin import initialise
from newsflow.clients import elasticsearch_client
from newsflow.settings import load_settings
from newsflow.pipeline.cli import tune_garbage_collector
from newsflow.pipeline.transforms.clean import _CleanArticleFn
from newsflow.pipeline.transforms.parse import document_from_raw
from tests.support.stack import cleanup, isolated_settings
from tests.support.factories import article
import newsflow.pipeline.transforms.stories as stories
try:
    from newsflow.pipeline.transforms.dedupe import _DropDuplicatesFn
    kinds = [_DropDuplicatesFn, stories._AssignStoriesFn]
except ImportError:
    kinds = [stories._AssignStoriesFn]
settings = isolated_settings(load_settings(), prefix)
initialise(settings)
try:  # the stages pass Articles (pipeline/records.py) since issue 15, dicts before
    from newsflow.pipeline.records import Article, Envelope
    def element(doc): return Article(doc, Envelope(None))
except ImportError:
    def element(doc): return doc
clean = _CleanArticleFn(200_000)
docs = [next(clean.process(element(document_from_raw(article(i))))) for i in range(count)]
fns = [kind.from_settings(settings) if hasattr(kind, "from_settings") else kind(settings)
       for kind in kinds]
for fn in fns:
    fn.setup()
es = elasticsearch_client(settings)
tune_garbage_collector()
cpu = wall = 0.0
try:
    for start in range(0, count, 500):
        batch = docs[start : start + 500]
        c0, w0 = time.process_time(), time.perf_counter()
        for fn in fns:
            prepared = fn.prepare(batch)
            batch = [out for out in fn.resolve(prepared, fn.lookup(prepared)) if out is not None]
        cpu += time.process_time() - c0
        wall += time.perf_counter() - w0
        if len(kinds) > 1:  # the baseline reads what the sink indexed
            ops = []
            for doc in batch:
                source = {k: v for k, v in doc.items() if not k.startswith("_")}
                ops += [{"index": {"_index": settings.indices.articles, "_id": doc["id"]}}, source]
            es.bulk(operations=ops, refresh=True)
finally:
    for fn in fns:
        fn.teardown()
    es.close()
    cleanup(settings)
print(json.dumps({"cpu_us": 1e6 * cpu / count, "wall_us": 1e6 * wall / count,
                  "stages": [k.__name__ for k in kinds]}))
"""


def run(code: Path, count: int) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", DRIVER, str(code), str(count), f"bench-{uuid.uuid4().hex[:8]}"],
        cwd=code, capture_output=True, text=True, check=False,
        env={"PYTHONPATH": str(code), "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    if result.returncode != 0:
        raise RuntimeError(result.stderr[-3000:])
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default="bf98a21", help="git commit to compare with")
    parser.add_argument("--articles", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    worktree = Path(tempfile.mkdtemp(prefix="bench-stories-"))
    subprocess.run(
        ["git", "worktree", "add", "--detach", str(worktree), args.baseline],
        cwd=ROOT, check=True, capture_output=True,
    )  # fmt: skip
    results: dict[str, list[dict]] = {"now": [], "before": []}
    try:
        print(f"stories stage, {args.articles} articles, batches of 500, {args.rounds} rounds")
        for r in range(args.rounds):
            for name, code in (("before", worktree), ("now", ROOT)):
                results[name].append(run(code, args.articles))
            now, before = results["now"][-1], results["before"][-1]
            print(
                f"  round {r + 1}: before ({'+'.join(before['stages'])}) "
                f"{before['cpu_us']:.0f} us CPU, {before['wall_us']:.0f} us wall; "
                f"now ({'+'.join(now['stages'])}) {now['cpu_us']:.0f} us CPU, "
                f"{now['wall_us']:.0f} us wall per article",
                flush=True,
            )
    finally:
        subprocess.run(
            ["git", "worktree", "remove", "--force", str(worktree)], cwd=ROOT, check=False
        )
    for name, label in (("before", f"before ({args.baseline})"), ("now", "now")):
        cpu = statistics.median(r["cpu_us"] for r in results[name])
        wall = statistics.median(r["wall_us"] for r in results[name])
        print(f"  {label:20s} {cpu:6.1f} us CPU per article (median), {wall:6.1f} us wall")
    ratio = statistics.median(r["cpu_us"] for r in results["now"]) / statistics.median(
        r["cpu_us"] for r in results["before"]
    )
    print(f"  CPU now / before: {ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
