"""Alert matcher: case, accents, punctuation, phrases across lines, NOT, scopes, entities, filters."""

from __future__ import annotations

from typing import Any

import pytest

from newsflow.alerts.matcher import RuleMatcher
from newsflow.alerts.rules import parse_rules


def matcher(*rules: dict[str, Any]) -> RuleMatcher:
    return RuleMatcher(parse_rules({"rules": list(rules)}))


def doc(title: str = "", body: str = "", **extra: Any) -> dict[str, Any]:
    return {
        "id": "a1",
        "title": title,
        "summary": extra.pop("summary", ""),
        "body": body,
        "source": {"name": extra.pop("source", "world-news")},
        "language": extra.pop("language", "en"),
        **extra,
    }


def fired(m: RuleMatcher, d: dict[str, Any]) -> list[str]:
    return [r.rule_id for r in m.match(d)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("NATO SUMMIT opens", True),  # case
        ("Talks on the nato summit", True),
        ("NATO's summit", True),  # punctuation between words
        ("NATO\n   summit", True),  # phrase across a line break
        ("NATO-summit talks", True),
        ("NATO summits", False),  # word boundary at the end
        ("OTANATO summit", False),  # word boundary at the start
        ("NATO and the summit", False),  # not adjacent
    ],
)
def test_phrase_edge_cases(text: str, expected: bool) -> None:
    m = matcher({"id": "nato", "query": '"NATO summit"'})
    assert (fired(m, doc(body=text)) == ["nato"]) is expected


@pytest.mark.parametrize(
    ("query", "text"),
    [
        ("Zürich", "Meeting in ZURICH today"),
        ("zurich", "Meeting in Zürich today"),
        ('"Émile Zola"', "a novel by emile ZOLA."),
        ("Straße", "Die Strasse ist gesperrt"),
        ("Łódź", "Protests in Lodz"),
        ("cafe", "Le café, fermé"),
        ("São", "Sa\u0303o Paulo (decomposed)"),
    ],
)
def test_accent_and_case_insensitive(query: str, text: str) -> None:
    assert fired(matcher({"id": "r", "query": query}), doc(body=text)) == ["r"]


def test_not_and_field_scope() -> None:
    m = matcher({"id": "arms", "query": '"New START" OR ("arms control" AND NOT title:opinion)'})
    assert fired(m, doc("Arms control talks resume", "Arms control is back.")) == ["arms"]
    assert fired(m, doc("Opinion: arms control is dead", "Arms control is back.")) == []
    # NOT title:opinion does not look at the body
    assert fired(m, doc("Talks resume", "In my opinion arms control is back.")) == ["arms"]
    # the OR branch still fires on an opinion piece
    assert fired(m, doc("Opinion: why New START matters", "")) == ["arms"]


def test_title_scope_ignores_body_and_body_scope_covers_summary() -> None:
    m = matcher({"id": "t", "query": "title:putin"}, {"id": "b", "query": "body:putin"})
    assert fired(m, doc("Putin speaks", "nothing")) == ["t"]
    assert fired(m, doc("Speech", "", summary="Putin spoke")) == ["b"]


def test_query_with_only_negative_terms_fires_on_articles_without_them() -> None:
    m = matcher({"id": "no-sport", "query": "NOT sport", "sources": ["world-news"]})
    assert fired(m, doc("Budget", "Parliament votes")) == ["no-sport"]
    assert fired(m, doc("Sport", "Football")) == []


def test_entity_condition_requires_every_entity() -> None:
    m = matcher({"id": "e", "query": "treaty", "entities": ["Vladimir Putin", "Joe Biden"]})
    both = doc(
        "Treaty",
        "A treaty, said Mr Putin.",
        persons=["Vladimir Putin", "Joe Biden"],
        entities=[
            {"name": "Vladimir Putin", "type": "PERSON", "mentions": 1, "surface_forms": ["Putin"]}
        ],
    )
    assert fired(m, both) == ["e"]
    result = m.match(both)[0]
    assert result.matched_entities == ["Vladimir Putin", "Joe Biden"]
    assert any("said Mr Putin" in s for s in result.snippets)
    assert fired(m, doc("Treaty", "A treaty.", persons=["Vladimir Putin"])) == []
    # canonical names compare folded
    assert fired(
        m, doc("Treaty", "x", persons=["VLADIMIR PUTIN"], organizations=["joe biden"])
    ) == ["e"]


def test_source_and_language_filters() -> None:
    m = matcher({"id": "s", "query": "budget", "sources": ["world-news"], "languages": ["EN"]})
    assert fired(m, doc("Budget")) == ["s"]
    assert fired(m, doc("Budget", source="sports")) == []
    assert fired(m, doc("Budget", language="de")) == []
    assert fired(m, doc("Budget", language=None)) == []


def test_explanation_lists_positive_terms_with_snippets() -> None:
    m = matcher({"id": "r", "query": '(treaty OR accord) AND "arms control" NOT opinion'})
    body = (
        ("Lorem ipsum " * 20)
        + "the new arms\ncontrol treaty was signed in Geneva. "
        + ("dolor sit " * 20)
    )
    (result,) = m.match(doc("Geneva", body))
    assert result.matched_terms == ["treaty", "arms control"]
    assert all(len(s) < 200 for s in result.snippets)
    assert any("arms control treaty was signed" in s for s in result.snippets)
    assert result.snippets[0].startswith("…") and result.snippets[0].endswith("…")


def test_many_rules_share_patterns_and_only_matching_ones_fire() -> None:
    rules = [{"id": f"r{i}", "query": f'"keyword {i}" OR shared'} for i in range(300)]
    rules.append({"id": "other", "query": "keyword AND 7"})
    m = matcher(*rules)
    assert fired(m, doc("keyword 7")) == ["r7", "other"]
    assert len(fired(m, doc("the shared one"))) == 300
    assert fired(m, doc("nothing here")) == []


def test_disabled_rules_and_empty_documents() -> None:
    m = matcher({"id": "off", "query": "x", "enabled": False}, {"id": "on", "query": "x"})
    assert fired(m, doc("x")) == ["on"]
    assert fired(m, {"id": "a2", "title": None, "body": None}) == []
    assert fired(matcher(), doc("x")) == []


def test_compiled_queries_agree_with_the_query_semantics() -> None:
    import itertools
    import random

    from newsflow.alerts.matcher import compile_query
    from newsflow.alerts.query import evaluate, parse_query, terms

    rng = random.Random(3)
    words = ["a", "b", "c", "d"]

    def random_query(depth: int) -> str:
        if depth == 0 or rng.random() < 0.3:
            return rng.choice(words)
        op = rng.choice([" AND ", " OR ", " "])
        inner = op.join(random_query(depth - 1) for _ in range(rng.randint(2, 3)))
        return ("NOT " if rng.random() < 0.3 else "") + f"({inner})"

    for _ in range(200):
        node = parse_query(random_query(3))
        ids = {term: words.index(term.folded) for term, _ in terms(node)}
        holds = compile_query(node, ids)
        for present in itertools.product([False, True], repeat=len(words)):
            matched = {i for i, p in enumerate(present) if p}
            assert holds(matched) == evaluate(node, lambda t, m=matched, i=ids: i[t] in m)
