"""Integration: the feed connector against the real Kafka, feeds served by a local HTTP server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from newsflow.connectors.cli import run_connector
from newsflow.urls import article_id
from tests.support.clients import by_feed, raw_records
from tests.support.feeds import feeds_file, fixture, rss, status
from tests.support.servers import Route


def test_every_format_and_encoding_reaches_kafka_and_bad_feeds_are_reported(
    settings, server, tmp_path
):
    server.routes.update(
        {
            "/rss091": Route(fixture("rss091.xml"), content_type="application/rss+xml"),
            "/rss092": Route(fixture("rss092.xml")),
            "/rss10": Route(fixture("rss10.rdf"), content_type="application/rdf+xml"),
            "/rss20": Route(fixture("rss20.xml")),
            "/atom03": Route(fixture("atom03.xml"), content_type="application/atom+xml"),
            "/atom10": Route(fixture("atom10.xml"), content_type="application/atom+xml", gzip=True),
            "/cp1251": Route(fixture("cp1251.xml"), content_type="application/rss+xml"),
            "/latin1": Route(fixture("latin1.xml"), content_type="text/xml; charset=ISO-8859-1"),
            "/sloppy": Route(fixture("malformed_recoverable.xml")),
            "/garbage": Route(fixture("malformed_fatal.xml")),
            "/homepage": Route(fixture("html_page.html"), content_type="text/html; charset=utf-8"),
            "/gone": Route(b"gone", 404, content_type="text/plain"),
        }
    )
    names = ["rss091", "rss092", "rss10", "rss20", "atom03", "atom10", "cp1251", "latin1", "sloppy"]
    broken = ["garbage", "homepage", "gone"]
    path = feeds_file(tmp_path, **{n: server.url(f"/{n}") for n in names + broken})

    assert run_connector(settings, path, once=True) == 0  # failing feeds are reported, not fatal

    records = raw_records(settings)
    feeds = by_feed(records)
    assert sorted(feeds) == sorted(names)
    counts = {name: len(items) for name, items in feeds.items()}
    assert counts == {"rss091": 1, "rss092": 1, "rss10": 1, "rss20": 5, "atom03": 1, "atom10": 2,
                      "cp1251": 1, "latin1": 1, "sloppy": 2}  # fmt: skip
    assert all(key == record.id.encode() for key, record in records)
    assert feeds["cp1251"][0].title == "Песков: встреча Путина и Трампа не планируется"
    assert feeds["latin1"][0].title == "Fête de la bière à Zürich: garçon, naïve"
    bridge = next(r for r in feeds["rss20"] if r.guid == "fd-0001")
    assert bridge.id == article_id("https://fixture-daily.example/city/bridge-reopens")
    assert bridge.published_at == datetime(2025, 11, 3, 8, 30, tzinfo=UTC)
    assert bridge.authors == ["Ana Lima"] and bridge.categories == ["City", "Transport"]
    untitled = next(r for r in feeds["rss20"] if r.title is None)
    assert untitled.published_at_estimated and untitled.published_at == untitled.fetched_at
    relative = next(r for r in feeds["rss20"] if r.title == "Relative link item")
    assert relative.url == server.url("/science/comet")
    assert all(
        r.revision == 1 and r.source.feed_url == server.url(f"/{r.source.name}") for _, r in records
    )

    rows = status(settings, path)
    assert rows["garbage"]["last_error"].startswith("not a feed")
    assert "HTML page" in rows["homepage"]["last_error"]
    assert rows["gone"]["last_error"] == "HTTP 404"
    assert all(
        rows[n]["consecutive_failures"] == 1 and rows[n]["status"] == "failing" for n in broken
    )
    assert (
        rows["sloppy"]["status"] == "ok"
        and "malformed feed accepted" in rows["sloppy"]["warnings"][0]
    )
    assert rows["rss20"]["items_produced"] == 5 and rows["rss20"]["last_success"]


def test_second_poll_sends_validators_and_a_restart_produces_nothing(settings, server, tmp_path):
    server.routes["/etag"] = Route(fixture("rss20.xml"), etag=True)
    server.routes["/modified"] = Route(
        fixture("atom10.xml"), last_modified="Wed, 05 Nov 2025 10:00:00 GMT"
    )
    server.routes["/plain"] = Route(fixture("rss10.rdf"))  # no validators: dedup by content hash
    path = feeds_file(
        tmp_path,
        etag=server.url("/etag"),
        modified=server.url("/modified"),
        plain=server.url("/plain"),
    )

    assert run_connector(settings, path, once=True) == 0
    first = raw_records(settings)
    assert len(first) == 5 + 2 + 1
    # each run_connector call is a fresh start: state comes back from the compacted topic
    assert run_connector(settings, path, once=True) == 0
    assert raw_records(settings) == first

    etag_requests = server.requests_for("/etag")
    assert "if-none-match" not in etag_requests[0].headers
    assert etag_requests[1].headers["if-none-match"].startswith('"')
    assert (
        server.requests_for("/modified")[1].headers["if-modified-since"]
        == "Wed, 05 Nov 2025 10:00:00 GMT"
    )
    rows = status(settings, path)
    assert rows["etag"]["items_produced"] == 5 and rows["plain"]["items_produced"] == 1
    assert all(row["consecutive_failures"] == 0 for row in rows.values())


def test_an_edited_item_becomes_a_revision_with_the_same_id(settings, server, tmp_path):
    server.routes["/feed"] = Route(rss(
        ("https://news.example/a", "Storm hits coast", "Winds of 120 km/h."),
        ("https://news.example/b", "Election results", "Turnout was high."),
    ), etag=True)  # fmt: skip
    path = feeds_file(tmp_path, feed=server.url("/feed"))
    assert run_connector(settings, path, once=True) == 0

    server.routes["/feed"] = Route(rss(
        ("https://news.example/a", "Storm hits coast", "Winds of 150 km/h; two injured."),
        ("https://news.example/b", "Election results", "Turnout was high."),
    ), etag=True)  # fmt: skip
    assert run_connector(settings, path, once=True) == 0

    records = [r for _, r in raw_records(settings)]
    assert [(r.title, r.revision) for r in records if r.url.endswith("/b")] == [
        ("Election results", 1)
    ]
    storm = [r for r in records if r.url.endswith("/a")]
    assert [r.revision for r in storm] == [1, 2]
    assert storm[0].id == storm[1].id and storm[0].content_hash != storm[1].content_hash
    assert "two injured" in storm[1].summary_html
    assert status(settings, path)["feed"]["items_produced"] == 3


def test_the_same_item_in_two_feeds_is_produced_once(settings, server, tmp_path):
    shared = ("https://wire.example/story?utm_source=a", "Shared story", "Syndicated text.")
    server.routes["/one"] = Route(rss(shared, ("https://one.example/x", "Only in one", "x")))
    server.routes["/two"] = Route(rss(
        ("https://WIRE.example/story?utm_medium=b#top", "Shared story", "Syndicated text."),
        ("https://two.example/y", "Only in two", "y"),
    ))  # fmt: skip
    path = feeds_file(tmp_path, one=server.url("/one"), two=server.url("/two"))
    assert run_connector(settings, path, once=True) == 0
    assert run_connector(settings, path, once=True) == 0
    records = [r for _, r in raw_records(settings)]
    assert sorted(r.title for r in records) == ["Only in one", "Only in two", "Shared story"]


def test_429_sets_the_next_poll_from_retry_after_and_backoff_grows(settings, server, tmp_path):
    server.routes["/limited"] = Route(
        b"slow down", 429, {"Retry-After": "7200"}, content_type="text/plain"
    )
    server.routes["/flaky"] = Route(b"oops", 500, content_type="text/plain")
    path = feeds_file(
        tmp_path,
        limited=server.url("/limited"),
        flaky={"url": server.url("/flaky"), "interval": "1m"},
    )
    delays = []
    for attempt in (1, 2, 3):
        started = datetime.now(UTC)
        assert run_connector(settings, path, once=True) == 0  # --once retries failing feeds too
        rows = status(settings, path)
        assert rows["flaky"]["consecutive_failures"] == attempt
        delays.append(
            (datetime.fromisoformat(rows["flaky"]["next_poll"]) - started).total_seconds()
        )
        if attempt == 1:
            next_poll = datetime.fromisoformat(rows["limited"]["next_poll"])
            assert (
                started + timedelta(seconds=7200) <= next_poll <= started + timedelta(seconds=7260)
            )
            assert "HTTP 429 (Retry-After 7200s)" in rows["limited"]["last_error"]
    # exponential from the 1m interval, +0..25% jitter
    assert 59 <= delays[0] <= 80 and 119 <= delays[1] <= 155 and 239 <= delays[2] <= 305

    server.routes["/flaky"] = Route(rss(("https://flaky.example/1", "Back", "up")))
    assert run_connector(settings, path, once=True) == 0
    row = status(settings, path)["flaky"]
    assert row["consecutive_failures"] == 0 and row["status"] == "ok" and row["items_produced"] == 1
    assert row["last_error"] == "HTTP 500"  # the last error stays visible after recovery


def test_a_permanent_redirect_updates_the_stored_url(settings, server, tmp_path):
    server.routes["/old"] = Route(status=301, headers={"Location": "/new"})
    server.routes["/new"] = Route(fixture("rss092.xml"))
    server.routes["/loop"] = Route(status=302, headers={"Location": "/loop2"})
    server.routes["/loop2"] = Route(status=301, headers={"Location": "/loop"})
    path = feeds_file(tmp_path, moved=server.url("/old"), loop=server.url("/loop"))
    assert run_connector(settings, path, once=True) == 0
    assert run_connector(settings, path, once=True) == 0
    assert len(server.requests_for("/old")) == 1 and len(server.requests_for("/new")) == 2
    rows = status(settings, path)
    assert (
        rows["moved"]["current_url"] == server.url("/new") and rows["moved"]["items_produced"] == 1
    )
    assert rows["loop"]["status"] == "failing" and "redirect loop" in rows["loop"]["last_error"]
    assert len(raw_records(settings)) == 1


def test_slow_and_oversize_feeds_fail_without_affecting_others(settings, server, tmp_path):
    settings = settings.with_overrides(connector={"timeout": "1s", "max_response_bytes": 64 * 1024})
    server.routes["/slow"] = Route(fixture("rss20.xml"), delay=2.5)
    server.routes["/huge"] = Route(
        rss(*[(f"https://big.example/{i}", "x" * 100, "y" * 500) for i in range(200)])
    )
    server.routes["/fine"] = Route(fixture("rss092.xml"))
    path = feeds_file(
        tmp_path, slow=server.url("/slow"), huge=server.url("/huge"), fine=server.url("/fine")
    )
    assert run_connector(settings, path, once=True) == 0
    rows = status(settings, path)
    assert rows["slow"]["last_error"] == "timed out after 1s"
    assert "65536-byte cap" in rows["huge"]["last_error"]
    assert rows["fine"]["items_produced"] == 1
    assert [r.source.name for _, r in raw_records(settings)] == ["fine"]


def test_ssrf_guard_blocks_private_addresses_by_default(isolated, server, tmp_path):
    server.routes["/feed"] = Route(fixture("rss092.xml"))
    settings = isolated.with_overrides(connector={"allow_private_addresses": False})
    path = feeds_file(tmp_path, internal=server.url("/feed"))
    assert run_connector(settings, path, once=True) == 0
    assert server.requests == []
    row = status(settings, path)["internal"]
    assert (
        "refusing 127.0.0.1" in row["last_error"] and "allow_private_addresses" in row["last_error"]
    )
    assert raw_records(settings) == []
