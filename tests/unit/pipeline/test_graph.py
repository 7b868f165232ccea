"""The graph the local runner executes: one fused streaming stage, so offsets commit after sinks."""

from __future__ import annotations

import apache_beam as beam
from apache_beam.runners.portability.fn_api_runner import fn_runner

from newsflow.schema import DeadLetter
from newsflow.settings import Settings
from pipeline.main import build_pipeline
from pipeline.records import dead_letter_serializer
from pipeline.run_policy import RunPolicy


def _stages(settings: Settings) -> list[list[str]]:
    p = beam.Pipeline(runner="FnApiRunner")
    build_pipeline(p, settings, RunPolicy(until_idle=1.0))
    _context, stages = fn_runner.FnApiRunner().create_stages(p.to_runner_api())
    return [[t.unique_name for t in stage.transforms] for stage in stages]


def test_everything_after_the_reader_is_fused_with_it():
    for enrichment in (True, False):
        stages = _stages(Settings().with_overrides(enrichment={"enabled": enrichment}))
        readers = [s for s in stages if "ReadRaw/ReadPartitions/Process" in s]
        assert len(readers) == 1
        streaming = readers[0]
        sinks = [
            name
            for stage in stages
            for name in stage
            if name.endswith(("/Bulk", "/Send", "WriteStories/Update"))
            or name.startswith(("IndexArticles", "DeadLetters_"))
        ]
        assert sinks, "no sink found in the graph"
        assert set(sinks) <= set(streaming), (
            f"sinks outside the reader's stage: {set(sinks) - set(streaming)}"
        )
        # the only other stage is the bounded one that lists partitions before the read starts
        assert len(stages) == 2


def test_dead_letter_too_big_for_kafka_is_cut_and_says_so():
    serialize = dead_letter_serializer(1024 * 1024)
    dead = DeadLetter.of("x" * 3_000_000, stage="parse", reason="too big", key="k1")
    key, value = serialize(dead)
    assert key == b"k1" and len(value) < 1024 * 1024
    restored = DeadLetter.model_validate_json(value)
    assert "payload truncated from 3000000 characters" in restored.reason
