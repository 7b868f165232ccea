"""Alert query language: parsing, precedence and syntax errors with positions."""

from __future__ import annotations

import pytest

from newsflow.alerts.query import And, Not, Or, QuerySyntaxError, Term, evaluate, parse_query, terms


def words(node) -> set[str]:
    return {t.folded for t, _ in terms(node)}


def truth(query: str, present: set[str]) -> bool:
    return evaluate(parse_query(query), lambda t: t.folded in present)


def test_phrases_keywords_and_scopes() -> None:
    node = parse_query('"New START" OR ("arms control" AND NOT title:opinion)')
    assert isinstance(node, Or)
    left, right = node.children
    assert left == Term("New START", "new start", "any", 0)
    assert isinstance(right, And)
    assert isinstance(right.children[1], Not)
    assert right.children[1].child.scope == "title"
    assert words(node) == {"new start", "arms control", "opinion"}


def test_and_binds_tighter_than_or_and_adjacent_terms_mean_and() -> None:
    assert truth("a OR b c", {"a"})
    assert not truth("a OR b c", {"b"})
    assert truth("a OR b c", {"b", "c"})
    assert truth("(a OR b) c", {"b", "c"}) and not truth("(a OR b) c", {"a"})


def test_not_and_double_not() -> None:
    assert truth("sport NOT football", {"sport"})
    assert not truth("sport NOT football", {"sport", "football"})
    assert truth("NOT NOT x", {"x"})


def test_scope_applies_to_group_and_lowercase_operators_are_words() -> None:
    node = parse_query("body:(treaty OR accord) and")
    scopes = {t.folded: t.scope for t, _ in terms(node)}
    assert scopes == {"treaty": "body", "accord": "body", "and": "any"}


def test_terms_are_folded_and_punctuation_splits_words() -> None:
    term = parse_query("Zürich-based")
    assert isinstance(term, Term) and term.folded == "zurich based"


def test_positive_and_negative_terms() -> None:
    flags = {t.folded: positive for t, positive in terms(parse_query("a NOT (b OR NOT c)"))}
    assert flags == {"a": True, "b": False, "c": True}


@pytest.mark.parametrize(
    ("query", "message", "column"),
    [
        ('"New START" OR )', "unexpected ')' where a term was expected", 16),
        ('"arms control', "unterminated phrase", 1),
        ("(a OR b", "missing ')'", 1),
        ("a OR", "query ends where a term was expected", 5),
        ("headline:putin", "unknown field 'headline'", 1),
        ("a )", "unexpected ')'", 3),
        ("title: OR b", "'title:' needs a term", 8),
        ('a AND ""', "phrase '' has no letters or digits", 7),
        ("   ", "empty query", 4),
    ],
)
def test_syntax_errors_name_the_position(query: str, message: str, column: int) -> None:
    with pytest.raises(QuerySyntaxError) as info:
        parse_query(query)
    assert message in str(info.value)
    assert info.value.position + 1 == column
    assert f"at column {column}" in str(info.value)


def test_leading_minus_means_not() -> None:
    assert truth("sport -football", {"sport"}) and not truth(
        "sport -football", {"sport", "football"}
    )
    assert truth('treaty -"arms race"', {"treaty"}) and not truth(
        'treaty -"arms race"', {"treaty", "arms race"}
    )
    assert truth("x -(a OR b)", {"x"}) and not truth("x -(a OR b)", {"x", "b"})
    assert truth("x -title:y", {"x"})
    assert parse_query("COVID-19").folded == "covid 19"  # a hyphen inside a word is not NOT
