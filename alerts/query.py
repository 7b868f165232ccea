"""Alert query language: keywords, "phrases", AND/OR/NOT, parentheses and title:/body: scopes.

    query   := or
    or      := and ("OR" and)*
    and     := unary (["AND"] unary)*        adjacent terms mean AND
    unary   := ("NOT" | "-") unary | scope? atom
    atom    := WORD | "PHRASE" | "(" or ")"
    scope   := "title:" | "body:"            body covers the summary and the body

Operators are upper-case (lower-case 'and' is a keyword); terms match whole words,
case- and accent-insensitively.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Literal

from newsflow.alerts.text import folded_words

Scope = Literal["any", "title", "body"]
SCOPES: tuple[str, ...] = ("title", "body")
OPERATORS = {"AND", "OR", "NOT"}
_TOKEN = re.compile(r'\s*(?:(?P<paren>[()])|(?P<quote>")|(?P<word>[^\s()"]+))')


class QuerySyntaxError(ValueError):
    """A query does not parse; `position` is the 0-based offset of the offending character."""

    def __init__(self, message: str, query: str, position: int):
        self.message = message
        self.query = query
        self.position = position
        super().__init__(f"{message} at column {position + 1}: {query!r}")

    def __reduce__(self):
        return (type(self), (self.message, self.query, self.position))


@dataclass(frozen=True)
class Term:
    text: str  # as the user wrote it, for explanations
    folded: str  # folded words joined by single spaces
    scope: Scope = "any"
    position: int = 0


@dataclass(frozen=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    child: Node


Node = Term | And | Or | Not


@dataclass(frozen=True)
class _Token:
    kind: str  # "(", ")", "phrase", "word", "op", "scope", "end"
    value: str
    position: int


def _tokens(query: str) -> Iterator[_Token]:
    pos = 0
    while True:
        match = _TOKEN.match(query, pos)
        if not match:
            yield _Token("end", "", len(query))
            return
        start = match.start(match.lastgroup) if match.lastgroup else len(query)
        if match.group("paren"):
            yield _Token(match.group("paren"), match.group("paren"), start)
            pos = match.end()
        elif match.group("quote"):
            close = query.find('"', start + 1)
            if close == -1:
                msg = "unterminated phrase"
                raise QuerySyntaxError(msg, query, start)
            yield _Token("phrase", query[start + 1 : close], start)
            pos = close + 1
        else:
            yield from _word_tokens(query, match.group("word"), start)
            pos = match.end()


def _word_tokens(query: str, word: str, start: int) -> Iterator[_Token]:
    if word in OPERATORS:
        yield _Token("op", word, start)
        return
    if word.startswith("-"):  # -term, -"phrase", -(group): the search-engine spelling of NOT
        yield _Token("op", "NOT", start)
        if len(word) > 1:
            yield from _word_tokens(query, word[1:], start + 1)
        return
    prefix, colon, rest = word.partition(":")
    if colon and re.fullmatch(r"[A-Za-z_]+", prefix):
        if prefix.lower() not in SCOPES:
            msg = f"unknown field '{prefix}' (use title: or body:)"
            raise QuerySyntaxError(msg, query, start)
        yield _Token("scope", prefix.lower(), start)
        if rest:
            yield from _word_tokens(query, rest, start + len(prefix) + 1)
        return
    yield _Token("word", word, start)


class _Parser:
    def __init__(self, query: str):
        self.query = query
        self.tokens = list(_tokens(query))
        self.index = 0

    @property
    def peek(self) -> _Token:
        return self.tokens[self.index]

    def take(self) -> _Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def fail(self, message: str, token: _Token) -> QuerySyntaxError:
        return QuerySyntaxError(message, self.query, token.position)

    def parse(self) -> Node:
        if self.peek.kind == "end":
            msg = "empty query"
            raise self.fail(msg, self.peek)
        node = self.parse_or("any")
        if self.peek.kind != "end":
            msg = f"unexpected {self.peek.value!r}"
            raise self.fail(msg, self.peek)
        return node

    def parse_or(self, scope: Scope) -> Node:
        children = [self.parse_and(scope)]
        while self.peek.kind == "op" and self.peek.value == "OR":
            self.take()
            children.append(self.parse_and(scope))
        return children[0] if len(children) == 1 else Or(tuple(children))

    def parse_and(self, scope: Scope) -> Node:
        children = [self.parse_unary(scope)]
        while True:
            token = self.peek
            if token.kind == "op" and token.value == "AND":
                self.take()
            elif token.kind in ("end", ")") or (token.kind == "op" and token.value == "OR"):
                break
            children.append(self.parse_unary(scope))
        return children[0] if len(children) == 1 else And(tuple(children))

    def parse_unary(self, scope: Scope) -> Node:
        token = self.peek
        if token.kind == "op" and token.value == "NOT":
            self.take()
            return Not(self.parse_unary(scope))
        if token.kind == "scope":
            self.take()
            if self.peek.kind in ("end", ")", "op", "scope"):
                msg = f"'{token.value}:' needs a term, phrase or group after it"
                raise self.fail(msg, self.peek)
            return self.parse_atom(token.value)  # type: ignore[arg-type]
        return self.parse_atom(scope)

    def parse_atom(self, scope: Scope) -> Node:
        token = self.take()
        if token.kind == "(":
            node = self.parse_or(scope)
            if self.peek.kind != ")":
                msg = "missing ')' for the '(' opened here"
                raise self.fail(msg, token)
            self.take()
            return node
        if token.kind in ("word", "phrase"):
            folded = folded_words(token.value)
            if not folded:
                kind = "phrase" if token.kind == "phrase" else "term"
                msg = f"{kind} {token.value!r} has no letters or digits"
                raise self.fail(msg, token)
            return Term(token.value, folded, scope, token.position)
        if token.kind == "end":
            msg = "query ends where a term was expected"
            raise self.fail(msg, token)
        msg = f"unexpected {token.value!r} where a term was expected"
        raise self.fail(msg, token)


def parse_query(query: str) -> Node:
    """Parse a rule query; raises QuerySyntaxError with the position of the problem."""
    return _Parser(query).parse()


def evaluate(node: Node, is_true: Callable[[Term], bool]) -> bool:
    """Truth of the query when each term's truth is `is_true(term)`."""
    if isinstance(node, Term):
        return is_true(node)
    if isinstance(node, And):
        return all(evaluate(child, is_true) for child in node.children)
    if isinstance(node, Or):
        return any(evaluate(child, is_true) for child in node.children)
    return not evaluate(node.child, is_true)


def terms(node: Node, positive: bool = True) -> Iterator[tuple[Term, bool]]:
    """Every term with whether it counts for the rule (True) or against it (under a NOT)."""
    if isinstance(node, Term):
        yield node, positive
    elif isinstance(node, Not):
        yield from terms(node.child, not positive)
    else:
        for child in node.children:
            yield from terms(child, positive)
