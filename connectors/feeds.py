"""Feed connector: the feeds file (configs/feeds.yaml), validated, errors naming feed and field."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from newsflow.errors import ConfigError
from newsflow.settings import Settings, matching, parse_timedelta


class FeedConfig(BaseModel):
    """One entry of the feeds file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Annotated[
        str,
        matching(
            r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$",
            "must be 1-100 letters, digits, '.', '_' or '-' (it is a Kafka state key)",
        ),
    ]
    url: str
    interval: float | None = None  # seconds; None = connector.default_interval
    tags: list[str] = Field(default_factory=list)
    language: str | None = None
    full_text: bool = False
    enabled: bool = True

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        value = value.strip()
        if not re.match(r"^https?://[^/\s]+", value, re.IGNORECASE):
            msg = f"must be an absolute http(s) URL, got {value!r}"
            raise ValueError(msg)
        return value

    @field_validator("interval", mode="before")
    @classmethod
    def _interval(cls, value: Any) -> float | None:
        if value is None:
            return None
        seconds = parse_timedelta(value).total_seconds()
        if seconds < 10:
            msg = f"{value!r} is too short to be polite (minimum 10s)"
            raise ValueError(msg)
        return seconds

    @field_validator("language")
    @classmethod
    def _language(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$", value):
            msg = f"not a language code: {value!r} (use e.g. en, de, pt-BR)"
            raise ValueError(msg)
        return value


def feeds_file(settings: Settings, feeds_path: str | None = None) -> Path:
    """Precedence: --feeds, then NEWSFLOW_FEEDS (settings.connector.feeds_file), then default."""
    return settings.resolve_path(feeds_path or settings.connector.feeds_file)


def load_feeds(path: Path) -> list[FeedConfig]:
    """Read and validate the feeds file; raises ConfigError naming the file, feed and field."""
    source = str(path)
    if not path.exists():
        raise ConfigError(source, "file not found")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ConfigError(source, f"not valid YAML: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("feeds"), list):
        raise ConfigError(source, "expected a top-level 'feeds:' list")
    unknown = set(data) - {"feeds"}
    if unknown:
        raise ConfigError(source, f"unknown top-level key(s): {', '.join(sorted(unknown))}")
    feeds: list[FeedConfig] = []
    seen: set[str] = set()
    for index, entry in enumerate(data["feeds"]):
        label = _label(entry, index)
        if not isinstance(entry, dict):
            raise ConfigError(source, "each feed must be a mapping", entry=label)
        try:
            feed = FeedConfig.model_validate(entry)
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(part) for part in first["loc"]) or None
            raise ConfigError(source, first["msg"], entry=label, field=field) from None
        if feed.name in seen:
            raise ConfigError(source, "duplicate feed name", entry=label, field="name")
        seen.add(feed.name)
        feeds.append(feed)
    return feeds


def _label(entry: Any, index: int) -> str:
    if isinstance(entry, dict) and isinstance(entry.get("name"), str) and entry["name"]:
        return entry["name"]
    return f"feeds[{index}]"


def load_configured_feeds(settings: Settings, feeds_path: str | None = None) -> list[FeedConfig]:
    return load_feeds(feeds_file(settings, feeds_path))


__all__ = ["FeedConfig", "feeds_file", "load_configured_feeds", "load_feeds"]
