"""The Kafka writer picks the partition the default partitioner would (same key, same partition)."""

from __future__ import annotations

import uuid

from kafka.partitioner.default import DefaultPartitioner

from newsflow.pipeline.io.kafka import key_partition


class _Metadata:
    """Stands in for the producer's cluster metadata (the only part the partitioner reads)."""

    def __init__(self, partitions: set[int]):
        self.partitions = partitions

    def topics(self) -> set[str]:
        return {"news.enriched"}

    def partitions_for_topic(self, _topic: str) -> set[int]:
        return self.partitions

    def available_partitions_for_topic(self, _topic: str) -> set[int]:
        return self.partitions


def test_key_partition_is_the_default_partitioners_choice():
    partitioner = DefaultPartitioner()
    for partitions in ({0}, {0, 1, 2}, set(range(6)), {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}):
        metadata = _Metadata(partitions)
        for key in [uuid.uuid4().hex.encode() for _ in range(300)] + [b"", b"a", "é".encode()]:
            expected = partitioner.partition("news.enriched", key, key, b"", b"", metadata)
            assert key_partition(key, sorted(partitions)) == expected
