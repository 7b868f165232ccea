"""Story clustering quality on the evaluation set (tests/fixtures/stories/), per kind of pair.

    .venv/bin/python bench/eval_stories.py                    # the tuning split (dev_*.jsonl)
    .venv/bin/python bench/eval_stories.py --split heldout    # the held-out split: score it once
    .venv/bin/python bench/eval_stories.py --order shuffled --batch 50

Runs the pipeline's own stories stage (sketches, the story lock, candidate search, decisions,
sketch writes) against the local Elasticsearch (`make up`), in a throw-away sketches index.
Articles arrive in publication order (or shuffled / reversed), `--batch` at a time.

Every article carries its gold story (`cluster`). Pairwise figures: a pair of articles is
"predicted together" when they get one story_id. Per kind of article: recall = the share of its
pairs that were predicted together, where a copy (copy_truncated, ...) is paired with the
original and the other copies of its story, and a rewrite with everyone in its story. For hard negatives and follow-ups: merged = the share of their pairs with the story
they resemble that were wrongly predicted together. Precision: of all pairs predicted together,
the share that are truly one story.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import uuid
from collections import defaultdict
from itertools import combinations
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from newsflow.admin import InitReport, ensure_index  # noqa: E402
from newsflow.clients import elasticsearch_client  # noqa: E402
from newsflow.indices import index_settings, story_sketch_mappings  # noqa: E402
from newsflow.pipeline.records import Article, Envelope  # noqa: E402
from newsflow.pipeline.transforms.clean import content_hash  # noqa: E402
from newsflow.pipeline.transforms.stories import _AssignStoriesFn  # noqa: E402
from newsflow.settings import load_settings  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures" / "stories"
COPY_KINDS = (
    "copy_full",
    "copy_truncated",
    "copy_reheadlined",
    "copy_dateline",
    "copy_reordered",
    "copy_mixed",
)
NEGATIVE_KINDS = ("hard_negative", "followup")


def load(split: str) -> list[dict[str, Any]]:
    patterns = {"dev": ["dev_*.jsonl"], "heldout": ["heldout_*.jsonl"]}
    patterns["all"] = patterns["dev"] + patterns["heldout"]
    rows = []
    for pattern in patterns[split]:
        for path in sorted(FIXTURES.glob(pattern)):
            rows += [json.loads(line) for line in path.read_text("utf-8").splitlines() if line]
    return rows


def as_document(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "title": row["title"],
        "summary": "",
        "body": row["body"],
        "published_at": row["published_at"],
        "content_hash": content_hash(row["title"], row["body"]),
        "source": {"name": row["source"]},
    }


def assign(rows: list[dict[str, Any]], batch: int, order: str, seed: int) -> dict[str, str]:
    """article id -> story id, through the stories stage against a fresh sketches index."""
    settings = load_settings()
    index = f"eval-stories-{uuid.uuid4().hex[:8]}"
    settings = settings.with_overrides(indices={"story_sketches": index})
    es = elasticsearch_client(settings)
    body = index_settings(1, 0, "-1", folding=False)
    ensure_index(es, index, story_sketch_mappings(), body, InitReport())
    ordered = sorted(rows, key=lambda r: (r["published_at"], r["id"]))
    if order == "reversed":
        ordered.reverse()
    elif order == "shuffled":
        random.Random(seed).shuffle(ordered)
    fn = _AssignStoriesFn.from_settings(settings)
    fn.setup()
    stories: dict[str, str] = {}
    try:
        for start in range(0, len(ordered), batch):
            docs = [as_document(r) for r in ordered[start : start + batch]]
            pending = fn.prepare([Article(doc, Envelope(None)) for doc in docs])  # type: ignore[arg-type]
            for item, decision in zip(pending, fn.lookup(pending), strict=True):
                stories[item.article.doc["id"]] = decision.story_id
    finally:
        fn.teardown()
        es.indices.delete(index=f"{index}-*", ignore_unavailable=True)
        es.indices.delete_index_template(name=index)
        es.close()
    return stories


def score(rows: list[dict[str, Any]], stories: dict[str, str]) -> dict[str, Any]:
    gold = {r["id"]: r["cluster"] for r in rows}
    kind = {r["id"]: r["kind"] for r in rows}
    of = {r["id"]: r["of"] for r in rows}
    together = predicted = truly = 0
    for a, b in combinations(gold, 2):
        same_pred = stories[a] == stories[b]
        same_gold = gold[a] == gold[b]
        predicted += same_pred
        truly += same_gold
        together += same_pred and same_gold
    per_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    members = defaultdict(list)
    for r in rows:
        members[r["cluster"]].append(r["id"])
    for a in gold:
        if kind[a] in NEGATIVE_KINDS:
            target = gold[of[a]]
            for b in members[target]:
                per_kind[kind[a]][0] += stories[a] == stories[b]
                per_kind[kind[a]][1] += 1
        elif kind[a] != "original":
            for b in members[gold[a]]:
                # a copy is scored against the original and the other copies; a rewrite's
                # pairs with everyone in its story are rewrite pairs
                if b != a and (kind[a] == "rewrite" or kind[b] != "rewrite"):
                    per_kind[kind[a]][0] += stories[a] == stories[b]
                    per_kind[kind[a]][1] += 1
    copies = [sum(per_kind[k][i] for k in COPY_KINDS) for i in (0, 1)]
    return {
        "precision": together / predicted if predicted else 1.0,
        "recall": together / truly if truly else 1.0,
        "per_kind": dict(per_kind),
        "copies": copies,
        "stories": len(set(stories.values())),
        "gold_stories": len(set(gold.values())),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", choices=["dev", "heldout", "all"], default="dev")
    parser.add_argument("--batch", type=int, default=1, help="articles decided per batch")
    parser.add_argument(
        "--order", choices=["published", "shuffled", "reversed"], default="published"
    )
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rows = load(args.split)
    result = score(rows, assign(rows, args.batch, args.order, args.seed))
    p, r = result["precision"], result["recall"]
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    print(
        f"{args.split}: {len(rows)} articles, {result['gold_stories']} gold stories, "
        f"{result['stories']} predicted; order {args.order}, batch {args.batch}"
    )
    print(f"  all pairs: precision {p:.3f}  recall {r:.3f}  F1 {f1:.3f}")
    hit, total = result["copies"]
    print(f"  copies (every copy kind): recall {hit / total:.3f} ({hit}/{total} pairs)")
    for name, (hit, total) in sorted(result["per_kind"].items()):
        label = "merged" if name in NEGATIVE_KINDS else "recall"
        print(f"    {name:17s} {label} {hit / total:.3f} ({hit}/{total} pairs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
