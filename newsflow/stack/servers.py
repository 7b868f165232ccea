"""The two local servers: a one-node KRaft Kafka and a single-node Elasticsearch."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

from newsflow.errors import StackError
from newsflow.settings import Settings
from newsflow.stack import artifacts, es_plugin, process, secure
from newsflow.stack.java import find_java_home
from newsflow.stack.secure import StackCredentials


@dataclass
class ServiceStatus:
    name: str
    running: bool
    healthy: bool
    pid: int | None
    address: str
    detail: str

    def line(self) -> str:
        state = (
            "healthy" if self.healthy else ("running, not healthy" if self.running else "stopped")
        )
        pid = f" pid {self.pid}" if self.pid else ""
        return f"{self.name:14s} {state}{pid}  {self.address}  {self.detail}"


def _host_port(address: str, default_port: int) -> tuple[str, int]:
    if "//" not in address:
        address = "//" + address
    parts = urlsplit(address)
    return parts.hostname or "127.0.0.1", parts.port or default_port


_KAFKA_LOG4J = """Configuration:
  name: newsflow-kafka
  Appenders:
    RollingFile:
      - name: File
        fileName: "{logs}/server.log"
        filePattern: "{logs}/server.log.%i"
        PatternLayout:
          pattern: "[%d] %p %m (%c)%n"
        Policies:
          SizeBasedTriggeringPolicy:
            size: 50MB
        DefaultRolloverStrategy:
          max: 5
  Loggers:
    Root:
      level: INFO
      AppenderRef:
        - ref: File
    Logger:
      - name: kafka.request.logger
        level: WARN
      - name: org.apache.kafka.controller
        level: INFO
"""


class _LocalServer:
    """What both servers share: a pid file, a port, logs under NEWSFLOW_HOME, stop and status."""

    name: str
    label: str  # as process.stop_process names it
    stop_timeout: float
    host: str
    port: int
    root: Path
    pidfile: process.PidFile
    credentials: StackCredentials | None

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    def healthy(self) -> bool:
        raise NotImplementedError

    def stop(self) -> bool:
        pid = self.pidfile.live_pid()
        if pid is None:
            return False
        process.stop_process(pid, self.label, timeout=self.stop_timeout)
        self.pidfile.path.unlink(missing_ok=True)
        return True

    def _status(self, address: str, secure_detail: str) -> ServiceStatus:
        """The status line; `secure_detail` says what the secure mode requires."""
        pid = self.pidfile.live_pid()
        external = pid is None and process.port_open(self.host, self.port)
        healthy = self.healthy() if (pid or external) else False
        detail = f"logs {self.logs}" if not external else "not started by newsflow"
        if self.credentials:
            detail = f"{secure_detail}, {detail}"
        if healthy:
            detail = self._version_prefix() + detail
        return ServiceStatus(self.name, bool(pid) or external, healthy, pid, address, detail)

    def _version_prefix(self) -> str:
        return ""

    def _detached(self, log: IO[bytes]) -> dict[str, Any]:
        """How a server process is started: no stdin, its output to `log`, in its own folder."""
        return {
            "stdout": log,
            "stderr": subprocess.STDOUT,
            "stdin": subprocess.DEVNULL,
            "cwd": self.root,
        }


class KafkaServer(_LocalServer):
    """One Kafka 4.x node in KRaft mode (broker + controller), jars from the Maven cache;
    with credentials, SASL/SCRAM-SHA-512 is required (see secure.py)."""

    name = "kafka"
    label = "Kafka"
    stop_timeout = 60

    def __init__(
        self,
        settings: Settings,
        credentials: StackCredentials | None = None,
        advertised: str | None = None,
    ):
        self.settings = settings
        self.credentials = credentials
        self.host, self.port = _host_port(settings.kafka.bootstrap.split(",")[0], 9092)
        # host:port clients are told to connect to (a proxy in front of the broker); default: its own
        self.advertised = advertised or f"{self.host}:{self.port}"
        self.controller_port = settings.stack.kafka_controller_port
        self.root = settings.home / "kafka"
        self.pidfile = process.PidFile(self.root / "kafka.pid", "kafka.Kafka")

    def _configure(self) -> Path:
        data = self.root / "data"
        self.logs.mkdir(parents=True, exist_ok=True)
        data.mkdir(parents=True, exist_ok=True)
        max_bytes = self.settings.kafka.max_message_bytes
        props = {
            "process.roles": "broker,controller",
            "node.id": "1",
            "controller.quorum.voters": f"1@{self.host}:{self.controller_port}",
            "listeners": f"PLAINTEXT://{self.host}:{self.port},CONTROLLER://{self.host}:{self.controller_port}",
            "advertised.listeners": f"PLAINTEXT://{self.advertised}",
            "controller.listener.names": "CONTROLLER",
            "inter.broker.listener.name": "PLAINTEXT",
            "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
            "log.dirs": str(data),
            "num.partitions": str(self.settings.topics.partitions),
            "offsets.topic.replication.factor": "1",
            "offsets.topic.num.partitions": "10",
            "transaction.state.log.replication.factor": "1",
            "transaction.state.log.min.isr": "1",
            "share.coordinator.state.topic.replication.factor": "1",
            "share.coordinator.state.topic.min.isr": "1",
            "group.initial.rebalance.delay.ms": "0",
            "auto.create.topics.enable": "false",
            "message.max.bytes": str(max_bytes),
            "replica.fetch.max.bytes": str(max_bytes),
            "num.network.threads": "2",
            "num.io.threads": "4",
            "log.retention.hours": "168",
        }
        if self.credentials:
            props |= secure.kafka_security_properties(
                self.credentials, self.host, self.port, self.controller_port
            )
        config = self.root / "server.properties"
        # 0600: with credentials it holds the broker's JAAS password
        secure.write_private(config, "".join(f"{k}={v}\n" for k, v in props.items()))
        (self.root / "log4j2.yaml").write_text(_KAFKA_LOG4J.format(logs=self.logs))
        return config

    def _java(self, home: Path) -> list[str]:
        java_home = find_java_home(17)
        return [str(java_home / "bin" / "java"), "-cp", f"{home}/libs/*"]

    def start(self) -> None:
        if self.pidfile.live_pid():
            return
        process.require_free_port(self.host, self.port, "Kafka")
        process.require_free_port(self.host, self.controller_port, "Kafka controller")
        home = artifacts.fetch_kafka(
            self.settings.home / "cache", self.settings.stack.kafka_version
        )
        config = self._configure()
        java = self._java(home)
        if not (self.root / "data" / "meta.properties").exists():
            self._format(java, config)
        heap = self.settings.stack.kafka_heap
        cmd = [
            java[0],
            f"-Xms{heap}",
            f"-Xmx{heap}",
            "-XX:+UseG1GC",
            "-XX:MaxGCPauseMillis=20",
            "-Djava.awt.headless=true",
            f"-Dkafka.logs.dir={self.logs}",
            f"-Dlog4j2.configurationFile={self.root / 'log4j2.yaml'}",
            *java[1:],
            "kafka.Kafka",
            str(config),
        ]
        with open(self.logs / "stdout.log", "ab") as out:
            proc = subprocess.Popen(cmd, **self._detached(out), start_new_session=True)
        self.pidfile.write(proc.pid)

    def _format(self, java: list[str], config: Path) -> None:
        """Format the storage once; with credentials, both SCRAM users go into the first
        metadata. The arguments travel in a 0600 argument file, never on a command line."""
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        args = ["kafka.tools.StorageTool", "format", "-t", cluster_id, "-c", str(config)]
        if self.credentials:
            args += secure.scram_format_args(self.credentials)
        argfile = self.root / "format.args"
        secure.write_private(argfile, "\n".join(f'"{arg}"' for arg in args) + "\n")
        try:
            result = subprocess.run(
                [*java, f"-Dlog4j2.configurationFile={self.root / 'log4j2.yaml'}", f"@{argfile}"],
                capture_output=True,
                text=True,
                check=False,
            )
        finally:
            argfile.unlink(missing_ok=True)
        if result.returncode != 0:
            output = result.stdout + result.stderr
            if self.credentials:
                output = self.credentials.redact(output)
            msg = f"formatting Kafka storage failed:\n{output}"
            raise StackError(msg)
        users = " with SCRAM-SHA-512 users" if self.credentials else ""
        print(f"  formatted Kafka storage (cluster id {cluster_id}){users}")

    def healthy(self) -> bool:
        if not process.port_open(self.host, self.port):
            return False
        try:
            from kafka.admin import KafkaAdminClient

            admin = KafkaAdminClient(**self.settings.kafka.client_config(), request_timeout_ms=5000)
            try:
                admin.describe_cluster()
                return True
            finally:
                admin.close()
        except Exception:  # any failure means "not answering metadata yet"
            return False

    def status(self) -> ServiceStatus:
        required = f"SASL_PLAINTEXT {secure.KAFKA_MECHANISM} required"
        return self._status(f"{self.host}:{self.port}", required)

    def failure_hint(self) -> str:
        log = self.logs / "server.log"
        tail = log.read_text(errors="replace").splitlines()[-20:] if log.exists() else []
        errors = [line for line in tail if " ERROR " in line or "Exception" in line]
        return "\n".join(errors[-5:]) or f"see {log}"


class ElasticsearchServer(_LocalServer):
    """A single-node Elasticsearch 9 from the integ-test-zip, bound to loopback; security off,
    or with credentials on (authentication required, HTTP without TLS; see secure.py)."""

    name = "elasticsearch"
    label = "Elasticsearch"
    stop_timeout = 90

    def __init__(self, settings: Settings, credentials: StackCredentials | None = None):
        self.settings = settings
        self.credentials = credentials
        # the stack's own requests (health, the API key) log in as the file-realm superuser
        self.auth = (
            secure.basic_auth(secure.ES_ADMIN_USER, credentials.es_admin_password)
            if credentials
            else None
        )
        self.url = settings.elasticsearch.url.rstrip("/")
        self.host, self.port = _host_port(self.url, 9200)
        self.root = settings.home / "elasticsearch"
        self.pidfile = process.PidFile(self.root / "run" / "elasticsearch.pid", "org.elasticsearch")

    def _configure(self, home: Path) -> Path:
        conf = self.root / "config"
        if conf.exists():
            shutil.rmtree(conf)
        shutil.copytree(home / "config", conf)
        for sub in ("data", "logs", "run", "tmp"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        security = (
            secure.elasticsearch_security_settings()
            if self.credentials
            else ["xpack.security.enabled: false"]
        )
        (conf / "elasticsearch.yml").write_text(
            "\n".join(
                [
                    "cluster.name: newsflow",
                    "node.name: newsflow-1",
                    f"network.host: {self.host}",
                    f"http.port: {self.port}",
                    f"transport.port: {self.settings.stack.elasticsearch_transport_port}",
                    "discovery.type: single-node",
                    *security,
                    f"path.data: {self.root / 'data'}",
                    f"path.logs: {self.logs}",
                    # a full disk must not silently turn our indices read-only in dev
                    "cluster.routing.allocation.disk.threshold_enabled: false",
                    "action.destructive_requires_name: false",
                    "http.max_content_length: 200mb",
                    "",
                ]
            )
        )
        if self.credentials:
            for name, text in secure.file_realm(self.settings, self.credentials).items():
                secure.write_private(conf / name, text)
        heap = self.settings.stack.elasticsearch_heap
        (conf / "jvm.options.d").mkdir(exist_ok=True)
        (conf / "jvm.options.d" / "newsflow.options").write_text(f"-Xms{heap}\n-Xmx{heap}\n")
        return conf

    def start(self) -> None:
        if self.pidfile.live_pid():
            return
        process.require_free_port(self.host, self.port, "Elasticsearch")
        process.require_free_port(
            self.host, self.settings.stack.elasticsearch_transport_port, "Elasticsearch transport"
        )
        java_home = find_java_home(21)
        home = artifacts.fetch_elasticsearch(
            self.settings.home / "cache", self.settings.stack.elasticsearch_version
        )
        if self.credentials:
            self._add_security_analysis(home, java_home)
        conf = self._configure(home)
        user = process.ensure_service_user(self.settings.stack.service_user)
        if user is not None:
            process.check_traversable(home, user)
            process.check_traversable(self.root, user)
            process.chown_tree(self.root, user)
        env = {
            **os.environ,
            "ES_JAVA_HOME": str(java_home),
            "ES_PATH_CONF": str(conf),
            "ES_TMPDIR": str(self.root / "tmp"),
            # the launcher itself writes temp files too; keep them in our own tree
            "CLI_JAVA_OPTS": f"-Djava.io.tmpdir={self.root / 'tmp'}",
        }
        env.pop("ES_JAVA_OPTS", None)
        cmd = [str(home / "bin" / "elasticsearch"), "-d", "-p", str(self.pidfile.path)]
        with open(self.logs / "startup.log", "ab") as out:
            result = subprocess.run(
                cmd,
                **self._detached(out),
                env=env,
                user=user.pw_uid if user else None,
                group=user.pw_gid if user else None,
                extra_groups=[] if user else None,
                check=False,
                timeout=self.settings.stack.startup_timeout.total_seconds(),
            )
        if result.returncode != 0:
            msg = (
                f"Elasticsearch failed to start (exit {result.returncode}):\n{self.failure_hint()}"
            )
            raise StackError(msg)

    def _add_security_analysis(self, home: Path, java_home: Path) -> None:
        """API keys live in the .security index, whose "email" analyzer needs components of the
        analysis-common module, which the integ-test-zip leaves out: newsflow's small plugin
        (es_plugin.py) supplies them. Without it (no JDK to build it) clients use user and
        password."""
        version = self.settings.stack.elasticsearch_version
        try:
            plugin = es_plugin.build_security_analysis_plugin(
                home, java_home, self.settings.home / "cache" / "es-plugins", version
            )
            if es_plugin.install_security_analysis_plugin(home, java_home, plugin):
                print(f"  installed the Elasticsearch plugin {es_plugin.PLUGIN_NAME} (API keys)")
        except StackError as exc:
            print(f"  note: no API keys, clients log in with user and password: {exc}")

    def create_api_key(self, body: dict[str, object]) -> str | None:
        """A new API key (its `encoded` form) as the stack's superuser; None when Elasticsearch
        cannot make one (no .security index without the plugin), with a note."""
        try:
            return str(self.request("/_security/api_key", body, timeout=60)["encoded"])
        except (urllib.error.URLError, OSError, KeyError, ValueError) as exc:
            detail = (
                exc.read().decode(errors="replace")[:300]
                if isinstance(exc, urllib.error.HTTPError)
                else exc
            )
            print(
                f"  note: Elasticsearch made no API key ({detail}); clients use user and password"
            )
            return None

    def request(
        self, path: str, body: dict | None = None, auth: str | None = None, timeout: float = 5
    ) -> dict:
        """GET (or POST a JSON body) as the stack's superuser, or with `auth` if given."""
        request = urllib.request.Request(f"{self.url}{path}")
        if auth or self.auth:
            request.add_header("Authorization", auth or self.auth or "")
        if body is not None:
            request.data = json.dumps(body).encode()
            request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=timeout) as resp:
            return json.loads(resp.read())

    def healthy(self) -> bool:
        try:
            health = self.request("/_cluster/health")
            if self.credentials:  # an unsecured server would accept any Authorization header
                self.request("/_security/_authenticate")
        except (OSError, urllib.error.URLError, ValueError):
            return False
        return health.get("status") in ("yellow", "green")

    def status(self) -> ServiceStatus:
        return self._status(self.url, "authentication required (HTTP, no TLS)")

    def _version_prefix(self) -> str:
        try:
            nodes = self.request("/_nodes/_local?filter_path=nodes.*.version")["nodes"]
            return f"version {next(iter(nodes.values()))['version']}, "
        except (OSError, ValueError, KeyError, StopIteration):
            return ""

    def failure_hint(self) -> str:
        lines: list[str] = []
        for log in (self.logs / "startup.log", self.logs / "newsflow.log"):
            if log.exists():
                lines += [
                    ln
                    for ln in log.read_text(errors="replace").splitlines()[-200:]
                    if "ERROR" in ln or "Exception" in ln or "error" in ln.lower()
                ]
        return "\n".join(lines[-8:]) or f"see {self.logs}"
