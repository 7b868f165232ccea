"""Integration: the SSRF guard end to end, real Kafka and real HTTP servers the tests start.

How "public" is simulated: every server a test can start listens on loopback, which the guard
refuses. So the "public internet" is a server on 127.0.0.2 and the "inside" is a server on
127.0.0.1, and the guard is given (a) a classifier that counts 127.0.0.2 as public and judges
every other address by the real rules, and (b) a resolver that asks a DNS server the test starts
(tests/support/dns.py), so that host names can point at either address, or at one and then the
other (DNS rebinding). Nothing else about the guard is replaced: the connector and the notifier
run as in production, with their real transports; the guard is passed in where the code takes
one: `run_connector(guard=...)` and `build_senders(guard=...)`.
"""

from __future__ import annotations

import threading
from pathlib import Path

import yaml

from newsflow.alerts.channels import build_senders
from newsflow.alerts.notifier import AlertNotifier
from newsflow.alerts.rules import parse_rules
from newsflow.alerts.state import DeliveryState, delivery_key, read_state
from newsflow.clients import kafka_producer
from newsflow.connectors.cli import run_connector
from newsflow.schema import AlertEvent
from newsflow.settings import Settings
from newsflow.urls import AddressGuard
from tests.support.clients import raw_records
from tests.support.dns import DnsServer
from tests.support.feeds import fixture, status
from tests.support.ssrf import INTERNAL, PUBLIC, treat_as_public
from tests.support.waiting import wait_for

FEED = fixture("rss092.xml")  # one item


def guard_with(dns: DnsServer, setting: str = "connector.allow_private_addresses") -> AddressGuard:
    """The guard, private addresses refused, asking the test's DNS, 127.0.0.2 counted public."""
    return AddressGuard(False, setting, resolver=dns.resolver, is_public=treat_as_public)


def write_feeds(tmp_path: Path, **urls: str) -> str:
    path = tmp_path / "feeds.yaml"
    path.write_text(yaml.safe_dump({"feeds": [{"name": n, "url": u} for n, u in urls.items()]}))
    return str(path)


def test_public_feed_redirecting_to_loopback_is_refused_and_named(
    isolated: Settings, servers, dns: DnsServer, tmp_path: Path
) -> None:
    public, internal = servers
    dns.add("feeds.test", [PUBLIC])
    dns.add("inside.test", [INTERNAL])
    public.routes["/ok"] = (200, {}, FEED)
    public.routes["/to-loopback"] = (302, {"Location": internal.url("/feed")}, b"")
    public.routes["/to-name"] = (301, {"Location": internal.url("/feed", host="inside.test")}, b"")
    public.routes["/to-metadata"] = (307, {"Location": "http://169.254.169.254/latest/"}, b"")
    public.routes["/to-decimal"] = (308, {"Location": f"http://2130706433:{internal.port}/feed"}, b"")  # fmt: skip
    public.routes["/chain"] = (302, {"Location": public.url("/to-loopback", host="feeds.test")}, b"")  # fmt: skip
    urls = {
        "fine": public.url("/ok", host="feeds.test"),
        "to-loopback": public.url("/to-loopback"),
        "to-name": public.url("/to-name", host="feeds.test"),
        "to-metadata": public.url("/to-metadata"),
        "to-decimal": public.url("/to-decimal"),
        "chain": public.url("/chain"),
    }
    path = write_feeds(tmp_path, **urls)
    guarded = isolated.with_overrides(connector={"allow_private_addresses": False, "timeout": "2s"})

    assert (
        run_connector(guarded, path, once=True, guard=guard_with(dns)) == 0
    )  # reported, not fatal

    rows = status(guarded, path)
    loopback = internal.url("/feed")
    want = {
        "to-loopback": f"redirect from {urls['to-loopback']} to {loopback} refused: "
        "refusing 127.0.0.1 (127.0.0.1): loopback address",
        "to-name": f"to {internal.url('/feed', host='inside.test')} refused: "
        "refusing inside.test (127.0.0.1): loopback address",
        "to-metadata": "to http://169.254.169.254/latest/ refused: refusing 169.254.169.254 "
        "(169.254.169.254): cloud metadata (link-local) address",
        "to-decimal": f"to http://2130706433:{internal.port}/feed refused: "
        "refusing 2130706433 (127.0.0.1): loopback address",
        "chain": f"redirect from {public.url('/to-loopback', host='feeds.test')} to {loopback}",
    }
    for name, expected in want.items():
        error = rows[name]["last_error"]
        assert expected in error, (name, error)
        assert error.endswith("(set connector.allow_private_addresses to allow)")
    assert rows["fine"]["items_produced"] == 1 and rows["fine"]["last_error"] is None
    assert internal.requests == []  # nothing reached the inside
    assert [r.source.name for _, r in raw_records(guarded)] == ["fine"]

    # the same redirect is followed once the operator allows private addresses
    allowed = guarded.with_overrides(connector={"allow_private_addresses": True})
    only = write_feeds(tmp_path, **{"to-loopback": urls["to-loopback"]})
    assert run_connector(allowed, only, once=True) == 0
    assert [r.path for r in internal.requests] == ["/feed"]
    assert status(allowed, only)["to-loopback"]["items_produced"] > 0


def test_dns_rebinding_feed_never_reaches_the_inside(
    isolated: Settings, servers, dns: DnsServer, tmp_path: Path
) -> None:
    """news.test answers 127.0.0.2 on the first lookup and 127.0.0.1 afterwards; the URL's
    port serves on both addresses. The first poll reads the public feed, the second is refused:
    a client that checked one answer and connected by a second lookup would read the inside."""
    public, internal = servers
    public.routes["/feed"] = (200, {}, FEED)
    dns.add("news.test", [[PUBLIC], [INTERNAL]])
    path = write_feeds(tmp_path, rebinding=f"http://news.test:{public.port}/feed")
    guarded = isolated.with_overrides(connector={"allow_private_addresses": False, "timeout": "2s"})

    assert run_connector(guarded, path, once=True, guard=guard_with(dns)) == 0
    assert status(guarded, path)["rebinding"]["items_produced"] == 1
    assert dns.lookups == ["news.test"]

    assert run_connector(guarded, path, once=True, guard=guard_with(dns)) == 0
    row = status(guarded, path)["rebinding"]
    assert row["last_error"].startswith("refusing news.test (127.0.0.1): loopback address")
    assert len(public.requests) == 1 and internal.requests == []
    assert len(raw_records(guarded)) == 1


def publish(settings: Settings, alert_id: str, channels: list[str]) -> None:
    producer = kafka_producer(settings)
    try:
        event = AlertEvent(
            id=alert_id, rule_id="r1", article_id="a1", title="Treaty", channels=channels
        )
        producer.send(settings.topics.alerts, key=event.id.encode(), value=event.to_json())
        producer.flush(timeout=30)
    finally:
        producer.close()


def test_notifier_refuses_a_webhook_resolving_inside_and_records_why(
    isolated: Settings, servers, dns: DnsServer
) -> None:
    public, internal = servers
    dns.add("hooks.test", [PUBLIC])
    dns.add("inside.test", [INTERNAL])
    dns.add("rebind.test", [[PUBLIC], [INTERNAL]])
    rules = parse_rules(
        {
            "channels": {
                "public-hook": {"type": "webhook", "url": public.url("/hook", host="hooks.test")},
                "inside-hook": {
                    "type": "webhook",
                    "url": internal.url("/hook", host="inside.test"),
                },
                "rebind-hook": {"type": "slack", "url": public.url("/hook", host="rebind.test")},
            },
            "delivery": {"max_attempts": 3, "backoff": "50ms", "max_backoff": "100ms"},
            "rules": [{"id": "r1", "query": "treaty", "channels": ["public-hook"]}],
        },
        "alerts.yaml",
    )
    senders = build_senders(rules, 5.0, env={}, guard=guard_with(dns, "alerts.allow_private_addresses"))  # fmt: skip
    notifier = AlertNotifier(isolated, rules, senders, DeliveryState(isolated))
    thread = threading.Thread(target=notifier.run, daemon=True)
    thread.start()
    channels = ["public-hook", "inside-hook", "rebind-hook"]
    keys = {c: delivery_key(f"alert-{n}", c) for n, c in enumerate(channels)}

    def settled(count: int) -> bool:
        done = [v for k, v in read_state(isolated).items() if k.startswith("delivery/")]
        return len(done) == count and all(v["status"] in ("delivered", "failed") for v in done)

    try:
        for n, channel in enumerate(channels):
            publish(isolated, f"alert-{n}", [channel])
        wait_for(lambda: settled(3), 60, "three deliveries settled")
        publish(isolated, "alert-3", ["rebind-hook"])  # the second lookup of rebind.test
        wait_for(lambda: settled(4), 60, "the fourth delivery settled")
    finally:
        notifier.stop.set()
        thread.join(30)
    state = read_state(isolated)
    assert state[keys["public-hook"]]["status"] == "delivered"
    assert state[keys["rebind-hook"]]["status"] == "delivered"  # first answer: public
    refused = state[keys["inside-hook"]]
    assert refused["status"] == "failed" and refused["attempts"] == 1  # not retried
    assert refused["reason"].startswith("refusing inside.test (127.0.0.1): loopback address")
    rebound = state[delivery_key("alert-3", "rebind-hook")]
    assert rebound["status"] == "failed" and "refusing rebind.test (127.0.0.1)" in rebound["reason"]
    assert len(public.requests) == 2 and internal.requests == []
