"""BatchingFn: batches by size, age and bundle end; each output keeps its element's time and window."""

from __future__ import annotations

import apache_beam as beam
from apache_beam.pvalue import TaggedOutput
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to
from apache_beam.transforms.window import FixedWindows, GlobalWindow, TimestampedValue

from newsflow.pipeline.transforms.batch import BatchingFn, Item


class _TimesTenFn(BatchingFn):
    """Emits n * 10 for each element of a batch, odd ones tagged; records the batches."""

    def __init__(self, max_size: int, max_age_s: float | None = None):
        super().__init__(max_size, max_age_s)
        self.batches: list[list[int]] = []

    def flush(self, batch: list[Item]) -> list[tuple[Item, object]]:
        if batch:
            self.batches.append([n for n, _ts, _window in batch])
        return [
            (item, TaggedOutput("odd", item[0] * 10) if item[0] % 2 else item[0] * 10)
            for item in batch
        ]


def _stamp(n: int, ts=beam.DoFn.TimestampParam, window=beam.DoFn.WindowParam) -> tuple:
    return n, ts.micros // 10**6, window.start.micros // 10**6


def test_outputs_from_process_and_finish_bundle_keep_their_elements_timestamp_and_window():
    for max_size in (1, 2, 500):  # emitted from process, from both, from finish_bundle only
        with TestPipeline() as p:
            out = (
                p
                | beam.Create([(n, 1000 + 7 * n) for n in (2, 4, 6, 3, 5)])
                | beam.Map(lambda pair: TimestampedValue(pair[0], pair[1]))
                | beam.WindowInto(FixedWindows(10))
                | beam.ParDo(_TimesTenFn(max_size)).with_outputs("odd", main="even")
            )
            assert_that(
                out.even | "Even" >> beam.Map(_stamp),
                equal_to([(20, 1014, 1010), (40, 1028, 1020), (60, 1042, 1040)]),
                label="even",
            )
            assert_that(
                out.odd | "Odd" >> beam.Map(_stamp),
                equal_to([(30, 1021, 1020), (50, 1035, 1030)]),
                label="odd",
            )


def test_a_batch_is_flushed_by_size_by_age_and_at_the_end_of_the_bundle():
    window = GlobalWindow()
    by_size = _TimesTenFn(max_size=2)
    by_size.start_bundle()
    emitted = [list(by_size.process(n, 0, window)) for n in (2, 4, 6)]
    assert [len(outputs) for outputs in emitted] == [0, 2, 0]
    assert [wv.value for wv in by_size.finish_bundle()] == [60]
    assert by_size.batches == [[2, 4], [6]]

    by_age = _TimesTenFn(max_size=100, max_age_s=0.0)  # every element is old enough at once
    by_age.start_bundle()
    assert [[wv.value for wv in by_age.process(n, 0, window)] for n in (2, 4)] == [[20], [40]]
    assert list(by_age.finish_bundle()) == []
