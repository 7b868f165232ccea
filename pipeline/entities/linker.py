"""Canonicalisation: raw mentions -> canonical entities (gazetteer, in-document links, compounds,
junk). The passes over an article's names are registered rules, run in order by `link`."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from newsflow.pipeline.entities.gazetteer import Gazetteer
from newsflow.pipeline.entities.linking import link_in_document
from newsflow.pipeline.entities.names import looks_like_person
from newsflow.pipeline.entities.ner import Mention
from newsflow.pipeline.entities.places import is_known_place
from newsflow.pipeline.entities.resolve import Resolved, resolve_mentions
from newsflow.pipeline.entities.rules import RULES, Evidence
from newsflow.pipeline.entities.surfaces import head_type, is_nationality_word

__all__ = ["FACETS", "LinkedEntity", "document_fields", "link"]
FACETS = {"PERSON": "persons", "ORG": "organizations", "LOCATION": "locations"}
_TYPE_PRIORITY = {"PERSON": 0, "LOCATION": 1, "ORG": 2}  # at a tie a person, a place, an org


@dataclass
class LinkedEntity:
    """One canonical entity of an article, with every surface form it appeared under."""

    name: str
    type: str
    mentions: int = 0
    surface_forms: list[str] = field(default_factory=list)
    wikidata: str | None = None
    aliases: tuple[str, ...] = ()
    evidence: tuple[Evidence, ...] = ()  # the type evidence of every mention: the vote's input
    linked_by: tuple[str, ...] = ()  # the rules that mapped a surface onto this name

    def to_dict(self) -> dict:
        out = {
            "name": self.name,
            "type": self.type,
            "mentions": self.mentions,
            "surface_forms": self.surface_forms,
        }
        if self.wikidata:
            out["wikidata"] = self.wikidata
        return out


CUED_WEIGHT = 3  # a mention typed by the words around it outvotes the model's guesses
FIXED_WEIGHT = 10  # the gazetteer outvotes both
Step = Callable[[list[Resolved], Gazetteer], None]
_STEPS: list[tuple[str, Step]] = []


def _step(kind: str, name: str, *parts: str) -> Callable[[Step], Step]:
    """Register a pass over an article's mentions as rule `name` (`parts`: rules inside it that
    can be switched off alone); `link` runs the passes in order."""

    def add(fn: Step) -> Step:
        RULES.register(kind, name)(fn)
        for part in parts:
            RULES.declare(kind, part)
        _STEPS.append((name, fn))
        return fn

    return add


def _retyped(r: Resolved, etype: str, rule: str) -> None:
    r.type, r.rule = etype, rule


@_step("type", "same_name_vote")
def _vote_types(items: list[Resolved], gazetteer: Gazetteer) -> None:
    """The same unresolved surface gets one type per article: the most frequent one."""
    votes: dict[str, Counter] = defaultdict(Counter)
    cued: dict[str, set[str]] = defaultdict(set)
    for r in (r for r in items if not r.fixed):
        votes[r.name][r.type] += CUED_WEIGHT if r.cued else 1
        if r.cued:
            cued[r.name].add(r.type)
    for r in (r for r in items if not r.fixed):
        counts, evidence = votes[r.name], cued[r.name]
        # at a tie, the words around a mention beat the model ("Brazilian planemaker
        # Embraer" against three "Embraer" the model read as a person)
        best = max(counts, key=lambda t: (counts[t], t in evidence, -_TYPE_PRIORITY.get(t, 9)))
        if best != r.type:
            _retyped(r, best, "same_name_vote")


@_step(
    "type",
    "listed_with_person_or_organisation",
    "listed_with_person",
    "listed_with_organisation",
)
def _listed_with_people(items: list[Resolved], gazetteer: Gazetteer) -> None:
    """A name listed right next to another ("Kylian Mbappe and Jude Bellingham", "Jetstar and
    Virgin Australia") is likely of the same kind."""
    for r in items:
        for name, retype in (
            ("listed_with_person", _listed_with_person),
            ("listed_with_organisation", _listed_with_org),
        ):
            if r.partner is not None and RULES.enabled(name):
                retype(r, r.partner)


def _listed_with_person(r: Resolved, p: Resolved) -> None:
    """A two- or three-word ORG with no organisation word, listed next to a person's full name
    ("Kylian Mbappe and Jude Bellingham", in either order), is a person too."""
    for a, b in ((r, p), (p, r)):
        words = a.name.split(" ")
        if (
            b.type == "PERSON"
            and " " in b.name
            and a.type == "ORG"
            and not (a.fixed or a.cued)
            and a.name == a.surface
            and 2 <= len(words) <= 3
            and all(w[:1].isupper() and w[1:2].islower() for w in words)
            and head_type(words) is None
            and not is_known_place(a.name)
        ):
            _retyped(a, "PERSON", "listed_with_person")


def _listed_with_org(r: Resolved, p: Resolved) -> None:
    """ "investors such as Nvidia, Andreessen Horowitz and ...", "Jetstar and Virgin
    Australia": a PERSON the model found, listed next to an organisation, is one too unless it
    opens with a common given name or a title typed it. A one-word PERSON listed next to a
    person's full name ("Dailon Livramento, Willy Semedo and Stopira") is kept as a person."""
    for a, b in ((r, p), (p, r)):
        if (
            a.type == "LOCATION"
            and b.type == "ORG"
            and not (a.fixed or a.cued or a.locative or a.place_hint)
            and " " not in a.name
            and not is_known_place(a.name)
        ):  # "Wipro and HCLTech are due to report": an unknown place listed with a company
            _retyped(a, "ORG", "listed_with_organisation")
            continue
        if a.type != "PERSON" or a.fixed or a.cued or a.name != a.surface:
            continue
        if b.type == "ORG" and (
            " " not in a.name  # a lone word is no person's name anyway: "Jetstar and ..."
            or (b is a.partner and (b.fixed or b.cued) and not looks_like_person(a.name))
        ):  # a full name only after a known organisation: "Nvidia, Andreessen Horowitz"
            _retyped(a, "ORG", "listed_with_organisation")
        elif (
            b.type == "PERSON"
            and " " in b.name
            and " " not in a.name
            and a.name[1:2].islower()
            and not a.cut  # "Sitharaman and Andhra Pradesh Chief Minister"
        ):
            a.titled = True


@_step("link", "nationality_prefix_dropped")
def _drop_nationality_prefix(items: list[Resolved], gazetteer: Gazetteer) -> None:
    """ "Pakistani Supreme Court" in an article that names the "Supreme Court": the same
    organisation, the nationality word the model took in aside."""
    orgs = {r.name for r in items if r.type == "ORG" and " " in r.name}
    if len(orgs) < 2:
        return
    for r in items:
        first, _, rest = r.name.partition(" ")
        if (
            r.type == "ORG"
            and not r.fixed
            and rest in orgs
            and is_nationality_word(first, gazetteer)
        ):
            r.name = rest
            r.linked_by.append("nationality_prefix_dropped")


_step("link", "linked_in_document")(link_in_document)


@_step("link", "known_as")
def _known_as_names(items: list[Resolved], gazetteer: Gazetteer) -> None:
    """ "Whenua Hou, also known as Codfish Island": one place, its first name, for every
    mention of the second name ("the Ghana Cocoa Board, known as Cocobod ... Cocobod's")."""
    known_as = {r.name: r.alias_of.name for r in items if r.alias_of is not None and not r.fixed}
    for r in items:
        if r.name in known_as and not r.fixed:
            r.name = known_as[r.name]
            r.linked_by.append("known_as")


@_step("type", "known_place_not_a_person", "moved_to_place")
def _retype_as_place(items: list[Resolved], gazetteer: Gazetteer) -> None:
    """A known place name that did not turn out to be part of a person's name (or, after "in",
    an organisation's), and a one-word "person" nobody named after "flew evacuees to"."""
    moved_to = RULES.enabled("moved_to_place")
    for r in (r for r in items if r.name == r.surface):
        if r.place_hint and not (r.fixed or r.cued) and (
            r.type == "PERSON" or (r.type == "ORG" and r.place_hint == "locative")
        ):  # fmt: skip
            _retyped(r, "LOCATION", "known_place_not_a_person")
        elif moved_to and r.moved_to and r.type == "PERSON" and not r.titled:
            _retyped(r, "LOCATION", "moved_to_place")


@_step("type", "plural_place_noun_after_list")
def _plural_places(items: list[Resolved], gazetteer: Gazetteer) -> None:
    """ "the Ravi, Sutlej and Chenab rivers": every member is a place."""
    for r in items:
        if r.plural_place and (r.fixed is False or r.type == "LOCATION"):
            p: Resolved | None = r
            while p is not None and not p.fixed:
                _retyped(p, "LOCATION", "plural_place_noun_after_list")
                p.cued = True
                p = p.partner


@_step("type", "listed_with_place")
def _listed_with_places(items: list[Resolved], gazetteer: Gazetteer) -> None:
    """An organisation or one-word person listed right after a place ("hospitals in Sagaing and
    Naypyidaw", "Paiporta and Chiva"): a known place name always, any name when the list
    follows a preposition of place. Not when evidence around the name typed it."""
    for r in items:
        p = r.partner
        if r.fixed or r.cued or p is None or p.type != "LOCATION" or r.name != r.surface:
            continue
        if r.type not in ("ORG", "PERSON", "NORP") or (
            r.type == "PERSON" and " " in r.name and (looks_like_person(r.name) or not p.cued)
        ):  # "Gia Lai and Dak Lak" after "provinces including"; not "Ana Lopez"
            continue
        if r.place_hint or p.locative or p.cued or (p.partner and p.partner.locative):
            _retyped(r, "LOCATION", "listed_with_place")


_step("type", "same_name_vote")(_vote_types)
RULES.declare("type", "lone_word_person_dropped")


def link(mentions: Sequence[Mention], gazetteer: Gazetteer) -> list[LinkedEntity]:
    """Canonical entities of one article, most mentioned first. A one-word PERSON that no full
    name in the article and no gazetteer entry explains is dropped (lone_word_person_dropped):
    news introduces people by their full name, so this is nearly always a model error ("Flash
    floods", "Turnout in Nuuk", half of "Hun Sen"). Mononyms go in the gazetteer."""
    items = resolve_mentions(mentions, gazetteer)
    for name, step in _STEPS:
        if RULES.enabled(name):
            step(items, gazetteer)
    by_name: dict[str, LinkedEntity] = {}
    votes: dict[str, Counter] = defaultdict(Counter)
    for r in items:
        entity = by_name.setdefault(r.name, LinkedEntity(r.name, r.type, wikidata=r.wikidata))
        entity.mentions += 1
        entity.aliases = entity.aliases or r.aliases
        entity.wikidata = entity.wikidata or r.wikidata
        weight = FIXED_WEIGHT if r.fixed else CUED_WEIGHT if r.cued else 1
        votes[r.name][r.type] += weight
        if (evidence := Evidence(r.type, weight, r.rule)) not in entity.evidence:
            entity.evidence += (evidence,)
        entity.linked_by += tuple(n for n in r.linked_by if n not in entity.linked_by)
        if r.surface not in entity.surface_forms:
            entity.surface_forms.append(r.surface)
    for name, entity in by_name.items():
        entity.type = max(votes[name], key=lambda t: (votes[name][t], -_TYPE_PRIORITY.get(t, 9)))
    explained = {r.name for r in items if r.fixed or r.titled}
    kept = [
        e
        for e in by_name.values()
        if not RULES.enabled("lone_word_person_dropped")
        or not (e.type == "PERSON" and " " not in e.name and e.name not in explained)
    ]
    return sorted(kept, key=lambda e: (-e.mentions, e.name))


def document_fields(entities: Sequence[LinkedEntity]) -> dict:
    """The document fields: entities, persons / organizations / locations, entity_aliases."""
    fields: dict = {"entities": [e.to_dict() for e in entities]}
    for etype, key in FACETS.items():
        fields[key] = [e.name for e in entities if e.type == etype]
    every = (a for e in entities for a in (e.name, *e.surface_forms, *e.aliases))
    fields["entity_aliases"] = list(dict.fromkeys(every))
    return fields
