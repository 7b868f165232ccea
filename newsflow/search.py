"""`newsflow search`: full-text search over the news-articles alias."""

from __future__ import annotations

from typing import Any

from newsflow.clients import elasticsearch_client
from newsflow.settings import Settings

SEARCH_FIELDS = [
    "title^3",
    "summary^2",
    "body",
    "entity_aliases^2",
    "persons.text^2",
    "organizations.text^2",
    "locations.text^2",
]
HIT_FIELDS = ("id", "title", "url", "published_at", "persons", "organizations", "locations")


def build_query(text: str) -> dict[str, Any]:
    """simple_query_string: words AND-ed, "phrases", -exclusions, a|b; never a syntax error."""
    return {
        "simple_query_string": {
            "query": text,
            "fields": SEARCH_FIELDS,
            "default_operator": "and",
        }
    }


def search_articles(
    settings: Settings, text: str, limit: int = 10
) -> tuple[int, list[dict[str, Any]]]:
    es = elasticsearch_client(settings)
    try:
        resp = es.search(
            index=settings.indices.articles,
            query=build_query(text),
            size=limit,
            source=[*HIT_FIELDS, "source.name", "story_id", "summary"],
            sort=["_score", {"published_at": "desc"}],
            track_total_hits=True,
        )
    finally:
        es.close()
    total = resp["hits"]["total"]["value"]
    hits = []
    for hit in resp["hits"]["hits"]:
        doc = hit["_source"]
        hits.append(
            {**{name: doc.get(name) for name in HIT_FIELDS}, "_doc": doc, "_score": hit["_score"]}
        )
    return total, hits


def describe_hit(hit: dict[str, Any], indent: str = "") -> list[str]:
    """Human-readable lines for one hit (title, link, source, date, story, entity facets)."""
    doc = hit["_doc"]
    lines = [
        f"{indent}* {hit['title']}",
        f"{indent}  {hit['url']}",
        f"{indent}  {doc.get('source', {}).get('name')} | published {hit['published_at']}"
        f" | story {doc.get('story_id')}",
    ]
    for label in ("persons", "organizations", "locations"):
        if hit[label]:
            lines.append(f"{indent}  {label}: {', '.join(hit[label])}")
    return lines
