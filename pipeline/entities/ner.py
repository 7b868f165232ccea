"""spaCy NER and the mention finders: the model's entities plus the names it missed.

One model per language, loaded once per process with only what NER needs. MentionFinder
takes the model's spans, repairs the names it cut short (repairs.py), adds what the finder
functions (finders.py) and the token patterns (patterns.py, data/patterns/) find, merges that
with the gazetteer's matches and runs two steps over the merged mentions. Every step is a rule
in RULES ("finder"): `RULES.disabled({name})` switches it off, `Mention.rule` names it.
"""

from __future__ import annotations

import bisect
import logging
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from newsflow.pipeline.entities.finders import APPOSITION, CUED_ORG, Spans
from newsflow.pipeline.entities.gazetteer import Gazetteer, GazetteerEntry, is_acronym
from newsflow.pipeline.entities.lexicon import LEXICON
from newsflow.pipeline.entities.patterns import PatternFinder
from newsflow.pipeline.entities.places import is_known_place
from newsflow.pipeline.entities.repairs import NAME_LABELS, repair_model_spans
from newsflow.pipeline.entities.rules import RULES

__all__ = [
    "APPOSITION",
    "BODY_NOUNS",
    "CUED_ORG",
    "ROMAN_NUMERALS",
    "ROYAL_TITLES",
    "Mention",
    "MentionFinder",
    "load_model",
    "merge_mentions",
]


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
    # the finder, pattern or repair that found it ("model", "gazetteer"): for explaining only
    rule: str = field(default="model", compare=False)


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
                        rule="gazetteer",
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
ROYAL_TITLES = LEXICON.royal_titles  # the linker's, until it reads LEXICON
ROMAN_NUMERALS = LEXICON.roman_numerals
BODY_NOUNS = LEXICON.body_nouns


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


_LOWER_WORD = re.compile(r"(?<![\w'-])[a-z]+(?![\w'-])")


def _sentence_start(text: str, i: int) -> bool:
    """Position i opens the text, a paragraph or a sentence (a capital there proves nothing)."""
    j = i - 1
    while j >= 0 and text[j] in _OPENING:
        j -= 1
    return j < 0 or text[j] in ".!?\n:"


_OPENING = frozenset(" \t\"'\u201c\u2018(")


_BODIES, _LISTED = "bodies_named_for_places", "places_listed_after_places"
RULES.declare("finder", _BODIES)
RULES.declare("finder", _LISTED)


def _bodies_named_for_places(text: str, mentions: list[Mention]) -> list[Mention]:
    """ "Tennis Australia chief executive Craig Tiley", "Health New Zealand, the national
    health agency": a place right after one of the body nouns (one space between) is the
    name of a national body, an organisation."""
    out = []
    for m in mentions:
        place = m.label in ("GPE", "LOC") or (m.entry is not None and m.entry.type == "LOCATION")
        noun = m.prev.rsplit(None, 1)[-1] if place and m.prev.strip() else ""
        start = m.start - len(noun) - 1
        if noun in LEXICON.body_nouns and start >= 0 and text.startswith(f"{noun} ", start):
            prev = m.prev[: len(m.prev.rstrip()) - len(noun)].rstrip()
            m = Mention(text[start : m.end], "ORG", start, m.end, None, prev, m.next, _BODIES)
        out.append(m)
    return out


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
            around = _around(doc, text, span.start, span.end)
            found.append(Mention(match.group(1), "GPE", *match.span(1), None, *around, _LISTED))
            pos = match.end(1)
    if not found:
        return mentions
    return sorted(mentions + found, key=lambda m: m.start)


# Labels whose mentions the linker reads (it drops dates, numbers, money): only these get
# their context words sliced out.
_CONTEXT_LABELS = NAME_LABELS | {"WORK_OF_ART", "LAW", APPOSITION, CUED_ORG}


class MentionFinder:
    """NER (spaCy, batched with nlp.pipe) plus gazetteer matches for one model."""

    def __init__(self, nlp, gazetteer: Gazetteer):
        self.nlp = nlp
        self.gazetteer = gazetteer
        self.matcher = GazetteerMatcher(nlp, gazetteer)
        self.patterns = PatternFinder(nlp.vocab)

    def mentions(self, doc, text: str | None = None) -> list[Mention]:
        """`text`: the text `doc` was made from (doc.text rebuilds it from the tokens)."""
        text = doc.text if text is None else text
        ents = Spans((e.start, e.end, e.label_) for e in doc.ents)
        spans = repair_model_spans(doc, text, ents, self.gazetteer)
        for name, finder in RULES.active("finder"):
            spans.extend((start, end, label, name) for start, end, label in finder(doc, text, ents))
        spans.extend(self.patterns(doc, ents))
        ner = []
        lower_words: set[str] | None = None  # the article's lower-case words, when first needed
        for start, end, label, rule in spans:
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
            around = _around(doc, text, start, end) if label in _CONTEXT_LABELS else ("", "")
            ner.append(
                Mention(text[start_char:end_char], label, start_char, end_char, None, *around, rule)
            )
        merged = merge_mentions(ner, self.matcher(doc, text))
        if RULES.enabled(_BODIES):
            merged = _bodies_named_for_places(text, merged)
        if RULES.enabled(_LISTED):
            merged = _listed_places(doc, text, merged)
        return merged

    def pipe(self, texts: Iterable[str], batch_size: int = 32) -> list[list[Mention]]:
        limit = self.nlp.max_length - 1  # spaCy refuses longer texts; the head has the names
        clipped = [text[:limit] for text in texts]
        docs = self.nlp.pipe(clipped, batch_size=batch_size)
        return [self.mentions(doc, text) for doc, text in zip(docs, clipped, strict=True)]
