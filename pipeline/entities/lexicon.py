"""The entity rules' words, as data: one plain-text file per concept under data/lexicon/.

Each file holds one entry per line (a word or a phrase, written as it appears in text); lines
starting with "#" are comments, the first of them says what the words are. The directory is
read once per process into one frozen `Lexicon` that the mention finders, the typing rules and
the linker share: `LEXICON.org_cue_words` is the set in `org_cue_words.txt`. A name with no
file fails at import with the file it looked for; a test checks that every file is used.

A line "@other" includes the entries of other.txt in its place (order kept), so a list that
is part of another concept is written once: "place_heads.txt" holds "@venue_heads" (Arena,
Station, ...), which "facility_heads.txt" includes too, and only the heads of its own. An
include of no list, a cycle, or a word that comes twice is a ConfigError naming the file and
line.

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


Line = tuple[int, str]  # (line number, entry or "@name") of one non-comment line


def read_lines(path: Path) -> list[Line]:
    """The entries and includes of one lexicon file: stripped lines, no blanks, no comments."""
    lines = path.read_text(encoding="utf-8").splitlines()
    stripped = ((number, line.strip()) for number, line in enumerate(lines, 1))
    return [(number, entry) for number, entry in stripped if entry and not entry.startswith("#")]


def expand_list(name: str, files: dict[str, Path], chain: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The entries of list `name` in order, each "@other" line replaced by that list's entries.

    Composition lets a list be built from others without writing a word twice: a word that
    still comes twice (written twice, or also brought in by an include) is an error, as are an
    include of no list and a list that includes itself, each naming the file and line.
    """
    path, here = files[name], (*chain, name)
    entries: list[str] = []
    for number, line in read_lines(path):
        included = line.startswith("@")
        words = (
            expand_list(_included(line[1:], path, number, files, here), files, here)
            if included
            else (line,)
        )
        for word in words:
            if word in entries:
                source = f" (from {line})" if included else ""
                message = f"line {number}: {word!r}{source} is listed twice"
                raise ConfigError(str(path), message, entry=word)
            entries.append(word)
    return tuple(entries)


def _included(
    other: str, path: Path, number: int, files: dict[str, Path], chain: tuple[str, ...]
) -> str:
    """The name an "@other" line includes, if there is such a list and it does not loop."""
    if other not in files:
        message = f"line {number}: includes @{other}, but there is no {other}.txt"
        raise ConfigError(str(path), message, entry=f"@{other}")
    if other in chain:
        loop = " -> ".join((*chain[chain.index(other) :], other))
        raise ConfigError(
            str(path), f"line {number}: @{other} includes itself ({loop})", entry=f"@{other}"
        )
    return other


class Lexicon:
    """Every word list of the entity rules, by file name (without .txt), includes expanded."""

    def __init__(self, directory: Path = LEXICON_DIR):
        self.directory = directory
        files = {p.stem: p for p in sorted(directory.glob("*.txt"))}
        self._lists = {name: WordList(expand_list(name, files)) for name in files}

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
