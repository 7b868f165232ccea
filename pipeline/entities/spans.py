"""Mention repairs: names the model cut in two joined, names it ran together split
("Ontario Premier Doug Ford", "Alphabet's Google")."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any, TypeVar

from newsflow.pipeline.entities.gazetteer import Gazetteer
from newsflow.pipeline.entities.lexicon import LEXICON
from newsflow.pipeline.entities.names import given_names, looks_like_person
from newsflow.pipeline.entities.ner import ROYAL_TITLES, Mention
from newsflow.pipeline.entities.places import is_known_place
from newsflow.pipeline.entities.rules import RULES
from newsflow.pipeline.entities.surfaces import THE, head_type, is_acronym_word, tokens

F = TypeVar("F", bound=Callable[..., Any])


def _rule_into(rules: list[tuple[str, Any]]) -> Callable[[F], F]:
    """Register a repair as a "link" rule under its name, tried in the order registered."""

    def add(fn: F) -> F:
        RULES.register("link", fn.__name__)(fn)
        rules.append((fn.__name__, fn))
        return fn

    return add


def _first(rules: list[tuple[str, Any]], *args: Any) -> Any:
    """The answer of the first enabled rule that has one."""
    return next((found for n, fn in rules if RULES.enabled(n) and (found := fn(*args))), None)


def _head(m: Mention, text: str, **changes: Any) -> Mention:
    """The part of `m` that opens it."""
    return replace(m, text=text, end=m.start + len(text), **changes)


def _tail(m: Mention, text: str, **changes: Any) -> Mention:
    """The part of `m` that ends it."""
    return replace(m, text=text, start=m.end - len(text), **changes)


def facility_on_place(line: str) -> list[str]:
    """ "People Power Monument on EDSA" -> the monument and the avenue, "R. Premadasa Stadium
    in Colombo" -> the stadium and the city (not "Council on Foreign Relations": only after a
    place head word)."""
    for joiner in (" on ", " in "):
        left, _, right = line.partition(joiner)
        if right[:1].isupper() and left.split(" ")[-1] in LEXICON.place_heads:
            return [left, right]
    return [line]


@dataclass(frozen=True)
class _Pair:
    """Two mentions in a row: `prev` may be a name the model cut before `m`."""

    prev: Mention
    m: Mention

    @cached_property
    def gap(self) -> int:
        return self.m.start - self.prev.end

    @cached_property
    def joiner(self) -> list[str]:
        return tokens(self.m.prev)[-1:]

    @cached_property
    def spaced(self) -> bool:
        """One space between, no line break."""
        return self.gap == 1 and self.prev.next.startswith(self.m.text)

    def between(self, word: str) -> bool:
        return self.joiner == [word] and self.gap == len(word) + 2

    def joined(self, glue: str = " ", prev_label: str = "", m_label: str = "") -> Mention:
        prev_label, m_label = prev_label or self.prev.label, m_label or self.m.label
        label = "ORG" if "ORG" in (prev_label, m_label) else prev_label
        text = f"{self.prev.text}{glue}{self.m.text}"
        return replace(self.prev, text=text, label=label, end=self.m.end, next=self.m.next)


_JOINS: list[tuple[str, Callable[[_Pair], Mention | None]]] = []
_join = _rule_into(_JOINS)


@_join
def person_name_particle(p: _Pair) -> Mention | None:
    """ "Abdulaziz" + "bin Salman"."""
    first = p.m.text.split(" ", 1)[0]
    person = p.prev.label == p.m.label == "PERSON" and p.gap == 1
    return p.joined() if person and first in LEXICON.name_particles else None


@_join
def person_third_name(p: _Pair) -> Mention | None:
    """ "Samia Suluhu" + "Hassan": a three-word name the model cut in two."""
    words = " " in p.prev.text and " " not in p.m.text and p.m.text[:1].isupper()
    return p.joined() if p.prev.label == p.m.label == "PERSON" and p.spaced and words else None


@_join
def person_particle_between(p: _Pair) -> Mention | None:
    """ "Andre Correa" + "do" + "Lago"."""
    word = p.joiner[0] if p.joiner else ""
    particle = word in LEXICON.name_particles or word in LEXICON.place_connectors
    person = p.prev.label == p.m.label == "PERSON" and " " in p.prev.text
    return p.joined(f" {word} ") if person and particle and p.between(word) else None


@_join
def given_name_cut_off(p: _Pair) -> Mention | None:
    """ "Benito" (GPE) + "Antonio Martinez Ocasio": a given name the model cut off."""
    cut = (
        p.spaced
        and p.m.label == "PERSON"
        and " " in p.m.text
        and " " not in p.prev.text
        and p.prev.label in ("GPE", "LOC", "ORG", "NORP")
        and p.prev.text in given_names()
    )
    return p.joined(prev_label="PERSON") if cut else None


@_join
def elided_de(p: _Pair) -> Mention | None:
    """ "Cortina" + "d'Ampezzo"."""
    elided = p.spaced and p.prev.label != "PERSON" and p.m.text[:2] in ("d'", "d\u2019")
    return p.joined(m_label=p.prev.label) if elided else None


@_join
def event_of_name(p: _Pair) -> Mention | None:
    """ "Africa Cup" + "of" + "Nations"."""
    event = p.prev.label == "EVENT" and p.prev.text.split(" ")[-1] in LEXICON.event_heads
    one_word = p.between("of") and " " not in p.m.text
    return p.joined(" of ", m_label="EVENT") if event and one_word else None


@_join
def place_connector_between(p: _Pair) -> Mention | None:
    """ "Foz" + "do" + "Amazonas"."""
    word = p.joiner[0] if p.joiner else ""
    single = " " not in p.prev.text and " " not in p.m.text and p.prev.label != "PERSON"
    connected = word in LEXICON.place_connectors and p.between(word)
    return p.joined(f" {word} ") if connected and single else None


@_join
def institution_and_field(p: _Pair) -> Mention | None:
    """ "Center for Volcanology" + "and" + "Geological Hazard Mitigation"."""
    field_name = (
        " " in p.m.text
        and p.m.text.split(" ")[-1] not in LEXICON.organisation_heads
        and not THE.match(p.m.text)
        and not looks_like_person(p.m.text)
    )
    orgs = p.prev.label == p.m.label == "ORG" and p.between("and")
    return p.joined(" and ") if orgs and _institution_of(p.prev.text) and field_name else None


@_join
def organisation_for_the(p: _Pair) -> Mention | None:
    """ "U.S. Court of Appeals" + "for the Federal Circuit"; not "won the Grand Prix for Red
    Bull"."""
    orgs = p.prev.label == p.m.label == "ORG" and p.between("for")
    return p.joined(" for ") if orgs and p.m.text.startswith("the ") else None


def _institution_of(text: str) -> bool:
    words = THE.sub("", text).split(" ")
    return (
        len(words) >= 3
        and words[0] in LEXICON.institution_openers
        and words[1] in ("for", "of")
        and words[-1][:1].isupper()
    )


def _merged(mentions: list[Mention], join: Callable[[_Pair], Mention | None]) -> list[Mention]:
    """Each mention joined to the one before it when `join` joins them."""
    out: list[Mention] = []
    for m in mentions:
        joined = join(_Pair(out[-1], m)) if out else None
        if joined is not None:
            out[-1] = joined
        else:
            out.append(m)
    return out


def merge_adjacent(mentions: list[Mention]) -> list[Mention]:
    """Names the model cut in two: "Abdulaziz" + "bin Salman" (a person), "Foz" + "do" +
    "Amazonas" (a Portuguese or Spanish place or organisation name), "U.S. Court of Appeals" +
    "for the" + "Federal Circuit" (one organisation)."""

    def join(p: _Pair) -> Mention | None:
        if RULES.enabled("organisation_of_place") and _org_of_place(p):
            return p.joined(" " if p.prev.text.endswith(" of") else " of ")
        if p.prev.entry is not None or p.m.entry is not None:
            return None
        return _first(_JOINS, p)

    return _merged(mentions, join)


RULES.declare("link", "organisation_of_place")


def _org_of_place(p: _Pair) -> bool:
    """ "Law Society" + "of Kenya", "Central Bank" + "of Chile": an organisation's head word and
    "of" before a place the model split off ("the University of Iceland" is one name)."""
    prev, m = p.prev, p.m
    if prev.label != "ORG" or prev.entry is not None:
        return False
    # "the Public Health Agency of" + "Canada": the model stopped after "of"
    cut_after_of = prev.text.endswith(" of") and p.spaced
    if not cut_after_of and (
        p.gap != len(" of ")
        or p.joiner != ["of"]
        or prev.text.split(" ")[-1] not in LEXICON.organisation_heads
    ):
        return False
    place = m.label in ("GPE", "LOC") or (m.entry is not None and m.entry.type == "LOCATION")
    return place and not THE.match(m.text)


def royal_title(text: str) -> bool:
    """ "King Felipe VI", "Empress Marie-Louise": a person whatever the model said, known by
    one name (unless the name is an organisation's or a place's: "Prince Edward Island")."""
    words = THE.sub("", text).split()
    return (
        len(words) > 1
        and words[0] in ROYAL_TITLES
        and words[-1] not in LEXICON.organisation_heads
        and words[-1] not in LEXICON.place_heads
    )


def _shared_head(p: _Pair) -> Mention | None:
    words = p.m.text.split(" ")
    shared = (
        p.prev.entry is None
        and p.m.label == "ORG"
        and len(words) == 2
        and words[1] in LEXICON.organisation_heads
        and p.gap == len(" and ")
        and " " not in p.prev.text
        and is_known_place(p.prev.text)
        and is_known_place(words[0])
        and p.joiner == ["and"]
    )
    return p.joined(" and ") if shared else None


def merge_shared_heads(mentions: list[Mention]) -> list[Mention]:
    """ "Avon and Somerset Police", read by the model as "Avon" + "Somerset Police": two known
    places sharing one organisation head word are one organisation."""
    if not RULES.enabled("places_sharing_organisation_head"):
        return mentions
    return _merged(mentions, _shared_head)


RULES.declare("link", "places_sharing_organisation_head")
Split = Callable[[Mention, Gazetteer, Counter], "list[Mention] | None"]
_SPLITS: list[tuple[str, Split]] = []
_split = _rule_into(_SPLITS)


def split_affiliations(
    mentions: Sequence[Mention], gazetteer: Gazetteer, known: Counter
) -> list[Mention]:
    """ "Ontario Premier Doug Ford", "US President Joe Biden" tagged as one PERSON: the known
    place or organisation before the title becomes its own mention."""
    return [part for m in mentions for part in _first(_SPLITS, m, gazetteer, known) or [m]]


@_split
def possessor_and_possessed(
    m: Mention, gazetteer: Gazetteer, known: Counter
) -> list[Mention] | None:
    """ "Alphabet's Google", "Abu Dhabi's Mubadala" read as one name: a known organisation or
    place, a possessive and a capitalised name are two mentions (not "People's Party": the
    owner must be a gazetteer name or a known place). An owner named elsewhere in the article
    ("Sudani's Reconstruction and Development Coalition") is left to its other mentions."""
    text = m.text.replace("\u2019", "'")
    owner, _, owned = text.partition("'s ")
    owner = THE.sub("", owner)
    if m.entry is not None or not owned[:1].isupper() or not owner or "\n" in text:
        return None
    if all(
        w in LEXICON.organisation_heads or w in LEXICON.corporate_suffixes for w in owned.split(" ")
    ):
        return None  # "McDonald's Corp", "Macy's Inc": the company's own name
    entry = gazetteer.lookup(owner)
    at = replace(m, start=m.start + text.index(owner))
    second = _tail(m, owned, prev=f"{owner}'s")
    if entry is not None:
        return [_head(at, owner, label="GAZETTEER", entry=entry), second]
    if is_known_place(owner):
        return [_head(at, owner, label="GPE"), second]
    if _person_owns_place(owner, owned, gazetteer):
        return [_head(at, owner, label="PERSON"), replace(second, label="GPE")]
    return None if " " in owner or known[owner] < 1 else [second]


@_split
def company_in_person_span(
    m: Mention, gazetteer: Gazetteer, known: Counter
) -> list[Mention] | None:
    """ "SpaceX Starship": a company and its product, no person; "Barrick Mining" is the
    company's full name."""
    words = m.text.split(" ")
    company = gazetteer.lookup(words[0]) if m.label == "PERSON" and len(words) > 1 else None
    if company is None or company.type != "ORG":
        return None
    if words[-1] in LEXICON.corporate_suffixes or words[-1] in LEXICON.organisation_heads:
        return [replace(m, label="ORG")]
    return [
        _head(m, words[0], label="GAZETTEER", entry=company),
        _tail(m, " ".join(words[1:]), label="PRODUCT"),
    ]


@_split
def person_of_team(m: Mention, gazetteer: Gazetteer, known: Counter) -> list[Mention] | None:
    """ "Jonas Vingegaard of Visma-Lease a Bike" read as one name: a person and a team."""
    person, of, team = m.text.partition(" of ")
    if not (m.entry is None and m.label in ("PERSON", "ORG") and of and team[:1].isupper()):
        return None
    if not looks_like_person(person):
        return None
    label = "GPE" if is_known_place(team) else "ORG"
    return [_head(m, person, label="PERSON"), _tail(m, team, label=label, prev="of")]


@_split
def affiliation_before_title(
    m: Mention, gazetteer: Gazetteer, known: Counter
) -> list[Mention] | None:
    """ "Ontario Premier Doug Ford", "FBI Director Kash Patel"; "UK Prime Minister's Office"
    stays one organisation."""
    words = m.text.split(" ")
    titles = LEXICON.titles_dropped_from_names
    cut = next((i for i, w in enumerate(words) if i and w.casefold() in titles), 0)
    head, rest = " ".join(words[:cut]), " ".join(words[cut:])
    if m.label not in ("PERSON", "ORG") or not cut or not _affiliation(head, rest, gazetteer):
        return None
    if m.label == "ORG" and not _titled_name(rest):
        return [m]
    return [_head(m, head, label="GPE"), _tail(m, rest, label="PERSON")]


def _person_owns_place(owner: str, owned: str, gazetteer: Gazetteer) -> bool:
    """ "Cristiano Ronaldo's Portugal", "Herve Renard's Saudi Arabia": a person's name (two or
    three capitalised words, no organisation or place word) owning a known country or place is
    a player or coach and his team, two names."""
    words = owner.split(" ")
    entry = gazetteer.lookup(owned)
    place = entry.type == "LOCATION" if entry is not None else is_known_place(owned)
    return (
        place
        and 2 <= len(words) <= 3
        and all(w[:1].isupper() and w[1:].isalpha() and w[1:].islower() for w in words)
        and head_type(words) is None
    )


def _titled_name(rest: str) -> bool:
    """ "PM Anutin", "President Joe Biden": titles, then a name with no organisation word."""
    words = rest.split(" ")
    name = [w for w in words if w.casefold().rstrip(".") not in LEXICON.titles_dropped_from_names]
    return (
        bool(name)
        and words.index(name[0]) > 0
        and all(w[:1].isupper() and w.isalpha() for w in name)
        and name[-1] not in LEXICON.organisation_heads
        and name[-1] not in LEXICON.place_heads
    )


def _affiliation(head: str, rest: str, gazetteer: Gazetteer) -> bool:
    """A known place, organisation or acronym before a title ("Ontario Premier", "FBI
    Director"). A one-word place name before a title and one more word is more likely a
    person's name with a title-like word inside ("Hassan Sheikh Mohamud")."""
    if gazetteer.lookup(head) is not None or is_acronym_word(head):
        return True
    name = [w for w in rest.split(" ") if w.casefold() not in LEXICON.titles_dropped_from_names]
    return is_known_place(head) and (" " in head or len(name) > 1)
