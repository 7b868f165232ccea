"""Junk: words, numbers and fragments that must never become entities."""

from __future__ import annotations

from newsflow.pipeline.entities import EntityEnricher, Gazetteer, GazetteerEntry, link
from tests.support.entities import mention, names, one
from tests.support.factories import enrichment_input
from tests.unit.entities.conftest import TextReader


def test_chief_of_x_is_a_title_not_an_organisation() -> None:
    assert link([mention("Defence Forces", "ORG", 0, prev="post of Chief of")], Gazetteer()) == []
    found = link([mention("Defence Forces", "ORG", 0, prev="chief of the")], Gazetteer())
    assert names(found) == {("Defence Forces", "ORG")}  # lower-case: "the chief of the X"


def test_given_name_that_is_a_place_is_no_affiliation() -> None:
    assert one("Hassan Sheikh Mohamud", "PERSON") == {("Hassan Sheikh Mohamud", "PERSON")}
    assert names(link([mention("Ontario Premier Doug Ford", "PERSON")], Gazetteer())) == {
        ("Ontario", "LOCATION"),
        ("Doug Ford", "PERSON"),
    }


def test_counts_are_not_model_numbers() -> None:
    assert one("National Guard", "ORG", prev="would deploy 10,000") == {("National Guard", "ORG")}
    assert one("Zelvar", "ORG", prev="sent 10,000") == {("Zelvar", "ORG")}


def test_financial_in_is_no_place_and_named_storms_are_events() -> None:
    assert one("Hensoldt", "GPE", prev="its stake in") == {("Hensoldt", "ORG")}
    assert one("Hensoldt", "ORG", prev="its plant in") == {("Hensoldt", "ORG")}  # unknown place
    assert one("Oslo", "ORG", prev="shares in") == {("Oslo", "ORG")}
    assert one("Oslo", "ORG", prev="talks in") == {("Oslo", "LOCATION")}
    assert one("Storm Boris", "PERSON") == {("Storm Boris", "EVENT")}
    # an organisation cue wins over a preposition of place
    assert one("Kongsberg", "GPE", prev="interest in", after=", the Norwegian arms maker,") == {
        ("Kongsberg", "ORG")
    }


def test_generic_facility_words_alone_are_no_names() -> None:
    assert one("Port", "LOC", prev="operations at the") == set()
    assert one("University", "ORG") == set()


def test_party_adjectives_are_not_party_names(reader: TextReader) -> None:
    text = "Voters backed the Democratic party, the Qorlaatit party and the Tory party."
    assert reader.entities(text, [], Gazetteer()) == {"Qorlaatit": "ORG", "Tory": "ORG"}


def test_scores_and_wire_tags_are_not_parts_of_names() -> None:
    assert one("Liverpool 3-0", "ORG", prev="Man City thrash") == {("Liverpool", "ORG")}
    people = [mention("2-Vance", "ORG", 0, prev="UPDATE"), mention("JD Vance", "PERSON", 40)]
    assert names(link(people, Gazetteer())) == {("JD Vance", "PERSON")}
    # a company whose name opens with a number keeps it
    assert one("7-Eleven", "ORG", prev="convenience chain") == {("7-Eleven", "ORG")}


def test_a_tournament_draw_group_is_no_organisation() -> None:
    assert one("Group L", "ORG", prev="top of") == set()
    assert one("Group Zarn", "ORG") == {("Group Zarn", "ORG")}


def test_generic_bodies_alone_are_no_names() -> None:
    assert one("Police", "ORG", after="said the march was illegal") == set()
    assert one("Congress", "ORG", prev="passed by") == {("Congress", "ORG")}  # annotated


def test_lone_one_word_person_is_dropped_unless_gazetteer_knows_it() -> None:
    assert link([mention("Peskov", "PERSON"), mention("Turnout", "PERSON", 20)], Gazetteer()) == []
    gaz = Gazetteer([GazetteerEntry("Lula", "PERSON")])
    assert names(link([mention("Lula", "PERSON")], gaz)) == {("Lula", "PERSON")}


def test_junk_dropped() -> None:
    junk = [
        mention("he", "PERSON"),
        mention("It", "ORG"),
        mention("2024", "ORG"),
        mention("A", "PERSON"),
        mention("42nd", "GPE"),
        mention("US", "CARDINAL"),
    ]
    assert link(junk, Gazetteer()) == []


def test_pronouns_numbers_letters_never_reach_facets(enricher: EntityEnricher) -> None:
    text = "He met them in 2024. A said 42 people came. It was Tuesday. She called Apple Inc. about it."
    [doc] = enricher.enrich([enrichment_input(text)])
    facets = doc["persons"] + doc["organizations"] + doc["locations"]
    assert not [f for f in facets if f.casefold() in {"he", "she", "it", "them", "a", "2024", "42"}]


def test_a_capital_at_a_sentence_start_of_a_word_the_article_uses_lower_case_is_no_name(
    reader: TextReader,
) -> None:
    text = "Farmers' groups welcomed it. Cocoa farmers near Zarnville agreed. Zarnco said no."
    # Farmers: "farmers" is used lower-case later; Zarnco: no "zarnco"
    tagged = [("Farmers", "ORG"), ("Zarnville", "GPE"), ("Zarnco", "ORG")]
    found = {m.text for m in reader.mentions(text, tagged, Gazetteer())}
    assert "Farmers" not in found
    assert {"Zarnville", "Zarnco"} <= found
