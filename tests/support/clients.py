"""Kafka and Elasticsearch as the tests read and write them: produce, count, read back."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from newsflow.clients import elasticsearch_client, kafka_consumer, kafka_producer
from newsflow.schema import RawArticle
from newsflow.settings import Settings


def produce(
    settings: Settings, values: Iterable[RawArticle | bytes], topic: str | None = None
) -> int:
    """Append records to the raw topic (RawArticle -> JSON keyed by id; bytes as they are)."""
    producer = kafka_producer(settings, linger_ms=20, batch_size=1024 * 1024)
    count = 0
    try:
        for value in values:
            if isinstance(value, RawArticle):
                producer.send(
                    topic or settings.topics.raw, key=value.id.encode(), value=value.to_json()
                )
            else:
                producer.send(topic or settings.topics.raw, key=b"poison", value=value)
            count += 1
        producer.flush()
    finally:
        producer.close()
    return count


def es_count(settings: Settings, index: str | None = None, **query: Any) -> int:
    es = elasticsearch_client(settings)
    try:
        name = index or settings.indices.articles
        es.indices.refresh(index=name)
        return es.count(index=name, **query)["count"]
    finally:
        es.close()


def es_hits(settings: Settings, index: str, size: int, **search: Any) -> list[dict[str, Any]]:
    """Every hit (up to `size`) of an index, refreshed first."""
    es = elasticsearch_client(settings)
    try:
        es.indices.refresh(index=index)
        return es.search(index=index, size=size, query={"match_all": {}}, **search)["hits"]["hits"]
    finally:
        es.close()


def es_docs(settings: Settings, size: int = 10_000) -> dict[str, dict[str, Any]]:
    hits = es_hits(settings, settings.indices.articles, size, version=True)
    return {h["_id"]: {**h["_source"], "_version": h.get("_version")} for h in hits}


@dataclass(frozen=True)
class IndexWrites:
    """What Elasticsearch counted for one index (primaries): a second successful write of a
    document shows as `index_total` above `docs`, a refused replay as a version conflict."""

    docs: int
    index_total: int  # successful index operations
    replays_refused: int  # index_failed_due_to_version_conflict: a replay of an indexed revision

    @property
    def duplicate_writes(self) -> int:
        return self.index_total - self.docs


def index_writes(settings: Settings, index: str | None = None) -> IndexWrites:
    """Counters of an index without revisions (a revision is a legitimate second write)."""
    es = elasticsearch_client(settings)
    try:
        name = index or settings.indices.articles
        es.indices.refresh(index=name)
        indexing = es.indices.stats(index=name, metric="indexing")["_all"]["primaries"]["indexing"]
        return IndexWrites(
            docs=es.count(index=name)["count"],  # not the stats' count: that has nested entities
            index_total=indexing["index_total"],
            replays_refused=indexing.get("index_failed_due_to_version_conflict", 0),
        )
    finally:
        es.close()


def read_topic(settings: Settings, topic: str, expected: int, timeout: float = 20.0) -> list[Any]:
    """At least `expected` records of `topic` from the beginning (all it has within the timeout)."""
    consumer = kafka_consumer(settings, topic, group_id=None, consumer_timeout_ms=1000)
    records: list[Any] = []
    deadline = time.monotonic() + timeout
    try:
        while len(records) < expected and time.monotonic() < deadline:
            for batch in consumer.poll(timeout_ms=500).values():
                records.extend(batch)
    finally:
        consumer.close()
    return records


def uncommitted(settings: Settings) -> int:
    """Records of the raw topic beyond the pipeline group's committed offsets."""
    from kafka import TopicPartition

    consumer = kafka_consumer(settings, group_id=settings.pipeline.consumer_group)
    try:
        parts = [
            TopicPartition(settings.topics.raw, p)
            for p in consumer.partitions_for_topic(settings.topics.raw)
        ]
        ends = consumer.end_offsets(parts)
        return sum(ends[tp] - (consumer.committed(tp) or 0) for tp in parts)
    finally:
        consumer.close()


def read_to_end(settings: Settings, topic: str, timeout: float = 30.0) -> list[Any]:
    """Every record of `topic`, from the beginning to the end offsets it has now."""
    from kafka import TopicPartition

    consumer = kafka_consumer(settings, group_id=None)
    try:
        parts = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic))]
        consumer.assign(parts)
        consumer.seek_to_beginning(*parts)
        ends = consumer.end_offsets(parts)
        records: list[Any] = []
        deadline = time.monotonic() + timeout
        while any(consumer.position(tp) < ends[tp] for tp in parts):
            assert time.monotonic() < deadline, f"timed out reading {topic}"
            for batch in consumer.poll(timeout_ms=500).values():
                records.extend(batch)
        return records
    finally:
        consumer.close()


def raw_records(settings: Settings) -> list[tuple[bytes, RawArticle]]:
    """Every record on the raw topic, read to its end."""
    records = read_to_end(settings, settings.topics.raw)
    return [(r.key, RawArticle.from_json(r.value)) for r in records]


def by_feed(records: list[tuple[bytes, RawArticle]]) -> dict[str, list[RawArticle]]:
    grouped: dict[str, list[RawArticle]] = {}
    for _, record in records:
        grouped.setdefault(record.source.name, []).append(record)
    return grouped
