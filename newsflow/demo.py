"""`newsflow demo`: the main job - stack up, init, ingest the seed feeds end to end, search.

The connector and the pipeline run as the `newsflow connector run` and `newsflow pipeline run`
their parts register: the core composes them without importing either."""

from __future__ import annotations

import argparse
import functools
import http.server
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from newsflow.commands import Subcommands, add_command
from newsflow.errors import StackError
from newsflow.settings import Settings, project_path

SEEDS_DIR = project_path("seeds")
SEEDS_ADDRESS = ("127.0.0.1", 8089)  # configs/feeds.yaml points here


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def serve_seeds() -> Iterator[str]:
    """Serve seeds/ over HTTP on loopback, as a publisher would serve its feeds."""
    handler = functools.partial(_QuietHandler, directory=str(SEEDS_DIR))
    try:
        server = http.server.ThreadingHTTPServer(SEEDS_ADDRESS, handler)
    except OSError as exc:
        msg = f"cannot serve the seed feeds on {SEEDS_ADDRESS[0]}:{SEEDS_ADDRESS[1]}: {exc}"
        raise StackError(msg) from None
    thread = threading.Thread(target=server.serve_forever, name="seed-feeds", daemon=True)
    thread.start()
    try:
        yield f"http://{SEEDS_ADDRESS[0]}:{SEEDS_ADDRESS[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def _step(title: str) -> float:
    print(f"\n== {title}", flush=True)
    return time.monotonic()


def register(sub: Subcommands) -> None:
    p = add_command(
        sub, "demo", _demo, "the main job: stack up, init, ingest the seed feeds end to end, search"
    )
    p.add_argument("--query", default="Peskov")


def _demo(settings: Settings, args: argparse.Namespace) -> int:
    return run_demo(settings, query=args.query)


def run_demo(settings: Settings, query: str = "Peskov") -> int:
    from newsflow.admin import initialise
    from newsflow.cli import run_command
    from newsflow.search import describe_hit, search_articles
    from newsflow.stack import LocalStack

    started = _step("1/5 local stack: Kafka + Elasticsearch (newsflow stack up)")
    for status in LocalStack(settings).up():
        print("  " + status.line())
    print(f"  ({time.monotonic() - started:.1f}s)")

    _step("2/5 topics, index templates, indices, aliases (newsflow init)")
    report = initialise(settings)
    print(f"  topics created: {', '.join(report.topics_created) or 'none (already there)'}")
    print(f"  indices created: {', '.join(report.indices_created) or 'none (already there)'}")
    for note in report.notes:
        print(f"  note: {note}")

    # the seed feeds live on loopback: allow it explicitly, for this run only
    demo = settings.with_overrides(connector={"allow_private_addresses": True})
    with serve_seeds() as base_url:
        _step(
            f"3/5 connector: seed feeds served at {base_url} -> {settings.topics.raw} (newsflow connector run --once)"
        )
        rc = run_command(["connector", "run", "--once"], demo)
        if rc != 0:
            return rc

    _step(
        f"4/5 pipeline: {settings.topics.raw} -> clean, stories, entities, alerts -> "
        f"{settings.indices.articles}, {settings.indices.stories}"
    )
    rc = run_command(["pipeline", "run", "--until-idle", "5", "--workers", "1"], demo)
    if rc != 0:
        return rc

    _step(f"5/5 search: newsflow search {query!r}")
    total, hits = search_articles(settings, query, limit=5)
    print(f"  {total} article(s) match {query!r}")
    for hit in hits:
        print("\n" + "\n".join(describe_hit(hit, indent="  ")))
    print(
        "\nThe stack keeps running: try `newsflow search Kyiv`, `newsflow feeds status`,"
        " `newsflow alerts test`; stop it with `newsflow stack down`."
    )
    return 0 if total > 0 else 1
