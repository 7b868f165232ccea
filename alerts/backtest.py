"""Alert backtest: run rules against articles already in news-articles and report what would fire."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from newsflow.alerts.ids import DedupeBy, alert_id
from newsflow.alerts.matcher import RuleMatch, RuleMatcher
from newsflow.alerts.rules import RuleSet
from newsflow.clients import elasticsearch_client
from newsflow.errors import ConfigError, NewsflowError
from newsflow.schema import iso, utcnow
from newsflow.settings import Settings, parse_timedelta

FIELDS = [
    "id", "url", "title", "summary", "body", "source", "language", "story_id", "published_at",
    "persons", "organizations", "locations", "entities",
]  # fmt: skip


@dataclass(frozen=True)
class WouldFire:
    alert_id: str
    doc: dict[str, Any]
    match: RuleMatch

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.alert_id,
            "rule_id": self.match.rule_id,
            "article_id": self.doc.get("id"),
            "story_id": self.doc.get("story_id"),
            "title": self.doc.get("title"),
            "url": self.doc.get("url"),
            "published_at": self.doc.get("published_at"),
            "matched_terms": self.match.matched_terms,
            "matched_entities": self.match.matched_entities,
            "snippets": self.match.snippets,
            "channels": self.match.channels,
        }


@dataclass
class BacktestReport:
    since: str
    articles: int
    fired: list[WouldFire]
    duplicates: int  # matches folded into an earlier alert of the same story


def indexed_articles(settings: Settings, since: str) -> Iterator[dict[str, Any]]:
    """Articles published within `since` (e.g. '7d'), oldest first."""
    from elasticsearch import NotFoundError, helpers

    try:
        start = utcnow() - parse_timedelta(since)
    except ValueError as exc:
        flag = "--since"
        raise ConfigError(flag, str(exc)) from None
    es = elasticsearch_client(settings)
    try:
        yield from (
            hit["_source"]
            for hit in helpers.scan(
                es,
                index=settings.indices.articles,
                query={
                    "query": {"range": {"published_at": {"gte": iso(start)}}},
                    "sort": ["published_at"],
                },
                source_includes=FIELDS,
                preserve_order=True,
                size=500,
            )
        )
    except NotFoundError:
        msg = f"index {settings.indices.articles!r} not found (run `newsflow init`)"
        raise NewsflowError(msg) from None
    finally:
        es.close()


def run_backtest(
    settings: Settings, rules: RuleSet, since: str, dedupe_by: DedupeBy | None = None
) -> BacktestReport:
    """Match every article in the window as the pipeline would; one alert per alert id."""
    matcher = RuleMatcher(rules)
    dedupe_by = dedupe_by or settings.alerts.dedupe_by
    seen: set[str] = set()
    fired: list[WouldFire] = []
    articles = duplicates = 0
    for doc in indexed_articles(settings, since):
        articles += 1
        for match in matcher.match(doc):
            key = alert_id(match.rule_id, doc, dedupe_by)
            if key in seen:
                duplicates += 1
                continue
            seen.add(key)
            fired.append(WouldFire(key, doc, match))
    return BacktestReport(since, articles, fired, duplicates)
