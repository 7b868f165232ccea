"""`newsflow stack up --secure`: a secured stack of its own, used end to end with the generated
credentials, and refused without them (cleanly, and without a secret in any output)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import pytest
import yaml

from newsflow import clients
from newsflow.settings import PROJECT_ROOT, load_settings
from tests.support.secure_stack import CASES, RUNS, WRONG, SecureStack
from tests.support.servers import FeedServer, Route
from tests.support.waiting import wait_for


def test_up_writes_private_credentials_and_the_servers_require_them(secure_stack: SecureStack):
    path = secure_stack.home / "credentials.env"
    assert path.stat().st_mode & 0o777 == 0o600
    assert secure_stack.credentials["NEWSFLOW_KAFKA_SECURITY_PROTOCOL"] == "SASL_PLAINTEXT"
    assert secure_stack.credentials["NEWSFLOW_KAFKA_SASL_MECHANISM"] == "SCRAM-SHA-512"
    assert f"to {path} (mode 0600)" in secure_stack.up_output
    assert not any(secret in secure_stack.up_output for secret in secure_stack.secrets())

    status = secure_stack.run(
        secure_stack.base_env, "stack", "status"
    )  # no credentials in the env needed
    assert status.returncode == 0, status.stdout + status.stderr
    assert "mode: secure" in status.stdout
    assert "SASL_PLAINTEXT SCRAM-SHA-512 required" in status.stdout
    assert "authentication required (HTTP, no TLS)" in status.stdout

    import urllib.error
    import urllib.request

    url = secure_stack.base_env["NEWSFLOW_ES_URL"]
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{url}/_cluster/health", timeout=10)
    assert refused.value.code == 401

    # clients get an API key (the .security index exists: newsflow's analysis plugin is in),
    # limited to newsflow's role: its own indices yes, another index no
    key = secure_stack.credentials["NEWSFLOW_ES_API_KEY"]
    assert "NEWSFLOW_ES_PASSWORD" not in secure_stack.credentials
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

    plain = secure_stack.run(secure_stack.base_env, "stack", "up")
    assert plain.returncode == 1
    assert "holds a secured stack" in plain.stderr and "--secure" in plain.stderr


RSS = b"""<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Wire</title>
<item><title>Treaty talks resume in Geneva</title><link>https://wire.example.org/treaty-1</link>
<description>Negotiators met on Tuesday to revive the arms treaty after a year of silence.</description></item>
<item><title>Harbour reopens after storm</title><link>https://wire.example.org/harbour-2</link>
<description>The harbour reopened to shipping on Wednesday once the storm had passed.</description></item>
</channel></rss>"""


def test_newsflow_works_end_to_end_with_the_credentials(secure_stack: SecureStack):
    env, work = secure_stack.client_env, secure_stack.home / "work"
    with FeedServer() as feeds:
        feeds.routes["/wire.xml"] = Route(RSS)
        (work / "feeds.yaml").write_text(
            yaml.safe_dump({"feeds": [{"name": "wire", "url": feeds.url("/wire.xml")}]})
        )
        rules = {"rules": [{"id": "treaty", "query": "treaty", "channels": ["log"]}]}
        (work / "alerts.yaml").write_text(yaml.safe_dump(rules))
        init = secure_stack.run(env, "init")
        assert init.returncode == 0, init.stdout + init.stderr
        assert "news-articles-000001" in init.stdout

        once = secure_stack.run(env, "connector", "run", "--once")
        assert once.returncode == 0, once.stdout + once.stderr
        assert "2 record(s) produced" in once.stdout

        pipeline = secure_stack.run(env, "pipeline", "run", "--until-idle", "3")
        assert pipeline.returncode == 0, pipeline.stdout + pipeline.stderr

        found = secure_stack.run(env, "search", "Geneva")
        assert found.returncode == 0, found.stdout + found.stderr
        assert "1 article(s) match 'Geneva'" in found.stdout
        assert "Treaty talks resume in Geneva" in found.stdout

        backtest = secure_stack.run(env, "alerts", "test", "--since", "7d", "--json")
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
            secure_stack.outputs.append(log.read_text())
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
    secure_stack: SecureStack, refused: dict[tuple[str, str], subprocess.CompletedProcess]
):
    secrets_ = [*secure_stack.secrets(), *WRONG.values()]
    logs = [
        p.read_text(errors="replace")
        for sub in ("kafka/logs", "elasticsearch/logs")
        for p in (secure_stack.home / sub).rglob("*")
        if p.is_file()
    ]
    dead_letters = kafka_values(secure_stack.client_env, "news.dlq")
    for text in [*secure_stack.outputs, *logs, *(v.decode(errors="replace") for v in dead_letters)]:
        if any(s in text for s in secrets_):
            for s in secrets_:  # say where, without printing the secret itself
                text = text.replace(s, "<SECRET>")
            pytest.fail(f"a secret appears in:\n{text[:3000]}")
    assert len(refused) == len(RUNS)
