"""Alerts through `newsflow pipeline run` on the real Kafka and Elasticsearch: once per story, ever."""

from __future__ import annotations

import hashlib
import json
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml

from newsflow.alerts.channels import build_senders
from newsflow.alerts.notifier import AlertNotifier
from newsflow.alerts.rules import load_rules
from newsflow.alerts.state import DeliveryState
from newsflow.schema import RawArticle, Source
from newsflow.settings import PROJECT_ROOT, Settings
from tests.support import factories
from tests.support.clients import es_hits, produce, read_to_end
from tests.support.servers import WebhookReceiver
from tests.support.stack import settings_env
from tests.support.waiting import wait_for

BODY = (
    "Negotiators from both countries met in Geneva on Tuesday to resume arms control talks, the first "
    "such meeting since the treaty lapsed. Officials said the delegations discussed verification, "
    "warhead limits and the future of the New START framework. The talks are expected to continue "
    "through the week, with a joint statement possible on Friday if progress is made on inspections. "
    "Analysts cautioned that the two sides remain far apart on missile defence and on the role of "
    "third countries, but welcomed the return to the table after more than a year of silence. "
    "Russian President Vladimir Putin said on Wednesday that the talks were useful."
)


def raw_article(feed: str, n: int, title: str, body: str = BODY) -> RawArticle:
    url = f"https://{feed}.example.org/world/{n}"
    now = datetime.now(UTC)
    return factories.raw_article(
        n,
        id=hashlib.sha256(url.encode()).hexdigest()[:32],
        url=url,
        title=title,
        summary_html=f"<p>{body[:120]}</p>",
        content_html=f"<p>{body}</p>",
        published_at=now - timedelta(minutes=n),
        fetched_at=now,
        language_hint="en",
        source=Source(
            name=feed, feed_url=f"https://{feed}.example.org/rss", domain=f"{feed}.example.org"
        ),
        content_hash=hashlib.sha256(body.encode()).hexdigest(),
    )


def write_rules(tmp_path: Path, hook_url: str) -> Path:
    data = {
        "channels": {"hook": {"type": "webhook", "url": hook_url}},
        "rules": [
            {"id": "arms", "query": '"arms control" AND NOT title:opinion', "channels": ["hook"]},
            {"id": "never", "query": "cricket", "channels": ["hook"]},
            {"id": "putin", "query": "talks", "entities": ["Vladimir Putin"], "channels": ["hook"]},
            {"id": "biden", "query": "talks", "entities": ["Joe Biden"], "channels": ["hook"]},
        ],
    }
    path = tmp_path / "alerts.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def pipeline(
    settings: Settings,
    rules: Path,
    log: Path,
    until_idle: float,
    group: str | None = None,
    entities: bool = False,
    runner: list[str] | None = None,
):
    env = settings_env(settings)
    env["NEWSFLOW_ALERT_RULES"] = str(rules)
    env["NEWSFLOW_ENRICHMENT__ENABLED"] = str(entities).lower()  # spaCy costs start-up time
    if group:
        env["NEWSFLOW_PIPELINE__CONSUMER_GROUP"] = group
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "newsflow.cli", "pipeline", "run", "--until-idle", str(until_idle),
             *(runner or [])],
            cwd=PROJECT_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip


def finish(process: subprocess.Popen, log: Path, timeout: float = 180) -> None:
    code = process.wait(timeout)
    assert code == 0, log.read_text()[-3000:]


def alert_docs(settings: Settings) -> list[dict]:
    hits = es_hits(settings, settings.indices.alerts, 50)
    return [hit["_source"] | {"_id": hit["_id"]} for hit in hits]


def article_docs(settings: Settings) -> dict[str, dict]:
    hits = es_hits(settings, settings.indices.articles, 50)
    return {hit["_source"]["source"]["name"]: hit["_source"] for hit in hits}


def alert_events(settings: Settings) -> list[dict]:
    """Every record on the alerts topic, read up to the end offsets (no idle-timeout guessing)."""
    return [json.loads(r.value) for r in read_to_end(settings, settings.topics.alerts)]


def notify_until_idle(settings: Settings, rules: Path) -> None:
    ruleset = load_rules(rules)
    notifier = AlertNotifier(
        settings,
        ruleset,
        build_senders(ruleset, 5.0, env={}, allow_private_addresses=True),
        DeliveryState(settings),
    )
    notifier.run(idle_timeout=4)


def test_same_story_from_two_feeds_alerts_once(
    isolated: Settings, hook: WebhookReceiver, tmp_path: Path, runner: list[str]
) -> None:
    rules, log = write_rules(tmp_path, hook.url), tmp_path / "pipeline.log"
    produce(
        isolated,
        [
            raw_article("wire-a", 1, "Arms control talks resume in Geneva"),
            raw_article("wire-b", 2, "Geneva: arms control talks resume"),
            raw_article(
                "wire-c", 3, "Opinion: arms control talks resume", "A column on sport and culture."
            ),
        ],
    )
    finish(pipeline(isolated, rules, log, until_idle=4, entities=True, runner=runner), log)

    articles = article_docs(isolated)
    assert articles["wire-a"]["story_id"] == articles["wire-b"]["story_id"], "fixture: one story"
    assert "Vladimir Putin" in articles["wire-a"]["persons"], "fixture: entity linked"
    for feed in ("wire-a", "wire-b"):
        assert articles[feed]["alert_rules"] == ["arms", "putin"]
    assert articles["wire-c"]["alert_rules"] == []  # NOT title:opinion, and no Putin
    alerts = {a["rule_id"]: a for a in alert_docs(isolated)}
    assert set(alerts) == {"arms", "putin"}  # one per rule for the story, not one per feed
    alert = alerts["arms"]
    assert alert["story_id"] == articles["wire-a"]["story_id"]
    assert alert["matched_terms"] == ["arms control"]
    assert any("arms control talks" in s.lower() for s in alert["snippets"])
    assert {"id", "article_id", "title", "url", "triggered_at"} <= set(alert)
    assert alerts["putin"]["matched_entities"] == ["Vladimir Putin"]
    assert any("Vladimir Putin said" in s for s in alerts["putin"]["snippets"])
    assert {event["id"] for event in alert_events(isolated)} == {a["_id"] for a in alerts.values()}

    notify_until_idle(isolated, rules)
    assert sorted(hook.alert_ids()) == sorted(a["_id"] for a in alerts.values())
    assert {r.json()["alert"]["rule_id"] for r in hook.requests} == {"arms", "putin"}


def test_pipeline_killed_and_restarted_or_replayed_never_alerts_twice(
    isolated: Settings, hook: WebhookReceiver, tmp_path: Path
) -> None:
    rules, log = write_rules(tmp_path, hook.url), tmp_path / "pipeline.log"
    produce(isolated, [raw_article("wire-a", 1, "Arms control talks resume in Geneva")])
    first = pipeline(isolated, rules, log, until_idle=120)
    try:
        (alert,) = wait_for(lambda: alert_docs(isolated), 120, "the alert to be indexed")
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(30)
    # restart on the same consumer group, then a full replay from a fresh group
    finish(pipeline(isolated, rules, log, until_idle=4), log)
    finish(
        pipeline(
            isolated, rules, log, until_idle=4, group=f"{isolated.pipeline.consumer_group}-replay"
        ),
        log,
    )

    assert alert_docs(isolated) == [
        alert
    ]  # same id, triggered_at untouched: create never overwrote
    events = alert_events(isolated)
    assert len(events) >= 2, "the replay did match the article again"
    assert {event["id"] for event in events} == {alert["_id"]}
    notify_until_idle(isolated, rules)
    assert hook.alert_ids() == [alert["_id"]]


def test_a_story_told_by_three_outlets_over_time_alerts_once(
    isolated: Settings, hook: WebhookReceiver, tmp_path: Path
) -> None:
    """The wire story, later a truncated copy under another headline, later still a light
    rewrite: each arrives in a run of its own, joins the first story, and the rule fires once."""
    sentences = BODY.split(". ")
    truncated = ". ".join(sentences[:3]) + ". Read more on our website."
    rewrite = (
        "Arms control talks between the two countries resumed in Geneva on Tuesday, the first "
        "meeting of negotiators since the treaty lapsed. The delegations discussed verification, "
        "limits on warheads and the future of the New START framework, officials said. Talks are "
        "to continue through the week and a joint statement could come on Friday if there is "
        "progress on inspections. The two sides remain far apart on missile defence and on the "
        "role of third countries, analysts cautioned, though they welcomed the return to the "
        "table after more than a year of silence. Russian President Vladimir Putin said on "
        "Wednesday that the talks were useful."
    )
    rules, log = write_rules(tmp_path, hook.url), tmp_path / "pipeline.log"
    for feed, n, title, body in (
        ("wire-a", 1, "Arms control talks resume in Geneva", BODY),
        ("regional", 2, "Geneva hosts first arms talks since treaty lapsed", truncated),
        ("daily", 3, "US and Russia back at the table in Geneva", rewrite),
    ):
        produce(isolated, [raw_article(feed, n, title, body)])
        finish(pipeline(isolated, rules, log, until_idle=3), log)

    articles = article_docs(isolated)
    stories = {feed: doc["story_id"] for feed, doc in articles.items()}
    assert len(stories) == 3 and len(set(stories.values())) == 1, stories
    alerts = alert_docs(isolated)
    assert sorted(a["rule_id"] for a in alerts) == ["arms"]  # once, for the wire's story
    notify_until_idle(isolated, rules)
    assert hook.alert_ids() == [alerts[0]["_id"]]
