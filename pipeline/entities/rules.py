"""One registry for every named entity rule: mention finders, patterns and typing rules.

A rule is registered under a kind ("finder", "pattern", "type", "link") and a unique name.
Its name is what `newsflow entities explain` prints and what `bench/eval_entities.py
--ablate NAME` switches off. Typing rules return `Evidence`; one vote decides (see `vote`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Evidence:
    """One rule's opinion of a mention's type: weight is how strongly it holds."""

    type: str
    weight: float
    rule: str


class RuleRegistry:
    def __init__(self) -> None:
        self._rules: dict[str, tuple[str, Callable[..., Any] | None]] = {}  # name -> kind, fn
        self._disabled: frozenset[str] = frozenset()
        self.trace: list[tuple[str, tuple[Evidence, ...]]] | None = None  # see tracing()

    def register(self, kind: str, name: str | None = None) -> Callable[[F], F]:
        """Decorator: register `fn` as rule `name` (default: the function's name)."""

        def add(fn: F) -> F:
            self.declare(kind, name or fn.__name__.lstrip("_"), fn)
            return fn

        return add

    def declare(self, kind: str, name: str, fn: Callable[..., Any] | None = None) -> None:
        """Register a rule that is data (a pattern) or a function, under a unique name."""
        known = self._rules.get(name)
        if known is not None and (known[0] != kind or known[1] is not fn):
            msg = f"rule {name!r} is registered twice"
            raise ValueError(msg)
        self._rules[name] = (kind, fn)

    def names(self, kind: str | None = None) -> list[str]:
        return [n for n, (k, _) in self._rules.items() if kind is None or k == kind]

    def kind(self, name: str) -> str:
        return self._rules[name][0]

    def enabled(self, name: str) -> bool:
        return name not in self._disabled

    def active(self, kind: str) -> list[tuple[str, Callable[..., Any]]]:
        """The enabled function rules of a kind, in registration order."""
        return [
            (n, fn)
            for n, (k, fn) in self._rules.items()
            if k == kind and fn is not None and n not in self._disabled
        ]

    @contextmanager
    def disabled(self, names: Iterable[str]) -> Iterator[None]:
        """Switch rules off for the block (ablation); an unknown name is an error."""
        names = frozenset(names)
        unknown = sorted(names - set(self._rules))
        if unknown:
            msg = f"unknown entity rule(s): {', '.join(unknown)}"
            raise KeyError(msg)
        before = self._disabled
        self._disabled = before | names
        try:
            yield
        finally:
            self._disabled = before

    @contextmanager
    def tracing(self) -> Iterator[list[tuple[str, tuple[Evidence, ...]]]]:
        """Record, for the block, every type rule that fires on each name, not only the one
        that decides: (name, all its evidence) in the order the names were typed. Rule chains
        then run every rule instead of stopping at the first (explain only, not the hot path)."""
        before, self.trace = self.trace, []
        try:
            yield self.trace
        finally:
            self.trace = before


RULES = RuleRegistry()


def tally(evidence: Iterable[Evidence]) -> dict[str, tuple[float, float]]:
    """Per type, the heaviest piece of evidence and the summed weight: what `vote` weighs."""
    weights: dict[str, tuple[float, float]] = {}
    for e in evidence:
        top, total = weights.get(e.type, (0.0, 0.0))
        weights[e.type] = (max(top, e.weight), total + e.weight)
    return weights


def vote(evidence: Iterable[Evidence]) -> str | None:
    """The type with the strongest evidence: the heaviest single piece decides, the summed
    weight breaks a tie between types; None when there is no evidence."""
    weights = tally(evidence)
    return max(weights, key=lambda t: weights[t]) if weights else None
