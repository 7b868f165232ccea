"""Shared fixtures for entity tests: the real gazetteer, one enricher, and what a text yields.

Behaviour tests go through the public API only (MentionFinder.mentions, link, enrich), so
the rules behind them can be renamed, merged or turned into data without touching a test.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest
import spacy
from spacy.tokens import Doc

from newsflow.pipeline.entities import EntityEnricher, Gazetteer, link, load_gazetteer
from newsflow.pipeline.entities.ner import Mention, MentionFinder, load_model
from tests.support.entities import ENTITIES_FILE, MODEL

Tagged = Sequence[tuple[str, str]]


class TextReader:
    """What the pipeline makes of one text: its mentions, and the entities linked from them.

    `tagged`: spaCy's entities are these (words, label) spans, each the next occurrence of
    the words, on a blank English tokenizer, instead of the model's. A test pins a rule on a
    fixed model output that way, so a new model version cannot move it.
    `gazetteer`: defaults to the real one (configs/entities.yaml)."""

    def __init__(self, gazetteer: Gazetteer):
        self.gazetteer = gazetteer
        self.model = load_model(MODEL)
        self.blank = spacy.blank("en")

    def mentions(
        self, text: str, tagged: Tagged | None = None, gazetteer: Gazetteer | None = None
    ) -> list[Mention]:
        gazetteer = self.gazetteer if gazetteer is None else gazetteer
        if tagged is None:
            return MentionFinder(self.model, gazetteer).mentions(self.model(text), text)
        doc = self._tagged_doc(text, tagged)
        return MentionFinder(self.blank, gazetteer).mentions(doc, text)

    def entities(
        self, text: str, tagged: Tagged | None = None, gazetteer: Gazetteer | None = None
    ) -> dict[str, str]:
        """{canonical name: type}."""
        gazetteer = self.gazetteer if gazetteer is None else gazetteer
        found = link(self.mentions(text, tagged, gazetteer), gazetteer)
        return {e.name: e.type for e in found}

    def _tagged_doc(self, text: str, tagged: Tagged) -> Doc:
        doc = self.blank(text)
        spans, searched_from = [], dict[str, int]()
        for words, label in tagged:
            start = text.index(words, searched_from.get(words, 0))
            searched_from[words] = start + len(words)
            span = doc.char_span(start, start + len(words), label=label)
            if span is None:
                msg = f"{words!r} does not start and end on token boundaries in {text!r}"
                raise ValueError(msg)
            spans.append(span)
        doc.ents = spans
        return doc


@pytest.fixture(scope="session")
def gazetteer() -> Gazetteer:
    return load_gazetteer(ENTITIES_FILE)


@pytest.fixture(scope="session")
def enricher(gazetteer: Gazetteer) -> EntityEnricher:
    return EntityEnricher(gazetteer, {"en": MODEL}, batch_size=8)


@pytest.fixture(scope="session")
def reader(gazetteer: Gazetteer) -> TextReader:
    return TextReader(gazetteer)
