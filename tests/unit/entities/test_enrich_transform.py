"""The Beam stage and language handling: ExtractEntities on literal documents with TestPipeline."""

from __future__ import annotations

import apache_beam as beam
import pytest
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from newsflow.pipeline.entities import EntityEnricher
from newsflow.pipeline.records import Article
from newsflow.pipeline.transforms.enrich import ExtractEntities
from newsflow.schema import ArticleDocument
from newsflow.settings import Settings
from tests.support.entities import ENTITIES_FILE, MODEL
from tests.support.factories import enrichment_input, in_flight

GERMAN = "Bundeskanzler Olaf Scholz traf in Berlin den französischen Präsidenten Emmanuel Macron."
ENGLISH = "Emmanuel Macron met Olaf Scholz in Berlin on Tuesday. Macron later flew to Kiev."


def settings(**enrichment) -> Settings:
    base = {"entities_file": str(ENTITIES_FILE), "models": {"en": MODEL}, "batch_size": 2}
    return Settings().with_overrides(enrichment={**base, **enrichment})


def facets(article: Article) -> tuple:
    doc = article.doc
    return (
        doc["id"],
        doc.get("language"),
        sorted(doc["persons"]),
        sorted(doc["locations"]),
        article.envelope.raw,
    )


@pytest.mark.parametrize("language", ["de", None, ""])
def test_no_english_ner_on_other_or_unknown_languages(enricher: EntityEnricher, language) -> None:
    [doc] = enricher.enrich([enrichment_input(GERMAN, language=language)])
    assert doc["entities"] == [] and doc["persons"] == [] and doc["entity_aliases"] == []
    assert doc["language"] == language


def test_regional_language_tag_uses_base_model(enricher: EntityEnricher) -> None:
    [doc] = enricher.enrich([enrichment_input(ENGLISH, language="en-GB")])
    assert {"Emmanuel Macron", "Olaf Scholz"} <= set(doc["persons"])


def test_configured_but_missing_model_leaves_entities_empty(enricher: EntityEnricher) -> None:
    missing = EntityEnricher(enricher.gazetteer, {"en": MODEL, "de": "de_core_news_nonexistent"})
    de, en = missing.enrich([enrichment_input(GERMAN, language="de"), enrichment_input(ENGLISH)])
    assert de["entities"] == [] and de["language"] == "de"
    assert "Olaf Scholz" in en["persons"]


def test_bad_document_fails_alone(enricher: EntityEnricher) -> None:
    bad, good = enricher.enrich([enrichment_input(ENGLISH, title=42), enrichment_input(ENGLISH)])
    assert isinstance(bad, Exception) and "body" in str(bad)
    assert "Emmanuel Macron" in good["persons"]


def test_enriched_document_matches_schema(enricher: EntityEnricher) -> None:
    [doc] = enricher.enrich([enrichment_input(ENGLISH, title="Macron in Berlin")])
    doc = {k: v for k, v in doc.items() if not k.startswith("_")}
    doc |= {
        "source": {"name": "t", "feed_url": "http://x", "domain": "x"},
        "published_at": "2026-01-01T00:00:00Z",
        "fetched_at": "2026-01-01T00:00:00Z",
    }
    parsed = ArticleDocument.model_validate(doc)
    assert "Kyiv" in parsed.locations


def test_extract_entities_in_pipeline() -> None:
    docs = [
        in_flight(enrichment_input(ENGLISH, id="en1"), "raw-en1"),
        in_flight(enrichment_input(GERMAN, id="de1", language="de"), "raw-de1"),
        in_flight(enrichment_input("Vladimir Putin spoke in Moscow.", id="en2"), "raw-en2"),
        in_flight(enrichment_input(ENGLISH, id="bad", title=["not", "text"]), "raw-bad"),
    ]
    expected = [
        ("en1", "en", ["Emmanuel Macron", "Olaf Scholz"], ["Berlin", "Kyiv"], "raw-en1"),
        ("de1", "de", [], [], "raw-de1"),
        ("en2", "en", ["Vladimir Putin"], ["Moscow"], "raw-en2"),
    ]
    with TestPipeline() as p:
        out = p | beam.Create(docs) | "ExtractEntities" >> ExtractEntities(settings())
        assert_that(out.ok | "Facets" >> beam.Map(facets), equal_to(expected), label="ok")
        dead = out.failed | "Letters" >> beam.Map(lambda d: (d.stage, d.payload, d.field))
        assert_that(dead, equal_to([("enrich", "raw-bad", "body")]), label="failed")


def test_disabled_enrichment_passes_documents_through() -> None:
    with TestPipeline() as p:
        out = (
            p
            | beam.Create([in_flight(enrichment_input(ENGLISH, id="en1"), "r")])
            | ExtractEntities(settings(enabled=False))
        )
        assert_that(out.ok | beam.Map(facets), equal_to([("en1", "en", [], [], "r")]))


def test_one_enricher_per_process_for_every_instance_of_the_stage() -> None:
    from newsflow.pipeline.transforms.enrich import EnricherSpec, _ExtractEntitiesFn

    spec = EnricherSpec.from_settings(settings())
    first, second = _ExtractEntitiesFn(spec), _ExtractEntitiesFn(spec)
    first.setup()
    second.setup()
    assert first.enricher is second.enricher
    other = _ExtractEntitiesFn(EnricherSpec.from_settings(settings(batch_size=3)))
    other.setup()
    assert other.enricher is not first.enricher and other.enricher.batch_size == 3
