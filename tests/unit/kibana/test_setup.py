"""`newsflow kibana setup` against a local server that answers like Kibana's APIs."""

from __future__ import annotations

import base64
import json

import pytest

from newsflow.kibana import KibanaError, SavedObject, load_objects, setup
from newsflow.settings import KibanaSettings
from tests.support.kibana import API_KEY, FakeKibana


def _settings(kibana: FakeKibana, **fields) -> KibanaSettings:
    return KibanaSettings(url=kibana.url, api_key=API_KEY, wait="5s", **fields)


def _no_sleep(_seconds: float) -> None:
    pass


def test_setup_imports_every_object_once_and_a_second_run_changes_nothing(kibana):
    bundle = load_objects()
    report = setup(_settings(kibana), [], sleep=_no_sleep)
    assert report.imported == len(bundle) and not report.up_to_date
    assert report.version == "9.2.4"
    (status, tag, imported) = [(r.method, r.path) for r in kibana.requests]
    assert status == ("GET", "/api/status")
    assert tag == ("GET", "/api/saved_objects/tag/newsflow")
    assert imported == ("POST", "/api/saved_objects/_import")
    request = kibana.requests[-1]
    assert request.query == {"overwrite": ["true"]}
    assert request.headers["kbn-xsrf"] and request.headers["Authorization"] == f"ApiKey {API_KEY}"
    assert request.headers["Content-Type"].startswith("multipart/form-data; boundary=")
    assert b'filename="newsflow.ndjson"' in request.body
    assert {(t, i) for (_s, t, i) in kibana.objects} == {(o.type, o.id) for o in bundle}
    before = dict(kibana.objects)

    again = setup(_settings(kibana), [], sleep=_no_sleep)
    assert again.up_to_date and again.imported == 0
    assert [r.path for r in kibana.requests[3:]] == [
        "/api/status",
        "/api/saved_objects/tag/newsflow",
    ]  # no import: nothing doubles, nothing is rewritten
    assert kibana.objects == before
    assert {title for title, _url in again.dashboards} >= {"News", "Stories", "Entities", "Alerts"}
    assert all(
        url.startswith(f"{kibana.url}/app/dashboards#/view/") for _t, url in again.dashboards
    )


def test_a_changed_bundle_is_imported_again_into_the_chosen_space(kibana):
    bundle = load_objects()
    setup(_settings(kibana, space="newsroom"), [], objects=bundle, sleep=_no_sleep)
    changed = [
        SavedObject(o.type, o.id, {**o.attributes, "description": "edited"}, o.references, o.extra)
        if o.type == "dashboard" else o
        for o in bundle
    ]  # fmt: skip
    report = setup(_settings(kibana, space="newsroom"), [], objects=changed, sleep=_no_sleep)
    assert not report.up_to_date and report.imported == len(bundle)
    assert kibana.requests[-1].path == "/s/newsroom/api/saved_objects/_import"
    dashboards = [v for (space, t, _i), v in kibana.objects.items() if t == "dashboard"]
    assert dashboards and all(d["attributes"]["description"] == "edited" for d in dashboards)
    assert all(url.startswith(f"{kibana.url}/s/newsroom/app/") for _t, url in report.dashboards)


def test_basic_auth_is_sent_when_there_is_no_api_key():
    expected = "Basic " + base64.b64encode(b"analyst:pw").decode()
    server = FakeKibana(credentials=expected)
    try:
        settings = KibanaSettings(url=server.url, username="analyst", password="pw", wait="5s")
        assert setup(settings, [], sleep=_no_sleep).imported > 0
    finally:
        server.close()


def test_wrong_credentials_fail_with_a_clear_error(kibana):
    settings = KibanaSettings(url=kibana.url, api_key="d3Jvbmc=", wait="5s")
    with pytest.raises(KibanaError, match=r"refused the credentials \(HTTP 401\)"):
        setup(settings, [], sleep=_no_sleep)
    assert len(kibana.requests) == 1  # no retries against a wrong key


def test_a_secured_kibana_asked_without_credentials_says_so_instead_of_waiting():
    server = FakeKibana(anonymous_status=True)
    try:
        with pytest.raises(KibanaError, match="answered without its version: it wants credentials"):
            setup(KibanaSettings(url=server.url, wait="60s"), [], sleep=_no_sleep)
        assert len(server.requests) == 1
    finally:
        server.close()


def test_a_kibana_older_than_9_is_refused_before_anything_is_imported():
    server = FakeKibana(version="8.15.3")
    try:
        with pytest.raises(KibanaError, match=r"Kibana 8\.15\.3 is too old"):
            setup(KibanaSettings(url=server.url, wait="5s"), [], sleep=_no_sleep)
        assert [r.path for r in server.requests] == ["/api/status"]
    finally:
        server.close()


def test_setup_waits_while_kibana_starts_and_names_what_never_came():
    server = FakeKibana(unavailable_for=3)
    try:
        assert setup(KibanaSettings(url=server.url, wait="60s"), [], sleep=_no_sleep).imported
        server.unavailable_for = 10_000
        with pytest.raises(KibanaError, match=r"did not become available within 0s .*HTTP 503"):
            setup(KibanaSettings(url=server.url, wait="0s"), [], sleep=_no_sleep)
    finally:
        server.close()
    with pytest.raises(KibanaError, match=r"did not become available.*ConnectError"):
        setup(KibanaSettings(url=server.url, wait="0s"), [], sleep=_no_sleep)


def test_a_missing_index_is_named_before_kibana_is_asked(kibana):
    with pytest.raises(KibanaError, match=r"no index news-stories: .*newsflow init"):
        setup(_settings(kibana), ["news-stories"], sleep=_no_sleep)
    assert kibana.requests == []


def test_an_import_kibana_refuses_is_reported_object_by_object(kibana):
    orphan = SavedObject(
        "search",
        "orphan",
        {"title": "Orphan"},
        [{"type": "index-pattern", "id": "nope", "name": "x"}],
    )
    with pytest.raises(
        KibanaError, match=r"search/orphan: missing_references .index-pattern/nope."
    ):
        setup(_settings(kibana), [], objects=[*load_objects(), orphan], sleep=_no_sleep)


def test_the_import_file_is_one_object_per_line_with_the_content_hash_in_the_tag():
    from newsflow.kibana import content_hash, ndjson

    bundle = load_objects()
    lines = [json.loads(line) for line in ndjson(bundle, content_hash(bundle)).splitlines()]
    assert len(lines) == len(bundle)
    (tag,) = [line for line in lines if line["type"] == "tag"]
    assert tag["attributes"]["description"].endswith(f"(content {content_hash(bundle)})")
