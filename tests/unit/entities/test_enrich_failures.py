"""An enrich-stage failure through the Beam stage: one dead letter and one traceback per document.

A document that fails NER or linking is dead-lettered with the reason; its traceback is logged
exactly once (the batch that failed around it says so in one line, without a second copy)."""

from __future__ import annotations

import apache_beam as beam
import pytest
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from newsflow.pipeline.entities import enricher as enricher_module
from newsflow.pipeline.entities.ner import MentionFinder
from newsflow.pipeline.transforms.enrich import ExtractEntities
from newsflow.settings import Settings
from tests.support.entities import ENTITIES_FILE, MODEL
from tests.support.factories import enrichment_input, in_flight

TRACEBACK = "Traceback (most recent call last)"


class _Broken(Exception):
    """What the monkeypatched step raises (spaCy's E040 was the real one)."""


def _settings() -> Settings:
    enrichment = {"entities_file": str(ENTITIES_FILE), "models": {"en": MODEL}, "batch_size": 4}
    return Settings().with_overrides(enrichment=enrichment)


def _break(step: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make `step` ("NER" or "linking") fail for texts that say "Broken"."""
    if step == "NER":
        mentions = MentionFinder.mentions

        def failing_mentions(self, doc, text=None):
            if "Broken" in (text or doc.text):
                raise _Broken(step)
            return mentions(self, doc, text)

        monkeypatch.setattr(MentionFinder, "mentions", failing_mentions)
    else:
        link = enricher_module.link

        def failing_link(found, gazetteer):
            if any("Broken" in m.text for m in found):
                raise _Broken(step)
            return link(found, gazetteer)

        monkeypatch.setattr(enricher_module, "link", failing_link)


@pytest.mark.parametrize("step", ["NER", "linking"])
def test_a_failed_document_is_one_dead_letter_and_one_logged_traceback(
    step: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    _break(step, monkeypatch)
    docs = [
        in_flight(enrichment_input("Vladimir Putin spoke in Moscow.", id="ok"), "raw-ok"),
        in_flight(enrichment_input("Broken Zarnco met Quell Broken.", id="b1"), "raw-b1"),
        in_flight(enrichment_input("Broken Holdings said so.", id="b2"), "raw-b2"),
    ]
    with TestPipeline() as p:
        out = p | beam.Create(docs) | "ExtractEntities" >> ExtractEntities(_settings())
        ok = out.ok | "Ids" >> beam.Map(lambda a: a.doc["id"])
        assert_that(ok, equal_to(["ok"]), label="ok")
        dead = out.failed | "Letters" >> beam.Map(lambda d: (d.payload, d.reason))
        reason = f"{step} failed: _Broken: {step}"
        expected = [("raw-b1", reason), ("raw-b2", reason)]
        assert_that(dead, equal_to(expected), label="failed")
    assert caplog.text.count(TRACEBACK) == 2  # one per failed document, not one per report
    with_traceback = [r for r in caplog.records if r.exc_info]
    assert len(with_traceback) == 2 and all(r.levelname == "WARNING" for r in with_traceback)
