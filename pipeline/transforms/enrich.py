"""Entity enrichment stage: spaCy NER in batches plus gazetteer canonicalisation.

Contract: `docs | 'ExtractEntities' >> ExtractEntities(settings)` -> StageOutput(ok, failed).
Input and output elements are document dicts (ArticleDocument.to_es() shape plus "_" keys);
output documents carry entities, persons, organizations, locations and entity_aliases.
Documents whose language has no configured (or installed) model get empty entity fields.
"""

from __future__ import annotations

from typing import Any

import apache_beam as beam
from apache_beam.metrics import Metrics
from apache_beam.pvalue import TaggedOutput
from apache_beam.utils.windowed_value import WindowedValue

from newsflow.settings import Settings
from pipeline import metrics
from pipeline.entities.enricher import EMPTY_FIELDS, EntityEnricher
from pipeline.transforms.deadletters import StageOutput, dead_letter_for

STAGE = "enrich"
FAILED_TAG = "failed"

# One enricher (gazetteer + spaCy models) per worker process, shared by every DoFn instance.
_ENRICHERS: dict[tuple, EntityEnricher] = {}


def _enricher_for(settings: Settings) -> EntityEnricher:
    enrichment = settings.enrichment
    key = (
        str(settings.resolve_path(enrichment.entities_file)),
        tuple(sorted(enrichment.models.items())),
        enrichment.batch_size,
    )
    if key not in _ENRICHERS:
        _ENRICHERS[key] = EntityEnricher.from_settings(settings)
    return _ENRICHERS[key]


class _ExtractEntitiesFn(beam.DoFn):
    """Buffers documents and runs NER per batch (nlp.pipe); emits each with its own window."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.batch_size = settings.enrichment.batch_size
        self.enriched = Metrics.counter("newsflow", "enrich_documents")
        self.entity_count = Metrics.distribution("newsflow", "enrich_entities_per_document")

    def setup(self) -> None:
        self.enricher = _enricher_for(self.settings)
        self.buffer: list[tuple[dict[str, Any], Any, Any]] = []

    def start_bundle(self) -> None:
        self.buffer = []

    def process(self, doc, timestamp=beam.DoFn.TimestampParam, window=beam.DoFn.WindowParam):
        self.buffer.append((doc, timestamp, window))
        if len(self.buffer) >= self.batch_size:
            yield from self._flush()

    def finish_bundle(self):
        yield from self._flush()

    def _flush(self):
        batch, self.buffer = self.buffer, []
        if not batch:
            return
        try:
            results = self.enricher.enrich([doc for doc, _, _ in batch])
        except Exception as exc:  # never lose a batch: every document becomes a dead letter
            results = [exc] * len(batch)
        for (doc, timestamp, window), result in zip(batch, results, strict=True):
            if isinstance(result, Exception):
                metrics.DEAD_LETTERS.labels(stage=STAGE).inc()
                letter = dead_letter_for(doc, STAGE, result)
                yield TaggedOutput(FAILED_TAG, WindowedValue(letter, timestamp, (window,)))
            else:
                self.enriched.inc()
                self.entity_count.update(len(result["entities"]))
                yield WindowedValue(result, timestamp, (window,))


def _without_entities(doc: dict[str, Any]) -> dict[str, Any]:
    return {**doc, **EMPTY_FIELDS}


class ExtractEntities(beam.PTransform):
    """`docs | 'ExtractEntities' >> ExtractEntities(settings)` -> StageOutput(ok, failed)."""

    def __init__(self, settings: Settings):
        super().__init__()
        self.settings = settings

    def expand(self, docs) -> StageOutput:
        if not self.settings.enrichment.enabled:
            ok = docs | "NoEntities" >> beam.Map(_without_entities)
            failed = docs | "NoFailures" >> beam.FlatMap(lambda _doc: [])
            return StageOutput(ok, failed)
        out = docs | "Entities" >> beam.ParDo(_ExtractEntitiesFn(self.settings)).with_outputs(
            FAILED_TAG, main="ok"
        )
        return StageOutput(out.ok, out[FAILED_TAG])
