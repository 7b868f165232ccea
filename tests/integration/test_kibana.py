"""The Kibana objects against the real Elasticsearch: the mapping `newsflow init` creates has
every field they use, and each panel's query returns the expected buckets on indexed articles
(Kibana cannot run here; the queries are the aggregations its panels ask for)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from newsflow.clients import elasticsearch_client
from newsflow.kibana import missing_indices
from newsflow.settings import Settings
from tests.support.panels import (
    OBJECTS,
    check_fields,
    field_uses,
    flatten_mapping,
    lens_request,
    view_aliases,
)


def test_the_indices_newsflow_init_creates_have_every_field_the_objects_use(isolated: Settings):
    assert missing_indices(isolated) == []
    es = elasticsearch_client(isolated)
    try:
        mappings = {}
        for view, alias in view_aliases(isolated).items():
            (index,) = es.indices.get_mapping(index=alias).body.values()
            mappings[view] = flatten_mapping(index["mappings"]["properties"])
    finally:
        es.close()
    assert check_fields(field_uses(list(OBJECTS.values())), mappings) == []


def _buckets(settings: Settings, lens_id: str) -> dict[str, Any]:
    view, body = lens_request(OBJECTS[lens_id])
    es = elasticsearch_client(settings)
    try:
        return es.search(index=view_aliases(settings)[view], **body)["aggregations"]
    finally:
        es.close()


def _terms(aggs: dict[str, Any], column: str = "c-term") -> list[tuple[str, int]]:
    return [(b["key"], b["doc_count"]) for b in aggs[column]["buckets"]]


def test_news_panels_return_the_expected_buckets(indexed: Settings):
    assert _terms(_buckets(indexed, "newsflow-top-persons"))[:2] == [
        ("Vladimir Putin", 4),
        ("Dmitry Peskov", 3),
    ]
    assert _terms(_buckets(indexed, "newsflow-top-organizations"))[0] == ("Kremlin", 3)
    assert _terms(_buckets(indexed, "newsflow-top-locations"))[:2] == [
        ("Brussels", 2),
        ("Frankfurt", 2),
    ]
    assert _terms(_buckets(indexed, "newsflow-languages")) == [("en", 6), ("de", 1), ("fr", 1)]
    assert _terms(_buckets(indexed, "newsflow-top-sources"))[:3] == [
        ("Daily Ledger", 2), ("EuroWire", 2), ("World News", 2),
    ]  # fmt: skip
    days = _buckets(indexed, "newsflow-articles-over-time")["c-date"]["buckets"]
    assert [d["doc_count"] for d in days] == [3, 2, 3]
    first_day = {b["key"]: b["doc_count"] for b in days[0]["c-split"]["buckets"]}
    assert first_day == {"EuroWire": 1, "World News": 1, "Daily Ledger": 1}


def test_the_stories_table_lists_the_largest_story_first_and_a_click_filters_its_articles(
    indexed: Settings,
):
    rows = _buckets(indexed, "newsflow-largest-stories")["c-story"]["buckets"]
    top = rows[0]
    assert top["key"] == "k01" and top["c-articles"]["value"] == 3
    assert top["c-sources"]["value"] == 3
    assert (
        top["c-title"]["hits"]["hits"][0]["_source"]["title"]
        == "Kremlin says Kyiv avoids peace talks"
    )
    assert top["c-first"]["value_as_string"].startswith("2026-11-30T08:00:00")
    # the click adds the filter story_id: k01, which the articles search below applies too
    search = OBJECTS["newsflow-story-articles"].attributes
    field, direction = search["sort"][0]
    es = elasticsearch_client(indexed)
    try:
        hits = es.search(
            index=indexed.indices.articles,
            query={"bool": {"filter": [{"match_phrase": {"story_id": "k01"}}]}},
            sort=[{field: direction}],
            source=search["columns"],
        )["hits"]["hits"]
    finally:
        es.close()
    assert [h["_id"] for h in hits] == ["k01", "k02", "k03"]


def test_entities_and_alerts_panels_return_the_expected_buckets(indexed: Settings):
    es = elasticsearch_client(indexed)
    try:  # the Person control lists its options, most frequent first
        options = es.search(
            index=indexed.indices.articles, size=0,
            aggs={"o": {"terms": {"field": "persons", "size": 10}}},
        )["aggregations"]["o"]["buckets"]  # fmt: skip
        assert options[0]["key"] == "Vladimir Putin"
        picked = es.search(
            index=indexed.indices.articles, size=0,
            query={"bool": {"filter": [{"terms": {"persons": ["Vladimir Putin"]}}]}},
            aggs=lens_request(OBJECTS["newsflow-top-persons"])[1]["aggs"],
        )["aggregations"]  # fmt: skip
    finally:
        es.close()
    # the entities named with Putin, him first
    assert _terms(picked)[:3] == [("Vladimir Putin", 4), ("Dmitry Peskov", 3), ("Donald Trump", 1)]
    alerts = _buckets(indexed, "newsflow-alerts-over-time")["c-date"]["buckets"]
    by_rule = defaultdict(int)
    for day in alerts:
        for rule in day["c-split"]["buckets"]:
            by_rule[rule["key"]] += rule["doc_count"]
    assert dict(by_rule) == {"kremlin": 1, "putin": 2, "rates": 1}


def test_the_cli_installs_into_a_kibana_prints_the_dashboards_and_a_rerun_changes_nothing(
    isolated: Settings,
):
    import subprocess
    import sys

    from tests.support.kibana import FakeKibana
    from tests.support.stack import settings_env

    kibana = FakeKibana()
    try:
        env = settings_env(isolated)
        env.pop("NEWSFLOW_KIBANA_API_KEY", None)
        run = lambda *args: subprocess.run(  # noqa: E731
            [sys.executable, "-m", "newsflow.cli", "kibana", "setup", "--url", kibana.url, *args],
            env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        first = run("--space", "newsroom")
        assert first.returncode == 0, first.stderr
        assert "Kibana 9.2.4: 20 saved objects imported" in first.stdout
        assert f"{kibana.url}/s/newsroom/app/dashboards#/view/newsflow-stories" in first.stdout
        second = run("--space", "newsroom")
        assert "up to date, nothing imported" in second.stdout
        missing = subprocess.run(
            [sys.executable, "-m", "newsflow.cli", "kibana", "setup", "--url", kibana.url],
            env={**env, "NEWSFLOW_INDICES__STORIES": "no-such-stories"},
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert missing.returncode == 1
        assert "Elasticsearch has no index no-such-stories" in missing.stderr
    finally:
        kibana.close()
