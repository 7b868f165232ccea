"""Type evidence: registered rules that read what kind of thing a name is from its own words
and the words around it.

Each rule returns `Evidence(type, weight, rule)` or None. The rules of a `RuleChain` are
registered strongest first with falling weights, so the first rule that finds evidence is the
one `vote` would pick from all of them: the chain stops there (the hot path runs once per
mention). Every rule can be switched off by name (`RULES.disabled`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from newsflow.pipeline.entities.lexicon import LEXICON
from newsflow.pipeline.entities.names import looks_like_person
from newsflow.pipeline.entities.ner import BODY_NOUNS
from newsflow.pipeline.entities.places import is_known_place
from newsflow.pipeline.entities.rules import RULES, Evidence
from newsflow.pipeline.entities.surfaces import (
    after_locative,
    head_before_of,
    is_acronym_word,
    looks_like_demonym,
    tokens,
)

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


TypeFinder = Callable[[Context], "str | Evidence | None"]


class RuleChain:
    """Type rules tried strongest first; the first to find evidence decides."""

    def __init__(self, top: float) -> None:
        self.rules: list[tuple[str, Callable[[Context], Evidence | None]]] = []
        self._weight = top

    def rule(self, finder: TypeFinder) -> Callable[[Context], Evidence | None]:
        """Register `finder` (a type, or a sub-chain's evidence) as the next, weaker rule."""
        name, weight = finder.__name__, self._weight
        self._weight -= 1

        def evidence(ctx: Context) -> Evidence | None:
            found = finder(ctx)
            if isinstance(found, Evidence):
                return Evidence(found.type, weight, f"{name}:{found.rule}")
            return Evidence(found, weight, name) if found else None

        RULES.register("type", name)(evidence)
        self.rules.append((name, evidence))
        return evidence

    def first(self, ctx: Context) -> Evidence | None:
        for name, rule in self.rules:
            if RULES.enabled(name):
                found = rule(ctx)
                if found is not None:
                    return found
        return None

    def type(self, ctx: Context) -> str | None:
        found = self.first(ctx)
        return found.type if found else None


# The word just before a name: a lower-case kind of organisation or place ("copper producer",
# "the village of"; lower-case, so a capitalised "Secretary of State" is no place cue), or a
# person's title or role in any case ("Prime Minister", "police chief", "finance minister,").
CUE_BEFORE = RuleChain(50)


@CUE_BEFORE.rule
def organisation_cue_word(ctx: Context) -> str | None:
    words = ctx.before
    if not words or words[-1].casefold() not in LEXICON.organisation_cue_words:
        return None
    if words[-1] == "giant" and len(words) >= 2 and words[-2].casefold() in LEXICON.determiners:
        return None  # "Rival Newmont" opens a sentence; "its giant X expansion" is no company
    return "ORG"


@CUE_BEFORE.rule
def holding_in(ctx: Context) -> str | None:
    """ "a stake in Hensoldt", "shares of Barrick"."""
    words = ctx.before
    owned = len(words) >= 2 and words[-1] in ("in", "of") and words[-2] in LEXICON.ownership_words
    return "ORG" if owned else None


@CUE_BEFORE.rule
def plural_organisation_list(ctx: Context) -> str | None:
    """ "power companies including Iberdrola", "lenders such as HSBC" (not "rivals such as",
    which may be people)."""
    words = ctx.before
    if words[-2:] == ["such", "as"]:
        words = words[:-1]
    elif not (len(words) >= 2 and words[-1] in ("including", "like", "as")):
        return None
    noun = words[-2].casefold() if len(words) >= 2 else ""
    single = singular(noun)
    listed = noun != single and single in LEXICON.organisation_cue_words and single != "rival"
    return "ORG" if listed else None


@CUE_BEFORE.rule
def staff_at(ctx: Context) -> str | None:
    """ "analysts at Jefferies", "economists at Westpac"."""
    words = ctx.before
    staff = (
        len(words) >= 2
        and words[-1] in ("at", "from")
        and words[-2].casefold() in LEXICON.staff_at_words
    )
    return "ORG" if staff else None


@CUE_BEFORE.rule
def place_cue_word(ctx: Context) -> str | None:
    """ "the city Kherson", "the village of Blatten", "residents of Flin Flon"."""
    words = ctx.before_of
    if not words:
        return None
    if words[-1] in LEXICON.place_cue_words:
        return "LOCATION"
    of = words[-2].casefold() if len(words) >= 2 and words[-1] == "of" else ""
    cued = (
        of in LEXICON.place_cue_words
        or of in LEXICON.place_of_words
        or of in LEXICON.place_kinds_plural
    )
    return "LOCATION" if of and cued else None


@CUE_BEFORE.rule
def plural_place_list(ctx: Context) -> str | None:
    """ "provinces including", "coastal states such as", "cities like": a list of places."""
    words = ctx.before_of
    listed = (len(words) >= 2 and words[-1] in ("including", "like") and words[-2] in LEXICON.place_kinds_plural) or (
        len(words) >= 3 and words[-2:] == ["such", "as"] and words[-3] in LEXICON.place_kinds_plural
    )  # fmt: skip
    return "LOCATION" if listed else None


@CUE_BEFORE.rule
def place_noun_at(ctx: Context) -> str | None:
    """ "the mine at Panguna", "a refinery near X"."""
    words = ctx.before_of
    at = len(words) >= 2 and words[-1] in ("at", "near") and words[-2] in LEXICON.place_nouns_after
    return "LOCATION" if at else None


@CUE_BEFORE.rule
def person_cue_word(ctx: Context) -> str | None:
    words = ctx.before_of
    if words[-1:] == [","]:
        words = words[:-1]
    return "PERSON" if words and words[-1].casefold() in LEXICON.person_cue_words else None


# The words just after a name: "-based" and a lower-case place noun ("Reykjanes peninsula")
# make a place; a club or company role ("Liverpool manager", "Liverpool's academy") an
# organisation; an apposition's head noun ("Adif, the track operator", "Nuuk, the capital")
# whatever it names.
CUE_AFTER = RuleChain(40)


@CUE_AFTER.rule
def based_in(ctx: Context) -> str | None:
    """ "Suwon-based"."""
    return "LOCATION" if ctx.following[:2] == ["-", "based"] else None


@CUE_AFTER.rule
def organisation_people_after(ctx: Context) -> str | None:
    """ "Liverpool manager", "Liverpool's academy" (not "Djokovic's coach")."""
    words = (
        LEXICON.organisation_possessions if ctx.possessive else LEXICON.organisation_people_after
    )
    return "ORG" if ctx.following[:1] and ctx.following[0] in words else None


@CUE_AFTER.rule
def chief_title_after(ctx: Context) -> str | None:
    """ "Google Cloud chief executive"."""
    return "ORG" if " ".join(ctx.following[:2]).casefold() in LEXICON.chief_titles_after else None


@CUE_AFTER.rule
def place_noun_after(ctx: Context) -> str | None:
    """ "Reykjanes peninsula", "La Moneda palace"."""
    words = ctx.following
    return (
        "LOCATION"
        if not ctx.possessive and words[:1] and words[0] in LEXICON.place_nouns_after
        else None
    )


@CUE_AFTER.rule
def apposition_after(ctx: Context) -> str | None:
    """ "Adif, the track operator", "Moniepoint, one of Nigeria's largest banks", "Flamengo
    became the first Brazilian club to ..."."""
    words = ctx.following
    if ctx.possessive or not words:
        return None
    if words[0] == "," and len(words) > 2 and words[1] in ("the", "a", "an", "another"):
        return apposition(words[2:])
    if words[:3] == [",", "one", "of"] and len(words) > 3:
        return apposition(words[3:], plural=True)
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


# A name the gazetteer does not know: first its own form ("Ukrainian", "COP30").
NAME_FORM = RuleChain(100)


@NAME_FORM.rule
def demonym_form(ctx: Context) -> str | None:
    return "NORP" if looks_like_demonym(ctx.surface) else None


@NAME_FORM.rule
def climate_conference(ctx: Context) -> str | None:
    """ "COP30": a UN climate conference."""
    return "EVENT" if _CLIMATE_CONFERENCE.match(ctx.surface) else None


# A name the model read as a nationality: "Pakistan's Punjab province", "the towns of Liloan".
NORP_CONTEXT = RuleChain(90)


def _cue_near(ctx: Context) -> str | None:
    return CUE_BEFORE.type(ctx) or CUE_AFTER.type(ctx)


@NORP_CONTEXT.rule
def nationality_at_place(ctx: Context) -> str | None:
    at_place = len(ctx.words) == 1 and ctx.known_place and after_locative(ctx.prev)
    return "LOCATION" if _cue_near(ctx) == "LOCATION" or at_place else None


@NORP_CONTEXT.rule
def nationality_as_organisation(ctx: Context) -> str | None:
    """ "South Africa's Vodacom, a unit of ..." tagged NORP."""
    one = len(ctx.words) == 1 and not ctx.surface.endswith("s")
    return "ORG" if one and _cue_near(ctx) == "ORG" else None


# Any other name: its own words, then the words before and after it, then a person's name.
CONTEXT = RuleChain(80)


@CONTEXT.rule
def organisation_head_word(ctx: Context) -> str | None:
    """ "Manchester United", "Warner Bros. Discovery"."""
    words = ctx.words
    last = words[-1].rstrip(".")
    marked = any(w in LEXICON.organisation_markers for w in words)
    return "ORG" if (len(words) > 1 and last in LEXICON.organisation_heads) or marked else None


@CONTEXT.rule
def organisation_head_before_of(ctx: Context) -> str | None:
    """ "Court of Appeals for the Federal Circuit": the head is before "of"."""
    return "ORG" if head_before_of(ctx.words) in LEXICON.organisation_heads else None


@CONTEXT.rule
def event_name(ctx: Context) -> str | None:
    """ "Club World Cup", "Storm Boris"."""
    words = ctx.words
    event = words[-1].rstrip(".") in LEXICON.event_heads or words[0] in LEXICON.event_openers
    return "EVENT" if len(words) > 1 and event else None


@CONTEXT.rule
def organisation_opener(ctx: Context) -> str | None:
    """ "Club America", "Pacto Historico", "Grupo Mexico"."""
    return "ORG" if len(ctx.words) > 1 and ctx.words[0] in LEXICON.organisation_openers else None


@CONTEXT.rule
def national_body(ctx: Context) -> str | None:
    """ "Elections Alberta", "Tennis Australia"."""
    words = ctx.words
    body = len(words) > 1 and words[0] in BODY_NOUNS and is_known_place(" ".join(words[1:]))
    return "ORG" if body else None


@CONTEXT.rule
def place_name_word(ctx: Context) -> str | None:
    """ "Bristol Channel", "Mount Semeru"."""
    words = ctx.words
    place = words[-1].rstrip(".") in LEXICON.place_heads or words[0] in LEXICON.place_openers
    return "LOCATION" if len(words) > 1 and place else None


@CONTEXT.rule
def acronym_in_person_name(ctx: Context) -> str | None:
    """ "HBO Max": people's names have no acronyms ("A.M.M. Nasir Uddin" has initials)."""
    words = ctx.words
    acronym = any(is_acronym_word(w) for w in words) and not _INITIALS.match(words[0])
    return "ORG" if ctx.etype == "PERSON" and len(words) > 1 and acronym else None


@CONTEXT.rule
def country_ends_organisation(ctx: Context) -> str | None:
    """ "Virgin Australia", "Cricket Australia": no person's name ends in a country."""
    words = ctx.words
    country = (
        words[-1] in LEXICON.countries_ending_organisations
        and words[0] not in LEXICON.compass_openers
        and not looks_like_person(ctx.surface)
    )
    return "ORG" if ctx.etype == "PERSON" and len(words) > 1 and country else None


@CONTEXT.rule
def stock_index_after(ctx: Context) -> str | None:
    """ "the Merval stock index"."""
    index = " ".join(tokens(ctx.after)[:2]).casefold() in LEXICON.index_phrases_after
    return "PRODUCT" if ctx.etype == "ORG" and index else None


@CONTEXT.rule
def words_before(ctx: Context) -> Evidence | None:
    return CUE_BEFORE.first(ctx)


@CONTEXT.rule
def words_after(ctx: Context) -> Evidence | None:
    return None if ctx.person_like else CUE_AFTER.first(ctx)


@CONTEXT.rule
def data_source_before(ctx: Context) -> str | None:
    """ "ship-tracking data from Kpler", "a survey by Ipsos"."""
    words = [w.casefold() for w in ctx.before[-2:]]
    source = (
        len(words) == 2 and words[1] in ("from", "by") and words[0] in LEXICON.data_source_nouns
    )
    return "ORG" if source and not ctx.person_like else None


@CONTEXT.rule
def person_in_place(ctx: Context) -> str | None:
    """ "hospitals in Khan Younis": people are rarely "in" anything."""
    inside = ctx.before[-1:] in (["in"], ["near"])
    return "LOCATION" if ctx.etype == "PERSON" and not ctx.person_like and inside else None


@CONTEXT.rule
def model_number(ctx: Context) -> str | None:
    """ "the 737 MAX" (not "10,000 National Guard troops": a count)."""
    words = ctx.before
    number = bool(words) and words[-1].isdigit() and len(words[-1]) <= 4
    number = number and (len(words) < 2 or words[-2] != ",")
    return "PRODUCT" if ctx.etype == "ORG" and len(ctx.words) == 1 and number else None


@CONTEXT.rule
def product_noun_after(ctx: Context) -> str | None:
    """ "Patriot missiles", "the KOSPI index"."""
    following = tokens(ctx.after)[:1]
    product = bool(following) and following[0] in LEXICON.product_nouns_after
    return "PRODUCT" if ctx.etype == "ORG" and product else None


@CONTEXT.rule
def full_person_name(ctx: Context) -> str | None:
    """ "Lars Klingbeil": a common given name opens it."""
    words = ctx.words
    person = len(words) > 1 and ctx.etype != "PERSON" and looks_like_person(ctx.surface)
    return "PERSON" if person else None


def retype(ctx: Context) -> Evidence | None:
    """Evidence for a name the gazetteer does not know; None: the model's type stands."""
    return NAME_FORM.first(ctx) or (NORP_CONTEXT if ctx.etype == "NORP" else CONTEXT).first(ctx)
