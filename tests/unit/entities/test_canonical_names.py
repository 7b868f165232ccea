"""Canonical names: one name per entity, joined, split, trimmed and linked to the gazetteer."""

from __future__ import annotations

from dataclasses import replace

from newsflow.pipeline.entities import EntityEnricher, Gazetteer, GazetteerEntry, link
from tests.support.entities import mention, names, one
from tests.support.factories import enrichment_input
from tests.unit.entities.conftest import TextReader


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
    assert one("Department of Quellage's", "ORG") == {("Department of Quellage", "ORG")}
    assert one("Moody's", "ORG") == {("Moody's", "ORG")}


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


def test_owner_named_elsewhere_is_left_to_its_other_mentions() -> None:
    person = mention("Mohammed Zarn al-Quellani", "PERSON", 0)
    alone = mention("Quellani", "PERSON", 60, prev="said", after="told supporters")
    bloc = mention("Quellani's Reconstruction and Zarn Coalition", "ORG", 120, prev="said")
    found = names(link([person, alone, bloc], Gazetteer()))
    assert ("Reconstruction and Zarn Coalition", "ORG") in found
    assert not any("'s" in name for name, _ in found)


def test_a_gazetteer_word_glued_to_a_hyphen_is_part_of_another_name(
    enricher: EntityEnricher,
) -> None:
    body = "Rivals Oversea-Chinese Banking Corp and United Overseas Bank report next week."
    [doc] = enricher.enrich([enrichment_input(body, title="Banks")])
    assert all(e["name"] != "Chinese" for e in doc["entities"])


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


def test_possessive_roles_and_cue_words_inside_the_span() -> None:
    # a person has a coach too: only club or company belongings after a possessive
    assert one("Djokovic", "ORG", after="'s coach Andy Murray watched") == {("Djokovic", "ORG")}
    assert one("Valdoria", "PERSON", after="'s coach Andy Murray") == set()  # lone word: dropped
    assert one("Valdoria", "GPE", after="'s squad flew home") == {("Valdoria", "ORG")}
    assert one("Regulator Ofgem", "PERSON") == {("Ofgem", "ORG")}
    assert one("Bab el-Mandeb", "ORG", after="strait on Monday") == {("Bab el-Mandeb", "LOCATION")}


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


def test_more_name_shapes() -> None:
    assert one("Tropical Forest Forever Fund", "EVENT") == {("Tropical Forest Forever Fund", "ORG")}
    assert one("COP30", "ORG") == {("COP30", "EVENT")}
    # a one-word name before a lower-case verb in a headline the model read as one name
    gaz = Gazetteer([GazetteerEntry("Lula", "PERSON")])
    assert names(link([mention("Lula hosts COP30", "ORG")], gaz)) == {
        ("Lula", "PERSON"),
        ("COP30", "EVENT"),
    }


def test_a_name_that_opens_a_persons_full_name_joins_it() -> None:
    mentions = [
        mention("Prabowo", "GPE", 0, after="reshuffles cabinet"),
        mention("Prabowo Subianto", "PERSON", 40, prev="President"),
    ]
    assert names(link(mentions, Gazetteer())) == {("Prabowo Subianto", "PERSON")}
    # a known place name is not a person's first name
    mentions = [mention("Paris", "GPE", 0, prev="in"), mention("Paris Hilton", "PERSON", 20)]
    assert ("Paris", "LOCATION") in names(link(mentions, Gazetteer()))


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


def test_organisations_joined_by_for_stay_apart() -> None:
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


def test_gazetteer_fixes_type_and_name() -> None:
    gaz = Gazetteer([GazetteerEntry("Kyiv", "LOCATION", ("Kiev",), "Q1899")])
    [kyiv] = link(
        [mention("Kiev", "PERSON", 0), mention("Kiev", "GPE", 50), mention("Kyiv", "PERSON", 90)],
        gaz,
    )
    assert (kyiv.name, kyiv.type, kyiv.mentions, kyiv.wikidata) == ("Kyiv", "LOCATION", 3, "Q1899")
    assert kyiv.surface_forms == ["Kiev", "Kyiv"]


def test_short_name_links_to_longest_full_name() -> None:
    mentions = [
        mention("Peskov", "PERSON", 0),
        mention("Dmitry Peskov", "PERSON", 20),
        mention("Peskov", "ORG", 60),
    ]
    [peskov] = link(mentions, Gazetteer())
    assert (peskov.name, peskov.type, peskov.mentions) == ("Dmitry Peskov", "PERSON", 3)


def test_compound_split_when_members_are_known() -> None:
    mentions = [
        mention("Putin-Trump", "PERSON", 0),
        mention("Vladimir Putin", "PERSON", 30),
        mention("Donald Trump", "PERSON", 50),
    ]
    entities = link(mentions, Gazetteer())
    assert names(entities) == {("Vladimir Putin", "PERSON"), ("Donald Trump", "PERSON")}


def test_compound_kept_when_members_unknown() -> None:
    assert names(link([mention("Coca-Cola", "ORG")], Gazetteer())) == {("Coca-Cola", "ORG")}


def test_compound_kept_when_whole_is_a_known_place() -> None:
    # "Baden" is known on its own too, but the hyphenated whole is a town's name
    mentions = [mention("Baden-Baden", "GPE", 0), mention("Baden", "GPE", 40)]
    assert ("Baden-Baden", "LOCATION") in names(link(mentions, Gazetteer()))


def test_headline_run_on_span_is_split() -> None:
    entities = link([mention("Real Madrid sign Maria Lopez", "ORG")], Gazetteer())
    assert names(entities) == {("Real Madrid", "ORG"), ("Maria Lopez", "PERSON")}


def test_titles_and_possessives_trimmed() -> None:
    assert one("President Donald Trump", "PERSON") == {("Donald Trump", "PERSON")}
    assert one("Fullback Reece Walsh", "PERSON") == {("Reece Walsh", "PERSON")}  # sport roles
    assert one("Driver Max Verstappen", "PERSON") == {("Max Verstappen", "PERSON")}
    assert one("the MoDem party", "ORG") == {("MoDem", "ORG")}
    barnier = [
        mention("Michel Barnier's", "ORG", 0),
        mention("Barnier", "PERSON", 40),
        mention("Barnier", "PERSON", 80),
    ]
    assert names(link(barnier, Gazetteer())) == {("Michel Barnier", "PERSON")}
    assert one("Moody's", "ORG") == {("Moody's", "ORG")}
    assert one("\u201cthe Kremlin\u201d", "ORG") == {("Kremlin", "ORG")}


def test_span_across_title_and_body_is_split() -> None:
    gaz = Gazetteer([GazetteerEntry("Kremlin", "LOCATION")])
    entities = link([mention("Ukraine\n\nKremlin", "GPE")], gaz)
    assert names(entities) == {("Ukraine", "LOCATION"), ("Kremlin", "LOCATION")}
    # the word that opens the body is capitalised whatever it is: kept only when known
    entities = link(
        [mention("Cebu\n\nRescuers", "ORG", 30), mention("Cebu", "GPE", 90)], Gazetteer()
    )
    assert names(entities) == {("Cebu", "LOCATION")}


def test_merge_prefers_longer_then_gazetteer(reader: TextReader) -> None:
    gaz = Gazetteer(
        [GazetteerEntry("Kyiv", "LOCATION", ("Kiev",)), GazetteerEntry("New York", "LOCATION")]
    )
    text = "Kiev said New York Times"
    tagged = [("Kiev", "PERSON"), ("New York Times", "ORG")]
    found = [(m.text, m.label) for m in reader.mentions(text, tagged, gaz)]
    assert found == [("Kiev", "GAZETTEER"), ("New York Times", "ORG")]
    assert reader.entities(text, tagged, gaz) == {"Kyiv": "LOCATION", "New York Times": "ORG"}


SEED = (
    "The Kremlin has accused Kiev of showing no interest in peace talks. Kremlin spokesperson "
    'Dmitry Peskov said there is no Putin-Trump meeting planned. "Not yet," Peskov said when asked '
    "whether the United States had reacted. Kiev has provided no reaction, Peskov added. Ukrainian "
    "officials believe the US will help. Russian President Vladimir Putin and U.S. President Donald "
    "Trump met in Alaska. Kiev's expectations were high."
)


def test_seed_sentences_end_to_end(enricher: EntityEnricher) -> None:
    [doc] = enricher.enrich(
        [enrichment_input(SEED, title="Kremlin says Kiev avoiding peace talks")]
    )
    assert "Kyiv" in doc["locations"] and "Kiev" not in doc["persons"]
    assert "Kiev" in doc["entity_aliases"] and "Kyiv" in doc["entity_aliases"]
    assert "Dmitry Peskov" in doc["persons"] and "Peskov" not in doc["persons"]
    assert {"Vladimir Putin", "Donald Trump"} <= set(doc["persons"])
    assert not any("-" in p for p in doc["persons"])  # Putin-Trump split
    assert "United States" in doc["locations"]
    assert not {"US", "U.S.", "the United States"} & set(doc["locations"])
    assert "Ukrainian" not in doc["locations"] and "Russian" not in doc["locations"]
    by_name = {e["name"]: e for e in doc["entities"]}
    assert by_name["Ukrainian"]["type"] == "NORP"
    assert by_name["United States"]["surface_forms"] == ["United States", "US", "U.S."]
    assert by_name["Kyiv"]["wikidata"] == "Q1899"
    for facet in ("persons", "organizations", "locations"):
        assert len(doc[facet]) == len(set(doc[facet]))


def test_a_hyphenated_name_opened_by_an_article_is_not_a_compound() -> None:
    def linked(compound: str, first: str) -> set[tuple[str, str]]:
        places = [
            mention(compound, "GPE", 0),
            mention(first, "GPE", 30, prev="in"),
            mention("Zarnad", "GPE", 60, prev="in"),
        ]
        return names(link(places, Gazetteer()))

    # both parts are named alone, yet "Al-" is an article: one name
    assert ("Al-Zarnad", "LOCATION") in linked("Al-Zarnad", "Al")
    assert linked("Quell-Zarnad", "Quell") == {("Quell", "LOCATION"), ("Zarnad", "LOCATION")}


def test_gazetteer_aliases_found_in_text_with_case_rules(reader: TextReader) -> None:
    text = "Let us talk. The US and the EU met in Kiev with Real Madrid fans."
    found = {m.text for m in reader.mentions(text)}
    assert {"US", "EU", "Kiev"} <= found
    assert "us" not in found  # the pronoun
    assert reader.entities(text) == {
        "United States": "LOCATION",
        "European Union": "ORG",
        "Kyiv": "LOCATION",
        "Real Madrid": "ORG",  # and no Madrid: part of a longer name
    }
