"""Alert channels against local receivers: signed webhook, Slack, SMTP email, config errors."""

from __future__ import annotations

import email
import email.policy
import time

import pytest

from newsflow.alerts.channels import DeliveryError, Notification, build_senders, sign
from newsflow.alerts.rules import parse_rules
from newsflow.errors import ConfigError
from tests.support.servers import SmtpReceiver, WebhookReceiver

ALERT = {
    "id": "0123abcd" * 4,
    "rule_id": "arms-control",
    "rule_name": "Arms control treaties",
    "article_id": "a1",
    "title": "Arms control talks resume — Geneva",
    "url": "https://example.org/a1",
    "matched_terms": ["arms control", "New START"],
    "matched_entities": ["Vladimir Putin"],
    "snippets": ["…the arms control talks resumed in Geneva…"],
    "channels": ["hook"],
}
NOTE = Notification("alert", ALERT["id"], "arms-control", alert=ALERT)


def senders(channels: dict, env: dict | None = None, timeout: float = 5.0):
    """The receivers listen on 127.0.0.1: these tests allow private addresses explicitly."""
    rules = parse_rules({"channels": channels}, "alerts.yaml")
    return build_senders(rules, timeout, env=env or {}, allow_private_addresses=True)


def test_webhook_body_is_signed_with_hmac_sha256(hook: WebhookReceiver) -> None:
    sender = senders(
        {"hook": {"type": "webhook", "url": hook.url, "secret_env": "HOOK_SECRET"}},
        {"HOOK_SECRET": "s3cret"},
    )["hook"]
    sender.send(NOTE)
    (request,) = hook.requests
    assert request.signature_ok(b"s3cret")
    assert not request.signature_ok(b"other")
    assert request.headers["X-Newsflow-Signature"] == sign(b"s3cret", request.body)
    assert request.headers["X-Newsflow-Alert-Id"] == ALERT["id"]
    payload = request.json()
    assert payload["type"] == "alert" and payload["alert"]["matched_terms"] == [
        "arms control",
        "New START",
    ]


def test_webhook_without_secret_is_unsigned(hook: WebhookReceiver) -> None:
    senders({"hook": {"type": "webhook", "url": hook.url}})["hook"].send(NOTE)
    assert "X-Newsflow-Signature" not in hook.requests[0].headers


def test_webhook_errors_are_retryable_or_final(hook: WebhookReceiver) -> None:
    sender = senders({"hook": {"type": "webhook", "url": hook.url}})["hook"]
    hook.fail_remaining, hook.fail_status = 1, 503
    with pytest.raises(DeliveryError) as info:
        sender.send(NOTE)
    assert info.value.retryable and "HTTP 503" in info.value.reason
    hook.fail_remaining, hook.fail_status = 1, 404
    with pytest.raises(DeliveryError) as info:
        sender.send(NOTE)
    assert not info.value.retryable and "HTTP 404" in info.value.reason
    sender.send(NOTE)
    assert len(hook.requests) == 3


def test_webhook_retry_after_is_read_as_seconds_or_an_http_date(hook: WebhookReceiver) -> None:
    """The same parser as the feed fetcher's: both forms RFC 9110 allows."""
    from email.utils import formatdate

    sender = senders({"hook": {"type": "webhook", "url": hook.url}})["hook"]
    hook.fail_status = 429
    waits = []
    for header in ("120", formatdate(time.time() + 600, usegmt=True)):
        hook.fail_remaining, hook.retry_after = 1, header
        with pytest.raises(DeliveryError) as info:
            sender.send(NOTE)
        waits.append(info.value.retry_after)
    assert waits[0] == 120 and 590 <= waits[1] <= 600


def test_webhook_timeout_and_unreachable(hook: WebhookReceiver) -> None:
    hook.hang.set()
    sender = senders({"hook": {"type": "webhook", "url": hook.url}}, timeout=0.3)["hook"]
    with pytest.raises(DeliveryError, match=r"timed out after 0\.3s"):
        sender.send(NOTE)
    hook.release.set()
    url = hook.url
    hook.close()
    with pytest.raises(DeliveryError, match="could not reach") as info:
        senders({"hook": {"type": "webhook", "url": url}})["hook"].send(NOTE)
    assert info.value.retryable


def test_slack_message_has_title_link_and_terms(hook: WebhookReceiver) -> None:
    sender = senders(
        {"newsroom": {"type": "slack", "url_env": "SLACK_URL"}}, {"SLACK_URL": hook.url}
    )["newsroom"]
    sender.send(NOTE)
    text = hook.requests[0].json()["text"]
    assert f"<{ALERT['url']}|{ALERT['title']}>" in text
    assert "`arms control`" in text and "`New START`" in text and "Vladimir Putin" in text


def test_email_via_smtp() -> None:
    smtp = SmtpReceiver()
    try:
        channel = {
            "type": "email",
            "host": "127.0.0.1",
            "port": smtp.port,
            "from": "alerts@example.org",
            "to": ["desk@example.org", "chief@example.org"],
            "security": "none",
        }
        senders({"mail": channel})["mail"].send(NOTE)
        (mail,) = smtp.messages
        assert mail.recipients == ["desk@example.org", "chief@example.org"]
        message = email.message_from_bytes(mail.data, policy=email.policy.default)
        assert message["Subject"] == "[arms-control] Arms control talks resume — Geneva"
        assert message["Message-ID"] == f"<{ALERT['id']}@newsflow>"
        body = message.get_content()
        assert "Matched terms: arms control, New START" in body and ALERT["url"] in body
    finally:
        smtp.close()


def test_email_temporary_rejection_is_retryable() -> None:
    smtp = SmtpReceiver(reject_with="451 4.3.0 try again later")
    try:
        channel = {
            "type": "email",
            "host": "127.0.0.1",
            "port": smtp.port,
            "from": "a@example.org",
            "to": ["b@example.org"],
            "security": "none",
        }
        with pytest.raises(DeliveryError) as info:
            senders({"mail": channel})["mail"].send(NOTE)
        assert info.value.retryable and "451" in info.value.reason
    finally:
        smtp.close()


@pytest.mark.parametrize(
    ("channel", "env", "field"),
    [
        (
            {
                "type": "webhook",
                "url": "http://127.0.0.1:9/x",
                "secret_env": "NEWSFLOW_WEBHOOK_SECRET",
            },
            {},
            "secret_env",
        ),
        (
            {
                "type": "webhook",
                "url": "http://127.0.0.1:9/x",
                "secret_env": "NEWSFLOW_WEBHOOK_SECRET",
            },
            {"NEWSFLOW_WEBHOOK_SECRET": ""},
            "secret_env",
        ),
        ({"type": "slack", "url_env": "SLACK_WEBHOOK_URL"}, {}, "url_env"),
        (
            {"type": "email", "host": "h", "from": "a@b", "to": ["c@d"], "password_env": "SMTP_PW"},
            {},
            "password_env",
        ),
    ],
)
def test_unset_secret_is_a_config_error_naming_the_channel(
    channel: dict, env: dict, field: str
) -> None:
    with pytest.raises(ConfigError) as info:
        senders({"ops-webhook": channel}, env)
    assert info.value.entry == "channel ops-webhook" and info.value.field == field
    assert "not set" in str(info.value) and "alerts.yaml" in str(info.value)


def test_summary_payload_lists_held_alerts(hook: WebhookReceiver) -> None:
    held = [{"id": "x1", "title": "One", "url": "u1"}, {"id": "x2", "title": "Two", "url": "u2"}]
    note = Notification(
        "summary",
        "summary/r/hook/1",
        "r",
        held=held,
        held_count=3,
        window=("2026-01-01T00:00:00.000Z", "2026-01-01T01:00:00.000Z"),
    )
    senders({"hook": {"type": "webhook", "url": hook.url}})["hook"].send(note)
    payload = hook.requests[0].json()
    assert (
        payload["type"] == "summary"
        and payload["count"] == 3
        and [a["id"] for a in payload["alerts"]] == ["x1", "x2"]
    )
    assert "... and 1 more" in note.text()
