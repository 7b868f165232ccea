"""Elasticsearch index definitions: news-articles, news-alerts, news-stories (contracts) and the
stories stage's news-story-sketches."""

from __future__ import annotations

from typing import Any

# Accent-insensitive text when the cluster has the analysis-common module (asciifolding);
# the integ-test-zip lacks it, so we fall back to the built-in standard analyzer.
FOLDING_ANALYZER = {
    "analyzer": {
        "newsflow_text": {
            "type": "custom",
            "tokenizer": "standard",
            "filter": ["lowercase", "asciifolding"],
        }
    },
    "normalizer": {"newsflow_keyword": {"type": "custom", "filter": ["lowercase", "asciifolding"]}},
}


def text_field(analyzer: str) -> dict[str, Any]:
    return {"type": "text", "analyzer": analyzer}


def _keyword_with_text(analyzer: str) -> dict[str, Any]:
    return {"type": "keyword", "fields": {"text": text_field(analyzer)}}


def article_mappings(analyzer: str) -> dict[str, Any]:
    entity = {
        "type": "nested",
        "properties": {
            "name": _keyword_with_text(analyzer),
            "type": {"type": "keyword"},
            "mentions": {"type": "integer"},
            "surface_forms": _keyword_with_text(analyzer),
            "wikidata": {"type": "keyword"},
        },
    }
    return {
        "dynamic": False,
        "_meta": {"schema": "newsflow.article/1"},
        "properties": {
            "id": {"type": "keyword"},
            "url": {"type": "keyword", "ignore_above": 4096},
            "title": {
                **text_field(analyzer),
                "fields": {"raw": {"type": "keyword", "ignore_above": 1024}},
            },
            "summary": text_field(analyzer),
            "body": text_field(analyzer),
            "authors": {"type": "keyword"},
            "categories": {"type": "keyword"},
            "source": {
                "properties": {
                    "name": {"type": "keyword"},
                    "feed_url": {"type": "keyword", "ignore_above": 4096},
                    "domain": {"type": "keyword"},
                    "tags": {"type": "keyword"},
                }
            },
            "published_at": {"type": "date"},
            "published_at_estimated": {"type": "boolean"},
            "fetched_at": {"type": "date"},
            "indexed_at": {"type": "date"},
            "language": {"type": "keyword"},
            "entities": entity,
            "persons": _keyword_with_text(analyzer),
            "organizations": _keyword_with_text(analyzer),
            "locations": _keyword_with_text(analyzer),
            "entity_aliases": text_field(analyzer),
            "story_id": {"type": "keyword"},
            "alert_rules": {"type": "keyword"},
            "revision": {"type": "integer"},
            "content_hash": {"type": "keyword"},
        },
    }


def story_mappings(analyzer: str) -> dict[str, Any]:
    """news-stories: one document per story, kept by the pipeline (pipeline/stories/summary.py)."""
    return {
        "dynamic": False,
        "_meta": {"schema": "newsflow.story/1"},
        "properties": {
            "story_id": {"type": "keyword"},
            "title": {
                **text_field(analyzer),
                "fields": {"raw": {"type": "keyword", "ignore_above": 1024}},
            },
            "url": {"type": "keyword", "ignore_above": 4096},
            "first_article_id": {"type": "keyword"},
            "first_seen": {"type": "date"},
            "last_seen": {"type": "date"},
            "updated_at": {"type": "date"},
            "article_count": {"type": "integer"},
            "source_count": {"type": "integer"},
            "sources": {"type": "keyword"},
            "languages": {"type": "keyword"},
            "persons": {"type": "keyword"},
            "organizations": {"type": "keyword"},
            "locations": {"type": "keyword"},
            # what each article contributed, so a replay or a revision never counts twice:
            # base64 JSON {article id: {title, url, source, published_at, language, persons,
            # organizations, locations}} (pipeline/stories/summary.py decode_members)
            "members": {"type": "binary"},
        },
    }


def story_lock_index(sketches_alias: str) -> str:
    """The story lock's own small index, next to the sketches (their template covers it)."""
    return f"{sketches_alias}-lock"


def story_sketch_mappings() -> dict[str, Any]:
    """news-story-sketches: the stories stage's state, one sketch per article (and the story
    lock), read back by key lookups; nothing here is for analysts."""
    return {
        "dynamic": False,
        "_meta": {"schema": "newsflow.story-sketch/1"},
        "properties": {
            "story_id": {"type": "keyword", "index": False, "doc_values": False},
            "keys": {"type": "long", "doc_values": False},  # 48-bit lookup keys
            "content_hash": {"type": "keyword", "doc_values": False},
            "published_at": {"type": "date"},
            "sketched_at": {"type": "date", "format": "epoch_millis"},
            "shingles": {"type": "binary"},
            "words": {"type": "binary"},
        },
    }


def alert_mappings(analyzer: str) -> dict[str, Any]:
    return {
        "dynamic": False,
        "_meta": {"schema": "newsflow.alert/1"},
        "properties": {
            "id": {"type": "keyword"},
            "rule_id": {"type": "keyword"},
            "rule_name": {"type": "keyword"},
            "article_id": {"type": "keyword"},
            "story_id": {"type": "keyword"},
            "title": text_field(analyzer),
            "url": {"type": "keyword", "ignore_above": 4096},
            "source_name": {"type": "keyword"},
            "matched_terms": {"type": "keyword"},
            "matched_entities": {"type": "keyword"},
            "snippets": text_field(analyzer),
            "channels": {"type": "keyword"},
            "published_at": {"type": "date"},
            "triggered_at": {"type": "date"},
            "delivery": {
                "properties": {
                    "channel": {"type": "keyword"},
                    "status": {"type": "keyword"},
                    "attempts": {"type": "integer"},
                    "reason": {"type": "text"},
                    "at": {"type": "date"},
                }
            },
        },
    }


def index_settings(
    shards: int, replicas: int, refresh_interval: str, folding: bool
) -> dict[str, Any]:
    settings: dict[str, Any] = {
        "number_of_shards": shards,
        "number_of_replicas": replicas,
        "refresh_interval": refresh_interval,
    }
    if folding:
        settings["analysis"] = FOLDING_ANALYZER
    return settings
