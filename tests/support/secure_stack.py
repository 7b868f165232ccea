"""A secured stack of its own for `stack up --secure` tests: its hermetic environment, the
`newsflow` commands run against it, and the wrong or missing credentials each must refuse."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from newsflow.settings import PROJECT_ROOT
from tests.support.servers import free_port

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
