"""Mention finders: rules that find names the model missed, one function each, in a registry.

Every finder has one signature, `(doc, text, spans) -> [(start, end, label)]`: the spaCy Doc,
the text it was made from and the model's entity spans (token offsets, with `.taken`, the token
indexes they cover); it returns new token spans. Each is registered as a "finder" rule under the
name `Mention.rule` records and `RULES.disabled` switches off; MentionFinder runs them in
registration order (the order breaks ties between equal spans).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from newsflow.pipeline.entities.lexicon import LEXICON
from newsflow.pipeline.entities.names import given_names
from newsflow.pipeline.entities.places import is_known_place
from newsflow.pipeline.entities.rules import RULES

TokenSpan = tuple[int, int, str]
APPOSITION = "APPOSITION"  # label of a capitalised name the model missed, before ", the ..."
CUED_ORG = "CUED_ORG"  # label of a name the model missed after an organisation word


class Spans(list):
    """The model's (start, end, label) spans with the token indexes they cover, computed once
    for all the finders (read only)."""

    taken: set[int]

    def __init__(self, spans):
        super().__init__(spans)
        self.taken = {i for start, end, _ in self for i in range(start, end)}


def is_cap_word(token) -> bool:
    return token.is_alpha and token.text[:1].isupper()


def name_part(token) -> bool:
    return (
        token.text[:1].isupper()
        and token.text not in LEXICON.not_name_words
        and token.text not in LEXICON.roman_numerals
        and all(c.isalpha() or c in "-'" for c in token.text)
    )


# Patterns open with a literal or a letter, not "\b" or a look-behind, so that the regex engine
# can skip ahead to candidate positions; the word boundary before is checked by _word_start.
def _word_start(text: str, i: int) -> bool:
    """Position i opens a word (what a leading \b would have checked)."""
    return i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")


def _free_span(doc, start: int, end: int, taken: set[int]):
    """The tokens of text[start:end] when they line up with tokens no span holds, else None."""
    span = doc.char_span(start, end)
    return None if span is None or any(t.i in taken for t in span) else span


def _opens_no_name(token) -> bool:
    """A stop word, an adverb or a word that opens no name ("However", "Separately", "Monday")."""
    return (
        token.is_stop
        or token.text in LEXICON.not_name_words
        or token.text in LEXICON.discourse_words
    )


def _keyword_ends(text: str, keywords: Sequence[str], word_end: bool = False) -> list[int]:
    """Where each keyword starts in the text (str.find: far cheaper than a regex that would
    try every capital letter); word_end: only where no letter follows the keyword."""
    found = []
    for keyword in keywords:
        i = text.find(keyword)
        while i >= 0:
            after = i + len(keyword)
            if not (word_end and after < len(text) and text[after].isalnum()):
                found.append(i)
            i = text.find(keyword, i + 1)
    return sorted(found)


def _names_ending_at(text: str, ends: list[int], pattern: re.Pattern) -> list[tuple[int, int]]:
    """The capitalised run of words (pattern, anchored with $) that ends at each position."""
    found = []
    for end in ends:
        match = pattern.search(text, max(0, end - 90), end)
        while match is not None and not _word_start(text, match.start()):
            match = pattern.search(text, match.start() + 1, end)
        if match is not None:
            found.append((match.start(), end))
    return found


@RULES.register("finder", "places_before_titles")
def places_before_titles(doc, text: str, spans: Spans) -> list[TokenSpan]:
    """ "Ontario Premier Doug Ford" where the model saw only the person: a known place name just
    before the person's title is a place of its own."""
    taken = spans.taken
    found = []
    for start, _end, label in spans:
        if label != "PERSON" or start < 2 or doc[start - 1].lower_ not in LEXICON.title_words:
            continue
        place = doc[start - 2]
        if place.i in taken or not is_cap_word(place) or not is_known_place(place.text):
            continue
        if start >= 3 and is_cap_word(doc[start - 3]):  # "New Ontario Premier": not sure
            continue
        found.append((start - 2, start - 1, "GPE"))
    return found


# A person's title or role just before a name ("Chief Executive Guillaume Faury").
_NAME_WORD = r"[A-Z][\w'-]*[a-z][\w'-]*"


_TITLED_PERSON = re.compile(
    r"[ \n\"\u201c(](?:" + "|".join(LEXICON.titles_before_names.in_order) + r") (" + _NAME_WORD + r"(?: " + _NAME_WORD
    + r"){1,2})\b(?! [A-Z])"
)  # fmt: skip


@RULES.register("finder", "names_after_titles")
def names_after_titles(doc, text: str, spans: Spans) -> list[TokenSpan]:
    """ "Airbus Chief Executive Guillaume Faury apologised", "army chief Field Marshal Asim
    Munir" where the model saw no person: two or three capitalised words right after a
    person's title are a person (not words that name an organisation or a place)."""
    found = []
    for match in _TITLED_PERSON.finditer(" " + text):  # the title opens a word: a space before
        span = _free_span(doc, match.start(1) - 1, match.end(1) - 1, spans.taken)
        if span is None or any(
            t.text in LEXICON.not_name_words
            or t.text in LEXICON.organisation_words_ending_names
            or t.text in LEXICON.place_words_ending_names
            or t.text in LEXICON.corporate_words
            or t.lower_ in LEXICON.title_words
            for t in span
        ):
            continue
        found.append((span.start, span.end, "PERSON"))
    return found


_APPOSITION = re.compile(r"[A-Z][\w'&-]+(?: [A-Z][\w'&-]+){0,2}$")


_APPOSITION_OPENERS = tuple(f", {w} " for w in LEXICON.apposition_openers.in_order)


@RULES.register("finder", "names_before_appositions")
def names_before_appositions(doc, text: str, spans: Spans) -> list[TokenSpan]:
    """ "Unifor, the largest private-sector union": a capitalised name the model missed, followed
    by an apposition. The linker types it by the apposition's head noun, or drops it."""
    found = []
    ends = _keyword_ends(text, _APPOSITION_OPENERS)
    for start, end in _names_ending_at(text, ends, _APPOSITION):
        span = _free_span(doc, start, end, spans.taken)
        if span is None or _opens_no_name(span[0]) or span[0].text.endswith("ly"):
            continue  # "However, the union ...", "Separately, the regulator ..."
        found.append((span.start, span.end, APPOSITION))
    return found


_CUED_NAME = re.compile(
    r" (?:"
    + "|".join(LEXICON.organisation_words_before_names.in_order)
    + r") ([A-Z][\w'&+-]*(?: [A-Z][\w'&+-]*){0,2})"
)


_PARTY_NAME = re.compile(r"[A-Z][\w'-]+(?: [A-Z][\w'-]+){0,2}$")


_PARTY_WORDS = tuple(f" {w}" for w in LEXICON.political_group_nouns.in_order)


@RULES.register("finder", "organisations_after_cue_words")
def organisations_after_cue_words(doc, text: str, spans: Spans) -> list[TokenSpan]:
    """ "public broadcaster Kan", "Austrian broadcaster ORF": a capitalised name the model
    missed right after a lower-case word that says it is an organisation."""
    names = [(m.start(1), m.end(1)) for m in _CUED_NAME.finditer(text)]
    return _cued(doc, names, spans, party=False)


@RULES.register("finder", "parties_before_party_words")
def parties_before_party_words(doc, text: str, spans: Spans) -> list[TokenSpan]:
    """ "the Demokraatit party": a capitalised name the model missed before "party"."""
    names = _names_ending_at(text, _keyword_ends(text, _PARTY_WORDS, True), _PARTY_NAME)
    return _cued(doc, names, spans, party=True)


def _cued(doc, names: list[tuple[int, int]], spans: Spans, party: bool) -> list[TokenSpan]:
    found = []
    for start, end in names:
        span = _free_span(doc, start, end, spans.taken)
        if span is None:
            continue
        first = span[0]
        if first.lower_ in LEXICON.title_words or first.text in LEXICON.not_name_words:
            continue  # "central bank Governor ...", "the company The ..."
        if first.is_stop:
            continue
        if party and len(span) == 1 and first.lower_.endswith(LEXICON.adjective_endings.in_order):
            continue  # "the Democratic party", "the Conservative party": an adjective
        found.append((span.start, span.end, CUED_ORG))
    return found


@RULES.register("finder", "organisations_before_titles")
def organisations_before_titles(doc, text: str, spans: Spans) -> list[TokenSpan]:
    """ "ECOWAS Commission President Omar Alieu Touray" where the model saw only the person: the
    capitalised name ending in an organisation word just before the title is an organisation."""
    taken = spans.taken
    found = []
    for start, _end, label in spans:
        if label != "PERSON" or start < 2 or doc[start - 1].lower_ not in LEXICON.title_words:
            continue
        last = start - 2
        if last in taken or doc[last].text not in LEXICON.organisation_words_ending_names:
            continue
        first = last
        while first > 0 and first - 1 not in taken and is_cap_word(doc[first - 1]):
            first -= 1
        if first < last:
            found.append((first, last + 1, "ORG"))
    return found


_SURNAME_BEFORE = re.compile(r"[A-Z][a-z]+ \S+$")  # "Kuldeep" + the surname


@RULES.register("finder", "names_sharing_a_surname")
def names_sharing_a_surname(doc, text: str, spans: Spans) -> list[TokenSpan]:
    """ "Spinner Kuldeep Yadav" the model missed in an article that names Suryakumar Yadav: a
    capitalised word before the surname of a person the model found is another person of
    that name (not a title, a weekday or a sentence opener like "When"). A person the model
    found only by one word ("Sinner") is named in full where a common given name opens the
    pair the model missed ("Jannik Sinner", after a headline that threw the model off)."""
    persons = [(s, e) for s, e, label in spans if label == "PERSON" and doc[e - 1].is_alpha]
    full = {doc[e - 1].text for s, e in persons if e - s > 1}
    surnames = full | {doc[s].text for s, e in persons if e - s == 1}
    found = []
    for surname in sorted(surnames):  # str.find, not a regex built for every article
        ends = [i + 1 + len(surname) for i in _keyword_ends(text, (" " + surname,), True)]
        for start, end in _names_ending_at(text, ends, _SURNAME_BEFORE):
            span = _free_span(doc, start, end, spans.taken)
            if span is None or len(span) != 2 or _opens_no_name(span[0]):
                continue
            if surname not in full and span[0].text not in given_names():
                continue
            lower = span[0].lower_
            if lower in LEXICON.title_words or lower in LEXICON.title_abbreviations:
                continue
            found.append((span.start, span.end, "PERSON"))
    return sorted(found)


@RULES.register("finder", "names_after_nationalities")
def names_after_nationalities(doc, text: str, spans: Spans) -> list[TokenSpan]:
    """ "Republican Curtis Sliwa", "Kenyan Dorcas Ewoi" where the model saw only the NORP: a
    common given name and one or two capitalised words right after it are a person."""
    taken = spans.taken
    found = []
    for _start, end, label in spans:
        if label != "NORP" or end + 1 >= len(doc) or end in taken:
            continue
        if doc[end].text not in given_names() or doc[end - 1].whitespace_ != " ":
            continue
        stop = end + 1
        while stop < len(doc) and stop - end <= 2 and stop not in taken and name_part(doc[stop]):
            if doc[stop - 1].whitespace_ != " ":
                break
            stop += 1
        if stop > end + 1:
            found.append((end, stop, "PERSON"))
    return found


_LIST_MEMBER = re.compile(
    r"(?<=, )([A-Z][\w&'.-]*[a-zA-Z](?: [A-Z][\w&'.-]*[a-zA-Z])?)(?=, | and | or )"
)


@RULES.register("finder", "organisations_listed_between_organisations")
def organisations_listed_between_organisations(doc, text: str, spans: Spans) -> list[TokenSpan]:
    """ "platforms run by Meta, TikTok, Snap, Google and others": a capitalised name the model
    missed in a comma list between two organisations is one too."""
    if ", " not in text:
        return []
    labels = {}
    for start, end, label in spans:
        for i in range(start, end):
            labels[i] = label
    found = []
    for match in _LIST_MEMBER.finditer(text):
        span = doc.char_span(match.start(1), match.end(1))
        if span is None or any(t.i in labels for t in span) or span.start < 2:
            continue
        if span[0].is_stop or span[0].text in LEXICON.not_name_words or span.end + 1 >= len(doc):
            continue
        before, after = labels.get(span.start - 2), labels.get(span.end + 1)
        if before == after == "ORG":
            found.append((span.start, span.end, "ORG"))
    return found


@RULES.register("finder", "organisations_ending_in_places")
def organisations_ending_in_places(doc, text: str, spans: Spans) -> list[TokenSpan]:
    """ "Amnesty International Kenya said", "the industry body Offshore Energies UK said": a
    country or place the model found right after an organisation of two or more words, or
    after two or three capitalised words no entity took, ends an organisation's name (not in
    the headline, not before another capitalised word or a possessive)."""
    by_end = {end: (start, label) for start, end, label in spans}
    taken = spans.taken
    headline_end = text.find("\n")
    found = []
    for start, end, label in spans:
        if label != "GPE" or start < 2:
            continue
        before = doc[start - 1]
        if not (by_end.get(start, ("", ""))[1] == "ORG" or is_cap_word(before)):
            continue  # most places follow "in", "of", a comma: nothing to look at
        if before.whitespace_ != " " or doc[start].idx < headline_end:
            continue
        if end < len(doc) and (is_cap_word(doc[end]) or doc[end].text in ("'s", "\u2019s")):
            continue
        org_start, org_label = by_end.get(start, (start, ""))
        if org_label == "ORG" and start - org_start >= 2:  # not "told Reuters Ukraine had"
            found.append((org_start, end, "ORG"))
            continue
        first = start
        while (
            first > 0
            and start - first < 3
            and first - 1 not in taken
            and is_cap_word(doc[first - 1])
            and doc[first - 1].whitespace_ == " "
        ):
            first -= 1
        words = doc[first:start]
        if len(words) < 2 or any(
            _opens_no_name(w) or w.lower_ in LEXICON.title_words or is_known_place(w.text)
            for w in words
        ):
            continue
        found.append((first, end, "ORG"))
    return found
