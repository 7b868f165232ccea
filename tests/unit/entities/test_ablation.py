"""bench/eval_entities.py's ablation: a rule switched off changes the score by what it
contributes, a rule that changes nothing says so, an unknown name is refused with the known
ones, and the model parses each article once however many runs there are."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import Any

import pytest

from newsflow.pipeline.entities import Gazetteer, LinkedEntity, link
from newsflow.pipeline.entities.ner import Mention, load_model
from newsflow.pipeline.entities.rules import RuleRegistry
from newsflow.settings import PROJECT_ROOT
from tests.support.entities import MODEL

ARTICLES = [
    {
        "id": "t1",
        "title": "Angela Merkel visits Paris",
        "body": "Angela Merkel met the mayor of Paris on Monday.",
        "language": "en",
        "entities": [
            {"name": "Angela Merkel", "type": "PERSON"},
            {"name": "Paris", "type": "LOCATION"},
        ],
    },
    {
        "id": "t2",
        "title": "Microsoft opens an office in Nairobi",
        "body": "Microsoft said its office in Nairobi will open in May.",
        "language": "en",
        "entities": [
            {"name": "Microsoft", "type": "ORG"},
            {"name": "Nairobi", "type": "LOCATION"},
        ],
    },
]


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    """bench/eval_entities.py, imported from its file (bench/ is no package)."""
    path = PROJECT_ROOT / "bench" / "eval_entities.py"
    spec = importlib.util.spec_from_file_location("eval_entities_under_test", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


class CountingNlp:
    """The real model, recording every text it was asked to parse."""

    def __init__(self, nlp: Any):
        self.nlp = nlp
        self.parsed: list[str] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.nlp, name)

    def pipe(self, texts: Sequence[str], **kwargs: Any) -> Any:
        texts = list(texts)
        self.parsed += texts
        return self.nlp.pipe(texts, **kwargs)


@pytest.fixture
def rules() -> RuleRegistry:
    """A registry of the test's own: a rule that keeps places, and one that does nothing."""
    registry = RuleRegistry()
    registry.declare("link", "keeps_places")
    registry.declare("link", "does_nothing")
    return registry


@pytest.fixture
def evaluation(bench: ModuleType, rules: RuleRegistry, gazetteer: Gazetteer) -> Any:
    def linker(mentions: Sequence[Mention], gazetteer: Gazetteer) -> list[LinkedEntity]:
        found = link(mentions, gazetteer)
        if rules.enabled("keeps_places"):
            return found
        return [e for e in found if e.type != "LOCATION"]

    nlp = CountingNlp(load_model(MODEL))
    return bench.Evaluation({"tiny": ARTICLES}, gazetteer, nlp, rules=rules, linker=linker)


def test_a_rule_switched_off_costs_what_it_contributes(evaluation: Any, rules: RuleRegistry):
    everything = evaluation.f1()["tiny"]
    assert everything > 0.5
    assert evaluation.f1({"keeps_places"})["tiny"] < everything
    assert evaluation.f1({"does_nothing"})["tiny"] == everything
    assert rules.enabled("keeps_places")  # switched back on after the run


def test_contributions_rank_the_rules_and_mark_the_idle_ones(bench: ModuleType, evaluation: Any):
    found = evaluation.contributions()
    assert [c.rule for c in found] == ["keeps_places", "does_nothing"]
    assert found[0].by_split["tiny"] > 0
    assert found[1].by_split == {"tiny": 0.0}
    table = bench.contributions_table(found, ["tiny"]).splitlines()
    assert table[0].split() == ["rule", "kind", "total", "tiny"]
    assert table[1].startswith("keeps_places") and "contributes nothing" not in table[1]
    assert table[2].startswith("does_nothing") and table[2].endswith("contributes nothing")


def test_the_model_parses_each_article_once(evaluation: Any):
    evaluation.contributions()
    evaluation.f1({"keeps_places", "does_nothing"})
    assert len(evaluation.nlp.nlp.parsed) == len(ARTICLES)


def test_an_unknown_rule_is_refused_with_the_known_names(bench: ModuleType, rules: RuleRegistry):
    error = bench.unknown_rules(["keeps_places", "no_such_rule"], rules)
    assert error.startswith("unknown rule(s): no_such_rule\n")
    assert "link: keeps_places, does_nothing" in error
    assert bench.unknown_rules(["keeps_places"], rules) is None
