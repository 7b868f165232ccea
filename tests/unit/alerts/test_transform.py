"""MatchAlerts Beam stage: alert_rules on documents, stable AlertEvents, dead letters."""

from __future__ import annotations

from typing import Any

import apache_beam as beam
import pytest
from apache_beam.testing.test_pipeline import TestPipeline as BeamPipeline
from apache_beam.testing.util import assert_that, equal_to

from newsflow.alerts.ids import alert_id
from newsflow.alerts.rules import parse_rules
from newsflow.errors import ConfigError
from newsflow.pipeline.records import Article, Envelope, Origin
from newsflow.pipeline.transforms.alerts import MatchAlerts
from newsflow.schema import AlertEvent, ArticleDocument, Source
from newsflow.settings import Settings

RULES = parse_rules(
    {
        "rules": [
            {
                "id": "treaty",
                "name": "Treaties",
                "query": '"arms control" OR "New START"',
                "channels": ["log"],
            },
            {"id": "putin", "query": "Kremlin", "entities": ["Vladimir Putin"]},
        ]
    }
)


def document(article_id: str, title: str, story_id: str | None = "s1", **extra: Any) -> Article:
    doc = ArticleDocument(
        id=article_id,
        url=f"https://example.org/{article_id}",
        title=title,
        body=extra.pop("body", ""),
        source=Source(
            name=extra.pop("source", "world-news"),
            feed_url="https://example.org/rss",
            domain="example.org",
        ),
        published_at="2026-11-24T10:00:00Z",
        fetched_at="2026-11-24T10:01:00Z",
        story_id=story_id,
        **extra,
    ).to_es()
    origin = Origin(topic="t.raw", partition=0, offset=1, key=article_id)
    return Article(doc, Envelope(None, origin))  # type: ignore[arg-type]


def test_documents_get_alert_rules_and_events_are_emitted() -> None:
    docs = [
        document("a1", "Arms control talks in Geneva"),
        document("a2", "Football results", story_id="s2"),
        document("a3", "Kremlin reacts to new START", story_id="s3", persons=["Vladimir Putin"]),
    ]
    with BeamPipeline() as p:
        out = p | beam.Create(docs) | "MatchAlerts" >> MatchAlerts(Settings(), RULES)
        ok = out.ok | "Rules" >> beam.Map(
            lambda a: (
                a.doc["id"],
                tuple(a.doc["alert_rules"]),
                a.envelope.origin.topic is not None,
                "_alert_events" in a.doc,
            )
        )
        alerts = out.alerts | "Ids" >> beam.Map(
            lambda a: (a["id"], a["rule_id"], a["article_id"], tuple(a["matched_terms"]))
        )
        assert_that(
            ok,
            equal_to(
                [
                    ("a1", ("treaty",), True, False),
                    ("a2", (), True, False),
                    ("a3", ("treaty", "putin"), True, False),
                ]
            ),
            label="Docs",
        )
        assert_that(
            alerts,
            equal_to(
                [
                    (alert_id("treaty", docs[0].doc), "treaty", "a1", ("arms control",)),
                    (alert_id("treaty", docs[2].doc), "treaty", "a3", ("New START",)),
                    (alert_id("putin", docs[2].doc), "putin", "a3", ("Kremlin",)),
                ]
            ),
            label="Alerts",
        )


def test_alert_events_are_valid_alert_events() -> None:
    with BeamPipeline() as p:
        out = p | beam.Create([document("a1", "Arms control")]) | MatchAlerts(Settings(), RULES)
        assert_that(
            out.alerts | beam.Map(lambda a: AlertEvent.model_validate(a).rule_name),
            equal_to(["Treaties"]),
        )


def test_same_story_two_outlets_share_one_alert_id_unless_dedupe_by_article() -> None:
    one, two = (
        document("a1", "Arms control deal", "story-9").doc,
        document("b7", "Arms control: deal done", "story-9").doc,
    )
    assert alert_id("treaty", one) == alert_id("treaty", two)
    assert alert_id("treaty", one, "article") != alert_id("treaty", two, "article")
    assert alert_id("other", one) != alert_id("treaty", one)
    # no story yet: falls back to the article
    assert alert_id("treaty", {**one, "story_id": None}) == alert_id("treaty", one, "article")


def test_bad_document_becomes_a_dead_letter() -> None:
    with BeamPipeline() as p:
        origin = Origin(topic="t.raw", partition=0, offset=5, key="k5")
        bad = Article({"title": "Arms control"}, Envelope(None, origin))  # type: ignore[typeddict-item]
        out = p | beam.Create([bad, document("a1", "calm day")]) | MatchAlerts(Settings(), RULES)
        assert_that(
            out.failed | beam.Map(lambda d: (d.stage, d.key, d.offset)),
            equal_to([("alerts", "k5", 5)]),
            label="Failed",
        )
        assert_that(out.ok | beam.Map(lambda a: a.doc["id"]), equal_to(["a1"]), label="Ok")


def test_rules_file_is_validated_when_the_pipeline_is_built(tmp_path) -> None:
    path = tmp_path / "alerts.yaml"
    path.write_text("rules:\n  - {id: broken, query: 'a OR'}\n", encoding="utf-8")
    settings = Settings().with_overrides(alerts={"rules_file": str(path)})
    with pytest.raises(ConfigError, match="rule broken"):
        MatchAlerts(settings)
    missing = Settings().with_overrides(alerts={"rules_file": str(tmp_path / "none.yaml")})
    assert MatchAlerts(missing).ruleset.rules == []


def test_dedupe_by_article_setting_reaches_the_stage() -> None:
    docs = [
        document("a1", "Arms control deal", "story-9"),
        document("b7", "Arms control: done", "story-9"),
    ]
    per_article = Settings().with_overrides(alerts={"dedupe_by": "article"})
    with BeamPipeline() as p:
        story = p | "Story" >> beam.Create(docs) | "ByStory" >> MatchAlerts(Settings(), RULES)
        article = (
            p | "Article" >> beam.Create(docs) | "ByArticle" >> MatchAlerts(per_article, RULES)
        )
        assert_that(
            story.alerts | "StoryIds" >> beam.Map(lambda a: a["id"]),
            equal_to([alert_id("treaty", docs[0].doc)] * 2),
            label="OneIdPerStory",
        )
        assert_that(
            article.alerts | "ArticleIds" >> beam.Map(lambda a: a["id"]),
            equal_to([alert_id("treaty", d.doc, "article") for d in docs]),
            label="OneIdPerArticle",
        )
