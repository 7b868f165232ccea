"""Entity enrichment: spaCy NER plus gazetteer-driven canonicalisation (no Beam in here)."""

from newsflow.pipeline.entities.enricher import EntityEnricher, document_text, language_of
from newsflow.pipeline.entities.gazetteer import Gazetteer, GazetteerEntry, load_gazetteer
from newsflow.pipeline.entities.linker import LinkedEntity, document_fields, link

__all__ = [
    "EntityEnricher",
    "Gazetteer",
    "GazetteerEntry",
    "LinkedEntity",
    "document_fields",
    "document_text",
    "language_of",
    "link",
    "load_gazetteer",
]
