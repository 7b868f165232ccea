"""GuardedParDo: a stage run over batches, each element's failure its own dead letter."""

from __future__ import annotations

import apache_beam as beam
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from newsflow.errors import RecordError
from newsflow.pipeline.transforms.deadletters import GuardedParDo

STAGE = "halve"


class _HalveFn(beam.DoFn):
    """Halves even numbers; odd ones are bad records, 13 an unexpected crash."""

    def setup(self) -> None:
        self.ready = True

    def process(self, n: int):
        assert self.ready
        if n == 13:
            crash = "boom"
            raise ZeroDivisionError(crash)
        if n % 2:
            reason = f"{n} is odd"
            raise RecordError(STAGE, reason, "n")
        yield n // 2


def test_each_failed_element_becomes_its_own_dead_letter_and_the_rest_goes_on():
    for batch_size in (1, 3, 500):  # flushes while processing and at the end of the bundle
        with TestPipeline() as p:
            out = (
                p
                | beam.Create([2, 3, 4, 13, 6, 8, 9, 10])
                | GuardedParDo(_HalveFn(), stage="halve", batch_size=batch_size)
            )
            assert_that(out.ok, equal_to([1, 2, 3, 4, 5]), label="ok")
            letters = out.failed | beam.Map(lambda d: (d.stage, d.reason, d.field, d.payload))
            assert_that(
                letters,
                equal_to(
                    [
                        ("halve", "3 is odd", "n", "3"),
                        ("halve", "ZeroDivisionError: boom", None, "13"),
                        ("halve", "9 is odd", "n", "9"),
                    ]
                ),
                label="failed",
            )


def test_outputs_keep_their_own_elements_timestamps():
    from apache_beam.transforms.window import TimestampedValue

    with TestPipeline() as p:
        out = (
            p
            | beam.Create([(n, 1000 + n) for n in (2, 4, 6, 8, 10)])
            | beam.Map(lambda pair: TimestampedValue(pair[0], pair[1]))
            | GuardedParDo(_HalveFn(), stage=STAGE, batch_size=2)
        )
        stamped = out.ok | beam.Map(lambda n, ts=beam.DoFn.TimestampParam: (n, ts.micros // 10**6))
        assert_that(stamped, equal_to([(1, 1002), (2, 1004), (3, 1006), (4, 1008), (5, 1010)]))
