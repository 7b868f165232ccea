"""Feed connector: `newsflow connector run` and `newsflow feeds status`."""

from __future__ import annotations

import asyncio
import json
import logging
import signal
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from kafka.errors import KafkaError

from newsflow.clients import kafka_producer
from newsflow.connectors.feeds import FeedConfig, feeds_file, load_feeds
from newsflow.connectors.runner import RssConnector
from newsflow.connectors.state import ConnectorState, FeedState, StateError, read_state
from newsflow.credentials import check_credentials
from newsflow.errors import ConfigError
from newsflow.metrics import serve_metrics
from newsflow.schema import iso
from newsflow.settings import Settings
from newsflow.urls import AddressGuard

log = logging.getLogger(__name__)


def run_connector(
    settings: Settings, feeds_path: str | None, once: bool, guard: AddressGuard | None = None
) -> int:
    """Run the connector; 0 unless the connector itself could not run (feed errors are reported).
    `guard`: the SSRF guard (default: connector.allow_private_addresses with the system's DNS)."""
    path = feeds_file(settings, feeds_path)
    feeds = load_feeds(path)
    log.info(
        "connector starting",
        extra={"feeds_file": str(path), "feeds": len(feeds), "once": once, "raw_topic": settings.topics.raw,
               "config": settings.masked()["connector"]},
    )  # fmt: skip
    check_credentials(settings, elasticsearch=False)  # refused: one line, not a 30 s timeout
    try:
        state = ConnectorState(settings).load()
        producer = kafka_producer(settings)
    except (StateError, KafkaError) as exc:
        log.error("cannot start: Kafka or the connector state is unavailable: %s", exc)
        return 1
    try:
        if not once:
            serve_metrics(settings.connector.metrics_port)
        connector = RssConnector(settings, feeds, producer, state, guard)
        report = asyncio.run(_run(connector, once, _reloader(path) if not once else None))
    except (StateError, KafkaError, OSError) as exc:  # OSError: e.g. the metrics port is taken
        log.error("connector stopped: %s", exc)
        return 1
    finally:
        producer.close(timeout=10)
    if once:
        for line in report.lines:
            print(line)
        print(
            f"polled {report.polled} feed(s): {report.failed} failed, "
            f"{report.produced} record(s) produced ({report.revisions} revision(s))"
        )
    # --once promised "everything acknowledged"; the continuous mode retried such feeds itself
    return 1 if once and report.kafka_failures else 0


async def _run(
    connector: RssConnector, once: bool, reload: Callable[[], list[FeedConfig] | None] | None
):
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):  # not the main thread (tests)
            pass
    return await connector.run(once=once, stop=stop, reload=reload)


def _reloader(path: Path) -> Callable[[], list[FeedConfig] | None]:
    """Reload the feeds file when it changes; a broken edit keeps the previous feeds.

    A change is a new (mtime, size). A version that does not load is tried again at the next
    tick rather than remembered as seen: a file written in two steps (truncated, then written)
    within one tick of the file system's clock has one mtime for both, and would otherwise
    never be read complete."""
    loaded = [_version(path)]
    reported: list[tuple[int, int] | None] = [None]

    def reload() -> list[FeedConfig] | None:
        version = _version(path)
        if version is None or version == loaded[0]:
            return None
        try:
            feeds = load_feeds(path)
        except ConfigError as exc:
            if reported[0] != version:  # once per version, not every tick
                reported[0] = version
                log.error("feeds file changed but is invalid, keeping the previous feeds: %s", exc)
            return None
        loaded[0] = version
        log.info("feeds file reloaded", extra={"feeds": len(feeds)})
        return feeds

    return reload


def _version(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size


def feeds_status(settings: Settings, feeds_path: str | None, as_json: bool) -> int:
    """Print per-feed health from the state topic (works from any process)."""
    feeds = load_feeds(feeds_file(settings, feeds_path))
    try:
        state = read_state(settings)
    except (StateError, KafkaError) as exc:
        log.error("%s", exc)
        return 1
    rows = status_rows(feeds, state.feeds)
    if as_json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return 0
    for row in rows:
        print(_format_row(row))
    return 0


def status_rows(feeds: list[FeedConfig], states: dict[str, FeedState]) -> list[dict[str, Any]]:
    rows = []
    for feed in feeds:
        state = states.get(feed.name)
        if state is not None and state.config_url != feed.url:
            state = None  # the URL changed in the config: the old history is not this feed's
        rows.append(_row(feed, state))
    return rows


def _row(feed: FeedConfig, state: FeedState | None) -> dict[str, Any]:
    def when(value: datetime | None) -> str | None:
        return iso(value) if value else None

    if state is None:
        return {
            "name": feed.name, "url": feed.url, "enabled": feed.enabled, "status": "never polled",
            "last_success": None, "last_error": None, "last_error_at": None, "consecutive_failures": 0,
            "items_produced": 0, "next_poll": None, "current_url": feed.url, "warnings": [],
        }  # fmt: skip
    if not feed.enabled:
        status = "disabled"
    elif state.consecutive_failures:
        status = "failing"
    else:
        status = "ok"
    return {
        "name": feed.name,
        "url": feed.url,
        "enabled": feed.enabled,
        "status": status,
        "last_success": when(state.last_success_at),
        "last_error": state.last_error,
        "last_error_at": when(state.last_error_at),
        "consecutive_failures": state.consecutive_failures,
        "items_produced": state.items_produced,
        "next_poll": when(state.next_poll_at) if feed.enabled else None,
        "current_url": state.url,
        "last_status": state.last_status,
        "warnings": state.warnings,
    }


def _format_row(row: dict[str, Any]) -> str:
    lines = [f"{row['name']}  [{row['status']}]  {row['current_url']}"]
    lines.append(
        f"    last success: {row['last_success'] or '-'}   items produced: {row['items_produced']}"
        f"   next poll: {row['next_poll'] or '-'}"
    )
    if row["last_error"]:
        lines.append(
            f"    last error: {row['last_error']} (at {row['last_error_at']}, "
            f"{row['consecutive_failures']} consecutive failure(s))"
        )
    for warning in row.get("warnings") or []:
        lines.append(f"    warning: {warning}")
    return "\n".join(lines)


__all__ = ["feeds_status", "run_connector", "status_rows"]
