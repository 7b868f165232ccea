"""The forms of names: a surface cleaned of titles, quotes and scores, split into the names it
joins, its tokens and its head words. Shared by the type rules and the linker."""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Sequence

from newsflow.pipeline.entities.gazetteer import Gazetteer, normalise
from newsflow.pipeline.entities.lexicon import LEXICON
from newsflow.pipeline.entities.names import looks_like_person
from newsflow.pipeline.entities.ner import ROMAN_NUMERALS, Mention
from newsflow.pipeline.entities.places import is_known_place
from newsflow.pipeline.entities.rules import RULES

THE = re.compile(r"^the\s+", re.IGNORECASE)
_TOKEN = re.compile(r"\w(?:[\w'&-]|\.(?=\w))*|[^\w\s]")


def tokens(text: str) -> list[str]:
    return list(_cached_tokens(text))


@functools.lru_cache(maxsize=8192)
def _cached_tokens(text: str) -> tuple[str, ...]:
    """The same context strings are tokenised by many rules: once each."""
    return tuple(_TOKEN.findall(text.replace("\u2019", "'")))


def looks_like_demonym(surface: str) -> bool:
    """'Ukrainian', 'Europeans', 'British': an adjective or people, never a place."""
    word = surface.casefold()
    return " " not in word and word.endswith(LEXICON.demonym_endings.in_order)


def head_type(words: list[str]) -> str | None:
    """The type a name's own last word gives it (Bank, Party -> ORG; Stadium, River -> place)."""
    last = words[-1].rstrip(".")
    if last in LEXICON.organisation_heads or any(w in LEXICON.organisation_markers for w in words):
        return "ORG"
    return "LOCATION" if last in LEXICON.place_heads else None


def head_before_of(words: list[str]) -> str:
    """ "Court" in "U.S. Court of Appeals for the Federal Circuit"; "" with no "of"/"for"."""
    for i, word in enumerate(words[1:], 1):
        if word in ("of", "for"):
            return words[i - 1].rstrip(".")
    return ""


def is_acronym_word(word: str) -> bool:
    letters = word.replace(".", "")
    return (
        len(letters) >= 3 and letters.isalpha() and letters.isupper() and word not in ROMAN_NUMERALS
    )


def after_locative(prev: str) -> bool:
    """ "in Bangkok", "at the Chatuchak site", "In Bangkok": a preposition of place before."""
    words = [w.casefold() for w in tokens(prev)]
    if words and words[-1] == "the":
        words.pop()
    if len(words) >= 2 and words[-1] == "in" and words[-2] in LEXICON.not_place_in_words:
        return False  # "a stake in Hensoldt", "shares in Leonardo"
    return bool(words) and words[-1] in LEXICON.locative_prepositions


_COMPOUND = re.compile(r"^[A-Z][\w.']*(?:\s*[-\u2013\u2014/]\s*[A-Z][\w.']*)+$")
_COMPOUND_SPLIT = re.compile(r"\s*[-\u2013\u2014/]\s*")
_EDGE_PUNCT = "\"'`()[]{}<>,;:!?*|-\u201c\u201d\u2018\u2019\u2022\u00b7\u2013\u2014 \t"
_NICKNAME = re.compile(r"^[\"\u201c].+[\"\u201d]$")
_POSSESSIVE = re.compile(r"'s?$")
_COORDINATION = re.compile(r"\s*(?:,\s*and\s+|,\s*|\s+and\s+)")
_SPACES = re.compile(r"\s+")
_SCORE = re.compile(r"^\d+-\d+$")
_DRAW_GROUP = re.compile(r"^(?:Group|Pool) [A-L]$")


_PREFIX = "prefix_trimmed_from_name"
RULES.declare("link", _PREFIX)


def clean_surface(text: str, label: str) -> str:
    """Trim quotes, punctuation, 'the' and a prefix ("non-NATO"); for people leading titles, for people and
    organisations trailing common nouns ("the MoDem party" -> "MoDem")."""
    text = _SPACES.sub(" ", text.replace("\u2019", "'")).strip(_EDGE_PUNCT)
    text = THE.sub("", text).strip(_EDGE_PUNCT)
    prefix, _, rest = text.partition("-")
    if prefix in LEXICON.prefixes_before_names and rest[:1].isupper() and RULES.enabled(_PREFIX):
        text = rest  # "a non-NATO ally": NATO
    words = text.split(" ")
    if label == "PERSON":
        words = [w for w in words if not _NICKNAME.match(w)]  # Jorge "Tuto" Quiroga
        while len(words) > 1 and (
            words[0].casefold() in LEXICON.titles_dropped_from_names or words[0][:1].islower()
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


def is_known_name(name: str, gazetteer: Gazetteer) -> bool:
    """In the gazetteer or the list of places."""
    return gazetteer.lookup(name) is not None or is_known_place(name)


def compound_demonym(surface: str, gazetteer: Gazetteer) -> bool:
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
    article); 'Coca-Cola', 'Procter and Gamble' and a known place ('Xai-Xai') stay whole."""
    if gazetteer.lookup(surface) is not None:
        return [surface]
    if _COMPOUND.match(surface) and not is_known_place(surface):
        parts = [p for p in _COMPOUND_SPLIT.split(surface) if p]
        if (
            parts[0] in LEXICON.hyphenated_name_openers
        ):  # "Al-Balad", "Abu-Dhabi": one name, its article
            return [surface]
    elif " and " in surface or ", " in surface:  # "Mombasa, Kisumu", "Paris, France"
        parts = [p for p in _COORDINATION.split(surface) if p]
    else:
        return [surface]

    if len(parts) > 1 and all(
        p[:1].isupper() and (known[p] > 0 or is_known_name(p, gazetteer)) for p in parts
    ):
        return parts
    return [surface]


def known_words(mentions: Sequence[Mention]) -> Counter:
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


def only_titles(surface: str) -> bool:
    """ "Solicitor General", "Chief Executive": a title with no name."""
    return all(
        w.casefold().rstrip(".") in LEXICON.titles_dropped_from_names for w in surface.split(" ")
    )


def is_nationality_word(word: str, gazetteer: Gazetteer) -> bool:
    entry = gazetteer.lookup(word)
    return (entry is not None and entry.type == "NORP") or looks_like_demonym(word)


def strip_demonym(surface: str, gazetteer: Gazetteer) -> str:
    """ "Kenyan Dorcas Ewoi" -> "Dorcas Ewoi": a nationality word the model took into a name."""
    first, _, rest = surface.partition(" ")
    if " " not in rest:
        return surface
    if is_nationality_word(first, gazetteer):
        return rest
    if first.endswith("an") and (is_known_place(first[:-1]) or is_known_place(first[:-2])):
        return rest  # Kenyan, Nigerian, Chilean
    return surface
