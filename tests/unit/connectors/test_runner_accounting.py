"""Unit tests: every entry of a polled feed is accounted for (records, skipped, duplicates,
unchanged), and skipped entries are logged with the feed's name."""

from __future__ import annotations

import logging

from newsflow.connectors.feeds import FeedConfig
from tests.support.feeds import SETTINGS, commit, make, poll
from tests.support.servers import Route


def rss(*items: str) -> bytes:
    body = "".join(f"<item>{item}</item>" for item in items)
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>x</title>{body}</channel></rss>'.encode()


def test_every_entry_is_a_record_a_skip_a_duplicate_or_unchanged(server, caplog):
    feed = FeedConfig(name="odd-feed", url=server.url("/odd"))
    connector = make(SETTINGS, [feed])
    server.routes["/odd"] = Route(
        rss(
            "<title>A</title><link>https://e.example/a</link>",
            "<title>B, no link nor guid</title><description>text</description>",
            "<title>  </title>",  # nothing at all: skipped
            "<title>A again</title><link>https://e.example/a#top</link>",  # same canonical URL
        )
    )
    with caplog.at_level(logging.WARNING, logger="newsflow.connectors.runner"):
        first = poll(connector, feed)
    assert (first.entries, len(first.records), first.skipped, first.duplicates) == (4, 2, 1, 1)
    assert first.unchanged == 0
    skipped = [r for r in caplog.records if "empty item(s) skipped" in r.getMessage()]
    assert len(skipped) == 1 and skipped[0].feed == "odd-feed"
    assert "1 empty item(s) skipped" in first.state.warnings[0]

    commit(connector, first)
    server.routes["/odd"] = Route(
        rss(
            "<title>A</title><link>https://e.example/a</link>",
            "<title>B, no link nor guid</title><description>text</description>",
            "<title>C</title><link>https://e.example/c</link>",
        )
    )
    again = poll(connector, feed)
    assert [r.title for r in again.records] == ["C"]
    assert (again.entries, again.unchanged, again.skipped, again.duplicates) == (3, 2, 0, 0)


def test_a_state_write_kafka_does_not_acknowledge_is_retried_not_fatal(monkeypatch, caplog):
    """Records acknowledged, then Kafka goes away before the state is written: the connector
    retries the same write with backoff (it used to stop with 'connector stopped')."""
    import asyncio

    from newsflow.connectors.state import StateError

    connector = make(SETTINGS, [])
    writes: list[tuple[list, dict]] = []

    def persist(producer, feeds, items):
        writes.append((feeds, items))
        if len(writes) < 3:
            msg = "state topic 'news.connector-state': flush failed: KafkaTimeoutError"
            raise StateError(msg)

    sleeps: list[float] = []

    async def no_sleep(seconds: float) -> None:
        sleeps.append(seconds)

    monkeypatch.setattr(connector.state, "persist", persist)
    monkeypatch.setattr("newsflow.connectors.runner.asyncio.sleep", no_sleep)
    with caplog.at_level(logging.WARNING, logger="newsflow.connectors.runner"):
        asyncio.run(connector._persist(["feed state"], {"id": "item state"}))
    assert len(writes) == 3 and all(w == (["feed state"], {"id": "item state"}) for w in writes)
    assert sleeps == [1.0, 2.0]
    warned = [r for r in caplog.records if r.getMessage().startswith("Kafka unavailable")]
    assert len(warned) == 2
