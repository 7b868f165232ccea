"""Known given names: evidence that an untyped two- or three-word name is a person ("Lars Klingbeil").

The list ships as pipeline/entities/data/given_names.json, built once by a developer:
    .venv/bin/pip install gender-guesser   # build-time only, not needed at run time
    .venv/bin/python -m pipeline.entities.names
Only names common in at least one country are kept, minus known place names and words that
often open an organisation or place name (San, Santa, Royal, ...).
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

from pipeline.entities.places import is_known_place

NAMES_FILE = Path(__file__).resolve().parent / "data" / "given_names.json"
MIN_FREQUENCY = 3  # gender-guesser's per-country frequency scale is 1 (rare) .. 13 (very common)
NOT_GIVEN_NAMES = frozenset(
    {"San", "Santa", "Santo", "Saint", "Young", "Royal", "General", "Grand", "Major", "Star",
     "Sun", "Golden", "Happy", "Bank", "Justice", "Queen", "King", "Prince", "Princess", "Pope"}
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


def build(path: Path = NAMES_FILE) -> int:
    import gender_guesser.detector

    detector = gender_guesser.detector.Detector()
    names = set()
    for name, genders in detector.names.items():
        scale = [int(c, 16) for value in genders.values() for c in value if c.strip()]
        if scale and max(scale) >= MIN_FREQUENCY and name.isalpha() and name[:1].isupper():
            names.add(name)
    names = {n for n in names if n not in NOT_GIVEN_NAMES and not is_known_place(n)}
    about = "Common given names (gender-guesser's nam_dict, GFDL), minus place names."
    data = {"about": about, "names": sorted(names)}
    path.write_text(json.dumps(data, ensure_ascii=False, indent=0), encoding="utf-8")
    return len(names)


if __name__ == "__main__":
    print(f"{NAMES_FILE}: {build()} names")
