"""Places: which names are places, lists of places, facilities, and demonyms that are not places."""

from __future__ import annotations

from newsflow.pipeline.entities import EntityEnricher, Gazetteer, GazetteerEntry, link
from tests.support.entities import mention, names, one
from tests.support.factories import enrichment_input
from tests.unit.entities.conftest import TextReader


def test_known_places_listed_after_a_place_are_found(enricher: EntityEnricher) -> None:
    body = (
        "Officials said centres would open in Nairobi, Kisumu and Eldoret next week, "
        "and later in Mombasa or Nakuru."
    )
    [doc] = enricher.enrich([enrichment_input(body, title="Registration drive")])
    assert {"Nairobi", "Kisumu", "Eldoret", "Mombasa", "Nakuru"} <= set(doc["locations"])


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


def test_a_city_does_not_join_the_stadium_named_after_it() -> None:
    stadium = mention("Perth Stadium", "FAC", 0, prev="at")
    city = mention("Perth", "GPE", 40, prev="two days in")
    assert names(link([stadium, city], Gazetteer())) == {
        ("Perth Stadium", "LOCATION"),
        ("Perth", "LOCATION"),
    }


def test_a_one_word_person_nobody_named_after_to_or_at_is_a_place() -> None:
    found = link([mention("Quelltown", "PERSON", 0, prev="military aircraft to")], Gazetteer())
    assert names(found) == {("Quelltown", "LOCATION")}
    # "lost to X", "according to X": no place, and a lone one-word person is dropped
    assert link([mention("Quellner", "PERSON", 0, prev="she lost to")], Gazetteer()) == []
    assert link([mention("Quellner", "PERSON", 0, prev="according to")], Gazetteer()) == []


def test_mountains_and_agents_where_the_model_saw_nothing(reader: TextReader) -> None:
    text = "Mount Lewotobi Laki-laki erupted. A plant owned by Maria Quell and one run by Zarnco."
    assert reader.entities(text, [], Gazetteer()) == {
        "Mount Lewotobi Laki-laki": "LOCATION",
        "Zarnco": "ORG",  # a person's full name after "owned by" is no organisation
    }


def test_a_known_place_before_based_is_a_place(reader: TextReader) -> None:
    text = "Shares in the Montreux-based maker rose, and the Quellvale-based firm fell."
    assert reader.entities(text, [], Gazetteer()) == {"Montreux": "LOCATION"}


def test_a_known_place_listed_after_a_place_but_read_as_a_date_is_a_place(
    reader: TextReader,
) -> None:
    text = "Water rose at Quellstad and Baden-Baden overnight."
    spans = [("Quellstad", "GPE"), ("Baden-Baden", "DATE")]
    assert reader.entities(text, spans, Gazetteer()) == {
        "Quellstad": "LOCATION",
        "Baden-Baden": "LOCATION",
    }


def test_places_of_worship_castles_and_prisons_are_places() -> None:
    for name in ("Quell Mosque", "Zarn Temple", "Quell Castle", "Zarn Prison"):
        assert names(link([mention(name, "ORG", 0)], Gazetteer())) == {(name, "LOCATION")}


def test_museums_and_landmarks_in_the_gazetteer_are_places(gazetteer: Gazetteer) -> None:
    for name in ("Louvre", "Eiffel Tower", "Al-Aqsa Mosque", "Mallorca", "Sicily"):
        entry = gazetteer.lookup(name)
        assert entry is not None and entry.type == "LOCATION", name
    assert gazetteer.lookup("Copa Libertadores").type == "EVENT"  # type: ignore[union-attr]
    assert gazetteer.is_ignored("IPO") and gazetteer.is_ignored("LNG")


def test_a_known_place_does_not_join_a_venue_named_after_it() -> None:
    venue = mention("Expo Guadalajara", "FAC", 0, prev="halls at the")
    city = mention("Guadalajara", "GPE", 60, prev="opened in")
    assert names(link([venue, city], Gazetteer())) == {
        ("Expo Guadalajara", "LOCATION"),
        ("Guadalajara", "LOCATION"),
    }


def test_residents_of_a_place() -> None:
    assert one("Flin Flon", "ORG", prev="residents of") == {("Flin Flon", "LOCATION")}


def test_names_listed_after_a_place_are_places() -> None:
    sagaing = mention("Sagaing", "GPE", 20, prev="hospitals in")
    other = mention("Zorvath", "ORG", 32, prev="Sagaing and")
    assert names(link([sagaing, other], Gazetteer())) == {
        ("Sagaing", "LOCATION"),
        ("Zorvath", "LOCATION"),
    }
    # not without a preposition of place, unless the name is a known place
    stellantis = mention("Stellantis", "ORG", 20, prev="jobs at")
    gm = mention("Zorvath", "ORG", 35, prev="Stellantis and")
    assert names(link([stellantis, gm], Gazetteer())) == {
        ("Stellantis", "ORG"),
        ("Zorvath", "ORG"),
    }


def test_shared_head_word_joins_two_places() -> None:
    avon = mention("Avon", "PERSON", 0)
    police = mention("Somerset Police", "ORG", 9, prev="Avon and")
    assert names(link([avon, police], Gazetteer())) == {("Avon and Somerset Police", "ORG")}


def test_place_suffix_trimmed_and_particles_kept() -> None:
    assert one("Gyeonggi province", "GPE") == {("Gyeonggi", "LOCATION")}
    assert one("Ahmed al-Sharaa", "PERSON") == {("Ahmed al-Sharaa", "PERSON")}
    assert one("the MoDem party", "ORG") == {("MoDem", "ORG")}


def test_comma_list_of_known_places_is_split() -> None:
    found = link([mention("Mombasa, Kisumu", "ORG", prev="spread to")], Gazetteer())
    assert names(found) == {("Mombasa", "LOCATION"), ("Kisumu", "LOCATION")}
    assert one("Smith, Barney", "ORG") == {("Smith, Barney", "ORG")}


def test_gazetteer_place_after_a_preposition_leads_a_list() -> None:
    gaz = Gazetteer([GazetteerEntry("Scotland", "LOCATION")])
    scotland = mention("Scotland", "GPE", 0, prev="networks in")
    other = mention("Mersevale", "ORG", 13, prev="Scotland and")
    assert names(link([scotland, other], gaz)) == {
        ("Scotland", "LOCATION"),
        ("Mersevale", "LOCATION"),
    }


def test_comma_after_a_place_is_not_always_a_list() -> None:
    beijing = mention("Beijing", "GPE", 0, prev="percent. In", after=", the Ministry of")
    ministry = mention("Ministry of Zorvath", "ORG", 9, prev="In Beijing,", after="has not said")
    assert ("Ministry of Zorvath", "ORG") in names(link([beijing, ministry], Gazetteer()))
    surabaya = mention("Surabaya", "GPE", 0, prev="reported in", after=", Zorvath and")
    listed = mention("Zorvath", "ORG", 10, prev="in Surabaya,", after="and Yogyakarta.")
    assert ("Zorvath", "LOCATION") in names(link([surabaya, listed], Gazetteer()))


def test_plural_place_nouns_type_lists_of_places() -> None:
    assert one("Quillon", "NORP", prev="the neighbouring towns of") == {("Quillon", "LOCATION")}
    assert one("Pendjar", "NORP", after="province as the rivers") == {("Pendjar", "LOCATION")}
    rivers = [
        mention("Ravko", "PERSON", 0, prev="as the", after=", Sutmar and Chenor rivers burst"),
        mention("Sutmar", "NORP", 7, prev="the Ravko,", after="and Chenor rivers burst"),
        mention("Chenor", "ORG", 18, prev=", Sutmar and", after="rivers burst their banks"),
    ]
    assert names(link(rivers, Gazetteer())) == {
        ("Ravko", "LOCATION"),
        ("Sutmar", "LOCATION"),
        ("Chenor", "LOCATION"),
    }
    provinces = [
        mention("Gialo", "GPE", 0, prev="provinces including", after="and Dak Lor."),
        mention("Dak Lor", "PERSON", 10, prev="including Gialo and", after="."),
    ]
    assert names(link(provinces, Gazetteer())) == {("Gialo", "LOCATION"), ("Dak Lor", "LOCATION")}
    # a person's name listed after a place that no evidence typed stays a person
    people = [mention("Gialo", "GPE", 0), mention("Ana Lopez", "PERSON", 10, prev="Gialo and")]
    assert ("Ana Lopez", "PERSON") in names(link(people, Gazetteer()))


def test_a_place_does_not_join_its_city_or_province() -> None:
    found = link([mention("Cebu", "GPE", 0), mention("Cebu City", "GPE", 20)], Gazetteer())
    assert names(found) == {("Cebu", "LOCATION"), ("Cebu City", "LOCATION")}
    river = [mention("Amazon", "LOC", 0), mention("Amazon River", "LOC", 20)]
    assert names(link(river, Gazetteer())) == {("Amazon River", "LOCATION")}


def test_an_ambiguous_gazetteer_name_yields_to_place_evidence() -> None:
    gaz = Gazetteer([GazetteerEntry("Amazon", "ORG", match_text=False)])
    found = link([mention("Amazon", "ORG", 0, prev="near the mouth of the")], gaz)
    assert names(found) == {("Amazon", "LOCATION")}
    assert names(link([mention("Amazon", "ORG", 0, prev="shares of")], gaz)) == {("Amazon", "ORG")}
    inside = mention("Amazon", "ORG", 0, prev="a dam in the", after=", raising fears")
    assert names(link([inside], gaz)) == {("Amazon", "LOCATION")}
    deal = mention("Amazon", "ORG", 0, prev="a role in the", after="deal, raising fears")
    assert names(link([deal], gaz)) == {("Amazon", "ORG")}


def test_places_after_including_follow_the_place_before() -> None:
    listed = [
        mention("Valmora", "GPE", 0, prev="the city of", after=", including Paixa and Chivrel,"),
        mention("Paixa", "PERSON", 19, prev="Valmora, including", after="and Chivrel, were"),
        mention("Chivrel", "ORG", 29, prev="including Paixa and", after=", were among the worst"),
    ]
    assert names(link(listed, Gazetteer())) == {
        ("Valmora", "LOCATION"),
        ("Paixa", "LOCATION"),
        ("Chivrel", "LOCATION"),
    }


def test_places_and_companies_by_the_words_before_them() -> None:
    # "jobs in" a known place is a place
    assert one("Wolfsburg", "ORG", prev="cut jobs in") == {("Wolfsburg", "LOCATION")}
    assert one("Hensoldt", "ORG", prev="a stake in") == {("Hensoldt", "ORG")}


def test_named_sites_the_model_missed(enricher: EntityEnricher) -> None:
    body = "The rocket flew from the company's Starbase site in south Texas on Tuesday."
    [result] = enricher.enrich([enrichment_input(body)])
    assert "Starbase" in result["locations"]


def test_an_acronym_of_a_multi_word_place_is_the_place() -> None:
    place = mention("Vardic Nova Terra", "GPE", 0)
    short = mention("VNT", "ORG", 40, prev="his")
    assert names(link([place, short], Gazetteer())) == {("Vardic Nova Terra", "LOCATION")}


def test_a_place_does_not_join_a_modified_place() -> None:
    river = mention("Blue Zarn", "LOC", 0, prev="on the")
    other = mention("Zarn", "LOC", 40, prev="on the")
    assert names(link([river, other], Gazetteer())) == {
        ("Blue Zarn", "LOCATION"),
        ("Zarn", "LOCATION"),
    }
    north = mention("North Quellmark", "GPE", 0, prev="in")
    assert names(link([north, mention("Quellmark", "GPE", 40, prev="in")], Gazetteer())) == {
        ("North Quellmark", "LOCATION"),
        ("Quellmark", "LOCATION"),
    }


def test_connectors_inside_place_names_keep_them_whole() -> None:
    assert one("Vaka es Tumbo", "GPE", prev="in") == {("Vaka es Tumbo", "LOCATION")}
    assert one("Brenz am Tal", "GPE", prev="in") == {("Brenz am Tal", "LOCATION")}


def test_a_facility_on_a_street_is_two_places() -> None:
    assert one("the Unity Monument on Rizal Avenue", "ORG", prev="gathered at") == {
        ("Unity Monument", "LOCATION"),
        ("Rizal Avenue", "LOCATION"),
    }
    assert one("Council on Foreign Relations", "ORG") == {("Council on Foreign Relations", "ORG")}


def test_a_known_place_after_a_place_possessive_is_a_place() -> None:
    assert one("Andhra Pradesh", "ORG", prev="AI hub in India's") == {
        ("Andhra Pradesh", "LOCATION")
    }
    assert one("Andhra Pradesh", "ORG", prev="backed by") == {("Andhra Pradesh", "ORG")}


def test_generic_words_that_open_or_end_a_place_name() -> None:
    assert one("Cerro Quintral", "ORG", prev="on Chile's") == {("Cerro Quintral", "LOCATION")}
    assert one("Paseo de los Alamos", "ORG") == {("Paseo de los Alamos", "LOCATION")}
    assert one("Gunung Lembar", "PERSON") == {("Gunung Lembar", "LOCATION")}
    assert one("Harlow Circuit", "ORG", prev="finished second at the") == {
        ("Harlow Circuit", "LOCATION")
    }
    # an organisation's head before "of" wins over a place word at the end
    assert one("Court of Appeals for the Federal Circuit", "ORG") == {
        ("Court of Appeals for the Federal Circuit", "ORG")
    }
    # a one-word name is not a generic word: "Mount" alone says nothing
    assert one("Lago", "ORG") == {("Lago", "ORG")}


def test_a_kind_of_building_or_site_after_a_name_makes_it_a_place() -> None:
    assert one("Zarnobudur", "NORP", prev="terraces of the", after="temple in the hills") == {
        ("Zarnobudur", "LOCATION")
    }
    assert one("Quellagos", "ORG", prev="Sao Paulo's", after="circuit next weekend") == {
        ("Quellagos", "LOCATION")
    }


def test_more_head_words_for_companies_events_and_facilities() -> None:
    assert one("Zarn Cinemas", "PERSON") == {("Zarn Cinemas", "ORG")}
    assert one("Quell Air Mobility", "PERSON") == {("Quell Air Mobility", "ORG")}
    assert one("Grand Slam", "GPE") == {("Grand Slam", "EVENT")}
    assert one("Zarn Games", "ORG") == {("Zarn Games", "EVENT")}
    assert one("Quell Investment Initiative", "ORG") == {("Quell Investment Initiative", "EVENT")}
    assert one("Zarnford Fashion Week", "ORG") == {("Zarnford Fashion Week", "EVENT")}
    assert one("Quell Circular Collider", "ORG") == {("Quell Circular Collider", "LOCATION")}


def test_a_facility_in_a_city_read_as_one_name_is_two_places() -> None:
    assert one("Zarn Stadium in Quellton", "ORG") == {
        ("Zarn Stadium", "LOCATION"),
        ("Quellton", "LOCATION"),
    }
    assert one("Zarn Council in Quellton", "ORG") == {("Zarn Council in Quellton", "ORG")}


def test_coordinated_places_split() -> None:
    entities = link([mention("Rome, Florence and Palermo", "ORG")], Gazetteer())
    assert names(entities) == {
        ("Rome", "LOCATION"),
        ("Florence", "LOCATION"),
        ("Palermo", "LOCATION"),
    }


def test_known_place_typed_person_is_a_place_unless_part_of_a_name() -> None:
    assert names(link([mention("Edinburgh", "PERSON")], Gazetteer())) == {("Edinburgh", "LOCATION")}
    linked = link(
        [mention("Bob Ferguson", "PERSON", 0), mention("Ferguson", "PERSON", 30)], Gazetteer()
    )
    assert names(linked) == {("Bob Ferguson", "PERSON")}


def test_demonym_is_never_a_place() -> None:
    entities = link([mention("Ukrainian", "GPE"), mention("Europeans", "LOC")], Gazetteer())
    assert names(entities) == {("Ukrainian", "NORP"), ("Europeans", "NORP")}


def test_a_place_cut_short_takes_the_word_that_makes_it_a_known_place(
    reader: TextReader,
) -> None:
    text = "The final was played in Navi Mumbai on Sunday before fans in Paris Tuesday."
    found = reader.entities(text, [("Navi", "GPE"), ("Paris", "GPE")], Gazetteer())
    assert found == {"Navi Mumbai": "LOCATION", "Paris": "LOCATION"}


def test_a_place_cut_before_a_particle_takes_the_particle_and_the_word_after_it(
    reader: TextReader,
) -> None:
    text = "Storms hit Vila Nerada do Trevo, and the wounded went to Cachoeira do Sul on Friday."
    tagged = [("Vila Nerada", "GPE"), ("Cachoeira", "PERSON")]
    found = reader.entities(text, tagged, Gazetteer())
    assert found == {"Vila Nerada do Trevo": "LOCATION", "Cachoeira do Sul": "LOCATION"}


def test_a_facility_noun_after_a_name_that_is_no_place_joins_the_name(reader: TextReader) -> None:
    text = (
        "Crude reached the Porto Vesk refinery, inmates left Cachoeira prison, and "
        "an Austrian glacier melted."
    )
    tagged = [("Porto Vesk", "PERSON"), ("Cachoeira", "GPE"), ("Austrian", "NORP")]
    found = reader.entities(text, tagged)
    assert found == {
        "Porto Vesk refinery": "LOCATION",
        "Cachoeira": "LOCATION",
        "Austrian": "NORP",
    }


def test_a_capitalised_name_after_the_ending_in_a_facility_word(reader: TextReader) -> None:
    text = "They opened the Great Varnic Renaissance Dam and the new Science Ministry building."
    assert reader.entities(text, [], Gazetteer()) == {"Great Varnic Renaissance Dam": "LOCATION"}


def test_places_the_model_missed_after_a_place_cue_or_a_preposition(reader: TextReader) -> None:
    text = (
        "Data centres in the southern state of Quellmark must recycle water, officials in "
        "Johor said, while firms in Reading Glass and in March were spared."
    )
    # any name after "state of"; after "in" only a known place name, never a month
    found = reader.entities(text, [], Gazetteer())
    assert found == {"Quellmark": "LOCATION", "Johor": "LOCATION"}
    # a name another span already holds is left alone
    found = [(m.text, m.label) for m in reader.mentions(text, [("Johor", "ORG")], Gazetteer())]
    assert found == [("Quellmark", "GPE"), ("Johor", "ORG")]


def test_a_place_span_stopped_inside_a_hyphenated_name_is_completed(reader: TextReader) -> None:
    text = "near Mazar-i-Sharif and the Kyiv-based firm in the Israel-Hamas war"
    tagged = [("Mazar", "GPE"), ("Kyiv", "GPE"), ("Israel", "GPE")]
    assert reader.entities(text, tagged, Gazetteer()) == {
        "Mazar-i-Sharif": "LOCATION",
        "Kyiv": "LOCATION",  # "-based" is no part of a name
        "Israel": "LOCATION",  # "Israel-Hamas": two names, not one
    }


def test_a_facility_the_model_missed_after_the_is_a_place(reader: TextReader) -> None:
    text = "Work on the Zarnly Large Telescope and the Quell Bon River went on."
    assert reader.entities(text, [], Gazetteer()) == {
        "Zarnly Large Telescope": "LOCATION",
        "Quell Bon River": "LOCATION",
    }


def test_a_place_followed_by_a_facility_name_is_the_facility(reader: TextReader) -> None:
    text = "airports such as Zarn Jose Quellita International Airport. Then"
    assert reader.entities(text, [("Zarn Jose", "GPE")], Gazetteer()) == {
        "Zarn Jose Quellita International Airport": "LOCATION"
    }
    # a court's district is no facility
    found = reader.entities("a U.S. District Judge ruled", [("U.S.", "GPE")], Gazetteer())
    assert found == {"U.S.": "LOCATION"}


def test_a_racing_circuit_the_model_missed_is_a_place(reader: TextReader) -> None:
    text = "The series moves on to Quellport's Zarnagos circuit next weekend."
    found = reader.entities(text, [("Quellport", "GPE")], Gazetteer())
    assert found == {"Quellport": "LOCATION", "Zarnagos": "LOCATION"}
    # an acronym before "circuit" is a tour, not a place
    assert reader.entities("She is back on the ATP circuit.", [], Gazetteer()) == {}


def test_a_pipeline_is_a_place() -> None:
    assert one("Zarn Crude Oil Pipeline", "ORG") == {("Zarn Crude Oil Pipeline", "LOCATION")}


def test_a_name_before_hydroelectric_is_a_place() -> None:
    assert one(
        "Zarn Quell Dorado", "ORG", prev="stoppages at the", after="hydroelectric plant"
    ) == {("Zarn Quell Dorado", "LOCATION")}


def test_known_places_in_a_list_the_model_missed(reader: TextReader) -> None:
    text = "Police blocked his rallies in Quellmoor and Kisumu on Sunday."
    assert reader.entities(text, [], Gazetteer()) == {"Kisumu": "LOCATION"}
    text = "Floods hit Nakuru and Eldoret overnight."
    found = reader.entities(text, [("Nakuru", "GPE")], Gazetteer())
    assert found == {"Nakuru": "LOCATION", "Eldoret": "LOCATION"}
    # an unknown name in the list is left to the model
    assert reader.entities(
        "Floods hit Nakuru and Quellmoor.", [("Nakuru", "GPE")], Gazetteer()
    ) == {"Nakuru": "LOCATION"}


def test_a_known_place_after_at_or_between_the_model_missed(reader: TextReader) -> None:
    text = "The talks were held at Eldoret, between Nakuru and Kisumu."
    found = reader.entities(text, [("Nakuru", "GPE")], Gazetteer())
    assert found == {"Eldoret": "LOCATION", "Nakuru": "LOCATION", "Kisumu": "LOCATION"}


def test_famous_streets_and_squares_are_places_also_as_a_market(reader: TextReader) -> None:
    text = "Quellco beat Dalal Street estimates, and crowds filled Times Square."
    found = reader.entities(text, [("Quellco", "ORG"), ("Dalal Street", "ORG")])
    assert found["Dalal Street"] == "LOCATION" and found["Times Square"] == "LOCATION"


def test_launch_sites_and_telescope_sites_are_places(gazetteer: Gazetteer) -> None:
    for name in ("Baikonur Cosmodrome", "Kennedy Space Centre", "Arecibo Observatory", "ALMA"):
        entry = gazetteer.lookup(name)
        assert entry is not None and entry.type == "LOCATION", name


def test_a_name_before_mayor_is_a_place() -> None:
    assert one("Zarnellín", "ORG", prev="former", after="mayor Quell Fajo") == {
        ("Zarnellín", "LOCATION")
    }


def test_a_name_after_nearby_or_neighbouring_is_a_place() -> None:
    assert one("Zarnigua", "PERSON", prev="Tourists in nearby", after="reported ash") == {
        ("Zarnigua", "LOCATION")
    }
    assert one("Quellab", "PERSON", prev="burned in neighbouring", after="and") == {
        ("Quellab", "LOCATION")
    }


def test_a_known_place_after_a_preposition_the_model_read_as_a_date_is_a_place(
    reader: TextReader,
) -> None:
    text = "Rallies in Eldoret and Kisumu were blocked in March, a court in Nakuru said."
    tagged = [("Eldoret", "DATE"), ("March", "DATE"), ("Nakuru", "LANGUAGE")]
    found = reader.entities(text, tagged, Gazetteer())
    assert found == {"Eldoret": "LOCATION", "Kisumu": "LOCATION", "Nakuru": "LOCATION"}


def test_a_span_listing_places_at_commas_is_split_into_the_places(reader: TextReader) -> None:
    text = "Inspectors left the sites at Korvath, Eldoret and Nakuru; Drassel, Korvana Ltd stayed."
    tagged = [("Korvath, Eldoret", "ORG"), ("Nakuru", "ORG"), ("Drassel, Korvana Ltd", "ORG")]
    found = reader.entities(text, tagged, Gazetteer())
    assert found["Korvath"] == found["Eldoret"] == found["Nakuru"] == "LOCATION"
    assert "Drassel" not in found


def test_a_known_place_before_its_mayor_or_residents_is_a_place(reader: TextReader) -> None:
    text = "The former Eldoret mayor met Korvana residents."
    tagged = [("Eldoret", "ORG"), ("Korvana", "ORG")]
    found = reader.entities(text, tagged, Gazetteer())
    # a known place by the people-after rule; an unknown name by "residents", a place noun after it
    assert found == {"Eldoret": "LOCATION", "Korvana": "LOCATION"}
