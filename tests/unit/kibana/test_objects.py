"""The saved objects in kibana/objects: they parse, every reference resolves, nothing dangles,
they are importable into the configured Kibana, and every field they use is in the mapping."""

from __future__ import annotations

import json

from newsflow.indices import alert_mappings, article_mappings, story_mappings
from newsflow.kibana import MIN_VERSION, load_objects, parse_version
from newsflow.settings import load_settings
from tests.support.panels import check_fields, data_views, field_uses, flatten_mapping

OBJECTS = load_objects()
BY_KEY = {(o.type, o.id): o for o in OBJECTS}
# the migration version each type is written in: Kibana 9.0 and later migrate it forward
# (newer than a Kibana knows fails the import); Kibana's own 9.x sample data ships these
WRITTEN_AS = {
    "index-pattern": "8.0.0",
    "search": "8.0.0",
    "lens": "8.9.0",
    "dashboard": "8.7.0",
    "tag": "8.0.0",
}


def test_objects_have_unique_ids_known_types_and_importable_versions():
    assert len(BY_KEY) == len(OBJECTS) == 20
    for obj in OBJECTS:
        assert obj.type in WRITTEN_AS, obj.id
        assert obj.extra.get("coreMigrationVersion") == "8.8.0", obj.id
        assert obj.extra.get("typeMigrationVersion") == WRITTEN_AS[obj.type], obj.id
        assert obj.id.startswith("newsflow"), obj.id
    kibana = load_settings(env={}).stack.elasticsearch_version  # compose runs this Kibana
    assert parse_version(kibana)[:2] >= MIN_VERSION


def test_every_reference_resolves_and_every_reference_is_used():
    for obj in OBJECTS:
        for ref in obj.references:
            assert (ref["type"], ref["id"]) in BY_KEY, f"{obj.id} -> {ref}"
        names = [ref["name"] for ref in obj.references]
        assert len(names) == len(set(names)), obj.id
        used = set(_used_reference_names(obj))
        declared = {name for name in names if not name.startswith("tag-ref-")}
        assert declared == used, f"{obj.id}: dangling {declared - used}, missing {used - declared}"


def _used_reference_names(obj) -> list[str]:
    attributes = obj.attributes
    if obj.type == "search":
        source = json.loads(attributes["kibanaSavedObjectMeta"]["searchSourceJSON"])
        return [source["indexRefName"]]
    if obj.type == "lens":
        layers = attributes["state"]["datasourceStates"]["formBased"]["layers"]
        return [f"indexpattern-datasource-layer-{layer}" for layer in layers]
    if obj.type == "dashboard":
        panels = json.loads(attributes["panelsJSON"])
        names = [f"{p['panelIndex']}:{p['panelRefName']}" for p in panels]
        if "controlGroupInput" in attributes:
            controls = json.loads(attributes["controlGroupInput"]["panelsJSON"])
            names += [f"controlGroup_{c}:optionsListDataView" for c in controls]
        return names
    return []


def test_lens_columns_and_accessors_agree():
    for obj in OBJECTS:
        if obj.type != "lens":
            continue
        state = obj.attributes["state"]
        for layer in state["datasourceStates"]["formBased"]["layers"].values():
            assert set(layer["columnOrder"]) == set(layer["columns"]), obj.id
        columns = {
            c for layer in state["datasourceStates"]["formBased"]["layers"].values()
            for c in layer["columns"]
        }  # fmt: skip
        visualization = state["visualization"]
        accessors = []
        for layer in visualization.get("layers", []):
            accessors += [
                layer.get("xAccessor"),
                layer.get("splitAccessor"),
                *layer.get("accessors", []),
            ]
            accessors += [*layer.get("primaryGroups", []), *layer.get("metrics", [])]
        accessors += [c["columnId"] for c in visualization.get("columns", [])]
        assert {a for a in accessors if a} <= columns, obj.id


def test_the_four_dashboards_show_what_analysts_asked_for():
    def panels(dashboard_id: str) -> set[str]:
        obj = BY_KEY[("dashboard", dashboard_id)]
        return {ref["id"] for ref in obj.references if ref["type"] in ("lens", "search")}

    assert panels("newsflow-news") == {
        "newsflow-articles-over-time", "newsflow-top-persons", "newsflow-top-organizations",
        "newsflow-top-locations", "newsflow-languages", "newsflow-top-sources",
        "newsflow-latest-articles",
    }  # fmt: skip
    assert panels("newsflow-stories") == {"newsflow-largest-stories", "newsflow-story-articles"}
    table = BY_KEY[("lens", "newsflow-largest-stories")].attributes["state"]["visualization"]
    assert {"columnId": "c-story", "isTransposed": False, "oneClickFilter": True} in table[
        "columns"
    ]
    assert "newsflow-entity-over-time" in panels("newsflow-entities")
    controls = json.loads(
        BY_KEY[("dashboard", "newsflow-entities")].attributes["controlGroupInput"]["panelsJSON"]
    )
    assert {c["explicitInput"]["fieldName"] for c in controls.values()} == {
        "persons", "organizations", "locations",
    }  # fmt: skip
    assert panels("newsflow-alerts") == {"newsflow-alerts-over-time", "newsflow-latest-alerts"}
    views = data_views(OBJECTS)
    assert views == {
        "newsflow-articles": "news-articles",
        "newsflow-alerts": "news-alerts",
        "newsflow-stories": "news-stories",
    }


def test_every_field_is_in_the_mapping_newsflow_creates_with_a_fitting_type():
    mappings = {
        "newsflow-articles": flatten_mapping(article_mappings("standard")["properties"]),
        "newsflow-alerts": flatten_mapping(alert_mappings("standard")["properties"]),
        "newsflow-stories": flatten_mapping(story_mappings("standard")["properties"]),
    }
    uses = field_uses(OBJECTS)
    assert len(uses) > 40
    assert check_fields(uses, mappings) == []
    renamed = {**mappings, "newsflow-articles": {
        ("people" if k == "persons" else k): v for k, v in mappings["newsflow-articles"].items()
    }}  # fmt: skip
    problems = check_fields(uses, renamed)
    assert problems and all("persons is not in the mapping" in p for p in problems)
    retyped = {
        **mappings,
        "newsflow-stories": {**mappings["newsflow-stories"], "first_seen": "keyword"},
    }
    assert check_fields(uses, retyped) == [
        "newsflow-largest-stories: min on first_seen, a keyword field"
    ]
