"""Canonicalisation: raw mentions -> canonical entities (gazetteer, in-document links, compounds, junk)."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from newsflow.pipeline.entities.gazetteer import Gazetteer, normalise
from newsflow.pipeline.entities.lexicon import LEXICON
from newsflow.pipeline.entities.names import given_names, looks_like_person
from newsflow.pipeline.entities.ner import APPOSITION, CUED_ORG, ROYAL_TITLES, Mention
from newsflow.pipeline.entities.places import fold, is_known_place
from newsflow.pipeline.entities.rules import RULES, Evidence
from newsflow.pipeline.entities.typing_rules import (
    CUE_AFTER,
    CUE_BEFORE,
    Context,
    after_locative,
    head_type,
    is_acronym_word,
    looks_like_demonym,
    retype,
    tokens,
)

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
FACETS = {"PERSON": "persons", "ORG": "organizations", "LOCATION": "locations"}
_NAME_LABELS = frozenset(LABEL_TYPES) | {APPOSITION, CUED_ORG}

_COMPOUND = re.compile(r"^[A-Z][\w.']*(?:\s*[-\u2013\u2014/]\s*[A-Z][\w.']*)+$")
_COMPOUND_SPLIT = re.compile(r"\s*[-\u2013\u2014/]\s*")
_EDGE_PUNCT = "\"'`()[]{}<>,;:!?*|-\u201c\u201d\u2018\u2019\u2022\u00b7\u2013\u2014 \t"
_NICKNAME = re.compile(r"^[\"\u201c].+[\"\u201d]$")
_POSSESSIVE = re.compile(r"'s?$")
_COORDINATION = re.compile(r"\s*(?:,\s*and\s+|,\s*|\s+and\s+)")
_SPACES = re.compile(r"\s+")
_SCORE = re.compile(r"^\d+-\d+$")
# A wire service's version tag glued to a headline's first word ("UPDATE 2-Vance says ...")
_WIRE_TAG = re.compile(r"^\d{1,2}-(?=[A-Z])")
_THE = re.compile(r"^the\s+", re.IGNORECASE)
_TYPE_PRIORITY = {"PERSON": 0, "LOCATION": 1, "ORG": 2}


@dataclass
class _Resolved:
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
    partner: _Resolved | None = None  # the name listed just before ("Sagaing and Naypyidaw")
    plural_place: bool = False  # followed by a plural place noun ("... Chenab rivers")
    defines: str = ""  # the acronym in brackets after the name ("Party for Freedom (PVV)")
    alias_of: _Resolved | None = None  # "Whenua Hou, also known as Codfish Island"
    cut: bool = False  # a capitalised word follows: the model may have cut the name
    rule: str = "model"  # what typed it: "model", "gazetteer" or a type rule's name
    linked_by: list[str] = field(default_factory=list)  # rules that gave it its name


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


def clean_surface(text: str, label: str) -> str:
    """Trim quotes, punctuation and 'the'; for people leading titles, for people and
    organisations trailing common nouns ("the MoDem party" -> "MoDem")."""
    text = _SPACES.sub(" ", text.replace("\u2019", "'")).strip(_EDGE_PUNCT)
    text = _THE.sub("", text).strip(_EDGE_PUNCT)
    words = text.split(" ")
    if label == "PERSON":
        words = [w for w in words if not _NICKNAME.match(w)]  # Jorge "Tuto" Quiroga
        while len(words) > 1 and (
            words[0].casefold() in LEXICON.titles_before_names or words[0][:1].islower()
        ):
            words.pop(0)
        while len(words) > 1 and any(c.isdigit() for c in words[-1]):
            words.pop()  # "Brighton 2-1": a score, not a name
    while len(words) > 1 and _SCORE.match(words[-1]):
        words.pop()  # "Liverpool 3-0": a score, not a name
    if label in ("PERSON", "ORG"):
        while len(words) > 1 and words[-1].islower() and words[-2][:1].isupper():
            words.pop()  # "the MoDem party"; not "Ahmed al-Sharaa"
    elif label in ("GPE", "LOC", "FAC"):
        while (
            len(words) > 1
            and words[-1] in LEXICON.place_suffixes_trimmed
            and words[-2][:1].isupper()
        ):
            words.pop()
    return " ".join(words)


def is_junk(surface: str, gazetteer: Gazetteer) -> bool:
    """Pronouns, numbers, single letters, lower-case words, generic nouns ("Party") and
    operator-ignored surfaces."""
    letters = [c for c in surface if c.isalpha()]
    if len(letters) < 2:
        return True
    folded = surface.casefold()
    if (
        folded in LEXICON.pronouns
        or folded in LEXICON.generic_nouns
        or gazetteer.is_ignored(surface)
    ):
        return True
    if _DRAW_GROUP.match(surface):  # "Group L" of a tournament draw
        return True
    return not any(c.isupper() for c in surface)


def _compound_demonym(surface: str, gazetteer: Gazetteer) -> bool:
    """ "Cape Verdean", "South African", "Sri Lankan", "New Zealander": the people of a
    multi-word place (the name less its ending is a known place)."""
    if " " not in surface or not surface.endswith(("an", "er")):
        return False
    for cut in (1, 2, 3):
        entry = gazetteer.lookup(surface[:-cut])
        if is_known_place(surface[:-cut]) or (entry is not None and entry.type == "LOCATION"):
            return True
    return False


def split_compound(surface: str, gazetteer: Gazetteer, known: Counter) -> list[str]:
    """'Putin-Trump' -> ['Putin', 'Trump'], 'Florence and Palermo' -> ['Florence', 'Palermo']
    when every member is known on its own (gazetteer, place list or another mention in the
    article); 'Coca-Cola' and 'Procter and Gamble' stay whole."""
    if gazetteer.lookup(surface) is not None:
        return [surface]
    if _COMPOUND.match(surface):
        parts = [p for p in _COMPOUND_SPLIT.split(surface) if p]
        if (
            parts[0] in LEXICON.hyphenated_name_openers
        ):  # "Al-Balad", "Abu-Dhabi": one name, its article
            return [surface]
    elif " and " in surface or ", " in surface:  # "Mombasa, Kisumu", "Paris, France"
        parts = [p for p in _COORDINATION.split(surface) if p]
    else:
        return [surface]

    def is_known(part: str) -> bool:
        return gazetteer.lookup(part) is not None or known[part] > 0 or is_known_place(part)

    if len(parts) > 1 and all(p[:1].isupper() and is_known(p) for p in parts):
        return parts
    return [surface]


def _known_words(mentions: Sequence[Mention]) -> Counter:
    """How many mentions each word occurs in (a member of 'Putin-Trump' must be one)."""
    words: Counter = Counter()
    for m in mentions:
        text = m.text.strip()
        if not _COMPOUND.match(text) and " and " not in text:
            words.update(set(normalise(text).split(" ")))
    return words


def strip_possessive(surface: str, known: Counter, label: str = "") -> str:
    """ "Michel Barnier's" -> "Michel Barnier" when Barnier is mentioned elsewhere too;
    "Moody's" stays (the model keeps "'s" outside names, so inside one it is usually part of it)."""
    bare = _POSSESSIVE.sub("", surface)
    if bare == surface or not bare:
        return surface
    last = bare.split(" ")[-1]
    if label == "PERSON" or known[last] >= 2 or looks_like_person(bare):
        return bare
    if " of " in bare or " for " in bare:  # "the Department of Conservation's team"
        return bare
    if " " in bare and (
        last in LEXICON.organisation_heads or last in LEXICON.place_heads
    ):  # "Stock Exchange's index"
        return bare
    return surface


def _resolve(surface: str, mention: Mention, gazetteer: Gazetteer) -> _Resolved | None:
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
        cue = CUE_BEFORE.first(Context(surface, prev=mention.prev))
    if cue is not None and cue.type == "LOCATION":  # "the mouth of the Amazon": not the company
        rule = f"place_cue_over_gazetteer:{cue.rule}"
        return _Resolved(surface, "LOCATION", surface, cued=True, locative=True, rule=rule)
    return _Resolved(
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


RULES.declare("type", "place_cue_over_gazetteer")
RULES.declare("type", "compound_demonym")
RULES.declare("type", "product_named_for_its_people")


def _resolve_unknown(
    surface: str, label: str, mention: Mention, gazetteer: Gazetteer
) -> _Resolved | None:
    """A name the gazetteer does not know: typed by the model, then by the type rules."""
    ctx = Context(surface, LABEL_TYPES.get(label, ""), mention.prev, mention.next)
    etype: str | None = LABEL_TYPES.get(label)
    rule = getattr(mention, "rule", "model")
    if label == APPOSITION:  # a name the model missed: typed by its apposition or dropped
        etype = CUE_AFTER.type(ctx) or ""
        if etype == "PERSON" and surface[:1].isupper() and not ctx.known_place:
            # "Danilo, the former Juventus defender": a person known by one name
            return _Resolved(surface, "PERSON", surface, cued=True, titled=True, rule=rule)
        if etype not in ("ORG", "LOCATION") or (" " in surface and looks_like_person(surface)):
            return None
    elif label == CUED_ORG:  # a name the model missed after "broadcaster", "regulator", ...
        etype = "ORG"
    if etype is None or _only_titles(surface):
        return None
    if etype == "ORG" and tokens(mention.prev)[-2:] == ["Chief", "of"]:
        return None  # "the post of Chief of Defence Forces": a title, not the organisation
    if is_junk(surface, gazetteer) and not (label == CUED_ORG and _CODE_NAME.match(surface)):
        return None  # "the D66 party" is a name, "D" alone is not
    if etype == "PERSON":
        surface = _strip_demonym(surface, gazetteer)
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
        and _compound_demonym(surface, gazetteer)
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


def _typed(surface: str, etype: str, mention: Mention, cued: bool, rule: str) -> _Resolved:
    following = tokens(mention.next)[:1]
    return _Resolved(
        surface,
        etype,
        surface,
        place_hint=_place_hint(surface, etype, mention.prev),
        cued=cued,
        locative=after_locative(mention.prev),
        plural_place=bool(following) and following[0] in LEXICON.place_nouns_after_list,
        cut=bool(following) and following[0][:1].isupper(),
        moved_to=etype == "PERSON" and " " not in surface and _place_preposition(mention.prev),
        rule=rule,
    )


_DRAW_GROUP = re.compile(r"^(?:Group|Pool) [A-L]$")
_CODE_NAME = re.compile(r"^[A-Z]{1,3}-?\d{1,3}$")


def _only_titles(surface: str) -> bool:
    """ "Solicitor General", "Chief Executive": a title with no name."""
    return all(w.casefold().rstrip(".") in LEXICON.titles_before_names for w in surface.split(" "))


def _strip_demonym(surface: str, gazetteer: Gazetteer) -> str:
    """ "Kenyan Dorcas Ewoi" -> "Dorcas Ewoi": a nationality word the model took into a name."""
    first, _, rest = surface.partition(" ")
    if " " not in rest:
        return surface
    entry = gazetteer.lookup(first)
    if (entry is not None and entry.type == "NORP") or looks_like_demonym(first):
        return rest
    if first.endswith("an") and (is_known_place(first[:-1]) or is_known_place(first[:-2])):
        return rest  # Kenyan, Nigerian, Chilean
    return surface


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
    if len(words) < 2 or not before.text.endswith(words[-2]) or _THE.match(mention.text):
        return False
    if words[-1] == ",":  # "Surabaya, Bandung and ...", not "In Beijing, Xinhua reported"
        return tokens(mention.next)[:1] in ([","], ["and"], ["or"])
    return words[-1] in ("and", "or")


def resolve_mentions(mentions: Sequence[Mention], gazetteer: Gazetteer) -> list[_Resolved]:
    """Steps 1, 3 and 4: gazetteer lookup (fixes type), compound split, junk dropped."""
    # dates, numbers, money (two thirds of the model's spans) are no names: not looked at
    mentions = [m for m in mentions if m.entry is not None or m.label in _NAME_LABELS]
    known = _known_words(mentions)
    out: list[_Resolved] = []
    before: Mention | None = None
    last: _Resolved | None = None
    affiliated = _split_affiliations(mentions, gazetteer, known)
    for mention in _merge_adjacent(_merge_shared_heads(affiliated)):
        partner = last if _coordinated(mention, before) else None
        alias_of = last if _known_as(mention, before) else None
        before, last = mention, None
        titled = _royal_title(mention.text)
        if titled:
            mention = replace(mention, label="PERSON")
        elif mention.label == "PERSON" and tokens(mention.prev)[-1:] in _ROYAL_PREV:
            titled = True  # "Prince Harry" with the title outside the model's span
        multi_line = "\n" in mention.text.strip()
        lines = _run_on_parts(mention.text)
        last_word = mention.text.split()[-1] if mention.text.split() else ""
        if (
            mention.label != "PERSON"
            and last_word.islower()
            and last_word not in LEXICON.name_connectors
        ):
            # "giant Nile dam": the word before describes the noun after, not the name
            mention = replace(mention, prev="")
        if mention.label in ("GPE", "LOC", "FAC") and mention.entry is None:
            # "the Las Vegas Grand Prix for Red Bull": place names have no "for" in them
            lines = [part for line in lines for part in line.split(" for ")]
        if (
            mention.entry is None
            and mention.label != "PERSON"
            and (" on " in mention.text or " in " in mention.text)
        ):
            split = [part for line in lines for part in _facility_on_place(line)]
            if len(split) > len(lines):  # "the People Power Monument on EDSA": two places
                lines, mention = split, replace(mention, label="FAC")
        if tokens(mention.prev)[-1:] and tokens(mention.prev)[-1] in LEXICON.wire_tags:
            lines = [_WIRE_TAG.sub("", line) for line in lines]
        for i, line in enumerate(lines):
            defined = _bracket_acronym(mention.next) if i == len(lines) - 1 else ""
            cut = _IN_BRACKETS.match(line)  # "Party for Freedom (PVV": the model ran on
            if cut and _is_short_form(cut.group(2)):
                line, defined = cut.group(1), cut.group(2)
            surface = strip_possessive(clean_surface(line, mention.label), known, mention.label)
            if not surface or (multi_line and not _stands_alone(surface, gazetteer)):
                continue
            if i == len(lines) - 1 and not defined and mention.label == "ORG" and " " in surface:
                surface = _with_qualifier(surface, mention, gazetteer)
            parts = [surface] if mention.entry else split_compound(surface, gazetteer, known)
            # members of "Florence and Palermo" stand on their own, as if after "in"
            context = replace(mention, prev="in") if len(parts) > 1 else mention
            for part in parts:
                resolved = _resolve(part, context, gazetteer)
                if resolved is not None:
                    resolved.titled = resolved.titled or (titled and resolved.type == "PERSON")
                    resolved.partner = partner
                    resolved.alias_of = alias_of
                    if len(parts) == 1 and defined and defined != resolved.name:
                        resolved.defines = defined
                    out.append(resolved)
                    last = resolved
    return out


_ROYAL_PREV = [[title] for title in ROYAL_TITLES]
_KNOWN_AS = [["known", "as"]]


def _known_as(mention: Mention, before: Mention | None) -> bool:
    """ "Whenua Hou, also known as Codfish Island", "Pedro Leitao Brito, known as Bubista": the
    second name is another name of the first."""
    return (
        before is not None
        and 0 < mention.start - before.end <= len(", also known as ")
        and tokens(mention.prev)[-2:] in _KNOWN_AS
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
    if _is_short_form(inside) or is_known_place(inside) or gazetteer.lookup(inside) is not None:
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


def _facility_on_place(line: str) -> list[str]:
    """ "People Power Monument on EDSA" -> the monument and the avenue, "R. Premadasa Stadium
    in Colombo" -> the stadium and the city (not "Council on Foreign Relations": only after a
    place head word)."""
    for joiner in (" on ", " in "):
        left, _, right = line.partition(joiner)
        if right[:1].isupper() and left.split(" ")[-1] in LEXICON.place_heads:
            return [left, right]
    return [line]


def _stands_alone(part: str, gazetteer: Gazetteer) -> bool:
    """A one-word piece of a span the model ran across a line break ("Cebu\n\nRescuers") is kept
    only when it is a known name: a line opens with a capitalised word whatever it is."""
    return " " in part or gazetteer.lookup(part) is not None or is_known_place(part)


def _org_of_place(prev: Mention, m: Mention) -> bool:
    """ "Law Society" + "of Kenya", "Central Bank" + "of Chile": an organisation's head word and
    "of" before a place the model split off ("the University of Iceland" is one name)."""
    if prev.label != "ORG" or prev.entry is not None:
        return False
    # "the Public Health Agency of" + "Canada": the model stopped after "of"
    cut_after_of = (
        prev.text.endswith(" of") and m.start - prev.end == 1 and prev.next.startswith(m.text)
    )
    if not cut_after_of and (
        m.start - prev.end != len(" of ")
        or tokens(m.prev)[-1:] != ["of"]
        or prev.text.split(" ")[-1] not in LEXICON.organisation_heads
    ):
        return False
    place = m.label in ("GPE", "LOC") or (m.entry is not None and m.entry.type == "LOCATION")
    return place and not _THE.match(m.text)


def _merge_adjacent(mentions: list[Mention]) -> list[Mention]:
    """Names the model cut in two: "Abdulaziz" + "bin Salman" (a person), "Foz" + "do" +
    "Amazonas" (a Portuguese or Spanish place or organisation name), "U.S. Court of Appeals" +
    "for the" + "Federal Circuit" (one organisation)."""
    out: list[Mention] = []
    for m in mentions:
        prev = out[-1] if out else None
        if prev is not None and _org_of_place(prev, m):
            glue = " " if prev.text.endswith(" of") else " of "
            text = f"{prev.text}{glue}{m.text}"  # "Law Society" + "of" + "Kenya"
            out[-1] = replace(prev, text=text, label="ORG", end=m.end, next=m.next)
            continue
        if prev is None or prev.entry is not None or m.entry is not None:
            out.append(m)
            continue
        gap = m.start - prev.end
        first = m.text.split(" ", 1)[0]
        joiner = tokens(m.prev)[-1:]
        text = ""
        spaced = gap == 1 and prev.next.startswith(m.text)  # one space between, no line break
        if prev.label == m.label == "PERSON" and gap == 1 and first in LEXICON.name_particles:
            text = f"{prev.text} {m.text}"
        elif (
            prev.label == m.label == "PERSON"
            and spaced
            and " " in prev.text
            and " " not in m.text
            and m.text[:1].isupper()
        ):  # "Samia Suluhu" + "Hassan": a three-word name the model cut in two
            text = f"{prev.text} {m.text}"
        elif (
            prev.label == m.label == "PERSON"
            and joiner
            and joiner[0] in LEXICON.name_particles | LEXICON.place_connectors
            and gap == len(joiner[0]) + 2
            and " " in prev.text
        ):  # "Andre Correa" + "do" + "Lago"
            text = f"{prev.text} {joiner[0]} {m.text}"
        elif (
            spaced
            and m.label == "PERSON"
            and " " in m.text
            and " " not in prev.text
            and prev.label in ("GPE", "LOC", "ORG", "NORP")
            and prev.text in given_names()
        ):  # "Benito" (GPE) + "Antonio Martinez Ocasio": a given name the model cut off
            text = f"{prev.text} {m.text}"
            prev = replace(prev, label="PERSON")
        elif spaced and prev.label != "PERSON" and m.text[:2] in ("d'", "d\u2019"):
            text = f"{prev.text} {m.text}"  # "Cortina" + "d'Ampezzo"
            m = replace(m, label=prev.label)
        elif (
            prev.label == "EVENT"
            and joiner == ["of"]
            and gap == len(" of ")
            and prev.text.split(" ")[-1] in LEXICON.event_heads
            and " " not in m.text
        ):  # "Africa Cup" + "of" + "Nations"
            text = f"{prev.text} of {m.text}"
            m = replace(m, label="EVENT")
        elif (
            joiner
            and joiner[0] in LEXICON.place_connectors
            and gap == len(joiner[0]) + 2
            and " " not in prev.text
            and " " not in m.text
            and prev.label != "PERSON"
        ):
            text = f"{prev.text} {joiner[0]} {m.text}"
        elif (
            prev.label == m.label == "ORG"
            and joiner == ["and"]
            and gap == len(" and ")
            and _institution_of(prev.text)
            and " " in m.text
            and m.text.split(" ")[-1] not in LEXICON.organisation_heads
            and not _THE.match(m.text)
            and not looks_like_person(m.text)
        ):  # "Center for Volcanology" + "and" + "Geological Hazard Mitigation"
            text = f"{prev.text} and {m.text}"
        elif (
            prev.label == m.label == "ORG"
            and joiner == ["for"]
            and gap == len(" for ")
            and m.text.startswith("the ")
        ):  # not "won the Grand Prix for Red Bull"
            text = f"{prev.text} for {m.text}"
        if text:
            label = "ORG" if m.label == "ORG" or prev.label == "ORG" else prev.label
            out[-1] = replace(prev, text=text, label=label, end=m.end, next=m.next)
            continue
        out.append(m)
    return out


def _institution_of(text: str) -> bool:
    words = _THE.sub("", text).split(" ")
    return (
        len(words) >= 3
        and words[0] in LEXICON.institution_openers
        and words[1] in ("for", "of")
        and words[-1][:1].isupper()
    )


def _royal_title(text: str) -> bool:
    """ "King Felipe VI", "Empress Marie-Louise": a person whatever the model said, known by
    one name (unless the name is an organisation's or a place's: "Prince Edward Island")."""
    words = _THE.sub("", text).split()
    return (
        len(words) > 1
        and words[0] in ROYAL_TITLES
        and words[-1] not in LEXICON.organisation_heads
        and words[-1] not in LEXICON.place_heads
    )


def _merge_shared_heads(mentions: list[Mention]) -> list[Mention]:
    """ "Avon and Somerset Police", read by the model as "Avon" + "Somerset Police": two known
    places sharing one organisation head word are one organisation."""
    out: list[Mention] = []
    for m in mentions:
        words = m.text.split(" ")
        prev = out[-1] if out else None
        if (
            prev is not None
            and prev.entry is None
            and m.label == "ORG"
            and len(words) == 2
            and words[1] in LEXICON.organisation_heads
            and m.start - prev.end == len(" and ")
            and " " not in prev.text
            and is_known_place(prev.text)
            and is_known_place(words[0])
            and tokens(m.prev)[-1:] == ["and"]
        ):
            out[-1] = replace(
                prev, text=f"{prev.text} and {m.text}", label="ORG", end=m.end, next=m.next
            )
            continue
        out.append(m)
    return out


def _split_affiliations(
    mentions: Sequence[Mention], gazetteer: Gazetteer, known: Counter | None = None
) -> list[Mention]:
    """ "Ontario Premier Doug Ford", "US President Joe Biden" tagged as one PERSON: the known
    place or organisation before the title becomes its own mention."""
    out: list[Mention] = []
    for m in mentions:
        if m.entry is None and ("'s " in m.text or "\u2019s " in m.text):
            owner = _possessor(m, gazetteer, known or Counter())
            if owner:
                out.extend(owner)
                continue
        words = m.text.split(" ")
        company = gazetteer.lookup(words[0]) if m.label == "PERSON" and len(words) > 1 else None
        if (
            company is not None
            and company.type == "ORG"
            and words[-1] not in LEXICON.corporate_suffixes
            and words[-1] not in LEXICON.organisation_heads
        ):  # "SpaceX Starship": no person; "Barrick Mining" is the company's full name
            rest = " ".join(words[1:])
            head = words[0]
            out.append(
                replace(m, text=head, label="GAZETTEER", entry=company, end=m.start + len(head))
            )
            out.append(replace(m, text=rest, label="PRODUCT", start=m.end - len(rest)))
            continue
        if company is not None and company.type == "ORG":
            out.append(replace(m, label="ORG"))  # "Barrick Mining" read as a person
            continue
        person, of, team = m.text.partition(" of ")
        if (
            m.entry is None
            and m.label in ("PERSON", "ORG")
            and of
            and team[:1].isupper()
            and looks_like_person(person)
        ):  # "Jonas Vingegaard of Visma-Lease a Bike" read as one name: a person and a team
            label = "GPE" if is_known_place(team) else "ORG"
            out.append(replace(m, text=person, label="PERSON", end=m.start + len(person)))
            out.append(replace(m, text=team, label=label, start=m.end - len(team), prev="of"))
            continue
        cut = next(
            (i for i, w in enumerate(words) if i and w.casefold() in LEXICON.titles_before_names), 0
        )
        head = " ".join(words[:cut])
        rest = " ".join(words[cut:])
        if m.label in ("PERSON", "ORG") and cut and _affiliation(head, rest, gazetteer):
            if m.label == "ORG" and not _titled_name(rest):
                out.append(m)  # "UK Prime Minister's Office" stays one organisation
                continue
            out.append(replace(m, text=head, label="GPE", end=m.start + len(head)))
            out.append(replace(m, text=rest, label="PERSON", start=m.end - len(rest)))
        else:
            out.append(m)
    return out


def _possessor(m: Mention, gazetteer: Gazetteer, known: Counter) -> list[Mention]:
    """ "Alphabet's Google", "Abu Dhabi's Mubadala" read as one name: a known organisation or
    place, a possessive and a capitalised name are two mentions (not "People's Party": the
    owner must be a gazetteer name or a known place). An owner named elsewhere in the article
    ("Sudani's Reconstruction and Development Coalition") is left to its other mentions."""
    text = m.text.replace("\u2019", "'")
    owner, _, owned = text.partition("'s ")
    owner = _THE.sub("", owner)
    if not owned[:1].isupper() or not owner or "\n" in text:
        return []
    if all(
        w in LEXICON.organisation_heads or w in LEXICON.corporate_suffixes for w in owned.split(" ")
    ):
        return []  # "McDonald's Corp", "Macy's Inc": the company's own name
    entry = gazetteer.lookup(owner)
    if entry is None and not is_known_place(owner):
        if _person_owns_place(owner, owned, gazetteer):
            start = m.start + text.index(owner)
            return [
                replace(m, text=owner, label="PERSON", start=start, end=start + len(owner)),
                replace(m, text=owned, label="GPE", start=m.end - len(owned), prev=f"{owner}'s"),
            ]
        if " " in owner or known[owner] < 1:
            return []
        return [replace(m, text=owned, start=m.end - len(owned), prev=f"{owner}'s")]
    start = m.start + text.index(owner)
    first = (
        replace(m, text=owner, label="GAZETTEER", entry=entry, end=start + len(owner))
        if entry is not None
        else replace(m, text=owner, label="GPE", start=start, end=start + len(owner))
    )
    second = replace(m, text=owned, start=m.end - len(owned), prev=f"{owner}'s")
    return [first, second]


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
    name = [w for w in words if w.casefold().rstrip(".") not in LEXICON.titles_before_names]
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
    name = [w for w in rest.split(" ") if w.casefold() not in LEXICON.titles_before_names]
    return is_known_place(head) and (" " in head or len(name) > 1)


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


def _link_target(r: _Resolved, targets: list[_Resolved]) -> _Resolved | None:
    """The longest full name of the same type containing this mention's words (Peskov ->
    Dmitry Peskov); a bare surname of any non-gazetteer type joins the person; ORG acronyms
    join the ORG they abbreviate."""
    words = r.name.split(" ")
    best = None
    for t in targets:
        twords = t.name.split(" ")
        if len(twords) <= len(words) or t.name == r.name:
            continue
        same = (
            t.type == r.type
            and _contains(twords, words)
            and not _admin_variant(twords, words)
            and not (r.type == "ORG" and _org_offshoot(twords, words))
            and not (r.type == "LOCATION" and _modified_place(twords, words))
            and not (r.type == "LOCATION" and _facility_of(twords, words, r.name))
        )
        surname = (
            (
                t.type == "PERSON"
                and r.type != "NORP"
                and len(words) == 1
                and (
                    twords[-1] == words[0]
                    or _bare_surname(twords[-1]) == words[0]
                    or fold(twords[-1]) == fold(words[0])  # "Sanchez" for Pedro Sánchez
                )
            )
            or (  # "González Amador" (ORG) for Alberto González Amador: a two-word surname
                t.type == "PERSON"
                and r.type in ("ORG", "LOCATION")
                and len(words) == 2
                and twords[-2:] == words
                and not (r.place_hint or r.cued)
            )
        )
        # "Prabowo" for Prabowo Subianto, "Xi" for Xi Jinping: a family name or a name used
        # alone that opens the full name; not a known place ("Paris" is not Paris Hilton)
        surname = surname or (
            t.type == "PERSON"
            and r.type in ("PERSON", "ORG", "LOCATION")
            and len(words) == 1
            and twords[0] == words[0]
            and not (r.place_hint or r.cued)
        )
        acronym = (
            r.name.isupper()
            and _initials(t.name) == r.name
            and (t.type == r.type == "ORG" or (t.type == "LOCATION" and r.type == "ORG"))
        )  # "PNG" for Papua New Guinea, tagged ORG
        if (same or surname or acronym) and (best is None or _better_target(t, best)):
            best = t
    return best


def _better_target(t: _Resolved, best: _Resolved) -> bool:
    """People take the longest full name (Peskov -> Dmitry Peskov); organisations the shortest
    (Novo -> Novo Nordisk, not Novo Nordisk Foundation; Amnesty -> Amnesty International)."""
    longer = len(t.name.split(" ")) > len(best.name.split(" "))
    if t.type == best.type == "ORG":
        return len(t.name.split(" ")) < len(best.name.split(" "))
    return longer


def link_in_document(items: list[_Resolved], gazetteer: Gazetteer | None = None) -> None:
    """Short mentions take the canonical name of the longest matching full name."""
    targets = {(r.name, r.type): r for r in items if len(r.name.split(" ")) > 1}
    candidates = list(targets.values())
    defined = {r.defines: r for r in items if r.defines}
    if not RULES.enabled("bracketed_short_form"):
        defined = {}
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


def _take_name(r: _Resolved, target: _Resolved, rule: str) -> None:
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

    def __init__(self, candidates: list[_Resolved]) -> None:
        self.order = {id(t): i for i, t in enumerate(candidates)}
        self.by_key: dict[str, list[_Resolved]] = defaultdict(list)
        for t in candidates:
            self._add(t)

    def _add(self, t: _Resolved) -> None:
        words = t.name.split(" ")
        keys = set(words) | {fold(words[-1]), _bare_surname(words[-1]), "^" + _initials(t.name)}
        for key in keys:
            self.by_key[key].append(t)

    def renamed(self, t: _Resolved) -> None:
        if id(t) in self.order and " " in t.name:
            self._add(t)

    def pool(self, r: _Resolved) -> list[_Resolved]:
        first = r.name.split(" ", 1)[0]
        found = {id(t): t for t in self.by_key.get(first, ())}
        if " " not in r.name:
            found.update((id(t), t) for t in self.by_key.get(fold(first), ()))
        if r.name.isupper():
            found.update((id(t), t) for t in self.by_key.get("^" + r.name, ()))
        if len(found) < 2:
            return list(found.values())
        return sorted(found.values(), key=lambda t: self.order[id(t)])


def _link_known_company(r: _Resolved, candidates: list[_Resolved]) -> None:
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


CUED_WEIGHT = 3  # a mention typed by the words around it outvotes the model's guesses
FIXED_WEIGHT = 10  # the gazetteer outvotes both
Step = Callable[[list[_Resolved], Gazetteer], None]
_STEPS: list[tuple[str, Step]] = []


def _step(kind: str, name: str) -> Callable[[Step], Step]:
    """Register a pass over an article's mentions as rule `name`; `link` runs them in order."""

    def add(fn: Step) -> Step:
        RULES.register(kind, name)(fn)
        _STEPS.append((name, fn))
        return fn

    return add


def _retyped(r: _Resolved, etype: str, rule: str) -> None:
    r.type, r.rule = etype, rule


def _renamed(r: _Resolved, name: str, rule: str) -> None:
    r.name = name
    r.linked_by.append(rule)


@_step("type", "same_name_vote")
def _vote_types(items: list[_Resolved], gazetteer: Gazetteer) -> None:
    """The same unresolved surface gets one type per article: the most frequent one."""
    votes: dict[str, Counter] = defaultdict(Counter)
    cued: dict[str, set[str]] = defaultdict(set)
    for r in items:
        if not r.fixed:
            votes[r.name][r.type] += CUED_WEIGHT if r.cued else 1
            if r.cued:
                cued[r.name].add(r.type)
    for r in items:
        if not r.fixed:
            counts, evidence = votes[r.name], cued[r.name]
            # at a tie, the words around a mention beat the model ("Brazilian planemaker
            # Embraer" against three "Embraer" the model read as a person)
            best = max(counts, key=lambda t: (counts[t], t in evidence, -_TYPE_PRIORITY.get(t, 9)))
            if best != r.type:
                _retyped(r, best, "same_name_vote")


@_step("type", "listed_with_person_or_organisation")
def _listed_with_people(items: list[_Resolved], gazetteer: Gazetteer) -> None:
    """A name listed right next to another ("Kylian Mbappe and Jude Bellingham", "Jetstar and
    Virgin Australia") is likely of the same kind."""
    for r in items:
        if r.partner is not None:
            if RULES.enabled("listed_with_person"):
                _listed_with_person(r, r.partner)
            if RULES.enabled("listed_with_organisation"):
                _listed_with_org(r, r.partner)


RULES.declare("type", "listed_with_person")
RULES.declare("type", "listed_with_organisation")


def _listed_with_person(r: _Resolved, p: _Resolved) -> None:
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


def _listed_with_org(r: _Resolved, p: _Resolved) -> None:
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
def _drop_nationality_prefix(items: list[_Resolved], gazetteer: Gazetteer) -> None:
    """ "Pakistani Supreme Court" in an article that names the "Supreme Court": the same
    organisation, the nationality word the model took in aside."""
    orgs = {r.name for r in items if r.type == "ORG" and " " in r.name}
    if len(orgs) < 2:
        return
    for r in items:
        first, _, rest = r.name.partition(" ")
        if r.type != "ORG" or r.fixed or rest not in orgs:
            continue
        entry = gazetteer.lookup(first)
        if looks_like_demonym(first) or (entry is not None and entry.type == "NORP"):
            _renamed(r, rest, "nationality_prefix_dropped")


_step("link", "linked_in_document")(link_in_document)


@_step("link", "known_as")
def _known_as_names(items: list[_Resolved], gazetteer: Gazetteer) -> None:
    """ "Whenua Hou, also known as Codfish Island": one place, its first name, for every
    mention of the second name ("the Ghana Cocoa Board, known as Cocobod ... Cocobod's")."""
    known_as = {r.name: r.alias_of.name for r in items if r.alias_of is not None and not r.fixed}
    for r in items:
        if r.name in known_as and not r.fixed:
            _renamed(r, known_as[r.name], "known_as")


@_step("type", "known_place_not_a_person")
def _retype_as_place(items: list[_Resolved], gazetteer: Gazetteer) -> None:
    """A known place name that did not turn out to be part of a person's name (or, after "in",
    an organisation's), and a one-word "person" nobody named after "flew evacuees to"."""
    moved_to = RULES.enabled("moved_to_place")
    for r in items:
        if r.place_hint and not (r.fixed or r.cued) and r.name == r.surface and (
            r.type == "PERSON" or (r.type == "ORG" and r.place_hint == "locative")
        ):  # fmt: skip
            _retyped(r, "LOCATION", "known_place_not_a_person")
        elif (
            moved_to and r.moved_to and r.type == "PERSON" and r.name == r.surface and not r.titled
        ):
            _retyped(r, "LOCATION", "moved_to_place")


RULES.declare("type", "moved_to_place")


@_step("type", "plural_place_noun_after_list")
def _plural_places(items: list[_Resolved], gazetteer: Gazetteer) -> None:
    """ "the Ravi, Sutlej and Chenab rivers": every member is a place."""
    for r in items:
        if r.plural_place and (r.fixed is False or r.type == "LOCATION"):
            p: _Resolved | None = r
            while p is not None and not p.fixed:
                _retyped(p, "LOCATION", "plural_place_noun_after_list")
                p.cued = True
                p = p.partner


@_step("type", "listed_with_place")
def _listed_with_places(items: list[_Resolved], gazetteer: Gazetteer) -> None:
    for r in items:
        if _listed_with_place(r):
            _retyped(r, "LOCATION", "listed_with_place")


def _listed_with_place(r: _Resolved) -> bool:
    """An organisation or one-word person listed right after a place ("hospitals in Sagaing and
    Naypyidaw", "Paiporta and Chiva"): a known place name always, any name when the list
    follows a preposition of place. Not when evidence around the name typed it."""
    p = r.partner
    if r.fixed or r.cued or p is None or p.type != "LOCATION" or r.name != r.surface:
        return False
    if r.type not in ("ORG", "PERSON", "NORP"):
        return False
    if r.type == "PERSON" and " " in r.name and (looks_like_person(r.name) or not p.cued):
        return False  # "Gia Lai and Dak Lak" after "provinces including"; not "Ana Lopez"
    return bool(r.place_hint) or p.locative or p.cued or bool(p.partner and p.partner.locative)


_step("type", "same_name_vote")(_vote_types)


def link(mentions: Sequence[Mention], gazetteer: Gazetteer) -> list[LinkedEntity]:
    """Canonical entities of one article, most mentioned first."""
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
        _add_evidence(entity, Evidence(r.type, weight, r.rule), r.linked_by)
        if r.surface not in entity.surface_forms:
            entity.surface_forms.append(r.surface)
    for name, entity in by_name.items():
        entity.type = _most_votes(votes[name])
    fixed = {r.name for r in items if r.fixed or r.titled}
    if RULES.enabled("lone_word_person_dropped"):
        by_name = {n: e for n, e in by_name.items() if not _lone_word_person(e, fixed)}
    return sorted(by_name.values(), key=lambda e: (-e.mentions, e.name))


def _add_evidence(entity: LinkedEntity, evidence: Evidence, linked_by: list[str]) -> None:
    if evidence not in entity.evidence:
        entity.evidence += (evidence,)
    entity.linked_by += tuple(n for n in linked_by if n not in entity.linked_by)


def _most_votes(counts: Counter) -> str:
    """The type with the most weighted votes; at a tie a person, then a place, then an org."""
    return max(counts, key=lambda t: (counts[t], -_TYPE_PRIORITY.get(t, 9)))


RULES.declare("type", "lone_word_person_dropped")


def _lone_word_person(entity: LinkedEntity, fixed: set[str]) -> bool:
    """A one-word PERSON that no full name in the article and no gazetteer entry explains:
    news introduces people by their full name, so this is nearly always a model error
    ("Flash floods", "Turnout in Nuuk", half of "Hun Sen"). Mononyms go in the gazetteer."""
    return entity.type == "PERSON" and " " not in entity.name and entity.name not in fixed


def document_fields(entities: Sequence[LinkedEntity]) -> dict:
    """The document fields: entities, persons / organizations / locations, entity_aliases."""
    fields: dict = {"entities": [e.to_dict() for e in entities]}
    for etype, key in FACETS.items():
        fields[key] = [e.name for e in entities if e.type == etype]
    aliases: list[str] = []
    for e in entities:
        for alias in (e.name, *e.surface_forms, *e.aliases):
            if alias not in aliases:
                aliases.append(alias)
    fields["entity_aliases"] = aliases
    return fields
