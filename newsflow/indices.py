"""Elasticsearch index definitions: the news-articles and news-alerts contracts."""

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
            # story clustering (pipeline/transforms/stories.py): the bands are only read back
            # from _source (never searched: not indexed); the probes are only term-matched
            "story_bands": {"type": "keyword", "index": False, "doc_values": False},
            "story_probes": {"type": "keyword", "doc_values": False},
            "alert_rules": {"type": "keyword"},
            "revision": {"type": "integer"},
            "content_hash": {"type": "keyword"},
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
