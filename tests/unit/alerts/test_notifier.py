"""Notifier decisions with an in-memory state (the Kafka-backed loop is in tests/integration)."""

from __future__ import annotations

from typing import Any

from newsflow.alerts.channels import build_senders
from newsflow.alerts.notifier import AlertNotifier
from newsflow.alerts.rules import parse_rules
from newsflow.alerts.state import delivery_key, throttle_key
from newsflow.schema import AlertEvent
from newsflow.settings import Settings
from tests.support.servers import WebhookReceiver


class MemoryState:
    """Stands in for the Kafka-backed DeliveryState: same get/put/entries contract."""

    def __init__(self, entries: dict[str, dict[str, Any]] | None = None):
        self.entries = entries or {}
        self.log: list[tuple[str, str | None]] = []

    def get(self, key: str) -> dict[str, Any] | None:
        return self.entries.get(key)

    def put(self, key: str, value: dict[str, Any], stop: object = None) -> None:
        self.entries[key] = value
        self.log.append((key, value.get("status")))

    def prune(self, max_age_seconds: float) -> int:
        return 0

    def close(self) -> None:
        pass


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def notifier(
    hook: WebhookReceiver,
    state: MemoryState | None = None,
    clock: Clock | None = None,
    throttle: str | None = None,
    attempts: int = 3,
) -> AlertNotifier:
    rules = parse_rules(
        {
            "channels": {"hook": {"type": "webhook", "url": hook.url}},
            "delivery": {"max_attempts": attempts, "backoff": "10ms", "max_backoff": "20ms"},
            "rules": [{"id": "r1", "query": "x", "channels": ["hook"], "throttle": throttle}],
        }
    )
    return AlertNotifier(
        Settings(),
        rules,
        build_senders(rules, 2.0, env={}, allow_private_addresses=True),  # hook on 127.0.0.1
        state or MemoryState(),
        clock or Clock(),
    )


def event(n: int, rule: str = "r1", channels: tuple[str, ...] = ("hook",)) -> bytes:
    return AlertEvent(
        id=f"alert-{n}",
        rule_id=rule,
        article_id=f"a{n}",
        title=f"Title {n}",
        url=f"https://example.org/{n}",
        channels=list(channels),
    ).to_json()


def test_each_alert_is_delivered_once_even_when_replayed(hook: WebhookReceiver) -> None:
    state = MemoryState()
    n = notifier(hook, state)
    for value in (event(1), event(2), event(1)):
        n.handle(value)
    assert hook.alert_ids() == ["alert-1", "alert-2"]
    assert state.log[:2] == [
        (delivery_key("alert-1", "hook"), "delivering"),
        (delivery_key("alert-1", "hook"), "delivered"),
    ]


def test_interrupted_delivery_is_resent_with_the_same_alert_id(hook: WebhookReceiver) -> None:
    state = MemoryState({delivery_key("alert-1", "hook"): {"status": "delivering", "attempts": 0}})
    notifier(hook, state).handle(event(1))
    assert hook.alert_ids() == ["alert-1"]
    assert state.entries[delivery_key("alert-1", "hook")]["status"] == "delivered"


def test_retries_with_backoff_then_delivers(hook: WebhookReceiver) -> None:
    hook.fail_remaining = 2
    state = MemoryState()
    notifier(hook, state, attempts=3).handle(event(1))
    assert hook.alert_ids() == ["alert-1"] * 3
    assert state.entries[delivery_key("alert-1", "hook")]["status"] == "delivered"
    assert state.entries[delivery_key("alert-1", "hook")]["attempts"] == 3


def test_final_failure_is_recorded_with_its_reason(hook: WebhookReceiver) -> None:
    hook.fail_remaining = 10
    state = MemoryState()
    n = notifier(hook, state, attempts=2)
    n.handle(event(1))
    entry = state.entries[delivery_key("alert-1", "hook")]
    assert entry["status"] == "failed" and entry["attempts"] == 2 and "HTTP 503" in entry["reason"]
    n.handle(event(1))  # a replay does not try again
    assert len(hook.requests) == 2


def test_unknown_channel_is_a_recorded_failure(hook: WebhookReceiver) -> None:
    state = MemoryState()
    notifier(hook, state).handle(event(1, channels=("pager",)))
    entry = state.entries[delivery_key("alert-1", "pager")]
    assert entry["status"] == "failed" and "unknown channel 'pager'" in entry["reason"]


def test_unreadable_record_is_skipped(hook: WebhookReceiver) -> None:
    n = notifier(hook)
    n.handle(b"{not json")
    n.handle(event(1))
    assert hook.alert_ids() == ["alert-1"]


def test_throttle_sends_one_per_window_and_summarises_the_rest(hook: WebhookReceiver) -> None:
    clock, state = Clock(), MemoryState()
    n = notifier(hook, state, clock, throttle="1h")
    n.handle(event(1))
    clock.now += 60
    n.handle(event(2))
    n.handle(event(3))
    n.flush_windows()  # window still open: nothing yet
    assert hook.alert_ids() == ["alert-1"]
    assert state.entries[delivery_key("alert-2", "hook")]["status"] == "held"
    assert state.entries[throttle_key("r1", "hook")]["held_count"] == 2
    clock.now += 3600
    n.flush_windows()
    assert len(hook.requests) == 2
    summary = hook.requests[1].json()
    assert summary["type"] == "summary" and summary["count"] == 2
    assert [a["id"] for a in summary["alerts"]] == ["alert-2", "alert-3"]
    n.flush_windows()  # summarised once
    assert len(hook.requests) == 2
    clock.now += 10
    n.handle(event(4))  # the summary opened a new window
    assert len(hook.requests) == 2
    clock.now += 3600
    n.handle(event(5))  # window over: its summary first, then event 5 is held in the next one
    assert [r.json()["type"] for r in hook.requests] == ["alert", "summary", "summary"]
    assert hook.requests[2].json()["alerts"][0]["id"] == "alert-4"


def test_retry_after_from_the_server_is_honoured_up_to_max_backoff(hook: WebhookReceiver) -> None:
    import time

    hook.fail_remaining, hook.fail_status, hook.retry_after = 1, 429, "1"
    n = notifier(hook, attempts=2)
    n.max_backoff = 0.5  # Retry-After: 1 is capped here; without the header we would wait 10ms
    started = time.monotonic()
    n.handle(event(1))
    assert 0.45 < time.monotonic() - started < 5
    assert hook.alert_ids() == ["alert-1", "alert-1"]
