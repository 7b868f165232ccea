"""The document the pipeline indexes and publishes is ArticleDocument: same fields, valid as is."""

from __future__ import annotations

import json
from typing import get_type_hints

import apache_beam as beam
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from newsflow.alerts.rules import parse_rules
from newsflow.pipeline.io.elasticsearch import bulk_lines
from newsflow.pipeline.records import Article, serialize_document
from newsflow.pipeline.transforms.alerts import MatchAlerts
from newsflow.pipeline.transforms.clean import CleanArticles
from newsflow.pipeline.transforms.enrich import ExtractEntities
from newsflow.pipeline.transforms.language import DetectLanguage
from newsflow.pipeline.transforms.parse import ParseArticles, to_envelope
from newsflow.schema import ArticleDocument, ArticleFields
from newsflow.settings import Settings
from tests.support.factories import kafka_record, raw_article

SETTINGS = Settings().with_overrides(enrichment={"enabled": False})
RULES = parse_rules({"rules": [{"id": "story", "query": "story"}]})


def test_the_typed_document_has_exactly_the_fields_of_the_model():
    assert list(get_type_hints(ArticleFields)) == list(ArticleDocument.model_fields)


def _written(article: Article) -> tuple[dict, dict]:
    """What the articles sink indexes and what news.enriched receives, for one article."""
    lines = bulk_lines(article.doc, "articles", "versioned", "2026-11-24T10:06:00Z")
    _key, value = serialize_document(article)
    return json.loads(lines.splitlines()[1]), json.loads(value)


def test_what_the_stages_write_validates_as_article_document_unchanged():
    payloads = [raw_article(n, language_hint="en").to_json() for n in (1, 2)]
    with TestPipeline() as p:
        articles = (
            p
            | beam.Create([kafka_record(v, offset=i) for i, v in enumerate(payloads)])
            | beam.Map(to_envelope)
            | ParseArticles(SETTINGS)
        ).ok
        articles = (articles | CleanArticles(SETTINGS)).ok
        articles = (articles | DetectLanguage()).ok
        articles = (articles | ExtractEntities(SETTINGS)).ok
        articles = (articles | MatchAlerts(SETTINGS, RULES)).ok
        written = articles | beam.Map(_written)
        checked = written | beam.Map(
            lambda pair: [
                (
                    sorted(doc) == sorted(ArticleDocument.model_fields),
                    ArticleDocument.model_validate(doc).to_es() == doc,
                    doc["alert_rules"],
                )
                for doc in pair
            ]
        )
        assert_that(checked, equal_to([[(True, True, ["story"])] * 2] * 2))
