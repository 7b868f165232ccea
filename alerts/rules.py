"""Alert rules file (configs/alerts.yaml): channels, rules and delivery policy, validated."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from newsflow.alerts.query import Node, QuerySyntaxError, parse_query
from newsflow.errors import ConfigError
from newsflow.settings import Duration, Settings, matching
from newsflow.urls import AddressGuard, BlockedAddressError

_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
PRIVATE_SETTING = "alerts.allow_private_addresses"  # named in the SSRF guard's refusals


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def _env_name(value: str | None) -> str | None:
    if value is not None and not _ENV_NAME.match(value):
        msg = f"{value!r} is not an environment variable name"
        raise ValueError(msg)
    return value


class LogChannel(_Model):
    type: Literal["log"] = "log"


class WebhookChannel(_Model):
    """POST the alert as JSON, signed with HMAC-SHA256 when a secret is configured."""

    type: Literal["webhook"]
    url: str | None = None
    url_env: str | None = None
    secret_env: str | None = None
    headers: dict[str, str] = Field(default_factory=dict)

    _names = field_validator("url_env", "secret_env")(_env_name)


class SlackChannel(_Model):
    type: Literal["slack"]
    url: str | None = None
    url_env: str | None = None

    _names = field_validator("url_env")(_env_name)


class EmailChannel(_Model):
    type: Literal["email"]
    host: str
    port: int = Field(default=587, ge=1, le=65535)
    sender: str = Field(alias="from")
    to: list[str] = Field(min_length=1)
    username: str | None = None
    password_env: str | None = None
    security: Literal["starttls", "ssl", "none"] | None = (
        None  # default: ssl on 465, starttls on 587
    )

    _names = field_validator("password_env")(_env_name)


Channel = Annotated[
    LogChannel | WebhookChannel | SlackChannel | EmailChannel, Field(discriminator="type")
]


class DeliveryPolicy(_Model):
    """How hard the notifier tries before recording a final failure."""

    timeout: Duration = timedelta(seconds=10)
    max_attempts: int = Field(default=12, ge=1)  # 1 s doubling to 60 s: ~6 min
    backoff: Duration = timedelta(seconds=1)
    max_backoff: Duration = timedelta(seconds=60)


class Rule(_Model):
    id: Annotated[
        str,
        matching(
            r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$",
            "ids are letters, digits, '.', '_' and '-' (up to 128)",
        ),
    ]
    name: str | None = None
    query: str
    entities: list[str] = Field(default_factory=list)
    sources: list[str] = Field(default_factory=list)
    languages: list[str] = Field(default_factory=list)
    channels: list[str] = Field(default_factory=lambda: ["log"])
    throttle: Duration | None = None
    enabled: bool = True

    @property
    def throttle_seconds(self) -> float | None:
        return self.throttle.total_seconds() if self.throttle else None


class RuleSet(_Model):
    """A validated rules file; `queries` holds each enabled rule's parsed query."""

    source: str = "<memory>"
    channels: dict[str, Channel] = Field(default_factory=dict)
    rules: list[Rule] = Field(default_factory=list)
    delivery: DeliveryPolicy = DeliveryPolicy()

    def rule(self, rule_id: str) -> Rule | None:
        return next((r for r in self.rules if r.id == rule_id), None)

    def queries(self) -> dict[str, Node]:
        return {rule.id: parse_query(rule.query) for rule in self.rules if rule.enabled}


def _error(file: str, exc: ValidationError, entry: str) -> ConfigError:
    first = exc.errors()[0]
    field = ".".join(str(p) for p in first["loc"]) or None
    message = first["msg"].removeprefix("Value error, ")
    return ConfigError(file, message, entry=entry, field=field)


def _parse_channels(file: str, raw: Any, guard: AddressGuard | None) -> dict[str, Any]:
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(file, "must be a mapping of channel name -> settings", entry="channels")
    channels: dict[str, Any] = {"log": LogChannel()}
    for name, value in raw.items():
        if not isinstance(value, dict) or "type" not in value:
            raise ConfigError(
                file, "needs a 'type' (webhook, slack, email or log)", f"channel {name}", "type"
            )
        try:
            channels[str(name)] = _CHANNEL_TYPES[value["type"]].model_validate(value)
        except KeyError:
            msg = f"unknown type {value['type']!r} (webhook, slack, email or log)"
            raise ConfigError(file, msg, f"channel {name}", "type") from None
        except ValidationError as exc:
            raise _error(file, exc, f"channel {name}") from None
        _check_target(file, str(name), channels[str(name)], guard)
    return channels


def _check_target(file: str, name: str, channel: Any, guard: AddressGuard | None) -> None:
    if isinstance(channel, WebhookChannel | SlackChannel) and not (channel.url or channel.url_env):
        raise ConfigError(file, "needs 'url' or 'url_env'", f"channel {name}", "url")
    if guard is not None and isinstance(channel, WebhookChannel | SlackChannel) and channel.url:
        check_target_url(file, name, "url", channel.url, guard)


def check_target_url(file: str, channel: str, field: str, url: str, guard: AddressGuard) -> None:
    """ConfigError naming file, channel and field when the SSRF guard refuses a webhook or Slack
    URL by itself: not http(s), or a host that is a loopback/private/link-local/metadata address
    in any notation (127.0.0.1, 2130706433, [::ffff:127.0.0.1], ...) or a localhost name.

    Names are checked when the notifier connects (resolved once, every address checked)."""
    try:
        guard.check_url(url)
    except BlockedAddressError as exc:
        reason = str(exc)
        if field == "url_env" and reason.startswith("refusing URL"):
            reason = "its value is not an http(s) URL with a host"  # the URL may be a secret
        raise ConfigError(file, reason, f"channel {channel}", field) from None


_CHANNEL_TYPES: dict[str, type[_Model]] = {
    "log": LogChannel,
    "webhook": WebhookChannel,
    "slack": SlackChannel,
    "email": EmailChannel,
}


def _parse_rule(file: str, index: int, raw: Any, channels: dict[str, Any]) -> Rule:
    entry = f"rules[{index}]"
    if isinstance(raw, dict) and isinstance(raw.get("id"), str):
        entry = f"rule {raw['id']}"
    if not isinstance(raw, dict):
        raise ConfigError(file, "each rule must be a mapping", entry)
    try:
        rule = Rule.model_validate(raw)
    except ValidationError as exc:
        raise _error(file, exc, entry) from None
    try:
        parse_query(rule.query)
    except QuerySyntaxError as exc:
        raise ConfigError(file, str(exc), entry, "query") from None
    for channel in rule.channels:
        if channel not in channels:
            known = ", ".join(sorted(channels))
            raise ConfigError(
                file, f"unknown channel {channel!r} (defined: {known})", entry, "channels"
            )
    return rule


def parse_rules(
    data: Any, source: str = "<memory>", *, allow_private_addresses: bool | None = None
) -> RuleSet:
    """Validate an already-loaded rules document; errors name the file, the rule and the field.

    With `allow_private_addresses` given (the notifier's `alerts.allow_private_addresses`),
    literal webhook and Slack URLs are checked against the SSRF guard too; None (the pipeline,
    backtests: they match rules, never send) skips that check."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(source, "top level must be a mapping with 'channels' and 'rules'")
    unknown = set(data) - {"channels", "rules", "delivery"}
    if unknown:
        raise ConfigError(source, f"unknown section(s): {', '.join(sorted(map(str, unknown)))}")
    guard = None
    if allow_private_addresses is not None:
        guard = AddressGuard(allow_private_addresses, PRIVATE_SETTING)
    channels = _parse_channels(source, data.get("channels"), guard)
    raw_rules = data.get("rules") or []
    if not isinstance(raw_rules, list):
        raise ConfigError(source, "must be a list of rules", entry="rules")
    rules = [_parse_rule(source, i, raw, channels) for i, raw in enumerate(raw_rules)]
    seen: set[str] = set()
    for rule in rules:
        if rule.id in seen:
            raise ConfigError(
                source, "duplicate rule id (ids must be unique)", f"rule {rule.id}", "id"
            )
        seen.add(rule.id)
    try:
        delivery = DeliveryPolicy.model_validate(data.get("delivery") or {})
    except ValidationError as exc:
        raise _error(source, exc, "delivery") from None
    return RuleSet(source=source, channels=channels, rules=rules, delivery=delivery)


def rules_path(settings: Settings, override: str | None = None) -> Path:
    """--rules, else NEWSFLOW_ALERT_RULES (settings.alerts.rules_file), else configs/alerts.yaml."""
    return settings.resolve_path(override or settings.alerts.rules_file)


def load_rules(path: str | Path, *, allow_private_addresses: bool | None = None) -> RuleSet:
    """Read and validate a rules file (`allow_private_addresses`: see parse_rules)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(str(path), "rules file not found") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(str(path), f"not valid YAML: {exc}") from None
    return parse_rules(data, str(path), allow_private_addresses=allow_private_addresses)
