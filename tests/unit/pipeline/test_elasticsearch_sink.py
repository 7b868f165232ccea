"""The Elasticsearch sink's bulk handling, against a scripted fake client (unit level)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from apache_beam.transforms.window import GlobalWindow
from elastic_transport import ApiResponseMeta, ConnectionError, HttpHeaders, NodeConfig
from elasticsearch import ApiError

from newsflow.pipeline.io.elasticsearch import (
    BulkOptions,
    ElasticsearchUnavailable,
    _WriteToElasticsearchFn,
    bulk_lines,
)
from newsflow.pipeline.records import Article
from newsflow.settings import Settings
from tests.support.factories import in_flight

SETTINGS = Settings().with_overrides(pipeline={"bulk_max_docs": 3, "bulk_max_retries": 3})


class FakeElasticsearch:
    """Answers each bulk call with the next scripted outcome (a response dict or an exception)."""

    def __init__(self, *outcomes: Any):
        self.outcomes = list(outcomes)
        self.calls: list[list[str]] = []

    def bulk(self, operations: bytes, filter_path: str) -> dict[str, Any]:
        lines = operations.strip().split(b"\n")
        self.calls.append(
            [json.loads(line)[next(iter(json.loads(line)))]["_id"] for line in lines[::2]]
        )
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome


def _meta(status: int) -> ApiResponseMeta:
    node = NodeConfig("http", "127.0.0.1", 9200)
    return ApiResponseMeta(
        status=status, http_version="1.1", headers=HttpHeaders(), duration=0.0, node=node
    )


def _item(status: int, error: str | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {"status": status}
    if error:
        entry["error"] = {"type": error, "reason": f"{error} happened"}
    return {"index": entry}


def _doc(n: int, revision: int = 1) -> Article:
    return in_flight({"id": f"doc{n}", "title": f"t{n}", "revision": revision}, f"raw{n}", offset=n)


def _sink(fake: FakeElasticsearch, mode: str = "versioned") -> _WriteToElasticsearchFn:
    options = BulkOptions.from_settings(SETTINGS)
    fn = _WriteToElasticsearchFn(lambda: fake, "articles", mode, options)  # type: ignore[arg-type]
    fn.backoff_base = 0.001
    fn.setup()
    fn.start_bundle()
    return fn


def _write(fn: _WriteToElasticsearchFn, docs: list[Article]) -> list[Any]:
    out = [wv for doc in docs for wv in fn.process(doc, 0, GlobalWindow())]
    return [wv.value for wv in [*out, *fn.finish_bundle()]]


def _with_private_keys(article: Article) -> dict[str, Any]:
    return {**article.doc, "_raw": article.envelope.raw, "_origin": {"offset": 1}}


def test_bulk_lines_use_external_versioning_and_never_index_private_keys():
    action, source = (
        json.loads(line)
        for line in bulk_lines(
            _with_private_keys(_doc(1, 3)), "alias", "versioned", "now"
        ).splitlines()
    )
    assert action == {
        "index": {"_index": "alias", "_id": "doc1", "version": 3, "version_type": "external"}
    }
    assert source == {"id": "doc1", "title": "t1", "revision": 3, "indexed_at": "now"}
    action, _source = (
        json.loads(line) for line in bulk_lines(_doc(1).doc, "alerts", "create", "now").splitlines()
    )
    assert action == {"create": {"_index": "alerts", "_id": "doc1"}}


def test_flushes_by_count_and_at_bundle_end():
    fake = FakeElasticsearch({"errors": False}, {"errors": False})
    assert _write(_sink(fake), [_doc(i) for i in range(5)]) == []
    assert fake.calls == [["doc0", "doc1", "doc2"], ["doc3", "doc4"]]


def test_conflict_is_success_permanent_error_is_dead_lettered_and_429_is_retried():
    fake = FakeElasticsearch(
        {"errors": True, "items": [_item(201), _item(409, "version_conflict"), _item(400, "mapper_parsing"),
                                   ]},
        {"errors": True, "items": [_item(429, "es_rejected_execution")]},
        {"errors": False},
    )  # fmt: skip
    fn = _sink(fake)
    dead = _write(fn, [_doc(1), _doc(2), _doc(3)])
    assert [d.offset for d in dead] == [3]
    assert (
        dead[0].stage == "index"
        and "mapper_parsing" in dead[0].reason
        and dead[0].payload == "raw3"
    )
    assert fake.calls[0] == ["doc1", "doc2", "doc3"]


def test_retryable_item_is_sent_again_alone():
    fake = FakeElasticsearch(
        {"errors": True, "items": [_item(201), _item(503, "unavailable")]},
        {"errors": False},
    )
    assert _write(_sink(fake), [_doc(1), _doc(2)]) == []
    assert fake.calls == [["doc1", "doc2"], ["doc2"]]


@pytest.mark.parametrize(
    "error",
    [
        ConnectionError("refused"),
        ApiError("busy", _meta(503), {}),
        ApiError("slow", _meta(429), {}),
    ],
)
def test_connection_errors_and_overload_are_retried_then_succeed(error: Exception):
    fake = FakeElasticsearch(error, error, {"errors": False})
    assert _write(_sink(fake), [_doc(1)]) == []
    assert len(fake.calls) == 3


def test_exhausted_retries_fail_the_bundle_instead_of_dropping():
    fake = FakeElasticsearch(*[ConnectionError("refused")] * 4)
    with pytest.raises(ElasticsearchUnavailable, match="after 4 attempts"):
        _write(_sink(fake), [_doc(1)])


def test_non_retryable_request_error_is_raised():
    fake = FakeElasticsearch(ApiError("bad request", _meta(400), {}))
    with pytest.raises(ApiError):
        _write(_sink(fake), [_doc(1)])
