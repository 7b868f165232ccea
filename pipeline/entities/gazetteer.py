"""Entity gazetteer: configs/entities.yaml loaded, validated and indexed by alias."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_args

import yaml

from newsflow.errors import ConfigError
from newsflow.schema import EntityType

ENTITY_TYPES: tuple[str, ...] = get_args(EntityType)
_ENTRY_FIELDS = {"name", "type", "aliases", "wikidata", "match_text"}
_WIKIDATA = re.compile(r"^Q[1-9]\d*$")
_SPACES = re.compile(r"\s+")
_LEADING_THE = re.compile(r"^the\s+", re.IGNORECASE)
_POSSESSIVE = re.compile(r"(?:'s|')$")


def normalise(surface: str) -> str:
    """The lookup form of a surface: spaces collapsed, curly quotes, no 'the ', no possessive."""
    text = _SPACES.sub(" ", surface.replace("\u2019", "'").replace("\u2018", "'")).strip()
    text = _LEADING_THE.sub("", text)
    return _POSSESSIVE.sub("", text).strip()


def is_acronym(alias: str) -> bool:
    """Short upper-case aliases (US, EU, WHO) only match with their case: 'us' is a pronoun."""
    letters = alias.replace(".", "").replace(" ", "")
    return letters.isupper() and len(letters) <= 5


@dataclass(frozen=True)
class GazetteerEntry:
    """One curated entity: its canonical name, type, spellings and optional Wikidata id."""

    name: str
    type: str
    aliases: tuple[str, ...] = ()
    wikidata: str | None = None
    match_text: bool = True  # also find the aliases in text the NER model missed

    @property
    def spellings(self) -> tuple[str, ...]:
        """The canonical name, every alias, and dot-less forms of dotted acronyms (U.S. -> US)."""
        out: list[str] = []
        for alias in (self.name, *self.aliases):
            for form in (alias, alias.replace(".", "") if is_acronym(alias) else alias):
                if form and form not in out:
                    out.append(form)
        return tuple(out)


@dataclass
class Gazetteer:
    """Alias -> entry index; case-sensitive for acronyms, case-insensitive otherwise."""

    entries: list[GazetteerEntry] = field(default_factory=list)
    ignore: frozenset[str] = frozenset()  # normalised, casefolded surfaces that are never entities
    source: str = "<memory>"
    _exact: dict[str, GazetteerEntry] = field(default_factory=dict, repr=False)
    _folded: dict[str, GazetteerEntry] = field(default_factory=dict, repr=False)
    # surface -> entry (or None): articles look the same surfaces up many times
    _looked_up: dict[str, GazetteerEntry | None] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for entry in self.entries:
            self._index(entry)

    def _index(self, entry: GazetteerEntry) -> None:
        for alias in entry.spellings:
            key = normalise(alias)
            for table, k in ((self._exact, key), (self._folded, key.casefold())):
                if table is self._folded and is_acronym(alias):
                    continue
                other = table.get(k)
                if other is not None and other.name != entry.name:
                    msg = f"alias {alias!r} already belongs to {other.name!r}"
                    raise ConfigError(self.source, msg, entry=entry.name, field="aliases")
                table[k] = entry

    def lookup(self, surface: str) -> GazetteerEntry | None:
        """The entry a surface form refers to, or None."""
        try:
            return self._looked_up[surface]
        except KeyError:
            pass
        key = normalise(surface)
        entry = self._exact.get(key) or self._folded.get(key.casefold())
        if len(self._looked_up) >= 100_000:  # bounded: a long-running worker sees many names
            self._looked_up.clear()
        self._looked_up[surface] = entry
        return entry

    def is_ignored(self, surface: str) -> bool:
        return normalise(surface).casefold() in self.ignore

    def text_aliases(self) -> Iterable[tuple[str, GazetteerEntry]]:
        """(alias, entry) pairs to search for in text, for entries with match_text on."""
        for entry in self.entries:
            if entry.match_text:
                for alias in entry.spellings:
                    yield alias, entry

    def __len__(self) -> int:
        return len(self.entries)


def _entry_label(raw: Any, index: int) -> str:
    if isinstance(raw, dict) and isinstance(raw.get("name"), str) and raw["name"].strip():
        return raw["name"]
    return f"#{index + 1}"


def _string_list(value: Any, source: str, label: str, name: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        msg = "must be a list of non-empty strings"
        raise ConfigError(source, msg, entry=label, field=name)
    return tuple(v.strip() for v in value)


def parse_entry(raw: Any, index: int, source: str) -> GazetteerEntry:
    """Validate one item of `entities:`; errors name the file, the entry and the field."""
    label = _entry_label(raw, index)
    if not isinstance(raw, dict):
        raise ConfigError(source, "must be a mapping with name, type, aliases", entry=label)
    unknown = sorted(set(raw) - _ENTRY_FIELDS)
    if unknown:
        msg = f"unknown field (allowed: {', '.join(sorted(_ENTRY_FIELDS))})"
        raise ConfigError(source, msg, entry=label, field=str(unknown[0]))
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ConfigError(source, "required: a non-empty canonical name", entry=label, field="name")
    etype = raw.get("type")
    if etype not in ENTITY_TYPES:
        msg = f"must be one of {', '.join(ENTITY_TYPES)}, got {etype!r}"
        raise ConfigError(source, msg, entry=label, field="type")
    wikidata = raw.get("wikidata")
    if wikidata is not None and (not isinstance(wikidata, str) or not _WIKIDATA.match(wikidata)):
        msg = f"must be a Wikidata id like Q1899, got {wikidata!r}"
        raise ConfigError(source, msg, entry=label, field="wikidata")
    match_text = raw.get("match_text", True)
    if not isinstance(match_text, bool):
        raise ConfigError(source, "must be true or false", entry=label, field="match_text")
    aliases = _string_list(raw.get("aliases"), source, label, "aliases")
    return GazetteerEntry(name.strip(), etype, aliases, wikidata, match_text)


def parse_gazetteer(data: Any, source: str) -> Gazetteer:
    """Build a Gazetteer from the parsed YAML document."""
    if not isinstance(data, dict):
        raise ConfigError(source, "top level must be a mapping with 'entities'")
    unknown = sorted(set(data) - {"version", "entities", "ignore"})
    if unknown:
        raise ConfigError(source, "unknown top-level key", entry=str(unknown[0]))
    if data.get("version", 1) != 1:
        raise ConfigError(source, "unsupported version (expected 1)", field="version")
    raw_entries = data.get("entities") or []
    if not isinstance(raw_entries, list):
        raise ConfigError(source, "must be a list of entries", entry="entities")
    entries = [parse_entry(raw, i, source) for i, raw in enumerate(raw_entries)]
    seen: dict[tuple[str, str], int] = {}
    for i, entry in enumerate(entries):
        key = (entry.name, entry.type)
        if key in seen:
            msg = f"duplicate of entry #{seen[key] + 1} (merge their aliases)"
            raise ConfigError(source, msg, entry=entry.name, field="name")
        seen[key] = i
    ignore = _string_list(data.get("ignore"), source, "ignore", "ignore")
    return Gazetteer(entries, frozenset(normalise(s).casefold() for s in ignore), source)


def load_gazetteer(path: str | Path) -> Gazetteer:
    """Load and validate an entities file (configs/entities.yaml or NEWSFLOW_ENTITIES)."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(source, "file not found") from None
    except OSError as exc:
        raise ConfigError(source, f"cannot read: {exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(source, f"not valid YAML: {exc}") from None
    return parse_gazetteer(data or {}, source)


if __name__ == "__main__":  # python -m pipeline.entities.gazetteer configs/entities.yaml
    import sys

    try:
        loaded = load_gazetteer(sys.argv[1] if len(sys.argv) > 1 else "configs/entities.yaml")
    except ConfigError as error:
        print(error, file=sys.stderr)
        sys.exit(1)
    print(f"{loaded.source}: {len(loaded)} entries, {len(loaded.ignore)} ignored surfaces: OK")
