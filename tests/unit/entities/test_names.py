"""The given-name list: how it is built from names-dataset, and what it makes of a name."""

from __future__ import annotations

import gzip
import io
import json
import pickle
import tarfile
import zipfile
from pathlib import Path

from newsflow.pipeline.entities.names import (
    CENSUS_FILES,
    NAMES_DATASET_FILE,
    NAMES_DATASET_LAST_FILE,
    build,
    given_names,
    looks_like_person,
)


def _wheel(tmp_path: Path, first: dict, last: dict) -> Path:
    wheel = tmp_path / "names_dataset-3.3.1-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, table in ((NAMES_DATASET_FILE, first), (NAMES_DATASET_LAST_FILE, last)):
            buffer = io.BytesIO()
            pickle.dump(table, buffer)
            archive.writestr(path, gzip.compress(buffer.getvalue()))
    return wheel


def _sdist(tmp_path: Path) -> Path:
    """The census package's sdist, with one name in each of its lists."""
    sdist = tmp_path / "names-0.3.0.tar.gz"
    line = b"JAMES          3.318  3.318      1\n"
    with tarfile.open(sdist, "w:gz") as tar:
        for name in CENSUS_FILES:
            info = tarfile.TarInfo(f"names-0.3.0/{name}")
            info.size = len(line)
            tar.addfile(info, io.BytesIO(line))
    return sdist


def _built(tmp_path: Path, wheel: Path | None) -> set[str]:
    path = tmp_path / f"given_names_{wheel is not None}.json"
    build(_sdist(tmp_path), wheel, path)
    return set(json.loads(path.read_text(encoding="utf-8"))["names"])


def test_names_dataset_keeps_names_common_in_some_country_in_latin_script(tmp_path):
    table = {
        "Tadej": {"rank": {"SI": 40, "HR": 1200}},  # common in one country: kept
        "Zoilita": {"rank": {"PE": 301}},  # just below the cut
        "Fish": {"rank": {}},  # no rank anywhere
        "Максат": {"rank": {"KZ": 12}},  # not Latin script
        "A A": {"rank": {"BD": 4}},  # not one word
        "Jo": {"rank": {"US": 90}},  # too short to tell a name from an abbreviation
        "Ðorđe": {"rank": {"RS": 30}},  # kept, and its folded spelling too
        "Zarnkhan": {"rank": {"PK": 60}},  # but a surname first
        "Quellee": {"rank": {"US": 150}},  # a surname too, but a given name first
    }
    surnames = {"Zarnkhan": {"rank": {"PK": 2}}, "Quellee": {"rank": {"KR": 200}}}
    with_dataset = _built(tmp_path, _wheel(tmp_path, table, surnames))
    assert with_dataset - _built(tmp_path, None) == {"Tadej", "Ðorđe", "Dorde", "Quellee"}


def test_shipped_list_knows_given_names_from_beyond_the_census():
    names = given_names()
    for name in ("Neeraj", "Tadej", "Arshad", "Reece", "James"):
        assert name in names, name
    for not_a_name in ("Paris", "Jordan", "San", "King", "Khan"):  # places, openers, surnames
        assert not_a_name not in names, not_a_name


def test_a_given_name_makes_an_untyped_pair_of_words_a_person():
    assert looks_like_person("Tadej Pogacar")
    assert looks_like_person("Neeraj Chopra")
    assert not looks_like_person("Neeraj Bank")  # an organisation word wins
    assert not looks_like_person("Paris Saint")  # no given name first
