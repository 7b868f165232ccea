"""`newsflow kibana setup`: install the saved objects in kibana/ (data views, searches, dashboards).

API: the saved objects import (`POST /api/saved_objects/_import?overwrite=true`, NDJSON). It is
GA on every Kibana newsflow supports and takes every type the dashboards need (data views,
saved searches, Lens visualizations, dashboards with controls, a tag) in one request, resolving
their references together; it imports objects made for the same or an older Kibana version and
migrates them. Kibana's Dashboards API (`/api/dashboards/dashboard`) is still a technical preview
in 9.x, takes dashboards only, and with a schema that changes between minors: not something to
build an installer on yet.

Idempotent by construction: every object has a fixed id and the import overwrites. And cheaper:
the bundle's content hash is kept in the description of its tag (`newsflow`); a run that finds
the same hash installed imports nothing.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from newsflow.errors import NewsflowError
from newsflow.settings import KibanaSettings, project_path

OBJECTS_DIR = project_path("kibana/objects")
MIN_VERSION = (9, 0)  # the objects are made for 9.x: older Kibanas cannot import them
TAG_ID = "newsflow"
HASH_MARK = "content "


class KibanaError(NewsflowError):
    """Setup failed: the message says what (unreachable, credentials, version, missing index)."""


@dataclass(frozen=True)
class SavedObject:
    type: str
    id: str
    attributes: dict[str, Any]
    references: list[dict[str, str]] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)  # migration versions, managed, ...

    def to_json(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "id": self.id,
            "attributes": self.attributes,
            "references": self.references,
            **self.extra,
        }


def load_objects(directory: Path = OBJECTS_DIR) -> list[SavedObject]:
    """The bundle: one saved object per JSON file, in file-name order."""
    objects = []
    for path in sorted(directory.glob("*.json")):
        try:
            raw = json.loads(path.read_text("utf-8"))
            known = {"type", "id", "attributes", "references"}
            objects.append(
                SavedObject(
                    raw["type"],
                    raw["id"],
                    raw["attributes"],
                    list(raw.get("references") or []),
                    {k: v for k, v in raw.items() if k not in known},
                )
            )
        except (ValueError, KeyError) as exc:
            msg = f"{path}: not a saved object ({type(exc).__name__}: {exc})"
            raise KibanaError(msg) from exc
    return objects


def content_hash(objects: list[SavedObject]) -> str:
    """What identifies this bundle's content (the tag's own description left out)."""
    digest = hashlib.sha256()
    for obj in objects:
        data = obj.to_json()
        if obj.type == "tag" and obj.id == TAG_ID:
            data = {**data, "attributes": {**obj.attributes, "description": ""}}
        digest.update(json.dumps(data, sort_keys=True).encode("utf-8"))
    return digest.hexdigest()[:16]


def ndjson(objects: list[SavedObject], bundle_hash: str) -> bytes:
    """The import file: one object per line; the tag's description carries the hash."""
    lines = []
    for obj in objects:
        data = obj.to_json()
        if obj.type == "tag" and obj.id == TAG_ID:
            described = f"{obj.attributes.get('description', '')} ({HASH_MARK}{bundle_hash})"
            data["attributes"] = {**obj.attributes, "description": described.strip()}
        lines.append(json.dumps(data, sort_keys=True))
    return ("\n".join(lines) + "\n").encode("utf-8")


def parse_version(text: str) -> tuple[int, int, int]:
    parts = [*text.split("-", 1)[0].split("."), "0", "0"][:3]
    return int(parts[0]), int(parts[1]), int(parts[2])


@dataclass
class SetupReport:
    version: str
    imported: int
    dashboards: list[tuple[str, str]]  # (title, URL)
    up_to_date: bool


class KibanaClient:
    """The few Kibana APIs setup uses, with `kbn-xsrf` and the configured credentials."""

    def __init__(self, settings: KibanaSettings, transport: Any = None):
        import httpx

        headers = {"kbn-xsrf": "newsflow"}
        auth = None
        if settings.api_key:
            headers["Authorization"] = f"ApiKey {settings.api_key.get_secret_value()}"
        elif settings.username:
            password = settings.password.get_secret_value() if settings.password else ""
            auth = httpx.BasicAuth(settings.username, password)
        self.settings = settings
        self.base = settings.url.rstrip("/")
        space = settings.space.strip() or "default"
        self.space_base = self.base if space == "default" else f"{self.base}/s/{space}"
        self.http = httpx.Client(
            headers=headers,
            auth=auth,
            timeout=settings.request_timeout,
            verify=settings.verify_certs,
            transport=transport,
        )

    def close(self) -> None:
        self.http.close()

    def status(self) -> Any:
        return self.http.get(f"{self.base}/api/status")

    def get_object(self, type_: str, id_: str) -> Any:
        return self.http.get(f"{self.space_base}/api/saved_objects/{type_}/{id_}")

    def import_objects(self, body: bytes) -> Any:
        return self.http.post(
            f"{self.space_base}/api/saved_objects/_import",
            params={"overwrite": "true"},
            files={"file": ("newsflow.ndjson", body, "application/ndjson")},
        )

    def dashboard_url(self, dashboard_id: str) -> str:
        return f"{self.space_base}/app/dashboards#/view/{dashboard_id}"


def wait_until_available(
    client: KibanaClient,
    wait_s: float,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> str:
    """Kibana's version once its status is `available`; errors say what failed."""
    import httpx

    deadline = clock() + wait_s
    last = "no answer"
    while True:
        try:
            resp = client.status()
        except httpx.HTTPError as exc:
            last = f"{type(exc).__name__}: {exc}"
        else:
            if resp.status_code in (401, 403):
                msg = (
                    f"Kibana at {client.base} refused the credentials (HTTP {resp.status_code}): "
                    "check --api-key, or --username and --password"
                )
                raise KibanaError(msg)
            body = _json(resp)
            level = ((body.get("status") or {}).get("overall") or {}).get("level")
            version = (body.get("version") or {}).get("number")
            if resp.status_code == 200 and version and level in ("available", None):
                return str(version)
            if level == "available" and not version:  # the body Kibana gives the anonymous
                msg = (
                    f"Kibana at {client.base} is up but answered without its version: it wants "
                    "credentials (--api-key, or --username and --password)"
                )
                raise KibanaError(msg)
            last = f"HTTP {resp.status_code}, status {level or 'unknown'}"
        if clock() >= deadline:
            msg = f"Kibana at {client.base} did not become available within {wait_s:.0f}s ({last})"
            raise KibanaError(msg)
        sleep(2.0)


def _json(resp: Any) -> dict[str, Any]:
    try:
        data = resp.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def installed_hash(client: KibanaClient) -> str | None:
    resp = client.get_object("tag", TAG_ID)
    if resp.status_code == 404:
        return None
    if resp.status_code != 200:
        msg = f"reading the newsflow tag failed: HTTP {resp.status_code} {resp.text[:300]}"
        raise KibanaError(msg)
    description = (_json(resp).get("attributes") or {}).get("description") or ""
    if HASH_MARK not in description:
        return None
    return description.rsplit(HASH_MARK, 1)[1].rstrip(")").strip()


def setup(
    settings: KibanaSettings,
    missing_indices: list[str],
    objects: list[SavedObject] | None = None,
    transport: Any = None,
    sleep: Callable[[float], None] = time.sleep,
) -> SetupReport:
    """Wait for Kibana, check it can take the objects, install them unless installed."""
    if missing_indices:
        msg = (
            f"Elasticsearch has no index {', '.join(missing_indices)}: the data views would "
            "show nothing; run `newsflow init` (and the pipeline) first"
        )
        raise KibanaError(msg)
    if objects is None:
        objects = load_objects(project_path(settings.objects_dir))
    client = KibanaClient(settings, transport)
    try:
        version = wait_until_available(client, settings.wait.total_seconds(), sleep)
        if parse_version(version)[:2] < MIN_VERSION:
            need = ".".join(map(str, MIN_VERSION))
            msg = (
                f"Kibana {version} is too old: newsflow's saved objects are made for Kibana 9.x "
                f"and import into {need} or newer"
            )
            raise KibanaError(msg)
        bundle = content_hash(objects)
        dashboards = [
            (str(o.attributes.get("title", o.id)), client.dashboard_url(o.id))
            for o in objects
            if o.type == "dashboard"
        ]
        if installed_hash(client) == bundle:
            return SetupReport(version, 0, dashboards, up_to_date=True)
        resp = client.import_objects(ndjson(objects, bundle))
        result = _json(resp)
        if resp.status_code != 200 or not result.get("success"):
            raise KibanaError(_import_failure(resp.status_code, result, resp.text))
        return SetupReport(version, int(result.get("successCount", 0)), dashboards, False)
    finally:
        client.close()


def missing_indices(settings: Any) -> list[str]:
    """The aliases the data views point at that Elasticsearch does not have."""
    from newsflow.clients import elasticsearch_client

    idx = settings.indices
    es = elasticsearch_client(settings)
    try:
        return [
            name
            for name in (idx.articles, idx.alerts, idx.stories)
            if not es.indices.exists_alias(name=name)
        ]
    finally:
        es.close()


def _import_failure(status: int, result: dict[str, Any], text: str) -> str:
    errors = result.get("errors") or []
    if not errors:
        return f"the saved objects import failed: HTTP {status} {text[:500]}"
    described = []
    for error in errors[:10]:
        kind = (error.get("error") or {}).get("type", "error")
        detail = error.get("error") or {}
        missing = ", ".join(
            f"{r.get('type')}/{r.get('id')}" for r in detail.get("references", []) or []
        )
        described.append(
            f"{error.get('type')}/{error.get('id')}: {kind}" + (f" ({missing})" if missing else "")
        )
    more = f" and {len(errors) - 10} more" if len(errors) > 10 else ""
    return "the saved objects import failed: " + "; ".join(described) + more
