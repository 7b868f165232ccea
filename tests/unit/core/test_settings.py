"""Settings: validation errors name file/entry/field, env overrides, secrets never shown."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from newsflow.errors import ConfigError
from newsflow.settings import load_settings, parse_timedelta


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "newsflow.yaml"
    path.write_text(text)
    return path


def test_shipped_config_is_valid_and_uses_contract_names():
    settings = load_settings(env={})
    assert (
        settings.topics.raw,
        settings.topics.enriched,
        settings.topics.alerts,
        settings.topics.dlq,
    ) == (
        "news.raw",
        "news.enriched",
        "news.alerts",
        "news.dlq",
    )
    assert (settings.indices.articles, settings.indices.alerts) == ("news-articles", "news-alerts")
    assert settings.kafka.bootstrap == "127.0.0.1:9092"
    assert settings.elasticsearch.url == "http://127.0.0.1:9200"


def test_empty_file_gives_defaults(tmp_path: Path):
    settings = load_settings(write(tmp_path, ""), env={})
    assert settings.topics.raw == "news.raw"
    assert settings.stack.elasticsearch_version.startswith("9.")


def test_unknown_field_names_file_entry_and_field(tmp_path: Path):
    path = write(tmp_path, "topics:\n  raw: x\n  partitons: 3\n")
    with pytest.raises(ConfigError) as err:
        load_settings(path, env={})
    assert err.value.file == str(path)
    assert err.value.entry == "topics"
    assert err.value.field == "partitons"
    assert str(path) in str(err.value) and "partitons" in str(err.value)


def test_bad_value_names_the_field(tmp_path: Path):
    path = write(tmp_path, "topics:\n  partitions: 0\n")
    with pytest.raises(ConfigError, match=r"entry 'topics': field 'partitions'"):
        load_settings(path, env={})


def test_bad_duration_is_rejected(tmp_path: Path):
    path = write(tmp_path, "topics:\n  retention: forever\n")
    with pytest.raises(ConfigError, match="retention"):
        load_settings(path, env={})


def test_invalid_yaml_names_the_file(tmp_path: Path):
    path = write(tmp_path, "kafka: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_settings(path, env={})


def test_missing_explicit_file_is_an_error(tmp_path: Path):
    with pytest.raises(ConfigError, match="file not found"):
        load_settings(env={"NEWSFLOW_CONFIG": str(tmp_path / "nope.yaml")})


def test_env_overrides_documented_and_generic(tmp_path: Path):
    path = write(tmp_path, "kafka:\n  bootstrap: a:1\n")
    settings = load_settings(
        path,
        env={
            "NEWSFLOW_KAFKA_BOOTSTRAP": "broker:9093",
            "NEWSFLOW_ES_URL": "https://es.example:9200",
            "NEWSFLOW_TOPICS__PARTITIONS": "6",
            "NEWSFLOW_INDICES__ARTICLES": "my-articles",
        },
    )
    assert settings.kafka.bootstrap == "broker:9093"
    assert settings.elasticsearch.url == "https://es.example:9200"
    assert settings.topics.partitions == 6
    assert settings.indices.articles == "my-articles"


def test_bad_env_override_names_the_field(tmp_path: Path):
    with pytest.raises(ConfigError, match="partitions"):
        load_settings(write(tmp_path, ""), env={"NEWSFLOW_TOPICS__PARTITIONS": "many"})


def test_secrets_are_masked_but_usable(tmp_path: Path):
    settings = load_settings(
        write(tmp_path, ""),
        env={
            "NEWSFLOW_ES_API_KEY": "es-secret-key",
            "NEWSFLOW_KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
            "NEWSFLOW_KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
            "NEWSFLOW_KAFKA_SASL_USERNAME": "nf",
            "NEWSFLOW_KAFKA_SASL_PASSWORD": "kafka-secret",
        },
    )
    shown = json.dumps(settings.masked()) + repr(settings) + str(settings)
    assert "es-secret-key" not in shown and "kafka-secret" not in shown
    config = settings.kafka.client_config()
    assert config["sasl_plain_password"] == "kafka-secret"
    assert config["security_protocol"] == "SASL_SSL"


def test_with_overrides_keeps_secrets(tmp_path: Path):
    settings = load_settings(
        write(tmp_path, ""), env={"NEWSFLOW_ES_PASSWORD": "pw", "NEWSFLOW_ES_USERNAME": "u"}
    )
    copy = settings.with_overrides(topics={"raw": "t.raw"})
    assert copy.topics.raw == "t.raw"
    assert copy.elasticsearch.password is not None
    assert copy.elasticsearch.password.get_secret_value() == "pw"


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30s", 30), ("5m", 300), ("1h", 3600), ("7d", 604800), ("250ms", 0.25), (12, 12)],
)
def test_parse_duration(text, seconds):
    assert parse_timedelta(text) == timedelta(seconds=seconds)


def test_parse_duration_rejects_garbage():
    with pytest.raises(ValueError, match="not a duration"):
        parse_timedelta("soon")


def test_durations_are_timedeltas_and_show_as_written(tmp_path: Path):
    path = write(tmp_path, "pipeline:\n  bulk_flush_interval: 250ms\nconnector:\n  timeout: 2m\n")
    settings = load_settings(path, env={"NEWSFLOW_TOPICS__RETENTION": "36h"})
    assert settings.pipeline.bulk_flush_interval == timedelta(milliseconds=250)
    assert settings.connector.timeout.total_seconds() == 120
    assert settings.topics.retention == timedelta(hours=36)
    shown = settings.masked()
    assert (shown["pipeline"]["bulk_flush_interval"], shown["connector"]["timeout"]) == (
        "250ms",
        "2m",
    )
    assert shown["topics"]["retention"] == "36h" and shown["topics"]["dlq_retention"] == "30d"
    assert settings.with_overrides(topics={"raw": "x"}).topics.retention == timedelta(hours=36)
    # what a script gets from str(timedelta) reads back (tests/conftest.py's settings_env)
    again = load_settings(path, env={"NEWSFLOW_TOPICS__RETENTION": str(settings.topics.retention)})
    assert again.topics.retention == timedelta(hours=36)


def test_generic_variable_wins_over_the_documented_one_and_the_file(tmp_path: Path):
    path = write(tmp_path, "kafka:\n  bootstrap: a:1\ntopics:\n  raw: from.file\n")
    settings = load_settings(
        path,
        env={
            "NEWSFLOW_KAFKA_BOOTSTRAP": "documented:1",
            "NEWSFLOW_KAFKA__BOOTSTRAP": "generic:2",
            "NEWSFLOW_TOPICS__RAW": "from.env",
            "NEWSFLOW_LOG_FORMAT": "json",  # not a setting: ignored
        },
    )
    assert settings.kafka.bootstrap == "generic:2"
    assert settings.topics.raw == "from.env"
    assert settings.topics.enriched == "news.enriched"  # the rest of the section stays


def test_a_section_variable_that_is_not_json_is_a_config_error(tmp_path: Path):
    with pytest.raises(ConfigError, match="kafka"):
        load_settings(write(tmp_path, ""), env={"NEWSFLOW_KAFKA": "broker:9092"})
