"""Foundation against the real servers: init, produce -> consume, index -> search, CLI search."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime

from newsflow.admin import initialise, topic_specs
from newsflow.clients import elasticsearch_client, kafka_admin, kafka_consumer, kafka_producer
from newsflow.schema import ArticleDocument, Entity, Source
from newsflow.search import search_articles
from newsflow.settings import Settings
from tests.support.stack import settings_env


def test_init_is_idempotent_and_creates_the_contract(isolated: Settings):
    again = initialise(isolated)  # the fixture ran it once already
    assert again.topics_created == [] and again.indices_created == []
    idx = isolated.indices
    assert set(again.aliases_existing) == {
        idx.articles,
        idx.alerts,
        idx.stories,
        idx.story_sketches,
    }

    admin = kafka_admin(isolated)
    try:
        described = {t["name"]: t for t in admin.describe_topics(list(topic_specs(isolated)))}
        assert len(described[isolated.topics.raw]["partitions"]) == isolated.topics.partitions
        assert len(described[isolated.topics.connector_state]["partitions"]) == 1
    finally:
        admin.close()
    es = elasticsearch_client(isolated)
    try:
        alias = es.indices.get_alias(name=isolated.indices.articles)
        [(index, body)] = alias.items()
        assert body["aliases"][isolated.indices.articles]["is_write_index"] is True
        mapping = es.indices.get_mapping(index=index)[index]["mappings"]["properties"]
        for field in (
            "id",
            "url",
            "title",
            "summary",
            "body",
            "source",
            "published_at",
            "fetched_at",
            "language",
            "entities",
            "persons",
            "organizations",
            "locations",
            "story_id",
            "alert_rules",
        ):
            assert field in mapping, field
        assert mapping["persons"]["type"] == "keyword"
        assert set(mapping["source"]["properties"]) >= {"name", "feed_url", "domain"}
    finally:
        es.close()


def test_produce_then_consume_on_real_kafka(isolated: Settings):
    producer = kafka_producer(isolated)
    keys = [uuid.uuid4().hex for _ in range(20)]
    for key in keys:
        producer.send(isolated.topics.raw, key=key.encode(), value=json.dumps({"k": key}).encode())
    producer.flush(timeout=30)
    producer.close()

    consumer = kafka_consumer(
        isolated, isolated.topics.raw, group_id=f"{isolated.topics.raw}-reader"
    )
    seen: dict[str, dict] = {}
    deadline = time.monotonic() + 30
    while len(seen) < len(keys) and time.monotonic() < deadline:
        for records in consumer.poll(timeout_ms=500).values():
            for record in records:
                seen[record.key.decode()] = json.loads(record.value)
    consumer.close()
    assert set(seen) == set(keys)
    assert all(seen[k] == {"k": k} for k in keys)


def _doc(doc_id: str, title: str, body: str, persons: list[str]) -> ArticleDocument:
    now = datetime.now(UTC)
    return ArticleDocument(
        id=doc_id,
        url=f"https://news.example/{doc_id}",
        title=title,
        summary=title,
        body=body,
        source=Source(
            name="world-news", feed_url="https://news.example/rss", domain="news.example"
        ),
        published_at=now,
        fetched_at=now,
        language="en",
        entities=[Entity(name=p, type="PERSON", mentions=1, surface_forms=[p]) for p in persons],
        persons=persons,
        story_id=doc_id,
    )


def test_index_then_search_through_the_alias(isolated: Settings):
    es = elasticsearch_client(isolated)
    docs = [
        _doc(
            "a1",
            "Kremlin says Kiev avoiding peace talks",
            "Dmitry Peskov told reporters ...",
            ["Dmitry Peskov"],
        ),
        _doc("a2", "Storms close Alpine passes", "Snow and wind in the Alps.", []),
    ]
    for doc in docs:
        es.index(index=isolated.indices.articles, id=doc.id, document=doc.to_es())
    es.indices.refresh(index=isolated.indices.articles)
    es.close()

    total, hits = search_articles(isolated, "Peskov")
    assert total == 1 and hits[0]["id"] == "a1" and hits[0]["persons"] == ["Dmitry Peskov"]
    total, _ = search_articles(isolated, "nothing-like-this-anywhere")
    assert total == 0


def test_search_cli_json_prints_one_hit_per_line(isolated: Settings):
    es = elasticsearch_client(isolated)
    doc = _doc("c1", "New START treaty limits", "Arms control talk with Peskov.", ["Dmitry Peskov"])
    es.index(index=isolated.indices.articles, id=doc.id, document=doc.to_es(), refresh=True)
    es.close()
    out = subprocess.run(
        [sys.executable, "-m", "newsflow.cli", "search", "treaty", "--json", "--limit", "5"],
        env=settings_env(isolated),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    lines = [json.loads(line) for line in out.splitlines() if line.strip()]
    assert len(lines) == 1
    assert set(lines[0]) == {
        "id",
        "title",
        "url",
        "published_at",
        "persons",
        "organizations",
        "locations",
    }
    assert lines[0]["id"] == "c1"


def test_init_applies_the_configured_refresh_interval_to_existing_indices(isolated: Settings):
    es = elasticsearch_client(isolated)
    try:

        def refresh_interval() -> str:
            found = es.indices.get_settings(index=isolated.indices.articles, name="*refresh*")
            [body] = found.values()
            return body["settings"]["index"]["refresh_interval"]

        assert refresh_interval() == isolated.indices.refresh_interval  # created with it
        initialise(isolated.with_overrides(indices={"refresh_interval": "2s"}))
        assert refresh_interval() == "2s"  # an existing index follows the configuration
        initialise(isolated)
        assert refresh_interval() == isolated.indices.refresh_interval
    finally:
        es.close()
