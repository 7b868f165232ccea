"""Alert notifier: consumes news.alerts and delivers each (alert, channel) once, with state in Kafka.

Per alert and channel: a durable "delivering" entry before sending, "delivered" / "failed" after;
consumer offsets are committed only once every entry of the batch is durable. After a crash,
an alert whose last entry is "delivering" is sent again with the same X-Newsflow-Alert-Id, so a
receiver that honours that idempotency key sees each alert exactly once (others: at least once).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from kafka import ConsumerRebalanceListener
from kafka.errors import KafkaError

from newsflow.alerts.channels import DeliveryError, Notification, Sender
from newsflow.alerts.rules import RuleSet
from newsflow.alerts.state import (
    DELIVERED,
    DELIVERING,
    FAILED,
    FINAL,
    HELD,
    DeliveryState,
    delivery_key,
    read_state,
    throttle_key,
)
from newsflow.clients import elasticsearch_client, kafka_consumer
from newsflow.metrics import Counter
from newsflow.retry import Backoff, retry_call, until_kafka_answers
from newsflow.schema import AlertEvent, iso
from newsflow.settings import Settings

log = logging.getLogger(__name__)

# final delivery records are kept this long (well beyond news.alerts retention, so any replay
# of a retained alert still finds its record); older ones are tombstoned at start-up
STATE_MAX_AGE = 30 * 86400
MAX_HELD_LISTED = 50  # a summary lists this many held alerts, and counts the rest


def _brief(alert: dict[str, Any]) -> dict[str, Any]:
    return {k: alert.get(k) for k in ("id", "title", "url", "matched_terms", "triggered_at")}


def _retryable(exc: Exception) -> bool:
    return isinstance(exc, DeliveryError) and exc.retryable


DELIVERIES = Counter(
    "newsflow_alert_deliveries",
    "Alert notifications by channel and final status",
    ["channel", "status"],
)


class DeliveryIndex:
    """Mirrors each alert's delivery outcome into its news-alerts document (`delivery` field)."""

    def __init__(self, settings: Settings):
        self.alias = settings.indices.alerts
        self.es = elasticsearch_client(settings)

    def record(self, alert_id: str, entries: list[dict[str, Any]]) -> None:
        delivery = [
            {k: e.get(k) for k in ("channel", "status", "attempts", "reason", "at")}
            for e in entries
        ]
        try:
            self.es.update(
                index=self.alias, id=alert_id, doc={"delivery": delivery}, retry_on_conflict=3
            )
        except Exception as exc:  # best effort: the state topic is the record; the doc may lag
            log.info(
                "alert document not updated", extra={"alert_id": alert_id, "reason": str(exc)[:200]}
            )

    def close(self) -> None:
        self.es.close()


class _ReloadOnRebalance(ConsumerRebalanceListener):
    """Every assignment re-reads the delivery state: partitions taken over from another notifier
    come with that notifier's deliveries, durable (it commits after its state writes) by now."""

    def __init__(self, notifier: AlertNotifier):
        self.notifier = notifier

    def on_partitions_revoked(self, revoked: Any) -> None:
        pass  # offsets are committed after every batch already

    def on_partitions_assigned(self, assigned: Any) -> None:
        self.notifier.reload_state()


class AlertNotifier:
    """The `newsflow alerts run` loop; `run()` returns once `self.stop` is set."""

    def __init__(
        self,
        settings: Settings,
        rules: RuleSet,
        senders: dict[str, Sender],
        state: DeliveryState | None = None,
        clock: Callable[[], float] = time.time,
        index: DeliveryIndex | None = None,
    ):
        self.settings = settings
        self.rules = rules
        self.senders = senders
        self.state = state or DeliveryState(settings)
        self.clock = clock
        self.index = index
        policy = rules.delivery
        self.max_attempts = policy.max_attempts
        self.backoff = policy.backoff.total_seconds()
        self.max_backoff = policy.max_backoff.total_seconds()
        self.stop = threading.Event()
        self.counts: dict[str, int] = {}
        self._throttles = {r.id: r.throttle_seconds for r in rules.rules if r.throttle}
        self._windows = {k for k in self.state.entries if k.startswith("throttle/")}

    # --- one (notification, channel) --------------------------------------------------------

    def _send_with_retries(
        self, sender: Sender, notification: Notification
    ) -> tuple[bool, int, str | None]:
        """(delivered, attempts, reason of the last failure)."""
        attempts = 0

        def attempt() -> None:
            nonlocal attempts
            attempts += 1
            try:
                sender.send(notification)
            except DeliveryError as exc:
                log.warning(
                    "delivery attempt failed",
                    extra={
                        "channel": sender.name,
                        "key": notification.key,
                        "attempt": attempts,
                        "reason": exc.reason,
                    },
                )
                raise

        backoff = Backoff(self.backoff, self.max_backoff, self.max_attempts)
        try:
            retry_call(attempt, backoff, _retryable, stop=self.stop)
        except DeliveryError as exc:
            return False, attempts, exc.reason
        return True, attempts, None

    def _deliver(self, alert: dict[str, Any], channel: str) -> None:
        key = delivery_key(alert["id"], channel)
        previous = self.state.get(key) or {}
        if previous.get("status") in FINAL:
            return  # already delivered, failed for good or held: a replay or a restart
        base = {
            "alert_id": alert["id"],
            "rule_id": alert["rule_id"],
            "channel": channel,
            "title": alert.get("title"),
        }
        sender = self.senders.get(channel)
        if sender is None:
            self._record(
                key,
                {**base, "status": FAILED, "attempts": 0, "reason": f"unknown channel {channel!r}"},
            )
            return
        if previous.get("status") == DELIVERING:
            log.warning("re-sending an alert interrupted mid-delivery", extra={"key": key})
        elif self._hold(alert, channel, key, base):
            return
        self.state.put(
            key,
            {**base, "status": DELIVERING, "attempts": previous.get("attempts", 0)},
            stop=self.stop,
        )
        notification = Notification("alert", alert["id"], alert["rule_id"], alert=alert)
        ok, attempts, reason = self._send_with_retries(sender, notification)
        if ok:
            self._record(key, {**base, "status": DELIVERED, "attempts": attempts})
            self._open_window(alert["rule_id"], channel)
        elif self.stop.is_set():
            return  # shutting down mid-retry: stays "delivering", offsets stay uncommitted
        else:
            log.error(
                "alert delivery failed", extra={"key": key, "attempts": attempts, "reason": reason}
            )
            self._record(key, {**base, "status": FAILED, "attempts": attempts, "reason": reason})
        if self.index:
            entries = [self.state.get(delivery_key(alert["id"], c)) for c in alert["channels"]]
            self.index.record(alert["id"], [e for e in entries if e])

    def _record(self, key: str, value: dict[str, Any]) -> None:
        self.state.put(key, value, stop=self.stop)
        self.counts[value["status"]] = self.counts.get(value["status"], 0) + 1
        DELIVERIES.labels(value.get("channel") or "?", value["status"]).inc()

    # --- throttle ---------------------------------------------------------------------------

    def _throttle(self, rule_id: str) -> float | None:
        return self._throttles.get(rule_id)

    def _hold(self, alert: dict[str, Any], channel: str, key: str, base: dict[str, Any]) -> bool:
        """Hold the alert for the summary when its rule's throttle window is open."""
        window = self._throttle(alert["rule_id"])
        if not window:
            return False
        tkey = throttle_key(alert["rule_id"], channel)
        current = self.state.get(tkey)
        if (
            current
            and current.get("held_count")
            and self.clock() >= current["window_start"] + window
        ):
            self._summarise(tkey, current)  # the ended window's summary goes first
            current = self.state.get(tkey)
        if not current or self.clock() >= current["window_start"] + window:
            return False
        held = list(current.get("held", []))
        if len(held) < MAX_HELD_LISTED:
            held.append(_brief(alert))
        self.state.put(
            tkey,
            {**current, "held": held, "held_count": current.get("held_count", 0) + 1},
            stop=self.stop,
        )
        self._record(key, {**base, "status": HELD, "attempts": 0})
        return True

    def _open_window(self, rule_id: str, channel: str) -> None:
        if self._throttle(rule_id):
            tkey = throttle_key(rule_id, channel)
            self._windows.add(tkey)
            self.state.put(
                tkey,
                {
                    "rule_id": rule_id,
                    "channel": channel,
                    "window_start": self.clock(),
                    "held": [],
                    "held_count": 0,
                },
                stop=self.stop,
            )

    def flush_windows(self) -> None:
        """Summarise the alerts held in every throttle window that has ended."""
        for tkey in sorted(self._windows):
            entry = self.state.get(tkey)
            if not entry or not entry.get("held_count"):
                continue
            window = self._throttle(entry["rule_id"]) or 0
            if self.clock() < entry["window_start"] + window:
                continue
            self._summarise(tkey, entry)

    def _summarise(self, tkey: str, entry: dict[str, Any]) -> None:
        rule_id, channel, start = entry["rule_id"], entry["channel"], entry["window_start"]
        sender = self.senders.get(channel)
        span = (
            iso(datetime.fromtimestamp(start, UTC)),
            iso(datetime.fromtimestamp(self.clock(), UTC)),
        )
        summary_id = f"summary/{rule_id}/{channel}/{int(start * 1000)}"
        notification = Notification(
            "summary",
            summary_id,
            rule_id,
            held=entry.get("held", []),
            held_count=entry["held_count"],
            window=span,
        )
        ok, attempts, reason = (
            self._send_with_retries(sender, notification) if sender else (False, 0, "no channel")
        )
        if not ok and self.stop.is_set():
            return
        status = DELIVERED if ok else FAILED
        self._record(
            f"delivery/{summary_id}",
            {
                "status": status,
                "rule_id": rule_id,
                "channel": channel,
                "attempts": attempts,
                "reason": reason,
                "alert_id": summary_id,
                "title": notification.subject(),
            },
        )
        # the summary was this window's notification: a new window starts now
        self.state.put(
            tkey,
            {**entry, "window_start": self.clock(), "held": [], "held_count": 0},
            stop=self.stop,
        )

    # --- the loop ---------------------------------------------------------------------------

    def handle(self, value: bytes | None) -> None:
        """Deliver one news.alerts record to each of its channels."""
        try:
            alert = AlertEvent.model_validate_json(value or b"").model_dump(mode="json")
        except ValueError as exc:
            log.error("skipping an unreadable news.alerts record", extra={"reason": str(exc)[:300]})
            return
        for channel in alert["channels"] or ["log"]:
            if self.stop.is_set():
                return
            self._deliver(alert, channel)

    def reload_state(self) -> None:
        """Re-read the state topic: partitions moved here may carry another notifier's deliveries.
        While Kafka is away it is retried with backoff (no alert of the new partitions may be
        handled against a stale state) until it is read or the notifier is stopped."""
        entries = until_kafka_answers(
            lambda: read_state(self.settings),
            "cannot re-read the delivery state",
            self.stop,
            logger=log,
        )
        self.state.entries = entries
        self._windows = {k for k in self.state.entries if k.startswith("throttle/")}
        log.info("reloaded delivery state", extra={"entries": len(self.state.entries)})

    @staticmethod
    def _commit(consumer: Any) -> None:
        from kafka.errors import CommitFailedError

        try:
            consumer.commit()
        except (
            CommitFailedError
        ) as exc:  # rebalanced meanwhile: the records come again, state skips them
            log.warning("offset commit failed; records will be re-read", extra={"reason": str(exc)})

    def run(self, idle_timeout: float | None = None) -> int:
        """Consume until stopped (or until nothing arrived for `idle_timeout` seconds)."""
        consumer = kafka_consumer(
            self.settings,
            group_id=self.settings.alerts.consumer_group,
            # a crashed notifier's partitions move to its successor after 10s, not the default 45s
            session_timeout_ms=10_000,
            heartbeat_interval_ms=3_000,
            # retries against a down channel block the loop: allow long batches before a rebalance
            max_poll_interval_ms=3_600_000,
        )
        consumer.subscribe([self.settings.topics.alerts], listener=_ReloadOnRebalance(self))
        pruned = self.state.prune(STATE_MAX_AGE)
        if pruned:
            log.info("forgot old delivery records", extra={"pruned": pruned, "older_than_days": 30})
        last_activity = time.monotonic()
        try:
            while not self.stop.is_set():
                try:
                    batches = consumer.poll(timeout_ms=500, max_records=20)
                except KafkaError as exc:  # Kafka away: poll again (nothing was handed out)
                    log.warning(
                        "Kafka unavailable: cannot poll the alerts topic, retrying",
                        extra={"retry_s": 2.0, "error": repr(exc)},
                    )
                    self.stop.wait(2.0)
                    continue
                if self.stop.is_set():
                    break
                for records in batches.values():
                    for record in records:
                        self.handle(record.value)
                if self.stop.is_set():
                    break  # never commit past an alert we did not finish
                if batches:
                    self._commit(consumer)  # only now: every state entry of the batch is durable
                    last_activity = time.monotonic()
                self.flush_windows()
                if idle_timeout is not None and time.monotonic() - last_activity > idle_timeout:
                    break
        finally:
            consumer.close(autocommit=False)
            self.state.close()
            if self.index:
                self.index.close()
        return 0
