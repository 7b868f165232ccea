"""Enriched documents in the real Elasticsearch: either spelling of an aliased name finds the
article, and a terms aggregation on persons counts each person once per article."""

from __future__ import annotations

from datetime import UTC, datetime

from elasticsearch import helpers

from newsflow.clients import elasticsearch_client
from newsflow.pipeline.entities import EntityEnricher
from newsflow.schema import ArticleDocument, Source
from newsflow.search import search_articles
from newsflow.settings import Settings

KIEV_ARTICLE = (
    "Kremlin spokesperson Dmitry Peskov said Kiev had shown no interest in talks. Peskov said "
    'a Putin-Trump meeting was not planned. "Not yet," Peskov said when asked whether the '
    "United States had replied. Vladimir Putin and Donald Trump last met in Alaska."
)
KYIV_ARTICLE = (
    "President Volodymyr Zelensky met Dmitry Peskov's critics in Kyiv. Zelensky said Kyiv "
    "needed air defence; Zelensky thanked the U.S. for its support."
)
UNRELATED = "Jerome Powell said the Federal Reserve would keep rates steady in Washington."


def document(doc_id: str, title: str, body: str) -> dict:
    now = datetime(2026, 11, 25, tzinfo=UTC)
    source = Source(name="test", feed_url="http://127.0.0.1/feed", domain="127.0.0.1")
    return ArticleDocument(
        id=doc_id,
        title=title,
        body=body,
        source=source,
        published_at=now,
        fetched_at=now,
        language="en",
    ).to_es()


def index(settings: Settings, docs: list[dict]) -> None:
    es = elasticsearch_client(settings)
    try:
        actions = [
            {
                "_index": settings.indices.articles,
                "_id": d["id"],
                "_source": ArticleDocument.model_validate(d).to_es(),
            }
            for d in docs
        ]
        helpers.bulk(es, actions, refresh="wait_for")
    finally:
        es.close()


def test_either_spelling_finds_the_article_and_persons_count_once(
    isolated: Settings, enricher: EntityEnricher
) -> None:
    raw = [
        document("kiev-1", "Kremlin: Kiev avoids talks", KIEV_ARTICLE),
        document("kyiv-1", "Zelensky in the capital", KYIV_ARTICLE),
        document("fed-1", "Fed holds rates", UNRELATED),
    ]
    enriched = enricher.enrich(raw)
    assert all(isinstance(d, dict) for d in enriched)
    index(isolated, enriched)  # type: ignore[arg-type]

    for query in ("Kiev", "Kyiv", "kyiv"):
        _total, hits = search_articles(isolated, query)
        assert {h["id"] for h in hits} == {"kiev-1", "kyiv-1"}, query
    _total, hits = search_articles(isolated, "Peskov")
    assert {h["id"] for h in hits} == {"kiev-1", "kyiv-1"}
    _total, hits = search_articles(isolated, "Kiev Trump")
    assert [h["id"] for h in hits] == ["kiev-1"]

    es = elasticsearch_client(isolated)
    try:
        resp = es.search(
            index=isolated.indices.articles,
            size=0,
            aggs={"persons": {"terms": {"field": "persons", "size": 50}}},
        )
    finally:
        es.close()
    counts = {b["key"]: b["doc_count"] for b in resp["aggregations"]["persons"]["buckets"]}
    assert counts["Dmitry Peskov"] == 2  # mentioned 5 times in two articles
    assert counts["Vladimir Putin"] == 1 and counts["Donald Trump"] == 1
    assert "Peskov" not in counts and "Kiev" not in counts and "Putin-Trump" not in counts
