"""Gazetteer loading: validation errors name the file, entry and field; lookups respect case."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsflow.errors import ConfigError
from newsflow.pipeline.entities.gazetteer import (
    Gazetteer,
    GazetteerEntry,
    load_gazetteer,
    normalise,
)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "entities.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def load_error(tmp_path: Path, text: str) -> ConfigError:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_gazetteer(path)
    assert caught.value.file == str(path)
    return caught.value


def test_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found") as caught:
        load_gazetteer(tmp_path / "nope.yaml")
    assert caught.value.file.endswith("nope.yaml")


def test_invalid_yaml(tmp_path: Path) -> None:
    assert "not valid YAML" in str(load_error(tmp_path, "entities: [ {name: x"))


def test_unknown_type_names_entry_and_field(tmp_path: Path) -> None:
    err = load_error(tmp_path, "entities:\n  - {name: Kyiv, type: CITY}\n")
    assert (err.entry, err.field) == ("Kyiv", "type")
    assert "LOCATION" in err.message


def test_missing_name_is_reported_by_position(tmp_path: Path) -> None:
    err = load_error(tmp_path, "entities:\n  - {name: Kyiv, type: LOCATION}\n  - {type: ORG}\n")
    assert (err.entry, err.field) == ("#2", "name")


def test_bad_wikidata_id(tmp_path: Path) -> None:
    err = load_error(tmp_path, "entities:\n  - {name: Kyiv, type: LOCATION, wikidata: 1899}\n")
    assert (err.entry, err.field) == ("Kyiv", "wikidata")


def test_aliases_must_be_strings(tmp_path: Path) -> None:
    err = load_error(tmp_path, "entities:\n  - {name: Kyiv, type: LOCATION, aliases: Kiev}\n")
    assert (err.entry, err.field) == ("Kyiv", "aliases")


def test_unknown_field(tmp_path: Path) -> None:
    err = load_error(tmp_path, "entities:\n  - {name: Kyiv, type: LOCATION, alias: [Kiev]}\n")
    assert (err.entry, err.field) == ("Kyiv", "alias")


def test_alias_claimed_by_two_entities(tmp_path: Path) -> None:
    text = (
        "entities:\n  - {name: Kyiv, type: LOCATION, aliases: [Kiev]}\n"
        "  - {name: Kiev Oblast, type: LOCATION, aliases: [kiev]}\n"
    )
    err = load_error(tmp_path, text)
    assert (err.entry, err.field) == ("Kiev Oblast", "aliases")
    assert "Kyiv" in err.message


def test_duplicate_entry(tmp_path: Path) -> None:
    text = "entities:\n  - {name: Kyiv, type: LOCATION}\n  - {name: Kyiv, type: LOCATION}\n"
    assert load_error(tmp_path, text).field == "name"


def test_top_level_must_be_mapping(tmp_path: Path) -> None:
    assert "top level" in load_error(tmp_path, "- just a list\n").message


def test_valid_file_loads(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "version: 1\nentities:\n  - {name: Kyiv, type: LOCATION, aliases: [Kiev], wikidata: Q1899}\nignore: [Read more]\n",
    )
    gaz = load_gazetteer(path)
    assert gaz.lookup("Kiev") == GazetteerEntry("Kyiv", "LOCATION", ("Kiev",), "Q1899")
    assert gaz.is_ignored("read more")


def test_lookup_forms() -> None:
    gaz = Gazetteer(
        [GazetteerEntry("United States", "LOCATION", ("US", "U.S.", "the United States"))]
    )
    for surface in (
        "US",
        "U.S.",
        "US",
        "the United States",
        "The United States",
        "United States'",
        "UNITED STATES",
    ):
        assert gaz.lookup(surface).name == "United States", surface
    assert gaz.lookup("us") is None  # a pronoun, not the country
    assert gaz.lookup("Us") is None


def test_normalise() -> None:
    assert normalise("  the  Kremlin\u2019s ") == "Kremlin"
    assert normalise("Kiev's") == "Kiev"


def test_shipped_gazetteer_is_valid(gazetteer: Gazetteer) -> None:
    assert gazetteer.lookup("Kiev").name == "Kyiv"
    assert gazetteer.lookup("Ukrainian").type == "NORP"
