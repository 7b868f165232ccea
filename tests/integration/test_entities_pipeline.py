"""The real pipeline (news.raw -> ... -> Elasticsearch) with enrichment on: canonical entities in
the indexed document, and no English NER on a German article."""

from __future__ import annotations

from pathlib import Path

from newsflow.settings import Settings
from tests.support.clients import es_docs, produce
from tests.support.factories import article
from tests.support.processes import log_tail, run_pipeline

KIEV = (
    "The Kremlin has accused Kiev of showing no interest in peace talks. Kremlin spokesperson "
    "Dmitry Peskov said no Putin-Trump meeting was planned. Peskov said the United States had not "
    "replied, and Kiev has provided no reaction to Russian proposals, Peskov added. Ukrainian "
    "officials believe the US will help. Vladimir Putin and Donald Trump met in Alaska."
)
GERMAN = (
    "Bundeskanzler Friedrich Merz hat am Dienstag in Berlin mit dem französischen Präsidenten "
    "Emmanuel Macron über die Lage in der Ukraine gesprochen. Beide Politiker forderten mehr "
    "Unterstützung für Kiew und eine gemeinsame europäische Verteidigungspolitik."
)


def test_pipeline_indexes_canonical_entities(isolated: Settings, tmp_path: Path) -> None:
    english = article(1, body=KIEV, title="Kremlin says Kiev avoiding peace talks")
    german = article(2, body=GERMAN, title="Merz trifft Macron in Berlin")
    produce(isolated, [english, german])
    log = tmp_path / "pipeline.log"
    assert run_pipeline(isolated, "--until-idle", "2", log=log) == 0, log_tail(log)

    docs = es_docs(isolated)
    en, de = docs[english.id], docs[german.id]
    assert en["language"] == "en"
    assert {"Dmitry Peskov", "Vladimir Putin", "Donald Trump"} <= set(en["persons"])
    assert {"Kyiv", "United States"} <= set(en["locations"])
    assert "Kiev" not in en["persons"] + en["locations"]
    assert "Kremlin" in en["organizations"]
    assert {"Kiev", "Kyiv"} <= set(en["entity_aliases"])
    peskov = next(e for e in en["entities"] if e["name"] == "Dmitry Peskov")
    assert peskov["type"] == "PERSON" and peskov["mentions"] >= 3
    assert de["language"] == "de"
    assert de["entities"] == [] and de["persons"] == [] and de["locations"] == []
