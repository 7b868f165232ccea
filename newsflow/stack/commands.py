"""`newsflow stack up | down | status`: the local Kafka and Elasticsearch (no Docker)."""

from __future__ import annotations

import argparse

from newsflow.commands import Subcommands, add_command
from newsflow.settings import Settings


def register(sub: Subcommands) -> None:
    p = add_command(
        sub, "stack", _stack, "start, stop or check the local Kafka and Elasticsearch (no Docker)"
    )
    p.add_argument("action", choices=["up", "down", "status"])
    p.add_argument(
        "--secure",
        action="store_true",
        help="with up: authentication required (Kafka SASL/SCRAM-SHA-512, Elasticsearch user "
        "and password); the client credentials go to $NEWSFLOW_HOME/credentials.env (mode 0600)",
    )


def _stack(settings: Settings, args: argparse.Namespace) -> int:
    from newsflow.stack import LocalStack

    stack = LocalStack(settings)
    if args.action == "up":
        print("newsflow stack up" + (" --secure" if args.secure else ""))
        statuses = stack.up(secure_mode=args.secure)
    elif args.action == "down":
        stopped = stack.down()
        print("stopped: " + (", ".join(stopped) if stopped else "nothing was running"))
        return 0
    else:
        statuses = stack.status()
    print("  " + stack.mode_line())
    for status in statuses:
        print("  " + status.line())
    return 0 if all(s.healthy for s in statuses) else 3
