"""Shared fixtures for entity tests: the real gazetteer and one spaCy-backed enricher per session."""

from __future__ import annotations

import pytest

from newsflow.pipeline.entities import EntityEnricher, Gazetteer, load_gazetteer
from tests.support.entities import ENTITIES_FILE, MODEL


@pytest.fixture(scope="session")
def gazetteer() -> Gazetteer:
    return load_gazetteer(ENTITIES_FILE)


@pytest.fixture(scope="session")
def enricher(gazetteer: Gazetteer) -> EntityEnricher:
    return EntityEnricher(gazetteer, {"en": MODEL}, batch_size=8)
