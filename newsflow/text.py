"""Shared core: accent and case folding, the one way alerts and entity names compare text."""

from __future__ import annotations

import re
import unicodedata

# the combining diacritical marks (accents on Latin, Greek and Cyrillic letters) once NFKD has
# split them off; vowel signs and viramas of other scripts are letters there, not accents
_MARKS = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
# letters NFKD leaves whole but readers (and news that drops accents) treat as their base letter
_BASE_LETTERS = str.maketrans(
    {
        "ø": "o", "Ø": "O",
        "đ": "d", "Đ": "D",
        "ł": "l", "Ł": "L",
        "\u0131": "i",  # dotless i
        "ħ": "h", "Ħ": "H",
        "æ": "ae", "Æ": "Ae",
        "œ": "oe", "Œ": "Oe",
        "þ": "th", "Þ": "Th",
        "ð": "d", "Ð": "D",
    }
)  # fmt: skip


def strip_accents(text: str) -> str:
    """Accents off, case kept: 'Zürich' -> 'Zurich', 'Søren Kierkegård' -> 'Soren Kierkegard'."""
    if text.isascii():  # most text: nothing to strip
        return text
    return _MARKS.sub("", unicodedata.normalize("NFKD", text)).translate(_BASE_LETTERS)


def fold(text: str) -> str:
    """Accents off and case folded: 'Émile ZOLA' -> 'emile zola', 'Straße' -> 'strasse'."""
    if text.isascii():
        return text.lower()
    return strip_accents(text).casefold()
