"""ParseArticles: valid records become documents; poison becomes dead letters with the payload."""

from __future__ import annotations

import apache_beam as beam
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from newsflow.pipeline.records import Envelope, Origin
from newsflow.pipeline.transforms.parse import ParseArticles, to_envelope
from newsflow.settings import Settings
from tests.support.factories import kafka_record, raw_article

SETTINGS = Settings().with_overrides(pipeline={"max_body_chars": 1000})


def test_valid_record_becomes_document_with_raw_payload_and_origin():
    payload = raw_article(1).to_json()
    with TestPipeline() as p:
        out = (
            p
            | beam.Create([kafka_record(payload, offset=7)])
            | beam.Map(to_envelope)
            | ParseArticles(SETTINGS)
        )
        summary = out.ok | beam.Map(
            lambda a: (
                a.doc["id"],
                a.doc["title"],
                a.doc["revision"],
                a.envelope.raw,
                a.envelope.origin.offset,
            )
        )
        assert_that(
            summary, equal_to([("article-0001", "Headline number 1", 1, payload, 7)]), label="ok"
        )
        assert_that(out.failed, equal_to([]), label="failed")


def test_the_feeds_language_travels_with_the_article_for_language_detection():
    payload = raw_article(1, language_hint="fr-FR").to_json()
    with TestPipeline() as p:
        out = (
            p
            | beam.Create([kafka_record(payload)])
            | beam.Map(to_envelope)
            | ParseArticles(SETTINGS)
        )
        assert_that(out.ok | beam.Map(lambda a: a.language_hint), equal_to(["fr-FR"]))


def test_poison_records_are_dead_lettered_with_stage_reason_and_payload():
    values = [
        b"not json at all",
        b'{"schema": "other/1", "id": "x"}',
        b"\xff\xfe\x00binary\x80",
        raw_article(2).to_json().replace(b'"revision":1', b'"revision":0'),
        None,
    ]
    with TestPipeline() as p:
        out = (
            p
            | beam.Create([kafka_record(v, offset=i) for i, v in enumerate(values)])
            | beam.Map(to_envelope)
            | ParseArticles(SETTINGS)
        )
        summary = out.failed | beam.Map(
            lambda d: (d.offset, d.stage, d.field, d.payload_encoding, d.original())
        )
        assert_that(
            summary,
            equal_to(
                [
                    (0, "parse", None, "utf-8", values[0]),
                    (1, "parse", "schema", "utf-8", values[1]),
                    (2, "parse", None, "base64", values[2]),
                    (3, "parse", "revision", "utf-8", values[3]),
                    (4, "parse", None, "utf-8", b""),
                ]
            ),
            label="failed",
        )
        assert_that(out.ok, equal_to([]), label="ok")


def test_dead_letter_reason_names_the_problem():
    with TestPipeline() as p:
        out = (
            p
            | beam.Create([kafka_record(b"{oops")])
            | beam.Map(to_envelope)
            | ParseArticles(SETTINGS)
        )
        reasons = out.failed | beam.Map(lambda d: d.reason.startswith("not JSON"))
        assert_that(reasons, equal_to([True]))


def test_oversize_record_is_refused_before_parsing():
    big = raw_article(3, content_html="<p>" + "x" * 20_000 + "</p>").to_json()
    with TestPipeline() as p:
        out = p | beam.Create([kafka_record(big)]) | beam.Map(to_envelope) | ParseArticles(SETTINGS)
        summary = out.failed | beam.Map(
            lambda d: (d.field, "exceeds" in d.reason, len(d.original()))
        )
        assert_that(summary, equal_to([("content_html", True, len(big))]))


def test_file_lines_carry_the_file_as_origin():
    line = raw_article(4).to_json().decode()
    envelope = to_envelope(("/data/backfill.jsonl", line))
    assert envelope == Envelope(line, Origin(topic="file:/data/backfill.jsonl"))


def test_document_from_raw_is_an_article_document_as_is():
    """Built without the model: it must validate and round-trip through ArticleDocument unchanged."""
    from newsflow.pipeline.transforms.parse import document_from_raw
    from newsflow.schema import ArticleDocument

    for article in (
        raw_article(),
        raw_article(title=None, summary_html=None, authors=["A. Writer"], language_hint="fr"),
    ):
        doc = document_from_raw(article)
        public = {k: v for k, v in doc.items() if not k.startswith("_")}
        assert ArticleDocument.model_validate(public).to_es() == public
        assert set(public) == set(ArticleDocument.model_fields)
        assert public["summary"] == (article.summary_html or "")
    first, second = document_from_raw(raw_article()), document_from_raw(raw_article())
    assert first["entities"] is not second["entities"]  # no list shared between documents
