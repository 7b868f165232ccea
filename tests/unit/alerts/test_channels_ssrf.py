"""SSRF guard of the webhook and Slack channels: at start-up (literal URLs) and at send time.

Real local receivers: a "public" one on 127.0.0.2 (the injected classifier's only public
address) and an internal one on 127.0.0.1, with host names answered by a resolver the test
controls (tests/support/ssrf.py). Refused means the internal receiver saw
nothing.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from newsflow.alerts.channels import DeliveryError, Notification, build_senders
from newsflow.alerts.rules import parse_rules
from newsflow.errors import ConfigError
from newsflow.http_guard import guarded_transport
from tests.support.ssrf import (
    INTERNAL,
    PUBLIC,
    FakeDNS,
    guard_with,
    make_tls,
    paired_servers,
)

SETTING = "alerts.allow_private_addresses"
NOTE = Notification("alert", "a" * 32, "r1", alert={"id": "a" * 32, "title": "T", "url": "u"})


def sender(channel: dict, dns: FakeDNS | None = None, env: dict | None = None, **options):
    rules = parse_rules({"channels": {"hook": channel}}, "alerts.yaml")
    guard = guard_with(dns, SETTING) if dns is not None else None
    return build_senders(rules, 5.0, env=env or {}, guard=guard, **options)["hook"]


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/hook",
        "http://2130706433:9/hook",
        "http://0x7f.1:9/hook",
        "http://[::ffff:127.0.0.1]:9/hook",
        "http://hooks.example.org@127.0.0.1:9/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.8/hook",
        "http://[fc00::8]/hook",
        "http://localhost:9/hook",
    ],
)
@pytest.mark.parametrize("kind", ["webhook", "slack"])
def test_a_literal_private_url_stops_the_notifier_at_start_up(url: str, kind: str) -> None:
    with pytest.raises(ConfigError) as info:
        sender({"type": kind, "url": url})  # the default: private addresses refused
    assert (info.value.entry, info.value.field) == ("channel hook", "url")
    assert str(info.value).startswith("alerts.yaml: entry 'channel hook': field 'url': refusing ")
    assert str(info.value).endswith(f"(set {SETTING} to allow)")


def test_a_private_url_from_the_environment_is_refused_without_printing_it() -> None:
    secret_url = "http://10.0.0.8/services/T000/B000/sEcReT"
    with pytest.raises(ConfigError) as info:
        sender({"type": "slack", "url_env": "SLACK_URL"}, env={"SLACK_URL": secret_url})
    assert (info.value.entry, info.value.field) == ("channel hook", "url_env")
    assert "refusing 10.0.0.8 (10.0.0.8): private address" in str(info.value)
    assert "sEcReT" not in str(info.value)
    with pytest.raises(ConfigError) as info:
        sender({"type": "slack", "url_env": "SLACK_URL"}, env={"SLACK_URL": "hooks/sEcReT"})
    assert "not an http(s) URL" in str(info.value) and "sEcReT" not in str(info.value)


def test_private_addresses_allowed_explicitly(receivers) -> None:
    _, internal = receivers
    sender({"type": "webhook", "url": internal.url("/hook")}, allow_private_addresses=True).send(
        NOTE
    )
    assert [r.path for r in internal.requests] == ["/hook"]


def test_a_public_name_is_delivered_to_the_address_checked(receivers) -> None:
    public, internal = receivers
    dns = FakeDNS(hooks_test=[PUBLIC])
    url = f"http://hooks.test:{public.port}/hook"
    sender({"type": "webhook", "url": url, "secret_env": "S"}, dns, {"S": "k"}).send(NOTE)
    (request,) = public.requests
    assert request.method == "POST" and request.headers["Host"] == f"hooks.test:{public.port}"
    assert request.headers["X-Newsflow-Signature"].startswith("sha256=")
    assert dns.lookups == ["hooks.test"] and internal.requests == []


@pytest.mark.parametrize("kind", ["webhook", "slack"])
def test_a_name_resolving_inside_is_refused_at_send_time(receivers, kind: str) -> None:
    _, internal = receivers
    dns = FakeDNS(hooks_test=[INTERNAL], meta_test=["169.254.169.254"])
    with pytest.raises(DeliveryError) as info:
        sender({"type": kind, "url": f"http://hooks.test:{internal.port}/hook"}, dns).send(NOTE)
    assert not info.value.retryable  # a policy refusal: retrying cannot help
    assert info.value.reason.startswith("refusing hooks.test (127.0.0.1): loopback address")
    assert info.value.reason.endswith(f"(set {SETTING} to allow)")
    with pytest.raises(DeliveryError, match="cloud metadata"):
        sender({"type": kind, "url": "http://meta.test/latest"}, dns).send(NOTE)
    assert internal.requests == []


def test_dns_rebinding_cannot_reach_the_internal_receiver(receivers) -> None:
    """hooks.test answers 127.0.0.2 ("public") first, then 127.0.0.1: each send resolves once
    and posts to the address it checked, so the rebound answer is refused, never used."""
    public, internal = receivers
    dns = FakeDNS(hooks_test=[[PUBLIC], [INTERNAL]])
    hook = sender({"type": "webhook", "url": f"http://hooks.test:{public.port}/hook"}, dns)
    hook.send(NOTE)
    assert dns.lookups == ["hooks.test"] and len(public.requests) == 1
    with pytest.raises(DeliveryError, match=r"refusing hooks\.test \(127\.0\.0\.1\)"):
        hook.send(NOTE)
    assert len(public.requests) == 1 and internal.requests == []


def test_a_name_with_any_internal_address_is_refused(receivers) -> None:
    public, internal = receivers
    dns = FakeDNS(hooks_test=[PUBLIC, INTERNAL])
    with pytest.raises(DeliveryError, match="loopback"):
        sender({"type": "webhook", "url": f"http://hooks.test:{public.port}/hook"}, dns).send(NOTE)
    assert public.requests == [] and internal.requests == []


def test_redirects_are_never_followed(receivers) -> None:
    public, internal = receivers
    public.routes["/hook"] = (307, {"Location": internal.url("/hook")}, b"")
    dns = FakeDNS(hooks_test=[PUBLIC])
    with pytest.raises(DeliveryError) as info:
        sender({"type": "webhook", "url": f"http://hooks.test:{public.port}/hook"}, dns).send(NOTE)
    assert "HTTP 307" in info.value.reason and not info.value.retryable
    assert internal.requests == []


def test_https_webhook_keeps_sni_certificate_and_host(tmp_path: Path) -> None:
    files, client_tls = make_tls(tmp_path, "hooks.test")
    public, internal = paired_servers(tls=files)
    public.routes["/hook"] = (200, {}, b"ok")
    dns = FakeDNS(hooks_test=[[PUBLIC], [INTERNAL]])

    def post() -> httpx.Response:
        transport = guarded_transport(guard_with(dns, SETTING), verify=client_tls)
        with httpx.Client(transport=transport) as client:
            return client.post(f"https://hooks.test:{public.port}/hook", content=b"{}")

    try:
        assert post().status_code == 200
        assert public.sni == ["hooks.test"]
        assert public.requests[0].headers["Host"] == f"hooks.test:{public.port}"
        with pytest.raises(httpx.ConnectError, match=r"refusing hooks\.test \(127\.0\.0\.1\)"):
            post()
        assert internal.requests == [] and internal.sni == []
    finally:
        public.close()
        internal.close()
