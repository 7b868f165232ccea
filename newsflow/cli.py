"""The `newsflow` command: the root that runs the subcommands each part registers.

Each part adds its own subcommands (`register(subcommands)`), named in pyproject.toml under
`[project.entry-points."newsflow.commands"]`; the root knows none of them by name.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tomllib
from collections.abc import Sequence
from importlib.metadata import EntryPoint, entry_points

from newsflow.errors import ConfigError, NewsflowError
from newsflow.logs import _WithoutBeamsGcpNotice, setup_logging
from newsflow.settings import PROJECT_ROOT, Settings, load_settings

ENTRY_POINTS = "newsflow.commands"


def _registrars() -> list[EntryPoint]:
    """The installed parts' `register` functions; from a source tree whose install predates
    the table (or that was never installed), the table in its pyproject.toml."""
    found = sorted(entry_points(group=ENTRY_POINTS), key=lambda point: point.name)
    pyproject = PROJECT_ROOT / "pyproject.toml"
    if found or not pyproject.is_file():
        return found
    project = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {})
    table = project.get("entry-points", {}).get(ENTRY_POINTS, {})
    return [EntryPoint(name, value, ENTRY_POINTS) for name, value in sorted(table.items())]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsflow",
        description="Streaming news ingestion: feeds -> Kafka -> Beam -> Elasticsearch, alerts.",
    )
    parser.add_argument(
        "--config", help="config file (default: $NEWSFLOW_CONFIG or configs/newsflow.yaml)"
    )
    parser.add_argument(
        "--log-level",
        default=None,
        help="DEBUG, INFO, WARNING (default $NEWSFLOW_LOG_LEVEL or INFO)",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for registrar in _registrars():
        registrar.load()(sub)
    return parser


def _parse(parser: argparse.ArgumentParser, argv: list[str]) -> argparse.Namespace:
    args, extra = parser.parse_known_args(argv)
    if extra and not args.extra_args_allowed:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    args.extra_args = extra
    args.argv = argv
    return args


def run_command(argv: Sequence[str], settings: Settings) -> int:
    """Run one subcommand with these settings (how `newsflow demo` runs its steps)."""
    args = _parse(build_parser(), list(argv))
    return int(args.handler(settings, args) or 0)


def _settings(args: argparse.Namespace) -> Settings:
    settings = load_settings(args.config)
    if args.service and getattr(args, "action", None) == "run":
        logging.getLogger("newsflow").info(
            "effective configuration",
            extra={"source": settings.source, "config": settings.masked()},
        )
    return settings


def main(argv: Sequence[str] | None = None) -> int:
    # Importing Beam logs "apitools not found ..." (GCP client libraries, which newsflow does
    # not use) on the root logger; before our logging is set up it would be every command's
    # first line.
    logging.getLogger().addFilter(_WithoutBeamsGcpNotice())
    argv = list(sys.argv[1:] if argv is None else argv)
    args = _parse(build_parser(), argv)
    setup_logging(args.log_level)
    try:
        return int(args.handler(_settings(args), args) or 0)
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


__all__ = ["build_parser", "main", "run_command"]
