"""Alert matcher: every rule compiled once into one Aho-Corasick automaton over folded words.

An article is scanned once per field (title; summary+body) whatever the number of rules; only
rules with a matched term (or whose query holds with no term at all, e.g. `NOT x`) are evaluated.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import ahocorasick

from newsflow.alerts.query import Node, Not, Or, Term, evaluate, parse_query, terms
from newsflow.alerts.rules import Rule, RuleSet
from newsflow.alerts.text import FieldText, folded_words

MAX_SNIPPETS = 8
FIELDS = ("title", "body")


@dataclass(slots=True)
class RuleMatch:
    """Why one rule fired on one article: the terms and entities, each with a snippet."""

    rule_id: str
    rule_name: str | None
    matched_terms: list[str]
    matched_entities: list[str]
    snippets: list[str]
    channels: list[str]


@dataclass(frozen=True)
class _Compiled:
    rule: Rule
    query: Node
    holds: Predicate
    term_ids: dict[Term, int]
    explained: tuple[tuple[int, str], ...]  # (term id, label) of each term that counts for the rule
    entities: tuple[tuple[str, str], ...]  # (as written, folded)
    sources: frozenset[str]
    languages: frozenset[str]
    filtered: bool  # any source, language or entity condition at all


Predicate = Callable[[set[int]], bool]


def compile_query(node: Node, term_ids: dict[Term, int]) -> Predicate:
    """The query as a function of the set of matched term ids (set operations where possible)."""
    if isinstance(node, Term):
        term_id = term_ids[node]
        return lambda matched: term_id in matched
    if isinstance(node, Not):
        inner = compile_query(node.child, term_ids)
        return lambda matched: not inner(matched)
    if all(isinstance(child, Term) for child in node.children):
        ids = frozenset(term_ids[child] for child in node.children)  # type: ignore[index]
        if isinstance(node, Or):
            return lambda matched: not ids.isdisjoint(matched)
        return lambda matched: ids <= matched
    parts = [compile_query(child, term_ids) for child in node.children]
    if isinstance(node, Or):
        return lambda matched: any(part(matched) for part in parts)
    return lambda matched: all(part(matched) for part in parts)


def _label(term: Term) -> str:
    return term.text if term.scope == "any" else f"{term.scope}:{term.text}"


class _Article:
    """The parts of a document the rules look at, normalised once."""

    def __init__(self, doc: dict[str, Any]):
        summary, body = doc.get("summary") or "", doc.get("body") or ""
        self.fields = {
            "title": FieldText.of(doc.get("title") or ""),
            "body": FieldText.of(f"{summary}\n\n{body}" if summary and body else summary or body),
        }
        self.source = ((doc.get("source") or {}).get("name")) or ""
        self.language = (doc.get("language") or "").lower()
        self.doc = doc

    @cached_property
    def entities(self) -> dict[str, list[str]]:
        """Folded canonical name -> names and surface forms (only built if a rule asks)."""
        entities: dict[str, list[str]] = {}
        for entity in self.doc.get("entities") or []:
            forms = [entity.get("name") or "", *(entity.get("surface_forms") or [])]
            entities.setdefault(folded_words(entity.get("name") or ""), []).extend(forms)
        for key in ("persons", "organizations", "locations"):
            for name in self.doc.get(key) or []:
                entities.setdefault(folded_words(name), []).append(name)
        return entities

    def snippet_for(self, folded: str, fields: tuple[str, ...] = FIELDS) -> str | None:
        for name in fields:
            text = self.fields[name]
            position = text.find(folded)
            if position != -1:
                return text.snippet(position + 1, len(folded))
        return None


class RuleMatcher:
    """Compiled rules; `match(doc)` returns one RuleMatch per rule the document satisfies."""

    def __init__(self, ruleset: RuleSet):
        self.ruleset = ruleset
        self._patterns: dict[str, int] = {}  # folded words -> pattern id
        self._terms_of: list[list[tuple[int, str]]] = []  # pattern id -> [(term id, scope)]
        self._rules_of: list[list[int]] = []  # term id -> rule indexes
        self._term_keys: dict[tuple[int, str], int] = {}
        self._rules: list[_Compiled] = []
        self._always: list[int] = []  # rules true when no term matches (e.g. 'NOT sport')
        enabled = [rule for rule in ruleset.rules if rule.enabled]
        for index, rule in enumerate(enabled):
            self._add(index, rule, parse_query(rule.query))
        self._automaton = ahocorasick.Automaton()
        for folded, pattern_id in self._patterns.items():
            self._automaton.add_word(f" {folded} ", (pattern_id, len(folded)))
        if self._patterns:
            self._automaton.make_automaton()

    def __len__(self) -> int:
        return len(self._rules)

    def _term_id(self, term: Term) -> int:
        pattern_id = self._patterns.setdefault(term.folded, len(self._patterns))
        if pattern_id == len(self._terms_of):
            self._terms_of.append([])
        key = (pattern_id, term.scope)
        if key not in self._term_keys:
            self._term_keys[key] = len(self._rules_of)
            self._rules_of.append([])
            self._terms_of[pattern_id].append((self._term_keys[key], term.scope))
        return self._term_keys[key]

    def _add(self, index: int, rule: Rule, query: Node) -> None:
        term_ids = {term: self._term_id(term) for term, _ in terms(query)}
        for term_id in set(term_ids.values()):
            self._rules_of[term_id].append(index)
        if evaluate(query, lambda _term: False):
            self._always.append(index)
        explained = {term_ids[term]: _label(term) for term, positive in terms(query) if positive}
        self._rules.append(
            _Compiled(
                rule=rule,
                query=query,
                holds=compile_query(query, term_ids),
                term_ids=term_ids,
                explained=tuple(explained.items()),
                entities=tuple((name, folded_words(name)) for name in rule.entities),
                sources=frozenset(rule.sources),
                languages=frozenset(lang.lower() for lang in rule.languages),
                filtered=bool(rule.sources or rule.languages or rule.entities),
            )
        )

    def _scan(self, article: _Article) -> tuple[set[int], dict[int, tuple[str, int, int]]]:
        """Matched term ids, and term id -> (field, position, length) of its first occurrence."""
        matched: set[int] = set()
        first: dict[int, tuple[str, int, int]] = {}
        if not self._patterns:
            return matched, first
        terms_of = self._terms_of
        for field_name in FIELDS:
            seen: set[int] = set()  # frequent words hit many times; the first hit is all we need
            for end, (pattern_id, length) in self._automaton.iter(
                article.fields[field_name].haystack
            ):
                if pattern_id in seen:
                    continue
                seen.add(pattern_id)
                for term_id, scope in terms_of[pattern_id]:
                    if (scope == "any" or scope == field_name) and term_id not in matched:
                        matched.add(term_id)
                        first[term_id] = (field_name, end - length, length)
        return matched, first

    def match(self, doc: dict[str, Any]) -> list[RuleMatch]:
        """Every enabled rule the document matches, in rules-file order, with explanations."""
        article = _Article(doc)
        matched, first = self._scan(article)
        candidates = set(self._always)
        for term_id in matched:
            candidates.update(self._rules_of[term_id])
        results = []
        rules = self._rules
        for index in sorted(candidates):
            compiled = rules[index]
            if compiled.filtered and not self._filters_pass(compiled, article):
                continue
            if compiled.holds(matched):
                results.append(self._explain(compiled, article, matched, first))
        return results

    @staticmethod
    def _filters_pass(compiled: _Compiled, article: _Article) -> bool:
        if compiled.sources and article.source not in compiled.sources:
            return False
        if compiled.languages and article.language not in compiled.languages:
            return False
        return all(folded in article.entities for _, folded in compiled.entities)

    @staticmethod
    def _explain(
        compiled: _Compiled,
        article: _Article,
        matched: set[int],
        first: dict[int, tuple[str, int, int]],
    ) -> RuleMatch:
        labels: list[str] = []
        snippets: list[str] = []
        for term_id, label in compiled.explained:
            if term_id not in matched:
                continue
            labels.append(label)
            field_name, position, length = first[term_id]
            snippets.append(article.fields[field_name].snippet(position, length))
        for _name, folded in compiled.entities:  # usually none
            forms = sorted(
                {folded_words(f) for f in article.entities.get(folded, [])} - {""}, key=len
            )
            found = next((s for f in reversed(forms) if (s := article.snippet_for(f))), None)
            if found:
                snippets.append(found)
        unique = list(dict.fromkeys(snippets))[:MAX_SNIPPETS] if len(snippets) > 1 else snippets
        if "" in unique:
            unique.remove("")
        rule = compiled.rule
        return RuleMatch(
            rule_id=rule.id,
            rule_name=rule.name,
            matched_terms=labels,
            matched_entities=[name for name, _ in compiled.entities],
            snippets=unique,
            channels=list(rule.channels),
        )
