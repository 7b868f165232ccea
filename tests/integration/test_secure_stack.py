"""`newsflow stack up --secure`: a secured stack of its own, used end to end with the generated
credentials, and refused without them (cleanly, and without a secret in any output)."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from newsflow import clients
from newsflow.settings import PROJECT_ROOT, Settings, load_settings
from newsflow.stack import secure
from tests.support.servers import FeedServer, Route, free_port
from tests.support.waiting import wait_for

WRONG = {  # values no output may show either
    "es_password": "wrong-es-" + secrets.token_urlsafe(12),
    "es_api_key": "d3JvbmctaWQ6" + secrets.token_urlsafe(16),
    "kafka_password": "wrong-kafka-" + secrets.token_urlsafe(12),
}


@dataclass
class SecureStack:
    home: Path
    base_env: dict[str, str]  # where the stack is, no credentials
    credentials: dict[str, str]  # credentials.env
    up_seconds: float
    up_output: str
    outputs: list[str] = field(default_factory=list)  # every command's output, for the leak check

    @property
    def client_env(self) -> dict[str, str]:
        return {**self.base_env, **self.credentials}

    def secrets(self) -> list[str]:
        return [v for k, v in self.credentials.items() if k.endswith(("PASSWORD", "API_KEY"))]

    def run(
        self, env: dict[str, str], *args: str, timeout: float = 180
    ) -> subprocess.CompletedProcess:
        out = newsflow(env, *args, timeout=timeout)
        self.outputs.append(out.stdout + out.stderr)
        return out


def newsflow(env: dict[str, str], *args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "newsflow.cli", *args],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip


def stack_env(home: Path, tmp: Path) -> dict[str, str]:
    """A hermetic environment: this stack's home and ports, none of the caller's NEWSFLOW_*."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSFLOW_")}
    return env | {
        "NEWSFLOW_HOME": str(home),
        "NEWSFLOW_KAFKA_BOOTSTRAP": f"127.0.0.1:{free_port()}",
        "NEWSFLOW_STACK__KAFKA_CONTROLLER_PORT": str(free_port()),
        "NEWSFLOW_ES_URL": f"http://127.0.0.1:{free_port()}",
        "NEWSFLOW_STACK__ELASTICSEARCH_TRANSPORT_PORT": str(free_port()),
        "NEWSFLOW_STACK__KAFKA_HEAP": "512m",
        "NEWSFLOW_STACK__ELASTICSEARCH_HEAP": "1g",
        "NEWSFLOW_ENRICHMENT__ENABLED": "false",
        "NEWSFLOW_CONNECTOR__ALLOW_PRIVATE_ADDRESSES": "true",  # the feed server is local
        "NEWSFLOW_CONNECTOR__TIMEOUT": "5s",
        "NEWSFLOW_ALERT_RULES": str(tmp / "alerts.yaml"),
        "NEWSFLOW_FEEDS": str(tmp / "feeds.yaml"),
    }


@pytest.fixture(scope="module")
def stack(base_settings: Settings) -> Iterator[SecureStack]:
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


def test_up_writes_private_credentials_and_the_servers_require_them(stack: SecureStack):
    path = stack.home / "credentials.env"
    assert path.stat().st_mode & 0o777 == 0o600
    assert stack.credentials["NEWSFLOW_KAFKA_SECURITY_PROTOCOL"] == "SASL_PLAINTEXT"
    assert stack.credentials["NEWSFLOW_KAFKA_SASL_MECHANISM"] == "SCRAM-SHA-512"
    assert f"to {path} (mode 0600)" in stack.up_output
    assert not any(secret in stack.up_output for secret in stack.secrets())

    status = stack.run(stack.base_env, "stack", "status")  # no credentials in the env needed
    assert status.returncode == 0, status.stdout + status.stderr
    assert "mode: secure" in status.stdout
    assert "SASL_PLAINTEXT SCRAM-SHA-512 required" in status.stdout
    assert "authentication required (HTTP, no TLS)" in status.stdout

    import urllib.error
    import urllib.request

    url = stack.base_env["NEWSFLOW_ES_URL"]
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{url}/_cluster/health", timeout=10)
    assert refused.value.code == 401

    # clients get an API key (the .security index exists: newsflow's analysis plugin is in),
    # limited to newsflow's role: its own indices yes, another index no
    key = stack.credentials["NEWSFLOW_ES_API_KEY"]
    assert "NEWSFLOW_ES_PASSWORD" not in stack.credentials
    auth = {"Authorization": f"ApiKey {key}", "Content-Type": "application/json"}

    def call(method: str, path: str) -> int:
        request = urllib.request.Request(f"{url}{path}", method=method, headers=auth)
        try:
            with urllib.request.urlopen(request, data=b"{}" if method == "PUT" else None) as r:
                return r.status
        except urllib.error.HTTPError as exc:
            return exc.code

    assert call("GET", "/_cluster/health") == 200
    assert call("GET", "/_security/_authenticate") == 200
    assert call("PUT", "/news-articles-keycheck") == 200
    assert call("DELETE", "/news-articles-keycheck") == 200
    assert call("PUT", "/not-newsflows") == 403

    plain = stack.run(stack.base_env, "stack", "up")
    assert plain.returncode == 1
    assert "holds a secured stack" in plain.stderr and "--secure" in plain.stderr


RSS = b"""<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Wire</title>
<item><title>Treaty talks resume in Geneva</title><link>https://wire.example.org/treaty-1</link>
<description>Negotiators met on Tuesday to revive the arms treaty after a year of silence.</description></item>
<item><title>Harbour reopens after storm</title><link>https://wire.example.org/harbour-2</link>
<description>The harbour reopened to shipping on Wednesday once the storm had passed.</description></item>
</channel></rss>"""


def test_newsflow_works_end_to_end_with_the_credentials(stack: SecureStack):
    env, work = stack.client_env, stack.home / "work"
    with FeedServer() as feeds:
        feeds.routes["/wire.xml"] = Route(RSS)
        (work / "feeds.yaml").write_text(
            yaml.safe_dump({"feeds": [{"name": "wire", "url": feeds.url("/wire.xml")}]})
        )
        rules = {"rules": [{"id": "treaty", "query": "treaty", "channels": ["log"]}]}
        (work / "alerts.yaml").write_text(yaml.safe_dump(rules))
        init = stack.run(env, "init")
        assert init.returncode == 0, init.stdout + init.stderr
        assert "news-articles-000001" in init.stdout

        once = stack.run(env, "connector", "run", "--once")
        assert once.returncode == 0, once.stdout + once.stderr
        assert "2 record(s) produced" in once.stdout

        pipeline = stack.run(env, "pipeline", "run", "--until-idle", "3")
        assert pipeline.returncode == 0, pipeline.stdout + pipeline.stderr

        found = stack.run(env, "search", "Geneva")
        assert found.returncode == 0, found.stdout + found.stderr
        assert "1 article(s) match 'Geneva'" in found.stdout
        assert "Treaty talks resume in Geneva" in found.stdout

        backtest = stack.run(env, "alerts", "test", "--since", "7d", "--json")
        assert backtest.returncode == 0, backtest.stdout + backtest.stderr
        fired = [json.loads(line) for line in backtest.stdout.splitlines()]
        assert [(a["rule_id"], a["title"]) for a in fired] == [
            ("treaty", "Treaty talks resume in Geneva")
        ]

        # the notifier delivers the pipeline's alert to the `log` channel: a line in its output
        log = work / "notifier.log"
        with log.open("w") as out:
            notifier = subprocess.Popen(
                [sys.executable, "-m", "newsflow.cli", "alerts", "run"],
                cwd=PROJECT_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
        try:
            wait_for(lambda: "Treaty talks resume in Geneva" in log.read_text(), 60, "the delivery")
        finally:
            notifier.send_signal(signal.SIGTERM)
            notifier.wait(timeout=60)
            stack.outputs.append(log.read_text())
        assert notifier.returncode == 0, log.read_text()


def kafka_values(env: dict[str, str], topic: str) -> list[bytes]:
    """Every value on a topic, read with the credentials in env."""
    from kafka import TopicPartition

    settings = load_settings(env=env)
    consumer = clients.kafka_consumer(settings, group_id=None)
    try:
        tps = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        ends = consumer.end_offsets(tps)
        values: list[bytes] = []
        deadline = time.monotonic() + 30
        while any(consumer.position(tp) < ends[tp] for tp in tps) and time.monotonic() < deadline:
            for batch in consumer.poll(timeout_ms=500).values():
                values += [r.value for r in batch]
        return values
    finally:
        consumer.close()


# --- refused -----------------------------------------------------------------------------

COMMANDS = {
    "init": ("init",),
    "connector": ("connector", "run", "--once"),
    "pipeline": ("pipeline", "run", "--until-idle", "3"),
    "notifier": ("alerts", "run"),
    "search": ("search", "Geneva"),
}
CASES = {  # what is wrong -> the system that must refuse it, the commands that talk to it
    "wrong-es-password": ("Elasticsearch", ("init", "pipeline", "notifier", "search")),
    "wrong-es-api-key": ("Elasticsearch", ("init", "pipeline", "notifier", "search")),
    "no-es-credentials": ("Elasticsearch", ("init", "pipeline", "notifier", "search")),
    "wrong-kafka-password": ("Kafka", ("init", "connector", "pipeline", "notifier")),
    "no-credentials": ("Kafka", ("init", "connector", "pipeline", "notifier")),
}
RUNS = [(case, command) for case, (_, commands) in CASES.items() for command in commands]


def case_env(stack: SecureStack, case: str) -> dict[str, str]:
    env = stack.client_env
    if case == "wrong-es-password":  # newsflow's user instead of the key, a wrong password
        del env["NEWSFLOW_ES_API_KEY"]
        env["NEWSFLOW_ES_USERNAME"] = stack.credentials["NEWSFLOW_STACK_ES_CLIENT_USER"]
        env["NEWSFLOW_ES_PASSWORD"] = WRONG["es_password"]
    elif case == "wrong-es-api-key":
        env["NEWSFLOW_ES_API_KEY"] = WRONG["es_api_key"]
    elif case == "no-es-credentials":
        del env["NEWSFLOW_ES_API_KEY"]
    elif case == "wrong-kafka-password":
        env["NEWSFLOW_KAFKA_SASL_PASSWORD"] = WRONG["kafka_password"]
    else:
        env = dict(stack.base_env)
    return env


@pytest.fixture(scope="module")
def refused(stack: SecureStack) -> dict[tuple[str, str], subprocess.CompletedProcess]:
    """Every (case, command) at once: a refused Kafka client may take its bootstrap timeout."""
    procs = {
        (case, command): subprocess.Popen(
            [sys.executable, "-m", "newsflow.cli", *COMMANDS[command]],
            cwd=PROJECT_ROOT,
            env=case_env(stack, case),
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
        stack.outputs.append(stdout + stderr)
    return results


@pytest.mark.parametrize(("case", "command"), RUNS)
def test_wrong_or_missing_credentials_stop_the_command_at_start_with_one_clear_line(
    refused: dict[tuple[str, str], subprocess.CompletedProcess], case: str, command: str
):
    result = refused[(case, command)]
    output = result.stdout + result.stderr
    system = CASES[case][0]
    assert result.returncode != 0, output
    assert "Traceback" not in output
    errors = [line for line in result.stderr.splitlines() if line.startswith("newsflow:")]
    assert len(errors) == 1, output
    assert system in errors[0] and "refused" in errors[0], errors[0]


def test_no_secret_in_any_output_log_or_dead_letter(
    stack: SecureStack, refused: dict[tuple[str, str], subprocess.CompletedProcess]
):
    secrets_ = [*stack.secrets(), *WRONG.values()]
    logs = [
        p.read_text(errors="replace")
        for sub in ("kafka/logs", "elasticsearch/logs")
        for p in (stack.home / sub).rglob("*")
        if p.is_file()
    ]
    dead_letters = kafka_values(stack.client_env, "news.dlq")
    for text in [*stack.outputs, *logs, *(v.decode(errors="replace") for v in dead_letters)]:
        if any(s in text for s in secrets_):
            for s in secrets_:  # say where, without printing the secret itself
                text = text.replace(s, "<SECRET>")
            pytest.fail(f"a secret appears in:\n{text[:3000]}")
    assert len(refused) == len(RUNS)
