"""Read a compacted Kafka topic from its beginning to its current end (state topics)."""

from __future__ import annotations

import time
from collections.abc import Iterator

from newsflow.clients import kafka_consumer
from newsflow.errors import NewsflowError
from newsflow.settings import Settings


def read_to_end(
    settings: Settings, topic: str, timeout: float = 30.0
) -> Iterator[tuple[bytes, bytes | None]]:
    """Every (key, value) in the topic up to the end offsets seen at the start; value None is a
    tombstone. Raises NewsflowError if the topic is missing or cannot be read within timeout."""
    from kafka import TopicPartition

    consumer = kafka_consumer(settings, group_id=None, enable_auto_commit=False)
    try:
        partitions = consumer.partitions_for_topic(topic)
        if not partitions:
            msg = f"state topic {topic!r} does not exist (run `newsflow init`)"
            raise NewsflowError(msg)
        assigned = [TopicPartition(topic, p) for p in sorted(partitions)]
        consumer.assign(assigned)
        consumer.seek_to_beginning(*assigned)
        ends = consumer.end_offsets(assigned)
        deadline = time.monotonic() + timeout
        while any(consumer.position(tp) < ends[tp] for tp in assigned):
            if time.monotonic() > deadline:
                msg = f"could not read state topic {topic!r} to its end within {timeout:g}s"
                raise NewsflowError(msg)
            for records in consumer.poll(timeout_ms=500).values():
                for record in records:
                    yield record.key, record.value
    finally:
        consumer.close()
