"""The graph the local runner executes: one fused streaming stage, so offsets commit after sinks."""

from __future__ import annotations

import apache_beam as beam
from apache_beam.runners.portability.fn_api_runner import fn_runner

from newsflow.pipeline.main import build_pipeline
from newsflow.pipeline.records import dead_letter_serializer
from newsflow.pipeline.run_policy import RunPolicy
from newsflow.schema import DeadLetter
from newsflow.settings import Settings


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


def _pickled_names(settings: Settings) -> dict[str, set[str]]:
    """For each ParDo of the graph: the names (classes, modules, ...) its pickled DoFn holds."""
    import base64
    import bz2
    import pickletools

    from apache_beam.portability import common_urns
    from apache_beam.portability.api import beam_runner_api_pb2

    p = beam.Pipeline(runner="FnApiRunner")
    build_pipeline(p, settings, RunPolicy(until_idle=1.0))
    names: dict[str, set[str]] = {}
    for transform in p.to_runner_api().components.transforms.values():
        if transform.spec.urn != common_urns.primitives.PAR_DO.urn:
            continue
        payload = beam_runner_api_pb2.ParDoPayload.FromString(transform.spec.payload)
        pickled = bz2.decompress(base64.b64decode(payload.do_fn.payload))  # as Beam's pickler
        ops = pickletools.genops(pickled)
        names[transform.unique_name] = {arg for _op, arg, _pos in ops if isinstance(arg, str)}
    return names


def test_no_dofn_carries_the_whole_settings():
    """Each DoFn gets the values it uses (the Kafka or Elasticsearch connection at most)."""
    names = _pickled_names(Settings().with_overrides(enrichment={"enabled": True}))
    assert any("KafkaSettings" in held for held in names.values())  # the scan sees settings
    assert [name for name, held in names.items() if "Settings" in held] == []
