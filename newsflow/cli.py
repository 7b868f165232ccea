"""The `newsflow` command: stack, init, search, connector, feeds, pipeline, alerts, kibana, demo."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence

from newsflow.errors import ConfigError, NewsflowError
from newsflow.logs import setup_logging
from newsflow.settings import Settings, load_settings

LONG_RUNNING = {"connector", "pipeline", "alerts"}  # services: their `run` logs the config


def _settings(args: argparse.Namespace) -> Settings:
    settings = load_settings(args.config)
    if args.command in LONG_RUNNING and getattr(args, "action", None) == "run":
        logging.getLogger("newsflow").info(
            "effective configuration",
            extra={"source": settings.source, "config": settings.masked()},
        )
    return settings


# --- stack / init / config ---------------------------------------------------------------


def cmd_stack(args: argparse.Namespace) -> int:
    from newsflow.stack import LocalStack

    stack = LocalStack(_settings(args))
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


def cmd_init(args: argparse.Namespace) -> int:
    from newsflow.admin import initialise

    report = initialise(_settings(args))
    print("topics created:  " + (", ".join(report.topics_created) or "none"))
    print("topics existing: " + (", ".join(report.topics_existing) or "none"))
    print("indices created: " + (", ".join(report.indices_created) or "none"))
    print("aliases existing: " + (", ".join(report.aliases_existing) or "none"))
    for note in report.notes:
        print(f"note: {note}")
    return 0


def cmd_config(args: argparse.Namespace) -> int:
    settings = _settings(args)
    print(f"# effective configuration from {settings.source} (secrets masked)")
    print(json.dumps(settings.masked(), indent=2))
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    from newsflow.credentials import check_credentials
    from newsflow.search import describe_hit, search_articles

    settings = _settings(args)
    check_credentials(settings, kafka=False)
    total, hits = search_articles(settings, args.query, args.limit)
    if args.json:
        for hit in hits:
            print(
                json.dumps(
                    {k: v for k, v in hit.items() if not k.startswith("_")}, ensure_ascii=False
                )
            )
        return 0
    print(
        f"{total} article(s) match {args.query!r}"
        + (f"; showing {len(hits)}" if total > len(hits) else "")
    )
    for hit in hits:
        print("\n" + "\n".join(describe_hit(hit)))
    return 0


# --- parts owned by connectors/, pipeline/ and alerts/ -----------------------------------


def cmd_connector(args: argparse.Namespace) -> int:
    from connectors.cli import run_connector

    return run_connector(_settings(args), feeds_path=args.feeds, once=args.once)


def cmd_feeds(args: argparse.Namespace) -> int:
    from connectors.cli import feeds_status

    return feeds_status(_settings(args), feeds_path=args.feeds, as_json=args.json)


def _without_option(argv: list[str], name: str) -> list[str]:
    """`argv` without `name VALUE` / `name=VALUE`."""
    out, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg == name:
            skip = True
        elif not arg.startswith(f"{name}="):
            out.append(arg)
    return out


def cmd_pipeline(args: argparse.Namespace) -> int:
    from pipeline.cli import run_pipeline, run_workers

    settings = _settings(args)
    if args.action == "prism":
        from pipeline.prism import locate_prism

        print(locate_prism(settings.home))
        return 0
    workers = args.workers or settings.pipeline.workers
    if workers > 1:
        child_argv = _without_option(args.argv, "--workers")
        return run_workers(
            settings, workers, child_argv, args.until_idle, args.from_files, args.beam_args
        )
    return run_pipeline(
        settings,
        until_idle=args.until_idle,
        from_files=args.from_files,
        beam_args=args.beam_args,
    )


def cmd_alerts(args: argparse.Namespace) -> int:
    from alerts import cli as alerts_cli

    settings = _settings(args)
    if args.action == "run":
        return alerts_cli.run_notifier(settings, rules_path=args.rules)
    if args.action == "test":
        return alerts_cli.backtest(
            settings, rules_path=args.rules, since=args.since, as_json=args.json
        )
    return alerts_cli.delivery_status(settings, as_json=args.json)


def cmd_kibana(args: argparse.Namespace) -> int:
    from newsflow.kibana import missing_indices, setup

    settings = _settings(args)
    overrides = {
        key: value
        for key, value in (
            ("url", args.url),
            ("space", args.space),
            ("api_key", args.api_key),
            ("username", args.username),
            ("password", args.password),
        )
        if value is not None
    }
    if overrides:
        settings = settings.with_overrides(kibana=overrides)
    print(f"waiting for Kibana at {settings.kibana.url} ...", flush=True)
    report = setup(settings.kibana, missing_indices(settings))
    state = (
        "up to date, nothing imported"
        if report.up_to_date
        else f"{report.imported} saved objects imported"
    )
    print(f"Kibana {report.version}: {state}")
    for title, url in report.dashboards:
        print(f"  {title:10s} {url}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from newsflow.demo import run_demo

    return run_demo(_settings(args), query=args.query)


# --- parser ------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="newsflow", description=__doc__)
    parser.add_argument(
        "--config", help="config file (default: $NEWSFLOW_CONFIG or configs/newsflow.yaml)"
    )
    parser.add_argument(
        "--log-level",
        default=None,
        help="DEBUG, INFO, WARNING (default $NEWSFLOW_LOG_LEVEL or INFO)",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(
        name: str, func: Callable[[argparse.Namespace], int], help_: str
    ) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_, description=help_)
        p.set_defaults(func=func)
        return p

    p = add(
        "stack", cmd_stack, "start, stop or check the local Kafka and Elasticsearch (no Docker)"
    )
    p.add_argument("action", choices=["up", "down", "status"])
    p.add_argument(
        "--secure",
        action="store_true",
        help="with up: authentication required (Kafka SASL/SCRAM-SHA-512, Elasticsearch user "
        "and password); the client credentials go to $NEWSFLOW_HOME/credentials.env (mode 0600)",
    )
    add(
        "init",
        cmd_init,
        "create Kafka topics and Elasticsearch templates, indices and aliases (idempotent)",
    )
    add("config", cmd_config, "print the effective configuration, secrets masked")

    p = add("search", cmd_search, "full-text search over news-articles")
    p.add_argument("query")
    p.add_argument("--json", action="store_true", help="one JSON hit per line")
    p.add_argument("--limit", type=int, default=10)

    p = add("connector", cmd_connector, "the feed connector: RSS/Atom -> news.raw")
    p.add_argument("action", choices=["run"])
    p.add_argument("--feeds", help="feeds file (default: $NEWSFLOW_FEEDS or configs/feeds.yaml)")
    p.add_argument(
        "--once",
        action="store_true",
        help="poll every enabled feed once, wait for Kafka acks, exit",
    )

    p = add("feeds", cmd_feeds, "per-feed health")
    p.add_argument("action", choices=["status"])
    p.add_argument("--feeds", help="feeds file (default: $NEWSFLOW_FEEDS or configs/feeds.yaml)")
    p.add_argument("--json", action="store_true")

    p = add(
        "pipeline",
        cmd_pipeline,
        "the Beam pipeline: news.raw -> clean, dedupe, enrich, alerts -> Elasticsearch",
    )
    p.add_argument(
        "action",
        choices=["run", "prism"],
        help="run: the pipeline; prism: print the Prism runner binary (built with go if missing)",
    )
    p.add_argument(
        "--until-idle",
        type=float,
        default=None,
        metavar="SECONDS",
        help="exit 0 once no input arrived for SECONDS and all is written and committed",
    )
    p.add_argument(
        "--from-files",
        default=None,
        metavar="GLOB",
        help="read JSONL records instead of Kafka (backfill)",
    )
    p.add_argument(
        "--workers",
        type=int,
        default=None,
        metavar="N",
        help="local runner: N pipeline processes, each reading its share of the partitions "
        "(default: pipeline.workers, 1)",
    )

    p = add("alerts", cmd_alerts, "keyword alerts: notifier, backtest, delivery status")
    p.add_argument("action", choices=["run", "test", "status"])
    p.add_argument(
        "--rules", help="rules file (default: $NEWSFLOW_ALERT_RULES or configs/alerts.yaml)"
    )
    p.add_argument("--since", default="7d", help="with test: how far back (e.g. 24h, 7d)")
    p.add_argument("--json", action="store_true")

    p = add("kibana", cmd_kibana, "install the dashboards, data views and saved searches")
    p.add_argument("action", choices=["setup"])
    p.add_argument("--url", help="Kibana's URL (default: kibana.url, $NEWSFLOW_KIBANA_URL)")
    p.add_argument("--api-key", dest="api_key", help="a Kibana API key (base64 id:key)")
    p.add_argument("--username", help="basic auth user (with --password)")
    p.add_argument("--password", help="basic auth password ($NEWSFLOW_KIBANA_PASSWORD)")
    p.add_argument("--space", help="the Kibana space (default: kibana.space, 'default')")

    p = add(
        "demo", cmd_demo, "the main job: stack up, init, ingest the seed feeds end to end, search"
    )
    p.add_argument("--query", default="Peskov")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra and args.command != "pipeline":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    args.beam_args = extra
    args.argv = argv
    setup_logging(args.log_level)
    try:
        return int(args.func(args) or 0)
    except ConfigError as exc:
        print(f"newsflow: configuration error: {exc}", file=sys.stderr)
        return 2
    except NewsflowError as exc:
        print(f"newsflow: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())


__all__ = ["build_parser", "main"]
