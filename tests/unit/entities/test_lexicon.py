"""The lexicon's files: each says what its words are, each is used, and each word is written once.

A list that is part of another concept is included ("@other"), not copied, so a word added to
the smaller list reaches the larger one too. The "written once" test keeps it so: a word
written literally in two files fails unless it is in WRITTEN_TWICE (one spelling, two
concepts, each with why) or in NOT_YET_UNIFIED (overlaps still to be made one list: debt).
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import pytest

from newsflow.errors import ConfigError
from newsflow.pipeline.entities.lexicon import LEXICON, LEXICON_DIR, Lexicon, read_lines

ENTITIES = LEXICON_DIR.parent.parent
DATA = LEXICON_DIR.parent

# Words written in two lexicon files on purpose: one spelling, two concepts (a homonym, or a
# function word with a different job in each list), so no list of shared words would be a
# concept of its own. Keep this short: two lists that overlap get a list both include.
WRITTEN_TWICE: dict[str, str] = {
    "of": "ends an apposition, a preposition of place, and a connector inside names",
    "in": "ends an apposition (the largest bank in ...), a preposition of place, inside names",
    "to": "ends an apposition (the operator to ...) and a preposition of place",
    "and": "ends an apposition and joins words inside a name (Trinidad and Tobago)",
    "for": "ends an apposition and stands inside a name (Center for ...)",
    "the": "an article and a connector inside names (Bank of the South)",
    "an": "an article and the ending of adjectives (Republican)",
    "ist": "the ending of adjectives and of words for peoples and followers",
    "ish": "the ending of adjectives and of nationality words (British)",
    "ese": "the ending of adjectives and of nationality words (Chinese)",
    "mine": "a pronoun and a place noun (the mine at Panguna)",
    "I": "a pronoun that opens sentences and a roman numeral (Charles I)",
    "At": "a sentence word and the Arabic article before t (At-Tanf)",
    "An": "a sentence word and the Arabic article before n (An-Nasiriyah)",
    "Temple": "a surname in the given-name sources and the last word of places' names",
    "Fort": "opens places' names (Fort Worth) and ends them (Red Fort)",
    "Tribunal": "opens organisations' names in Romance languages and ends English ones",
}

# Debt, not design: words two lists still both write, by the exact files that write them. Each
# group should become a named list that those files include (as person_titles,
# administrative_area_kinds, company_endings did); remove a group once it is done, never add.
NOT_YET_UNIFIED: dict[tuple[str, ...], str] = {
    ("adjective_endings", "arabic_articles", "name_particles"): "al",
    ("administrative_words", "non_person_words"): "City",
    ("administrative_words", "non_person_words", "region_types"): "State",
    ("administrative_words", "place_heads"): "Township",
    ("administrative_words", "place_heads", "region_types"): "Oblast",
    ("administrative_words", "place_words_ending_names"): "District",
    ("arabic_articles", "hyphenated_name_openers", "surname_particles"): "Al, El",
    ("arabic_articles", "name_particles"): "el",
    ("chief_titles_after", "titles_before_names"): "chief executive",
    (
        "common_organisation_heads",
        "corporate_suffixes",
        "non_person_words",
        "not_name_words",
        "organisation_markers",
    ): "Group",
    ("common_organisation_heads", "corporate_words", "non_person_words"): "Airlines",
    (
        "common_organisation_heads",
        "given_name_lookalikes",
        "non_person_words",
        "not_name_words",
    ): "Bank",
    ("common_organisation_heads", "institution_openers"): "Office, Secretariat",
    (
        "common_organisation_heads",
        "institution_openers",
        "non_person_words",
    ): "Commission, Council, Agency",
    (
        "common_organisation_heads",
        "institution_openers",
        "non_person_words",
        "not_name_words",
    ): "Institute",
    (
        "common_organisation_heads",
        "non_person_words",
    ): "Fund, Federation, Association, Committee, Court, Organisation, League",
    (
        "common_organisation_heads",
        "non_person_words",
        "not_name_words",
    ): "Foundation, Organization",
    ("corporate_suffixes", "corporate_words"): "Co, International",
    # the data round's party pattern (party_words_ending_names) wrote these heads a third time
    (
        "common_organisation_heads",
        "non_person_words",
        "not_name_words",
        "party_words_ending_names",
    ): "Party",
    (
        "common_organisation_heads",
        "non_person_words",
        "party_words_ending_names",
    ): "Union, Alliance",
    (
        "non_person_words",
        "organisation_heads",
        "party_words_ending_names",
    ): "Congress, Front, Movement",
    ("organisation_heads", "party_words_ending_names"): "Coalition",
    ("company_kinds", "organisation_people_after"): "consortium",
    ("organisation_kinds", "organisation_people_after"): "conglomerate",
    ("person_titles", "place_nouns_after", "place_of_words", "titles_before_names"): "mayor",
    ("place_nouns_after", "place_of_words"): "residents",
    (
        "corporate_suffixes",
        "corporate_words",
        "non_person_words",
        "organisation_heads",
    ): "Motors, Energy",
    ("corporate_suffixes", "corporate_words", "organisation_heads"): "Technologies, Industries",
    ("corporate_suffixes", "non_person_words", "organisation_heads"): "Company",
    ("corporate_suffixes", "organisation_heads", "organisation_markers"): "plc, PLC",
    ("corporate_words", "department_words", "region_types"): "Department",
    ("corporate_words", "non_person_words", "organisation_heads"): "Capital, Partners",
    ("department_words", "non_person_words", "organisation_words_ending_names"): "Ministry",
    (
        "facility_heads",
        "non_person_words",
        "not_name_words",
        "place_words_ending_names",
    ): "Stadium, Airport, Square",
    ("facility_heads", "non_person_words", "place_words_ending_names"): "Bridge",
    ("facility_heads", "place_words_ending_names"): "Museum",
    ("generic_nouns", "organisation_apposition_heads", "organisation_words_before_names"): "agency",
    ("generic_nouns", "organisation_cue_words"): "union",
    ("generic_nouns", "organisation_cue_words", "political_group_nouns"): "party",
    ("generic_nouns", "organisation_words_before_names"): "group, company, bank",
    ("generic_nouns", "place_cue_words", "place_kinds_before_of"): "city",
    (
        "generic_nouns",
        "place_cue_words",
        "place_kinds_before_of",
        "place_suffixes_trimmed",
        "titles_dropped_from_names",
    ): "state",
    ("generic_nouns", "place_cue_words", "place_nouns_after"): "port",
    ("generic_nouns", "place_kinds_before_of"): "department",
    ("generic_nouns", "place_nouns_after"): "palace",
    ("facility_nouns_in_names", "generic_nouns"): "airport",
    ("institution_openers", "non_person_words"): "School",
    ("institution_openers", "non_person_words", "not_name_words"): "Center, Centre",
    ("institution_openers", "organisation_heads"): "Bureau, Directorate",
    ("name_connectors", "place_prepositions", "prepositions_of_place"): "at",
    ("non_person_words", "not_name_words"): "Hospital",
    ("non_person_words", "not_name_words", "organisation_heads"): "University",
    ("non_person_words", "not_name_words", "place_heads"): "Street, Park",
    (
        "non_person_words",
        "organisation_heads",
    ): "Army, Police, Media, Assembly, Society, Forces, Guard, Network, Service",
    ("non_person_words", "organisation_heads", "organisation_openers"): "Club",
    ("non_person_words", "place_heads", "place_openers"): "Lake",
    ("non_person_words", "place_words_ending_names"): "River",
    ("non_person_words", "venue_heads"): "Arena",
    ("not_name_words", "organisation_heads"): "Administration",
    ("not_name_words", "place_heads"): "Tower, Towers, Road, Avenue",
    ("organisation_apposition_heads", "organisation_cue_words"): "importer, service",
    ("organisation_apposition_heads", "organisation_kinds"): "operator, watchdog, miner",
    ("organisation_cue_words", "organisation_cues_in_span"): "rival",
    ("organisation_heads", "organisation_markers"): "LLC",
    ("organisation_people_after", "person_roles"): "captain, ceo, executive",
    ("organisation_people_after", "person_roles", "titles_before_names"): "coach",
    ("organisation_people_after", "staff_at_words"): "executives",
    ("organisation_people_after", "titles_dropped_from_names"): "manager, forward",
    ("organisation_possessions", "ownership_words"): "shareholders",
    ("organisation_possessions", "staff_at_words"): "employees",
    ("person_roles", "staff_at_words"): "economist, analyst",
    ("person_roles", "titles_before_names"): "director, founder, co-founder",
    ("person_titles", "place_of_words", "titles_before_names"): "governor",
    ("person_titles", "titles_before_names"): "president, minister, senator, ambassador",
    ("place_cue_words", "place_kinds_before_of"): "municipality",
    ("place_cue_words", "place_of_words"): "outskirts",
    ("place_kinds_before_of", "place_nouns_after"): "canton",
    ("place_kinds_plural", "place_of_words"): "suburbs",
    ("place_nouns_after", "place_nouns_after_list"): "rivers, lakes, valleys",
    ("place_nouns_after", "place_suffixes_trimmed"): "oblast",
    ("place_nouns_after_list", "place_nouns_after_names"): "mountains",
}


def _files() -> list[Path]:
    return sorted(LEXICON_DIR.glob("*.txt"))


def _written_entries(path: Path) -> list[str]:
    return [entry for _, entry in read_lines(path) if not entry.startswith("@")]


def test_every_file_opens_with_a_comment_saying_what_its_words_are():
    silent = [p.name for p in _files() if not p.read_text(encoding="utf-8").startswith("# ")]
    assert silent == []


def test_every_list_is_used_by_code_a_pattern_a_rule_or_another_list():
    code = "\n".join(p.read_text(encoding="utf-8") for p in ENTITIES.glob("*.py"))
    data = [*DATA.glob("patterns/*.jsonl"), *DATA.glob("rules/*.yaml"), *_files()]
    included = "\n".join(p.read_text(encoding="utf-8") for p in data)
    used = set(re.findall(r"LEXICON\.(\w+)", code)) | set(re.findall(r"@(\w+)", included))
    assert sorted(set(LEXICON.names()) - used) == []


def test_every_word_is_written_in_one_file_only():
    files_of: dict[str, list[str]] = defaultdict(list)
    for path in _files():
        for entry in _written_entries(path):
            files_of[entry].append(path.stem)
    twice = {word: tuple(files) for word, files in files_of.items() if len(files) > 1}
    owed = {(files, word) for files, words in NOT_YET_UNIFIED.items() for word in words.split(", ")}
    unexplained = {w: f for w, f in twice.items() if w not in WRITTEN_TWICE and (f, w) not in owed}
    assert unexplained == {}
    assert sorted(set(WRITTEN_TWICE) - set(twice)) == []  # no stale allowance
    assert sorted(owed - {(f, w) for w, f in twice.items()}) == []  # paid debt is removed


def _lexicon(tmp_path: Path, **files: str) -> Lexicon:
    for name, text in files.items():
        (tmp_path / f"{name}.txt").write_text(text, encoding="utf-8")
    return Lexicon(tmp_path)


def test_an_include_line_brings_in_the_other_lists_entries_in_its_place(tmp_path: Path):
    lexicon = _lexicon(
        tmp_path,
        facility_heads="# Facilities.\nStadium\nAirport\n",
        place_heads="# Places.\nRiver\n@facility_heads\nLake\n",
        named_heads="# Everything.\n@place_heads\nBank\n",
    )
    assert lexicon.place_heads.in_order == ("River", "Stadium", "Airport", "Lake")
    assert lexicon.named_heads == {"River", "Stadium", "Airport", "Lake", "Bank"}
    assert lexicon.facility_heads.in_order == ("Stadium", "Airport")


def test_a_word_written_twice_is_an_error_naming_the_file_and_line(tmp_path: Path):
    with pytest.raises(ConfigError, match=r"place_heads\.txt.*line 3: 'River' is listed twice"):
        _lexicon(tmp_path, place_heads="# Places.\nRiver\nRiver\n")


def test_a_word_also_brought_in_by_an_include_is_an_error(tmp_path: Path):
    message = r"place_heads\.txt.*line 3: 'Stadium' \(from @facility_heads\) is listed twice"
    with pytest.raises(ConfigError, match=message):
        _lexicon(
            tmp_path,
            facility_heads="# Facilities.\nStadium\n",
            place_heads="# Places.\nStadium\n@facility_heads\n",
        )


def test_an_include_of_no_list_is_an_error_naming_the_file_and_line(tmp_path: Path):
    message = r"place_heads\.txt.*line 2: includes @facility_head, but there is no facility_head"
    with pytest.raises(ConfigError, match=message):
        _lexicon(tmp_path, place_heads="# Places.\n@facility_head\n")


def test_a_list_including_itself_is_an_error_showing_the_loop(tmp_path: Path):
    with pytest.raises(ConfigError, match=r"line 2: @a includes itself \(a -> b -> a\)"):
        _lexicon(tmp_path, a="# A.\n@b\n", b="# B.\n@a\n")
