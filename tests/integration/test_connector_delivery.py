"""Integration: acks before state, full text, continuous mode and the CLI, against real Kafka."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import threading
import time
from pathlib import Path

from newsflow.clients import kafka_producer
from newsflow.connectors.cli import _reloader
from newsflow.connectors.feeds import load_feeds
from newsflow.connectors.runner import RssConnector
from newsflow.connectors.state import ConnectorState
from newsflow.settings import PROJECT_ROOT, Settings
from tests.support.clients import raw_records
from tests.support.feeds import feeds_file, rss, status
from tests.support.servers import Route
from tests.support.stack import settings_env
from tests.support.waiting import wait_for

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "feeds"


def test_state_advances_only_after_kafka_acknowledged(settings, server, tmp_path):
    server.routes["/feed"] = Route(rss(("https://acks.example/1", "First", "one")), etag=True)
    path = feeds_file(tmp_path, feed=server.url("/feed"))
    feeds = load_feeds(Path(path))
    # a raw topic that does not exist (auto-creation is off): the records cannot be acknowledged
    broken = settings.with_overrides(topics={"raw": settings.topics.raw + "-missing"})
    producer = kafka_producer(broken, max_block_ms=1500)
    try:
        connector = RssConnector(broken, feeds, producer, ConnectorState(broken).load())
        report = asyncio.run(connector.run(once=True))
    finally:
        producer.close(timeout=5)
    assert report.kafka_failures == 1
    row = status(settings, path)["feed"]
    assert row["status"] == "failing" and "Kafka did not acknowledge" in row["last_error"]
    assert row["items_produced"] == 0

    # nothing was remembered: the next run fetches without validators and produces the item
    producer = kafka_producer(settings)
    try:
        connector = RssConnector(settings, feeds, producer, ConnectorState(settings).load())
        report = asyncio.run(connector.run(once=True))
    finally:
        producer.close(timeout=5)
    assert report.kafka_failures == 0 and report.produced == 1
    assert "if-none-match" not in server.requests_for("/feed")[1].headers
    assert [r.title for _, r in raw_records(settings)] == ["First"]


def test_full_text_is_extracted_politely(settings, server, tmp_path):
    server.routes["/robots.txt"] = Route(
        b"User-agent: *\nDisallow: /private/\n", content_type="text/plain"
    )
    server.routes["/articles/glacier"] = Route(
        (FIXTURES / "article_page.html").read_bytes(), content_type="text/html; charset=utf-8"
    )
    server.routes["/feed"] = Route(rss(
        (server.url("/articles/glacier"), "Glacier retreat accelerates", "Short teaser."),
        (server.url("/private/secret"), "Members only", "Teaser only."),
    ))  # fmt: skip
    path = feeds_file(tmp_path, science={"url": server.url("/feed"), "full_text": True})
    from newsflow.connectors.cli import run_connector

    assert run_connector(settings, path, once=True) == 0
    records = {r.title: r for _, r in raw_records(settings)}
    glacier = records["Glacier retreat accelerates"]
    assert glacier.full_text is True and "Rhone glacier" in glacier.content_html
    assert "Subscribe to our newsletter" not in glacier.content_html  # boilerplate dropped
    assert glacier.summary_html == "Short teaser."
    assert (
        records["Members only"].full_text is False and records["Members only"].content_html is None
    )
    assert server.requests_for("/private/secret") == []
    assert len(server.requests_for("/robots.txt")) == 1


def test_continuous_mode_polls_what_is_due_reloads_the_feeds_file_and_stops(
    settings, server, tmp_path
):
    server.routes["/a"] = Route(rss(("https://a.example/1", "A1", "a")), etag=True)
    server.routes["/b"] = Route(rss(("https://b.example/1", "B1", "b")), etag=True)
    path = feeds_file(tmp_path, a=server.url("/a"))
    from newsflow.connectors.cli import run_connector

    assert run_connector(settings, path, once=True) == 0  # a is now scheduled 5 minutes ahead
    stop = asyncio.Event()
    loop_box: dict = {}
    reload = _reloader(Path(path))  # remembers the file as it is now

    def run():
        async def main():
            loop_box["loop"] = asyncio.get_running_loop()
            producer = kafka_producer(settings)
            try:
                connector = RssConnector(
                    settings, load_feeds(Path(path)), producer, ConnectorState(settings).load()
                )
                loop_box["report"] = await connector.run(stop=stop, reload=reload)
            finally:
                producer.close(timeout=5)

        asyncio.run(main())

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        wait_for(lambda: "loop" in loop_box, timeout=20.0, what="the connector loop")
        time.sleep(0.05)  # make sure the rewritten file gets a new mtime
        feeds_file(tmp_path, a=server.url("/a"), b=server.url("/b"))
        wait_for(
            lambda: any(r.title == "B1" for _, r in raw_records(settings)),
            timeout=20.0,
            what="feed b's record",
        )
    finally:
        loop_box["loop"].call_soon_threadsafe(stop.set)
        thread.join(timeout=30)
    assert not thread.is_alive()
    assert len(server.requests_for("/a")) == 1  # not due again for 5 minutes
    assert len(server.requests_for("/b")) == 1
    assert sorted(r.title for _, r in raw_records(settings)) == ["A1", "B1"]


def run_cli(settings: Settings, *args: str) -> subprocess.CompletedProcess:
    env = settings_env(settings)
    env["NEWSFLOW_CONNECTOR__ALLOW_PRIVATE_ADDRESSES"] = "true"
    env["NEWSFLOW_CONNECTOR__TIMEOUT"] = "2s"
    return subprocess.run(
        [sys.executable, "-m", "newsflow.cli", *args],
        env=env, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_cli_run_once_and_feeds_status(settings, server, tmp_path):
    server.routes["/good"] = Route(
        (FIXTURES / "atom10.xml").read_bytes(), content_type="application/atom+xml"
    )
    path = feeds_file(tmp_path, good=server.url("/good"), bad=server.url("/missing"),
                      off={"url": server.url("/off"), "enabled": False})  # fmt: skip

    done = run_cli(settings, "connector", "run", "--once", "--feeds", path)
    assert done.returncode == 0, done.stderr
    assert (
        "good: ok (2 new, 0 revised)" in done.stdout and "bad: FAILED (1x): HTTP 404" in done.stdout
    )
    assert server.requests_for("/off") == []

    shown = run_cli(settings, "feeds", "status", "--json", "--feeds", path)
    assert shown.returncode == 0, shown.stderr
    rows = {row["name"]: row for row in json.loads(shown.stdout)}
    assert rows["good"]["items_produced"] == 2 and rows["good"]["last_success"]
    assert rows["bad"]["last_error"] == "HTTP 404" and rows["bad"]["consecutive_failures"] == 1
    assert rows["off"]["status"] == "never polled"
    for row in rows.values():
        assert {
            "last_success",
            "last_error",
            "consecutive_failures",
            "items_produced",
            "next_poll",
        } <= set(row)

    text = run_cli(settings, "feeds", "status", "--feeds", path)
    assert text.returncode == 0 and "bad  [failing]" in text.stdout and "HTTP 404" in text.stdout


def test_cli_rejects_an_invalid_feeds_file_naming_feed_and_field(settings, tmp_path):
    path = tmp_path / "feeds.yaml"
    path.write_text("feeds:\n  - name: broken\n    url: not-a-url\n", encoding="utf-8")
    done = run_cli(settings, "connector", "run", "--once", "--feeds", str(path))
    assert done.returncode == 2
    assert "entry 'broken'" in done.stderr and "field 'url'" in done.stderr


def test_items_no_feed_carried_for_a_month_are_forgotten(settings, server, tmp_path):
    from datetime import UTC, datetime, timedelta

    from newsflow.connectors.cli import run_connector
    from newsflow.connectors.state import ItemState, read_state

    stale = ItemState(rev=3, hashes=["0" * 32], last_seen=datetime.now(UTC) - timedelta(days=40))
    fresh = ItemState(rev=1, hashes=["1" * 32], last_seen=datetime.now(UTC) - timedelta(days=2))
    producer = kafka_producer(settings)
    try:
        ConnectorState(settings).persist(
            producer, [], {"stale-item-0001": stale, "fresh-item-0001": fresh}
        )
    finally:
        producer.close(timeout=5)
    server.routes["/feed"] = Route(rss(("https://prune.example/1", "Kept", "k")))
    path = feeds_file(tmp_path, feed=server.url("/feed"))
    assert run_connector(settings, path, once=True) == 0
    items = read_state(settings).items
    assert "stale-item-0001" not in items  # tombstoned on the compacted topic
    assert items["fresh-item-0001"] == fresh
    assert len(items) == 2


def test_run_exits_non_zero_when_the_connector_cannot_run(stack, server, tmp_path):
    from newsflow.connectors.cli import run_connector
    from tests.support.stack import unique_prefix

    server.routes["/feed"] = Route(rss(("https://x.example/1", "X", "x")))
    missing = stack.with_overrides(
        topics={"connector_state": f"{unique_prefix()}.connector-state"},
        connector={"allow_private_addresses": True},
    )
    path = feeds_file(tmp_path, feed=server.url("/feed"))
    assert run_connector(missing, path, once=True) == 1  # no state topic: `newsflow init` first
    assert server.requests == []


def test_cli_continuous_run_stops_gracefully_on_sigterm(settings, server, tmp_path):
    import signal

    server.routes["/feed"] = Route(
        rss(("https://sigterm.example/1", "Before stop", "x")), etag=True
    )
    path = feeds_file(tmp_path, feed=server.url("/feed"))
    env = settings_env(settings)
    env["NEWSFLOW_CONNECTOR__ALLOW_PRIVATE_ADDRESSES"] = "true"
    proc = subprocess.Popen(
        [sys.executable, "-m", "newsflow.cli", "connector", "run", "--feeds", path],
        env=env, cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        wait_for(
            lambda: status(settings, path)["feed"]["items_produced"] == 1,
            timeout=20.0,
            what="the first poll's state",
        )
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, stderr
    assert [r.title for _, r in raw_records(settings)] == ["Before stop"]
