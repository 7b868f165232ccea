"""spaCy loading and gazetteer matching: NER-only model, cached once, aliases found in text."""

from __future__ import annotations

from newsflow.pipeline.entities import EntityEnricher
from newsflow.pipeline.entities.ner import load_model
from tests.support.entities import MODEL


def test_model_keeps_only_ner_and_is_loaded_once() -> None:
    nlp = load_model(MODEL)
    assert nlp.pipe_names == ["ner"]
    assert load_model(MODEL) is nlp


def test_ner_only_gives_the_full_pipelines_entities() -> None:
    import spacy

    text = "Kremlin spokesperson Dmitry Peskov said Kiev had not replied to Moscow or Washington."
    full = spacy.load(MODEL)
    expected = [(e.text, e.label_) for e in full(text).ents]
    assert [(e.text, e.label_) for e in load_model(MODEL)(text).ents] == expected


def test_missing_model_is_none_not_a_crash() -> None:
    assert load_model("xx_no_such_model_installed") is None


def test_gazetteer_aliases_found_in_text_with_case_rules(enricher: EntityEnricher) -> None:
    finder = enricher.finder("en")
    doc = finder.nlp("Let us talk. The US and the EU met in Kiev with Real Madrid fans.")
    found = {(m.text, m.entry.name) for m in finder.matcher(doc)}
    assert ("US", "United States") in found and ("EU", "European Union") in found
    assert ("Kiev", "Kyiv") in found
    assert not any(text == "us" for text, _ in found)  # the pronoun
    assert not any(name == "Madrid" for _, name in found)  # part of a longer name


def test_batches_go_through_nlp_pipe(enricher: EntityEnricher, monkeypatch) -> None:
    finder = enricher.finder("en")
    calls: list[int] = []
    original = finder.nlp.pipe

    def counting_pipe(texts, **kwargs):
        texts = list(texts)
        calls.append(len(texts))
        return original(texts, **kwargs)

    monkeypatch.setattr(finder.nlp, "pipe", counting_pipe)
    docs = [
        {"id": str(i), "title": "Putin in Moscow", "body": "", "language": "en"} for i in range(5)
    ]
    results = enricher.enrich(docs)
    assert calls == [5]  # one nlp.pipe call for the whole batch
    assert all(r["persons"] == ["Vladimir Putin"] for r in results)


def test_text_longer_than_spacy_accepts_is_clipped_not_failed(enricher: EntityEnricher) -> None:
    nlp = enricher.finder("en").nlp
    old = nlp.max_length
    nlp.max_length = 200
    try:
        doc = {
            "id": "x",
            "title": "",
            "body": "Vladimir Putin spoke. " + "word " * 100,
            "language": "en",
        }
        [result] = enricher.enrich([doc])
    finally:
        nlp.max_length = old
    assert result["persons"] == ["Vladimir Putin"]


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


def test_another_person_of_the_same_surname_is_found() -> None:
    from newsflow.pipeline.entities.ner import _same_surname

    nlp = load_model(MODEL)
    text = "Spinner Kuldeep Yadav took four wickets. When Yadav bowled, captain Suryakumar Yadav smiled."
    doc = nlp.make_doc(text)
    captain = text.index("Suryakumar")
    span = doc.char_span(captain, captain + len("Suryakumar Yadav"))
    found = _same_surname(doc, text, [(span.start, span.end, "PERSON")])
    assert [doc[s:e].text for s, e, _ in found] == ["Kuldeep Yadav"]  # not "When Yadav"


def _spans(doc, text: str, *named: tuple[str, str]) -> list[tuple[int, int, str]]:
    out = []
    for words, label in named:
        start = text.index(words)
        span = doc.char_span(start, start + len(words))
        out.append((span.start, span.end, label))
    return out


def test_a_place_cut_short_takes_the_word_that_makes_it_a_known_place() -> None:
    from newsflow.pipeline.entities.ner import _extend_spans

    nlp = load_model(MODEL)
    text = "The final was played in Navi Mumbai on Sunday before fans in Paris Tuesday."
    doc = nlp.make_doc(text)
    spans = _spans(doc, text, ("Navi", "GPE"), ("Paris", "GPE"))
    assert [doc[s:e].text for s, e, _ in _extend_spans(doc, spans)] == ["Navi Mumbai", "Paris"]


def test_a_department_name_cut_at_and_is_completed() -> None:
    from newsflow.pipeline.entities.ner import _extend_spans

    nlp = load_model(MODEL)
    text = "The Department of Roads and Bridges said the Bank of Zelvar and Quorex agreed."
    doc = nlp.make_doc(text)
    spans = _spans(
        doc,
        text,
        ("The Department of Roads", "ORG"),
        ("Bridges", "DATE"),
        ("Bank of Zelvar", "ORG"),
    )
    assert [doc[s:e].text for s, e, _ in _extend_spans(doc, spans)] == [
        "The Department of Roads and Bridges",
        "Bridges",
        "Bank of Zelvar",  # not a department: "and Quorex" is another name
    ]


def test_a_given_name_after_a_nationality_opens_a_person() -> None:
    from newsflow.pipeline.entities.ner import _names_after_nationality

    nlp = load_model(MODEL)
    text = "He beat Republican Curtis Velmont and the Chinese President Xi."
    doc = nlp.make_doc(text)
    spans = _spans(doc, text, ("Republican", "NORP"), ("Chinese", "NORP"))
    found = _names_after_nationality(doc, spans)
    assert [doc[s:e].text for s, e, _ in found] == ["Curtis Velmont"]


def test_a_capitalised_name_after_the_ending_in_a_facility_word() -> None:
    from newsflow.pipeline.entities.ner import _headed_names

    nlp = load_model(MODEL)
    text = "They opened the Great Varnic Renaissance Dam and the new Science Ministry building."
    doc = nlp.make_doc(text)
    found = [(doc[s:e].text, label) for s, e, label in _headed_names(doc, text, [])]
    assert found == [("Great Varnic Renaissance Dam", "FAC")]


def test_a_given_name_before_a_surname_with_its_particle_opens_the_name() -> None:
    from newsflow.pipeline.entities import Gazetteer
    from newsflow.pipeline.entities.ner import _complete_names

    nlp = load_model(MODEL)
    text = "Late goals. Brahim Diaz and Youssef El Vardi scored, and Le Monde reported."
    doc = nlp.make_doc(text)
    spans = _spans(doc, text, ("El Vardi", "ORG"), ("Le Monde", "ORG"))
    found = [
        (doc[s:e].text, label) for s, e, label in _complete_names(doc, text, spans, Gazetteer())
    ]
    assert found == [("Youssef El Vardi", "PERSON"), ("Le Monde", "ORG")]


def test_a_name_listed_between_two_organisations_is_one() -> None:
    from newsflow.pipeline.entities.ner import _listed_between_orgs

    nlp = load_model(MODEL)
    text = "Apps run by Zelvo, Quorex, Brindle and others. Towns like Varna, Kesto and Ulm."
    doc = nlp.make_doc(text)
    spans = _spans(
        doc, text, ("Zelvo", "ORG"), ("Brindle", "ORG"), ("Varna", "GPE"), ("Ulm", "GPE")
    )
    found = [doc[s:e].text for s, e, _ in _listed_between_orgs(doc, text, spans)]
    assert found == ["Quorex"]  # not "Kesto", listed between places


def test_a_country_after_an_organisation_s_name_ends_it() -> None:
    from newsflow.pipeline.entities.ner import _orgs_named_for_a_country

    nlp = load_model(MODEL)
    text = (
        "Headline Words Kenya\n\nRights group Vardic Watch Kenya said on Monday that the "
        "body Offshore Energies Kenya said so. They told Reuters Kenya had agreed. "
        "Neighbouring Kenya said no."
    )
    doc = nlp.make_doc(text)
    spans = _spans(doc, text, ("Kenya", "GPE"), ("Vardic Watch", "ORG"), ("Reuters", "ORG"))
    for words in ("Kenya said on", "Kenya said so", "Kenya had", "Kenya said no"):
        start = text.index(words)
        span = doc.char_span(start, start + len("Kenya"))
        spans.append((span.start, span.end, "GPE"))
    found = [doc[s:e].text for s, e, _ in _orgs_named_for_a_country(doc, text, spans)]
    assert found == ["Vardic Watch Kenya", "Offshore Energies Kenya"]


def test_an_organisation_and_a_hyphenated_partner_are_one_name() -> None:
    from newsflow.pipeline.entities.ner import _extend_spans

    nlp = load_model(MODEL)
    text = "The Zelvo-Quorex alliance and the Zelvo - Quorex talks."
    doc = nlp.make_doc(text)
    spans = _spans(doc, text, ("Zelvo", "ORG"))
    assert [doc[s:e].text for s, e, _ in _extend_spans(doc, spans)] == ["Zelvo-Quorex"]


def test_coalition_and_alliance_names_the_model_missed() -> None:
    from newsflow.pipeline.entities.ner import _cued_names

    nlp = load_model(MODEL)
    text = "Protests by the Zelvani coalition and the Quorex alliance, not the Democratic alliance."
    doc = nlp.make_doc(text)
    found = [doc[s:e].text for s, e, _ in _cued_names(doc, text, [])]
    assert found == ["Zelvani", "Quorex"]


def test_places_the_model_missed_after_a_place_cue_or_a_preposition() -> None:
    import spacy

    from newsflow.pipeline.entities.ner import _missed_places

    text = (
        "Data centres in the southern state of Quellmark must recycle water, officials in "
        "Johor said, while firms in Reading Glass and in March were spared."
    )
    doc = spacy.blank("en")(text)
    found = {doc[start:end].text for start, end, _ in _missed_places(doc, text, [])}
    # any name after "state of"; after "in" only a known place name, never a month
    assert found == {"Quellmark", "Johor"}
    # a name another span already holds is left alone
    held = [(i, i + 1, "ORG") for i, t in enumerate(doc) if t.text == "Johor"]
    assert {doc[s:e].text for s, e, _ in _missed_places(doc, text, held)} == {"Quellmark"}


def test_a_capital_at_a_sentence_start_of_a_word_the_article_uses_lower_case_is_no_name() -> None:
    import spacy
    from spacy.tokens import Span

    from newsflow.pipeline.entities import Gazetteer
    from newsflow.pipeline.entities.ner import MentionFinder

    nlp = spacy.blank("en")
    text = "Farmers' groups welcomed it. Cocoa farmers near Zarnville agreed. Zarnco said no."
    doc = nlp(text)
    words = [t.text for t in doc]
    doc.ents = [
        Span(doc, 0, 1, "ORG"),  # Farmers: "farmers" is used lower-case later
        Span(doc, words.index("Zarnville"), words.index("Zarnville") + 1, "GPE"),
        Span(doc, words.index("Zarnco"), words.index("Zarnco") + 1, "ORG"),  # no "zarnco"
    ]
    found = {m.text for m in MentionFinder(nlp, Gazetteer()).mentions(doc, text)}
    assert "Farmers" not in found
    assert {"Zarnville", "Zarnco"} <= found


def test_an_institution_word_the_model_left_after_a_name_completes_it() -> None:
    import spacy
    from spacy.tokens import Span

    from newsflow.pipeline.entities import Gazetteer
    from newsflow.pipeline.entities.ner import MentionFinder

    nlp = spacy.blank("en")
    text = "Zarn Islands Forum leaders met in Quell. Later Quell Forum was empty."
    doc = nlp(text)
    doc.ents = [Span(doc, 0, 2, "LOC"), Span(doc, 6, 7, "GPE"), Span(doc, 9, 10, "GPE")]
    found = {(m.text, m.label) for m in MentionFinder(nlp, Gazetteer()).mentions(doc, text)}
    assert ("Zarn Islands Forum", "ORG") in found
    assert ("Quell Forum", "ORG") in found
    assert ("Quell", "GPE") in found  # the full stop ends it: no "Quell. Later"


def test_a_place_span_stopped_inside_a_hyphenated_name_is_completed() -> None:
    import spacy

    from newsflow.pipeline.entities.ner import _hyphen_chain

    doc = spacy.blank("en")("near Mazar-i-Sharif and the Kyiv-based firm in the Israel-Hamas war")
    words = [t.text for t in doc]
    mazar, kyiv, israel = words.index("Mazar"), words.index("Kyiv"), words.index("Israel")
    assert doc[mazar : _hyphen_chain(doc, mazar, mazar + 1)].text == "Mazar-i-Sharif"
    assert _hyphen_chain(doc, kyiv, kyiv + 1) == kyiv + 1  # "-based" is no part of a name
    assert _hyphen_chain(doc, israel, israel + 1) == israel + 1  # two names, not one


def test_a_persons_name_the_model_cut_before_its_last_word_is_completed() -> None:
    import spacy
    from spacy.tokens import Span

    from newsflow.pipeline.entities import Gazetteer
    from newsflow.pipeline.entities.ner import MentionFinder

    nlp = spacy.blank("en")
    text = (
        "Tycoon Pham Quellnhat Vuong, the founder, spoke. Miguel Zarnibe Turbay was shot. "
        "Later Joe Zarnden Tuesday said so, and Nouri al-Quelliki's State of Law won."
    )
    doc = nlp(text)
    words = [t.text for t in doc]

    def span(first: str, length: int, label: str) -> Span:
        i = words.index(first)
        return Span(doc, i, i + length, label)

    doc.ents = [
        span("Pham", 2, "PERSON"),  # "Vuong" untagged
        span("Miguel", 2, "PERSON"),
        span("Turbay", 1, "ORG"),  # "Turbay" read as an organisation
        span("Joe", 2, "PERSON"),
        span("Nouri", 5, "PERSON"),  # the model took the possessive in
    ]
    found = {(m.text, m.label) for m in MentionFinder(nlp, Gazetteer()).mentions(doc, text)}
    assert ("Pham Quellnhat Vuong", "PERSON") in found
    assert ("Miguel Zarnibe Turbay", "PERSON") in found
    assert ("Turbay", "ORG") not in found
    assert ("Joe Zarnden", "PERSON") in found  # a weekday is no surname
    assert not any(text.endswith("State") for text, _ in found)


def test_no_last_word_after_a_possessive() -> None:
    import spacy

    from newsflow.pipeline.entities.ner import _last_name

    doc = spacy.blank("en")("Nouri Zarniki's Quell coalition won")
    assert not _last_name(doc, 3)  # "Nouri Zarniki's" + "Quell"
    assert _last_name(spacy.blank("en")("Nouri Zarniki Quell said"), 2)


def test_a_name_the_model_missed_after_a_business_noun_is_an_organisation() -> None:
    import spacy

    from newsflow.pipeline.entities.ner import CUED_ORG, _cued_names

    text = "It is buying Italian truckmaker Zarnveco, and distributor Quelho said so."
    doc = spacy.blank("en")(text)
    found = {(doc[s:e].text, label) for s, e, label in _cued_names(doc, text, [])}
    assert found == {("Zarnveco", CUED_ORG), ("Quelho", CUED_ORG)}


def test_a_place_right_after_a_sport_or_service_noun_names_a_national_body() -> None:
    import spacy
    from spacy.tokens import Span

    from newsflow.pipeline.entities import Gazetteer
    from newsflow.pipeline.entities.ner import MentionFinder

    nlp = spacy.blank("en")
    text = "Tennis Zarnland chief Ana Quell said Zarnland was ready. Fans in Zarnland cheered."
    doc = nlp(text)
    doc.ents = [Span(doc, 1, 2, "GPE"), Span(doc, 6, 7, "GPE"), Span(doc, 12, 13, "GPE")]
    found = [(m.text, m.label) for m in MentionFinder(nlp, Gazetteer()).mentions(doc, text)]
    assert ("Tennis Zarnland", "ORG") in found
    assert found.count(("Zarnland", "GPE")) == 2  # "said Zarnland", "in Zarnland": the place


def test_a_sport_or_service_noun_and_a_known_place_is_an_organisation() -> None:
    from tests.support.entities import one

    assert one("Elections Alberta", "PERSON") == {("Elections Alberta", "ORG")}


def test_a_facility_the_model_missed_after_the_is_a_place() -> None:
    import spacy

    from newsflow.pipeline.entities.ner import _headed_names

    text = "Work on the Zarnly Large Telescope and the Quell Bon River went on."
    doc = spacy.blank("en")(text)
    found = {(doc[s:e].text, label) for s, e, label in _headed_names(doc, text, [])}
    assert found == {("Zarnly Large Telescope", "FAC"), ("Quell Bon River", "FAC")}


def test_a_place_followed_by_a_facility_name_is_the_facility() -> None:
    import spacy

    from newsflow.pipeline.entities.ner import _facility_after

    doc = spacy.blank("en")("airports such as Zarn Jose Quellita International Airport. Then")
    words = [t.text for t in doc]
    start = words.index("Zarn")
    end = _facility_after(doc, start + 2, set())
    assert doc[start:end].text == "Zarn Jose Quellita International Airport"
    doc = spacy.blank("en")("a U.S. District Judge ruled")
    assert _facility_after(doc, 2, set()) == 2  # a court's district is no facility
