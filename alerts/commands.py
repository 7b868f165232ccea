"""Alerts' subcommand: `newsflow alerts run | test | status`."""

from __future__ import annotations

import argparse

from newsflow.commands import Subcommands, add_command
from newsflow.settings import Settings


def register(sub: Subcommands) -> None:
    p = add_command(
        sub, "alerts", _alerts, "keyword alerts: notifier, backtest, delivery status", service=True
    )
    p.add_argument("action", choices=["run", "test", "status"])
    p.add_argument(
        "--rules", help="rules file (default: $NEWSFLOW_ALERT_RULES or configs/alerts.yaml)"
    )
    p.add_argument("--since", default="7d", help="with test: how far back (e.g. 24h, 7d)")
    p.add_argument("--json", action="store_true")


def _alerts(settings: Settings, args: argparse.Namespace) -> int:
    from newsflow.alerts import cli

    if args.action == "run":
        return cli.run_notifier(settings, rules_path=args.rules)
    if args.action == "test":
        return cli.backtest(settings, rules_path=args.rules, since=args.since, as_json=args.json)
    return cli.delivery_status(settings, as_json=args.json)
