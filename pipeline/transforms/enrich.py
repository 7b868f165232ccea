"""Entity enrichment stage (placeholder until issue 5 lands: passes documents through).

Contract: `docs | 'ExtractEntities' >> ExtractEntities(settings)` -> StageOutput(ok, failed).
Input and output elements are document dicts (ArticleDocument.to_es() shape plus "_" keys);
output documents carry entities, persons, organizations, locations and entity_aliases.
"""

from __future__ import annotations

import apache_beam as beam

from newsflow.settings import Settings
from pipeline.transforms.deadletters import GuardedParDo, StageOutput


class _PassThroughFn(beam.DoFn):
    def process(self, doc):
        yield doc


class ExtractEntities(beam.PTransform):
    def __init__(self, settings: Settings):
        super().__init__()
        self.settings = settings

    def expand(self, docs) -> StageOutput:
        return docs | "Entities" >> GuardedParDo(_PassThroughFn(), stage="enrich")
