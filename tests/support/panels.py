"""What the saved objects ask of Elasticsearch: the fields they use, and each Lens panel's
aggregation as the search request Kibana would send (for the tests: Kibana itself cannot run
here, Elasticsearch can), and the Kibana fixture's rows and aliases."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from newsflow.kibana import SavedObject, load_objects
from newsflow.settings import Settings

RECORDS = "___records___"
AGGREGATABLE = {"keyword", "long", "integer", "short", "byte", "double", "float", "date", "boolean"}
# what each use needs of the field's type
NEEDS = {
    "time": {"date"},
    "date_histogram": {"date"},
    "terms": AGGREGATABLE,
    "options_list": {"keyword"},
    "min": {"long", "integer", "short", "byte", "double", "float", "date"},
    "max": {"long", "integer", "short", "byte", "double", "float", "date"},
    "last_value": AGGREGATABLE,
    "sort": AGGREGATABLE,
    "column": None,  # any mapped field
}


@dataclass(frozen=True)
class FieldUse:
    object_id: str
    data_view: str  # the data view's id
    field: str
    use: str  # a key of NEEDS


def data_views(objects: list[SavedObject]) -> dict[str, str]:
    """Data view id -> the index (alias) title it reads."""
    return {o.id: o.attributes["title"] for o in objects if o.type == "index-pattern"}


def _ref(obj: SavedObject, name: str) -> str:
    (found,) = [r["id"] for r in obj.references if r["name"] == name]
    return found


def lens_layers(obj: SavedObject) -> dict[str, tuple[str, dict[str, Any]]]:
    """Layer id -> (data view id, layer) of a Lens object."""
    layers = obj.attributes["state"]["datasourceStates"]["formBased"]["layers"]
    return {
        layer_id: (_ref(obj, f"indexpattern-datasource-layer-{layer_id}"), layer)
        for layer_id, layer in layers.items()
    }


def field_uses(objects: list[SavedObject]) -> list[FieldUse]:
    uses = []
    for obj in objects:
        if obj.type == "index-pattern" and obj.attributes.get("timeFieldName"):
            uses.append(FieldUse(obj.id, obj.id, obj.attributes["timeFieldName"], "time"))
        elif obj.type == "search":
            view = _ref(obj, "kibanaSavedObjectMeta.searchSourceJSON.index")
            uses += [
                FieldUse(obj.id, view, column, "column") for column in obj.attributes["columns"]
            ]
            uses += [FieldUse(obj.id, view, field, "sort") for field, _ in obj.attributes["sort"]]
        elif obj.type == "lens":
            for view, layer in lens_layers(obj).values():
                for column in layer["columns"].values():
                    if column["sourceField"] != RECORDS:
                        uses.append(
                            FieldUse(obj.id, view, column["sourceField"], column["operationType"])
                        )
                    sort_field = (column.get("params") or {}).get("sortField")
                    if sort_field:
                        uses.append(FieldUse(obj.id, view, sort_field, "sort"))
        elif obj.type == "dashboard" and "controlGroupInput" in obj.attributes:
            controls = json.loads(obj.attributes["controlGroupInput"]["panelsJSON"])
            for control_id, control in controls.items():
                view = _ref(obj, f"controlGroup_{control_id}:optionsListDataView")
                uses.append(
                    FieldUse(obj.id, view, control["explicitInput"]["fieldName"], "options_list")
                )
    return uses


def flatten_mapping(properties: dict[str, Any], prefix: str = "") -> dict[str, str]:
    """Field path -> type, multi-fields (title.raw) included; objects are walked, not listed."""
    out: dict[str, str] = {}
    for name, spec in properties.items():
        path = f"{prefix}{name}"
        if "properties" in spec and spec.get("type") in (None, "object"):
            out.update(flatten_mapping(spec["properties"], f"{path}."))
            continue
        out[path] = spec.get("type", "object")
        for sub, sub_spec in (spec.get("fields") or {}).items():
            out[f"{path}.{sub}"] = sub_spec.get("type", "object")
    return out


def check_fields(uses: list[FieldUse], mappings: dict[str, dict[str, str]]) -> list[str]:
    """Problems: a field a use needs that the data view's mapping lacks or types wrongly."""
    problems = []
    for use in uses:
        mapping = mappings[use.data_view]
        kind = mapping.get(use.field)
        if kind is None:
            problems.append(
                f"{use.object_id}: {use.field} is not in the mapping of {use.data_view}"
            )
            continue
        allowed = NEEDS[use.use]
        if allowed is not None and kind not in allowed:
            problems.append(f"{use.object_id}: {use.use} on {use.field}, a {kind} field")
    return problems


def lens_request(obj: SavedObject, interval: str = "1d") -> tuple[str, dict[str, Any]]:
    """(data view id, search body) of a one-layer Lens object: its bucket columns nested in
    column order, its metrics under the innermost bucket, ordered as the columns say."""
    ((view, layer),) = lens_layers(obj).values()
    columns = layer["columns"]
    buckets = [c for c in layer["columnOrder"] if columns[c]["isBucketed"]]
    metrics = [c for c in layer["columnOrder"] if not columns[c]["isBucketed"]]
    leaf = {m: _metric(columns[m]) for m in metrics if columns[m]["operationType"] != "count"}
    aggs: dict[str, Any] = leaf
    for column_id in reversed(buckets):
        column = columns[column_id]
        agg = _bucket(column, interval)
        if aggs:
            agg["aggs"] = aggs
        aggs = {column_id: agg}
    return view, {"size": 0, "aggs": aggs}


def _bucket(column: dict[str, Any], interval: str) -> dict[str, Any]:
    field, params = column["sourceField"], column.get("params") or {}
    if column["operationType"] == "date_histogram":
        return {"date_histogram": {"field": field, "calendar_interval": interval}}
    order = params.get("orderBy") or {}
    direction = params.get("orderDirection", "desc")
    if order.get("type") == "alphabetical":
        by = {"_key": direction}
    elif order.get("columnId") and not order["columnId"].startswith("c-count"):
        by = {order["columnId"]: direction}
    else:
        by = {"_count": direction}
    return {"terms": {"field": field, "size": params.get("size", 10), "order": by}}


def _metric(column: dict[str, Any]) -> dict[str, Any]:
    field, kind = column["sourceField"], column["operationType"]
    if kind == "last_value":
        sort = column["params"]["sortField"]
        return {"top_hits": {"size": 1, "sort": [{sort: "desc"}], "_source": [field.split(".")[0]]}}
    return {kind: {"field": field}}


FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "kibana"
OBJECTS = {o.id: o for o in load_objects()}


def fixture_rows(name: str) -> list[dict[str, Any]]:
    """The rows of tests/fixtures/kibana/`name` (JSON lines)."""
    return [json.loads(line) for line in (FIXTURES / name).read_text("utf-8").splitlines()]


def view_aliases(settings: Settings) -> dict[str, str]:
    """Data view id -> this test's alias for the index it reads."""
    idx = settings.indices
    by_title = {
        "news-articles": idx.articles,
        "news-alerts": idx.alerts,
        "news-stories": idx.stories,
    }
    return {view: by_title[title] for view, title in data_views(list(OBJECTS.values())).items()}
