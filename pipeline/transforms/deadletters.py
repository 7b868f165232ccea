"""Dead letters: any stage's failures become DeadLetter records (stage, reason, original payload)."""

from __future__ import annotations

import json
from typing import Any, NamedTuple

import apache_beam as beam
from apache_beam.pvalue import TaggedOutput

from newsflow.errors import RecordError
from newsflow.pipeline.metrics import DEAD_LETTERS
from newsflow.pipeline.records import Article, Envelope, Origin
from newsflow.pipeline.transforms.batch import BatchingFn, Item
from newsflow.schema import DeadLetter


class StageOutput(NamedTuple):
    ok: beam.PCollection
    failed: beam.PCollection  # of DeadLetter
    tagged: dict[str, beam.PCollection] = {}  # a stage's further outputs


def dead_letter_for(element: Any, stage: str, exc: BaseException) -> DeadLetter:
    """Turn a failed element into a DeadLetter carrying the original payload when we have it."""
    reason = exc.reason if isinstance(exc, RecordError) else f"{type(exc).__name__}: {exc}"
    field = exc.field if isinstance(exc, RecordError) else None
    origin = Origin()
    payload: Any = element
    if isinstance(element, Envelope):
        origin = element.origin
        payload = "" if element.raw is None else element.raw  # None: a Kafka tombstone
    elif isinstance(element, Article):
        origin = element.envelope.origin
        payload = element.envelope.raw
        if payload is None:
            payload = json.dumps(element.doc, default=str)
    elif not isinstance(payload, str | bytes):
        payload = json.dumps(payload, default=str)
    return DeadLetter.of(
        payload,
        stage=stage,
        reason=reason[:2000],
        field=field,
        source_topic=origin.topic,
        partition=origin.partition,
        offset=origin.offset,
        key=origin.key,
    )


class _BatchedGuardFn(BatchingFn):
    """Runs a stage's DoFn over batches of a bundle's elements, one element at a time, catching
    each element's exception as a dead letter.

    Why batches: a stage run over 500 documents in a row keeps its code and tables (CLD2's,
    lxml's, the rule automaton) in the CPU caches; interleaved with every other stage, the same
    calls cost 2-3x more. Elements keep their order, timestamps and windows (BatchingFn). The
    stage's DoFn gets setup/teardown and process calls (the stages need no more); it may yield
    TaggedOutputs of the tags GuardedParDo declares.
    """

    def __init__(self, fn: beam.DoFn, stage: str, batch_size: int):
        super().__init__(batch_size)
        self.fn = fn
        self.stage = stage

    def setup(self) -> None:
        self.fn.setup()

    def teardown(self) -> None:
        self.fn.teardown()

    def flush(self, batch: list[Item]) -> list[tuple[Item, Any]]:
        outputs: list[tuple[Item, Any]] = []
        process = self.fn.process
        for item in batch:
            try:
                results = list(process(item[0]) or ())
            except Exception as exc:  # any failure of one element: that element's dead letter
                DEAD_LETTERS.labels(stage=self.stage).inc()
                dead = dead_letter_for(item[0], self.stage, exc)
                outputs.append((item, TaggedOutput(FAILED, dead)))
            else:
                outputs.extend((item, result) for result in results)
        return outputs


FAILED = "failed"
BATCH_SIZE = 500


class GuardedParDo(beam.PTransform):
    """ParDo whose exceptions never crash the job: failed elements come out as DeadLetters.

    `label >> GuardedParDo(fn, stage="clean")` -> StageOutput(ok, failed, tagged). The stage
    runs over batches of up to `batch_size` elements of a bundle (see _BatchedGuardFn); the
    outputs `fn` tags with one of `tags` come out in `tagged[tag]`.
    """

    def __init__(
        self, fn: beam.DoFn, stage: str, batch_size: int = BATCH_SIZE, tags: tuple[str, ...] = ()
    ):
        super().__init__()
        self.fn = fn
        self.stage = stage
        self.batch_size = batch_size
        self.tags = tags

    def expand(self, pcoll) -> StageOutput:
        guarded = _BatchedGuardFn(self.fn, self.stage, self.batch_size)
        out = pcoll | "Process" >> beam.ParDo(guarded).with_outputs(FAILED, *self.tags, main="ok")
        return StageOutput(out.ok, out[FAILED], {tag: out[tag] for tag in self.tags})
