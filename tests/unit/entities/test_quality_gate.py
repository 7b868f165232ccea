"""Quality gate: canonical (name, type) F1 per tuning split may not fall below the baseline.

The figures are bench/eval_entities.py's "newsflow, canonical" row, computed here with the real
model on the tuning splits (tune, dev, dev2..dev9; never the held-out split). The pipeline is
deterministic, so a drop of more than TOLERANCE is a regression: a test, not a benchmark. A
rise of more than TOLERANCE only warns: the committed baseline is behind; update it with the
command in UPDATE (it rewrites tests/fixtures/entities/quality_baseline.json).
"""

from __future__ import annotations

import importlib.util
import json
import sys
import warnings
from functools import cache
from pathlib import Path
from types import ModuleType

import pytest

from newsflow.pipeline.entities import EntityEnricher, load_gazetteer
from newsflow.settings import PROJECT_ROOT
from tests.support.entities import ENTITIES_FILE, MODEL

BASELINE = PROJECT_ROOT / "tests" / "fixtures" / "entities" / "quality_baseline.json"
UPDATE = "PYTHONPATH=$PWD .venv/bin/python -m tests.unit.entities.test_quality_gate"
TOLERANCE = 0.005


class BaselineBehind(UserWarning):
    """A split scores above the committed baseline: the baseline should be updated."""


@cache
def _eval() -> ModuleType:
    """bench/eval_entities.py, the one scorer (loaded from the checkout: bench is no package)."""
    path = PROJECT_ROOT / "bench" / "eval_entities.py"
    spec = importlib.util.spec_from_file_location("newsflow_bench_eval_entities", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def _splits() -> tuple[str, ...]:
    splits = tuple(_eval().TUNING_SPLITS)
    assert "heldout" not in splits  # sealed: only ever scored by hand, never in a test
    return splits


def canonical_f1(enricher: EntityEnricher, split: str) -> float:
    scorer = _eval()
    articles = scorer.load_split(split)
    golds, _mapped = scorer.canonical([scorer.gold(a) for a in articles], enricher.gazetteer)
    _precision, _recall, f1 = scorer.score(golds, scorer.ours(enricher, articles))
    return round(f1, 4)


def _baseline() -> dict[str, float]:
    return json.loads(BASELINE.read_text(encoding="utf-8"))["canonical_f1"]


@pytest.mark.parametrize("split", _splits())
def test_canonical_f1_does_not_fall_below_the_baseline(
    enricher: EntityEnricher, split: str
) -> None:
    baseline = _baseline()[split]
    now = canonical_f1(enricher, split)
    assert now >= baseline - TOLERANCE, (
        f"{split}: canonical F1 {now:.4f} fell below the baseline {baseline:.4f} "
        f"by more than {TOLERANCE}"
    )
    if now > baseline + TOLERANCE:
        warnings.warn(
            f"{split}: canonical F1 {now:.4f} is above the baseline {baseline:.4f} by more "
            f"than {TOLERANCE}: update the baseline ({UPDATE})",
            BaselineBehind,
            stacklevel=1,
        )


def test_the_baseline_covers_exactly_the_tuning_splits() -> None:
    assert set(_baseline()) == set(_splits())


def write_baseline(path: Path = BASELINE) -> dict[str, float]:
    enricher = EntityEnricher(load_gazetteer(ENTITIES_FILE), {"en": MODEL})
    figures = {split: canonical_f1(enricher, split) for split in _splits()}
    baseline = {
        "comment": (
            "Canonical (name, type) F1 per tuning split (bench/eval_entities.py's 'newsflow, "
            "canonical'), checked by tests/unit/entities/test_quality_gate.py within "
            f"{TOLERANCE}. Update after a deliberate change, from the repository root: {UPDATE}"
        ),
        "canonical_f1": figures,
    }
    path.write_text(json.dumps(baseline, indent=2) + "\n", encoding="utf-8")
    return figures


if __name__ == "__main__":
    for split, f1 in write_baseline().items():
        print(f"{split:<6} {f1:.4f}")
