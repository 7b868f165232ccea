"""The local stack: real Kafka and Elasticsearch on this machine, no Docker (`newsflow stack`)."""

from __future__ import annotations

import time

from newsflow.errors import StackError
from newsflow.settings import Settings, parse_duration
from newsflow.stack.servers import ElasticsearchServer, KafkaServer, ServiceStatus

__all__ = ["LocalStack", "ServiceStatus"]


class LocalStack:
    """Start, check and stop Kafka and Elasticsearch under NEWSFLOW_HOME."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.kafka = KafkaServer(settings)
        self.elasticsearch = ElasticsearchServer(settings)
        self.services = (self.kafka, self.elasticsearch)

    def up(self) -> list[ServiceStatus]:
        """Idempotent: start what is not running, return once both are healthy."""
        self.settings.home.mkdir(parents=True, exist_ok=True)
        for service in self.services:
            if service.healthy():
                print(f"  {service.name}: already running and healthy")
                continue
            print(f"  {service.name}: starting ...", flush=True)
            service.start()
        deadline = time.monotonic() + parse_duration(self.settings.stack.startup_timeout)
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
        return self.status()

    def down(self) -> list[str]:
        stopped = []
        for service in reversed(self.services):
            if service.stop():
                stopped.append(service.name)
        return stopped

    def status(self) -> list[ServiceStatus]:
        return [service.status() for service in self.services]
