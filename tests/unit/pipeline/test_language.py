"""DetectLanguage: lingua on the clean text; the feed's hint when the text is too short."""

from __future__ import annotations

import apache_beam as beam
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from newsflow.pipeline.records import Article, Envelope
from newsflow.pipeline.transforms.language import DetectLanguage


def _doc(i: int, title: str, hint: str | None = None) -> Article:
    doc = {"id": str(i), "title": title, "summary": "", "body": ""}
    return Article(doc, Envelope(None), hint)  # type: ignore[arg-type]


def test_languages_are_detected_and_hints_fill_in():
    docs = [
        _doc(1, "The government announced new measures to support small businesses on Tuesday"),
        _doc(
            2, "Le gouvernement a annoncé mardi de nouvelles mesures pour soutenir les entreprises"
        ),
        _doc(3, "Die Regierung hat am Dienstag neue Maßnahmen zur Unterstützung angekündigt"),
        _doc(4, "Oui", hint="fr-FR"),  # too short to detect: the feed's hint
        _doc(5, "Ok"),  # nothing to go on
        _doc(6, "Habari za asubuhi kutoka Nairobi leo", hint="sw"),  # outside the detector set
    ]
    with TestPipeline() as p:
        out = p | beam.Create(docs) | DetectLanguage()
        assert_that(
            out.ok | beam.Map(lambda a: (a.doc["id"], a.doc["language"])),
            equal_to(
                [("1", "en"), ("2", "fr"), ("3", "de"), ("4", "fr"), ("5", None), ("6", "sw")]
            ),
        )


def test_cld2_settles_prose_and_leaves_unsure_samples_to_lingua():
    from newsflow.pipeline.transforms.language import cld2_language

    assert cld2_language("Правительство объявило во вторник новую пенсионную реформу.") == "ru"
    assert (
        cld2_language("政府は火曜日に新しい年金改革を発表した。政府は新しい制度を説明した。")
        == "ja"
    )
    assert cld2_language("Rząd ogłosił we wtorek nową reformę emerytalną dla wszystkich.") == "pl"
    assert cld2_language("Oui") is None  # too little to be sure: lingua (or the hint) decides
    assert cld2_language("bad \udcff surrogate") is None  # not encodable: no exception


def test_samples_cld2_is_unsure_of_go_to_lingua():
    from newsflow.pipeline.transforms.language import _DetectLanguageFn, cld2_language

    names = "Angela Merkel Emmanuel Macron Olaf Scholz"  # no prose: CLD2 will not say
    assert cld2_language(names) is None
    fn = _DetectLanguageFn()
    fn.setup()
    lingua = fn._detector.detect_language_of(names)
    assert lingua is not None
    assert fn.detect(_doc(1, names)) == lingua.iso_code_639_1.name.lower()
