"""The local stack: real Kafka and Elasticsearch on this machine, no Docker (`newsflow stack`)."""

from __future__ import annotations

import dataclasses
import time

from newsflow.errors import StackError
from newsflow.settings import Settings
from newsflow.stack import secure
from newsflow.stack.secure import StackCredentials
from newsflow.stack.servers import ElasticsearchServer, KafkaServer, ServiceStatus

__all__ = ["LocalStack", "ServiceStatus"]


class LocalStack:
    """Start, check and stop Kafka and Elasticsearch under NEWSFLOW_HOME; a home started with
    `secure_mode=True` keeps its credentials in NEWSFLOW_HOME/credentials.env and stays secure."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.credentials_file = settings.home / secure.CREDENTIALS_FILE
        credentials = (
            secure.read_credentials(self.credentials_file)
            if self.credentials_file.exists()
            else None
        )
        self._use(credentials)

    def _use(self, credentials: StackCredentials | None) -> None:
        self.credentials = credentials
        # in secure mode the stack checks Kafka's health as newsflow's client user
        client = (
            secure.client_settings(self.settings, credentials) if credentials else self.settings
        )
        self.kafka = KafkaServer(client, credentials)
        self.elasticsearch = ElasticsearchServer(self.settings, credentials)
        self.services = (self.kafka, self.elasticsearch)

    @property
    def is_secure(self) -> bool:
        return self.credentials is not None

    def mode_line(self) -> str:
        if not self.credentials:
            return "mode: plain (no authentication)"
        return (
            f"mode: secure (Kafka SASL_PLAINTEXT {secure.KAFKA_MECHANISM}, Elasticsearch "
            f"authentication on, HTTP without TLS; credentials in {self.credentials_file})"
        )

    def up(self, secure_mode: bool = False) -> list[ServiceStatus]:
        """Idempotent: start what is not running, return once both are healthy. `secure_mode`
        on a fresh home generates the credentials; a home keeps the mode it was started in."""
        self.settings.home.mkdir(parents=True, exist_ok=True)
        secure.check_mode(self.settings.home, secure_mode)
        if secure_mode and self.credentials is None:
            # written before anything starts: a start-up that fails half-way resumes with them
            credentials = StackCredentials.generate()
            secure.write_private(
                self.credentials_file, secure.credentials_env(self.settings, credentials)
            )
            self._use(credentials)
        for service in self.services:
            if service.healthy():
                print(f"  {service.name}: already running and healthy")
                continue
            print(f"  {service.name}: starting ...", flush=True)
            service.start()
        deadline = time.monotonic() + self.settings.stack.startup_timeout.total_seconds()
        pending = [s for s in self.services if not s.healthy()]
        while pending and time.monotonic() < deadline:
            for service in list(pending):
                if service.healthy():
                    pending.remove(service)
                elif service.pidfile.live_pid() is None:
                    msg = f"{service.name} exited during start-up:\n{service.failure_hint()}"
                    raise StackError(msg)
            time.sleep(0.5)
        if pending:
            names = ", ".join(s.name for s in pending)
            hints = "\n".join(s.failure_hint() for s in pending)
            msg = f"{names} not healthy after {self.settings.stack.startup_timeout}:\n{hints}"
            raise StackError(msg)
        if self.credentials:
            if self.credentials.es_api_key is None:
                key = self.elasticsearch.create_api_key(secure.api_key_request(self.settings))
                if key:
                    self._use(dataclasses.replace(self.credentials, es_api_key=key))
            # rewritten every time: the addresses follow the current configuration
            assert self.credentials is not None
            secure.write_private(
                self.credentials_file, secure.credentials_env(self.settings, self.credentials)
            )
            es = (
                "NEWSFLOW_ES_API_KEY"
                if self.credentials.es_api_key
                else "NEWSFLOW_ES_USERNAME/PASSWORD"
            )
            print(
                f"  wrote the client credentials (NEWSFLOW_KAFKA_SASL_*, {es}) to "
                f"{self.credentials_file} (mode 0600); load them with: "
                f"set -a; . {self.credentials_file}; set +a"
            )
        return self.status()

    def down(self) -> list[str]:
        stopped = []
        for service in reversed(self.services):
            if service.stop():
                stopped.append(service.name)
        return stopped

    def status(self) -> list[ServiceStatus]:
        return [service.status() for service in self.services]
