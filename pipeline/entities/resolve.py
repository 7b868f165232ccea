"""Mentions -> resolved names: surfaces cleaned and split, the gazetteer looked up, junk
dropped, and every name typed by the model or by the type rules (typing_rules.py)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from newsflow.pipeline.entities.gazetteer import Gazetteer
from newsflow.pipeline.entities.lexicon import LEXICON
from newsflow.pipeline.entities.names import looks_like_person
from newsflow.pipeline.entities.ner import APPOSITION, CUED_ORG, ROYAL_TITLES, Mention
from newsflow.pipeline.entities.places import is_known_place
from newsflow.pipeline.entities.rules import RULES, Evidence
from newsflow.pipeline.entities.spans import (
    facility_on_place,
    merge_adjacent,
    merge_shared_heads,
    royal_title,
    split_affiliations,
)
from newsflow.pipeline.entities.surfaces import (
    THE,
    after_locative,
    clean_surface,
    compound_demonym,
    head_type,
    is_junk,
    is_known_name,
    known_words,
    only_titles,
    split_compound,
    strip_demonym,
    strip_possessive,
    tokens,
)
from newsflow.pipeline.entities.typing_rules import CUE_AFTER, CUE_BEFORE, Context, retype

# spaCy label -> our type; labels not listed (DATE, CARDINAL, MONEY, ...) are not entities.
LABEL_TYPES = {
    "PERSON": "PERSON",
    "ORG": "ORG",
    "GPE": "LOCATION",
    "LOC": "LOCATION",
    "FAC": "LOCATION",
    "NORP": "NORP",
    "EVENT": "EVENT",
    "LAW": "LAW",
    "PRODUCT": "PRODUCT",
    "WORK_OF_ART": "WORK_OF_ART",
}
_NAME_LABELS = frozenset(LABEL_TYPES) | {APPOSITION, CUED_ORG}

# A wire service's version tag glued to a headline's first word ("UPDATE 2-Vance says ...")
_WIRE_TAG = re.compile(r"^\d{1,2}-(?=[A-Z])")


@dataclass
class Resolved:
    name: str
    type: str
    surface: str
    wikidata: str | None = None
    fixed: bool = False  # settled by the gazetteer: never relinked or retyped
    aliases: tuple[str, ...] = ()
    place_hint: str = ""  # a known place name: "any" or "locative" (see _place_hint)
    cued: bool = False  # typed by evidence around the name, not by the model
    locative: bool = False  # after "in", "near", "at the", ...
    moved_to: bool = False  # after "in", "at", "to" (not "lost to", "according to"): a place
    titled: bool = False  # introduced by a royal title ("King Felipe VI"): a one-word name is fine
    partner: Resolved | None = None  # the name listed just before ("Sagaing and Naypyidaw")
    plural_place: bool = False  # followed by a plural place noun ("... Chenab rivers")
    defines: str = ""  # the acronym in brackets after the name ("Party for Freedom (PVV)")
    alias_of: Resolved | None = None  # "Whenua Hou, also known as Codfish Island"
    cut: bool = False  # a capitalised word follows: the model may have cut the name
    rule: str = "model"  # what typed it: "model", "gazetteer" or a type rule's name
    linked_by: list[str] = field(default_factory=list)  # rules that gave it its name


def _resolve(surface: str, mention: Mention, gazetteer: Gazetteer) -> Resolved | None:
    label, entry = mention.label, mention.entry
    first, _, rest = surface.partition(" ")
    if (
        entry is None
        and rest
        and first[:1].isupper()
        and first.casefold() in LEXICON.organisation_cues_in_span
    ):
        # "Regulator Ofgem", "Rival Boeing": a sentence-initial cue word inside the span
        surface, label = rest, "ORG"
        mention = replace(mention, prev=f"{mention.prev} {first.casefold()}")
    entry = entry or gazetteer.lookup(surface)
    if entry is None:
        return _resolve_unknown(surface, label, mention, gazetteer)
    cue = None
    if (
        not entry.match_text
        and entry.type != "LOCATION"
        and RULES.enabled("place_cue_over_gazetteer")
    ):
        ctx = Context(surface, prev=mention.prev, after=mention.next)
        cue = CUE_BEFORE.first(ctx) or CUE_AFTER.first(ctx) or _in_the(mention)
    if cue is not None and cue.type == "LOCATION":  # "the mouth of the Amazon": not the company
        rule = f"place_cue_over_gazetteer:{cue.rule}"
        return Resolved(surface, "LOCATION", surface, cued=True, locative=True, rule=rule)
    return Resolved(
        entry.name,
        entry.type,
        surface,
        entry.wikidata,
        True,
        entry.aliases,
        locative=after_locative(mention.prev),
        rule="gazetteer",
        linked_by=["gazetteer"],
    )


def _in_the(mention: Mention) -> Evidence | None:
    """ "killed in the Amazon, officials said": a company is not "in the" X before a comma."""
    words = tokens(mention.prev)[-2:]
    closed = tokens(mention.next)[:1] in ([","], ["."], [";"])
    return Evidence("LOCATION", 1, "in_the") if words == ["in", "the"] and closed else None


for _kind, _name in (
    ("type", "place_cue_over_gazetteer"),
    ("type", "compound_demonym"),
    ("type", "product_named_for_its_people"),
    ("link", "royal_title_person"),
    ("link", "facility_on_place"),
    ("link", "organisation_qualifier"),
    ("link", "compound_split"),
):
    RULES.declare(_kind, _name)


def _resolve_unknown(
    surface: str, label: str, mention: Mention, gazetteer: Gazetteer
) -> Resolved | None:
    """A name the gazetteer does not know: typed by the model, then by the type rules."""
    ctx = Context(surface, LABEL_TYPES.get(label, ""), mention.prev, mention.next)
    etype: str | None = LABEL_TYPES.get(label)
    rule = getattr(mention, "rule", "model")
    if label == APPOSITION:  # a name the model missed: typed by its apposition or dropped
        etype = CUE_AFTER.type(ctx) or ""
        if etype == "PERSON" and surface[:1].isupper() and not ctx.known_place:
            # "Danilo, the former Juventus defender": a person known by one name
            return Resolved(surface, "PERSON", surface, cued=True, titled=True, rule=rule)
        if etype not in ("ORG", "LOCATION") or (" " in surface and looks_like_person(surface)):
            return None
    elif label == CUED_ORG:  # a name the model missed after "broadcaster", "regulator", ...
        etype = "ORG"
    if etype is None or only_titles(surface):
        return None
    if etype == "ORG" and tokens(mention.prev)[-2:] == ["Chief", "of"]:
        return None  # "the post of Chief of Defence Forces": a title, not the organisation
    if is_junk(surface, gazetteer) and not (label == CUED_ORG and _CODE_NAME.match(surface)):
        return None  # "the D66 party" is a name, "D" alone is not
    if etype == "PERSON":
        surface = strip_demonym(surface, gazetteer)
        ctx = replace(ctx, surface=surface)
    # "the Chadema party": the model took the organisation noun in, as good as a cue
    cued = label == CUED_ORG or (
        etype == "ORG"
        and " ".join(tokens(mention.text)[-1:]) in LEXICON.political_group_nouns
        and surface != mention.text
    )
    if (
        etype in ("LOCATION", "ORG", "NORP")
        and RULES.enabled("compound_demonym")
        and compound_demonym(surface, gazetteer)
    ):
        etype, cued, rule = "NORP", True, "compound_demonym"  # "Cape Verdean" tagged LOC
    elif etype in ("LOCATION", "ORG", "PERSON", "NORP"):
        retyped = retype(replace(ctx, etype=etype))
        if retyped is not None:
            etype, cued, rule = retyped.type, True, retyped.rule
    elif len(surface.split(" ")) > 1:  # "Dubai International Stadium" read as an EVENT
        etype = head_type(surface.split(" ")) or etype
    if (
        etype in ("PRODUCT", "WORK_OF_ART")
        and RULES.enabled("product_named_for_its_people")
        and CUE_AFTER.type(ctx) == "ORG"
    ):  # "Google Cloud chief executive": a company's people
        etype, cued, rule = "ORG", True, "product_named_for_its_people"
    return _typed(surface, etype, mention, cued, rule)


def _typed(surface: str, etype: str, mention: Mention, cued: bool, rule: str) -> Resolved:
    following = tokens(mention.next)[:1]
    return Resolved(
        surface,
        etype,
        surface,
        place_hint=_place_hint(surface, etype, mention.prev),
        cued=cued,
        locative=after_locative(mention.prev),
        plural_place=bool(following) and following[0] in LEXICON.place_nouns_after_list,
        cut=bool(following) and following[0][:1].isupper(),
        moved_to=etype == "PERSON" and " " not in surface and _place_preposition(mention.prev),
        titled=etype == "PERSON" and cued and _between_commas(mention),
        rule=rule,
    )


def _between_commas(mention: Mention) -> bool:
    """ "The agency's head, Suharyanto, said": a person a cue names in an apposition is
    introduced there, even by one name (a mononym), so the lone word is kept."""
    return tokens(mention.prev)[-1:] == [","] and tokens(mention.next)[:1] == [","]


_CODE_NAME = re.compile(r"^[A-Z]{1,3}-?\d{1,3}$")


def _place_preposition(prev: str) -> bool:
    words = [w.casefold() for w in tokens(prev)]
    if not words:
        return False
    if words[-1] == "to":
        return len(words) >= 2 and words[-2] in LEXICON.travel_words
    return words[-1] in LEXICON.place_prepositions


def _place_hint(surface: str, etype: str, prev: str) -> str:
    """'any' when a known place name may be retyped from PERSON; 'locative' when it may also be
    retyped from ORG (after 'in', 'near', ...: a city name alone is often a club or company).
    All-caps words are acronyms, not places."""
    if surface.isupper() or not is_known_place(surface):
        return ""
    locative = etype == "LOCATION" or after_locative(prev) or _after_place_possessive(prev)
    return "locative" if locative else "any"


def _after_place_possessive(prev: str) -> bool:
    """ "India's Andhra Pradesh": a known place's known place is a place."""
    words = tokens(prev)
    last = words[-1] if words else ""
    return last.endswith("'s") and last[:1].isupper() and is_known_place(last[:-2])


def _coordinated(mention: Mention, before: Mention | None) -> bool:
    """ "Sagaing and Naypyidaw", "Surabaya, Bandung": `mention` is listed right after `before`."""
    if before is None or not 1 <= mention.start - before.end <= len(", including "):
        return False
    words = tokens(mention.prev)
    if len(words) >= 3 and words[-2:] == [",", "including"] and before.text.endswith(words[-3]):
        return True  # "the city of Valencia, including Paiporta and Chiva"
    if mention.start - before.end > 6:
        return False
    if len(words) < 2 or not before.text.endswith(words[-2]) or THE.match(mention.text):
        return False
    if words[-1] == ",":  # "Surabaya, Bandung and ...", not "In Beijing, Xinhua reported"
        return tokens(mention.next)[:1] in ([","], ["and"], ["or"])
    return words[-1] in ("and", "or")


def resolve_mentions(mentions: Sequence[Mention], gazetteer: Gazetteer) -> list[Resolved]:
    """Steps 1, 3 and 4: gazetteer lookup (fixes type), compound split, junk dropped."""
    # dates, numbers, money (two thirds of the model's spans) are no names: not looked at
    mentions = [m for m in mentions if m.entry is not None or m.label in _NAME_LABELS]
    known = known_words(mentions)
    out: list[Resolved] = []
    before: Mention | None = None
    last: Resolved | None = None
    affiliated = split_affiliations(mentions, gazetteer, known)
    for mention in merge_adjacent(merge_shared_heads(affiliated)):
        partner = last if _coordinated(mention, before) else None
        alias_of = last if _known_as(mention, before) else None
        before, last = mention, None
        titled, mention = _titled(mention)
        for resolved in _resolve_lines(mention, gazetteer, known):
            resolved.titled = resolved.titled or (titled and resolved.type == "PERSON")
            resolved.partner = partner
            resolved.alias_of = alias_of
            out.append(resolved)
            last = resolved
    return out


def _titled(mention: Mention) -> tuple[bool, Mention]:
    """ "King Felipe VI", "Prince Harry" (the title outside the model's span): a person known
    by one name."""
    if not RULES.enabled("royal_title_person"):
        return False, mention
    if royal_title(mention.text):
        return True, replace(mention, label="PERSON")
    after_title = any(w in ROYAL_TITLES for w in tokens(mention.prev)[-1:])
    return mention.label == "PERSON" and after_title, mention


def _lines(mention: Mention) -> tuple[Mention, list[str]]:
    """The parts of a span that are names of their own (lines, run-on headlines,
    "the People Power Monument on EDSA")."""
    joined = mention.rule == "facility_noun_joins_name"  # "Adiala jail": the noun is the name's
    lines = [mention.text] if joined else _run_on_parts(mention.text)
    last_word = mention.text.split()[-1] if mention.text.split() else ""
    if (
        mention.label != "PERSON"
        and last_word.islower()
        and last_word not in LEXICON.name_connectors
    ):
        # "giant Nile dam": the word before describes the noun after, not the name
        mention = replace(mention, prev="")
    if (
        mention.entry is None
        and mention.label != "PERSON"
        and (" on " in mention.text or " in " in mention.text)
        and RULES.enabled("facility_on_place")
    ):
        split = [part for line in lines for part in facility_on_place(line)]
        if len(split) > len(lines):  # "the People Power Monument on EDSA": two places
            lines, mention = split, replace(mention, label="FAC")
    if any(w in LEXICON.wire_tags for w in tokens(mention.prev)[-1:]):
        lines = [_WIRE_TAG.sub("", line) for line in lines]
    return mention, lines


def _resolve_lines(mention: Mention, gazetteer: Gazetteer, known: Counter) -> list[Resolved]:
    out: list[Resolved] = []
    multi_line = "\n" in mention.text.strip()
    mention, lines = _lines(mention)
    for i, line in enumerate(lines):
        defined = _bracket_acronym(mention.next) if i == len(lines) - 1 else ""
        cut = _IN_BRACKETS.match(line)  # "Party for Freedom (PVV": the model ran on
        if cut and _is_short_form(cut.group(2)):
            line, defined = cut.group(1), cut.group(2)
        surface = strip_possessive(clean_surface(line, mention.label), known, mention.label)
        if not surface or (multi_line and not _stands_alone(surface, gazetteer)):
            continue
        if (
            i == len(lines) - 1
            and not defined
            and mention.label == "ORG"
            and " " in surface
            and RULES.enabled("organisation_qualifier")
        ):
            surface = _with_qualifier(surface, mention, gazetteer)
        parts = [surface]
        if not mention.entry and RULES.enabled("compound_split"):
            parts = split_compound(surface, gazetteer, known)
        # members of "Florence and Palermo" stand on their own, as if after "in"
        context = replace(mention, prev="in") if len(parts) > 1 else mention
        for part in parts:
            resolved = _resolve(part, context, gazetteer)
            if resolved is not None:
                if len(parts) == 1 and defined and defined != resolved.name:
                    resolved.defines = defined
                out.append(resolved)
    return out


def _known_as(mention: Mention, before: Mention | None) -> bool:
    """ "Whenua Hou, also known as Codfish Island", "Pedro Leitao Brito, known as Bubista": the
    second name is another name of the first."""
    return (
        before is not None
        and 0 < mention.start - before.end <= len(", also known as ")
        and tokens(mention.prev)[-2:] == ["known", "as"]
    )


# "Communist Party of Nepal (Unified Marxist-Leninist)": a bracketed part of the name
_QUALIFIER = re.compile(r"^\(([A-Z][\w'-]+(?: [A-Z][\w'-]+){0,3})\)")


def _with_qualifier(surface: str, mention: Mention, gazetteer: Gazetteer) -> str:
    """An organisation's name of two or more words the model stopped before a bracketed,
    capitalised part of it ("(Marxist)"): not a short form, a place, a known name or a
    dateline ("(Reuters) -")."""
    match = _QUALIFIER.match(mention.next) if mention.next[:1] == "(" else None
    if match is None or mention.next[match.end() :].lstrip()[:1] in ("-", "\u2013", "\u2014"):
        return surface
    inside = match.group(1)
    if _is_short_form(inside) or is_known_name(inside, gazetteer):
        return surface
    return f"{surface} ({inside})"


# "Party for Freedom (PVV)": an acronym in brackets right after a name is that name's short form.
_ACRONYM = r"[A-Z][A-Za-z0-9&.-]{1,9}(?: [A-Z][A-Za-z0-9&.-]{1,9}){0,2}"  # "Africa CDC"
_AFTER_BRACKET = re.compile(r"^\((" + _ACRONYM + r")\)")
_IN_BRACKETS = re.compile(r"^(.*\S) \((" + _ACRONYM + r")\)?$")


def _bracket_acronym(after: str) -> str:
    """ "(NNPC) and fuel importers" -> "NNPC"."""
    match = _AFTER_BRACKET.match(after)
    return match.group(1) if match and _is_short_form(match.group(1)) else ""


def _is_short_form(text: str) -> bool:
    """Its last word has at least two capitals and more capitals than not: "PVV", "ACEA",
    "Africa CDC" (not "Reuters", not "Paris")."""
    word = text.split(" ")[-1]
    capitals = sum(c.isupper() for c in word)
    return capitals >= 2 and capitals * 2 > len(word.replace(".", ""))


def _stands_alone(part: str, gazetteer: Gazetteer) -> bool:
    """A one-word piece of a span the model ran across a line break ("Cebu\n\nRescuers") is kept
    only when it is a known name: a line opens with a capitalised word whatever it is."""
    return " " in part or is_known_name(part, gazetteer)


def _run_on_parts(text: str) -> list[str]:
    """Split a span that runs across lines or across a lower-case verb ("Real Madrid sign
    Trent Alexander-Arnold", a headline the model read as one name)."""
    parts: list[str] = []
    for line in text.splitlines():
        current: list[str] = []
        for word in line.split():
            if (
                word.islower()
                and word.casefold() not in LEXICON.name_connectors
                and len(current) >= 1
            ):
                parts.append(" ".join(current))
                current = []
                continue
            current.append(word)
        parts.append(" ".join(current))
    return [p for p in parts if p]
