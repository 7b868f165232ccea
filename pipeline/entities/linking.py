"""In-document linking: a short mention takes the canonical name of the full name it is
short for (Peskov -> Dmitry Peskov, PVV -> Party for Freedom, Samsung -> Samsung Electronics)."""

from __future__ import annotations

from collections import defaultdict

from newsflow.pipeline.entities.gazetteer import Gazetteer
from newsflow.pipeline.entities.lexicon import LEXICON
from newsflow.pipeline.entities.places import fold, is_known_place
from newsflow.pipeline.entities.resolve import Resolved
from newsflow.pipeline.entities.rules import RULES


def _contains(long: list[str], short: list[str]) -> bool:
    """Every word of `short`, in order, in `long` ("Grand Renaissance Dam" in "Grand Ethiopian
    Renaissance Dam"); a single word must be a whole word of `long`."""
    it = iter(long)
    return all(word in it for word in short)


def _initials(name: str) -> str:
    return "".join(w[0] for w in name.split(" ") if w[:1].isupper())


def _org_offshoot(long: list[str], short: list[str]) -> bool:
    """ "Novo Nordisk" and "Novo Nordisk Foundation", "Amnesty International" and "Amnesty
    International Kenya": a full organisation name and a longer one made from it by more
    capitalised words are two ("Supreme Court" is short for "Supreme Court of the United
    States")."""
    return len(short) > 1 and long[: len(short)] == short and long[len(short)][:1].isupper()


def _modified_place(long: list[str], short: list[str]) -> bool:
    extra = long[: len(long) - len(short)]
    return long[len(extra) :] == short and all(w in LEXICON.place_modifiers for w in extra)


def _facility_of(long: list[str], short: list[str], name: str) -> bool:
    """ "Perth Stadium", "Expo Guadalajara": a known place does not join a longer name that is
    no known place itself - something named after it."""
    if not is_known_place(name):
        return False
    if long[-1] in LEXICON.facility_heads and long[: len(short)] == short:
        return True
    return not is_known_place(" ".join(long))


def _bare_surname(word: str) -> str:
    """ "al-Sharaa" -> "Sharaa": news drops the Arabic article when it repeats a surname."""
    if word[2:3] == "-" and word[:2] in LEXICON.arabic_articles and len(word) > 4:
        return word[3:]
    return word


def _admin_variant(long: list[str], short: list[str]) -> bool:
    return long[: len(short)] == short and all(
        w in LEXICON.administrative_words for w in long[len(short) :]
    )


def _short_for(r: Resolved, t: Resolved) -> bool:
    """`r` is a short mention of the full name `t`: the same type and its words (Peskov ->
    Dmitry Peskov), a bare surname of any non-gazetteer type joining a person, an ORG acronym
    joining the ORG it abbreviates."""
    words, twords = r.name.split(" "), t.name.split(" ")
    if len(twords) <= len(words) or t.name == r.name:
        return False
    if (
        t.type == r.type
        and _contains(twords, words)
        and not _admin_variant(twords, words)
        and not (r.type == "ORG" and _org_offshoot(twords, words))
        and not (
            r.type == "LOCATION"
            and (_modified_place(twords, words) or _facility_of(twords, words, r.name))
        )
    ):
        return True
    acronym = r.name.isupper() and _initials(t.name) == r.name  # "PNG": Papua New Guinea
    if acronym and r.type == "ORG" and t.type in ("ORG", "LOCATION"):
        return True
    if t.type != "PERSON":
        return False
    free = not (r.place_hint or r.cued)  # not a known place: "Paris" is not Paris Hilton
    last = twords[-1]
    if len(words) == 1:
        # "Sanchez" for Pedro Sánchez, "Sharaa" for Ahmed al-Sharaa; "Prabowo" for Prabowo
        # Subianto, "Xi" for Xi Jinping: a family name or a name used alone opening the name
        surname = words[0] in (last, _bare_surname(last)) or fold(last) == fold(words[0])
        opener = twords[0] == words[0] and free and r.type in ("PERSON", "ORG", "LOCATION")
        # "Tchiroma" for Issa Tchiroma Bakary: the first of two family names, used alone
        middle = words[0] in twords[1:-1] and words[0][1:].islower() and not r.place_hint
        return ((surname or middle) and r.type != "NORP") or opener
    # "González Amador" (ORG) for Alberto González Amador: a two-word surname
    return len(words) == 2 and twords[-2:] == words and free and r.type in ("ORG", "LOCATION")


def _link_target(r: Resolved, targets: list[Resolved]) -> Resolved | None:
    """Of the full names `r` is short for, people take the longest (Peskov -> Dmitry Peskov),
    organisations the shortest (Novo -> Novo Nordisk, not Novo Nordisk Foundation)."""
    best = None
    for t in targets:
        if _short_for(r, t) and (best is None or _better_target(t, best)):
            best = t
    return best


def _better_target(t: Resolved, best: Resolved) -> bool:
    size, best_size = len(t.name.split(" ")), len(best.name.split(" "))
    return size < best_size if t.type == best.type == "ORG" else size > best_size


def link_in_document(items: list[Resolved], gazetteer: Gazetteer | None = None) -> None:
    """Short mentions take the canonical name of the longest matching full name."""
    targets = {(r.name, r.type): r for r in items if len(r.name.split(" ")) > 1}
    candidates = list(targets.values())
    defined = {r.defines: r for r in items if r.defines and RULES.enabled("bracketed_short_form")}
    index = _TargetIndex(candidates)
    for r in items:
        full = defined.get(r.name) if r.name == r.surface else None
        if full is not None and full is not r and (not r.fixed or r.type == full.type):
            _take_name(r, full, "bracketed_short_form")
            r.wikidata, r.aliases = full.wikidata or r.wikidata, full.aliases or r.aliases
            r.cued = full.cued
            continue
        if r.fixed:
            if RULES.enabled("company_full_name"):
                _link_known_company(r, candidates)
            continue
        if r.defines:  # "Party for Freedom (PVV)": a formal full name, not a short form
            continue
        target = (
            _link_target(r, index.pool(r)) if RULES.enabled("short_name_of_full_name") else None
        )
        if target is not None:
            _take_name(r, target, "short_name_of_full_name")
            index.renamed(r)


RULES.declare("link", "bracketed_short_form")
RULES.declare("link", "company_full_name")
RULES.declare("link", "short_name_of_full_name")


def _take_name(r: Resolved, target: Resolved, rule: str) -> None:
    """`r` is another mention of `target`: its name, type and gazetteer entry."""
    if r.type != target.type:
        r.rule = rule
    r.name, r.type, r.wikidata = target.name, target.type, target.wikidata
    r.fixed, r.aliases = target.fixed, target.aliases
    r.linked_by.append(rule)


class _TargetIndex:
    """The full names a mention may link to, by word: only those that share its first word
    (or its accent-folded or article-less form, or whose initials it is) are checked, not every
    full name in the article for every mention. A superset: _link_target decides."""

    def __init__(self, candidates: list[Resolved]) -> None:
        self.order = {id(t): i for i, t in enumerate(candidates)}
        self.by_key: dict[str, list[Resolved]] = defaultdict(list)
        for t in candidates:
            self._add(t)

    def _add(self, t: Resolved) -> None:
        words = t.name.split(" ")
        keys = set(words) | {fold(words[-1]), _bare_surname(words[-1]), "^" + _initials(t.name)}
        for key in keys:
            self.by_key[key].append(t)

    def renamed(self, t: Resolved) -> None:
        if id(t) in self.order and " " in t.name:
            self._add(t)

    def pool(self, r: Resolved) -> list[Resolved]:
        first = r.name.split(" ", 1)[0]
        found = {id(t): t for t in self.by_key.get(first, ())}
        if " " not in r.name:
            found.update((id(t), t) for t in self.by_key.get(fold(first), ()))
        if r.name.isupper():
            found.update((id(t), t) for t in self.by_key.get("^" + r.name, ()))
        if len(found) < 2:
            return list(found.values())
        return sorted(found.values(), key=lambda t: self.order[id(t)])


def _link_known_company(r: Resolved, candidates: list[Resolved]) -> None:
    """A one-word gazetteer organisation ("Samsung") in an article that names it in full with
    a corporate suffix ("Samsung Electronics", "Hyundai Motor Co") takes the full name, as any
    short mention; "Amazon Web Services" is another company."""
    if r.type != "ORG" or " " in r.name:
        return
    for t in candidates:
        twords = t.name.split(" ")
        if (
            not t.fixed
            and t.type == "ORG"
            and twords[0] == r.name
            and all(w.rstrip(".") in LEXICON.corporate_suffixes for w in twords[1:])
        ):
            r.name, r.wikidata = t.name, t.wikidata or r.wikidata
            r.linked_by.append("company_full_name")
            return
