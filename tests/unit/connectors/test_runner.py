"""Unit tests: RssConnector.poll decisions (new, revision, unchanged) without Kafka."""

import asyncio
from datetime import UTC, datetime, timedelta

from newsflow.connectors.feeds import FeedConfig
from newsflow.connectors.fetcher import HttpFetcher
from newsflow.connectors.metrics import FETCHES
from newsflow.connectors.state import ItemState
from newsflow.settings import Settings
from tests.support.feeds import SETTINGS, commit, make, poll
from tests.support.servers import Route


def rss(*items):
    body = "".join(
        f"<item><title>{t}</title><link>{u}</link><description>{d}</description></item>"
        for u, t, d in items
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>x</title>{body}</channel></rss>'.encode()


def test_new_then_unchanged_then_revision_then_flip_back(server):
    feed = FeedConfig(name="f", url=server.url("/f"))
    connector = make(SETTINGS, [feed])
    v1 = rss(("https://e.example/a", "A", "first"))
    v2 = rss(("https://e.example/a", "A", "second"))
    server.routes["/f"] = Route(v1)
    first = poll(connector, feed)
    assert [(r.title, r.revision) for r in first.records] == [("A", 1)]
    commit(connector, first)
    again = poll(connector, feed)
    assert again.records == []
    server.routes["/f"] = Route(v2)
    edited = poll(connector, feed)
    assert [(r.revision, r.summary_html) for r in edited.records] == [(2, "second")]
    assert edited.records[0].id == first.records[0].id
    commit(connector, edited)
    server.routes["/f"] = Route(v1)  # a stale mirror still serving the old version
    assert poll(connector, feed).records == []


def test_items_decided_but_not_acknowledged_are_not_produced_twice_by_another_feed(server):
    one = FeedConfig(name="one", url=server.url("/one"))
    two = FeedConfig(name="two", url=server.url("/two"))
    server.routes["/one"] = Route(rss(("https://w.example/s", "S", "same")))
    server.routes["/two"] = Route(rss(("https://w.example/s?utm_source=x", "S", "same")))
    connector = make(SETTINGS, [one, two])
    assert len(poll(connector, one).records) == 1
    assert poll(connector, two).records == []  # pending decision from feed one counts


def test_unchanged_items_are_kept_alive_once_a_day(server):
    feed = FeedConfig(name="f", url=server.url("/f"))
    server.routes["/f"] = Route(rss(("https://e.example/a", "A", "x")))
    connector = make(SETTINGS, [feed])
    first = poll(connector, feed)
    commit(connector, first)
    item_id = first.records[0].id
    old = datetime.now(UTC) - timedelta(days=3)
    connector.state.items[item_id] = ItemState(
        rev=1, hashes=[first.records[0].content_hash], last_seen=old
    )
    assert poll(connector, feed).items == {}  # within a day: the unchanged body is not parsed
    stale = connector.state.feeds["f"].model_copy(update={"last_parsed_at": old})
    connector.state.feeds["f"] = stale
    refreshed = poll(connector, feed)  # a day later: full fetch and parse, items kept alive
    assert refreshed.records == [] and refreshed.items[item_id].last_seen > old
    connector.state.apply([], refreshed.items)
    assert poll(connector, feed).items == {}  # seen today: no state write


def test_a_changed_feed_url_in_the_config_starts_afresh(server):
    server.routes["/a"] = Route(rss(("https://e.example/a", "A", "x")), etag=True)
    server.routes["/b"] = Route(rss(("https://e.example/b", "B", "y")), etag=True)
    connector = make(SETTINGS, [])
    result = poll(connector, FeedConfig(name="f", url=server.url("/a")))
    commit(connector, result)
    moved = poll(connector, FeedConfig(name="f", url=server.url("/b")))
    assert moved.state.url == server.url("/b") and moved.state.config_url == server.url("/b")
    assert "if-none-match" not in server.requests_for("/b")[0].headers


def test_fetch_outcomes_are_counted():
    before = FETCHES.labels("blocked")._value.get()

    async def go():
        fetcher = HttpFetcher(Settings().connector)  # private addresses refused
        try:
            return await fetcher.fetch("http://127.0.0.1:9/feed")
        finally:
            await fetcher.aclose()

    assert asyncio.run(go()).outcome == "blocked"
    assert FETCHES.labels("blocked")._value.get() == before + 1


def test_metrics_are_served_for_prometheus():
    import socket
    import urllib.request

    from newsflow.metrics import serve_metrics

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    serve_metrics(port, addr="127.0.0.1")
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    for name in (
        "newsflow_connector_fetches_total",
        "newsflow_connector_items_produced_total",
        "newsflow_connector_fetch_seconds_bucket",
    ):
        assert name in text


def test_an_identical_body_without_validators_is_not_parsed_again(server):
    feed = FeedConfig(name="f", url=server.url("/f"))
    server.routes["/f"] = Route(rss(("https://e.example/a", "A", "x")))  # no ETag, no Last-Modified
    connector = make(SETTINGS, [feed])
    first = poll(connector, feed)
    commit(connector, first)
    assert first.state.body_hash and first.state.last_outcome == "ok"
    again = poll(connector, feed)
    assert again.state.last_outcome == "unchanged" and again.records == [] and again.items == {}
    server.routes["/f"] = Route(rss(("https://e.example/a", "A", "edited")))
    assert [r.revision for r in poll(connector, feed).records] == [2]


def test_validators_are_dropped_once_a_day_to_keep_items_alive(server):
    feed = FeedConfig(name="f", url=server.url("/f"))
    server.routes["/f"] = Route(rss(("https://e.example/a", "A", "x")), etag=True)
    connector = make(SETTINGS, [feed])
    commit(connector, poll(connector, feed))
    assert poll(connector, feed).state.last_outcome == "not_modified"
    assert "if-none-match" in server.requests[1].headers
    day_old = datetime.now(UTC) - timedelta(days=1, minutes=1)
    connector.state.feeds["f"] = connector.state.feeds["f"].model_copy(
        update={"last_parsed_at": day_old}
    )
    daily = poll(connector, feed)
    assert "if-none-match" not in server.requests[2].headers
    assert daily.state.last_outcome == "ok" and daily.state.last_parsed_at > day_old
    assert daily.records == []


def test_publisher_hints_lengthen_the_interval(server):
    feed = FeedConfig(name="f", url=server.url("/f"), interval=60)
    body = rss(("https://e.example/a", "A", "x")).replace(
        b"<title>x</title>", b"<title>x</title><ttl>30</ttl>"
    )
    server.routes["/f"] = Route(body, headers={"Cache-Control": "public, max-age=3600"})
    result = poll(make(SETTINGS, [feed]), feed)
    assert result.state.interval == 3600  # max-age beats <ttl> (30 min) beats the 1m interval
    wait = (result.state.next_poll_at - result.state.last_poll_at).total_seconds()
    assert wait == 3600
    server.routes["/f"] = Route(body)
    assert poll(make(SETTINGS, [feed]), feed).state.interval == 1800
