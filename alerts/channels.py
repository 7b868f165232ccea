"""Alert channels: log, signed webhook, Slack incoming webhook and SMTP email senders.

Webhook and Slack requests go through the SSRF guard (newsflow.urls.AddressGuard) unless
`alerts.allow_private_addresses` is set: each connection resolves the host once, refuses it if
any address is loopback/private/link-local/metadata, and connects to an address it checked."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any, Literal, Protocol

import httpx

from newsflow.alerts.rules import (
    PRIVATE_SETTING,
    EmailChannel,
    LogChannel,
    RuleSet,
    SlackChannel,
    WebhookChannel,
    check_target_url,
)
from newsflow.errors import ConfigError, NewsflowError
from newsflow.http_guard import guarded_transport, refused
from newsflow.retry import parse_retry_after
from newsflow.urls import AddressGuard, BlockedAddressError

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Newsflow-Signature"
ALERT_ID_HEADER = "X-Newsflow-Alert-Id"


class DeliveryError(NewsflowError):
    """One delivery attempt failed; `retryable` says whether trying again can help."""

    def __init__(
        self, channel: str, reason: str, retryable: bool = True, retry_after: float | None = None
    ):
        self.channel = channel
        self.reason = reason
        self.retryable = retryable
        self.retry_after = retry_after  # seconds the server asked us to wait (Retry-After)
        super().__init__(f"channel {channel}: {reason}")

    def __reduce__(self):
        return (type(self), (self.channel, self.reason, self.retryable, self.retry_after))


@dataclass(frozen=True)
class Notification:
    """What a channel sends: one alert, or the summary of alerts a throttle held back."""

    kind: Literal["alert", "summary"]
    key: str  # idempotency key: the alert id, or the summary's own id
    rule_id: str
    alert: dict[str, Any] = field(default_factory=dict)  # AlertEvent JSON (kind == "alert")
    held: list[dict[str, Any]] = field(default_factory=list)  # brief alerts (kind == "summary")
    held_count: int = 0
    window: tuple[str, str] | None = None

    def payload(self) -> dict[str, Any]:
        if self.kind == "alert":
            return {"schema": "newsflow.alert/1", "type": "alert", "alert": self.alert}
        return {
            "schema": "newsflow.alert-summary/1",
            "type": "summary",
            "id": self.key,
            "rule_id": self.rule_id,
            "window_start": self.window[0] if self.window else None,
            "window_end": self.window[1] if self.window else None,
            "count": self.held_count,
            "alerts": self.held,
        }

    def subject(self) -> str:
        if self.kind == "alert":
            return (
                f"[{self.rule_id}] {self.alert.get('title') or self.alert.get('url') or self.key}"
            )
        return f"[{self.rule_id}] {self.held_count} more alert(s) held back by the throttle"

    def text(self) -> str:
        """A plain-text rendering for email and logs."""
        if self.kind == "summary":
            lines = [self.subject(), ""]
            lines += [f"- {a.get('title')}\n  {a.get('url')}" for a in self.held]
            if self.held_count > len(self.held):
                lines.append(f"... and {self.held_count - len(self.held)} more")
            return "\n".join(lines)
        alert = self.alert
        lines = [alert.get("title") or "", alert.get("url") or "", ""]
        lines.append("Matched terms: " + (", ".join(alert.get("matched_terms") or []) or "-"))
        if alert.get("matched_entities"):
            lines.append("Matched entities: " + ", ".join(alert["matched_entities"]))
        lines += [f"> {s}" for s in alert.get("snippets") or []]
        lines.append(f"\nRule: {alert.get('rule_name') or self.rule_id} | alert {self.key}")
        return "\n".join(lines)


class Sender(Protocol):
    name: str

    def send(self, notification: Notification) -> None: ...


def sign(secret: bytes, body: bytes) -> str:
    """The X-Newsflow-Signature value: 'sha256=' + hex HMAC-SHA256 of the raw body."""
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def _default_guard() -> AddressGuard:
    return AddressGuard(setting=PRIVATE_SETTING)


def _post(
    channel: str,
    url: str,
    body: bytes,
    headers: dict[str, str],
    timeout: float,
    guard: AddressGuard,
) -> None:
    try:
        if guard.allow_private:  # as before the guard: httpx defaults, proxies from the env
            response = httpx.post(url, content=body, headers=headers, timeout=timeout)
        else:
            guard.check_url(url)
            with httpx.Client(transport=guarded_transport(guard), timeout=timeout) as client:
                response = client.post(url, content=body, headers=headers)
    except BlockedAddressError as exc:  # policy: retrying cannot help
        raise DeliveryError(channel, str(exc), retryable=False) from None
    except httpx.TimeoutException:
        msg = f"timed out after {timeout:g}s posting to {url}"
        raise DeliveryError(channel, msg) from None
    except httpx.ConnectError as exc:
        if refused(exc):
            raise DeliveryError(channel, str(exc), retryable=False) from None
        msg = f"could not reach {url}: {type(exc).__name__}: {exc}"
        raise DeliveryError(channel, msg) from None
    except httpx.HTTPError as exc:
        msg = f"could not reach {url}: {type(exc).__name__}: {exc}"
        raise DeliveryError(channel, msg) from None
    if response.is_success:
        return
    # 4xx other than 408/429 will not get better by retrying: record it as a final failure
    retryable = response.status_code >= 500 or response.status_code in (408, 429)
    msg = f"HTTP {response.status_code} from {url}: {response.text[:200]}"
    raise DeliveryError(
        channel, msg, retryable, parse_retry_after(response.headers.get("Retry-After"))
    )


@dataclass
class LogSender:
    name: str = "log"

    def send(self, notification: Notification) -> None:
        log.info(notification.subject(), extra={"alert": notification.payload()})


@dataclass
class WebhookSender:
    name: str
    url: str
    secret: bytes | None
    headers: dict[str, str]
    timeout: float
    guard: AddressGuard = field(default_factory=_default_guard)

    def send(self, notification: Notification) -> None:
        body = json.dumps(notification.payload(), ensure_ascii=False, sort_keys=True).encode(
            "utf-8"
        )
        headers = {
            **self.headers,
            "Content-Type": "application/json",
            ALERT_ID_HEADER: notification.key,  # the receiver's idempotency key
        }
        if self.secret is not None:
            headers[SIGNATURE_HEADER] = sign(self.secret, body)
        _post(self.name, self.url, body, headers, self.timeout, self.guard)


@dataclass
class SlackSender:
    name: str
    url: str
    timeout: float
    guard: AddressGuard = field(default_factory=_default_guard)

    def message(self, notification: Notification) -> dict[str, Any]:
        if notification.kind == "summary":
            items = "\n".join(f"• <{a.get('url')}|{a.get('title')}>" for a in notification.held)
            return {"text": f"*{notification.subject()}*\n{items}"}
        alert = notification.alert
        terms = ", ".join(f"`{t}`" for t in alert.get("matched_terms") or []) or "-"
        entities = ", ".join(alert.get("matched_entities") or [])
        lines = [f"*<{alert.get('url')}|{alert.get('title')}>*", f"Matched: {terms}"]
        if entities:
            lines.append(f"Entities: {entities}")
        lines += [f"> {s}" for s in (alert.get("snippets") or [])[:2]]
        lines.append(f"_rule {alert.get('rule_name') or notification.rule_id}_")
        return {"text": "\n".join(lines), "unfurl_links": False}

    def send(self, notification: Notification) -> None:
        body = json.dumps(self.message(notification), ensure_ascii=False).encode("utf-8")
        headers = {"Content-Type": "application/json", ALERT_ID_HEADER: notification.key}
        _post(self.name, self.url, body, headers, self.timeout, self.guard)


@dataclass
class EmailSender:
    name: str
    config: EmailChannel
    password: str | None
    timeout: float

    def message(self, notification: Notification) -> EmailMessage:
        message = EmailMessage()
        message["Subject"] = notification.subject()
        message["From"] = self.config.sender
        message["To"] = ", ".join(self.config.to)
        message["Date"] = formatdate(usegmt=True)
        # stable Message-ID: a re-sent notification is recognisably the same message
        message["Message-ID"] = f"<{notification.key.replace('/', '.')}@newsflow>"
        message[ALERT_ID_HEADER] = notification.key
        message.set_content(notification.text())
        return message

    def send(self, notification: Notification) -> None:
        config = self.config
        security = config.security or (
            "ssl" if config.port == 465 else "starttls" if config.port == 587 else "none"
        )
        try:
            if security == "ssl":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                    config.host,
                    config.port,
                    timeout=self.timeout,
                    context=ssl.create_default_context(),
                )
            else:
                smtp = smtplib.SMTP(config.host, config.port, timeout=self.timeout)
            with smtp:
                if security == "starttls":
                    smtp.starttls(context=ssl.create_default_context())
                if config.username:
                    smtp.login(config.username, self.password or "")
                smtp.send_message(self.message(notification))
        except smtplib.SMTPResponseException as exc:
            retryable = 400 <= exc.smtp_code < 500
            msg = f"SMTP {exc.smtp_code} from {config.host}:{config.port}: {exc.smtp_error!r}"
            raise DeliveryError(self.name, msg, retryable) from None
        except (OSError, smtplib.SMTPException) as exc:
            msg = f"SMTP {config.host}:{config.port}: {type(exc).__name__}: {exc}"
            raise DeliveryError(self.name, msg) from None


def _from_env(
    rules: RuleSet, channel: str, field_name: str, var: str, env: Mapping[str, str]
) -> str:
    value = env.get(var, "")
    if not value:
        msg = f"{field_name} names ${var}, which is not set (or empty)"
        raise ConfigError(rules.source, msg, entry=f"channel {channel}", field=field_name)
    return value


def _target_url(
    rules: RuleSet,
    name: str,
    channel: WebhookChannel | SlackChannel,
    env: Mapping[str, str],
    guard: AddressGuard,
) -> str:
    if channel.url:
        check_target_url(rules.source, name, "url", channel.url, guard)
        return channel.url
    url = _from_env(rules, name, "url_env", channel.url_env or "", env)
    check_target_url(rules.source, name, "url_env", url, guard)
    return url


def build_senders(
    rules: RuleSet,
    timeout: float,
    env: Mapping[str, str] | None = None,
    only: set[str] | None = None,
    *,
    allow_private_addresses: bool = False,
    guard: AddressGuard | None = None,
) -> dict[str, Sender]:
    """One sender per channel (those in `only`, default all), secrets resolved from the environment.

    Raises ConfigError naming the channel when a secret or URL variable is unset, or when the
    SSRF guard refuses a webhook/Slack URL by itself (private/loopback/metadata literal, not
    http(s)). `allow_private_addresses` is `alerts.allow_private_addresses`; `guard` replaces
    the policy built from it (tests inject a resolver)."""
    env = os.environ if env is None else env
    guard = guard or AddressGuard(allow_private_addresses, PRIVATE_SETTING)
    senders: dict[str, Sender] = {}
    for name, channel in rules.channels.items():
        if only is not None and name not in only:
            continue
        if isinstance(channel, LogChannel):
            senders[name] = LogSender(name)
        elif isinstance(channel, WebhookChannel):
            url = _target_url(rules, name, channel, env, guard)
            secret = None
            if channel.secret_env:
                secret = _from_env(rules, name, "secret_env", channel.secret_env, env).encode(
                    "utf-8"
                )
            senders[name] = WebhookSender(name, url, secret, dict(channel.headers), timeout, guard)
        elif isinstance(channel, SlackChannel):
            url = _target_url(rules, name, channel, env, guard)
            senders[name] = SlackSender(name, url, timeout, guard)
        elif isinstance(channel, EmailChannel):
            password = None
            if channel.password_env:
                password = _from_env(rules, name, "password_env", channel.password_env, env)
            senders[name] = EmailSender(name, channel, password, timeout)
    return senders
