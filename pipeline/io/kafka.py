"""Kafka IO: a splittable-DoFn reader over kafka-python (one restriction per partition) and a writer.

The reader starts each partition at the consumer group's committed offset (else the earliest),
checkpoints with `defer_remainder` after every poll, and commits the offsets it read in the
bundle finalizer - which the runner calls only after every DoFn of the (fused) bundle finished,
i.e. after the sinks flushed. A crash before that replays the bundle: at-least-once reads, made
effectively-once by idempotent sinks (see pipeline/io/elasticsearch.py).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

import apache_beam as beam
from apache_beam.io.restriction_trackers import OffsetRange, OffsetRestrictionTracker
from apache_beam.io.watermark_estimators import ManualWatermarkEstimator
from apache_beam.metrics import Metrics
from apache_beam.transforms.core import RestrictionProvider
from apache_beam.transforms.window import TimestampedValue
from apache_beam.utils.timestamp import Duration, Timestamp
from kafka.partitioner.default import murmur2

from newsflow.clients import kafka_consumer, kafka_producer
from newsflow.errors import ConfigError
from newsflow.settings import Settings
from pipeline import metrics

__all__ = ["ReadFromKafkaPartitions", "WriteToKafka"]

log = logging.getLogger(__name__)

# The end of an unbounded offset range: claiming it finishes the restriction cleanly.
END_OF_TIME = 2**63 - 1
# How often a partition slot whose partition does not exist yet re-reads topic metadata.
METADATA_REFRESH_S = 10.0


class KafkaRecord(NamedTuple):
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    timestamp_ms: int


# --- run control: --until-idle and SIGINT/SIGTERM ---------------------------------------
# Module state, because the local runner executes the DoFns in this process; on a distributed
# runner each worker has its own and only the explicit stop (drain) applies.


class _RunControl:
    def __init__(self) -> None:
        self.stop = threading.Event()
        self.last_input: float | None = None  # the idle clock starts at the first poll
        self.records = 0

    def reset(self) -> None:
        self.stop.clear()
        self.last_input = None
        self.records = 0

    def note_input(self, count: int) -> None:
        self.last_input = time.monotonic()
        self.records += count

    def idle_for(self) -> float:
        if self.last_input is None:
            self.last_input = time.monotonic()
        return time.monotonic() - self.last_input


RUN_CONTROL = _RunControl()


def request_stop() -> None:
    """Ask every reader in this process to finish its restriction at its next checkpoint."""
    RUN_CONTROL.stop.set()


# --- the splittable DoFn ------------------------------------------------------------------


class _PartitionRestrictionProvider(RestrictionProvider):
    """One OffsetRange per (topic, partition): committed offset (or start time, or earliest) to end."""

    def __init__(self, settings: Settings, start_time_ms: int | None):
        self.settings = settings
        self.start_time_ms = start_time_ms
        self._consumer: Any = None

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_consumer": None}

    def _client(self) -> Any:
        if self._consumer is None:
            self._consumer = kafka_consumer(
                self.settings, group_id=self.settings.pipeline.consumer_group
            )
        return self._consumer

    def initial_restriction(self, element: tuple[str, int]) -> OffsetRange:
        from kafka import TopicPartition

        topic, partition = element
        consumer = self._client()
        if partition not in (consumer.partitions_for_topic(topic) or set()):
            return OffsetRange(0, END_OF_TIME)  # a future partition: it starts at offset 0
        tp = TopicPartition(topic, partition)
        start = None
        if self.start_time_ms is not None:
            found = consumer.offsets_for_times({tp: self.start_time_ms}).get(tp)
            start = found.offset if found else consumer.end_offsets([tp])[tp]
        if start is None:
            start = consumer.committed(tp)
        if start is None:
            start = consumer.beginning_offsets([tp])[tp]
        log.info("partition start", extra={"topic": topic, "partition": partition, "offset": start})
        return OffsetRange(start, END_OF_TIME)

    def create_tracker(self, restriction: OffsetRange) -> OffsetRestrictionTracker:
        return OffsetRestrictionTracker(restriction)

    def restriction_size(self, element: Any, restriction: OffsetRange) -> int:
        return 1  # unbounded: the backlog is reported as consumer lag instead

    def split(self, element: Any, restriction: OffsetRange) -> Iterator[OffsetRange]:
        yield restriction  # one restriction per partition; Kafka orders within a partition


_RESTRICTION = beam.DoFn.RestrictionParam()  # the DoFn is its own RestrictionProvider
_WATERMARK = beam.DoFn.WatermarkEstimatorParam(ManualWatermarkEstimator.default_provider())


class _ReadPartitionFn(beam.DoFn, RestrictionProvider):
    """Reads one Kafka partition per restriction with kafka-python (assign, never subscribe).

    It is its own RestrictionProvider (delegating to one built from the settings), because
    `RestrictionParam` is declared on the class while the settings arrive per instance.
    """

    def __init__(self, settings: Settings, options: dict[str, Any]):
        self.settings = settings
        self.max_records = int(options.get("kafka_max_records") or 2000)
        self.poll_ms = int(options.get("kafka_poll_ms") or 50)
        self.until_idle = options.get("until_idle")
        self.provider = _PartitionRestrictionProvider(settings, options.get("start_time_ms"))
        self.read_counter = Metrics.counter("newsflow", "records_read")
        self.lag_gauge = Metrics.gauge("newsflow", "consumer_lag")

    def initial_restriction(self, element: tuple[str, int]) -> OffsetRange:
        return self.provider.initial_restriction(element)

    def create_tracker(self, restriction: OffsetRange) -> OffsetRestrictionTracker:
        return self.provider.create_tracker(restriction)

    def restriction_size(self, element: Any, restriction: OffsetRange) -> int:
        return self.provider.restriction_size(element, restriction)

    def split(self, element: Any, restriction: OffsetRange) -> Iterator[OffsetRange]:
        return self.provider.split(element, restriction)

    def setup(self) -> None:
        self._consumers: dict[tuple[str, int], Any] = {}
        self._committed: dict[tuple[str, int], int] = {}
        self._metadata: dict[str, tuple[float, set[int]]] = {}
        self._admin: Any = None

    def teardown(self) -> None:
        for consumer in getattr(self, "_consumers", {}).values():
            consumer.close(autocommit=False)
        if getattr(self, "_admin", None) is not None:
            self._admin.close()

    def _consumer(self, topic: str, partition: int, position: int) -> Any:
        from kafka import TopicPartition

        tp = TopicPartition(topic, partition)
        consumer = self._consumers.get((topic, partition))
        if consumer is None:
            consumer = kafka_consumer(
                self.settings,
                group_id=self.settings.pipeline.consumer_group,
                max_poll_records=self.max_records,
            )
            consumer.assign([tp])
            consumer.seek(tp, position)
            self._consumers[(topic, partition)] = consumer
        elif consumer.position(tp) != position:
            consumer.seek(tp, position)  # the restriction was split or the bundle retried
        return consumer

    def _partition_exists(self, topic: str, partition: int) -> bool:
        checked, known = self._metadata.get(topic, (0.0, set()))
        if partition in known:
            return True
        if time.monotonic() - checked >= METADATA_REFRESH_S:
            from newsflow.clients import kafka_admin

            if self._admin is None:
                self._admin = kafka_admin(self.settings)
            described = self._admin.describe_topics([topic])
            known = {p["partition_index"] for d in described for p in d.get("partitions", [])}
            self._metadata[topic] = (time.monotonic(), known)
        return partition in known

    def _should_stop(self) -> bool:
        if RUN_CONTROL.stop.is_set():
            return True
        if self.until_idle is not None and RUN_CONTROL.idle_for() >= self.until_idle:
            # "idle" is about input, not about time spent writing (e.g. waiting out an ES
            # outage): records still behind a partition's end mean there is input to read.
            if self._backlog() > 0:
                RUN_CONTROL.note_input(0)
                return False
            request_stop()  # every partition stops, not just the one that noticed
            return True
        return False

    def _backlog(self) -> int:
        """Records between this instance's consumers' positions and their partitions' ends."""
        from kafka import TopicPartition

        behind = 0
        for (topic, partition), consumer in self._consumers.items():
            tp = TopicPartition(topic, partition)
            behind += max(0, consumer.end_offsets([tp])[tp] - consumer.position(tp))
        return behind

    @beam.DoFn.unbounded_per_element()
    def process(
        self,
        element: tuple[str, int],
        finalizer=beam.DoFn.BundleFinalizerParam,
        tracker=_RESTRICTION,
        watermark=_WATERMARK,
    ):
        topic, partition = element
        if self._should_stop():
            tracker.try_claim(END_OF_TIME)  # finishes the restriction: the read is done
            return
        start = tracker.current_restriction().start
        if not self._partition_exists(topic, partition):
            tracker.defer_remainder(Duration.of(METADATA_REFRESH_S))
            return
        consumer = self._consumer(topic, partition, start)
        last, newest_ts = None, None
        for rec in self._poll(consumer, topic, partition):
            if not tracker.try_claim(rec.offset):
                break
            last, newest_ts = rec.offset, rec.timestamp
            yield TimestampedValue(
                KafkaRecord(topic, partition, rec.offset, rec.key, rec.value, rec.timestamp),
                rec.timestamp / 1000.0,
            )
        self._advance_watermark(watermark, newest_ts)
        self._report_lag(consumer, topic, partition)
        if last is not None:
            count = last + 1 - start
            RUN_CONTROL.note_input(count)
            self.read_counter.inc(count)
            metrics.RECORDS_READ.labels(topic=topic).inc(count)
            finalizer.register(self._commit_callback(topic, partition, last + 1))
        tracker.defer_remainder(Duration.of(0))

    def _poll(self, consumer: Any, topic: str, partition: int) -> list[Any]:
        from kafka import TopicPartition

        batches = consumer.poll(timeout_ms=self.poll_ms, max_records=self.max_records)
        return batches.get(TopicPartition(topic, partition), [])

    @staticmethod
    def _advance_watermark(watermark: Any, newest_ts: int | None) -> None:
        # Records carry their append time; an idle partition holds nothing back, so its
        # watermark follows the wall clock (what Kafka's own idle-partition handling does).
        candidate = Timestamp.of(newest_ts / 1000.0) if newest_ts is not None else Timestamp.now()
        current = watermark.current_watermark()
        if current is None or candidate > current:
            watermark.set_watermark(candidate)

    def _report_lag(self, consumer: Any, topic: str, partition: int) -> None:
        from kafka import TopicPartition

        tp = TopicPartition(topic, partition)
        highwater = consumer.highwater(tp)
        if highwater is not None:
            lag = max(0, highwater - consumer.position(tp))
            self.lag_gauge.set(lag)
            metrics.CONSUMER_LAG.labels(topic=topic, partition=str(partition)).set(lag)

    def _commit_callback(self, topic: str, partition: int, offset: int) -> Callable[[], None]:
        def commit() -> None:
            from kafka import TopicPartition
            from kafka.structs import OffsetAndMetadata

            if offset <= self._committed.get((topic, partition), -1):
                return
            consumer = self._consumers[(topic, partition)]
            try:
                consumer.commit(
                    {TopicPartition(topic, partition): OffsetAndMetadata(offset, "", -1)}
                )
            except (
                Exception
            ) as exc:  # the next bundle's commit covers this one; a crash would replay
                log.warning(
                    "offset commit failed",
                    extra={
                        "topic": topic,
                        "partition": partition,
                        "offset": offset,
                        "error": repr(exc),
                    },
                )
                return
            self._committed[(topic, partition)] = offset
            log.debug("committed", extra={"topic": topic, "partition": partition, "offset": offset})

        return commit


def parse_shard(value: str | None) -> tuple[int, int]:
    """ "I/N" -> (I, N); None -> (0, 1) (every partition)."""
    if not value:
        return 0, 1
    try:
        index, count = (int(part) for part in value.split("/"))
    except ValueError:
        index, count = -1, 0
    if count < 1 or not 0 <= index < count:
        flag = "--kafka_partition_shard"
        msg = f"expected I/N with 0 <= I < N, got {value!r}"
        raise ConfigError(flag, msg)
    return index, count


def shard_partitions(slots: int, shard: tuple[int, int]) -> list[int]:
    """The partition slots worker I of N reads: p % N == I (every slot has one worker)."""
    index, workers = shard
    return [p for p in range(slots) if p % workers == index]


def _partition_slots(
    _impulse: bytes, settings: Settings, topic: str, slots: int, shard: tuple[int, int] = (0, 1)
) -> list[tuple[str, int]]:
    """(topic, partition) for today's partitions plus spare slots that pick up new ones; with a
    shard (I, N) only the partitions p with p % N == I (one of N worker processes)."""
    consumer = kafka_consumer(settings)
    try:
        partitions = consumer.partitions_for_topic(topic) or set()
    finally:
        consumer.close()
    if not partitions:
        msg = f"Kafka topic {topic!r} does not exist or has no partitions (run `newsflow init`)"
        raise RuntimeError(msg)
    count = max(partitions) + 1
    total = max(slots or max(16, 2 * count), count)
    mine = shard_partitions(total, shard)
    index, workers = shard
    log.info(
        "reading partitions",
        extra={"topic": topic, "partitions": count, "slots": total, "shard": f"{index}/{workers}"},
    )
    return [(topic, p) for p in mine]


def _from_xlang(row: Any) -> KafkaRecord:
    return KafkaRecord(row.topic, row.partition, row.offset, row.key, row.value, row.timestamp)


class ReadFromKafkaPartitions(beam.PTransform):
    """KafkaRecords from `topic`. Python SDF by default; Beam's Java ReadFromKafka with xlang."""

    def __init__(self, settings: Settings, topic: str, options: dict[str, Any] | None = None):
        super().__init__()
        self.settings = settings
        self.topic = topic
        self.options = dict(options or {})

    def expand(self, pbegin):
        if self.options.get("kafka_read") == "xlang":
            return self._expand_xlang(pbegin)
        slots = int(self.options.get("kafka_partition_slots") or 0)
        shard = parse_shard(self.options.get("kafka_partition_shard"))
        return (
            pbegin
            | "Impulse" >> beam.Impulse()
            | "Partitions"
            >> beam.FlatMap(_partition_slots, self.settings, self.topic, slots, shard)
            | "ReadPartitions" >> beam.ParDo(_ReadPartitionFn(self.settings, self.options))
        )

    def _expand_xlang(self, pbegin):
        # Needs a Java expansion service and a runner that runs Java (Flink, Dataflow).
        from apache_beam.io.kafka import ReadFromKafka

        config = {
            "bootstrap.servers": self.settings.kafka.bootstrap,
            "group.id": self.settings.pipeline.consumer_group,
            "auto.offset.reset": "earliest",
            "max.partition.fetch.bytes": str(self.settings.kafka.max_message_bytes),
        }
        kwargs: dict[str, Any] = {
            "commit_offset_in_finalize": True,  # same rule as ours: commit after the bundle is durable
            "with_metadata": True,  # Rows with topic, partition, offset, key, value, timestamp
            "timestamp_policy": "LogAppendTime",
            "dynamic_read_poll_interval_seconds": int(METADATA_REFRESH_S),  # new partitions
        }
        if self.options.get("start_time_ms") is not None:
            kwargs["start_read_time"] = int(self.options["start_time_ms"])
        if self.options.get("kafka_expansion_service"):
            kwargs["expansion_service"] = self.options["kafka_expansion_service"]
        return (
            pbegin
            | "ReadFromKafkaJava" >> ReadFromKafka(config, [self.topic], **kwargs)
            | "ToKafkaRecord" >> beam.Map(_from_xlang)
        )


# --- the writer ---------------------------------------------------------------------------


def key_partition(key: bytes, partitions: list[int]) -> int:
    """The partition Kafka's default partitioner picks for a key (murmur2, as the Java client):
    computed here, `send` skips listing the topic's available partitions for every record."""
    return partitions[(murmur2(key) & 0x7FFFFFFF) % len(partitions)]


class _WriteToKafkaFn(beam.DoFn):
    """Sends every element; finish_bundle waits for every ack, so the bundle (and the offset
    commit that follows it) only succeeds once Kafka has the records."""

    def __init__(
        self, settings: Settings, topic: str, serialize: Callable[[Any], tuple[bytes | None, bytes]]
    ):
        self.settings = settings
        self.topic = topic
        self.serialize = serialize
        self.counter = Metrics.counter("newsflow", f"written_{topic}")

    def setup(self) -> None:
        self._producer = kafka_producer(self.settings, linger_ms=5, batch_size=1024 * 1024)

    def start_bundle(self) -> None:
        self._futures: list[Any] = []
        self._partitions: list[int] | None = None  # the topic's, read once per bundle

    def process(self, element: Any) -> None:
        key, value = self.serialize(element)
        partition = None
        if key is not None:  # the default partitioner's choice, without its per-record work
            if self._partitions is None:
                self._partitions = sorted(self._producer.partitions_for(self.topic))
            partition = key_partition(key, self._partitions)
        self._futures.append(
            self._producer.send(self.topic, key=key, value=value, partition=partition)
        )

    def finish_bundle(self) -> None:
        if not self._futures:
            return
        self._producer.flush()
        for future in self._futures:
            future.get(timeout=0)  # raises the send error: the bundle fails and is replayed
        self.counter.inc(len(self._futures))
        metrics.RECORDS_WRITTEN.labels(topic=self.topic).inc(len(self._futures))
        self._futures = []

    def teardown(self) -> None:
        producer = getattr(self, "_producer", None)
        if producer is not None:
            producer.close(timeout=10)


class WriteToKafka(beam.PTransform):
    """Writes elements to `topic`; `serialize(element) -> (key, value)` (bytes)."""

    def __init__(
        self, settings: Settings, topic: str, serialize: Callable[[Any], tuple[bytes | None, bytes]]
    ):
        super().__init__()
        self.settings = settings
        self.topic = topic
        self.serialize = serialize

    def expand(self, pcoll):
        return pcoll | "Send" >> beam.ParDo(
            _WriteToKafkaFn(self.settings, self.topic, self.serialize)
        )
