"""`newsflow alerts test`: rules run against articles already in Elasticsearch."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from newsflow.clients import elasticsearch_client
from newsflow.schema import ArticleDocument, Source
from newsflow.settings import PROJECT_ROOT, Settings
from tests.support.stack import settings_env

RULES = """
rules:
  - id: arms
    query: '"arms control" OR "New START"'
  - id: putin-treaty
    query: treaty
    entities: [Vladimir Putin]
  - id: never
    query: cricket
"""


def index_articles(settings: Settings) -> None:
    now = datetime.now(UTC)
    source = Source(name="wire", feed_url="https://wire.example.org/rss", domain="wire.example.org")
    docs = [
        ArticleDocument(id="a1", url="https://wire.example.org/1", title="Arms control talks resume",
                        body="Talks on arms\ncontrol resumed in Geneva.", source=source, story_id="s1",
                        published_at=now - timedelta(hours=2), fetched_at=now),
        ArticleDocument(id="a2", url="https://wire.example.org/2", title="Arms control: day two",
                        body="More arms control talks.", source=source, story_id="s1",
                        published_at=now - timedelta(hours=1), fetched_at=now),
        ArticleDocument(id="a3", url="https://wire.example.org/3", title="Kremlin on the treaty",
                        body="Putin said the treaty matters.", source=source, story_id="s3",
                        persons=["Vladimir Putin"], published_at=now - timedelta(hours=3), fetched_at=now),
        ArticleDocument(id="a4", url="https://wire.example.org/4", title="Old arms control news",
                        body="From last month.", source=source, story_id="s4",
                        published_at=now - timedelta(days=30), fetched_at=now),
    ]  # fmt: skip
    es = elasticsearch_client(settings)
    try:
        for doc in docs:
            es.index(index=settings.indices.articles, id=doc.id, document=doc.to_es())
        es.indices.refresh(index=settings.indices.articles)
    finally:
        es.close()


def backtest(settings: Settings, rules: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "newsflow.cli", "alerts", "test", "--rules", str(rules), *args],
        cwd=PROJECT_ROOT, env=settings_env(settings), capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_backtest_prints_what_would_have_fired_with_matched_terms(
    isolated: Settings, tmp_path: Path
) -> None:
    index_articles(isolated)
    rules = tmp_path / "alerts.yaml"
    rules.write_text(RULES, encoding="utf-8")

    result = backtest(isolated, rules, "--since", "1d")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith(
        "3 article(s) published in the last 1d; 2 alert(s) would fire from 2 of 3 rule(s)"
    )
    assert "(1 more match(es) of an already-alerted story)" in out
    assert "[arms] Arms control talks resume" in out and "matched: arms control" in out
    assert "Old arms control news" not in out and "Arms control: day two" not in out
    assert "[putin-treaty] Kremlin on the treaty" in out and "entities: Vladimir Putin" in out

    lines = backtest(isolated, rules, "--since", "60d", "--json").stdout.splitlines()
    fired = [json.loads(line) for line in lines]
    assert sorted((f["rule_id"], f["article_id"]) for f in fired) == [
        ("arms", "a1"), ("arms", "a4"), ("putin-treaty", "a3")]  # fmt: skip
    assert all(f["matched_terms"] and f["snippets"] for f in fired)


def test_backtest_reports_a_rules_syntax_error(isolated: Settings, tmp_path: Path) -> None:
    rules = tmp_path / "alerts.yaml"
    rules.write_text("rules:\n  - id: broken\n    query: '\"arms control'\n", encoding="utf-8")
    result = backtest(isolated, rules)
    assert result.returncode == 2
    assert "entry 'rule broken': field 'query': unterminated phrase at column 1" in result.stderr


def test_backtest_errors_are_one_clear_line(isolated: Settings, tmp_path: Path) -> None:
    rules = tmp_path / "alerts.yaml"
    rules.write_text(RULES, encoding="utf-8")
    result = backtest(isolated, rules, "--since", "soon")
    assert result.returncode == 2 and "--since: not a duration: 'soon'" in result.stderr
    missing = isolated.with_overrides(indices={"articles": f"{isolated.indices.articles}-none"})
    result = backtest(missing, rules)
    assert result.returncode == 1 and "not found (run `newsflow init`)" in result.stderr
    assert "Traceback" not in result.stderr
