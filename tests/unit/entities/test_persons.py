"""People: who is a person, and which words around a name make one (or unmake one)."""

from __future__ import annotations

from newsflow.pipeline.entities import EntityEnricher, Gazetteer, GazetteerEntry, link
from tests.support.entities import mention, names, one
from tests.support.factories import enrichment_input
from tests.unit.entities.conftest import TextReader


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


def test_name_after_a_person_title_the_model_missed(enricher: EntityEnricher) -> None:
    body = (
        "Airbus Chief Executive Guillaume Faury apologised to airlines.\n"
        "The post will be held by army chief Field Marshal Asim Munir, officials said."
    )
    [doc] = enricher.enrich([enrichment_input(body, title="Changes")])
    assert {"Guillaume Faury", "Asim Munir"} <= set(doc["persons"])
    assert "Field Marshal" not in doc["persons"] + doc["organizations"]


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


def test_guards_against_person_and_company_look_alikes() -> None:
    # "to" is a place preposition only after travel
    assert link([mention("Quellner", "PERSON", 0, prev="the ball to")], Gazetteer()) == []
    # a possessive before a company's own suffix stays in the name
    first = mention("Zarnald's", "ORG", 0)
    corp = mention("Zarnald's Corp", "ORG", 40, prev="said")
    assert ("Zarnald's Corp", "ORG") in names(link([first, corp], Gazetteer()))


def test_a_person_of_a_team_read_as_one_name_is_two() -> None:
    found = names(link([mention("Jonas Quellgaard of Zarnteam Vorn", "ORG", 0)], Gazetteer()))
    assert found == {("Jonas Quellgaard", "PERSON"), ("Zarnteam Vorn", "ORG")}
    # no given name first: an organisation's own name
    found = names(link([mention("Bank of Zarnland", "ORG", 0)], Gazetteer()))
    assert found == {("Bank of Zarnland", "ORG")}


def test_a_person_owning_a_country_is_a_player_or_coach_and_a_team() -> None:
    portugal = GazetteerEntry("Portugal", "LOCATION")
    found = link(
        [mention("Quell Zarnaldo's Portugal", "ORG", 0, prev="against")], Gazetteer([portugal])
    )
    assert names(found) == {("Quell Zarnaldo", "PERSON"), ("Portugal", "LOCATION")}
    # an owner that is no person's name: left as it was
    found = link([mention("Zarn Holdings's Portugal", "ORG", 0)], Gazetteer([portugal]))
    assert ("Zarn Holdings", "PERSON") not in names(found)


def test_title_before_a_name_makes_a_person() -> None:
    assert one("Nkosana Ibas", "ORG", prev="retired naval chief") == {("Nkosana Ibas", "PERSON")}
    assert one("Tarik Veldman", "GPE", prev="the finance minister,") == {
        ("Tarik Veldman", "PERSON")
    }
    # a capitalised "State" is a title, not the lower-case place cue "state"
    assert one("Marta Quell", "GPE", prev="Secretary of State") == {("Marta Quell", "PERSON")}
    assert one("Quellmark", "PERSON", prev="the state of") == {("Quellmark", "LOCATION")}


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


def test_organisation_words_anywhere_and_acronyms_in_people() -> None:
    # "Warner" is a common given name: the company marker wins
    assert one("Warner Bros. Discovery", "PERSON") == {("Warner Bros. Discovery", "ORG")}
    assert one("HBO Max", "PERSON") == {("HBO Max", "ORG")}
    assert one("Club World Cup", "ORG") == {("Club World Cup", "EVENT")}  # not in the facets


def test_royal_title_keeps_a_one_word_person() -> None:
    assert one("Empress Marie-Louise", "ORG") == {("Marie-Louise", "PERSON")}
    assert one("Marie-Louise", "PERSON") == set()  # no title, no full name: dropped


def test_sentence_initial_organisation_cue_and_title_outside_the_span() -> None:
    assert one("Newmont", "GPE", prev="on. Rival") == {("Newmont", "ORG")}
    assert one("Harry", "PERSON", prev="Camilla and Prince") == {("Harry", "PERSON")}
    assert one("Harry", "PERSON", prev="Camilla and") == set()


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


def test_nationality_titles_and_possessives_trimmed_from_people() -> None:
    assert one("Nigerian Ada Okwu", "PERSON") == {("Ada Okwu", "PERSON")}
    assert one("Solicitor General", "ORG") == set()
    assert one("Maria Le Quen's", "ORG") == {("Maria Le Quen", "PERSON")}
    assert one("Peronist", "ORG") == {("Peronist", "NORP")}


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


def test_a_surname_without_its_arabic_article_joins_the_person() -> None:
    full = mention("Karim al-Zoubaidi", "PERSON", 0)
    bare = mention("Zoubaidi", "ORG", 40, prev="sanctions on")
    assert names(link([full, bare], Gazetteer())) == {("Karim al-Zoubaidi", "PERSON")}


def test_a_given_name_the_model_cut_off_a_full_name_joins_it() -> None:
    first = mention("Benito", "GPE", 0, after="Antonio Velmar Ruiz, who")
    rest = mention("Antonio Velmar Ruiz", "PERSON", 7, prev="Benito", after=", who")
    assert names(link([first, rest], Gazetteer())) == {("Benito Antonio Velmar Ruiz", "PERSON")}
    town = mention("Zarnow", "GPE", 0, prev="in", after="Antonio Velmar Ruiz, who")
    assert ("Zarnow", "LOCATION") in names(link([town, rest], Gazetteer()))  # no given name


def test_initials_open_a_persons_name_an_acronym_makes_an_organisation() -> None:
    assert one("A.K.M. Rafiq Hossain", "PERSON") == {("A.K.M. Rafiq Hossain", "PERSON")}
    assert one("HBO Max", "PERSON") == {("HBO Max", "ORG")}


def test_a_sporting_role_in_apposition_names_a_person() -> None:
    assert one("Novak Quellovic", "ORG", after=", a 10-time champion, returns") == {
        ("Novak Quellovic", "PERSON")
    }
    assert one("Quell Zarnson", "GPE", prev="the Olympic champion") == {("Quell Zarnson", "PERSON")}


def test_rivals_such_as_may_be_people() -> None:
    assert one("Carlos Zarncaraz", "PERSON", prev="title rivals such as") == {
        ("Carlos Zarncaraz", "PERSON")
    }


def test_nickname_and_affiliation_trimmed_from_people() -> None:
    gaz = Gazetteer([GazetteerEntry("Ontario", "LOCATION")])
    found = link(
        [
            mention('Jorge "Tuto" Quiroga', "PERSON"),
            mention("Ontario Premier Doug Ford", "PERSON", 40),
        ],
        gaz,
    )
    assert names(found) == {
        ("Jorge Quiroga", "PERSON"),
        ("Ontario", "LOCATION"),
        ("Doug Ford", "PERSON"),
    }


def test_given_name_makes_a_person() -> None:
    assert names(link([mention("Lars Klingbeil", "GPE")], Gazetteer())) == {
        ("Lars Klingbeil", "PERSON")
    }
    assert names(link([mention("Christian Democratic Union", "ORG")], Gazetteer())) == {
        ("Christian Democratic Union", "ORG")
    }


def test_person_possessive_always_trimmed() -> None:
    assert names(link([mention("Jason Wilcox's", "PERSON")], Gazetteer())) == {
        ("Jason Wilcox", "PERSON")
    }


def test_double_barrelled_surname_is_one_person(enricher) -> None:
    from tests.support.factories import enrichment_input

    [doc] = enricher.enrich(
        [
            enrichment_input(
                "Climate Minister Paulina Hennig-Kloska said the government would look again."
            )
        ]
    )
    assert "Paulina Hennig-Kloska" in doc["persons"]
    assert "Kloska" not in doc["locations"]


def test_surname_partner_is_a_lone_capitalised_word_after_a_hyphen(reader: TextReader) -> None:
    text = "Paulina Hennig-Kloska and Vladimir Putin-Donald Trump and Ana Ruiz - Lopez"
    tagged = [
        ("Paulina Hennig", "PERSON"),
        ("Vladimir Putin", "PERSON"),
        ("Donald Trump", "PERSON"),
        ("Ana Ruiz", "PERSON"),
    ]
    assert reader.entities(text, tagged, Gazetteer()) == {
        "Paulina Hennig-Kloska": "PERSON",  # "Hennig" + "-Kloska"
        "Vladimir Putin": "PERSON",  # "Putin" + "-Donald": a given name, a second person
        "Donald Trump": "PERSON",
        "Ana Ruiz": "PERSON",  # spaces around the dash: not one surname
    }


def test_a_persons_name_at_the_very_end_of_the_text_is_found_not_failed(
    enricher: EntityEnricher,
) -> None:
    """The check for a last name after a person's name looked one token past the text's end
    (spaCy E040: "Attempt to access token at N, max length N") and dead-lettered the article."""
    for body in (
        "The statement was issued by the finance minister, Catherine Ellery",
        "Spike article d number 14. worddd14x0 worddd14x1 Catherine Ellery",
    ):
        [result] = enricher.enrich([{"id": "x", "title": "", "body": body, "language": "en"}])
        assert "Catherine Ellery" in result["persons"], body


def test_another_person_of_the_same_surname_is_found(reader: TextReader) -> None:
    text = "Spinner Kuldeep Yadav took four wickets. When Yadav bowled, captain Suryakumar Yadav smiled."
    found = reader.entities(text, [("Suryakumar Yadav", "PERSON")], Gazetteer())
    assert found == {"Kuldeep Yadav": "PERSON", "Suryakumar Yadav": "PERSON"}  # not "When Yadav"


def test_a_given_name_after_a_nationality_opens_a_person(reader: TextReader) -> None:
    text = "He beat Republican Curtis Velmont and the Chinese President Xi."
    found = reader.entities(text, [("Republican", "NORP"), ("Chinese", "NORP")], Gazetteer())
    assert found == {"Republican": "NORP", "Curtis Velmont": "PERSON", "Chinese": "NORP"}


def test_a_given_name_before_a_surname_with_its_particle_opens_the_name(
    reader: TextReader,
) -> None:
    text = "Late goals. Brahim Diaz and Youssef El Vardi scored, and Le Monde reported."
    tagged = [("El Vardi", "ORG"), ("Le Monde", "ORG")]
    found = [(m.text, m.label) for m in reader.mentions(text, tagged, Gazetteer())]
    assert found == [("Youssef El Vardi", "PERSON"), ("Le Monde", "ORG")]
    assert reader.entities(text, tagged, Gazetteer())["Youssef El Vardi"] == "PERSON"


def test_a_persons_name_the_model_cut_before_its_last_word_is_completed(
    reader: TextReader,
) -> None:
    text = (
        "Tycoon Pham Quellnhat Vuong, the founder, spoke. Miguel Zarnibe Turbay was shot. "
        "Later Joe Zarnden Tuesday said so, and Nouri al-Quelliki's State of Law won."
    )
    tagged = [
        ("Pham Quellnhat", "PERSON"),  # "Vuong" untagged
        ("Miguel Zarnibe", "PERSON"),
        ("Turbay", "ORG"),  # "Turbay" read as an organisation
        ("Joe Zarnden", "PERSON"),
        ("Nouri al-Quelliki's", "PERSON"),  # the model took the possessive in
    ]
    found = {(m.text, m.label) for m in reader.mentions(text, tagged, Gazetteer())}
    assert ("Pham Quellnhat Vuong", "PERSON") in found
    assert ("Miguel Zarnibe Turbay", "PERSON") in found
    assert ("Turbay", "ORG") not in found
    assert ("Joe Zarnden", "PERSON") in found  # a weekday is no surname
    assert not any(text.endswith("State") for text, _ in found)


def test_no_last_word_after_a_possessive(reader: TextReader) -> None:
    tagged = [("Nouri Zarniki", "PERSON")]
    found = reader.entities("Nouri Zarniki's Quell coalition won", tagged, Gazetteer())
    assert found == {"Nouri Zarniki": "PERSON"}  # not "Nouri Zarniki's Quell"
    found = reader.entities("Nouri Zarniki Quell said", tagged, Gazetteer())
    assert found == {"Nouri Zarniki Quell": "PERSON"}


def test_a_full_name_after_party_of_is_the_leader(reader: TextReader) -> None:
    text = "The governing Vestra party of Ilka Morran came third, behind the party of New Zealand."
    tagged = [("Vestra", "ORG"), ("Ilka Morran", "ORG"), ("New Zealand", "GPE")]
    found = reader.entities(text, tagged, Gazetteer())
    assert found == {"Vestra": "ORG", "Ilka Morran": "PERSON", "New Zealand": "LOCATION"}


def test_an_apposition_without_an_article_types_the_name(reader: TextReader) -> None:
    text = "Ilka Morran, candidate of the ruling Vestra party, trailed in Velmoria, which voted."
    tagged = [("Ilka Morran", "ORG"), ("Vestra", "ORG"), ("Velmoria", "GPE")]
    found = reader.entities(text, tagged, Gazetteer())
    assert found == {"Ilka Morran": "PERSON", "Vestra": "ORG", "Velmoria": "LOCATION"}


def test_the_first_of_two_family_names_used_alone_joins_the_person() -> None:
    full = mention("Ilka Varro Dennet", "PERSON", 0)
    alone = mention("Varro", "ORG", 40, prev="the result, said rival")
    assert names(link([full, alone], Gazetteer())) == {("Ilka Varro Dennet", "PERSON")}


def test_a_one_word_name_after_head_in_an_apposition_is_a_person(reader: TextReader) -> None:
    text = "The agency's head, Zarnovo, said roads were cut. Later Quellbrun said little."
    spans = [("Zarnovo", "GPE"), ("Quellbrun", "PERSON")]
    # the apposition introduces the mononym; a lone word with no cue is still dropped
    assert reader.entities(text, spans, Gazetteer()) == {"Zarnovo": "PERSON"}


def test_a_person_the_model_found_by_one_word_is_named_in_full(reader: TextReader) -> None:
    text = (
        "Quellmann wins final\n\nMarta Quellmann won on Sunday. Later Quellmann said she was tired."
    )
    assert reader.entities(text, [("Quellmann", "PERSON")], Gazetteer()) == {
        "Marta Quellmann": "PERSON"
    }
    # no common given name before the word: no full name, and the lone word is dropped
    text = "Quellmann wins final\n\nTrelk Quellmann won on Sunday."
    assert reader.entities(text, [("Quellmann", "PERSON")], Gazetteer()) == {}
