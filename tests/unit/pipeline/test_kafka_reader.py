"""The Kafka reader as a splittable DoFn: splits at any fraction, checkpoints at every position,
commits only what every split range finished. Driven through Beam's own split machinery (the
FnApiRunner's test split manager) over an in-memory topic."""

from __future__ import annotations

import random
import uuid

import apache_beam as beam
import pytest
from apache_beam.runners.portability.fn_api_runner import fn_runner
from apache_beam.testing.util import assert_that, equal_to
from apache_beam.transforms import environments

from newsflow.pipeline.io.kafka import ReadFromKafkaPartitions, ReadOptions
from newsflow.pipeline.io.kafka_client import ConsumerConfig
from newsflow.pipeline.io.kafka_offsets import (
    END_OF_TIME,
    GAP_REFRESH_S,
    GrowableOffsetTracker,
    OffsetLedger,
    PartitionRange,
    PartitionSlot,
)
from newsflow.pipeline.run_policy import RunPolicy
from newsflow.settings import KafkaSettings
from tests.support.kafka_memory import Breakpoint, MemoryLogs, MemoryOffsets, memory_topic

FRACTIONS = [0.0, 0.001, 0.1, 0.25, 0.5, 0.75, 0.999, 1.0]


def _tracker(start: int, end_estimate: int, stop: int = END_OF_TIME) -> GrowableOffsetTracker:
    return GrowableOffsetTracker(PartitionRange("t", 0, start, stop), lambda: end_estimate)


# --- the tracker ------------------------------------------------------------------------


@pytest.mark.parametrize("fraction", FRACTIONS)
def test_split_of_an_open_range_at_every_position_keeps_the_residual_on_the_log(fraction):
    start, end = 100, 140
    for claimed in range(start - 1, end):  # start - 1: nothing claimed yet
        tracker = _tracker(start, end)
        for offset in range(start, claimed + 1):
            assert tracker.try_claim(offset)
        split = tracker.try_split(fraction)
        assert split is not None
        primary, residual = split
        assert primary.start == start and residual.stop == END_OF_TIME
        assert primary.stop == residual.start
        assert claimed < residual.start <= max(end, claimed + 1)  # a real offset, never 4.6e18
        assert tracker.current_restriction() == primary
        # the primary still claims up to its stop, and nothing beyond
        for offset in range(claimed + 1, primary.stop):
            assert tracker.try_claim(offset)
        assert not tracker.try_claim(primary.stop)
        tracker.check_done()


def test_checkpoint_at_every_position_then_resume_reads_each_offset_once():
    start, end = 0, 30
    for every in range(1, 8):
        restriction, read = PartitionRange("t", 0, start, END_OF_TIME), []
        while True:
            tracker = GrowableOffsetTracker(restriction, lambda: end)
            batch = [o for o in range(restriction.start, end)][:every]
            for offset in batch:
                assert tracker.try_claim(offset)
                read.append(offset)
            primary, residual = tracker.try_split(0)
            assert primary.stop == residual.start == (batch[-1] + 1 if batch else restriction.start)
            tracker.check_done()
            assert tracker.try_split(0.5) is None  # a checkpointed restriction splits no more
            restriction = residual
            if not batch:
                break
        assert read == list(range(start, end))


def test_bounded_residual_splits_like_beams_offset_tracker():
    tracker = _tracker(10, 10_000, stop=20)
    assert tracker.try_claim(10)
    primary, residual = tracker.try_split(0.5)
    assert (primary.start, primary.stop, residual.start, residual.stop) == (10, 15, 15, 20)
    assert tracker.is_bounded()


def test_a_finished_range_does_not_split_and_progress_is_never_nan():
    tracker = _tracker(5, 5)
    progress = tracker.current_progress()
    assert 0.0 <= progress.fraction_completed <= 1.0
    assert not tracker.try_claim(END_OF_TIME)
    assert tracker.try_split(0.5) is None
    tracker.check_done()
    assert tracker.current_progress().fraction_completed == 1.0


def test_split_of_an_open_range_survives_an_end_estimate_behind_the_position():
    tracker = _tracker(50, end_estimate=10)  # a stale estimate
    assert tracker.try_claim(50)
    primary, residual = tracker.try_split(0.5)
    assert primary.stop == residual.start == 51


# --- the commit ledger --------------------------------------------------------------------


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_ledger_commits_only_a_covered_prefix_whatever_the_order():
    topic = memory_topic(f"t-{uuid.uuid4().hex[:6]}", {0: 100})
    ledger = OffsetLedger(MemoryOffsets(topic))
    slot = PartitionSlot(topic.name, 0, 10)
    ledger.done(slot, 40, 60)  # a residual finished before its primary
    assert topic.committed == {}
    ledger.done(slot, 10, 25)
    assert topic.committed == {0: 25}
    ledger.done(slot, 25, 40)
    assert topic.committed == {0: 60}
    ledger.done(slot, 10, 25)  # a replayed range changes nothing
    assert topic.commits == [(0, 25), (0, 60)]


def test_ledger_learns_a_range_finished_by_another_worker_from_the_group_offset():
    topic = memory_topic(f"t-{uuid.uuid4().hex[:6]}", {0: 100})
    clock = _Clock()
    ledger = OffsetLedger(MemoryOffsets(topic), clock)
    slot = PartitionSlot(topic.name, 0, 0)
    ledger.done(slot, 50, 80)  # [0, 50) is another process's
    topic.committed[0] = 50  # ... which committed it
    ledger.retry()
    assert topic.committed[0] == 50  # not before GAP_REFRESH_S
    clock.now = GAP_REFRESH_S
    ledger.retry()
    assert topic.committed[0] == 80


def test_ledger_retries_a_failed_commit():
    topic = memory_topic(f"t-{uuid.uuid4().hex[:6]}", {0: 10})

    class Flaky(MemoryOffsets):
        fail = True

        def commit(self, topic_name: str, partition: int, offset: int) -> None:
            if self.fail:
                msg = "broker down"
                raise ConnectionError(msg)
            super().commit(topic_name, partition, offset)

    store = Flaky(topic)
    ledger = OffsetLedger(store)
    ledger.done(PartitionSlot(topic.name, 0, 0), 0, 10)
    assert topic.committed == {}
    store.fail = False
    ledger.retry()
    assert topic.committed == {0: 10}


# --- the reader through Beam's split machinery ------------------------------------------

CONSUMER = ConsumerConfig(KafkaSettings(), "unit-group")


def _run_reader(topic_name: str, split_manager, max_records: int = 7) -> None:
    topic = memory_topic_registry(topic_name)
    expected = [(p, r.offset) for p, records in topic.partitions.items() for r in records]
    read = ReadOptions(topic=topic_name, max_records=max_records, poll_ms=0, partition_slots=3)
    reader = ReadFromKafkaPartitions(
        CONSUMER, read, RunPolicy(until_idle=0.0), logs=MemoryLogs(topic_name)
    )
    runner = fn_runner.FnApiRunner(
        default_environment=environments.EmbeddedPythonGrpcEnvironment.default()
    )
    with fn_runner.split_manager("Read/ReadPartitions", split_manager), beam.Pipeline(runner) as p:
        records = p | "Read" >> reader
        assert_that(records | beam.Map(lambda r: (r.partition, r.offset)), equal_to(expected))


def memory_topic_registry(name: str):
    from tests.support.kafka_memory import _TOPICS

    return _TOPICS[name]


def _split_at_random(seed: int, topic_name: str, residuals: list[int]):
    """Per bundle: stop the read at a random record, ask for one or two splits at random
    fractions, count the element splits the SDK answered with (`residuals`)."""
    rnd = random.Random(seed)

    def split_manager(num_elements: int):
        topic = memory_topic_registry(topic_name)
        point = Breakpoint(at=rnd.randrange(0, 7))
        topic.breakpoint = point
        yield  # the bundle starts
        if point.reached.wait(1.0):
            for _ in range(rnd.randrange(1, 3)):
                result = yield rnd.choice([*FRACTIONS, rnd.random()])
                if result is not None:
                    residuals.append(len(result.residual_roots))
        topic.breakpoint = None
        point.release.set()

    return split_manager


@pytest.mark.parametrize("seed", range(6))
def test_reader_split_at_random_points_reads_every_record_once_and_commits_all(seed):
    name = f"t-{uuid.uuid4().hex[:6]}"
    topic = memory_topic(name, {0: 40, 1: 25, 2: 0}, gaps=5 if seed % 2 else 0)
    residuals: list[int] = []
    _run_reader(name, _split_at_random(seed, name, residuals))
    assert sum(residuals) > 0, "no split reached the reader: the test tested nothing"
    assert topic.committed == {0: topic.end(0), 1: topic.end(1), 2: 0} or topic.committed == {
        0: topic.end(0),
        1: topic.end(1),
    }
    committed_in_order = {}
    for partition, offset in topic.commits:
        assert offset > committed_in_order.get(partition, -1)  # commits only ever move forward
        committed_in_order[partition] = offset


def test_reader_resumes_from_the_committed_offsets():
    name = f"t-{uuid.uuid4().hex[:6]}"
    topic = memory_topic(name, {0: 12, 1: 12})
    topic.committed = {0: 5, 1: 12}

    def no_splits(num_elements: int):
        yield

    read = ReadOptions(topic=name, max_records=4, poll_ms=0, partition_slots=2)
    reader = ReadFromKafkaPartitions(
        CONSUMER, read, RunPolicy(until_idle=0.0), logs=MemoryLogs(name)
    )
    with beam.Pipeline("FnApiRunner") as p:
        records = p | "Read" >> reader
        assert_that(
            records | beam.Map(lambda r: (r.partition, r.offset)),
            equal_to([(0, o) for o in range(5, 12)]),
        )
    assert topic.committed == {0: 12, 1: 12}


def test_progress_survives_the_sdks_nan_output_bytes():
    """The SDK swaps in the bytes an element output so far as `completed`; before its sampler
    took a sample that is NaN. A split request must still find a number to split at."""
    from apache_beam.runners.worker.bundle_processor import DataInputOperation

    tracker = _tracker(0, 100)
    for offset in range(10):
        assert tracker.try_claim(offset)
    progress = tracker.current_progress().with_completed(float("nan"))
    fraction = progress.fraction_completed
    assert fraction == pytest.approx(0.1)
    split = DataInputOperation._compute_split(0, fraction, float("inf"), 0.5, 1)
    assert split is not None
