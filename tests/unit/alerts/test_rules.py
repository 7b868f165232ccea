"""Alert rules file: validation errors name the file, the rule and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsflow.alerts.rules import EmailChannel, WebhookChannel, load_rules, parse_rules
from newsflow.errors import ConfigError

FIXTURES = Path(__file__).parents[2] / "fixtures" / "alerts"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "alerts.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_issue_example_loads() -> None:
    rules = load_rules(FIXTURES / "issue_example.yaml")
    assert set(rules.channels) == {"log", "ops-webhook", "newsroom", "desk-mail"}
    assert isinstance(rules.channels["ops-webhook"], WebhookChannel)
    mail = rules.channels["desk-mail"]
    assert isinstance(mail, EmailChannel) and mail.sender == "alerts@example.org"
    rule = rules.rules[0]
    assert rule.throttle_seconds == 3600
    assert rule.entities == ["Vladimir Putin"] and rule.channels == ["log", "ops-webhook"]


def test_shipped_rules_file_is_valid() -> None:
    rules = load_rules(Path(__file__).parents[3] / "configs" / "alerts.yaml")
    assert rules.rules and all(rule.channels for rule in rules.rules)


def test_query_syntax_error_names_rule_and_position(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "rules:\n  - {id: ok, query: fine}\n  - {id: broken, query: '(treaty OR accord'}\n",
    )
    with pytest.raises(ConfigError) as info:
        load_rules(path)
    assert info.value.entry == "rule broken" and info.value.field == "query"
    assert (
        str(path) in str(info.value)
        and "missing ')'" in str(info.value)
        and "column 1" in str(info.value)
    )


@pytest.mark.parametrize(
    ("data", "entry", "field", "message"),
    [
        (
            {"rules": [{"id": "a", "query": "x", "channels": ["pager"]}]},
            "rule a",
            "channels",
            "unknown channel 'pager'",
        ),
        (
            {"rules": [{"id": "a", "query": "x"}, {"id": "a", "query": "y"}]},
            "rule a",
            "id",
            "duplicate",
        ),
        (
            {"rules": [{"id": "a", "query": "x", "throttle": "soon"}]},
            "rule a",
            "throttle",
            "not a duration",
        ),
        (
            {"rules": [{"id": "a", "query": "x", "colour": "red"}]},
            "rule a",
            "colour",
            "Extra inputs",
        ),
        ({"rules": [{"query": "x"}]}, "rules[0]", "id", "Field required"),
        ({"rules": [{"id": "bad id!", "query": "x"}]}, "rule bad id!", "id", "ids are letters"),
        ({"channels": {"hook": {"type": "webhook"}}}, "channel hook", "url", "needs 'url'"),
        ({"channels": {"hook": {"type": "pager"}}}, "channel hook", "type", "unknown type"),
        (
            {"channels": {"hook": {"type": "webhook", "url": "u", "secret_env": "no spaces"}}},
            "channel hook",
            "secret_env",
            "not an environment variable name",
        ),
        (
            {"channels": {"m": {"type": "email", "host": "h", "from": "a@b"}}},
            "channel m",
            "to",
            "Field required",
        ),
        ({"delivery": {"max_attempts": 0}}, "delivery", "max_attempts", "greater than or equal"),
    ],
)
def test_config_errors_name_entry_and_field(
    data: dict, entry: str, field: str, message: str
) -> None:
    with pytest.raises(ConfigError) as info:
        parse_rules(data, "alerts.yaml")
    assert (info.value.entry, info.value.field) == (entry, field)
    assert message in str(info.value)


def test_missing_file_and_bad_yaml(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="rules file not found"):
        load_rules(tmp_path / "nope.yaml")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_rules(write(tmp_path, "rules: [\n"))


# --- SSRF guard at load time: literal webhook/Slack URLs (alerts.allow_private_addresses) ---


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("http://127.0.0.1:8080/hook", "loopback"),
        ("http://[::1]/hook", "loopback"),
        ("http://2130706433/hook", "loopback"),  # decimal 127.0.0.1
        ("http://0x7f.1/hook", "loopback"),
        ("http://[::ffff:127.0.0.1]/hook", "loopback"),  # IPv4-mapped
        ("http://gateway.example@127.0.0.1/hook", "loopback"),  # userinfo: the host is 127.0.0.1
        ("http://localhost:3000/hook", "loopback"),
        ("http://169.254.169.254/latest/meta-data/", "cloud metadata"),
        ("http://10.20.0.5/hook", "private"),
        ("https://172.16.0.9/hook", "private"),
        ("https://192.168.1.10/hook", "private"),
        ("http://[fd00::5]/hook", "private"),
        ("http://[fe80::1]/hook", "link-local"),
        ("http://0.0.0.0/hook", "unspecified"),
    ],
)
@pytest.mark.parametrize("kind_of_channel", ["webhook", "slack"])
def test_private_webhook_and_slack_urls_are_refused_at_load_time(
    tmp_path: Path, url: str, kind: str, kind_of_channel: str
) -> None:
    path = write(tmp_path, f"channels:\n  hook: {{type: {kind_of_channel}, url: '{url}'}}\n")
    with pytest.raises(ConfigError) as info:
        load_rules(path, allow_private_addresses=False)
    assert (info.value.entry, info.value.field) == ("channel hook", "url")
    message = str(info.value)
    assert str(path) in message and kind in message
    assert message.endswith("(set alerts.allow_private_addresses to allow)")


def test_private_urls_load_when_allowed_or_when_nothing_is_sent(tmp_path: Path) -> None:
    path = write(tmp_path, "channels:\n  hook: {type: webhook, url: 'http://10.0.0.5/hook'}\n")
    assert load_rules(path, allow_private_addresses=True).channels["hook"]
    assert load_rules(path).channels["hook"]  # the pipeline and backtests only match rules
    public = "channels:\n  hook: {type: webhook, url: 'https://hooks.example.org/x'}\n"
    assert load_rules(write(tmp_path, public), allow_private_addresses=False)


def test_non_http_webhook_url_is_refused_when_checked() -> None:
    data = {"channels": {"hook": {"type": "webhook", "url": "file:///etc/passwd"}}}
    with pytest.raises(ConfigError, match="only http"):
        parse_rules(data, "alerts.yaml", allow_private_addresses=True)


def test_the_webhook_guard_is_on_by_default() -> None:
    from newsflow.settings import DEFAULT_CONFIG, Settings, load_settings

    shipped = load_settings(DEFAULT_CONFIG, env={})
    for settings in (Settings(), shipped):
        assert settings.alerts.allow_private_addresses is False
        assert settings.connector.allow_private_addresses is False
    env = {"NEWSFLOW_ALERTS__ALLOW_PRIVATE_ADDRESSES": "true"}
    assert load_settings(DEFAULT_CONFIG, env=env).alerts.allow_private_addresses is True
