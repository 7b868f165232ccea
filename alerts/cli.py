"""`newsflow alerts run | test | status`: the notifier, the backtest and the delivery state report."""

from __future__ import annotations

import json
import logging
import signal
from collections import Counter
from typing import Any

from newsflow.alerts.backtest import run_backtest
from newsflow.alerts.channels import Sender, build_senders
from newsflow.alerts.notifier import AlertNotifier, DeliveryIndex
from newsflow.alerts.rules import RuleSet, load_rules, rules_path
from newsflow.alerts.state import DELIVERING, FAILED, read_state
from newsflow.credentials import check_credentials
from newsflow.errors import ConfigError, NewsflowError
from newsflow.settings import Settings

log = logging.getLogger(__name__)


def _rules(settings: Settings, path: str | None) -> RuleSet:
    return load_rules(rules_path(settings, path))


def _senders(rules: RuleSet, allow_private: bool) -> dict[str, Sender]:
    timeout = rules.delivery.timeout.total_seconds()
    used = {"log"} | {channel for rule in rules.rules if rule.enabled for channel in rule.channels}
    # a rule's channel must work: ConfigError (also for a private/loopback/metadata URL)
    senders = build_senders(rules, timeout, only=used, allow_private_addresses=allow_private)
    for name in set(rules.channels) - used:  # unused now, but older alerts may still name them
        try:
            senders.update(
                build_senders(rules, timeout, only={name}, allow_private_addresses=allow_private)
            )
        except ConfigError as exc:
            log.warning(
                "channel not usable, no rule uses it", extra={"channel": name, "reason": str(exc)}
            )
    return senders


def run_notifier(settings: Settings, rules_path: str | None) -> int:
    """newsflow alerts run: consume news.alerts and deliver to channels until SIGTERM / Ctrl-C."""
    from kafka.errors import KafkaError

    rules = _rules(settings, rules_path)
    senders = _senders(rules, settings.alerts.allow_private_addresses)
    check_credentials(settings)  # refused: one line, not a bootstrap timeout
    if settings.alerts.metrics_port:
        from newsflow.metrics import serve_metrics

        serve_metrics(settings.alerts.metrics_port)
    try:
        notifier = AlertNotifier(settings, rules, senders, index=DeliveryIndex(settings))
    except KafkaError as exc:
        msg = f"Kafka at {settings.kafka.bootstrap}: {exc or type(exc).__name__}"
        raise NewsflowError(msg) from None

    def stop(signum: int, _frame: Any) -> None:
        log.info("stopping the notifier", extra={"signal": signum})
        notifier.stop.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info(
        "notifier started",
        extra={"rules": len(rules.rules), "channels": sorted(senders), "topic": settings.topics.alerts,
               "state_topic": settings.topics.alert_deliveries, "rules_file": rules.source},
    )  # fmt: skip
    try:
        return notifier.run()
    except KafkaError as exc:  # state written so far is durable: a restart resumes from it
        msg = f"Kafka at {settings.kafka.bootstrap}: {exc or type(exc).__name__}"
        raise NewsflowError(msg) from None


def backtest(settings: Settings, rules_path: str | None, since: str, as_json: bool) -> int:
    """newsflow alerts test: what the rules would have fired on articles already indexed."""
    rules = _rules(settings, rules_path)
    report = run_backtest(settings, rules, since)
    if as_json:
        for item in report.fired:
            print(json.dumps(item.as_json(), ensure_ascii=False))
        return 0
    per_rule = Counter(item.match.rule_id for item in report.fired)
    print(
        f"{report.articles} article(s) published in the last {since}; {len(report.fired)} alert(s) would fire "
        f"from {len(per_rule)} of {len(rules.rules)} rule(s)"
        + (
            f" ({report.duplicates} more match(es) of an already-alerted story)"
            if report.duplicates
            else ""
        )
    )
    for item in report.fired:
        doc, match = item.doc, item.match
        print(f"\n[{match.rule_id}] {doc.get('title')}\n  {doc.get('url')}")
        print(
            f"  published {doc.get('published_at')} | {(doc.get('source') or {}).get('name')} | alert {item.alert_id}"
        )
        print("  matched: " + (", ".join(match.matched_terms) or "-"))
        if match.matched_entities:
            print("  entities: " + ", ".join(match.matched_entities))
        for snippet in match.snippets[:3]:
            print(f"  > {snippet}")
    return 0


def delivery_status(settings: Settings, as_json: bool) -> int:
    """newsflow alerts status: delivery counts per channel, final failures with their reasons."""
    entries = read_state(settings)
    deliveries = [v for k, v in entries.items() if k.startswith("delivery/")]
    windows = [v for k, v in entries.items() if k.startswith("throttle/") and v.get("held_count")]
    if as_json:
        for value in deliveries + windows:
            print(json.dumps(value, ensure_ascii=False))
        return 0
    counts = Counter((v.get("channel"), v.get("status")) for v in deliveries)
    print(f"{len(deliveries)} delivery record(s) in {settings.topics.alert_deliveries}")
    for (channel, status), n in sorted(
        counts.items(), key=lambda kv: (str(kv[0][0]), str(kv[0][1]))
    ):
        print(f"  {channel:<20} {status:<11} {n}")
    for value in sorted(deliveries, key=lambda v: v.get("at", "")):
        if value.get("status") == FAILED:
            print(f"FAILED  {value.get('channel')} alert {value.get('alert_id')} ({value.get('rule_id')}) after "
                  f"{value.get('attempts')} attempt(s) at {value.get('at')}: {value.get('reason')}")  # fmt: skip
        elif value.get("status") == DELIVERING:
            print(
                f"PENDING {value.get('channel')} alert {value.get('alert_id')} since {value.get('at')}"
            )
    for window in windows:
        print(f"HELD    {window.get('channel')} rule {window.get('rule_id')}: {window['held_count']} alert(s) "
              "await the throttle summary")  # fmt: skip
    return 0
