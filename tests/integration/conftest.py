"""Every test under tests/integration talks to the real Kafka and Elasticsearch.

Pipeline tests that take the `runner` fixture run twice: on the default local runner
(FnApiRunner) and on Beam's portable runner Prism (the binary `make prism` builds into
NEWSFLOW_HOME/cache; built here on first use if missing).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from newsflow.clients import elasticsearch_client
from newsflow.pipeline.entities import EntityEnricher, load_gazetteer
from newsflow.pipeline.stories.summary import member_of, summarize
from newsflow.settings import PROJECT_ROOT, Settings
from newsflow.stack import artifacts, secure
from tests.support.dns import DnsServer
from tests.support.entities import ENTITIES_FILE, MODEL
from tests.support.feeds import fixture
from tests.support.odd_feeds.ledger import connector_settings
from tests.support.panels import fixture_rows
from tests.support.processes import ROOT, worker_pool_env
from tests.support.secure_stack import COMMANDS, RUNS, SecureStack, case_env, newsflow, stack_env
from tests.support.servers import listening
from tests.support.ssrf import LocalServer, paired_servers
from tests.support.waiting import wait_for

RUNNERS = ("FnApiRunner", "PrismRunner")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/integration" in str(item.fspath):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def prism_binary(base_settings: Settings) -> Path:
    from newsflow.pipeline.prism import locate_prism

    return locate_prism(base_settings.home)


@pytest.fixture(params=RUNNERS)
def runner(request: pytest.FixtureRequest) -> list[str]:
    """The `newsflow pipeline run` flags that pick the runner under test."""
    if request.param == "PrismRunner":
        request.getfixturevalue("prism_binary")
        return ["--runner=PrismRunner"]
    return []


@pytest.fixture
def fast(isolated: Settings) -> Settings:
    """Isolated settings with enrichment off (its own tests cover it) to keep runs short."""
    return isolated.with_overrides(enrichment={"enabled": False})


# --- connector


@pytest.fixture
def settings(isolated: Settings) -> Settings:
    """Isolated, the connector allowed to read the local feed server (127.0.0.1), 2 s timeout."""
    return isolated.with_overrides(connector={"allow_private_addresses": True, "timeout": "2s"})


@pytest.fixture
def odd_settings(fast: Settings) -> Settings:
    """Isolated, enrichment off, the connector reading many local feeds at once."""
    return connector_settings(fast)


@pytest.fixture
def servers() -> Iterator[tuple[LocalServer, LocalServer]]:
    public, internal = paired_servers()
    internal.routes["/feed"] = (200, {}, fixture("rss20.xml"))  # what must never be read
    internal.routes["/hook"] = (200, {"Content-Type": "text/plain"}, b"ok")
    public.routes["/hook"] = (200, {"Content-Type": "text/plain"}, b"ok")
    yield public, internal
    public.close()
    internal.close()


@pytest.fixture
def dns() -> Iterator[DnsServer]:
    server = DnsServer()
    yield server
    server.close()


# --- entities, kibana, the Elasticsearch plugin


@pytest.fixture(scope="module")
def enricher() -> EntityEnricher:
    gazetteer = load_gazetteer(ENTITIES_FILE)
    return EntityEnricher(gazetteer, {"en": MODEL})


@pytest.fixture
def indexed(isolated: Settings) -> Settings:
    """The fixture's articles, their stories (as the pipeline summarises them) and alerts."""
    es = elasticsearch_client(isolated)
    articles = fixture_rows("articles.jsonl")
    stories: dict[str, dict[str, Any]] = defaultdict(dict)
    for doc in articles:
        stories[doc["story_id"]][doc["id"]] = member_of(doc)
    ops: list[dict[str, Any]] = []
    for doc in articles:
        ops += [{"index": {"_index": isolated.indices.articles, "_id": doc["id"]}}, doc]
    for story, members in stories.items():
        story_doc = {**summarize(story, members), "updated_at": "2026-12-03T00:00:00Z"}
        ops += [{"index": {"_index": isolated.indices.stories, "_id": story}}, story_doc]
    for alert in fixture_rows("alerts.jsonl"):
        ops += [{"index": {"_index": isolated.indices.alerts, "_id": alert["id"]}}, alert]
    result = es.bulk(operations=ops, refresh=True)
    assert not result["errors"], result
    es.close()
    return isolated


@pytest.fixture(scope="module")
def es_home(stack: Settings) -> Path:
    return artifacts.fetch_elasticsearch(stack.home / "cache", stack.stack.elasticsearch_version)


# --- the portable runner


@pytest.fixture
def worker_pool(fast: Settings, prism_binary: Path, tmp_path: Path) -> Iterator[str]:
    """Beam's Python SDK worker pool, a separate process that starts SDK harness processes."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    log = (tmp_path / "pool.log").open("ab")
    pool = subprocess.Popen(
        [sys.executable, "-m", "apache_beam.runners.worker.worker_pool_main",
         f"--service_port={port}"],
        cwd=ROOT, env=worker_pool_env(fast), stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        wait_for(lambda: listening(port), 30, "the worker pool")
        yield f"localhost:{port}"
    finally:
        pool.kill()
        pool.wait()


# --- a secured stack of its own


@pytest.fixture(scope="module")
def secure_stack(base_settings: Settings) -> Iterator[SecureStack]:
    """A secured stack in a home of its own (under /tmp: Elasticsearch's user must reach it),
    sharing the session's download cache, started with the CLI and stopped at the end."""
    home = Path(tempfile.mkdtemp(prefix="newsflow-secure-", dir="/tmp"))
    home.chmod(0o755)
    cache = base_settings.home / "cache"
    cache.mkdir(parents=True, exist_ok=True)
    (home / "cache").symlink_to(cache)  # warm; only read once both downloads are complete
    env = stack_env(home, home / "work")
    (home / "work").mkdir()
    try:
        started = time.monotonic()
        up = newsflow(env, "stack", "up", "--secure", timeout=300)
        seconds = time.monotonic() - started
        assert up.returncode == 0, up.stdout + up.stderr
        credentials = secure.parse_env((home / "credentials.env").read_text())
        print(f"\nnewsflow stack up --secure: {seconds:.1f}s")
        yield SecureStack(home, env, credentials, seconds, up.stdout + up.stderr)
    finally:
        down = newsflow(env, "stack", "down", timeout=180)
        print(down.stdout + down.stderr)
        (home / "cache").unlink(missing_ok=True)  # never delete through the link
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="module")
def refused(secure_stack: SecureStack) -> dict[tuple[str, str], subprocess.CompletedProcess]:
    """Every (case, command) at once: a refused Kafka client may take its bootstrap timeout."""
    procs = {
        (case, command): subprocess.Popen(
            [sys.executable, "-m", "newsflow.cli", *COMMANDS[command]],
            cwd=PROJECT_ROOT,
            env=case_env(secure_stack, case),
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for case, command in RUNS
    }
    results = {}
    for key, proc in procs.items():
        stdout, stderr = proc.communicate(timeout=240)
        results[key] = subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)
        secure_stack.outputs.append(stdout + stderr)
    return results
