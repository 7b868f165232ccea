"""Alert text folding and snippets mapped back to the original text."""

from __future__ import annotations

import pytest

from newsflow.alerts.text import FieldText, cut, fold, folded_words


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Émile ZOLA", "emile zola"),
        ("Straße", "strasse"),
        ("Łódź, Øresund", "lodz, oresund"),
        ("İstanbul", "istanbul"),
        ("ﬁnance", "finance"),
    ],
)
def test_fold(text: str, folded: str) -> None:
    assert fold(text) == folded


def test_folded_words_drop_punctuation_underscores_and_possessives() -> None:
    assert (
        folded_words("NATO's  summit_2024 — U.S.-led\n(talks)") == "nato summit 2024 u s led talks"
    )


def test_snippet_maps_words_back_even_when_folding_changes_lengths() -> None:
    text = "Die Straße war gesperrt. " * 30 + "Dann kam der Bürgermeister von Łódź zur Sitzung."
    field = FieldText.of(text)
    position = field.find("burgermeister von lodz")
    assert position != -1
    snippet = field.snippet(position + 1, len("burgermeister von lodz"))
    assert "Bürgermeister von Łódź" in snippet and snippet.startswith("…")
    assert snippet.endswith("zur Sitzung.")


def test_snippet_of_the_first_and_last_word() -> None:
    field = FieldText.of("Alpha beta gamma")
    assert field.snippet(1, len("alpha")) == "Alpha beta gamma"
    assert field.snippet(field.find("gamma") + 1, len("gamma")) == "Alpha beta gamma"
    assert FieldText.of("").snippet(1, 3) == ""


def test_cut_trims_at_spaces_and_collapses_whitespace() -> None:
    text = "one two three four five six seven eight nine ten"
    start = text.index("five")
    assert cut(text, start, start + 4, radius=6) == "…four five six…"
    assert cut("a\n\nb   c", 2, 3, radius=10) == "a b c"


def test_ascii_fast_path_finds_the_same_words_as_the_pattern():
    import random

    from newsflow.alerts.text import WORD, words_of

    rnd = random.Random(5)
    alphabet = list("abcsSXyz019_ '\"\u2019-.,;:!?\t\n\x0b\x0c\r\x1c\x1f\x7f()[]<>&#@/\\")
    for _ in range(20000):
        text = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 30)))
        assert words_of(text) == WORD.findall(text), repr(text)
    assert words_of("NATO's summit, the 's_x and O'sullivan") == [
        "NATO",
        "summit",
        "the",
        "s",
        "x",
        "and",
        "O",
        "sullivan",
    ]
