"""Type evidence: registered rules that read what kind of thing a name is from its own words
and the words around it.

The rules are the rows of data/rules/type_rules.yaml: a lookup row says where to look and in
which word list, a chain row defers to another chain, any other row names a function here
(`LOGIC`: the rules that are logic, not lookups); the conditions of every row are data. Each
rule gives `Evidence(type, weight, rule)` or None. The rules of a `RuleChain` are registered
strongest first with falling weights, so the first rule that finds evidence is the one `vote`
would pick from all of them: the chain stops there (the hot path runs once per mention).
Every rule can be switched off by name (`RULES.disabled`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from newsflow.errors import ConfigError
from newsflow.pipeline.entities.lexicon import LEXICON
from newsflow.pipeline.entities.names import looks_like_person
from newsflow.pipeline.entities.ner import BODY_NOUNS
from newsflow.pipeline.entities.places import is_known_place
from newsflow.pipeline.entities.rules import RULES, Evidence, vote
from newsflow.pipeline.entities.surfaces import (
    after_locative,
    head_before_of,
    is_acronym_word,
    looks_like_demonym,
    tokens,
)

TYPE_RULES_FILE = Path(__file__).parent / "data" / "rules" / "type_rules.yaml"
_CLIMATE_CONFERENCE = re.compile(r"^COP ?\d{1,2}$")
_INITIALS = re.compile(r"^(?:[A-Z]\.){1,4}$")


@dataclass(frozen=True)
class Context:
    """A name, the type the model gave it and the text just before and after it."""

    surface: str
    etype: str = ""
    prev: str = ""
    after: str = ""

    @cached_property
    def words(self) -> list[str]:
        return self.surface.split(" ")

    @cached_property
    def before(self) -> list[str]:
        return tokens(self.prev)

    @cached_property
    def before_of(self) -> list[str]:
        """The words before, "the mouth of the" read as "the mouth of"."""
        words = self.before
        if len(words) >= 3 and words[-1] == "the" and words[-2] == "of":
            return words[:-1]
        return words

    @cached_property
    def possessive(self) -> bool:
        text = self.after.replace("\u2019", "'")
        return text.startswith("'s ") or text == "'s"

    @cached_property
    def following(self) -> list[str]:
        """The words after, less a possessive "'s"."""
        text = self.after.replace("\u2019", "'")
        return tokens(text[2:] if self.possessive else text)

    @cached_property
    def known_place(self) -> bool:
        return is_known_place(self.surface)

    @cached_property
    def person_like(self) -> bool:
        return self.etype == "PERSON" and len(self.words) > 1 and looks_like_person(self.surface)


# Where a lookup row looks, and which end of those words its pattern is matched against.
_WHERE: dict[str, tuple[Callable[[Context], list[str]], bool]] = {
    "before": (lambda c: c.before, True),
    "before_of": (lambda c: c.before_of, True),
    "after": (lambda c: c.following, False),
    "after_raw": (lambda c: tokens(c.after), False),
    "name_first": (lambda c: c.words[:1], False),
    "name_last": (lambda c: [c.words[-1].rstrip(".")], True),
}


Element = tuple[frozenset[str], int, bool]  # the words, how many words long, in any case


def _element(text: str) -> Element:
    """One place of a pattern: "a|b" words as written, "@list" a word list, "/i" any case."""
    words: set[str] = set()
    for alternative in text.removesuffix("/i").split("|"):
        words |= getattr(LEXICON, alternative[1:]) if alternative[:1] == "@" else {alternative}
    widths = {len(w.split(" ")) for w in words}
    if len(widths) != 1:
        message = f"pattern element {text!r} mixes phrases of {sorted(widths)} words"
        raise ConfigError(str(TYPE_RULES_FILE), message, entry=text)
    return frozenset(words), widths.pop(), text.endswith("/i")


def _matches(words: list[str], at_end: bool, pattern: list[Element]) -> bool:
    size = sum(width for _, width, _ in pattern)
    if len(words) < size:
        return False
    words = words[len(words) - size :] if at_end else words[:size]
    for allowed, width, fold in pattern:
        text, words = " ".join(words[:width]), words[width:]
        if (text.casefold() if fold else text) not in allowed:
            return False
    return True


def _lookup(where: dict[str, Any]) -> Callable[[Context], bool]:
    """A lookup's test: one of its places holds one of its patterns."""
    tests = [
        (words_of, at_end, [_element(e) for e in pattern])
        for place, (words_of, at_end) in _WHERE.items()
        if place in where
        for pattern in (where[place] if isinstance(where[place][0], list) else [where[place]])
    ]
    return lambda ctx: any(_matches(of(ctx), end, pattern) for of, end, pattern in tests)


TypeFinder = Callable[[Context], "str | Evidence | None"]
LOGIC: dict[str, TypeFinder] = {}


def _logic(fn: TypeFinder) -> TypeFinder:
    """A rule that is logic, not a lookup: the table names it, the table's order weighs it."""
    LOGIC[fn.__name__] = fn
    return fn


@dataclass(frozen=True)
class TypeRow:
    """One row of the table; the fields are explained in the table's header."""

    name: str
    type: str = ""
    where: dict[str, Any] = field(default_factory=dict)  # place to look -> pattern(s)
    unless: dict[str, Any] = field(default_factory=dict)
    chain: str = ""
    model_type: str = ""
    not_model_type: str = ""
    min_words: int = 1
    max_words: int = 0  # 0: any number
    person_like: bool | None = None
    known_place: bool | None = None
    why: str = ""
    example: str = ""

    @classmethod
    def read(cls, raw: dict[str, Any], path: Path) -> TypeRow:
        fields = {k: v for k, v in raw.items() if k not in _WHERE}
        unknown = sorted(set(fields) - set(cls.__dataclass_fields__) - {"where"})
        unknown += sorted(set(raw.get("unless", {})) - set(_WHERE))
        if unknown:
            message = f"unknown field {unknown[0]!r}"
            raise ConfigError(str(path), message, entry=raw.get("name"), field=unknown[0])
        return cls(**fields, where={k: v for k, v in raw.items() if k in _WHERE})

    def finder(self, chains: dict[str, RuleChain], path: Path) -> TypeFinder:
        """The row's evidence: its lookup, the chain it defers to, or its function."""
        if self.where:
            found, unless = _lookup(self.where), _lookup(self.unless)
            return lambda ctx: self.type if found(ctx) and not unless(ctx) else None
        if self.chain:
            return chains[self.chain].first
        if self.name not in LOGIC:
            message = f"rule {self.name!r} has no place to look, no chain and no function"
            raise ConfigError(str(path), message, entry=self.name)
        return LOGIC[self.name]

    def holds(self, ctx: Context) -> bool:
        """The row's conditions."""
        size = len(ctx.words)
        return (
            self.model_type in ("", ctx.etype)
            and ctx.etype != (self.not_model_type or None)
            and self.min_words <= size <= (self.max_words or size)
            and not (self.person_like is False and ctx.person_like)
            and self.known_place in (None, ctx.known_place)
        )


class RuleChain:
    """Type rules tried strongest first; the first to find evidence decides."""

    _tracing_depth = 0

    def __init__(self, top: float) -> None:
        self.rules: list[tuple[str, Callable[[Context], Evidence | None]]] = []
        self._weight = top

    def add(self, name: str, finder: TypeFinder, holds: Callable[[Context], bool]) -> None:
        """Register `finder` (a type, or a sub-chain's evidence), where `holds`, as the next,
        weaker rule."""
        weight = self._weight
        self._weight -= 1

        def evidence(ctx: Context) -> Evidence | None:
            found = finder(ctx) if holds(ctx) else None
            if isinstance(found, Evidence):
                return Evidence(found.type, weight, f"{name}:{found.rule}")
            return Evidence(found, weight, name) if found else None

        RULES.register("type", name)(evidence)
        self.rules.append((name, evidence))

    def first(self, ctx: Context) -> Evidence | None:
        if RULES.trace is not None:
            return self._traced(ctx)
        for name, rule in self.rules:
            if RULES.enabled(name):
                found = rule(ctx)
                if found is not None:
                    return found
        return None

    def _traced(self, ctx: Context) -> Evidence | None:
        """Every enabled rule's evidence, recorded for `explain`; the vote over all of it
        is the first rule's (the weights fall along the chain), as in the hot path."""
        RuleChain._tracing_depth += 1  # a chain a row defers to is traced by its caller
        try:
            every = tuple(
                found
                for name, rule in self.rules
                if RULES.enabled(name) and (found := rule(ctx)) is not None
            )
        finally:
            RuleChain._tracing_depth -= 1
        if every and RULES.trace is not None and RuleChain._tracing_depth == 0:
            RULES.trace.append((ctx.surface, every))
        decided = vote(every)
        return next((e for e in every if e.type == decided), None)

    def type(self, ctx: Context) -> str | None:
        found = self.first(ctx)
        return found.type if found else None


@_logic
def plural_organisation_list(ctx: Context) -> str | None:
    words = ctx.before
    if words[-2:] == ["such", "as"]:
        words = words[:-1]
    elif not (len(words) >= 2 and words[-1] in ("including", "like", "as")):
        return None
    noun = words[-2].casefold() if len(words) >= 2 else ""
    single = singular(noun)
    listed = noun != single and single in LEXICON.organisation_cue_words and single != "rival"
    return "ORG" if listed else None


@_logic
def organisation_people_after(ctx: Context) -> str | None:
    words = LEXICON.possessions_after_owner if ctx.possessive else LEXICON.organisation_people_after
    return "ORG" if ctx.following[:1] and ctx.following[0] in words else None


@_logic
def apposition_after(ctx: Context) -> str | None:
    words = ctx.following
    if ctx.possessive or not words:
        return None
    if words[0] == "," and len(words) > 2 and words[1] in ("the", "a", "an", "another"):
        return apposition(words[2:])
    if words[:3] == [",", "one", "of"] and len(words) > 3:
        return apposition(words[3:], plural=True)
    if words[0] == "," and len(words) > 2 and words[1].islower():
        return apposition(words[1:])  # no article: "Ilka Morran, candidate of the ... party"
    owner = next((i for i, w in enumerate(words[1:4], 1) if w.endswith("'s")), 0)
    if words[0] == "," and owner and all(w[:1].isupper() for w in words[1 : owner + 1]):
        return apposition(words[owner + 1 :])  # "Garena, Sea's gaming arm"
    if words[0] in LEXICON.copulas and len(words) > 2 and words[1] in ("the", "a"):
        return apposition(words[2:])
    return None


def apposition(words: list[str], plural: bool = False) -> str | None:
    """Type named by the head of "the track operator," / "a fishing town." (at most four
    words, ended by punctuation or "of"/"in"/"that"/"which"/"whose"/"where")."""
    phrase: list[str] = []
    names = 0  # capitalised words inside do not count: "the former Juventus and Roma defender"
    for i, word in enumerate(words[:9]):
        following = words[i + 1] if i + 1 < len(words) else ""
        if not word[:1].isalnum() or (
            word in LEXICON.apposition_ends and not (word == "and" and following[:1].isupper())
        ):
            break
        names += word[:1].isupper()
        phrase.append(word)
    else:
        return None
    if not phrase or len(phrase) - names > 4:
        return None
    head = singular(phrase[-1]) if plural else phrase[-1]
    if head in LEXICON.organisation_cue_words or head in LEXICON.organisation_apposition_heads:
        return "ORG"
    if head in LEXICON.place_cue_words:
        return "LOCATION"
    return "PERSON" if head.casefold() in LEXICON.person_cue_words else None


def singular(noun: str) -> str:
    """ "banks" -> "bank", "companies" -> "company" (enough for the cue nouns)."""
    return noun[:-3] + "y" if noun.endswith("ies") else noun.removesuffix("s")


@_logic
def demonym_form(ctx: Context) -> str | None:
    return "NORP" if looks_like_demonym(ctx.surface) else None


@_logic
def climate_conference(ctx: Context) -> str | None:
    return "EVENT" if _CLIMATE_CONFERENCE.match(ctx.surface) else None


def _cue_near(ctx: Context) -> str | None:
    return CHAINS["before"].type(ctx) or CHAINS["after"].type(ctx)


@_logic
def nationality_at_place(ctx: Context) -> str | None:
    at_place = len(ctx.words) == 1 and ctx.known_place and after_locative(ctx.prev)
    return "LOCATION" if _cue_near(ctx) == "LOCATION" or at_place else None


@_logic
def nationality_as_organisation(ctx: Context) -> str | None:
    return "ORG" if not ctx.surface.endswith("s") and _cue_near(ctx) == "ORG" else None


@_logic
def organisation_head_word(ctx: Context) -> str | None:
    """A one-word name is an organisation by a marker ("Holdings"), not by a head word."""
    words = ctx.words
    last = words[-1].rstrip(".")
    marked = any(w in LEXICON.organisation_markers for w in words)
    return "ORG" if (len(words) > 1 and last in LEXICON.organisation_heads) or marked else None


@_logic
def organisation_head_before_of(ctx: Context) -> str | None:
    return "ORG" if head_before_of(ctx.words) in LEXICON.organisation_heads else None


@_logic
def national_body(ctx: Context) -> str | None:
    words = ctx.words
    return "ORG" if words[0] in BODY_NOUNS and is_known_place(" ".join(words[1:])) else None


@_logic
def acronym_in_person_name(ctx: Context) -> str | None:
    words = ctx.words
    acronym = any(is_acronym_word(w) for w in words) and not _INITIALS.match(words[0])
    return "ORG" if acronym else None


@_logic
def country_ends_organisation(ctx: Context) -> str | None:
    words = ctx.words
    country = (
        words[-1] in LEXICON.countries_ending_organisations
        and words[0] not in LEXICON.compass_openers
        and not looks_like_person(ctx.surface)
    )
    return "ORG" if country else None


@_logic
def model_number(ctx: Context) -> str | None:
    words = ctx.before
    number = bool(words) and words[-1].isdigit() and len(words[-1]) <= 4
    number = number and (len(words) < 2 or words[-2] != ",")
    return "PRODUCT" if number else None


@_logic
def full_person_name(ctx: Context) -> str | None:
    return "PERSON" if looks_like_person(ctx.surface) else None


def load_chains(path: Path = TYPE_RULES_FILE) -> dict[str, RuleChain]:
    """The table's chains, each rule registered in the table's order."""
    chains: dict[str, RuleChain] = {}
    for chain_name, spec in yaml.safe_load(path.read_text(encoding="utf-8")).items():
        chain = chains[chain_name] = RuleChain(spec["top"])
        for raw in spec["rules"]:
            row = TypeRow.read(raw, path)
            chain.add(row.name, row.finder(chains, path), row.holds)
    return chains


CHAINS = load_chains()
CUE_BEFORE, CUE_AFTER = CHAINS["before"], CHAINS["after"]


def retype(ctx: Context) -> Evidence | None:
    """Evidence for a name the gazetteer does not know; None: the model's type stands."""
    chain = CHAINS["nationality"] if ctx.etype == "NORP" else CHAINS["context"]
    return CHAINS["name_form"].first(ctx) or chain.first(ctx)
