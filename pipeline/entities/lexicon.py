"""The entity rules' words, as data: one plain-text file per concept under data/lexicon/.

Each file holds one entry per line (a word or a phrase, written as it appears in text); lines
starting with "#" are comments, the first of them says what the words are. The directory is
read once per process into one frozen `Lexicon` that the mention finders, the typing rules and
the linker share: `LEXICON.org_cue_words` is the set in `org_cue_words.txt`. A name with no
file fails at import with the file it looked for; a test checks that every file is used.

Token patterns (data/patterns/*.jsonl, spaCy Matcher syntax) refer to a list as "@name" in
place of a list of strings: {"LOWER": {"IN": "@org_cue_words"}}.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from newsflow.errors import ConfigError

LEXICON_DIR = Path(__file__).parent / "data" / "lexicon"


class WordList(frozenset[str]):
    """A set of entries that also keeps the file's order (for prefix/suffix tests)."""

    in_order: tuple[str, ...]

    def __new__(cls, entries: tuple[str, ...]) -> WordList:
        words = super().__new__(cls, entries)
        words.in_order = entries
        return words


def read_word_list(path: Path) -> WordList:
    """Entries of one lexicon file: stripped lines, no blanks, no comments, no repeats."""
    entries: list[str] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        entry = line.strip()
        if not entry or entry.startswith("#"):
            continue
        if entry in entries:
            message = f"line {number}: {entry!r} is listed twice"
            raise ConfigError(str(path), message, entry=entry)
        entries.append(entry)
    return WordList(tuple(entries))


class Lexicon:
    """Every word list of the entity rules, by file name (without .txt)."""

    def __init__(self, directory: Path = LEXICON_DIR):
        self.directory = directory
        self._lists = {p.stem: read_word_list(p) for p in sorted(directory.glob("*.txt"))}

    def __getattr__(self, name: str) -> WordList:
        try:
            return self.__dict__["_lists"][name]
        except KeyError:
            expected = self.__dict__["directory"] / f"{name}.txt"
            message = f"no word list {name!r}: expected {expected}"
            raise AttributeError(message) from None

    def names(self) -> Iterator[str]:
        return iter(self._lists)

    def expand(self, pattern: Any) -> Any:
        """A Matcher pattern with every "@name" replaced by that word list (sorted)."""
        if isinstance(pattern, str) and pattern.startswith("@"):
            return sorted(getattr(self, pattern[1:]))
        if isinstance(pattern, list):
            return [self.expand(p) for p in pattern]
        if isinstance(pattern, dict):
            return {k: self.expand(v) for k, v in pattern.items()}
        return pattern


@cache
def load_lexicon(directory: Path = LEXICON_DIR) -> Lexicon:
    return Lexicon(directory)


LEXICON = load_lexicon()
