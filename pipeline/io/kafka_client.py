"""kafka-python behind the reader: one partition's log, and the consumer group's offsets.

The reader talks to these two small interfaces only, so its unit tests can run it through Beam's
split machinery over an in-memory log (tests/support/kafka_memory.py) while production and
the integration tests use a real broker.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Protocol

from newsflow.clients import kafka_admin_for, kafka_consumer_for
from newsflow.settings import KafkaSettings


@dataclass(frozen=True)
class ConsumerConfig:
    """What the reader needs to reach Kafka: the client settings and the consumer group."""

    kafka: KafkaSettings
    group: str


class Record(Protocol):
    offset: int
    key: bytes | None
    value: bytes | None
    timestamp: int


class PartitionLog(Protocol):
    """One partition, read from a position (assign + seek: no group membership, no rebalances)."""

    def position(self) -> int: ...

    def seek(self, offset: int) -> None: ...

    def poll(self, max_records: int, timeout_ms: int) -> list[Record]: ...

    def end_offset(self) -> int | None:
        """The high watermark seen by the last fetch (no request), None before one."""
        ...

    def close(self) -> None: ...


class LogFactory(Protocol):
    def open_log(self, topic: str, partition: int, max_records: int) -> PartitionLog: ...

    def partitions(self, topic: str) -> set[int]: ...

    def offsets(self) -> Any:
        """An OffsetStore for the group (commits, committed offsets, end offsets)."""
        ...

    def start_offsets(self, topic: str, start_time_ms: int | None) -> dict[int, int]:
        """Where this run starts each existing partition."""
        ...


class KafkaPartitionLog:
    def __init__(self, config: ConsumerConfig, topic: str, partition: int, max_records: int):
        from kafka import TopicPartition

        self._tp = TopicPartition(topic, partition)
        self._consumer = kafka_consumer_for(
            config.kafka, group_id=config.group, max_poll_records=max_records
        )
        self._consumer.assign([self._tp])

    def position(self) -> int:
        return int(self._consumer.position(self._tp))

    def seek(self, offset: int) -> None:
        self._consumer.seek(self._tp, offset)

    def poll(self, max_records: int, timeout_ms: int) -> list[Any]:
        batches = self._consumer.poll(timeout_ms=timeout_ms, max_records=max_records)
        return batches.get(self._tp, [])

    def end_offset(self) -> int | None:
        return self._consumer.highwater(self._tp)

    def close(self) -> None:
        self._consumer.close(autocommit=False)


class KafkaOffsetStore:
    """The group's offsets in Kafka, through one consumer shared by the process's finalizers
    (kafka-python clients are not thread-safe: a lock serialises them)."""

    def __init__(self, config: ConsumerConfig):
        self._config = config
        self._lock = threading.Lock()
        self._consumer: Any = None

    def _client(self) -> Any:
        if self._consumer is None:
            self._consumer = kafka_consumer_for(self._config.kafka, group_id=self._config.group)
        return self._consumer

    def commit(self, topic: str, partition: int, offset: int) -> None:
        from kafka import TopicPartition
        from kafka.structs import OffsetAndMetadata

        with self._lock:
            self._client().commit(
                {TopicPartition(topic, partition): OffsetAndMetadata(offset, "", -1)}
            )

    def committed(self, topic: str, partition: int) -> int | None:
        from kafka import TopicPartition

        with self._lock:
            return self._client().committed(TopicPartition(topic, partition))

    def end_offsets(self, partitions: list[tuple[str, int]]) -> dict[tuple[str, int], int]:
        from kafka import TopicPartition

        with self._lock:
            ends = self._client().end_offsets([TopicPartition(t, p) for t, p in partitions])
        return {(tp.topic, tp.partition): int(offset) for tp, offset in ends.items()}

    def close(self) -> None:
        with self._lock:
            if self._consumer is not None:
                self._consumer.close(autocommit=False)
                self._consumer = None


class KafkaLogs:
    """The production LogFactory: kafka-python consumers for one group."""

    def __init__(self, config: ConsumerConfig):
        self.config = config

    def open_log(self, topic: str, partition: int, max_records: int) -> KafkaPartitionLog:
        return KafkaPartitionLog(self.config, topic, partition, max_records)

    def partitions(self, topic: str) -> set[int]:
        admin = kafka_admin_for(self.config.kafka)
        try:
            described = admin.describe_topics([topic])
        finally:
            admin.close()
        return {p["partition_index"] for d in described for p in d.get("partitions", [])}

    def offsets(self) -> KafkaOffsetStore:
        return KafkaOffsetStore(self.config)

    def start_offsets(self, topic: str, start_time_ms: int | None) -> dict[int, int]:
        """Where each existing partition starts: the offset at `start_time_ms` (the end when
        nothing is that new), else the group's committed offset, else the earliest."""
        from kafka import TopicPartition

        consumer = kafka_consumer_for(self.config.kafka, group_id=self.config.group)
        try:
            parts = sorted(consumer.partitions_for_topic(topic) or set())
            tps = [TopicPartition(topic, p) for p in parts]
            if not tps:
                return {}
            earliest = consumer.beginning_offsets(tps)
            if start_time_ms is not None:
                found = consumer.offsets_for_times({tp: start_time_ms for tp in tps})
                ends = consumer.end_offsets(tps)
                return {
                    tp.partition: (found[tp].offset if found.get(tp) else ends[tp]) for tp in tps
                }
            starts = {}
            for tp in tps:
                committed = consumer.committed(tp)
                starts[tp.partition] = committed if committed is not None else earliest[tp]
            return starts
        finally:
            consumer.close(autocommit=False)
