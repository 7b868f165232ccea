"""The fault matrix's harness: known articles served as RSS feeds, the real connector, pipeline and
notifier as processes, a webhook receiver, and the account of one case as a row.

A case runs in three steps: wave A is published and must be fully accounted for (the system
works before the fault); the fault happens, with wave B published while it lasts; after the
fault ends, everything must be accounted for. A row counts every article (indexed, dead-lettered,
an exact duplicate dropped, or lost) and every alert (delivered, delivered twice, lost), and
the seconds from the end of the fault until nothing was missing."""

from __future__ import annotations

import os
import random
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import yaml
from werkzeug import Request as WsgiRequest
from werkzeug import Response

from newsflow.settings import PROJECT_ROOT, Settings
from tests.support.clients import es_count, index_writes
from tests.support.factories import VOCABULARY
from tests.support.processes import log_tail
from tests.support.proxies import ToxicProxy
from tests.support.servers import FeedServer, Request, Route, serve, stop
from tests.support.stack import settings_env
from tests.support.waiting import wait_for

RULE_WORD = "treaty"  # every fifth article has it: one alert each (each is its own story)
FEEDS = 4
POLL = "10s"  # the connector's shortest polite interval


# --- the articles and their feeds ---------------------------------------------------------


@dataclass(frozen=True)
class Item:
    n: int
    link: str
    title: str
    body: str
    published: datetime

    @property
    def alerting(self) -> bool:
        return self.n % 5 == 0


def make_items(case: str, count: int, start: int = 0) -> list[Item]:
    """`count` articles that share no story: 80 random words each from a 120-word vocabulary."""
    now = datetime.now(UTC).replace(microsecond=0)
    items = []
    for n in range(start, start + count):
        rng = random.Random(f"{case}/{n}")
        words = rng.choices(VOCABULARY, k=80)
        if n % 5 == 0:
            words.insert(rng.randrange(len(words)), RULE_WORD)
        body = " ".join(words).capitalize() + "."
        items.append(
            Item(
                n=n,
                link=f"https://chaos.example/{case}/{n}",
                title=f"{case} report {n}: {' '.join(words[:4])}",
                body=body,
                published=now - timedelta(seconds=n),
            )
        )
    return items


def rss(feed: int, items: list[Item]) -> bytes:
    entries = "".join(
        f"<item><title>{escape(i.title)}</title><link>{i.link}</link>"
        f"<description>{escape(i.body)}</description>"
        f"<pubDate>{format_datetime(i.published)}</pubDate></item>\n"
        for i in reversed(items)
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
        f"<title>Chaos wire {feed}</title><link>https://chaos.example/</link>\n"
        f"{entries}</channel></rss>"
    ).encode()


class Feeds:
    """FEEDS feeds on a local server; `publish` makes more items visible (round robin over the
    feeds, or all into one feed: a large feed)."""

    def __init__(self) -> None:
        self.server = FeedServer().start()
        self.items: list[Item] = []
        self._by_feed: dict[int, list[Item]] = {f: [] for f in range(FEEDS)}
        self._bodies: dict[int, bytes] = {f: rss(f, []) for f in range(FEEDS)}
        self._lock = threading.Lock()
        for feed in range(FEEDS):
            self.server.routes[f"/feed/{feed}"] = self._route(feed)

    def _route(self, feed: int) -> Callable[[Request], Route]:
        return lambda _request: Route(self._bodies[feed], etag=True)

    def publish(self, items: list[Item], feed: int | None = None) -> None:
        with self._lock:
            for item in items:
                self._by_feed[item.n % FEEDS if feed is None else feed].append(item)
            self.items += items
            for f, listed in self._by_feed.items():
                self._bodies[f] = rss(f, listed)

    def entries(self) -> list[dict[str, Any]]:
        return [
            {"name": f"chaos-{f}", "url": self.server.url(f"/feed/{f}"), "interval": POLL}
            for f in range(FEEDS)
        ]

    def close(self) -> None:
        self.server.stop()


# --- the webhook receiver -------------------------------------------------------------------


@dataclass
class Delivery:
    alert_id: str
    status: int
    heard: bool  # the notifier was still connected when the answer went out


@dataclass
class Receiver:
    """A webhook endpoint that records every request; it can answer `failing` (e.g. 500) until
    a deadline, or hold requests (`hang`) until released."""

    deliveries: list[Delivery] = field(default_factory=list)
    failing: int = 500
    fail_until: float = 0.0  # time.monotonic() before which requests fail
    hang: threading.Event = field(default_factory=threading.Event)
    hanging: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._http = serve(self._handle, "POST")
        self.url = f"http://127.0.0.1:{self._http.port}/hook"

    def _handle(self, request: WsgiRequest) -> Response:
        alert_id = request.headers.get("X-Newsflow-Alert-Id", "")
        if self.hang.is_set():
            self.hanging.set()
            self.release.wait(300)
        status = self.failing if time.monotonic() < self.fail_until else 200
        heard = _still_connected(request.environ["werkzeug.socket"])
        with self.lock:
            self.deliveries.append(Delivery(alert_id, status, heard))
        return Response(b"ok", status=status)

    def delivered(self) -> Counter[str]:
        """Alert id -> times it was answered 200 to a notifier that heard the answer."""
        with self.lock:
            return Counter(d.alert_id for d in self.deliveries if d.status == 200 and d.heard)

    def requests(self) -> Counter[str]:
        with self.lock:
            return Counter(d.alert_id for d in self.deliveries)

    def close(self) -> None:
        self.release.set()
        stop(self._http)


def _still_connected(conn: socket.socket) -> bool:
    """False when the peer has closed (a notifier killed while its request hung)."""
    try:
        readable, _, _ = select.select([conn], [], [], 0)
        if not readable:
            return True
        return conn.recv(1, socket.MSG_PEEK) != b""
    except OSError:
        return False


# --- the processes ----------------------------------------------------------------------------

NEWSFLOW = [sys.executable, "-m", "newsflow.cli"]
COMMANDS = {
    "connector": ["connector", "run"],
    "pipeline": ["pipeline", "run"],
    "notifier": ["alerts", "run"],
}


@dataclass
class Row:
    case: str
    articles_in: int = 0
    indexed: int = 0
    dead_lettered: int = 0
    duplicates_dropped: int = 0
    duplicate_writes: int = 0
    replays_refused: int = 0
    alerts_expected: int = 0
    alerts_delivered: int = 0
    alerts_twice: int = 0
    alerts_resent: int = 0
    recover_s: float | None = None
    seconds: float = 0.0
    restarts: dict[str, int] = field(default_factory=dict)
    exits: dict[str, int | None] = field(default_factory=dict)

    @property
    def lost(self) -> int:
        return self.articles_in - self.indexed - self.dead_lettered - self.duplicates_dropped

    @property
    def alerts_lost(self) -> int:
        return self.alerts_expected - self.alerts_delivered

    HEADER = (
        "| case | in | indexed | dead-lettered | duplicates dropped | duplicate writes | "
        "replays refused | alerts | alerts twice | alerts re-sent | lost | recover (s) |"
    )

    def markdown(self) -> str:
        recover = "-" if self.recover_s is None else f"{self.recover_s:.1f}"
        return (
            f"| {self.case} | {self.articles_in} | {self.indexed} | {self.dead_lettered} | "
            f"{self.duplicates_dropped} | {self.duplicate_writes} | {self.replays_refused} | "
            f"{self.alerts_delivered}/{self.alerts_expected} | {self.alerts_twice} | "
            f"{self.alerts_resent} | {self.lost} | {recover} |"
        )


class Flow:
    """Connector, pipeline and notifier on isolated topics and indices, fed by `Feeds`,
    delivering to `Receiver`. Per-process environment overrides route a part through a fault
    proxy (e.g. the pipeline's NEWSFLOW_ES_URL)."""

    def __init__(
        self,
        case: str,
        settings: Settings,
        workdir: Path,
        env: dict[str, dict[str, str]] | None = None,
        delivery: dict[str, Any] | None = None,
    ):
        self.case = case
        self.settings = settings
        self.workdir = workdir
        self.feeds = Feeds()
        self.receiver = Receiver()
        self.env_overrides = env or {}
        self.procs: dict[str, subprocess.Popen] = {}
        self.restarts: Counter[str] = Counter()
        self.next_n = 0
        self.feeds_file = workdir / "feeds.yaml"
        self.feeds_file.write_text(yaml.safe_dump({"feeds": self.feeds.entries()}))
        self.rules_file = workdir / "alerts.yaml"
        policy = {"timeout": "5s", "max_attempts": 12, "backoff": "1s", "max_backoff": "60s"}
        rules = {
            "channels": {"hook": {"type": "webhook", "url": self.receiver.url}},
            "delivery": {**policy, **(delivery or {})},
            "rules": [{"id": "treaties", "query": RULE_WORD, "channels": ["hook"]}],
        }
        self.rules_file.write_text(yaml.safe_dump(rules))

    # processes

    def env(self, part: str) -> dict[str, str]:
        env = settings_env(self.settings)
        env.update(
            PYTHONUNBUFFERED="1",
            NEWSFLOW_ENRICHMENT__ENABLED="false",  # its own tests cover it; here it only costs CPU
            NEWSFLOW_ALERT_RULES=str(self.rules_file),
            NEWSFLOW_FEEDS=str(self.feeds_file),
            NEWSFLOW_CONNECTOR__ALLOW_PRIVATE_ADDRESSES="true",  # the feeds are on 127.0.0.1
            NEWSFLOW_ALERTS__ALLOW_PRIVATE_ADDRESSES="true",  # and so is the receiver
        )
        env.update(self.env_overrides.get(part, {}))
        return env

    def start(self, part: str) -> subprocess.Popen:
        log = (self.workdir / f"{part}.log").open("ab")
        proc = subprocess.Popen(
            [*NEWSFLOW, *COMMANDS[part]], cwd=PROJECT_ROOT, env=self.env(part),
            stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        if part in self.procs:
            self.restarts[part] += 1
        self.procs[part] = proc
        return proc

    def kill(self, part: str) -> None:
        proc = self.procs[part]
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)

    def saw(self, part: str, needle: str) -> int:
        """Lines of `part`'s log that contain `needle` (did the fault reach it?)."""
        return self._log_count(part, needle)

    def log(self, part: str) -> str:
        return log_tail(self.workdir / f"{part}.log", 3000)

    def dead(self) -> dict[str, int]:
        return {p: code for p, proc in self.procs.items() if (code := proc.poll()) is not None}

    def stop(self) -> dict[str, int | None]:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        codes: dict[str, int | None] = {}
        for part, proc in self.procs.items():
            try:
                codes[part] = proc.wait(60)
            except subprocess.TimeoutExpired:
                proc.kill()
                codes[part] = None
        return codes

    def close(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.kill()
        self.feeds.close()
        self.receiver.close()

    # articles

    def publish(self, count: int, feed: int | None = None) -> list[Item]:
        items = make_items(self.case, count, self.next_n)
        self.next_n += count
        self.feeds.publish(items, feed)
        return items

    def account(self, row: Row | None = None) -> Row:
        row = row or Row(self.case)
        row.articles_in = len(self.feeds.items)
        row.indexed = es_count(self.settings)
        row.dead_lettered = topic_size(self.settings, self.settings.topics.dlq)
        row.duplicates_dropped = self._log_count(
            "pipeline", '"duplicate dropped"', "duplicate dropped"
        )
        writes = index_writes(self.settings)
        row.duplicate_writes = writes.duplicate_writes
        row.replays_refused = writes.replays_refused
        row.alerts_expected = sum(1 for i in self.feeds.items if i.alerting)
        delivered = self.receiver.delivered()
        row.alerts_delivered = len(delivered)
        row.alerts_twice = sum(n - 1 for n in delivered.values())
        row.alerts_resent = sum(n - 1 for n in self.receiver.requests().values())
        row.restarts = dict(self.restarts)
        return row

    def _log_count(self, part: str, *needles: str) -> int:
        path = self.workdir / f"{part}.log"
        if not path.exists():
            return 0
        return sum(
            1
            for line in path.read_text(errors="replace").splitlines()
            if any(n in line for n in needles)
        )

    def settled(self) -> bool:
        row = self.account()
        return row.lost == 0 and row.alerts_lost == 0

    def wait_settled(self, timeout: float, what: str) -> float:
        """Seconds until every published article and alert is accounted for."""
        started = time.monotonic()
        while not self.settled():
            if time.monotonic() - started > timeout:
                row = self.account()
                logs = "\n".join(f"--- {p}\n{self.log(p)}" for p in self.procs)
                msg = f"{self.case}: not settled after {timeout:.0f}s ({what}): {row}\n{logs}"
                raise AssertionError(msg)
            dead = self.dead()
            if dead:
                logs = "\n".join(f"--- {p}\n{self.log(p)}" for p in dead)
                msg = f"{self.case}: exited {dead} ({what})\n{logs}"
                raise AssertionError(msg)
            time.sleep(0.5)
        return time.monotonic() - started


def topic_size(settings: Settings, topic: str) -> int:
    from kafka import TopicPartition

    from newsflow.clients import kafka_consumer

    consumer = kafka_consumer(settings, group_id=None)
    try:
        parts = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        return sum(consumer.end_offsets(parts).values()) if parts else 0
    finally:
        consumer.close()


Fault = Callable[[Flow], float]  # does the fault (publishing wave B meanwhile); returns its end


@contextmanager
def flow(case: str, settings: Settings, workdir: Path, **kwargs: Any) -> Iterator[Flow]:
    f = Flow(case, settings, workdir, **kwargs)
    try:
        yield f
    finally:
        f.close()


def run_case(f: Flow, fault: Fault, wave_a: int = 40, settle_timeout: float = 240) -> Row:
    """Wave A through a healthy system, then `fault` (which publishes wave B), then the row."""
    started = time.monotonic()
    for part in ("connector", "pipeline", "notifier"):
        f.start(part)
    f.publish(wave_a)
    f.wait_settled(180, "wave A, before the fault")
    ended = fault(f)
    f.wait_settled(settle_timeout, "after the fault")
    row = Row(f.case, recover_s=time.monotonic() - ended)
    row.exits = f.stop()
    f.account(row)
    row.seconds = time.monotonic() - started
    return row


def env_for(*parts: str, **values: str) -> dict[str, dict[str, str]]:
    return {part: dict(values) for part in parts}


@dataclass
class ChaosKafka:
    """A broker of its own; `settings` reach it through `proxy` (a Toxiproxy proxy)."""

    server: object  # newsflow.stack.servers.KafkaServer
    proxy: ToxicProxy
    settings: Settings

    def kill(self) -> None:
        pid = self.server.pidfile.live_pid()  # type: ignore[attr-defined]
        assert pid, "the chaos broker is not running"
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while self.server.pidfile.live_pid() and time.monotonic() < deadline:  # type: ignore[attr-defined]
            time.sleep(0.1)

    def start(self, timeout: float = 90) -> None:
        self.server.start()  # type: ignore[attr-defined]
        wait_for(self.server.healthy, timeout, "the chaos broker to come back", 0.3)  # type: ignore[attr-defined]
