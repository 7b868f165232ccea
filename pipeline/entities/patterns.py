"""Token patterns as data: finders that are spaCy Matcher patterns, read from data/patterns/.

Each line of data/patterns/<file>.jsonl is one pattern: {"id": rule name, "label": the
mention's label, "trim": [cue tokens before the name, cue tokens after it], "pattern": spaCy
Matcher token pattern}, where "@name" stands for the lexicon's word list (LEXICON.expand).
Lines may share an id (one pattern per length of name), with the same label and trim: the id
is the rule that `RULES` switches and `Mention.rule` records. A match's name must take no token of the model's spans
and must not stop inside a word ("Laki" of "Laki-laki"); the longest match per start wins.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from newsflow.errors import ConfigError
from newsflow.pipeline.entities.finders import Spans
from newsflow.pipeline.entities.lexicon import LEXICON
from newsflow.pipeline.entities.rules import RULES

PATTERN_DIR = Path(__file__).parent / "data" / "patterns"


@dataclass(frozen=True)
class TokenPattern:
    id: str
    label: str
    trim: tuple[int, int]  # tokens of the match before and after the name (cue words)
    pattern: list[dict[str, Any]]


def read_patterns(path: Path) -> list[TokenPattern]:
    """The patterns of one file, "@name" lists expanded; a bad line names file and line."""
    found = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        try:
            entry = json.loads(line)
            before, after = entry.get("trim", (0, 0))
            pattern = LEXICON.expand(entry["pattern"])
            found.append(TokenPattern(entry["id"], entry["label"], (before, after), pattern))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ConfigError(str(path), str(exc), entry=f"line {number}") from exc
    return found


def load_patterns(directory: Path = PATTERN_DIR) -> dict[str, list[TokenPattern]]:
    """Every pattern file's patterns by id; an id's lines must agree on label and trim."""
    by_id: dict[str, list[TokenPattern]] = {}
    for path in sorted(directory.glob("*.jsonl")):
        for p in read_patterns(path):
            first = by_id.setdefault(p.id, [p])[0]
            if (first.label, first.trim) != (p.label, p.trim):
                raise ConfigError(str(path), "label or trim differs from its id's first line", p.id)
            if first is not p:
                by_id[p.id].append(p)
    return by_id


PATTERNS = load_patterns()
for _id in PATTERNS:
    RULES.declare("finder", _id)


class PatternFinder:
    """All patterns in one spaCy Matcher, built once per vocabulary (per MentionFinder)."""

    def __init__(self, vocab, patterns: dict[str, list[TokenPattern]] = PATTERNS):
        from spacy.matcher import Matcher

        self.matcher = Matcher(vocab)
        self.first: dict[int, TokenPattern] = {}  # by the id's hash: label and trim
        for rule, group in patterns.items():
            self.first[vocab.strings.add(rule)] = group[0]
            self.matcher.add(rule, [p.pattern for p in group], greedy="LONGEST")

    def __call__(self, doc, spans: Spans) -> list[tuple[int, int, str, str]]:
        found = []
        for key, start, end in sorted(self.matcher(doc), key=lambda m: m[1]):
            p = self.first[key]
            if not RULES.enabled(p.id):
                continue
            first, stop = start + p.trim[0], end - p.trim[1]
            if any(i in spans.taken for i in range(first, stop)) or _inside_word(doc, stop):
                continue
            found.append((first, stop, p.label, p.id))
        return found


def _inside_word(doc, end: int) -> bool:
    """The token after the name is joined to it ("Laki" + "-laki"): the name is cut short."""
    if end >= len(doc) or doc[end - 1].whitespace_:
        return False
    return doc[end].text[:1].isalnum() or doc[end].text[:1] in "-'"
