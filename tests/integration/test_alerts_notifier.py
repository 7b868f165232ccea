"""Alert notifier against the real Kafka: once-only delivery across crashes, retries, status, config."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

import pytest
import yaml

from newsflow.alerts.channels import build_senders
from newsflow.alerts.cli import delivery_status
from newsflow.alerts.notifier import AlertNotifier, DeliveryIndex
from newsflow.alerts.rules import load_rules
from newsflow.alerts.state import DeliveryState, delivery_key, read_state
from newsflow.clients import elasticsearch_client, kafka_producer
from newsflow.schema import AlertEvent
from newsflow.settings import PROJECT_ROOT, Settings
from tests.support.servers import SmtpReceiver, WebhookReceiver
from tests.support.stack import settings_env
from tests.support.waiting import wait_for

SECRET = "integration-secret"


def write_rules(
    tmp_path: Path, hook_url: str, extra_channels: dict | None = None, **delivery: object
) -> Path:
    channels = {
        "ops-webhook": {"type": "webhook", "url": hook_url, "secret_env": "T_WEBHOOK_SECRET"}
    }
    channels.update(extra_channels or {})
    data = {
        "channels": channels,
        "delivery": {
            "timeout": "5s",
            "max_attempts": 6,
            "backoff": "100ms",
            "max_backoff": "400ms",
            **delivery,
        },
        "rules": [{"id": "r1", "query": "treaty", "channels": list(channels)}],
    }
    path = tmp_path / "alerts.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def publish(
    settings: Settings, *alert_numbers: int, channels: tuple[str, ...] = ("ops-webhook",)
) -> None:
    producer = kafka_producer(settings)
    try:
        for n in alert_numbers:
            event = AlertEvent(
                id=f"alert-{n}",
                rule_id="r1",
                article_id=f"a{n}",
                title=f"Treaty {n}",
                url=f"https://example.org/{n}",
                matched_terms=["treaty"],
                channels=list(channels),
            )
            producer.send(settings.topics.alerts, key=event.id.encode(), value=event.to_json())
        producer.flush(timeout=30)
    finally:
        producer.close()


def start_notifier(
    settings: Settings, rules: Path, log_path: Path, secret: str | None = SECRET
) -> subprocess.Popen:
    env = settings_env(settings)
    env["NEWSFLOW_ALERTS__ALLOW_PRIVATE_ADDRESSES"] = "true"  # the receivers are on 127.0.0.1
    env.pop("T_WEBHOOK_SECRET", None)
    if secret is not None:
        env["T_WEBHOOK_SECRET"] = secret
    with log_path.open("ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "newsflow.cli", "alerts", "run", "--rules", str(rules)],
            cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip


def statuses(settings: Settings) -> dict[str, str]:
    return {k: v["status"] for k, v in read_state(settings).items() if k.startswith("delivery/")}


def test_notifier_killed_mid_delivery_delivers_each_alert_exactly_once(
    isolated: Settings, hook: WebhookReceiver, tmp_path: Path
) -> None:
    rules = write_rules(tmp_path, hook.url)
    publish(isolated, 1, 2, 3)
    hook.hang.set()  # every request now hangs until released: the notifier is stuck mid-delivery
    first = start_notifier(isolated, rules, tmp_path / "notifier.log")
    try:
        (in_flight,) = wait_for(lambda: hook.alert_ids(), 60, "the first delivery to hang")
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    assert statuses(isolated) == {delivery_key(in_flight, "ops-webhook"): "delivering"}
    hook.hang.clear()
    hook.release.set()
    second = start_notifier(isolated, rules, tmp_path / "notifier.log")
    try:
        want = {delivery_key(f"alert-{n}", "ops-webhook"): "delivered" for n in (1, 2, 3)}
        wait_for(lambda: statuses(isolated) == want, 60, "all three alerts delivered")
        # a restart after a clean run re-sends nothing: alert 4 arrives, 1-3 do not come again
        second.send_signal(signal.SIGTERM)
        assert second.wait(30) == 0
        second = start_notifier(isolated, rules, tmp_path / "notifier.log")
        publish(isolated, 4)
        wait_for(lambda: "alert-4" in hook.alert_ids(), 60, "alert 4")
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(30)
    received = Counter(hook.alert_ids())
    # the alert in flight when the notifier died is re-sent once, with the same idempotency key
    assert received == {"alert-1": 1, "alert-2": 1, "alert-3": 1, "alert-4": 1, in_flight: 2}
    assert len(set(hook.alert_ids())) == 4  # what an idempotent receiver keeps: each alert once
    assert all(r.signature_ok(SECRET.encode()) for r in hook.requests)


def run_in_thread(notifier: AlertNotifier) -> threading.Thread:
    thread = threading.Thread(target=notifier.run, daemon=True)
    thread.start()
    return thread


def test_webhook_down_for_a_while_is_delivered_after_retries_and_email_goes_out(
    isolated: Settings, hook: WebhookReceiver, tmp_path: Path
) -> None:
    smtp = SmtpReceiver()
    mail = {
        "desk-mail": {
            "type": "email",
            "host": "127.0.0.1",
            "port": smtp.port,
            "from": "alerts@example.org",
            "to": ["desk@example.org"],
            "security": "none",
        }
    }
    rules = load_rules(write_rules(tmp_path, hook.url, mail))
    hook.fail_remaining = 3  # down for the first three attempts
    notifier = AlertNotifier(
        isolated,
        rules,
        build_senders(rules, 5.0, env={"T_WEBHOOK_SECRET": SECRET}, allow_private_addresses=True),
        DeliveryState(isolated),
    )
    thread = run_in_thread(notifier)
    try:
        publish(isolated, 7, channels=("ops-webhook", "desk-mail"))
        want = {delivery_key("alert-7", c): "delivered" for c in ("ops-webhook", "desk-mail")}
        wait_for(lambda: statuses(isolated) == want, 60, "delivery to both channels")
    finally:
        notifier.stop.set()
        thread.join(30)
        smtp.close()
    assert hook.alert_ids() == ["alert-7"] * 4
    assert read_state(isolated)[delivery_key("alert-7", "ops-webhook")]["attempts"] == 4
    (message,) = smtp.messages
    assert b"Treaty 7" in message.data and message.recipients == ["desk@example.org"]


def test_final_failure_is_recorded_with_its_reason_and_shown_by_status(
    isolated: Settings, hook: WebhookReceiver, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = load_rules(write_rules(tmp_path, hook.url, max_attempts=2))
    hook.fail_remaining = 100
    es = elasticsearch_client(isolated)  # the pipeline indexes the alert; here we do it ourselves
    alert = AlertEvent(id="alert-9", rule_id="r1", article_id="a9", channels=["ops-webhook"])
    es.index(index=isolated.indices.alerts, id=alert.id, document=alert.model_dump(mode="json"))
    notifier = AlertNotifier(
        isolated,
        rules,
        build_senders(rules, 5.0, env={"T_WEBHOOK_SECRET": SECRET}, allow_private_addresses=True),
        DeliveryState(isolated),
        index=DeliveryIndex(isolated),
    )
    thread = run_in_thread(notifier)
    try:
        publish(isolated, 9)
        wait_for(
            lambda: statuses(isolated) == {delivery_key("alert-9", "ops-webhook"): "failed"},
            60,
            "failure",
        )
    finally:
        notifier.stop.set()
        thread.join(30)
    assert len(hook.requests) == 2
    (delivery,) = es.get(index=isolated.indices.alerts, id="alert-9")["_source"]["delivery"]
    es.close()
    assert delivery["status"] == "failed" and delivery["attempts"] == 2
    assert "HTTP 503" in delivery["reason"]
    capsys.readouterr()
    assert delivery_status(isolated, as_json=False) == 0
    out = capsys.readouterr().out
    assert "FAILED  ops-webhook alert alert-9 (r1) after 2 attempt(s)" in out and "HTTP 503" in out


def test_unset_signature_secret_is_a_clear_config_error(
    isolated: Settings, hook: WebhookReceiver, tmp_path: Path
) -> None:
    rules = write_rules(tmp_path, hook.url)
    process = start_notifier(isolated, rules, tmp_path / "notifier.log", secret=None)
    assert process.wait(60) == 2
    output = (tmp_path / "notifier.log").read_text()
    assert "configuration error" in output and "channel ops-webhook" in output
    assert "field 'secret_env'" in output and "$T_WEBHOOK_SECRET, which is not set" in output
    assert str(rules) in output
    assert os.environ.get("T_WEBHOOK_SECRET") is None


def test_old_final_delivery_records_are_tombstoned(isolated: Settings) -> None:
    producer = kafka_producer(isolated)
    old = {
        "status": "delivered",
        "alert_id": "old",
        "channel": "log",
        "at": "2020-01-01T00:00:00.000Z",
    }
    recent = {**old, "alert_id": "recent", "at": "2999-01-01T00:00:00.000Z"}
    pending = {**old, "alert_id": "pending", "status": "delivering"}
    for entry in (old, recent, pending):
        key = delivery_key(entry["alert_id"], "log").encode()
        producer.send(isolated.topics.alert_deliveries, key=key, value=json.dumps(entry).encode())
    producer.flush(timeout=30)
    producer.close()

    state = DeliveryState(isolated)
    try:
        assert state.prune(30 * 86400) == 1
    finally:
        state.close()
    assert set(read_state(isolated)) == {
        delivery_key("recent", "log"),
        delivery_key("pending", "log"),
    }


def test_throttled_alerts_survive_a_restart_and_arrive_as_one_summary(
    isolated: Settings, hook: WebhookReceiver, tmp_path: Path
) -> None:
    path = write_rules(tmp_path, hook.url)
    data = yaml.safe_load(path.read_text())
    data["rules"][0]["throttle"] = "5s"
    path.write_text(yaml.safe_dump(data))
    rules = load_rules(path)

    def start() -> tuple[AlertNotifier, threading.Thread]:
        senders = build_senders(
            rules, 5.0, env={"T_WEBHOOK_SECRET": SECRET}, allow_private_addresses=True
        )
        notifier = AlertNotifier(isolated, rules, senders, DeliveryState(isolated))
        return notifier, run_in_thread(notifier)

    notifier, thread = start()
    try:
        publish(isolated, 1)
        wait_for(lambda: hook.alert_ids() == ["alert-1"], 30, "the first alert")
        publish(isolated, 2, 3)
        held = {delivery_key(f"alert-{n}", "ops-webhook"): "held" for n in (2, 3)}
        wait_for(lambda: held.items() <= statuses(isolated).items(), 30, "alerts 2 and 3 held")
    finally:
        notifier.stop.set()
        thread.join(30)
    notifier, thread = start()  # a new process would read the same state topic
    try:
        wait_for(lambda: len(hook.requests) == 2, 30, "the summary after the window")
    finally:
        notifier.stop.set()
        thread.join(30)
    summary = hook.requests[1].json()
    assert summary["type"] == "summary" and summary["rule_id"] == "r1" and summary["count"] == 2
    assert sorted(a["id"] for a in summary["alerts"]) == ["alert-2", "alert-3"]
    assert hook.requests[1].signature_ok(SECRET.encode())


def test_webhook_not_listening_for_a_while_is_delivered_once_it_is_back(
    isolated: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="newsflow.alerts.notifier")
    gone = WebhookReceiver()
    url, port = gone.url, gone.port
    gone.close()  # nothing listens on the port now: connection refused
    rules = load_rules(
        write_rules(tmp_path, url, max_attempts=8, backoff="200ms", max_backoff="1s")
    )
    senders = build_senders(
        rules, 5.0, env={"T_WEBHOOK_SECRET": SECRET}, allow_private_addresses=True
    )
    notifier = AlertNotifier(isolated, rules, senders, DeliveryState(isolated))
    thread = run_in_thread(notifier)
    back = None
    try:
        publish(isolated, 5)
        key = delivery_key("alert-5", "ops-webhook")
        wait_for(
            lambda: [
                r for r in caplog.records if "could not reach" in str(getattr(r, "reason", ""))
            ],
            30,
            "a refused delivery attempt",
        )
        back = WebhookReceiver(port=port)  # the endpoint comes back on the same address
        wait_for(
            lambda: statuses(isolated).get(key) == "delivered", 30, "delivery after the outage"
        )
    finally:
        notifier.stop.set()
        thread.join(30)
        if back:
            back.close()
    assert back.alert_ids() == ["alert-5"]
    assert read_state(isolated)[key]["attempts"] >= 2


def test_unused_channel_with_unset_secret_does_not_block_the_notifier(
    isolated: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "alerts.yaml"
    path.write_text(
        yaml.safe_dump({
            "channels": {"spare": {"type": "webhook", "url": "http://127.0.0.1:9/x", "secret_env": "T_UNSET"}},
            "rules": [{"id": "r1", "query": "treaty", "channels": ["log"]}],
        })
    )  # fmt: skip
    log_path = tmp_path / "notifier.log"
    process = start_notifier(isolated, path, log_path, secret=None)
    try:
        wait_for(lambda: "notifier started" in log_path.read_text(), 60, "the notifier to start")
        assert "channel not usable, no rule uses it" in log_path.read_text()
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(30) == 0


def test_status_without_the_state_topic_says_to_run_init(isolated: Settings) -> None:
    missing = isolated.with_overrides(
        topics={"alert_deliveries": f"{isolated.topics.alert_deliveries}-none"}
    )
    result = subprocess.run(
        [sys.executable, "-m", "newsflow.cli", "alerts", "status"],
        cwd=PROJECT_ROOT, env=settings_env(missing), capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 1
    assert (
        "-none' does not exist (run `newsflow init`)" in result.stderr
        and "Traceback" not in result.stderr
    )


def test_a_second_notifier_taking_over_partitions_reloads_state_and_sends_nothing_twice(
    isolated: Settings, hook: WebhookReceiver, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="newsflow.alerts.notifier")
    rules = load_rules(write_rules(tmp_path, hook.url))

    def start() -> tuple[AlertNotifier, threading.Thread]:
        senders = build_senders(
            rules, 5.0, env={"T_WEBHOOK_SECRET": SECRET}, allow_private_addresses=True
        )
        notifier = AlertNotifier(isolated, rules, senders, DeliveryState(isolated))
        return notifier, run_in_thread(notifier)

    first, first_thread = start()
    second, second_thread = start()  # same group: the two partitions are shared out
    try:
        publish(isolated, *range(1, 9))
        wait_for(lambda: len(set(hook.alert_ids())) == 8, 60, "alerts 1-8")

        def reloads() -> int:
            return sum("reloaded delivery state" in r.message for r in caplog.records)

        before = reloads()
        first.stop.set()
        first_thread.join(30)  # the second one takes over every partition
        wait_for(lambda: reloads() > before, 60, "the survivor to reload the state")
        publish(isolated, *range(9, 13))
        wait_for(lambda: len(set(hook.alert_ids())) == 12, 60, "alerts 9-12")
    finally:
        first.stop.set()
        second.stop.set()
        first_thread.join(30)
        second_thread.join(30)
    assert sorted(hook.alert_ids()) == sorted(f"alert-{n}" for n in range(1, 13))
