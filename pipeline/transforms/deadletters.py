"""Dead letters: any stage's failures become DeadLetter records (stage, reason, original payload)."""

from __future__ import annotations

import json
import re
from typing import Any, NamedTuple

import apache_beam as beam
from apache_beam.metrics import Metrics

from newsflow.errors import RecordError
from newsflow.schema import DeadLetter
from pipeline.metrics import DEAD_LETTERS

# Keys starting with "_" travel with a document through the pipeline and are never indexed.
RAW_KEY = "_raw"  # the original news.raw value (str, or bytes for undecodable input)
ORIGIN_KEY = "_origin"  # {"topic", "partition", "offset", "key"} of the Kafka record, if any


class StageOutput(NamedTuple):
    ok: beam.PCollection
    failed: beam.PCollection  # of DeadLetter


def dead_letter_for(element: Any, stage: str, exc: BaseException) -> DeadLetter:
    """Turn a failed element into a DeadLetter carrying the original payload when we have it."""
    reason = exc.reason if isinstance(exc, RecordError) else f"{type(exc).__name__}: {exc}"
    field = exc.field if isinstance(exc, RecordError) else None
    origin: dict[str, Any] = {}
    payload: Any = element
    if isinstance(element, dict):
        origin = element.get(ORIGIN_KEY) or {}
        payload = element.get(RAW_KEY)
        if payload is None and RAW_KEY in element:
            payload = ""  # a Kafka tombstone: there was no value
        elif payload is None:
            payload = json.dumps(
                {k: v for k, v in element.items() if not k.startswith("_")}, default=str
            )
    elif not isinstance(payload, str | bytes):
        payload = json.dumps(payload, default=str)
    return DeadLetter.of(
        payload,
        stage=stage,
        reason=reason[:2000],
        field=field,
        source_topic=origin.get("topic"),
        partition=origin.get("partition"),
        offset=origin.get("offset"),
        key=origin.get("key"),
    )


# RecordError's repr is "stage: reason (field 'name')": Beam hands the repr, not the exception.
_RECORD_ERROR = re.compile(
    r"^(?P<stage>[^:]+): (?P<reason>.*?)(?: \(field '(?P<field>[^']*)'\))?$", re.DOTALL
)


def _as_exception(stage: str, exc_type: Any, exc_value: Any) -> BaseException:
    """The exception Beam's exception handling describes (it passes repr(exc), not exc)."""
    if isinstance(exc_value, BaseException):
        return exc_value
    text = str(exc_value)
    if exc_type is RecordError or getattr(exc_type, "__name__", "") == "RecordError":
        match = _RECORD_ERROR.match(text)
        if match:
            return RecordError(match["stage"], match["reason"], match["field"])
    name = getattr(exc_type, "__name__", "Error")
    if text.startswith(f"{name}(") and text.endswith(")"):
        text = text[len(name) + 1 : -1].strip("'\"")
    return RecordError(stage, f"{name}: {text}")


class _ToDeadLetterFn(beam.DoFn):
    def __init__(self, stage: str):
        self.stage = stage
        self.counter = Metrics.counter("newsflow", f"dlq_{stage}")

    def process(self, failure):
        # Beam hands us (element, (exc_type, repr(exc_value), traceback lines))
        element, (exc_type, exc_value, _tb) = failure
        self.counter.inc()
        DEAD_LETTERS.labels(stage=self.stage).inc()
        yield dead_letter_for(element, self.stage, _as_exception(self.stage, exc_type, exc_value))


class GuardedParDo(beam.PTransform):
    """ParDo whose exceptions never crash the job: failed elements come out as DeadLetters.

    `label >> GuardedParDo(fn, stage="clean")` -> StageOutput(ok, failed)
    """

    def __init__(self, fn: beam.DoFn, stage: str):
        super().__init__()
        self.fn = fn
        self.stage = stage

    def expand(self, pcoll):
        ok, bad = pcoll | "Process" >> beam.ParDo(self.fn).with_exception_handling(
            exc_class=Exception, use_subprocess=False, threshold=1.0
        )
        failed = bad | "ToDeadLetter" >> beam.ParDo(_ToDeadLetterFn(self.stage))
        return StageOutput(ok, failed)
