"""The spaCy model: NER only, loaded once, batched, long texts clipped rather than failed."""

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
