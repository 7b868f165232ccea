"""Round-7 rules: possessives inside a span, place lists, given names the model typed alone."""

from __future__ import annotations

from collections import Counter

from pipeline.entities import EntityEnricher, Gazetteer, GazetteerEntry, link
from pipeline.entities.linker import strip_possessive
from pipeline.entities.ner import Mention
from tests.unit.entities.conftest import article


def mention(text: str, label: str, start: int = 0, prev: str = "", after: str = "") -> Mention:
    return Mention(text, label, start, start + len(text), prev=prev, next=after)


def names(entities) -> set[tuple[str, str]]:
    return {(e.name, e.type) for e in entities}


def test_known_owner_possessive_inside_a_span_is_two_names() -> None:
    gaz = Gazetteer([GazetteerEntry("Zarnco", "ORG", ())])
    found = names(link([mention("Zarnco's Quellbit", "ORG", 10, prev="as")], gaz))
    assert found == {("Zarnco", "ORG"), ("Quellbit", "ORG")}
    # a known place owns an organisation too
    found = names(link([mention("Abu Dhabi's Quellbit", "ORG", 10)], Gazetteer()))
    assert found == {("Abu Dhabi", "LOCATION"), ("Quellbit", "ORG")}
    # an owner nobody knows is part of the name
    assert names(link([mention("People's Quell Party", "ORG")], Gazetteer())) == {
        ("People's Quell Party", "ORG")
    }


def test_possessive_trimmed_from_a_name_with_of_or_for() -> None:
    assert strip_possessive("Department of Quellage's", Counter()) == "Department of Quellage"
    assert strip_possessive("Moody's", Counter({"Moody": 1})) == "Moody's"


def test_known_places_listed_after_a_place_are_found(enricher: EntityEnricher) -> None:
    body = (
        "Officials said centres would open in Nairobi, Kisumu and Eldoret next week, "
        "and later in Mombasa or Nakuru."
    )
    [doc] = enricher.enrich([article(body, title="Registration drive")])
    assert {"Nairobi", "Kisumu", "Eldoret", "Mombasa", "Nakuru"} <= set(doc["locations"])


def test_a_given_name_the_model_typed_alone_opens_a_person(enricher: EntityEnricher) -> None:
    body = "The 20-year-old beat Jelena Ostapenko, Madison Keys and Iga Swiatek in Miami."
    [doc] = enricher.enrich([article(body, title="Tennis")])
    assert "Jelena Ostapenko" in doc["persons"]
    assert "Jelena" not in doc["organizations"] + doc["locations"]
