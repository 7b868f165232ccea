"""Feed connector: RssConnector schedules polls, produces records and advances state after acks."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from newsflow.connectors.feeds import FeedConfig
from newsflow.connectors.fetcher import FetchResult, HttpFetcher, parse_max_age
from newsflow.connectors.fulltext import FullTextExtractor
from newsflow.connectors.metrics import CONSECUTIVE_FAILURES, ITEMS_PRODUCED, STATE_WRITE_RETRIES
from newsflow.connectors.parser import FeedItem, FeedParseError, ParsedFeed, parse_feed, to_record
from newsflow.connectors.schedule import backoff_delay, effective_interval
from newsflow.connectors.state import (
    LAST_SEEN_REFRESH,
    ConnectorState,
    FeedState,
    ItemState,
    StateError,
)
from newsflow.retry import until_kafka_answers_async
from newsflow.schema import RawArticle, utcnow
from newsflow.settings import Settings
from newsflow.urls import AddressGuard

log = logging.getLogger(__name__)

COMMIT_LINGER = 0.2  # seconds to gather more finished polls into one flush


@dataclass
class PollResult:
    """One poll: the feed's next state and the records to produce (not yet acknowledged)."""

    feed: FeedConfig
    state: FeedState
    records: list[RawArticle] = field(default_factory=list)
    items: dict[str, ItemState] = field(default_factory=dict)
    interval: float = 300.0
    # what became of every entry of the document: records + skipped + duplicates + unchanged
    entries: int = 0
    skipped: int = 0  # empty entries (no link, guid, title, date or text)
    duplicates: int = 0  # an id already seen earlier in the same document
    unchanged: int = 0  # content produced before (by this feed or another)

    @property
    def ok(self) -> bool:
        return self.state.consecutive_failures == 0


@dataclass
class RunReport:
    polled: int = 0
    failed: int = 0
    produced: int = 0
    revisions: int = 0
    kafka_failures: int = 0
    entries: int = 0  # entries read from the feeds that were parsed and acknowledged
    skipped: int = 0
    duplicates: int = 0
    unchanged: int = 0
    lines: list[str] = field(default_factory=list)


class RssConnector:
    """Polls RSS/Atom feeds concurrently and produces new items and revisions to the raw topic."""

    def __init__(
        self,
        settings: Settings,
        feeds: list[FeedConfig],
        producer,
        state: ConnectorState,
        guard: AddressGuard | None = None,  # the SSRF guard; default: the settings' policy
    ):
        self.settings = settings
        self.guard = guard
        self.feeds = feeds
        self.producer = producer
        self.state = state
        self.default_interval = settings.connector.default_interval.total_seconds()
        self.max_backoff = settings.connector.max_backoff.total_seconds()
        self.fetcher: HttpFetcher | None = None
        self.full_text: FullTextExtractor | None = None
        self.report = RunReport()
        self._pending: dict[str, ItemState] = {}  # decided this run, not yet acknowledged
        self._in_flight: set[str] = set()
        self._queue: asyncio.Queue[PollResult] = asyncio.Queue()

    # --- the loop -------------------------------------------------------------------------

    async def run(
        self,
        once: bool = False,
        stop: asyncio.Event | None = None,
        reload: Callable[[], list[FeedConfig] | None] | None = None,
    ) -> RunReport:
        """Poll every enabled feed once (`once`), or keep polling on schedule until `stop`."""
        stop = stop or asyncio.Event()
        connector = self.settings.connector
        self.fetcher = HttpFetcher(connector, self.guard)
        self.full_text = FullTextExtractor(
            self.fetcher, connector.full_text_rate, connector.user_agent
        )
        committer = asyncio.create_task(self._commit_loop())
        polls: set[asyncio.Task] = set()
        pruned_at: datetime | None = None
        try:
            while True:
                if pruned_at is None or utcnow() - pruned_at > timedelta(hours=24):
                    pruned_at = utcnow()
                    await asyncio.to_thread(self.state.prune, self.producer, pruned_at)
                if reload and (feeds := reload()) is not None:
                    self.feeds = feeds
                for feed in self._due(once):
                    self._spawn(feed, polls)
                if once or stop.is_set():
                    break
                if committer.done():
                    committer.result()  # re-raise what stopped the committer (Kafka gone)
                try:
                    await asyncio.wait_for(stop.wait(), timeout=1.0)
                except TimeoutError:
                    pass
            await self._drain(polls, committer)
        finally:
            committer.cancel()
            await asyncio.gather(committer, return_exceptions=True)
            await self.fetcher.aclose()
        return self.report

    def _spawn(self, feed: FeedConfig, polls: set[asyncio.Task]) -> None:
        self._in_flight.add(feed.name)
        task = asyncio.create_task(self._poll_and_queue(feed))
        polls.add(task)
        task.add_done_callback(polls.discard)

    async def _drain(self, polls: set[asyncio.Task], committer: asyncio.Task) -> None:
        """Let running polls finish and their records be acknowledged (graceful stop)."""
        if polls:
            await asyncio.gather(*polls)
        while self._in_flight:
            await asyncio.sleep(0.05)
            if committer.done():
                committer.result()  # re-raise what stopped the committer

    def _due(self, once: bool) -> list[FeedConfig]:
        now = utcnow()
        due = []
        for feed in self.feeds:
            if not feed.enabled or feed.name in self._in_flight:
                continue
            known = self.state.feeds.get(feed.name)
            next_poll = known.next_poll_at if known and known.config_url == feed.url else None
            if once or next_poll is None or next_poll <= now:
                due.append(feed)
        return due

    async def _poll_and_queue(self, feed: FeedConfig) -> None:
        try:
            result = await self.poll(feed)
        except Exception as exc:  # a bug must not take the other feeds down
            log.exception("feed poll crashed", extra={"feed": feed.name})
            previous = self._previous(feed)
            interval = feed.interval or self.default_interval
            result = self._failure(
                feed, previous, utcnow(), f"internal error: {exc!r}", "error", 0, None, interval
            )
        await self._queue.put(result)

    # --- one poll -------------------------------------------------------------------------

    def _previous(self, feed: FeedConfig) -> FeedState:
        known = self.state.feeds.get(feed.name)
        # a new feed, or the operator changed its URL: start afresh (seen items are kept)
        if known is None or known.config_url != feed.url:
            return FeedState(name=feed.name, config_url=feed.url, url=feed.url)
        return known

    async def poll(self, feed: FeedConfig) -> PollResult:
        """Fetch, parse and decide what to produce for one feed; never raises for feed errors."""
        assert self.fetcher is not None
        previous = self._previous(feed)
        interval = feed.interval or self.default_interval
        # once a day, fetch unconditionally and parse, so items of a feed that keeps answering
        # 304 stay "seen" and are not forgotten by the 30-day pruning
        full = (
            previous.last_parsed_at is None
            or utcnow() - previous.last_parsed_at > LAST_SEEN_REFRESH
        )
        etag, modified = (None, None) if full else (previous.etag, previous.last_modified)
        fetched = await self.fetcher.fetch(previous.url, etag, modified)
        now = utcnow()
        if not fetched.ok:
            return self._failure(
                feed, previous, now, fetched.error or fetched.outcome, fetched.outcome,
                fetched.status, fetched.retry_after, interval,
            )  # fmt: skip
        if fetched.outcome == "not_modified":
            hinted = effective_interval(
                interval, parse_max_age(fetched.headers.get("cache-control")), previous.interval
            )
            state = self._success(
                previous, fetched, now, hinted, previous.etag, previous.last_modified, []
            )
            return PollResult(feed, state, interval=hinted)
        body_hash = hashlib.sha256(fetched.body).hexdigest()[:32]
        if body_hash == previous.body_hash and not full:
            # a server that ignores validators sent the same bytes: nothing can have changed
            hinted = effective_interval(
                interval, parse_max_age(fetched.headers.get("cache-control")), previous.interval
            )
            etag, modified = fetched.headers.get("etag"), fetched.headers.get("last-modified")
            state = self._success(previous, fetched, now, hinted, etag, modified, previous.warnings)
            return PollResult(
                feed, state.model_copy(update={"last_outcome": "unchanged"}), interval=hinted
            )
        try:
            parsed = await asyncio.to_thread(
                parse_feed, fetched.body, fetched.url, fetched.headers, feed.url
            )
        except FeedParseError as exc:
            return self._failure(
                feed, previous, now, str(exc), "parse_error", fetched.status, None, interval
            )
        hinted = effective_interval(
            interval,
            parse_max_age(fetched.headers.get("cache-control")),
            parsed.ttl,
            parsed.update_period,
        )
        warnings = self._warnings(feed, parsed)
        etag, modified = fetched.headers.get("etag"), fetched.headers.get("last-modified")
        state = self._success(previous, fetched, now, hinted, etag, modified, warnings)
        state = state.model_copy(update={"body_hash": body_hash, "last_parsed_at": now})
        records, items, unchanged = await self._records(feed, parsed.items, state.url, now)
        return PollResult(
            feed, state, records, items, hinted,
            parsed.entries, parsed.skipped, parsed.duplicates, unchanged,
        )  # fmt: skip

    def _warnings(self, feed: FeedConfig, parsed: ParsedFeed) -> list[str]:
        warnings = list(parsed.warnings)
        if parsed.skipped:
            warnings.append(
                f"{parsed.skipped} empty item(s) skipped (no link, guid, title, date or text)"
            )
        if parsed.duplicates:
            warnings.append(f"{parsed.duplicates} duplicate item(s) in the feed ignored")
        for warning in warnings:
            log.warning("feed warning: %s", warning, extra={"feed": feed.name})
        return warnings

    async def _records(
        self, feed: FeedConfig, items: list[FeedItem], feed_url: str, now: datetime
    ) -> tuple[list[RawArticle], dict[str, ItemState], int]:
        """The records to produce, the item states to persist, and how many items were unchanged."""
        decided: list[tuple[FeedItem, int]] = []
        states: dict[str, ItemState] = {}
        unchanged = 0
        for item in items:  # no await in this loop: decisions across concurrent polls are atomic
            known = self._pending.get(item.id) or self.state.items.get(item.id)
            if known is not None and item.content_hash in known.hashes:
                # unchanged (or an older version some feed still carries): only keep it alive
                if known.last_seen is None or now - known.last_seen > LAST_SEEN_REFRESH:
                    states[item.id] = known.model_copy(update={"last_seen": now})
                unchanged += 1
                continue
            if known is None:
                new = ItemState(rev=1, hashes=[item.content_hash], feed=feed.name, last_seen=now)
            else:
                new = known.revised(item.content_hash, feed.name, now)
            self._pending[item.id] = states[item.id] = new
            decided.append((item, new.rev))
        texts: list[str | None] = [None] * len(decided)
        if feed.full_text and self.full_text is not None:
            texts = await asyncio.gather(*(self._page_text(item) for item, _ in decided))
        records = [
            to_record(item, feed, feed_url, now, revision, text)
            for (item, revision), text in zip(decided, texts, strict=True)
        ]
        return records, states, unchanged

    async def _page_text(self, item: FeedItem) -> str | None:
        if item.content_html or not item.url or self.full_text is None:
            return None  # the feed carries the content already
        return await self.full_text.extract(item.url)

    def _success(
        self, previous: FeedState, fetched: FetchResult, now: datetime, interval: float,
        etag: str | None, modified: str | None, warnings: list[str],
    ) -> FeedState:  # fmt: skip
        if fetched.permanent_url:
            log.info(
                "feed moved permanently",
                extra={"feed": previous.name, "from": previous.url, "to": fetched.permanent_url},
            )
        return previous.model_copy(
            update={
                "url": fetched.permanent_url or previous.url,
                "etag": etag,
                "last_modified": modified,
                "last_status": fetched.status,
                "last_outcome": fetched.outcome,
                "last_poll_at": now,
                "last_success_at": now,
                "consecutive_failures": 0,
                "next_poll_at": now + timedelta(seconds=interval),
                "interval": interval,
                "warnings": warnings,
            }
        )

    def _failure(
        self, feed: FeedConfig, previous: FeedState, now: datetime, reason: str, outcome: str,
        status: int, retry_after: float | None, interval: float,
    ) -> PollResult:  # fmt: skip
        failures = previous.consecutive_failures + 1
        delay = backoff_delay(failures, interval, self.max_backoff, retry_after)
        state = previous.model_copy(
            update={
                "last_status": status or None,
                "last_outcome": outcome,
                "last_poll_at": now,
                "last_error": reason,
                "last_error_at": now,
                "consecutive_failures": failures,
                "next_poll_at": now + timedelta(seconds=delay),
            }
        )
        log.warning(
            "feed poll failed: %s",
            reason,
            extra={"feed": feed.name, "url": previous.url, "outcome": outcome, "failures": failures,
                   "retry_in_s": round(delay, 1)},
        )  # fmt: skip
        return PollResult(feed, state, interval=interval)

    # --- produce, then advance state ------------------------------------------------------

    async def _commit_loop(self) -> None:
        while True:
            batch = [await self._queue.get()]
            await asyncio.sleep(COMMIT_LINGER)
            while not self._queue.empty():
                batch.append(self._queue.get_nowait())
            try:
                await self._commit(batch)
            finally:
                for result in batch:
                    self._in_flight.discard(result.feed.name)

    async def _commit(self, batch: list[PollResult]) -> None:
        """Produce the records, wait for acks, then persist state: a crash may repeat, never lose."""
        acked, error = await asyncio.to_thread(self._produce, batch)
        final: list[PollResult] = []
        for result in batch:
            if not result.records or result.feed.name in acked:
                produced = result.state.items_produced + len(result.records)
                state = result.state.model_copy(update={"items_produced": produced})
                final.append(dataclasses.replace(result, state=state))
                continue
            # keep the old validators: the next poll must fetch these items again
            self.report.kafka_failures += 1
            for item_id in result.items:
                self._pending.pop(item_id, None)
            reason = f"Kafka did not acknowledge the records: {error}"
            previous = self._previous(result.feed)
            final.append(self._failure(
                result.feed, previous, utcnow(), reason, "kafka_error", 0, None, result.interval
            ))  # fmt: skip
        feeds = [r.state for r in final]
        items = {k: v for r in final for k, v in r.items.items()}
        await self._persist(feeds, items)
        self.state.apply(feeds, items)
        for item_id, item_state in items.items():
            if self._pending.get(item_id) is item_state:
                del self._pending[item_id]
        for result in final:
            self._account(result)

    async def _persist(self, feeds: list[FeedState], items: dict[str, ItemState]) -> None:
        """Write the state, retrying with backoff while Kafka is away: the records are
        acknowledged already, and the next polls wait in the queue (nothing is skipped)."""
        await until_kafka_answers_async(
            lambda: asyncio.to_thread(self.state.persist, self.producer, feeds, items),
            "connector state not written yet",
            STATE_WRITE_RETRIES,
            logger=log,
        )

    def _produce(self, batch: list[PollResult]) -> tuple[set[str], str | None]:
        """Send every record, flush; returns the feeds whose records were all acknowledged."""
        topic = self.settings.topics.raw
        futures: dict[str, list] = {}
        error: str | None = None
        for result in (r for r in batch if r.records):
            try:
                futures[result.feed.name] = [
                    self.producer.send(topic, key=r.id.encode("utf-8"), value=r.to_json())
                    for r in result.records
                ]
            except Exception as exc:  # e.g. no metadata for the topic within max_block_ms
                error = f"{type(exc).__name__}: {exc}"
                log.error("cannot send records", extra={"feed": result.feed.name, "error": error})
        if not futures:
            return set(), error
        try:
            self.producer.flush(timeout=60)
        except Exception as exc:
            log.error("Kafka flush failed", extra={"topic": topic, "error": str(exc)})
            return set(), f"{type(exc).__name__}: {exc}"
        acked: set[str] = set()
        for name, sent in futures.items():
            failed = [f for f in sent if not f.succeeded()]
            if failed:
                error = str(failed[0].exception)
                log.error("records not acknowledged", extra={"feed": name, "error": error})
            else:
                acked.add(name)
        return acked, error

    def _account(self, result: PollResult) -> None:
        state = result.state
        CONSECUTIVE_FAILURES.labels(state.name).set(state.consecutive_failures)
        self.report.polled += 1
        if not result.ok:
            self.report.failed += 1
            self.report.lines.append(
                f"{state.name}: FAILED ({state.consecutive_failures}x): {state.last_error}"
            )
            return
        revisions = sum(1 for r in result.records if r.revision > 1)
        new = len(result.records) - revisions
        if new:
            ITEMS_PRODUCED.labels(state.name, "new").inc(new)
        if revisions:
            ITEMS_PRODUCED.labels(state.name, "revision").inc(revisions)
        self.report.produced += len(result.records)
        self.report.revisions += revisions
        self.report.entries += result.entries
        self.report.skipped += result.skipped
        self.report.duplicates += result.duplicates
        self.report.unchanged += result.unchanged
        what = {"not_modified": "not modified", "unchanged": "unchanged body"}.get(
            state.last_outcome or "", f"{new} new, {revisions} revised"
        )
        self.report.lines.append(f"{state.name}: ok ({what})")
        log.info(
            "feed polled",
            extra={"feed": state.name, "outcome": state.last_outcome, "new": new, "revisions": revisions,
                   "entries": result.entries, "skipped": result.skipped,
                   "duplicates": result.duplicates, "unchanged": result.unchanged,
                   "next_poll": state.next_poll_at.isoformat() if state.next_poll_at else None},
        )  # fmt: skip


__all__ = ["PollResult", "RssConnector", "RunReport", "StateError"]
