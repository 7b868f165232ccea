"""Known given names: evidence that an untyped two- or three-word name is a person ("Lars Klingbeil").

The list ships as pipeline/entities/data/given_names.json, built once by a developer from two
sources:
- the US Census 1990 first-name lists (public domain), as shipped in the PyPI package `names`
  0.3.0 (MIT): files names/dist.male.first and names/dist.female.first;
- data/given_names_extra.txt, written by hand for this project: common given names from the
  world's regions that the census lists lack (Slavic, Arabic, Chinese, Indian, ...);
- the PyPI package `names-dataset` 3.3.1 (MIT): first names with their popularity rank in each
  of 105 countries. Only names among the 300 most common in at least one country are taken,
  in Latin script, and not names that rank higher as a surname (Khan): below that rank the
  list holds ever more ordinary words and noise.
    .venv/bin/pip download --no-deps names==0.3.0 names-dataset==3.3.1 -d /tmp/names  # build-time only
    .venv/bin/python -m pipeline.entities.names /tmp/names/names-0.3.0.tar.gz \
        /tmp/names/names_dataset-3.3.1-py3-none-any.whl
Known place names and words that often open an organisation or place name (San, Santa,
Royal, ...) are left out.
"""

from __future__ import annotations

import functools
import gzip
import io
import json
import pickle
import re
import sys
import tarfile
import zipfile
from pathlib import Path

from newsflow.pipeline.entities.lexicon import LEXICON
from newsflow.pipeline.entities.places import fold, is_known_place

DATA = Path(__file__).resolve().parent / "data"
NAMES_FILE = DATA / "given_names.json"
EXTRA_FILE = DATA / "given_names_extra.txt"
CENSUS_FILES = ("names/dist.male.first", "names/dist.female.first")
NAMES_DATASET_FILE = "names_dataset/v3/first_names.pkl.gz"
NAMES_DATASET_LAST_FILE = "names_dataset/v3/last_names.pkl.gz"
NAMES_DATASET_MAX_RANK = 300
_LATIN_GIVEN_NAME = re.compile(
    r"^[A-Z\u00c0-\u00de\u0100-\u017f][a-z\u00e0-\u00ff\u0100-\u017f'-]{2,}$"
)


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
    if any(w.rstrip(".") in LEXICON.non_person_words for w in words):
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


def _names_dataset(wheel: Path, max_rank: int = NAMES_DATASET_MAX_RANK) -> set[str]:
    """First names of `names-dataset` ranked within `max_rank` in some country, Latin script.
    The data is a pickle inside the wheel: read at build time only, from the wheel the
    developer downloaded, never at run time."""
    with zipfile.ZipFile(wheel) as archive:
        first = _ranks(archive.read(NAMES_DATASET_FILE))
        last = _ranks(archive.read(NAMES_DATASET_LAST_FILE))
    return {
        name
        for name, rank in first.items()
        if rank <= max_rank
        and _LATIN_GIVEN_NAME.match(name)
        and rank < last.get(name, max_rank + 1)  # not a surname first: "Khan Younis"
    }


def _ranks(raw: bytes) -> dict[str, int]:
    """name -> its best popularity rank in any country (names ranked nowhere left out)."""
    table = pickle.load(io.BytesIO(gzip.decompress(raw)))  # a build-time input, see above
    return {name: min(info["rank"].values()) for name, info in table.items() if info.get("rank")}


def build(sdist: Path | None = None, wheel: Path | None = None, path: Path = NAMES_FILE) -> int:
    """Write the given-name list from the census lists, the hand-written list and (given its
    wheel) names-dataset; returns the number of names."""
    names = _census_names(sdist) | _extra_names()
    if wheel is not None:
        names |= _names_dataset(wheel)
    names |= {fold(n) for n in names}  # news often drops accents: "Jose", "Zeljko"
    names = {n for n in names if n not in LEXICON.given_name_lookalikes and not is_known_place(n)}
    about = (
        "Common given names: US Census 1990 first names (public domain, via the `names` "
        "package, MIT), a list written for newsflow (given_names_extra.txt) and names-dataset "
        f"3.3.1 (MIT) names within the top {NAMES_DATASET_MAX_RANK} of a country, minus place "
        "names."
    )
    data = {"about": about, "names": sorted(names)}
    path.write_text(json.dumps(data, ensure_ascii=False, indent=0), encoding="utf-8")
    return len(names)


if __name__ == "__main__":
    args = [Path(a) for a in sys.argv[1:3]]
    sdist = args[0] if args else None
    wheel = args[1] if len(args) > 1 else None
    print(f"{NAMES_FILE}: {build(sdist, wheel)} names")
