"""Kafka IO: a splittable-DoFn reader over kafka-python (one restriction per partition) and a writer.

The reader starts each partition where the run starts it (the group's committed offset, a replay
time's offset, or the earliest), reads it in rounds of one poll, and checkpoints after every
round. It honours any split a runner asks for (pipeline/io/kafka_offsets.py) and reports, in the
bundle finalizer, the offset range it finished; the runner calls the finalizer only after every
DoFn of the bundle finished, i.e. after the sinks flushed. The commit ledger turns those ranges
into Kafka commits that never skip an unfinished range. A crash before the finalizer replays the
bundle: at-least-once reads, made effectively-once by idempotent sinks.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any, NamedTuple

import apache_beam as beam
from apache_beam.io.watermark_estimators import ManualWatermarkEstimator
from apache_beam.transforms.core import RestrictionProvider
from apache_beam.transforms.window import TimestampedValue
from apache_beam.utils.shared import Shared
from apache_beam.utils.timestamp import Duration, Timestamp
from kafka.partitioner.default import murmur2

from newsflow.clients import kafka_producer
from newsflow.errors import ConfigError, NewsflowError
from newsflow.pipeline import metrics
from newsflow.pipeline.io.kafka_client import ConsumerConfig, KafkaLogs, LogFactory, PartitionLog
from newsflow.pipeline.io.kafka_offsets import (
    END_OF_TIME,
    GrowableOffsetTracker,
    PartitionRange,
    PartitionSlot,
)
from newsflow.pipeline.run_policy import RunPolicy, RunState
from newsflow.settings import KafkaSettings, Settings

__all__ = ["ReadFromKafkaPartitions", "WriteToKafka"]

log = logging.getLogger(__name__)

# How often a partition slot whose partition does not exist yet re-reads topic metadata.
METADATA_REFRESH_S = 10.0
# How soon such a slot runs again: a runner that honours the delay (Prism, Flink, Dataflow) would
# otherwise notice a stop request only this much later; the metadata check itself is cached.
ABSENT_PARTITION_DELAY_S = 1.0


class KafkaRecord(NamedTuple):
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    timestamp_ms: int


@dataclass(frozen=True)
class ReadOptions:
    """How the reader reads `topic` (the pipeline flags of the same names, typed)."""

    topic: str
    max_records: int = 2000  # records read from one partition per round (then a checkpoint)
    poll_ms: int = 50  # how long an idle partition waits for records per round
    partition_slots: int = 0  # restrictions created; 0 = max(16, 2 x current partitions)
    shard: tuple[int, int] = (0, 1)  # (I, N): read the partitions p with p % N == I
    start_time_ms: int | None = None  # replay: start at this append time
    java: bool = False  # Beam's Java ReadFromKafka instead (Flink/Dataflow, expansion service)
    expansion_service: str | None = None


class PartitionsRewound(NewsflowError):
    """Kafka handed back an offset below the restriction: the topic was recreated or truncated."""

    def __init__(self, topic: str, partition: int, offset: int, start: int):
        self.topic, self.partition, self.offset, self.start = topic, partition, offset, start
        super().__init__(
            f"Kafka partition {topic}/{partition} returned offset {offset}, below {start} where "
            "this run reads it: the topic was deleted and recreated, or the group's offsets are "
            "from another topic. Reset the consumer group's offsets, then restart."
        )

    def __reduce__(self):
        return (type(self), (self.topic, self.partition, self.offset, self.start))


_RESTRICTION = beam.DoFn.RestrictionParam()  # the DoFn is its own RestrictionProvider
_WATERMARK = beam.DoFn.WatermarkEstimatorParam(ManualWatermarkEstimator.default_provider())


class _ReadPartitionFn(beam.DoFn, RestrictionProvider):
    """Reads one partition per restriction: one poll per call, then a checkpoint.

    It is its own RestrictionProvider because the tracker's end estimate (the partition's high
    watermark, from this instance's last poll) lives here.
    """

    def __init__(self, logs: LogFactory, read: ReadOptions, policy: RunPolicy):
        self.logs = logs
        self.read = read
        self.policy = policy
        self._shared = Shared()  # one RunState (ledger, idle clock) per process and run

    # -- restrictions ----------------------------------------------------------------------

    def initial_restriction(self, slot: PartitionSlot) -> PartitionRange:
        return PartitionRange(slot.topic, slot.partition, slot.start, END_OF_TIME)

    def create_tracker(self, restriction: PartitionRange) -> GrowableOffsetTracker:
        return GrowableOffsetTracker(restriction, partial(self._end_estimate, restriction))

    def restriction_size(self, slot: PartitionSlot, restriction: PartitionRange) -> int:
        end = restriction.stop if not restriction.open_ended else self._end_estimate(restriction)
        return max(1, end - restriction.start)

    def split(self, slot: PartitionSlot, restriction: PartitionRange) -> Iterator[PartitionRange]:
        yield restriction  # one restriction per partition; Kafka orders within a partition

    def _end_estimate(self, restriction: PartitionRange) -> int:
        ends = getattr(self, "_ends", {})
        return ends.get((restriction.topic, restriction.partition), restriction.start)

    # -- lifecycle -------------------------------------------------------------------------

    def setup(self) -> None:
        self._logs: dict[tuple[str, int], PartitionLog] = {}
        self._ends: dict[tuple[str, int], int] = {}
        self._known: dict[str, tuple[float, set[int]]] = {}
        self._run: RunState = self._shared.acquire(self._new_run_state)

    def _new_run_state(self) -> RunState:
        return RunState(self.policy, self.logs.offsets())

    def teardown(self) -> None:
        for partition_log in getattr(self, "_logs", {}).values():
            partition_log.close()

    def _log(self, topic: str, partition: int, position: int) -> PartitionLog:
        partition_log = self._logs.get((topic, partition))
        if partition_log is None:
            partition_log = self.logs.open_log(topic, partition, self.read.max_records)
            partition_log.seek(position)
            self._logs[(topic, partition)] = partition_log
        elif partition_log.position() != position:
            partition_log.seek(position)  # another restriction of it ran here, or a retry
        return partition_log

    def _partition_exists(self, topic: str, partition: int) -> bool:
        checked, known = self._known.get(topic, (float("-inf"), set()))
        if partition in known:
            return True
        if time.monotonic() - checked >= METADATA_REFRESH_S:
            try:
                known = self.logs.partitions(topic)
            except Exception as exc:  # Kafka away: the partitions known so far keep reading
                metrics.KAFKA_UNAVAILABLE.labels(operation="metadata").inc()
                log.warning(
                    "Kafka unavailable: cannot list the topic's partitions, retrying",
                    extra={"topic": topic, "retry_s": METADATA_REFRESH_S, "error": repr(exc)},
                )
            self._known[topic] = (time.monotonic(), known)
        return partition in known

    # -- reading ---------------------------------------------------------------------------

    @beam.DoFn.unbounded_per_element()
    def process(
        self,
        slot: PartitionSlot,
        finalizer=beam.DoFn.BundleFinalizerParam,
        tracker=_RESTRICTION,
        watermark=_WATERMARK,
    ):
        # Every call registers a finalizer, even when it read nothing: Prism sends a
        # FinalizeBundle for every bundle of a stage that may need one, and the Python SDK
        # answers "not in a finalizable state" for a bundle that registered none.
        done: list[tuple[int, int]] = []
        finalizer.register(partial(self._finished, slot, done))
        restriction: PartitionRange = tracker.current_restriction()
        exists = self._partition_exists(slot.topic, slot.partition)
        self._run.saw(slot, exists)
        if self._run.should_stop():
            tracker.try_claim(END_OF_TIME)  # finishes the restriction: this run's read is done
            return
        if not exists:
            tracker.defer_remainder(Duration.of(ABSENT_PARTITION_DELAY_S))
            return
        partition_log = self._log(slot.topic, slot.partition, restriction.start)
        records = partition_log.poll(self.read.max_records, self.read.poll_ms)
        end = partition_log.end_offset()
        if end is not None:
            self._ends[(slot.topic, slot.partition)] = end
        last, newest_ts, finished = None, None, False
        for rec in records:
            if rec.offset < restriction.start:
                raise PartitionsRewound(slot.topic, slot.partition, rec.offset, restriction.start)
            if not tracker.try_claim(rec.offset):
                finished = True  # the rest belongs to a residual split off by the runner
                break
            last, newest_ts = rec.offset, rec.timestamp
            yield TimestampedValue(
                KafkaRecord(
                    slot.topic, slot.partition, rec.offset, rec.key, rec.value, rec.timestamp
                ),
                rec.timestamp / 1000.0,
            )
        current: PartitionRange = tracker.current_restriction()
        if not finished and not current.open_ended and partition_log.position() >= current.stop:
            finished = not tracker.try_claim(current.stop)  # a bounded range read to its end
        self._advance_watermark(watermark, newest_ts)
        self._report_lag(slot, partition_log)
        if finished:
            done.append((restriction.start, current.stop))
        elif last is not None:
            done.append((restriction.start, last + 1))
        if last is not None:
            count = last + 1 - restriction.start
            self._run.note_input()
            metrics.RECORDS_READ.labels(topic=slot.topic).inc(count)
        if not finished:
            tracker.defer_remainder(Duration.of(0))

    def _finished(self, slot: PartitionSlot, done: list[tuple[int, int]]) -> None:
        """Bundle finalizer: the bundle's outputs are durable; the ranges it read are done."""
        for start, stop in done:
            self._run.ledger.done(slot, start, stop)

    @staticmethod
    def _advance_watermark(watermark: Any, newest_ts: int | None) -> None:
        # Records carry their append time; an idle partition holds nothing back, so its
        # watermark follows the wall clock (what Kafka's own idle-partition handling does).
        candidate = Timestamp.of(newest_ts / 1000.0) if newest_ts is not None else Timestamp.now()
        current = watermark.current_watermark()
        if current is None or candidate > current:
            watermark.set_watermark(candidate)

    def _report_lag(self, slot: PartitionSlot, partition_log: PartitionLog) -> None:
        end = partition_log.end_offset()
        if end is not None:
            lag = max(0, end - partition_log.position())
            metrics.CONSUMER_LAG.labels(topic=slot.topic, partition=str(slot.partition)).set(lag)


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


def _partition_slots(_impulse: bytes, logs: LogFactory, read: ReadOptions) -> list[PartitionSlot]:
    """A slot per partition of today plus spare slots that pick up new ones (starting at 0);
    with a shard (I, N) only the partitions p with p % N == I. Runs once, when the run starts."""
    starts = logs.start_offsets(read.topic, read.start_time_ms)
    if not starts:
        msg = (
            f"Kafka topic {read.topic!r} does not exist or has no partitions (run `newsflow init`)"
        )
        raise RuntimeError(msg)
    count = max(starts) + 1
    total = max(read.partition_slots or max(16, 2 * count), count)
    mine = shard_partitions(total, read.shard)
    index, workers = read.shard
    log.info(
        "reading partitions",
        extra={
            "topic": read.topic,
            "partitions": count,
            "slots": total,
            "shard": f"{index}/{workers}",
            "starts": {p: starts[p] for p in mine if p in starts},
        },
    )
    return [PartitionSlot(read.topic, p, starts.get(p, 0)) for p in mine]


def _from_xlang(row: Any) -> KafkaRecord:
    return KafkaRecord(row.topic, row.partition, row.offset, row.key, row.value, row.timestamp)


class ReadFromKafkaPartitions(beam.PTransform):
    """KafkaRecords of one topic. Python SDF by default; Beam's Java ReadFromKafka with `java`."""

    def __init__(
        self,
        consumer: ConsumerConfig,
        read: ReadOptions,
        policy: RunPolicy,
        logs: LogFactory | None = None,
    ):
        super().__init__()
        self.consumer = consumer
        self.read = read
        self.policy = policy
        self.logs = logs if logs is not None else KafkaLogs(consumer)

    def expand(self, pbegin):
        if self.read.java:
            return self._expand_java(pbegin)
        return (
            pbegin
            | "Impulse" >> beam.Impulse()
            | "Partitions" >> beam.FlatMap(_partition_slots, self.logs, self.read)
            | "ReadPartitions" >> beam.ParDo(_ReadPartitionFn(self.logs, self.read, self.policy))
        )

    def _expand_java(self, pbegin):
        # Needs a Java expansion service and a runner that runs Java (Flink, Dataflow).
        from apache_beam.io.kafka import ReadFromKafka

        config = {
            "bootstrap.servers": self.consumer.kafka.bootstrap,
            "group.id": self.consumer.group,
            "auto.offset.reset": "earliest",
            "max.partition.fetch.bytes": str(self.consumer.kafka.max_message_bytes),
        }
        kwargs: dict[str, Any] = {
            "commit_offset_in_finalize": True,  # same rule as ours: commit after the bundle is durable
            "with_metadata": True,  # Rows with topic, partition, offset, key, value, timestamp
            "timestamp_policy": "LogAppendTime",
            "dynamic_read_poll_interval_seconds": int(METADATA_REFRESH_S),  # new partitions
        }
        if self.read.start_time_ms is not None:
            kwargs["start_read_time"] = int(self.read.start_time_ms)
        if self.read.expansion_service:
            kwargs["expansion_service"] = self.read.expansion_service
        return (
            pbegin
            | "ReadFromKafkaJava" >> ReadFromKafka(config, [self.read.topic], **kwargs)
            | "ToKafkaRecord" >> beam.Map(_from_xlang)
        )


# --- the writer ---------------------------------------------------------------------------


def key_partition(key: bytes, partitions: list[int]) -> int:
    """The partition Kafka's default partitioner picks for a key (murmur2, as the Java client):
    computed here, `send` skips listing the topic's available partitions for every record."""
    return partitions[(murmur2(key) & 0x7FFFFFFF) % len(partitions)]


def _producer(kafka: KafkaSettings) -> Any:
    return kafka_producer(Settings(kafka=kafka), linger_ms=5, batch_size=1024 * 1024)


class _WriteToKafkaFn(beam.DoFn):
    """Sends every element; finish_bundle waits for every ack, so the bundle (and the offset
    commit that follows it) only succeeds once Kafka has the records."""

    def __init__(
        self,
        kafka: KafkaSettings,
        topic: str,
        serialize: Callable[[Any], tuple[bytes | None, bytes]],
    ):
        self.kafka = kafka
        self.topic = topic
        self.serialize = serialize

    def setup(self) -> None:
        self._producer = _producer(self.kafka)

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
        self.fn = _WriteToKafkaFn(settings.kafka, topic, serialize)

    def expand(self, pcoll):
        return pcoll | "Send" >> beam.ParDo(self.fn)
