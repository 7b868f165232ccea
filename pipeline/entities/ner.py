"""spaCy NER: one model per language, loaded once per process with only what NER needs."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pipeline.entities.gazetteer import Gazetteer, GazetteerEntry, is_acronym

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
    prev: str = ""  # the two words before, lower-cased ("city of" Valencia): type evidence


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

    def __call__(self, doc) -> list[Mention]:
        found = []
        for matcher in (self._exact, self._folded):
            for match_id, start, end in matcher(doc):
                span = doc[start:end]
                if not span.text[:1].isupper():  # "turkey", "chad": only capitalised text is a name
                    continue
                if _inside_longer_name(doc, start):  # "Madrid" in "Real Madrid"
                    continue
                entry = self._entries[match_id]
                found.append(Mention(span.text, "GAZETTEER", span.start_char, span.end_char, entry))
        return found


_TITLE_WORDS = frozenset({"president", "minister", "prime", "chancellor", "king", "queen", "pope", "mr", "mrs", "ms", "dr", "senator", "governor", "mayor", "general", "secretary", "spokesman", "spokeswoman", "spokesperson", "premier", "prince", "princess", "judge", "sheikh", "lord", "sir", "ambassador", "envoy", "commander", "chief", "leader"})  # fmt: skip


def _inside_longer_name(doc, start: int) -> bool:
    """The match follows a capitalised word that is neither a title nor a sentence opener."""
    if start == 0:
        return False
    prev = doc[start - 1]
    if not (prev.is_alpha and prev.text[:1].isupper()) or prev.lower_ in _TITLE_WORDS:
        return False
    if start == 1:
        return False
    before = doc[start - 2]
    return (
        not (before.is_punct and before.text in '.!?:"\u201c') and "\n" not in before.text_with_ws
    )


def merge_mentions(ner: Sequence[Mention], gazetteer: Sequence[Mention]) -> list[Mention]:
    """Non-overlapping mentions in text order: longer spans win; on equal spans the gazetteer."""
    ranked = sorted(
        [*gazetteer, *ner],
        key=lambda m: (-(m.end - m.start), 0 if m.entry is not None else 1, m.start),
    )
    taken: list[Mention] = []
    for mention in ranked:
        if all(mention.end <= t.start or mention.start >= t.end for t in taken):
            taken.append(mention)
    return sorted(taken, key=lambda m: m.start)


class MentionFinder:
    """NER (spaCy, batched with nlp.pipe) plus gazetteer matches for one model."""

    def __init__(self, nlp, gazetteer: Gazetteer):
        self.nlp = nlp
        self.matcher = GazetteerMatcher(nlp, gazetteer)

    def mentions(self, doc) -> list[Mention]:
        ner = [
            Mention(
                e.text,
                e.label_,
                e.start_char,
                e.end_char,
                None,
                " ".join(t.lower_ for t in doc[max(0, e.start - 2) : e.start]),
            )
            for e in doc.ents
        ]
        return merge_mentions(ner, self.matcher(doc))

    def pipe(self, texts: Iterable[str], batch_size: int = 32) -> list[list[Mention]]:
        limit = self.nlp.max_length - 1  # spaCy refuses longer texts; the head has the names
        clipped = (text[:limit] for text in texts)
        return [self.mentions(doc) for doc in self.nlp.pipe(clipped, batch_size=batch_size)]
