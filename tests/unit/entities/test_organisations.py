"""Organisations: companies, parties, bodies and teams, and the words that type a name as one."""

from __future__ import annotations

from newsflow.pipeline.entities import EntityEnricher, Gazetteer, GazetteerEntry, link
from newsflow.pipeline.entities.ner import Mention
from tests.support.entities import mention, names, one
from tests.support.factories import enrichment_input
from tests.unit.entities.conftest import TextReader


def test_giant_after_a_determiner_is_an_adjective() -> None:
    found = link(
        [mention("North Zarn", "LOC", 0, prev="of its giant", after="expansion.")], Gazetteer()
    )
    assert names(found) == {("North Zarn", "LOCATION")}
    found = link([mention("Zarnco", "PERSON", 0, prev="oil giant", after="said")], Gazetteer())
    assert names(found) == {("Zarnco", "ORG")}


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


def test_a_copula_and_a_noun_phrase_type_the_name() -> None:
    found = link(
        [mention("Quellengo", "PERSON", 0, after="became the first Zarnian club to win four")],
        Gazetteer(),
    )
    assert names(found) == {("Quellengo", "ORG")}
    found = link([mention("Quellmark", "ORG", 0, after="is the capital of Zarnia.")], Gazetteer())
    assert names(found) == {("Quellmark", "LOCATION")}


def test_an_unknown_one_word_place_listed_with_a_company_is_a_company() -> None:
    first = mention("Wiprox", "ORG", 0, prev="week, while", after=" and Zarntech are due")
    second = mention("Zarntech", "GPE", 11, prev="while Wiprox and", after=" are due to report")
    assert names(link([first, second], Gazetteer())) == {("Wiprox", "ORG"), ("Zarntech", "ORG")}
    # a known place stays a place: "Vodafone and Madrid"
    place = mention("Madrid", "GPE", 13, prev="Vodafone and", after=" agreed")
    company = mention("Vodafone", "ORG", 0, after=" and Madrid agreed")
    assert ("Madrid", "LOCATION") in names(link([company, place], Gazetteer()))


def test_at_a_tie_the_words_around_a_mention_beat_the_model() -> None:
    plain = [
        mention("Zarnair", "PERSON", i * 100, prev="said", after="delivered") for i in (0, 2, 3)
    ]
    cued = mention("Zarnair", "PERSON", 100, prev="Brazilian planemaker", after="delivered")
    assert names(link([*plain, cued], Gazetteer())) == {("Zarnair", "ORG")}


def test_words_after_a_name_type_it() -> None:
    assert one("Vardanes", "ORG", after="peninsula late on Monday") == {("Vardanes", "LOCATION")}
    assert one("Ostrava", "ORG", after="-based company said") == {("Ostrava", "LOCATION")}
    assert one("Liverpool", "GPE", after="manager Arne Slot said") == {("Liverpool", "ORG")}
    assert one("Liverpool", "GPE", after="'s academy, signed") == {("Liverpool", "ORG")}
    # a possessive does not make the place noun after it the name's own
    assert one("Brindle", "ORG", after="'s airport was closed") == {("Brindle", "ORG")}


def test_products_are_not_organisations() -> None:
    assert one("MAX", "ORG", prev="of the 737") == {("MAX", "PRODUCT")}
    assert one("Patriot", "ORG", after="missiles to Kyiv") == {("Patriot", "PRODUCT")}
    assert one("Space Lift System", "ORG", after="rocket to the pad") == {
        ("Space Lift System", "PRODUCT")
    }


def test_gazetteer_company_takes_its_full_name_with_a_corporate_suffix() -> None:
    from newsflow.pipeline.entities import GazetteerEntry

    gaz = Gazetteer([GazetteerEntry("Samsung", "ORG"), GazetteerEntry("Amazon", "ORG")])
    found = link(
        [
            mention("Samsung Electronics", "ORG", 0),
            mention("Samsung", "ORG", 40),
            mention("Amazon Web Services", "ORG", 80),
            mention("Amazon", "ORG", 120),
        ],
        gaz,
    )
    assert names(found) == {
        ("Samsung Electronics", "ORG"),
        ("Amazon Web Services", "ORG"),
        ("Amazon", "ORG"),
    }


def test_analysts_at_an_organisation() -> None:
    assert one("Kestrel", "GPE", prev="said. Analysts at") == {("Kestrel", "ORG")}
    assert one("Kestrel", "GPE", prev="said. Officials at") == {("Kestrel", "LOCATION")}


def test_utilities_are_organisations() -> None:
    assert one("Yorkshire Water", "PERSON") == {("Yorkshire Water", "ORG")}
    assert one("Kirkstall", "ORG", prev="flooded. Residents of") == {("Kirkstall", "LOCATION")}


def test_context_evidence_outvotes_the_model() -> None:
    mentions = [
        mention("Ostrel", "PERSON", 0),
        mention("Ostrel", "ORG", 40, prev="the environmental regulator", after="granted a licence"),
        mention("Ostrel", "GPE", 90, prev="said", after="had acted"),
    ]
    assert names(link(mentions, Gazetteer())) == {("Ostrel", "ORG")}


def test_a_place_market_stays_a_place_and_a_stock_index_is_a_product() -> None:
    assert one("Tokyo", "GPE", after="shares fell") == {("Tokyo", "LOCATION")}
    assert one("Mervalo", "ORG", prev="The", after="stock index jumped") == {("Mervalo", "PRODUCT")}


def test_head_words_type_names_of_any_label() -> None:
    assert one("Dubrava International Stadium", "EVENT") == {
        ("Dubrava International Stadium", "LOCATION")
    }
    assert one("Nordvision Song Contest", "ORG") == {("Nordvision Song Contest", "EVENT")}
    assert one("Grand Pharos Museum", "ORG") == {("Grand Pharos Museum", "LOCATION")}


def test_names_the_model_missed_after_cue_words(enricher: EntityEnricher) -> None:
    body = (
        "Austrian broadcaster ORF said on Monday it would host the contest. Israel's public "
        "broadcaster Kan welcomed the decision. Volunteers cleared the Lonza river after the "
        "storm. Zubria Commission President Omar Alieu Touray told reporters the door was open."
    )
    [result] = enricher.enrich([enrichment_input(body)])
    orgs, places = set(result["organizations"]), set(result["locations"])
    assert {"ORF", "Kan", "Zubria Commission"} <= orgs
    assert "Lonza" in places


def test_organisation_head_and_of_join_the_place_after() -> None:
    gaz = Gazetteer([GazetteerEntry("Kenya", "LOCATION")])
    split = [
        mention("The Law Society", "ORG", 0, after="of Kenya called for"),
        Mention("Kenya", "GAZETTEER", 19, 24, gaz.lookup("Kenya"), "Law Society of", "called"),
    ]
    assert names(link(split, gaz)) == {("Law Society of Kenya", "ORG")}
    # a name without an organisation word stays apart ("Apple of Cupertino" is no name)
    apart = [mention("Zentra", "ORG", 0), Mention("Kenya", "GPE", 10, 15, None, "Zentra of", "")]
    assert names(link(apart, gaz)) == {("Zentra", "ORG"), ("Kenya", "LOCATION")}


def test_party_names_the_model_missed(enricher: EntityEnricher) -> None:
    body = "The pro-business Qorlaatit party won the vote in the island's capital on Tuesday."
    [result] = enricher.enrich([enrichment_input(body)])
    assert "Qorlaatit" in result["organizations"]


def test_a_company_opening_a_person_span_names_a_product() -> None:
    gaz = Gazetteer([GazetteerEntry("SpaceX", "ORG")])
    found = link([mention("SpaceX Starship", "PERSON", after="completes first flight")], gaz)
    assert names(found) == {("SpaceX", "ORG"), ("Starship", "PRODUCT")}


def test_a_company_with_a_corporate_suffix_read_as_a_person_is_the_company() -> None:
    gaz = Gazetteer([GazetteerEntry("Barrick Gold", "ORG", ("Barrick",))])
    assert names(link([mention("Barrick Mining", "PERSON")], gaz)) == {("Barrick Mining", "ORG")}


def test_a_company_s_people_after_a_product_make_it_a_company() -> None:
    assert one("Zelvo Cloud", "PRODUCT", after="chief executive Ana Lopez said") == {
        ("Zelvo Cloud", "ORG")
    }
    assert one("Zelvo Cloud", "PRODUCT", after="servers went down") == {("Zelvo Cloud", "PRODUCT")}


def test_a_party_noun_the_model_took_in_outvotes_a_person_tag() -> None:
    party = mention("the Tembala party", "ORG", 0)
    person = mention("Tembala", "PERSON", 40, after="was barred from the vote")
    assert names(link([party, person], Gazetteer())) == {("Tembala", "ORG")}
    # a letter-and-digits name the party finder found is a name, a lone letter is not
    assert one("Q44", "CUED_ORG", prev="the centrist") == {("Q44", "ORG")}
    assert one("Q44", "ORG") == set()


def test_who_publishes_data_is_an_organisation() -> None:
    assert one("Zentrix", "PERSON", prev="ship-tracking data from") == {("Zentrix", "ORG")}
    assert one("Zentrix", "PERSON", prev="a survey by") == {("Zentrix", "ORG")}
    # not a person's full name
    assert one("Maria Lopez", "PERSON", prev="a study by") == {("Maria Lopez", "PERSON")}


def test_a_cue_before_a_name_that_modifies_a_noun_is_the_noun_s() -> None:
    # "giant" describes the dam, not the river
    assert one("Zarn dam", "LOC", prev="inaugurates giant") == {("Zarn", "LOCATION")}
    assert one("Zarnco", "ORG", prev="tech giant") == {("Zarnco", "ORG")}


def test_a_party_or_coalition_noun_after_a_name_makes_an_organisation() -> None:
    assert one("Tembala", "PERSON", prev="organised by the", after="coalition. Opposition") == {
        ("Tembala", "ORG")
    }
    assert one("Tembala", "PERSON", after="alliance won") == {("Tembala", "ORG")}
    # a person's full name before "party" stays a person ("the Maria Lopez party" is rare)
    assert one("Maria Lopez", "PERSON", after="party guests") == {("Maria Lopez", "PERSON")}


def test_words_that_open_an_organisations_name_in_other_languages() -> None:
    assert one("Club Zarnerica", "PERSON") == {("Club Zarnerica", "ORG")}
    assert one("Pacto Quellico", "GPE") == {("Pacto Quellico", "ORG")}
    assert one("Club World Cup", "ORG") == {("Club World Cup", "EVENT")}  # the event head wins


def test_another_opens_an_apposition_too() -> None:
    assert one("Zarnwave", "GPE", after=", another Lagos-based startup, raised") == {
        ("Zarnwave", "ORG")
    }


def test_one_of_a_plural_kind_names_the_type() -> None:
    assert one("Zarnpoint", "GPE", after=", one of Nigeria's largest digital banks, said") == {
        ("Zarnpoint", "ORG")
    }
    assert one("Quellville", "ORG", after=", one of the oldest towns in the region") == {
        ("Quellville", "LOCATION")
    }


def test_examples_of_a_plural_kind_of_organisation_are_organisations() -> None:
    assert one("Zarndrola", "GPE", prev="Power companies including") == {("Zarndrola", "ORG")}
    assert one("Quellbank", "GPE", prev="lenders such as") == {("Quellbank", "ORG")}
    assert one("Zarnantara", "GPE", prev="sovereign wealth fund") == {("Zarnantara", "ORG")}
    assert one("Quellton", "GPE", prev="cities including") == {("Quellton", "LOCATION")}


def test_city_named_club_stays_an_organisation() -> None:
    club = Mention("Liverpool", "ORG", 20, 29, prev="former")
    city = Mention("Liverpool", "ORG", 50, 59, prev="in")
    assert names(link([club], Gazetteer())) == {("Liverpool", "ORG")}
    assert names(link([city], Gazetteer())) == {("Liverpool", "LOCATION")}


def test_head_word_types_the_name() -> None:
    found = link(
        [mention("Manchester United", "PERSON", 0), mention("Bristol Channel", "ORG", 40)],
        Gazetteer(),
    )
    assert names(found) == {("Manchester United", "ORG"), ("Bristol Channel", "LOCATION")}


def test_words_before_a_name_type_it() -> None:
    codelco = Mention("Codelco", "GPE", 0, 7, prev="copper producer")
    blatten = Mention("Blatten", "PERSON", 30, 37, prev="village of")
    assert names(link([codelco, blatten], Gazetteer())) == {
        ("Codelco", "ORG"),
        ("Blatten", "LOCATION"),
    }


def test_a_department_name_cut_at_and_is_completed(reader: TextReader) -> None:
    text = "The Department of Roads and Bridges said the Bank of Zelvar and Quorex agreed."
    tagged = [("The Department of Roads", "ORG"), ("Bridges", "DATE"), ("Bank of Zelvar", "ORG")]
    assert reader.entities(text, tagged, Gazetteer()) == {
        "Department of Roads and Bridges": "ORG",
        "Bank of Zelvar": "ORG",  # not a department: "and Quorex" is another name
    }


def test_a_name_listed_between_two_organisations_is_one(reader: TextReader) -> None:
    text = "Apps run by Zelvo, Quorex, Brindle and others. Towns like Varna, Kesto and Ulm."
    tagged = [("Zelvo", "ORG"), ("Brindle", "ORG"), ("Varna", "GPE"), ("Ulm", "GPE")]
    found = reader.entities(text, tagged, Gazetteer())
    assert found["Quorex"] == "ORG"
    assert "Kesto" not in found  # listed between places


def test_a_country_after_an_organisation_s_name_ends_it(reader: TextReader) -> None:
    text = (
        "Headline Words Kenya\n\nRights group Vardic Watch Kenya said on Monday that the "
        "body Offshore Energies Kenya said so. They told Reuters Kenya had agreed. "
        "Neighbouring Kenya said no."
    )
    tagged = [("Kenya", "GPE"), ("Vardic Watch", "ORG"), ("Reuters", "ORG")]
    tagged += [("Kenya", "GPE")] * 4  # said on, said so, had, said no
    assert reader.entities(text, tagged, Gazetteer()) == {
        "Kenya": "LOCATION",
        "Vardic Watch Kenya": "ORG",
        "Offshore Energies Kenya": "ORG",
        "Reuters": "ORG",
    }


def test_an_organisation_and_a_hyphenated_partner_are_one_name(reader: TextReader) -> None:
    text = "The Zelvo-Quorex alliance and the Zelvo - Quorex talks."
    assert reader.entities(text, [("Zelvo", "ORG")], Gazetteer()) == {"Zelvo-Quorex": "ORG"}


def test_coalition_and_alliance_names_the_model_missed(reader: TextReader) -> None:
    text = "Protests by the Zelvani coalition and the Quorex alliance, not the Democratic alliance."
    assert reader.entities(text, [], Gazetteer()) == {"Zelvani": "ORG", "Quorex": "ORG"}


def test_an_institution_word_the_model_left_after_a_name_completes_it(reader: TextReader) -> None:
    text = "Zarn Islands Forum leaders met in Quell. Later Quell Forum was empty."
    tagged = [("Zarn Islands", "LOC"), ("Quell", "GPE"), ("Quell", "GPE")]
    found = {(m.text, m.label) for m in reader.mentions(text, tagged, Gazetteer())}
    assert ("Zarn Islands Forum", "ORG") in found
    assert ("Quell Forum", "ORG") in found
    assert ("Quell", "GPE") in found  # the full stop ends it: no "Quell. Later"


def test_a_name_the_model_missed_after_a_business_noun_is_an_organisation(
    reader: TextReader,
) -> None:
    text = "It is buying Italian truckmaker Zarnveco, and distributor Quelho said so."
    assert reader.entities(text, [], Gazetteer()) == {"Zarnveco": "ORG", "Quelho": "ORG"}


def test_a_place_right_after_a_sport_or_service_noun_names_a_national_body(
    reader: TextReader,
) -> None:
    text = "Tennis Zarnland chief Ana Quell said Zarnland was ready. Fans in Zarnland cheered."
    tagged = [("Zarnland", "GPE")] * 3
    found = [(m.text, m.label) for m in reader.mentions(text, tagged, Gazetteer())]
    assert ("Tennis Zarnland", "ORG") in found
    assert found.count(("Zarnland", "GPE")) == 2  # "said Zarnland", "in Zarnland": the place


def test_a_sport_or_service_noun_and_a_known_place_is_an_organisation() -> None:
    from tests.support.entities import one

    assert one("Elections Alberta", "PERSON") == {("Elections Alberta", "ORG")}


def test_parties_the_model_missed_end_in_a_party_word(reader: TextReader) -> None:
    text = "Police arrested dozens of his Zarnic Renewal Platform supporters on Sunday."
    assert reader.entities(text, [], Gazetteer()) == {"Zarnic Renewal Platform": "ORG"}
    text = "Quell, leader of the Weavers' Party, denied the charges."
    found = reader.entities(text, [("Quell", "PERSON")], Gazetteer())
    assert found["Weavers' Party"] == "ORG"


def test_a_court_named_by_its_level_after_a_country_or_city(reader: TextReader) -> None:
    text = "Zarnland's High Court on Monday dismissed the appeal."
    found = reader.entities(text, [("Zarnland", "GPE")], Gazetteer())
    assert found == {"Zarnland": "LOCATION", "High Court": "ORG"}
    text = "An order from the Quellabad High Court allows visits."
    assert reader.entities(text, [], Gazetteer()) == {"Quellabad High Court": "ORG"}


def test_a_name_before_consortium_is_an_organisation() -> None:
    assert one("Zarnlink", "PERSON", prev="with the", after="consortium led by") == {
        ("Zarnlink", "ORG")
    }


def test_main_parties_of_large_democracies_are_in_the_gazetteer(gazetteer: Gazetteer) -> None:
    for alias, name in (("AKP", "Justice and Development Party"), ("NDP", "New Democratic Party")):
        entry = gazetteer.lookup(alias)
        assert entry is not None and (entry.name, entry.type) == (name, "ORG"), alias
    assert gazetteer.lookup("Komeito").type == "ORG"  # type: ignore[union-attr]


def test_rugby_league_clubs_are_not_cut_to_their_city(reader: TextReader) -> None:
    found = reader.entities("The Penrith Panthers beat the Sydney Roosters on Friday.")
    assert found == {"Penrith Panthers": "ORG", "Sydney Roosters": "ORG"}


def test_launch_companies_are_organisations(gazetteer: Gazetteer) -> None:
    for name in ("Arianespace", "ULA", "Firefly Aerospace", "Skyroot Aerospace"):
        entry = gazetteer.lookup(name)
        assert entry is not None and entry.type == "ORG", name


def test_a_prefix_joined_to_a_name_by_a_hyphen_is_no_part_of_it(reader: TextReader) -> None:
    text = "Velmoria became a major non-Korvex Alliance ally, to the anger of anti-Drassel groups."
    tagged = [("non-Korvex Alliance", "ORG"), ("anti-Drassel", "ORG")]
    found = reader.entities(text, tagged, Gazetteer())
    assert found == {"Korvex Alliance": "ORG", "Drassel": "ORG"}


def test_an_apposition_after_a_possessive_types_the_name(reader: TextReader) -> None:
    text = "Korvana, Drassel's gaming arm, grew; Ilka Morran, Velmoria's finance minister, spoke."
    tagged = [("Korvana", "GPE"), ("Drassel", "ORG"), ("Ilka Morran", "ORG"), ("Velmoria", "GPE")]
    found = reader.entities(text, tagged, Gazetteer())
    assert found["Korvana"] == "ORG"
    assert found["Ilka Morran"] == "PERSON"


def test_a_name_whose_shares_or_revenue_are_reported_is_an_organisation(
    reader: TextReader,
) -> None:
    text = "Drassel's shares rose after Korvana's revenue beat forecasts."
    tagged = [("Drassel", "GPE"), ("Korvana", "PERSON")]
    found = reader.entities(text, tagged, Gazetteer())
    assert found == {"Drassel": "ORG", "Korvana": "ORG"}


def test_a_name_a_thing_is_built_or_operated_by_is_an_organisation(reader: TextReader) -> None:
    text = "The probe, built by Korvex Lab, flew; the house was built by James Morran."
    tagged = [("Korvex Lab", "PERSON"), ("James Morran", "PERSON")]
    found = reader.entities(text, tagged, Gazetteer())
    assert found == {"Korvex Lab": "ORG", "James Morran": "PERSON"}


def test_a_name_which_operates_something_is_an_organisation(reader: TextReader) -> None:
    text = "Red Velmar, which operates the national grid, blamed a surge."
    found = reader.entities(text, [("Red Velmar", "PERSON")], Gazetteer())
    assert found == {"Red Velmar": "ORG"}
