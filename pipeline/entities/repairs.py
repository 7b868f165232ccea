"""Repairs of the model's own spans: names it cut short on the left or right.

Each repair is a declared "finder" rule (`RULES.enabled(name)` switches it); a span a repair
changed records that repair's name as its rule, an untouched one "model".
"""

from __future__ import annotations

from newsflow.pipeline.entities.finders import Spans, is_cap_word, name_part
from newsflow.pipeline.entities.gazetteer import Gazetteer
from newsflow.pipeline.entities.lexicon import LEXICON
from newsflow.pipeline.entities.names import given_names, looks_like_person
from newsflow.pipeline.entities.places import is_known_place
from newsflow.pipeline.entities.rules import RULES

NAME_LABELS = frozenset({"PERSON", "ORG", "GPE", "LOC", "FAC", "NORP", "EVENT", "PRODUCT"})


RepairedSpan = tuple[int, int, str, str]  # start, end, label, rule
for _rule in (
    "given_name_before_surname", "given_name_opening_name", "person_extends_right",
    "person_extends_left", "surname_after_hyphen", "last_name_after_person",
    "institution_word_after_name", "hyphenated_place", "facility_after_place",
    "known_place_extends", "department_and_tail", "hyphenated_organisation",
    "facility_noun_joins_name", "known_place_after_preposition", "comma_list_of_places",
):  # fmt: skip
    RULES.declare("finder", _rule)


def repair_model_spans(doc, text: str, spans: Spans, gazetteer: Gazetteer) -> list[RepairedSpan]:
    """The model's spans, each cut-short name completed by the first repair that applies."""
    return _extend_spans(doc, _complete_names(doc, text, spans, gazetteer), gazetteer)


def _complete_names(doc, text: str, spans: Spans, gazetteer: Gazetteer) -> list[RepairedSpan]:
    """Names the model cut to one word: a common given name before or after it, or, for a
    one-word PERSON after the headline and not a gazetteer name ("Putin Warns"), the free
    capitalised word next to it that opens no run of capitalised words ("Hun" of "Hun Sen")."""
    headline_end = text.find("\n")
    return [_complete(doc, span, spans.taken, gazetteer, headline_end) for span in spans]


def _complete(
    doc, span: tuple[int, int, str], taken: set[int], gazetteer: Gazetteer, headline_end: int
) -> RepairedSpan:
    start, end, label = span
    misread = label in _MISREAD_LABELS and _on("known_place_after_preposition")
    if misread and _known_place_after_preposition(doc, start, end):
        return start, end, "GPE", "known_place_after_preposition"  # "rallies in Mbarara"
    if _on("given_name_before_surname") and _given_name_before(doc, *span, taken, gazetteer):
        return start - 1, end, "PERSON", "given_name_before_surname"  # "Faith Kipyegon"
    if _on("given_name_opening_name") and _given_name_opens(doc, *span, taken, gazetteer):
        return start, end + 1, "PERSON", "given_name_opening_name"  # "Jelena" + "Ostapenko"
    if (
        label == "PERSON"
        and end - start == 1
        and doc[start].idx > headline_end >= 0
        and doc[start].text[:1].isupper()
        and gazetteer.lookup(doc[start].text) is None
    ):
        if _on("person_extends_right") and _extends_right(doc, end, taken):
            return start, end + 1, label, "person_extends_right"
        if _on("person_extends_left") and _extends_left(doc, start, taken):
            return start - 1, end, label, "person_extends_left"
    return start, end, label, "model"


# Labels the model gives a place's name it does not know ("in Mbarara" read as a DATE).
_MISREAD_LABELS = frozenset({"DATE", "LANGUAGE", "PRODUCT", "WORK_OF_ART", "LAW"})


def _known_place_after_preposition(doc, start: int, end: int) -> bool:
    """A known place (places.json) right after a preposition of place ("in", "near", "from"; the
    list the known_places_after_prepositions pattern reads), or listed after a place the model
    found ("at Chokwe and Xai-Xai"), labelled as something else."""
    name = doc[start:end].text  # "Xai-Xai" is three tokens
    return (
        start > 0
        and _place_list_before(doc, start)
        and all(is_cap_word(t) for t in doc[start:end] if t.text != "-")
        and name not in LEXICON.not_name_words
        and is_known_place(name)
    )


def _place_list_before(doc, start: int) -> bool:
    before = doc[start - 1].lower_
    if before in LEXICON.prepositions_before_places:
        return True
    return before in LEXICON.list_coordinators and start > 1 and doc[start - 2].ent_type_ == "GPE"


def _on(rule: str) -> bool:
    return RULES.enabled(rule)


def _given_name_before(doc, start: int, end: int, label: str, taken: set[int], gazetteer) -> bool:
    """A one-word PERSON or ORG, or a surname with its particle ("El Kaabi"), just after a
    common given name no entity took ("Faith Kipyegon" at a sentence start, the model reading
    only "Kipyegon"), unless the word is a known name (gazetteer, place)."""
    if label not in ("PERSON", "ORG") or start < 1 or start - 1 in taken:
        return False
    if not (
        end - start == 1 or (end - start == 2 and doc[start].text in LEXICON.surname_particles)
    ):
        return False
    before, word = doc[start - 1], doc[end - 1].text
    if not before.whitespace_ or "\n" in before.whitespace_ or before.text not in given_names():
        return False
    if not (word[:1].isupper() and word[1:2].islower()):
        return False
    return gazetteer.lookup(word) is None and not is_known_place(word)


def _given_name_opens(doc, start: int, end: int, label: str, taken: set[int], gazetteer) -> bool:
    """A one-word ORG, place or NORP that is a common given name, one space before a
    capitalised word no entity took and that ends the name ("beat Jelena Ostapenko, ..." read
    as the place "Jelena"): a person. Not a gazetteer name or a known place on either side."""
    if label not in ("ORG", "GPE", "LOC", "NORP") or end - start != 1 or end + 1 >= len(doc):
        return False
    word, after = doc[start], doc[end]
    if word.whitespace_ != " " or end in taken or word.text not in given_names():
        return False
    if not (name_part(after) and after.text[1:2].islower()) or is_cap_word(doc[end + 1]):
        return False
    return (
        gazetteer.lookup(word.text) is None
        and gazetteer.lookup(after.text) is None
        and not is_known_place(word.text)
        and not is_known_place(after.text)
    )


def _extends_right(doc, end: int, taken: set[int]) -> bool:
    if end >= len(doc) or end in taken or not doc[end - 1].whitespace_:
        return False
    after = doc[end]
    word = after.text[:-1] if after.text.endswith(".") else after.text  # "Hun Sen."
    if not (word.isalpha() and word[:1].isupper()) or word in LEXICON.not_name_words:
        return False
    sentence_end = after.text.endswith(".")  # "Hun Sen. Talks went on": a new sentence
    return sentence_end or end + 1 >= len(doc) or not is_cap_word(doc[end + 1])


def _extends_left(doc, start: int, taken: set[int]) -> bool:
    if start < 2 or start - 1 in taken or not doc[start - 1].whitespace_:
        return False
    before, opener = doc[start - 1], doc[start - 2]
    if not is_cap_word(before) or before.text in LEXICON.not_name_words:
        return False
    if before.lower_ in LEXICON.title_words or before.lower_ in LEXICON.title_abbreviations:
        return False
    # the word before must be running text: not a sentence end, not another capitalised word
    return not opener.is_punct and not opener.is_space and not is_cap_word(opener)


def _extend_spans(doc, spans: list[RepairedSpan], gazetteer: Gazetteer) -> list[RepairedSpan]:
    """Names the model cut short on the right or left: a place plus the capitalised word
    next to it when the two make a known place ("Navi" + "Mumbai"); a department's name "of X"
    plus "and Y" ("Department of Public Works" + "and Highways", the model read as a date); an
    organisation plus "-" and a capitalised word ("GreenLeft" + "-Labour"), and so a person's
    full name ("Paulina Hennig" + "-Kloska"); a person's name plus its last word ("Pham Nhat" +
    "Vuong"); a hyphenated place name ("Mazar" + "-i-Sharif"); a name plus an institution's
    head word ("Pacific Islands" + "Forum").
    Only spans of those kinds are looked at: a set lookup each, no scan of the text."""
    named = [(start, end, label) for start, end, label, _ in spans if label in NAME_LABELS]
    taken = {i for start, end, _ in named for i in range(start, end)}
    singles = {start for start, end, label in named if end - start == 1 and label != "PERSON"}
    out: list[RepairedSpan] = []
    absorbed: set[int] = set()  # one-word spans that turned out to end a person's name
    for start, end, label, rule in spans:
        if start in absorbed and end - start == 1:
            continue
        places = _comma_listed_places(doc, start, end) if _on("comma_list_of_places") else []
        if places:  # "Fordow, Natanz" read as one organisation
            out.extend((s, e, "GPE", "comma_list_of_places") for s, e in places)
            continue
        if _on("facility_noun_joins_name") and _facility_noun_after(
            doc, start, end, label, taken, gazetteer
        ):
            out.append((start, end + 1, "FAC", "facility_noun_joins_name"))
            continue
        if label == "PERSON" and end - start >= 2:
            grown = _person_tail(doc, end, taken, singles)
            if grown > end:
                absorbed.add(grown - 1)  # "Paulina Hennig" + "-Kloska" (the model's place)
                out = [s for s in out if not (s[0] == grown - 1 and s[1] == grown)]
                rule = "surname_after_hyphen" if grown == end + 2 else "last_name_after_person"
                end = grown
        else:
            repaired = _extend_name(doc, start, end, label, taken)
            if repaired[:3] != (start, end, label):
                start, end, label, rule = repaired
        out.append((start, end, label, rule))
    return out


def _facility_noun_after(
    doc, start: int, end: int, label: str, taken: set[int], gazetteer: Gazetteer
) -> bool:
    """ "Dos Bocas" + "refinery", "Charles de Gaulle" + "airport": a name that is no known place,
    entity or person's name, then a lower-case facility noun, is the facility's name with the
    noun (a known place keeps its own name: "Silivri prison" is Silivri; "Swiss glacier" none)."""
    from newsflow.pipeline.entities.surfaces import looks_like_demonym  # surfaces imports ner

    if label not in NAME_LABELS or end >= len(doc) or end in taken:
        return False
    if doc[end].text not in LEXICON.facility_nouns_in_names:
        return False
    name = " ".join(t.text for t in doc[start:end])
    return (
        doc[end - 1].whitespace_ == " "
        and not is_known_place(name)
        and gazetteer.lookup(name) is None
        and not looks_like_demonym(name)
        and not (label == "PERSON" and looks_like_person(name))
    )


def _comma_listed_places(doc, start: int, end: int) -> list[tuple[int, int]]:
    """The parts of a span split at its commas, when every part is capitalised words and one of
    them a known place ("Fordow, Natanz"); else none."""
    cuts = [i for i in range(start, end) if doc[i].text == ","]
    parts = list(zip([start] + [c + 1 for c in cuts], [*cuts, end], strict=True))
    if not cuts or not all(e > s and all(is_cap_word(t) for t in doc[s:e]) for s, e in parts):
        return []
    known = any(is_known_place(" ".join(t.text for t in doc[s:e])) for s, e in parts)
    return parts if known else []


def _person_tail(doc, end: int, taken: set[int], singles: set[int]) -> int:
    """The end of a person's name of two or more words, with the rest of a hyphenated surname
    ("Paulina Hennig" + "-Kloska") or a last name ("Pham Nhat" + "Vuong") the model left out."""
    if _on("surname_after_hyphen") and _surname_partner(doc, end):
        return end + 2
    if (
        _on("last_name_after_person")
        and (end in singles or end not in taken)
        and _last_name(doc, end)
    ):
        return end + 1  # "Miguel Uribe" + "Turbay" (read as a place)
    return end


def _extend_name(doc, start: int, end: int, label: str, taken: set[int]) -> RepairedSpan:
    """A place's or organisation's span with the first repair that applies (the rule's name
    last), or as it was."""
    institution = label in _INSTITUTION_LABELS and _on("institution_word_after_name")
    if institution and _institution_after(doc, end, taken):  # "Pacific Islands" + "Forum"
        return start, end + 1, "ORG", "institution_word_after_name"
    if label in _HYPHEN_LABELS and _on("hyphenated_place"):
        chain = _hyphen_chain(doc, start, end)  # "Mazar" + "-i-Sharif", inside one word
        if chain > end:
            return start, chain, label, "hyphenated_place"
    if label in ("GPE", "LOC"):
        if _on("facility_after_place"):
            facility = _facility_after(doc, end, taken)  # "San Jose" + "Mineta ... Airport"
            if facility > end:
                return start, facility, "FAC", "facility_after_place"
        if _on("known_place_extends"):
            return (*_extend_place(doc, start, end, taken, True), label, "known_place_extends")
    elif label == "PERSON" and _on("known_place_extends"):
        stop = _extend_place(doc, start, end, taken, False)[1]
        if stop > end:
            return start, stop, "GPE", "known_place_extends"
    elif label == "ORG" and end - start >= 3 and _on("department_and_tail"):
        return start, _department_tail(doc, start, end, taken), label, "department_and_tail"
    elif label == "ORG" and _on("hyphenated_organisation") and _hyphen_partner(doc, end, taken):
        return start, end + 2, label, "hyphenated_organisation"  # "GreenLeft" + "-Labour"
    return start, end, label, ""


_INSTITUTION_LABELS = ("GPE", "LOC", "NORP", "ORG")
_HYPHEN_LABELS = ("GPE", "LOC", "FAC", "ORG")


def _surname_partner(doc, end: int) -> bool:
    """A capitalised word joined by a hyphen, no spaces: the second half of a surname, even when
    the model read it as a name of its own."""
    return (
        _hyphen_joined(doc, end)
        and doc[end + 1].text not in given_names()  # "the Vladimir Putin-Donald Trump summit"
        and not (end + 2 < len(doc) and is_cap_word(doc[end + 2]))
    )


def _hyphen_joined(doc, end: int) -> bool:
    """A capitalised word joined to the span's last word by a hyphen, no spaces."""
    return (
        end + 1 < len(doc)
        and doc[end].text == "-"
        and not doc[end - 1].whitespace_
        and not doc[end].whitespace_
        and is_cap_word(doc[end + 1])
    )


def _last_name(doc, end: int) -> bool:
    """The one-word name right after a person's name, one space apart, is more of it: a
    title-case word that is no known place and opens no longer name."""
    if end >= len(doc):  # the name ends the text: nothing comes after it
        return False
    word, after = doc[end], doc[end + 1].lower_ if end + 1 < len(doc) else ""
    return (
        doc[end - 1].whitespace_ == " "
        and doc[end - 1].text[:1].isalpha()  # not "Nouri al-Maliki's" + "State of Law"
        and doc[end - 1].text[-1:].isalpha()  # not "Hun Sen." + "Talks" (a sentence ended)
        and after not in ("of", "de", "for")
        and word.text[:1].isupper()
        and word.text[1:].isalpha()
        and word.text[1:].islower()
        and word.text not in LEXICON.not_name_words  # "Joe Biden Tuesday"
        and not is_known_place(word.text)
        and not (end + 1 < len(doc) and doc[end].whitespace_ and is_cap_word(doc[end + 1]))
    )


def _institution_after(doc, end: int, taken: set[int]) -> bool:
    """The word after a name is an institution's head word the model left out."""
    return (
        end < len(doc)
        and end not in taken
        and doc[end - 1].whitespace_ == " "
        and doc[end].text in LEXICON.organisation_words_ending_names
    )


def _hyphen_chain(doc, start: int, end: int) -> int:
    """The end of a hyphenated place name the span stops inside: "Mazar" + "-i-Sharif",
    "Stratford" + "-upon-Avon" (a lower-case particle between capitalised parts), or any chain
    that makes a known place ("Xai" + "-Xai"). Not "Kyiv-based" or "Israel-Hamas"."""
    i, particle = end, False
    while (
        i + 1 < len(doc)
        and doc[i].text == "-"
        and not doc[i - 1].whitespace_
        and not doc[i].whitespace_
        and doc[i + 1].text[:1].isalpha()
    ):
        particle = particle or doc[i + 1].text.islower()
        i += 2
    if i == end:
        return end
    last = doc[i - 1].text
    if (particle and last[:1].isupper()) or is_known_place(doc[start:i].text):
        return i
    return end


def _facility_after(doc, end: int, taken: set[int]) -> int:
    """The end of up to four capitalised words right after a place that end in a facility's
    head word ("San Jose" + "Mineta International Airport"), or `end`."""
    i = end
    while (
        i < len(doc)
        and i - end < 4
        and i not in taken
        and doc[i - 1].whitespace_ == " "
        and is_cap_word(doc[i])
    ):
        if doc[i].text in _FACILITY_WORDS:
            return i + 1
        i += 1
    return end


# Facility words that end a place's name after a city ("San Jose Mineta International Airport");
# not "District" ("U.S. District Judge").
_FACILITY_WORDS = LEXICON.place_words_ending_names - {"District"}


def _extend_place(doc, start: int, end: int, taken: set[int], place: bool) -> tuple[int, int]:
    """Token texts, not Span.text: building a Span for every place costs more than the rest.
    A place (`place`: the model said so) takes a particle and a capitalised word after it
    ("Rio Bonito" + "do Iguaçu"); any one-word name does when the longer name is a known place
    ("Laranjeiras", read as a person, + "do Sul")."""
    if end < len(doc) and end not in taken and doc[end - 1].whitespace_ == " ":
        particle = doc[end].text in LEXICON.place_connectors and doc[end].whitespace_ == " "
        stop = end + 2 if particle else end + 1
        if stop <= len(doc) and stop - 1 not in taken and is_cap_word(doc[stop - 1]):
            known = is_known_place(" ".join(t.text for t in doc[start:stop]))
            if (known and (place or particle)) or (place and particle):
                return start, stop
    if not place:
        return start, end
    if start > 0 and start - 1 not in taken:
        before = doc[start - 1]
        if (
            before.whitespace_ == " "
            and is_cap_word(before)
            and before.text not in LEXICON.not_name_words
            and is_known_place(" ".join([before.text] + [t.text for t in doc[start:end]]))
        ):
            return start - 1, end
    return start, end


def _department_tail(doc, start: int, end: int, taken: set[int]) -> int:
    head = doc[start + 1] if doc[start].lower_ == "the" else doc[start]
    if head.text not in LEXICON.department_words or doc[head.i + 1].lower_ != "of":
        return end
    if end + 1 >= len(doc) or doc[end].lower_ != "and" or "\n" in doc[end - 1].whitespace_:
        return end
    stop = end + 1
    while stop < len(doc) and stop - end <= 3 and is_cap_word(doc[stop]) and stop not in taken:
        stop += 1
    if stop == end + 1 or (stop < len(doc) and is_cap_word(doc[stop])):
        return end  # no capitalised word after "and", or a longer run: not sure
    return stop


def _hyphen_partner(doc, end: int, taken: set[int]) -> bool:
    return _hyphen_joined(doc, end) and end + 1 not in taken
