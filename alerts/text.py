"""Alert text normalisation: case- and accent-folded word streams, and snippets from the original."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from itertools import accumulate

from newsflow.text import fold

# letters and digits only: punctuation, underscores and any run of whitespace separate words;
# a possessive 's is not a word of its own ("NATO's summit" is the phrase "NATO summit")
WORD = re.compile(r"(?!(?<=['\u2019])s\b)[^\W_]+")
# split keeping the words: [separator, word, separator, word, ..., separator], in one C pass
_SPLIT = re.compile(f"({WORD.pattern})")
SNIPPET_RADIUS = 70
# ASCII fast path of WORD: bytes other than letters and digits become spaces (one C pass), and a
# possessive 's (an "s" after an apostrophe, not followed by a word character) goes first
_ASCII_SEPARATORS = bytes(b if chr(b).isascii() and chr(b).isalnum() else 32 for b in range(256))
_ASCII_POSSESSIVE = re.compile(rb"(?<=')s(?![A-Za-z0-9_])")


def words_of(text: str) -> list[str]:
    """WORD.findall(text), several times faster for ASCII text (most news)."""
    if not text.isascii():
        return WORD.findall(text)
    data = text.encode("ascii")
    if b"'s" in data:
        data = _ASCII_POSSESSIVE.sub(b" ", data)
    return data.translate(_ASCII_SEPARATORS).decode("ascii").split()


def _nfc(text: str) -> str:
    if text.isascii() or unicodedata.is_normalized("NFC", text):
        return text
    return unicodedata.normalize("NFC", text)


def folded_words(text: str) -> str:
    """Folded words joined by single spaces: what patterns and haystacks are made of."""
    return fold(" ".join(words_of(_nfc(text))))


@dataclass
class FieldText:
    """One article field as the matcher sees it: ' word word ... ' plus the original text."""

    original: str
    haystack: str
    _parts: list[str] | None = field(default=None, repr=False)  # separator, word, ..., separator
    _offsets: list[int] | None = field(default=None, repr=False)
    _snippets: dict[tuple[int, int], str] = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, text: str) -> FieldText:
        original = _nfc(text or "")
        # fold() never inserts spaces for real-world text, so word i of the haystack is word i here
        return cls(original, " " + fold(" ".join(words_of(original))) + " ")

    @property
    def parts(self) -> list[str]:
        """[separator, word, separator, ..., word, separator]: lazily, only for snippets."""
        if self._parts is None:
            self._parts = _SPLIT.split(self.original)
        return self._parts

    def _span(self, index: int) -> tuple[int, int] | None:
        """(start, end) of word `index` in the original (the last word if there are fewer)."""
        words = len(self.parts) // 2
        if not words:
            return None
        if self._offsets is None:  # lazily: only articles that matched something pay for it
            self._offsets = list(accumulate(map(len, self.parts)))
        index = min(index, words - 1)
        return self._offsets[2 * index], self._offsets[2 * index + 1]

    def snippet(self, position: int, length: int, radius: int = SNIPPET_RADIUS) -> str:
        """Original text around the haystack words at [position, position+length), cut at spaces."""
        key = (position, length)
        found = self._snippets.get(key)
        if found is None:  # rules sharing a term share its snippet
            found = self._snippets[key] = self._snippet(position, length, radius)
        return found

    def _snippet(self, position: int, length: int, radius: int) -> str:
        haystack = self.haystack
        first = haystack.count(" ", 1, position)  # word i of the haystack is word i of the original
        last = first + haystack.count(" ", position, position + length)
        start, end = self._span(first), self._span(last)
        if start is None or end is None:
            return ""
        return cut(self.original, start[0], max(end[1], start[1]), radius)

    def find(self, folded_phrase: str) -> int:
        """Haystack position of a folded phrase as whole words, or -1."""
        return self.haystack.find(f" {folded_phrase} ")


def cut(text: str, start: int, end: int, radius: int = SNIPPET_RADIUS) -> str:
    """text[start:end] with about `radius` characters of context either side, cut at spaces."""
    left = max(0, start - radius)
    right = min(len(text), end + radius)
    if left > 0:
        space = text.find(" ", left, start)
        left = space + 1 if space != -1 else left
    if right < len(text):
        space = text.rfind(" ", end, right)
        right = space if space != -1 else right
    body = " ".join(text[left:right].split())
    return ("…" if left > 0 else "") + body + ("…" if right < len(text) else "")
