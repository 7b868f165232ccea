"""spaCy NER: one model per language, loaded once per process with only what NER needs."""

from __future__ import annotations

import bisect
import logging
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from newsflow.pipeline.entities.gazetteer import Gazetteer, GazetteerEntry, is_acronym
from newsflow.pipeline.entities.lexicon import LEXICON
from newsflow.pipeline.entities.names import given_names
from newsflow.pipeline.entities.places import is_known_place

log = logging.getLogger(__name__)

# In the small English model the `ner` component has its own embedded tok2vec (it does not
# listen to the shared `tok2vec`, which only feeds tagger and parser), so `ner` alone gives
# identical entities at less than half the cost. We check that at load time, see _ner_only.
NER_COMPONENTS = ("ner",)

_MODELS: dict[str, object] = {}
_MISSING: set[str] = set()
_LOCK = threading.Lock()


@dataclass(frozen=True)
class Mention:
    """One entity mention in a text: NER label or the gazetteer entry that matched it."""

    text: str
    label: str  # spaCy label (PERSON, GPE, ...) or "GAZETTEER"
    start: int
    end: int
    entry: GazetteerEntry | None = None
    prev: str = ""  # the words before, as written ("the city of" Valencia): type evidence
    next: str = ""  # the words after, as written (Reykjanes "peninsula", Suwon "-based")


def _ner_only(name: str):
    """Load `name` keeping ner plus any tok2vec/transformer ner listens to; exclude the rest."""
    import spacy

    nlp = spacy.load(name)
    keep = set(NER_COMPONENTS)
    for pipe_name, pipe in nlp.pipeline:
        listeners = getattr(pipe, "listening_components", None) or []
        if "ner" in listeners:  # a shared embedding layer that ner depends on
            keep.add(pipe_name)
    drop = [p for p in nlp.pipe_names if p not in keep]
    for pipe_name in drop:
        nlp.remove_pipe(pipe_name)
    log.info("spaCy model loaded", extra={"model": name, "components": nlp.pipe_names})
    return nlp


def load_model(name: str):
    """The NER-only pipeline for `name`, cached per process; None if the model is not installed."""
    with _LOCK:
        if name in _MODELS:
            return _MODELS[name]
        if name in _MISSING:
            return None
        try:
            nlp = _ner_only(name)
        except OSError as exc:  # spaCy's "Can't find model" is an OSError
            log.warning(
                "spaCy model not installed: no NER for its language",
                extra={"model": name, "error": str(exc)[:200]},
            )
            _MISSING.add(name)
            return None
        _MODELS[name] = nlp
        return nlp


class GazetteerMatcher:
    """Finds gazetteer aliases in a spaCy Doc (exact case for acronyms, any case otherwise)."""

    def __init__(self, nlp, gazetteer: Gazetteer):
        from spacy.matcher import PhraseMatcher

        self._exact = PhraseMatcher(nlp.vocab, attr="ORTH")
        self._folded = PhraseMatcher(nlp.vocab, attr="LOWER")
        self._entries: dict[int, GazetteerEntry] = {}
        exact: dict[str, list] = {}
        folded: dict[str, list] = {}
        for alias, entry in gazetteer.text_aliases():
            key = f"{entry.type}|{entry.name}"
            table = exact if is_acronym(alias) else folded
            table.setdefault(key, []).append(nlp.make_doc(alias))
            self._entries[nlp.vocab.strings.add(key)] = entry
        for key, docs in exact.items():
            self._exact.add(key, docs)
        for key, docs in folded.items():
            self._folded.add(key, docs)

    def __call__(self, doc, text: str | None = None) -> list[Mention]:
        text = doc.text if text is None else text
        found = []
        for matcher in (self._exact, self._folded):
            for match_id, start, end in matcher(doc):
                span = doc[start:end]
                if span.text.islower():  # "turkey", "chad": only capitalised text is a name
                    continue
                if _inside_longer_name(doc, start):  # "Madrid" in "Real Madrid"
                    continue
                if start > 1 and doc[start - 1].text == "-" and not doc[start - 2].whitespace_:
                    continue  # "Chinese" in "Oversea-Chinese Banking Corp"
                entry = self._entries[match_id]
                found.append(
                    Mention(
                        span.text,
                        "GAZETTEER",
                        span.start_char,
                        span.end_char,
                        entry,
                        *_around(doc, text, start, end),
                    )
                )
        return found


def _inside_longer_name(doc, start: int) -> bool:
    """The match follows a capitalised word that is neither a title nor a sentence opener."""
    if start == 0:
        return False
    prev = doc[start - 1]
    if not (prev.is_alpha and prev.text[:1].isupper()) or prev.lower_ in LEXICON.title_words:
        return False
    if start == 1:
        return False
    before = doc[start - 2]
    return (
        not (before.is_punct and before.text in '.!?:"\u201c') and "\n" not in before.text_with_ws
    )


CONTEXT_BEFORE = 3  # tokens of context kept before and after a mention
CONTEXT_AFTER = 10
# Royal and religious titles that introduce a person by one name ("King Felipe VI").
ROYAL_TITLES = LEXICON.royal_titles
ROMAN_NUMERALS = LEXICON.roman_numerals
# Capitalised words that do not continue a person's name the model cut short ("Biden
# Administration", "Trump Tower"): organisation and place words, weekdays, months.


def _around(doc, text: str, start: int, end: int) -> tuple[str, str]:
    """The few words before and after tokens start:end, up to the nearest line break (sliced
    from the text by character offsets: a Span's .text would build every token)."""
    first = doc[max(0, start - CONTEXT_BEFORE)].idx
    begin = doc[start].idx
    last = doc[min(len(doc), end + CONTEXT_AFTER) - 1]
    stop = doc[end - 1].idx + len(doc[end - 1])
    before = text[first:begin].rsplit("\n", 1)[-1].strip()
    after = text[stop : last.idx + len(last)].lstrip(" \t")
    return before, after.split("\n", 1)[0].strip()


class _Spans(list):
    """The model's (start, end, label) spans with the token indexes they cover, computed once
    for all the finders."""

    taken: set[int]


def _taken(spans: list[tuple[int, int, str]]) -> set[int]:
    """Token indexes inside any span (read only: shared by the finders)."""
    cached = getattr(spans, "taken", None)
    if cached is not None:
        return cached
    return {i for start, end, _ in spans for i in range(start, end)}


def _complete_names(
    doc, text: str, spans: list[tuple[int, int, str]], gazetteer: Gazetteer
) -> list:
    """A one-word PERSON the model cut from a two-word name ("Hun" of "Hun Sen", "Lam" of
    "To Lam") takes the capitalised word next to it when that word belongs to no other entity
    and is not part of a run of capitalised words (a title-case headline). Not on the first
    line (the headline), not for gazetteer names ("Putin Warns")."""
    taken = _taken(spans)
    headline_end = text.find("\n")
    out = []
    for start, end, label in spans:
        if _given_name_before(doc, start, end, label, taken, gazetteer):
            out.append((start - 1, end, "PERSON"))  # "Faith Kipyegon" read as "Kipyegon" (ORG)
            continue
        if _given_name_opens(doc, start, end, label, taken, gazetteer):
            out.append((start, end + 1, "PERSON"))  # "Jelena" (GPE) + "Ostapenko"
            continue
        if (
            label == "PERSON"
            and end - start == 1
            and doc[start].idx > headline_end >= 0
            and doc[start].text[:1].isupper()
            and gazetteer.lookup(doc[start].text) is None
        ):
            if _extends_right(doc, end, taken):
                out.append((start, end + 1, label))
                continue
            if _extends_left(doc, start, taken):
                out.append((start - 1, end, label))
                continue
        out.append((start, end, label))
    return out


_NAME_LABELS = frozenset({"PERSON", "ORG", "GPE", "LOC", "FAC", "NORP", "EVENT", "PRODUCT"})


def _extend_spans(doc, spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Names the model cut short on the right or left: a place plus the capitalised word
    next to it when the two make a known place ("Navi" + "Mumbai"); a department's name "of X"
    plus "and Y" ("Department of Public Works" + "and Highways", the model read as a date); an
    organisation plus "-" and a capitalised word ("GreenLeft" + "-Labour"), and so a person's
    full name ("Paulina Hennig" + "-Kloska"); a person's name plus its last word ("Pham Nhat" +
    "Vuong"); a hyphenated place name ("Mazar" + "-i-Sharif"); a name plus an institution's
    head word ("Pacific Islands" + "Forum").
    Only spans of those kinds are looked at: a set lookup each, no scan of the text."""
    taken = {i for start, end, label in spans if label in _NAME_LABELS for i in range(start, end)}
    out: list[tuple[int, int, str]] = []
    absorbed: set[int] = set()  # one-word spans that turned out to end a person's name
    singles = {
        start
        for start, end, label in spans
        if end - start == 1 and label in _NAME_LABELS and label != "PERSON"
    }
    for start, end, label in spans:
        if start in absorbed and end - start == 1:
            continue
        if label == "PERSON" and end - start >= 2 and _surname_partner(doc, end):
            absorbed.add(end + 1)  # "Paulina Hennig" + "-Kloska" (which the model called a place)
            out = [span for span in out if not (span[0] == end + 1 and span[1] == end + 2)]
            end += 2
        elif (
            label == "PERSON"
            and end - start >= 2
            and (end in singles or end not in taken)
            and _last_name(doc, end)
        ):
            absorbed.add(end)  # "Pham Nhat" + "Vuong", "Miguel Uribe" + "Turbay" (read as a place)
            out = [span for span in out if not (span[0] == end and span[1] == end + 1)]
            end += 1
        elif label in ("GPE", "LOC", "NORP", "ORG") and _institution_after(doc, end, taken):
            end, label = end + 1, "ORG"  # "Pacific Islands" + "Forum": the model cut the name
        elif (
            label in ("GPE", "LOC", "FAC", "ORG")
            and (chain := _hyphen_chain(doc, start, end)) > end
        ):
            end = chain  # "Mazar" + "-i-Sharif", "Tehreek" + "-e-Taliban": inside one word
        elif label in ("GPE", "LOC") and (facility := _facility_after(doc, end, taken)) > end:
            end, label = facility, "FAC"  # "San Jose" + "Mineta International Airport"
        elif label in ("GPE", "LOC"):
            start, end = _extend_place(doc, start, end, taken)
        elif label == "ORG" and end - start >= 3:
            end = _department_tail(doc, start, end, taken)
        elif label == "ORG" and _hyphen_partner(doc, end, taken):
            end += 2  # "GreenLeft" + "-Labour": an alliance's double-barrelled name
        out.append((start, end, label))
    return out


def _extend_place(doc, start: int, end: int, taken: set[int]) -> tuple[int, int]:
    """Token texts, not Span.text: building a Span for every place costs more than the rest."""
    if end < len(doc) and end not in taken:
        last, after = doc[end - 1], doc[end]
        if (
            last.whitespace_ == " "
            and _is_cap_word(after)
            and is_known_place(" ".join([t.text for t in doc[start:end]] + [after.text]))
        ):
            return start, end + 1
    if start > 0 and start - 1 not in taken:
        before = doc[start - 1]
        if (
            before.whitespace_ == " "
            and _is_cap_word(before)
            and before.text not in LEXICON.not_name_words
            and is_known_place(" ".join([before.text] + [t.text for t in doc[start:end]]))
        ):
            return start - 1, end
    return start, end


def _institution_after(doc, end: int, taken: set[int]) -> bool:
    """The word after a name is an institution's head word the model left out."""
    return (
        end < len(doc)
        and end not in taken
        and doc[end - 1].whitespace_ == " "
        and doc[end].text in LEXICON.institution_words_after_places
    )


def _facility_after(doc, end: int, taken: set[int]) -> int:
    """The end of up to four capitalised words right after a place that end in a facility's
    head word ("San Jose" + "Mineta International Airport"), or `end`."""
    i = end
    while (
        i < len(doc)
        and i - end < 4
        and i not in taken
        and doc[i - 1].whitespace_ == " "
        and _is_cap_word(doc[i])
    ):
        if doc[i].text in _FACILITY_WORDS:
            return i + 1
        i += 1
    return end


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
        and not (end + 1 < len(doc) and doc[end].whitespace_ and _is_cap_word(doc[end + 1]))
    )


def _surname_partner(doc, end: int) -> bool:
    """A capitalised word joined by a hyphen, no spaces: the second half of a surname, even when
    the model read it as a name of its own."""
    return (
        _hyphen_joined(doc, end)
        and doc[end + 1].text not in given_names()  # "the Vladimir Putin-Donald Trump summit"
        and not (end + 2 < len(doc) and _is_cap_word(doc[end + 2]))
    )


def _hyphen_joined(doc, end: int) -> bool:
    """A capitalised word joined to the span's last word by a hyphen, no spaces."""
    return (
        end + 1 < len(doc)
        and doc[end].text == "-"
        and not doc[end - 1].whitespace_
        and not doc[end].whitespace_
        and _is_cap_word(doc[end + 1])
    )


def _hyphen_partner(doc, end: int, taken: set[int]) -> bool:
    return _hyphen_joined(doc, end) and end + 1 not in taken


def _department_tail(doc, start: int, end: int, taken: set[int]) -> int:
    head = doc[start + 1] if doc[start].lower_ == "the" else doc[start]
    if head.text not in LEXICON.department_words or doc[head.i + 1].lower_ != "of":
        return end
    if end + 1 >= len(doc) or doc[end].lower_ != "and" or "\n" in doc[end - 1].whitespace_:
        return end
    stop = end + 1
    while stop < len(doc) and stop - end <= 3 and _is_cap_word(doc[stop]) and stop not in taken:
        stop += 1
    if stop == end + 1 or (stop < len(doc) and _is_cap_word(doc[stop])):
        return end  # no capitalised word after "and", or a longer run: not sure
    return stop


# Capitalised particles that open a surname ("El Kaabi", "Van Dijk", "Abu Bakr").


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
    if not (_name_part(after) and after.text[1:2].islower()) or _is_cap_word(doc[end + 1]):
        return False
    return (
        gazetteer.lookup(word.text) is None
        and gazetteer.lookup(after.text) is None
        and not is_known_place(word.text)
        and not is_known_place(after.text)
    )


def _is_cap_word(token) -> bool:
    return token.is_alpha and token.text[:1].isupper()


def _extends_right(doc, end: int, taken: set[int]) -> bool:
    if end >= len(doc) or end in taken or not doc[end - 1].whitespace_:
        return False
    after = doc[end]
    word = after.text[:-1] if after.text.endswith(".") else after.text  # "Hun Sen."
    if not (word.isalpha() and word[:1].isupper()) or word in LEXICON.not_name_words:
        return False
    sentence_end = after.text.endswith(".")  # "Hun Sen. Talks went on": a new sentence
    return sentence_end or end + 1 >= len(doc) or not _is_cap_word(doc[end + 1])


def _extends_left(doc, start: int, taken: set[int]) -> bool:
    if start < 2 or start - 1 in taken or not doc[start - 1].whitespace_:
        return False
    before, opener = doc[start - 1], doc[start - 2]
    if not _is_cap_word(before) or before.text in LEXICON.not_name_words:
        return False
    if before.lower_ in LEXICON.title_words or before.lower_ in LEXICON.title_abbreviations:
        return False
    # the word before must be running text: not a sentence end, not another capitalised word
    return not opener.is_punct and not opener.is_space and not _is_cap_word(opener)


# Patterns open with a literal or a letter, not "\b" or a look-behind, so that the regex engine
# can skip ahead to candidate positions; the word boundary before is checked by _word_start.
_ROYAL_TITLE = re.compile(r"(?:" + "|".join(sorted(ROYAL_TITLES)) + r")\b")


def _word_start(text: str, i: int) -> bool:
    """Position i opens a word (what a leading \b would have checked)."""
    return i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")


def _titled_names(doc, text: str, spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """ "King Felipe VI", "Empress Marie-Louise": a royal or papal title followed by a name the
    model missed (no entity on it) is a person; the title itself is trimmed later."""
    taken = _taken(spans)
    found = []
    for match in _ROYAL_TITLE.finditer(text):  # a regex, not a Python loop over tokens
        if not _word_start(text, match.start()):
            continue
        title = doc.char_span(match.start(), match.end())
        if title is None or len(title) != 1 or title.end >= len(doc):
            continue
        token = title[0]
        end = token.i + 1
        while end < len(doc) and end - token.i <= 3 and _name_part(doc[end]):
            end += 1
        if end < len(doc) and doc[end].text in ROMAN_NUMERALS:
            end += 1
        if end > token.i + 1 and not any(i in taken for i in range(token.i, end)):
            found.append((token.i, end, "PERSON"))
    return found


# A person's title or role just before a name ("Chief Executive Guillaume Faury").
_NAME_WORD = r"[A-Z][\w'-]*[a-z][\w'-]*"
_TITLED_PERSON = re.compile(
    r"[ \n\"\u201c(](?:" + "|".join(LEXICON.titles_before_names.in_order) + r") (" + _NAME_WORD + r"(?: " + _NAME_WORD
    + r"){1,2})\b(?! [A-Z])"
)  # fmt: skip


# Words of companies' and departments' names, never of a person's ("Motors Co", "Department")


def _names_after_titles(
    doc, text: str, spans: list[tuple[int, int, str]]
) -> list[tuple[int, int, str]]:
    """ "Airbus Chief Executive Guillaume Faury apologised", "army chief Field Marshal Asim
    Munir" where the model saw no person: two or three capitalised words right after a
    person's title are a person (not words that name an organisation or a place)."""
    taken = _taken(spans)
    found = []
    for match in _TITLED_PERSON.finditer(" " + text):  # the title opens a word: a space before
        span = doc.char_span(match.start(1) - 1, match.end(1) - 1)
        if span is None or any(t.i in taken for t in span):
            continue
        if any(
            t.text in LEXICON.not_name_words
            or t.text in LEXICON.organisation_words_before_titles
            or t.text in LEXICON.place_words_ending_names
            or t.text in LEXICON.corporate_words
            or t.lower_ in LEXICON.title_words
            for t in span
        ):
            continue
        found.append((span.start, span.end, "PERSON"))
    return found


def _places_before_titles(doc, spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """ "Ontario Premier Doug Ford" where the model saw only the person: a known place name just
    before the person's title is a place of its own."""
    taken = _taken(spans)
    found = []
    for start, _end, label in spans:
        if label != "PERSON" or start < 2 or doc[start - 1].lower_ not in LEXICON.title_words:
            continue
        place = doc[start - 2]
        if place.i in taken or not _is_cap_word(place) or not is_known_place(place.text):
            continue
        if start >= 3 and _is_cap_word(doc[start - 3]):  # "New Ontario Premier": not sure
            continue
        found.append((start - 2, start - 1, "GPE"))
    return found


APPOSITION = "APPOSITION"  # label of a capitalised name the model missed, before ", the ..."
_APPOSITION = re.compile(r"[A-Z][\w'&-]+(?: [A-Z][\w'&-]+){0,2}$")
_APPOSITION_OPENERS = tuple(f", {w} " for w in LEXICON.apposition_openers.in_order)


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


def _appositions(doc, text: str, spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """ "Unifor, the largest private-sector union": a capitalised name the model missed, followed
    by an apposition. The linker types it by the apposition's head noun, or drops it."""
    taken = _taken(spans)
    found = []
    ends = _keyword_ends(text, _APPOSITION_OPENERS)
    for start, end in _names_ending_at(text, ends, _APPOSITION):
        span = doc.char_span(start, end)
        if span is None or any(t.i in taken for t in span):
            continue
        first = span[0]
        if (
            first.is_stop
            or first.text.endswith("ly")
            or first.text in LEXICON.not_name_words
            or first.text in LEXICON.discourse_words
        ):
            continue  # "However, the union ...", "Separately, the regulator ..."
        found.append((span.start, span.end, APPOSITION))
    return found


CUED_ORG = "CUED_ORG"  # label of a name the model missed after an organisation word
_CUED_NAME = re.compile(
    r" (?:"
    + "|".join(LEXICON.organisation_words_before_names.in_order)
    + r") ([A-Z][\w'&+-]*(?: [A-Z][\w'&+-]*){0,2})"
)


_PARTY_NAME = re.compile(r"[A-Z][\w'-]+(?: [A-Z][\w'-]+){0,2}$")
_PARTY_WORDS = tuple(f" {w}" for w in LEXICON.party_words_after_names.in_order)


def _cued_names(doc, text: str, spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """ "public broadcaster Kan", "Austrian broadcaster ORF", "the Demokraatit party": a
    capitalised name the model missed right after a lower-case word that says it is an
    organisation, or before "party"."""
    taken = _taken(spans)
    found = []
    cued = [(m.start(1), m.end(1), False) for m in _CUED_NAME.finditer(text)]
    parties = _names_ending_at(text, _keyword_ends(text, _PARTY_WORDS, True), _PARTY_NAME)
    for start, end, party in (*cued, *((start, end, True) for start, end in parties)):
        span = doc.char_span(start, end)
        if span is None or any(t.i in taken for t in span):
            continue
        first = span[0]
        if (
            first.lower_ in LEXICON.title_words
            or first.text in LEXICON.not_name_words
            or first.is_stop
        ):
            continue  # "central bank Governor ...", "the company The ..."
        if party and len(span) == 1 and first.lower_.endswith(LEXICON.adjective_endings.in_order):
            continue  # "the Democratic party", "the Conservative party": an adjective
        found.append((span.start, span.end, CUED_ORG))
    return found


_NAMED_PLACE = re.compile(
    r"(?:the|'s) ([A-Z][\w'-]+(?: [A-Z][\w'-]+){0,2}) (?:"
    + "|".join(LEXICON.place_nouns_after_names.in_order)
    + r")\b"
)


def _named_places(doc, text: str, spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """ "the Lonza river", "the Tarim basin": a capitalised name the model missed between "the"
    and a lower-case kind of natural place is a place."""
    taken = _taken(spans)
    found = []
    for match in _NAMED_PLACE.finditer(text):
        if text[match.start()] == "t" and not _word_start(text, match.start()):
            continue
        span = doc.char_span(match.start(1), match.end(1))
        if (
            span is None
            or any(t.i in taken for t in span)
            or span[0].text in LEXICON.not_name_words
        ):
            continue
        found.append((span.start, span.end, "LOC"))
    return found


_PLACE_OF = re.compile(
    r"(?:" + "|".join(LEXICON.place_kinds_before_of.in_order) + r") of "
    r"([A-Z][\w'-]+(?: [A-Z][\w'-]+){0,2})(?![\w'-])"
)
_IN_KNOWN_PLACE = re.compile(
    r"(?:"
    + "|".join(LEXICON.prepositions_before_places.in_order)
    + r") (?:the )?([A-Z][\w'-]+(?: [A-Z][\w'-]+){0,2})"
    r"(?![\w'-])"
)


def _free_names(doc, text: str, pattern: re.Pattern, taken: set[int]):
    """(match, span of its group 1) for each match of `pattern` that opens a word, whose name
    lines up with tokens, takes no token another span holds and opens with no non-name word."""
    for match in pattern.finditer(text):
        if not _word_start(text, match.start()):
            continue
        span = doc.char_span(match.start(1), match.end(1))
        if (
            span is None
            or any(t.i in taken for t in span)
            or span[0].text in LEXICON.not_name_words
        ):
            continue
        yield match, span


def _missed_places(doc, text: str, spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Places the model missed: any capitalised name after "the state / province / town of",
    and a known place name (GeoNames, ISO 3166-2) after "in", "near", "from", ..."""
    taken = set(_taken(spans))  # a copy: the spans found here are added
    found = []
    for pattern, known_only in ((_PLACE_OF, False), (_IN_KNOWN_PLACE, True)):
        for _, span in _free_names(doc, text, pattern, taken):
            if known_only and not is_known_place(span.text):
                continue
            taken.update(range(span.start, span.end))
            found.append((span.start, span.end, "GPE"))
    return found


_LOWER_WORD = re.compile(r"(?<![\w'-])[a-z]+(?![\w'-])")


def _sentence_start(text: str, i: int) -> bool:
    """Position i opens the text, a paragraph or a sentence (a capital there proves nothing)."""
    j = i - 1
    while j >= 0 and text[j] in _OPENING:
        j -= 1
    return j < 0 or text[j] in ".!?\n:"


_OPENING = frozenset(" \t\"'\u201c\u2018(")


_SURNAME_BEFORE = re.compile(r"[A-Z][a-z]+ \S+$")  # "Kuldeep" + the surname


_BY_AGENT = re.compile(
    r" (?:" + "|".join(LEXICON.agent_verbs_before_by.in_order) + r") by "
    r"([A-Z][\w'&-]+(?: [A-Z][\w'&-]+){0,2})(?![\w'&-])"
)
_MOUNT = re.compile(
    "(?:"
    + "|".join(map(re.escape, LEXICON.mountain_words.in_order))
    + r") [A-Z][\w'-]+(?: [A-Z][\w'-]+){0,2}(?![\w'-])"
)


def _agents_and_mountains(
    doc, text: str, spans: list[tuple[int, int, str]]
) -> list[tuple[int, int, str]]:
    """ "the Ariane 6 rocket operated by Arianespace": a capitalised name the model missed after
    "operated / owned / run / built ... by" is an organisation unless it opens with a common
    given name; "Mount Lewotobi Laki-laki" the model missed is a place."""
    taken = _taken(spans)
    found = []
    for match in _BY_AGENT.finditer(text):
        span = doc.char_span(match.start(1), match.end(1))
        if span is None or any(t.i in taken for t in span):
            continue
        first = span[0]
        if first.is_stop or first.text in LEXICON.not_name_words or first.text in given_names():
            continue
        if len(span) == 1 and is_known_place(first.text):
            continue
        found.append((span.start, span.end, CUED_ORG))
    for match in _MOUNT.finditer(text):
        if not _word_start(text, match.start()):
            continue
        span = doc.char_span(match.start(), match.end())
        if span is None or any(t.i in taken for t in span):
            continue
        found.append((span.start, span.end, "LOC"))
    return found


def _same_surname(doc, text: str, spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """ "Spinner Kuldeep Yadav" the model missed in an article that names Suryakumar Yadav: a
    capitalised word before the surname of a person the model found is another person of
    that name (not a title, a weekday or a sentence opener like "When")."""
    taken = _taken(spans)
    surnames = {
        doc[end - 1].text
        for start, end, label in spans
        if label == "PERSON" and end - start > 1 and doc[end - 1].is_alpha
    }
    if not surnames:
        return []
    found = []
    for surname in sorted(surnames):  # str.find, not a regex built for every article
        ends = [i + 1 + len(surname) for i in _keyword_ends(text, (" " + surname,), True)]
        for start, end in _names_ending_at(text, ends, _SURNAME_BEFORE):
            span = doc.char_span(start, end)
            if span is None or len(span) != 2 or any(t.i in taken for t in span):
                continue
            first = span[0]
            if (
                first.is_stop
                or first.lower_ in LEXICON.title_words
                or first.lower_ in LEXICON.title_abbreviations
                or first.text in LEXICON.not_name_words
                or first.text in LEXICON.discourse_words
            ):
                continue
            found.append((span.start, span.end, "PERSON"))
    return sorted(found)


def _names_after_nationality(doc, spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """ "Republican Curtis Sliwa", "Kenyan Dorcas Ewoi" where the model saw only the NORP: a
    common given name and one or two capitalised words right after it are a person."""
    taken = _taken(spans)
    found = []
    for _start, end, label in spans:
        if label != "NORP" or end + 1 >= len(doc) or end in taken:
            continue
        if doc[end].text not in given_names() or doc[end - 1].whitespace_ != " ":
            continue
        stop = end + 1
        while stop < len(doc) and stop - end <= 2 and stop not in taken and _name_part(doc[stop]):
            if doc[stop - 1].whitespace_ != " ":
                break
            stop += 1
        if stop > end + 1:
            found.append((end, stop, "PERSON"))
    return found


# Facility words that end a place's name after a city ("San Jose Mineta International Airport");
# not "District" ("U.S. District Judge").
_FACILITY_WORDS = LEXICON.place_words_ending_names - {"District"}
_HEADED_NAME = re.compile(
    r"[Tt]he ((?:[A-Z][\w'-]+ ){1,4}("
    + "|".join(
        LEXICON.place_words_ending_names.in_order + LEXICON.organisation_words_ending_names.in_order
    )
    + r"))\b"
)


def _headed_names(doc, text: str, spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """ "the Grand Ethiopian Renaissance Dam" the model missed altogether: capitalised words
    after "the" that end in a facility or institution word are a place or an organisation."""
    found = []
    for match, span in _free_names(doc, text, _HEADED_NAME, _taken(spans)):
        label = "FAC" if match.group(2) in LEXICON.place_words_ending_names else "ORG"
        found.append((span.start, span.end, label))
    return found


_LIST_MEMBER = re.compile(
    r"(?<=, )([A-Z][\w&'.-]*[a-zA-Z](?: [A-Z][\w&'.-]*[a-zA-Z])?)(?=, | and | or )"
)


def _listed_between_orgs(
    doc, text: str, spans: list[tuple[int, int, str]]
) -> list[tuple[int, int, str]]:
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


def _orgs_named_for_a_country(
    doc, text: str, spans: list[tuple[int, int, str]]
) -> list[tuple[int, int, str]]:
    """ "Amnesty International Kenya said", "the industry body Offshore Energies UK said": a
    country or place the model found right after an organisation of two or more words, or
    after two or three capitalised words no entity took, ends an organisation's name (not in
    the headline, not before another capitalised word or a possessive)."""
    by_end = {end: (start, label) for start, end, label in spans}
    taken: set[int] | None = None
    headline_end = text.find("\n")
    found = []
    for start, end, label in spans:
        if label != "GPE" or start < 2:
            continue
        before = doc[start - 1]
        if not (by_end.get(start, ("", ""))[1] == "ORG" or _is_cap_word(before)):
            continue  # most places follow "in", "of", a comma: nothing to look at
        if before.whitespace_ != " " or doc[start].idx < headline_end:
            continue
        if end < len(doc) and (_is_cap_word(doc[end]) or doc[end].text in ("'s", "\u2019s")):
            continue
        org_start, org_label = by_end.get(start, (start, ""))
        if org_label == "ORG" and start - org_start >= 2:  # not "told Reuters Ukraine had"
            found.append((org_start, end, "ORG"))
            continue
        if taken is None:
            taken = _taken(spans)
        first = start
        while (
            first > 0
            and start - first < 3
            and first - 1 not in taken
            and _is_cap_word(doc[first - 1])
            and doc[first - 1].whitespace_ == " "
        ):
            first -= 1
        words = doc[first:start]
        if len(words) < 2 or any(
            w.is_stop
            or w.text in LEXICON.not_name_words
            or w.text in LEXICON.discourse_words
            or w.lower_ in LEXICON.title_words
            or is_known_place(w.text)
            for w in words
        ):
            continue
        found.append((first, end, "ORG"))
    return found


# Last words of an organisation's name before a person's title ("ECOWAS Commission President").


def _orgs_before_titles(doc, spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """ "ECOWAS Commission President Omar Alieu Touray" where the model saw only the person: the
    capitalised name ending in an organisation word just before the title is an organisation."""
    taken = _taken(spans)
    found = []
    for start, _end, label in spans:
        if label != "PERSON" or start < 2 or doc[start - 1].lower_ not in LEXICON.title_words:
            continue
        last = start - 2
        if last in taken or doc[last].text not in LEXICON.organisation_words_before_titles:
            continue
        first = last
        while first > 0 and first - 1 not in taken and _is_cap_word(doc[first - 1]):
            first -= 1
        if first < last:
            found.append((first, last + 1, "ORG"))
    return found


def _name_part(token) -> bool:
    return (
        token.text[:1].isupper()
        and token.text not in LEXICON.not_name_words
        and token.text not in ROMAN_NUMERALS
        and all(c.isalpha() or c in "-'" for c in token.text)
    )


# Nouns that open the name of a national or state body named for its country or state
# ("Tennis Australia", "Elections Alberta", "Health New Zealand", "Statistics Canada").
BODY_NOUNS = LEXICON.body_nouns


def _bodies_named_for_places(text: str, mentions: list[Mention]) -> list[Mention]:
    """ "Tennis Australia chief executive Craig Tiley", "Health New Zealand, the national
    health agency": a place right after one of the nouns above (one space between) is the
    name of a national body, an organisation."""
    out = []
    for m in mentions:
        place = m.label in ("GPE", "LOC") or (m.entry is not None and m.entry.type == "LOCATION")
        noun = m.prev.rsplit(None, 1)[-1] if place and m.prev.strip() else ""
        start = m.start - len(noun) - 1
        if noun in BODY_NOUNS and start >= 0 and text.startswith(f"{noun} ", start):
            prev = m.prev[: len(m.prev.rstrip()) - len(noun)].rstrip()
            m = Mention(text[start : m.end], "ORG", start, m.end, None, prev, m.next)
        out.append(m)
    return out


def merge_mentions(ner: Sequence[Mention], gazetteer: Sequence[Mention]) -> list[Mention]:
    """Non-overlapping mentions in text order: longer spans win; on equal spans the gazetteer."""
    ranked = sorted(
        [*gazetteer, *ner],
        key=lambda m: (-(m.end - m.start), 0 if m.entry is not None else 1, m.start),
    )
    starts: list[int] = []  # kept spans, sorted and non-overlapping: bisect, not a scan
    kept: list[Mention] = []
    for mention in ranked:
        i = bisect.bisect_right(starts, mention.start)
        if i and kept[i - 1].end > mention.start:
            continue
        if i < len(kept) and kept[i].start < mention.end:
            continue
        starts.insert(i, mention.start)
        kept.insert(i, mention)
    return kept


# ", Kisumu" before another list member, or "and Eldoret": the next member of a list
_NEXT_IN_LIST = re.compile(r", ([A-Z][\w'-]+(?: [A-Z][\w'-]+)?)(?=,| and | or )")
_LAST_IN_LIST = re.compile(r",? (?:and|or) ([A-Z][\w'-]+(?: [A-Z][\w'-]+)?)(?![\w'-]| [A-Z])")


def _listed_places(doc, text: str, mentions: list[Mention]) -> list[Mention]:
    """ "in Mombasa, Kisumu and Eldoret" where the model found only the first: a known place
    (places.json) listed right after a place, where no entity is, is a place too."""
    starts = [m.start for m in mentions]
    found: list[Mention] = []
    for m in mentions:
        if m.label not in ("GPE", "LOC") and (m.entry is None or m.entry.type != "LOCATION"):
            continue
        pos = m.end
        while pos < len(text) and text[pos] in ", ":
            match = _NEXT_IN_LIST.match(text, pos) or _LAST_IN_LIST.match(text, pos)
            if match is None or not is_known_place(match.group(1)):
                break
            i = bisect.bisect_left(starts, match.start(1))
            if i < len(starts) and starts[i] < match.end(1):
                break  # an entity is there already
            span = doc.char_span(match.start(1), match.end(1))
            if span is None:
                break
            found.append(
                Mention(
                    match.group(1),
                    "GPE",
                    match.start(1),
                    match.end(1),
                    None,
                    *_around(doc, text, span.start, span.end),
                )
            )
            pos = match.end(1)
    if not found:
        return mentions
    return sorted(mentions + found, key=lambda m: m.start)


# Labels whose mentions the linker reads (it drops dates, numbers, money): only these get
# their context words sliced out.
_CONTEXT_LABELS = _NAME_LABELS | {"WORK_OF_ART", "LAW", APPOSITION, CUED_ORG}


class MentionFinder:
    """NER (spaCy, batched with nlp.pipe) plus gazetteer matches for one model."""

    def __init__(self, nlp, gazetteer: Gazetteer):
        self.nlp = nlp
        self.gazetteer = gazetteer
        self.matcher = GazetteerMatcher(nlp, gazetteer)

    def mentions(self, doc, text: str | None = None) -> list[Mention]:
        """`text`: the text `doc` was made from (doc.text rebuilds it from the tokens)."""
        text = doc.text if text is None else text
        ents = _Spans((e.start, e.end, e.label_) for e in doc.ents)
        ents.taken = {i for start, end, _ in ents for i in range(start, end)}
        spans = (
            _extend_spans(doc, _complete_names(doc, text, ents, self.gazetteer))
            + _titled_names(doc, text, ents)
            + _places_before_titles(doc, ents)
            + _names_after_titles(doc, text, ents)
            + _appositions(doc, text, ents)
            + _cued_names(doc, text, ents)
            + _orgs_before_titles(doc, ents)
            + _named_places(doc, text, ents)
            + _missed_places(doc, text, ents)
            + _same_surname(doc, text, ents)
            + _agents_and_mountains(doc, text, ents)
            + _names_after_nationality(doc, ents)
            + _headed_names(doc, text, ents)
            + _listed_between_orgs(doc, text, ents)
            + _orgs_named_for_a_country(doc, text, ents)
        )
        ner = []
        lower_words: set[str] | None = None  # the article's lower-case words, when first needed
        for start, end, label in spans:
            start_char, end_char = doc[start].idx, doc[end - 1].idx + len(doc[end - 1].text)
            if end - start == 1 and _sentence_start(text, start_char):
                word = doc[start].text
                if lower_words is None:
                    lower_words = set(_LOWER_WORD.findall(text))
                if word[1:].islower() and word.lower() in lower_words and not is_known_place(word):
                    continue  # "Farmers' groups ..." in an article about cocoa farmers
            last = doc[end - 1].text
            if (
                label == "PERSON"
                and last.endswith(".")
                and last not in LEXICON.abbreviations_ending_names
                and end - start > 1
            ):
                end_char -= 1  # "Hun Sen." read as the abbreviation "Sen."
            ner.append(
                Mention(
                    text[start_char:end_char],
                    label,
                    start_char,
                    end_char,
                    None,
                    *(_around(doc, text, start, end) if label in _CONTEXT_LABELS else ("", "")),
                )
            )
        merged = merge_mentions(ner, self.matcher(doc, text))
        return _listed_places(doc, text, _bodies_named_for_places(text, merged))

    def pipe(self, texts: Iterable[str], batch_size: int = 32) -> list[list[Mention]]:
        limit = self.nlp.max_length - 1  # spaCy refuses longer texts; the head has the names
        clipped = [text[:limit] for text in texts]
        docs = self.nlp.pipe(clipped, batch_size=batch_size)
        return [self.mentions(doc, text) for doc, text in zip(docs, clipped, strict=True)]
