"""`newsflow stack`: idempotent up, status, and its error paths (stale pid file, port in use)."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from newsflow.errors import StackError
from newsflow.settings import Settings
from newsflow.stack import LocalStack
from newsflow.stack.servers import ElasticsearchServer, KafkaServer
from tests.support.servers import free_port


def test_up_is_idempotent_and_status_reports_both(stack: Settings):
    started = time.monotonic()
    statuses = LocalStack(stack).up()
    assert time.monotonic() - started < 30  # already running: nothing is started again
    assert {s.name: s.healthy for s in statuses} == {"kafka": True, "elasticsearch": True}
    out = subprocess.run(
        [sys.executable, "-m", "newsflow.cli", "stack", "status"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0
    # each service's own line says "healthy" (not "running, not healthy", not "stopped")
    states = {
        m["name"]: m["state"]
        for m in re.finditer(
            r"^\s+(?P<name>kafka|elasticsearch)\s+(?P<state>healthy|running, not healthy|stopped)\b",
            out.stdout,
            re.MULTILINE,
        )
    }
    assert states == {"kafka": "healthy", "elasticsearch": "healthy"}, out.stdout


def _scratch(stack: Settings, tmp_path: Path, kafka_port: int, es_port: int) -> Settings:
    return stack.with_overrides(
        stack={
            "home": str(tmp_path / "home"),
            "kafka_controller_port": free_port(),
            "elasticsearch_transport_port": free_port(),
        },
        kafka={"bootstrap": f"127.0.0.1:{kafka_port}"},
        elasticsearch={"url": f"http://127.0.0.1:{es_port}"},
    )


def test_port_in_use_gives_a_clear_message(stack: Settings, tmp_path: Path):
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        settings = _scratch(stack, tmp_path, kafka_port=port, es_port=port)
        for server in (KafkaServer(settings), ElasticsearchServer(settings)):
            with pytest.raises(StackError, match=rf"port 127\.0\.0\.1:{port} is already in use"):
                server.start()


def test_stale_pid_file_is_reported_and_removed(stack: Settings, tmp_path: Path, capsys):
    settings = _scratch(stack, tmp_path, kafka_port=free_port(), es_port=free_port())
    dead = subprocess.Popen(["true"])
    dead.wait()
    kafka = KafkaServer(settings)
    kafka.pidfile.write(dead.pid)
    status = kafka.status()
    assert not status.running and not status.healthy
    assert not kafka.pidfile.path.exists()
    assert "stale pid file" in capsys.readouterr().out
    assert LocalStack(settings).down() == []


def test_status_of_a_stopped_stack_exits_non_zero(stack: Settings, tmp_path: Path):
    settings = _scratch(stack, tmp_path, kafka_port=free_port(), es_port=free_port())
    env_cmd = [sys.executable, "-m", "newsflow.cli", "stack", "status"]
    env = {
        **os.environ,
        "NEWSFLOW_HOME": settings.stack.home,
        "NEWSFLOW_KAFKA_BOOTSTRAP": settings.kafka.bootstrap,
        "NEWSFLOW_ES_URL": settings.elasticsearch.url,
    }
    out = subprocess.run(env_cmd, env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 3
    states = re.findall(r"^\s+(kafka|elasticsearch)\s+(\w+)", out.stdout, flags=re.M)
    assert states == [("kafka", "stopped"), ("elasticsearch", "stopped")]
