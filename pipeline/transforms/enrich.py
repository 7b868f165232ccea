"""Entity enrichment stage: spaCy NER in batches plus gazetteer canonicalisation.

Contract: `articles | 'ExtractEntities' >> ExtractEntities(settings)` -> StageOutput(ok, failed).
Input and output elements are Articles; the output documents carry entities, persons,
organizations, locations and entity_aliases. Documents whose language has no configured (or
installed) model get empty entity fields.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import apache_beam as beam
from apache_beam.metrics import Metrics
from apache_beam.pvalue import TaggedOutput
from apache_beam.utils.shared import Shared

from newsflow.pipeline import metrics
from newsflow.pipeline.entities.enricher import EMPTY_FIELDS, EntityEnricher
from newsflow.pipeline.entities.gazetteer import load_gazetteer
from newsflow.pipeline.records import Article
from newsflow.pipeline.transforms.batch import BatchingFn, Item
from newsflow.pipeline.transforms.deadletters import FAILED, StageOutput, dead_letter_for
from newsflow.settings import Settings

STAGE = "enrich"
# One enricher (gazetteer + spaCy models) per worker process, shared by every instance of the
# stage there and kept across the pipelines a process runs (tests, benchmarks) while its spec
# is the same: a handle made per pipeline would load the models again for each.
_ENRICHER = Shared()


@dataclass(frozen=True)
class EnricherSpec:
    """What the stage's enricher is built from (the enrichment settings it uses)."""

    entities_file: str
    models: tuple[tuple[str, str], ...]  # (language, spaCy model)
    batch_size: int

    @classmethod
    def from_settings(cls, settings: Settings) -> EnricherSpec:
        enrichment = settings.enrichment
        entities_file = str(settings.resolve_path(enrichment.entities_file))
        return cls(entities_file, tuple(sorted(enrichment.models.items())), enrichment.batch_size)

    def build(self) -> EntityEnricher:
        gazetteer = load_gazetteer(Path(self.entities_file))
        return EntityEnricher(gazetteer, dict(self.models), self.batch_size)


class _ExtractEntitiesFn(BatchingFn):
    """Runs NER per batch (nlp.pipe), with the process' enricher (Beam's Shared)."""

    def __init__(self, spec: EnricherSpec):
        super().__init__(spec.batch_size)
        self.spec = spec
        self.enriched = Metrics.counter("newsflow", "enrich_documents")
        self.entity_count = Metrics.distribution("newsflow", "enrich_entities_per_document")

    def setup(self) -> None:
        self.enricher = _ENRICHER.acquire(self.spec.build, tag=repr(self.spec))

    def flush(self, batch: list[Item]) -> list[tuple[Item, object]]:
        if not batch:
            return []
        articles: list[Article] = [article for article, _ts, _window in batch]
        try:
            results = self.enricher.enrich([article.doc for article in articles])
        except Exception as exc:  # never lose a batch: every document becomes a dead letter
            results = [exc] * len(batch)
        outputs: list[tuple[Item, object]] = []
        for item, article, result in zip(batch, articles, results, strict=True):
            if isinstance(result, Exception):
                metrics.DEAD_LETTERS.labels(stage=STAGE).inc()
                outputs.append(
                    (item, TaggedOutput(FAILED, dead_letter_for(article, STAGE, result)))
                )
            else:
                self.enriched.inc()
                self.entity_count.update(len(result["entities"]))
                outputs.append((item, article.with_doc(result)))  # type: ignore[arg-type]
        return outputs


def _without_entities(article: Article) -> Article:
    return article.with_doc({**article.doc, **EMPTY_FIELDS})  # type: ignore[typeddict-item]


class ExtractEntities(beam.PTransform):
    """`articles | 'ExtractEntities' >> ExtractEntities(settings)` -> StageOutput(ok, failed)."""

    def __init__(self, settings: Settings):
        super().__init__()
        self.enabled = settings.enrichment.enabled
        self.spec = EnricherSpec.from_settings(settings)

    def expand(self, articles) -> StageOutput:
        if not self.enabled:
            ok = articles | "NoEntities" >> beam.Map(_without_entities)
            failed = articles | "NoFailures" >> beam.FlatMap(lambda _article: [])
            return StageOutput(ok, failed)
        fn = _ExtractEntitiesFn(self.spec)
        out = articles | "Entities" >> beam.ParDo(fn).with_outputs(FAILED, main="ok")
        return StageOutput(out.ok, out[FAILED])
