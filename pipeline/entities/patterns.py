"""Token patterns as data: finders that are spaCy Matcher patterns, read from data/patterns/.

Each line of data/patterns/<file>.jsonl is one pattern: {"id": rule name, "label": the
mention's label, "trim": [cue tokens before the name, cue tokens after it], "check": a test in
CHECKS of what a token pattern cannot say (optional), "pattern": spaCy Matcher token pattern},
where "@name" stands for the lexicon's word list (LEXICON.expand). Lines may share an id: the
id is the rule that `RULES` switches and `Mention.rule` records. Per rule the longest
non-overlapping matches win; a match's name must take no token of the model's spans and must
not stop inside a word ("Laki" of "Laki-laki").
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from newsflow.errors import ConfigError
from newsflow.pipeline.entities.finders import Spans
from newsflow.pipeline.entities.lexicon import LEXICON
from newsflow.pipeline.entities.names import given_names
from newsflow.pipeline.entities.places import is_known_place
from newsflow.pipeline.entities.rules import RULES

PATTERN_DIR = Path(__file__).parent / "data" / "patterns"


@dataclass(frozen=True)
class TokenPattern:
    id: str
    label: str
    trim: tuple[int, int]  # tokens of the match before and after the name (cue words)
    pattern: list[dict[str, Any]]
    check: str = ""  # a test of the name in CHECKS that the pattern cannot say


def _agent_name(name) -> bool:
    """Not a person (a common given name first), not a lone known place."""
    return name[0].text not in given_names() and not (len(name) == 1 and is_known_place(name.text))


CHECKS: dict[str, Callable[[Any], bool]] = {  # name -> test of the name's Span
    "": lambda name: True,
    "known_place": lambda name: is_known_place(name.text),
    "agent_name": _agent_name,
}


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
            check = entry.get("check", "")
            if check not in CHECKS:
                msg = f"unknown check {check!r}, known: {', '.join(sorted(CHECKS)[1:])}"
                raise KeyError(msg)
            found.append(TokenPattern(entry["id"], entry["label"], (before, after), pattern, check))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ConfigError(str(path), str(exc), entry=f"line {number}") from exc
    return found


PATTERNS = [p for path in sorted(PATTERN_DIR.glob("*.jsonl")) for p in read_patterns(path)]
for _pattern in PATTERNS:
    RULES.declare("finder", _pattern.id)


class PatternFinder:
    """All patterns in one spaCy Matcher, built once per vocabulary (per MentionFinder)."""

    def __init__(self, vocab, patterns: list[TokenPattern] = PATTERNS):
        from spacy.matcher import Matcher

        self.matcher = Matcher(vocab)
        self.lines: dict[int, TokenPattern] = {}  # by the hash of "<id>#<line>"
        for number, p in enumerate(patterns):
            key = f"{p.id}#{number}"
            self.lines[vocab.strings.add(key)] = p
            self.matcher.add(key, [p.pattern])

    def __call__(self, doc, spans: Spans) -> list[tuple[int, int, str, str]]:
        """Per rule, the longest matches that overlap no longer one, whose names are free."""
        found = []
        kept: dict[str, list[tuple[int, int]]] = {}
        matches = sorted(self.matcher(doc), key=lambda m: (m[1] - m[2], m[1]))
        for key, start, end in matches:
            p = self.lines[key]
            rule = kept.setdefault(p.id, [])
            if not RULES.enabled(p.id) or any(s < end and start < e for s, e in rule):
                continue
            rule.append((start, end))
            first, stop = start + p.trim[0], end - p.trim[1]
            if any(i in spans.taken for i in range(first, stop)) or _cut_short(doc, stop, p):
                continue
            if CHECKS[p.check](doc[first:stop]):
                found.append((first, stop, p.label, p.id))
        return sorted(found)


def _cut_short(doc, end: int, p: TokenPattern) -> bool:
    """The name runs on into the next token, unless the pattern's trimmed tail is that token
    (the Vevey-based company: "-based" is what the pattern asked for)."""
    return p.trim[1] == 0 and _inside_word(doc, end)


def _inside_word(doc, end: int) -> bool:
    """The token after the name is joined to it ("Laki" + "-laki"): the name is cut short."""
    if end >= len(doc) or doc[end - 1].whitespace_:
        return False
    return doc[end].text[:1].isalnum() or doc[end].text[:1] in "-'"
