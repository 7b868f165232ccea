"""Feeds for the connector tests: fixture documents, small RSS, feeds files, the connector's
status, and a connector polled without Kafka."""

from __future__ import annotations

import asyncio
from pathlib import Path

import yaml

from newsflow.connectors.cli import status_rows
from newsflow.connectors.feeds import FeedConfig, load_feeds
from newsflow.connectors.fetcher import HttpFetcher
from newsflow.connectors.runner import PollResult, RssConnector
from newsflow.connectors.state import ConnectorState, read_state
from newsflow.settings import Settings

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "feeds"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def rss(*items: tuple[str, str, str], title: str = "Test feed") -> bytes:
    """A small RSS 2.0 document from (link, title, description) triples."""
    body = "".join(
        f"<item><title>{t}</title><link>{link}</link><description>{d}</description></item>"
        for link, t, d in items
    )
    doc = f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{title}</title>{body}</channel></rss>'
    return doc.encode("utf-8")


def feeds_file(tmp_path: Path, **feeds: str | dict) -> str:
    entries = []
    for name, spec in feeds.items():
        entry = {"url": spec} if isinstance(spec, str) else dict(spec)
        entries.append({"name": name, **entry})
    path = tmp_path / "feeds.yaml"
    path.write_text(yaml.safe_dump({"feeds": entries}), encoding="utf-8")
    return str(path)


def status(settings: Settings, path: str) -> dict[str, dict]:
    rows = status_rows(load_feeds(Path(path)), read_state(settings).feeds)
    return {row["name"]: row for row in rows}


SETTINGS = Settings().with_overrides(connector={"allow_private_addresses": True})


def make(settings: Settings, feeds: list[FeedConfig]) -> RssConnector:
    return RssConnector(settings, feeds, producer=None, state=ConnectorState(settings))


def poll(connector: RssConnector, feed: FeedConfig) -> PollResult:
    """One poll of `feed`, with a fetcher of its own (closed after)."""

    async def go() -> PollResult:
        connector.fetcher = HttpFetcher(connector.settings.connector)
        try:
            return await connector.poll(feed)
        finally:
            await connector.fetcher.aclose()

    return asyncio.run(go())


def commit(connector: RssConnector, result: PollResult) -> None:
    """What the committer does after Kafka acked: remember the decisions."""
    connector.state.apply([result.state], result.items)
    connector._pending.clear()
