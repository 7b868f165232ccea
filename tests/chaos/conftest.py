"""The fault matrix (`make chaos`; pytest marker `chaos`). Each case streams known articles
through connector -> pipeline -> Elasticsearch -> notifier while one fault happens and prints a
row of its account; the table of the session is printed at the end and written to
$NEWSFLOW_HOME/chaos/last-run.md (docs/reliability.md shows the last run's figures).

The shared stack's Kafka is never killed: cases that kill or cut Kafka get a broker of their own
(in a temporary home, the jars from the project's cache) whose clients reach it through a
Toxiproxy proxy, and which advertises the proxy's address so every connection goes through it."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsflow.settings import Settings
from tests.support.fault_matrix import ChaosKafka, Row
from tests.support.proxies import ToxicProxy, Toxiproxy, toxiproxy_binary
from tests.support.servers import free_port
from tests.support.stack import cleanup, isolated_settings, unique_prefix

ROWS: list[Row] = []


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    everything = os.environ.get("NEWSFLOW_CHAOS") == "all"
    for item in items:
        if "tests/chaos" in str(item.fspath):
            item.add_marker(pytest.mark.chaos)
            item.add_marker(pytest.mark.integration)
            if item.get_closest_marker("chaos_full") and not everything:
                item.add_marker(pytest.mark.skip(reason="the full fault matrix: `make chaos`"))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not ROWS:
        return
    table = "\n".join([Row.HEADER, "|" + " --- |" * 12, *(row.markdown() for row in ROWS)])
    terminalreporter.write_sep("=", "fault matrix")
    terminalreporter.write_line(table)
    home = Path(os.environ.get("NEWSFLOW_HOME", ".newsflow"))
    out = home / "chaos" / "last-run.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(f"<!-- {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} -->\n{table}\n")
    terminalreporter.write_line(f"(written to {out})")


@pytest.fixture
def record_row() -> Iterator[list[Row]]:
    rows: list[Row] = []
    yield rows
    ROWS.extend(rows)


@pytest.fixture(scope="session")
def toxiproxy(stack: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Toxiproxy]:
    binary = toxiproxy_binary(stack.home)
    server = Toxiproxy(binary, tmp_path_factory.mktemp("toxiproxy") / "toxiproxy.log")
    yield server
    server.close()


@pytest.fixture(scope="session")
def chaos_kafka(stack: Settings, toxiproxy: Toxiproxy) -> Iterator[ChaosKafka]:
    from newsflow.stack.servers import KafkaServer

    # under /tmp, short: Kafka's paths, and a home the shared stack's `down` never touches
    home = Path(tempfile.mkdtemp(prefix="newsflow-chaos-"))
    (home / "cache").symlink_to(stack.home.resolve() / "cache")
    broker_port, controller_port = free_port(), free_port()
    proxy = toxiproxy.proxy("kafka", f"127.0.0.1:{broker_port}")
    own = stack.with_overrides(
        stack={"home": str(home), "kafka_controller_port": controller_port},
        kafka={"bootstrap": f"127.0.0.1:{broker_port}"},
    )
    server = KafkaServer(own, advertised=proxy.address)
    kafka = ChaosKafka(server, proxy, stack.with_overrides(kafka={"bootstrap": proxy.address}))
    kafka.start()
    yield kafka
    server.stop()
    shutil.rmtree(home, ignore_errors=True)


@pytest.fixture
def es_proxy(stack: Settings, toxiproxy: Toxiproxy) -> Iterator[ToxicProxy]:
    """Elasticsearch through Toxiproxy (a proxy per test: toxics never outlive their case)."""
    from urllib.parse import urlsplit

    url = urlsplit(stack.elasticsearch.url)
    name = f"es-{free_port()}"
    proxy = toxiproxy.proxy(name, f"{url.hostname}:{url.port or 9200}")
    yield proxy
    import httpx

    httpx.delete(f"{proxy.api}/proxies/{name}", timeout=5)


def _isolated(base: Settings) -> Iterator[Settings]:
    from newsflow.admin import initialise

    settings = isolated_settings(base, unique_prefix())
    initialise(settings)
    yield settings
    cleanup(settings)


@pytest.fixture
def shared(stack: Settings) -> Iterator[Settings]:
    """Isolated topics and indices on the shared stack."""
    yield from _isolated(stack)


@pytest.fixture
def own_kafka(chaos_kafka: ChaosKafka) -> Iterator[Settings]:
    """Isolated topics on the chaos broker (through its proxy), indices on the shared ES."""
    yield from _isolated(chaos_kafka.settings)
