"""Feed connector's subcommands: `newsflow connector run` and `newsflow feeds status`."""

from __future__ import annotations

import argparse

from newsflow.commands import Subcommands, add_command
from newsflow.settings import Settings

_FEEDS_HELP = "feeds file (default: $NEWSFLOW_FEEDS or configs/feeds.yaml)"


def register(sub: Subcommands) -> None:
    p = add_command(
        sub, "connector", _connector, "the feed connector: RSS/Atom -> news.raw", service=True
    )
    p.add_argument("action", choices=["run"])
    p.add_argument("--feeds", help=_FEEDS_HELP)
    p.add_argument(
        "--once",
        action="store_true",
        help="poll every enabled feed once, wait for Kafka acks, exit",
    )

    p = add_command(sub, "feeds", _feeds, "per-feed health")
    p.add_argument("action", choices=["status"])
    p.add_argument("--feeds", help=_FEEDS_HELP)
    p.add_argument("--json", action="store_true")


def _connector(settings: Settings, args: argparse.Namespace) -> int:
    from newsflow.connectors.cli import run_connector

    return run_connector(settings, feeds_path=args.feeds, once=args.once)


def _feeds(settings: Settings, args: argparse.Namespace) -> int:
    from newsflow.connectors.cli import feeds_status

    return feeds_status(settings, feeds_path=args.feeds, as_json=args.json)
