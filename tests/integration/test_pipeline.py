"""The pipeline against the real Kafka and Elasticsearch: raw topic -> searchable documents."""

from __future__ import annotations

import json
import time
from pathlib import Path

from newsflow.schema import DeadLetter
from newsflow.settings import Settings
from tests.support.clients import es_count, es_docs, produce, read_topic, uncommitted
from tests.support.factories import article
from tests.support.processes import log_tail, run_pipeline

PESKOV = (
    "Kremlin spokesman Dmitry Peskov said on Tuesday that peace talks with Ukraine would continue "
    "next week in Istanbul, adding that no date had been set for a meeting between the two presidents. "
    "Peskov told reporters the Russian delegation was ready to discuss a ceasefire and prisoner swaps."
)
PESKOV_REWRITE = (
    "Kremlin spokesman Dmitry Peskov said Tuesday that peace talks with Ukraine will continue "
    "next week in Istanbul, adding that no date had yet been set for a meeting between the two leaders. "
    "Peskov told journalists the Russian delegation was ready to discuss a ceasefire and prisoner swaps."
)


def _run(settings: Settings, tmp_path: Path, *args: str, idle: str = "2") -> None:
    log = tmp_path / "pipeline.log"
    code = run_pipeline(settings, "--until-idle", idle, *args, log=log)
    assert code == 0, log_tail(log)


def test_raw_articles_become_searchable_documents(
    isolated: Settings, tmp_path: Path, runner: list[str]
):
    arts = [article(i) for i in range(6)]
    produce(isolated, arts)
    _run(isolated, tmp_path, *runner)

    docs = es_docs(isolated)
    assert set(docs) == {a.id for a in arts}
    doc = docs[arts[0].id]
    assert doc["title"] == arts[0].title
    assert "<" not in doc["body"] and "Read more" not in doc["body"]
    assert doc["url"] == "https://wire.example.com/news/0"  # tracking parameter gone
    assert doc["language"] == "en" and doc["story_id"] == arts[0].id  # a story of its own
    assert not {"story_bands", "story_probes"} & set(doc)  # the stage's state lives elsewhere
    assert doc["indexed_at"] and doc["content_hash"]
    assert es_count(isolated, query={"match": {"body": arts[3].content_html.split()[2]}}) >= 1
    enriched = read_topic(isolated, isolated.topics.enriched, expected=6)
    assert {r.key.decode() for r in enriched} == {a.id for a in arts}
    assert all(not k.startswith("_") for r in enriched for k in json.loads(r.value))
    assert uncommitted(isolated) == 0  # every offset read was committed after the write


def test_revision_replaces_document_and_replay_never_duplicates(
    fast: Settings, tmp_path: Path, runner: list[str]
):
    first = article(1, title="First version of the headline")
    produce(fast, [first, article(2)])
    _run(fast, tmp_path, *runner)
    revised = article(1, title="Corrected headline", revision=2)
    produce(fast, [revised, first])  # the revision, then a stale copy of revision 1
    _run(fast, tmp_path, *runner)
    docs = es_docs(fast)
    assert len(docs) == 2
    assert docs[first.id]["title"] == "Corrected headline" and docs[first.id]["revision"] == 2

    replay = fast.with_overrides(
        pipeline={"consumer_group": fast.pipeline.consumer_group + "-replay"}
    )
    _run(replay, tmp_path, *runner)  # a new group reads the whole topic again
    docs = es_docs(fast)
    assert len(docs) == 2 and docs[first.id]["title"] == "Corrected headline"


def test_same_story_from_two_feeds_shares_a_story_id(
    fast: Settings, tmp_path: Path, runner: list[str]
):
    wire = article(1, source="Wire", title="Peskov: talks to continue in Istanbul", body=PESKOV)
    daily = article(
        2, source="Daily", title="Kremlin says Istanbul talks will continue", body=PESKOV_REWRITE
    )
    other = article(3, source="Daily")
    copy = article(4, source="Mirror", title=wire.title, body=PESKOV)  # same content, other URL
    produce(fast, [wire, other])
    _run(fast, tmp_path, *runner)
    produce(fast, [daily, copy])  # later, so the first story comes from the index
    _run(fast, tmp_path, *runner)
    docs = es_docs(fast)
    assert docs[wire.id]["story_id"] == docs[daily.id]["story_id"]
    assert docs[other.id]["story_id"] != docs[wire.id]["story_id"]
    assert copy.id not in docs  # exact duplicate content: one document


def test_poison_messages_go_to_the_dlq_and_the_pipeline_goes_on(
    fast: Settings, tmp_path: Path, runner: list[str]
):
    huge = article(99, body="word " * 2_000_000)  # a 10 MB body
    poison = [
        b"this is not json",
        b'{"schema": "newsflow.raw/0", "id": "x"}',
        huge.to_json(),
        bytes(range(256)) * 4,
    ]
    produce(fast, [article(1), *poison, article(2)])
    _run(fast, tmp_path, *runner)

    assert set(es_docs(fast)) == {article(1).id, article(2).id}
    dead = [
        DeadLetter.model_validate_json(r.value)
        for r in read_topic(fast, fast.topics.dlq, expected=4)
    ]
    assert sorted(d.original() for d in dead) == sorted(poison)
    assert {d.stage for d in dead} == {"parse"}
    by_payload = {d.original(): d for d in dead}
    assert by_payload[poison[0]].reason.startswith("not JSON")
    assert by_payload[poison[1]].field == "schema"
    assert "exceeds" in by_payload[poison[2]].reason
    assert by_payload[poison[3]].payload_encoding == "base64"
    assert all(d.source_topic == fast.topics.raw and d.offset is not None for d in dead)
    assert uncommitted(fast) == 0


def test_backfill_from_files(fast: Settings, tmp_path: Path):
    arts = [article(i) for i in range(4)]
    (tmp_path / "a.jsonl").write_bytes(b"\n".join(a.to_json() for a in arts[:2]) + b"\n")
    (tmp_path / "b.jsonl").write_bytes(b"\n".join(a.to_json() for a in arts[2:]) + b"\nnot json\n")
    _run(fast, tmp_path, "--from-files", str(tmp_path / "*.jsonl"))
    assert set(es_docs(fast)) == {a.id for a in arts}
    dead = [
        DeadLetter.model_validate_json(r.value)
        for r in read_topic(fast, fast.topics.dlq, expected=1)
    ]
    assert [(d.payload, d.source_topic) for d in dead] == [
        ("not json", f"file:{tmp_path / 'b.jsonl'}")
    ]


def test_replay_from_a_time_into_a_fresh_index_swaps_the_alias(fast: Settings, tmp_path: Path):
    from newsflow.clients import elasticsearch_client

    old = [article(i) for i in range(3)]
    produce(fast, old)
    _run(fast, tmp_path)
    time.sleep(0.05)  # Kafka timestamps are milliseconds: make "from" fall strictly between
    since = int(time.time() * 1000)
    new = [article(i) for i in range(3, 6)]
    produce(fast, new)
    _run(fast, tmp_path, f"--kafka_start_time={since}", "--fresh_index")

    es = elasticsearch_client(fast)
    try:
        behind = es.indices.get_alias(name=fast.indices.articles)
    finally:
        es.close()
    assert len(behind) == 1
    ((index, spec),) = behind.items()
    assert (
        index != f"{fast.indices.articles}-000001"
        and spec["aliases"][fast.indices.articles]["is_write_index"]
    )
    assert set(es_docs(fast)) == {a.id for a in new}  # only what was appended since the time
    assert es_count(fast, index=f"{fast.indices.articles}-000001") == 3  # the old index is kept
    assert uncommitted(fast) == 3  # the live group's offsets were not touched by the replay
