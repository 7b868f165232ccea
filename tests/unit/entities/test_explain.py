"""`newsflow entities explain`: it tells the truth about the pipeline's own result (the
enricher's entities), names the rule behind every mention, piece of evidence and link, and reads
a stored article's text exactly as the enricher builds it."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from newsflow.pipeline.entities import EntityEnricher, document_text
from newsflow.pipeline.entities.commands import lexicon_table, register
from newsflow.pipeline.entities.explain import EntityExplanation, Explanation, candidates, render
from newsflow.pipeline.entities.lexicon import Lexicon
from newsflow.pipeline.entities.linker import LinkedEntity
from newsflow.pipeline.entities.ner import Mention
from newsflow.pipeline.entities.rules import RULES, Evidence
from newsflow.settings import PROJECT_ROOT, Settings, load_settings

TEXT = (
    "President Joe Biden met Chancellor Olaf Scholz in Berlin on Monday.\n\n"
    "Biden said the European Union and NATO would help Kyiv."
)
ARTICLE = {
    "title": "Scholz hosts Biden in Berlin",
    "summary": "The two leaders discussed aid to Ukraine.",
    "body": "Chancellor Olaf Scholz met President Joe Biden at the Chancellery on Friday.",
    "language": "en",
}
ES_HEADERS = {"X-elastic-product": "Elasticsearch"}


def run(settings: Settings, *argv: str) -> int:
    """The subcommand as `newsflow` runs it (the installed entry points may predate it)."""
    parser = argparse.ArgumentParser(prog="newsflow")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["entities", *argv])
    return args.handler(settings, args)


def es_settings(server: HTTPServer) -> Settings:
    return load_settings(env={"NEWSFLOW_CONFIG": "", "NEWSFLOW_ES_URL": server.url_for("/")})


def test_explain_json_is_the_enrichers_result(capsys, enricher: EntityEnricher):
    assert run(Settings(), "explain", "--json", TEXT) == 0
    out = json.loads(capsys.readouterr().out)
    [doc] = enricher.enrich([{"title": TEXT, "language": "en"}])
    assert isinstance(doc, dict)
    assert [(e["name"], e["type"]) for e in out["entities"]] == [
        (e["name"], e["type"]) for e in doc["entities"]
    ]
    assert ("Joe Biden", "PERSON") in {(e["name"], e["type"]) for e in out["entities"]}
    assert ("Berlin", "LOCATION") in {(e["name"], e["type"]) for e in out["entities"]}
    for m in out["mentions"]:  # offsets into the text, and the finder that found each
        assert TEXT[m["start"] : m["end"]] == m["text"]
        assert m["rule"]


def test_explain_text_names_every_rule(capsys):
    assert run(Settings(), "explain", "--json", TEXT) == 0
    data = json.loads(capsys.readouterr().out)
    assert run(Settings(), "explain", TEXT) == 0
    text = capsys.readouterr().out
    assert "Joe Biden  (PERSON, wikidata Q6279)" in text
    assert "'Monday'  label DATE" in text  # a mention the linker did not keep is shown too
    rules = {m["rule"] for m in data["mentions"]}
    rules |= {ev["rule"] for e in data["entities"] for ev in e["evidence"]}
    rules |= {r for e in data["entities"] for r in e["linked_by"]}
    for rule in rules:
        assert rule in text


def test_render_shows_the_evidence_the_vote_and_the_link_rules():
    evidence = (
        Evidence("ORG", 1.0, "model_label"),
        Evidence("PERSON", 3.0, "title_before"),
        Evidence("PERSON", 1.0, "given_name"),
    )
    mention = Mention("Mr Lam", "ORG", 0, 6, rule="titled_names")
    entity = LinkedEntity(
        "To Lam", "PERSON", 2, ["Lam"], evidence=evidence, linked_by=("surname_to_full_name",)
    )
    explanation = Explanation(
        "Mr Lam", (mention,), (EntityExplanation(entity, candidates(evidence), "PERSON", (0,)),)
    )
    text = render(explanation)
    assert "PERSON    top 3 total 4: title_before 3, given_name 1" in text
    assert "ORG       top 1 total 1: model_label 1" in text
    assert text.index("PERSON    top") < text.index("ORG       top")  # the winner first
    assert "vote:          PERSON" in text
    assert "linked by:     surname_to_full_name" in text
    assert "found by titled_names" in text


def test_explain_article_reads_the_text_the_enricher_builds(capsys, httpserver: HTTPServer):
    httpserver.expect_request("/news-articles/_doc/a1", method="GET").respond_with_json(
        {"_index": "news-articles", "_id": "a1", "found": True, "_source": ARTICLE},
        headers=ES_HEADERS,
    )
    assert run(es_settings(httpserver), "explain", "--article", "a1", "--json") == 0
    data = json.loads(capsys.readouterr().out)
    text = document_text(ARTICLE)
    assert "aid to Ukraine" in text  # the summary is part of it
    for m in data["mentions"]:
        assert text[m["start"] : m["end"]] == m["text"]
    names = {(e["name"], e["type"]) for e in data["entities"]}
    assert {("Olaf Scholz", "PERSON"), ("Joe Biden", "PERSON"), ("Ukraine", "LOCATION")} <= names


def test_a_missing_article_is_a_clear_error(capsys, httpserver: HTTPServer):
    httpserver.expect_request("/news-articles/_doc/nope", method="GET").respond_with_json(
        {"_index": "news-articles", "_id": "nope", "found": False},
        status=404,
        headers=ES_HEADERS,
    )
    assert run(es_settings(httpserver), "explain", "--article", "nope") == 2
    err = capsys.readouterr().err
    assert "no article 'nope' in index 'news-articles'" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("argv", [["explain"], ["explain", "text", "--article", "a1"]])
def test_text_or_article_one_of_them(capsys, argv: list[str]):
    assert run(Settings(), *argv) == 2
    assert "give a TEXT or --article ID" in capsys.readouterr().err


def test_lexicon_lists_each_file_its_size_and_what_it_holds(capsys, tmp_path: Path):
    (tmp_path / "org_cue_words.txt").write_text(
        "# words after a name that make it an organisation\n# more notes\nparty\nbank\n"
    )
    (tmp_path / "royal_titles.txt").write_text("\n# titles before one name\nKing\n")
    lines = lexicon_table(Lexicon(tmp_path))
    assert lines[1:] == [
        "org_cue_words      2  words after a name that make it an organisation",
        "royal_titles       1  titles before one name",
    ]
    assert lexicon_table(Lexicon(tmp_path), markdown=True)[2:] == [
        "| `org_cue_words.txt` | 2 | words after a name that make it an organisation |",
        "| `royal_titles.txt` | 1 | titles before one name |",
    ]
    assert run(Settings(), "lexicon") == 0
    assert "word list(s) in" in capsys.readouterr().out


def test_tracing_every_rule_decides_as_the_first_rule_does(enricher: EntityEnricher):
    """Explain runs every type rule and lets the vote decide; the pipeline stops at the first
    rule that fires. Both must give the same entities on real articles (the weights fall
    along each chain), and tracing must record what fired."""
    path = PROJECT_ROOT / "tests" / "fixtures" / "entities" / "dev9.jsonl"
    articles = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    docs = [{**a, "summary": ""} for a in articles]
    fast = enricher.enrich(docs)
    with RULES.tracing() as fired:
        traced = enricher.enrich(docs)
    assert traced == fast
    assert len(fired) > 100
    assert any(len(evidence) > 1 for _, evidence in fired)  # more than the deciding rule
