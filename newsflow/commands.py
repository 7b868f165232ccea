"""Shared core's subcommands (init, config, search, kibana) and `add_command`, how every part
adds its own subcommands to `newsflow` (each part's `register`, found through entry points)."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from typing import Any

from newsflow.settings import Settings

Handler = Callable[[Settings, argparse.Namespace], int]
Subcommands = argparse._SubParsersAction  # what `register(subcommands)` receives


def add_command(
    sub: Subcommands,
    name: str,
    handler: Handler,
    help_: str,
    *,
    service: bool = False,
    extra_args: bool = False,
) -> argparse.ArgumentParser:
    """Add `newsflow NAME`, run as `handler(settings, args)`. `service`: its `run` action logs
    the effective configuration at start; `extra_args`: flags it does not declare reach it in
    `args.extra_args` (the pipeline hands them to Beam) instead of being refused."""
    parser: argparse.ArgumentParser = sub.add_parser(name, help=help_, description=help_)
    parser.set_defaults(handler=handler, service=service, extra_args_allowed=extra_args)
    return parser


def register(sub: Subcommands) -> None:
    """The core's own subcommands."""
    add_command(
        sub,
        "init",
        _init,
        "create Kafka topics and Elasticsearch templates, indices and aliases (idempotent)",
    )
    add_command(sub, "config", _config, "print the effective configuration, secrets masked")

    p = add_command(sub, "search", _search, "full-text search over news-articles")
    p.add_argument("query")
    p.add_argument("--json", action="store_true", help="one JSON hit per line")
    p.add_argument("--limit", type=int, default=10)

    p = add_command(sub, "kibana", _kibana, "install the dashboards, data views and saved searches")
    p.add_argument("action", choices=["setup"])
    p.add_argument("--url", help="Kibana's URL (default: kibana.url, $NEWSFLOW_KIBANA_URL)")
    p.add_argument("--api-key", dest="api_key", help="a Kibana API key (base64 id:key)")
    p.add_argument("--username", help="basic auth user (with --password)")
    p.add_argument("--password", help="basic auth password ($NEWSFLOW_KIBANA_PASSWORD)")
    p.add_argument("--space", help="the Kibana space (default: kibana.space, 'default')")


def _init(settings: Settings, args: argparse.Namespace) -> int:
    from newsflow.admin import initialise

    report = initialise(settings)
    print("topics created:  " + (", ".join(report.topics_created) or "none"))
    print("topics existing: " + (", ".join(report.topics_existing) or "none"))
    print("indices created: " + (", ".join(report.indices_created) or "none"))
    print("aliases existing: " + (", ".join(report.aliases_existing) or "none"))
    for note in report.notes:
        print(f"note: {note}")
    return 0


def _config(settings: Settings, args: argparse.Namespace) -> int:
    print(f"# effective configuration from {settings.source} (secrets masked)")
    print(json.dumps(settings.masked(), indent=2))
    return 0


def _search(settings: Settings, args: argparse.Namespace) -> int:
    from newsflow.credentials import check_credentials
    from newsflow.search import describe_hit, search_articles

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


def _kibana(settings: Settings, args: argparse.Namespace) -> int:
    from newsflow.kibana import missing_indices, setup

    overrides: dict[str, Any] = {
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
