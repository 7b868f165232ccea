"""Accent folding: one answer for alerts and entity names, case kept only where asked."""

from __future__ import annotations

import pytest

from newsflow.alerts.text import fold as alert_fold
from newsflow.pipeline.entities.places import fold as place_fold
from newsflow.pipeline.entities.places import is_known_place
from newsflow.text import fold, strip_accents


@pytest.mark.parametrize(
    ("text", "stripped"),
    [
        ("Zürich", "Zurich"),
        ("Søren Kierkegård", "Soren Kierkegard"),
        ("Łódź, Øresund", "Lodz, Oresund"),
        ("Đoković", "Dokovic"),
        ("Ærø", "Aero"),
        ("Straße", "Straße"),  # a letter of its own, not an accent: case folding expands it
        ("Tromsø", "Tromso"),
    ],
)
def test_accents_come_off_and_case_stays(text: str, stripped: str) -> None:
    assert strip_accents(text) == stripped
    assert fold(text) == stripped.casefold()


@pytest.mark.parametrize("text", ["Tromsø", "Søren", "Łódź", "José Sánchez", "Þórshöfn", "ASCII"])
def test_alerts_and_entity_names_fold_alike(text: str) -> None:
    assert alert_fold(text) == place_fold(text).casefold()


def test_a_place_written_with_or_without_its_stroke_is_the_same_place() -> None:
    assert is_known_place("Tromsø") == is_known_place("Tromso")


def test_marks_of_other_scripts_are_letters_not_accents() -> None:
    hindi = "नमस्ते"  # the virama (U+094D) joins consonants: dropping it would change the word
    assert strip_accents(hindi) == hindi
