"""Integration: bad input from feeds, every item accounted for. Feeds are served by a local HTTP
server, the real connector produces to the real Kafka, `newsflow pipeline run` indexes into the
real Elasticsearch."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from newsflow.connectors.cli import run_connector, status_rows
from newsflow.connectors.feeds import load_feeds
from newsflow.connectors.state import read_state
from newsflow.settings import Settings
from tests.support.clients import es_docs
from tests.support.odd_feeds.generator import odd_feeds
from tests.support.odd_feeds.ledger import account, run_pipeline_json
from tests.support.servers import FeedServer, Route

WORDS = (
    "The council approved the harbour budget after a long debate about ferry fares, tunnel "
    "repairs and the new railway timetable that commuters had asked for since the spring."
)
RSS = f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Odd Wire</title>
<item><title>History of the &lt;blink&gt; tag</title><link>https://odd.example/blink</link>
  <description>Why &amp;lt;blink&amp;gt; was dropped &amp;amp; what replaced it.</description>
  <pubDate>Mon, 05 Jan 2026 09:00:00 GMT</pubDate></item>
<item><title>No link, no guid</title><description>{WORDS}</description>
  <pubDate>Mon, 05 Jan 2026 08:00:00 GMT</pubDate></item>
<item><title> </title><description>  </description></item>
<item><title>No link, no guid</title><link>https://mirror.example/copy</link>
  <description>{WORDS}</description></item>
</channel></rss>""".encode()
ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Odd Atom</title><id>urn:odd</id>
<updated>2026-01-05T10:00:00Z</updated>
<entry><title type="text">Use &lt;b&gt; for bold &amp; &lt;i&gt; for italics</title>
  <link href="https://odd.example/atom-text"/><id>urn:odd:1</id>
  <updated>2026-01-05T10:00:00Z</updated>
  <summary type="text">a &lt;b&gt; b, where the &lt;b&gt; stays</summary></entry>
</feed>"""


def test_text_stays_text_and_every_item_is_traced_from_feed_to_index(
    odd_settings: Settings, tmp_path: Path
):
    with FeedServer() as server:
        server.routes["/rss"] = Route(RSS)
        server.routes["/atom"] = Route(ATOM, content_type="application/atom+xml")
        entries = [{"name": "odd-wire", "url": server.url("/rss")},
                   {"name": "odd-atom", "url": server.url("/atom")}]  # fmt: skip
        path = tmp_path / "feeds.yaml"
        path.write_text(yaml.safe_dump({"feeds": entries}), encoding="utf-8")
        assert run_connector(odd_settings, str(path), once=True) == 0
    lines = run_pipeline_json(odd_settings, tmp_path / "pipeline.log")

    indexed = es_docs(odd_settings)
    docs = {doc["title"]: doc for doc in indexed.values()}
    assert len(indexed) == len(docs) == 3
    assert "History of the <blink> tag" in docs  # not "History of the tag"
    blink = docs["History of the <blink> tag"]
    assert blink["summary"] == "Why <blink> was dropped & what replaced it."
    atom = docs["Use <b> for bold & <i> for italics"]
    assert atom["summary"] == "a <b> b, where the <b> stays"
    # the item without link or GUID and its exact copy under a link: one of them is indexed
    survivor = docs["No link, no guid"]
    dropped = [line for line in lines if line.get("msg") == "duplicate dropped"]
    assert len(dropped) == 1 and dropped[0]["level"] == "info"
    assert dropped[0]["duplicate_of"] == survivor["id"] and dropped[0]["id"] not in indexed
    assert dropped[0]["source"] == "odd-wire"
    assert survivor["source"]["domain"] in ("127.0.0.1", "mirror.example")
    rows = {
        row["name"]: row for row in status_rows(load_feeds(path), read_state(odd_settings).feeds)
    }
    assert rows["odd-wire"]["warnings"] == [
        "1 empty item(s) skipped (no link, guid, title, date or text)"
    ]


def test_three_hundred_odd_feeds_every_item_accounted_for(odd_settings: Settings, tmp_path: Path):
    feeds = odd_feeds(300)
    ledger = account(odd_settings, feeds, tmp_path)
    report = "\n".join(ledger.lines())
    print(report)  # the counts, for `pytest -s`
    assert ledger.balanced(), report
    assert ledger.unaccounted == [], report
    assert ledger.read >= 280 and ledger.entry_gaps == [], report
    # GUIDs are scoped to their feed: a GUID two feeds use (`1`, `mailto:…`) is two articles
    assert ledger.superseded_by_another_feed == 0, report
    # only bodies that are no feed are refused, each with a reason; no parser crash
    assert sum(ledger.refused.values()) <= 12, report
    assert all(reason.startswith("not a feed: ") for reason in ledger.refused), report
    assert ledger.skipped > 0 and ledger.duplicates > 0 and ledger.dead_lettered > 0, report
    stages = {what.split(":")[0] for what in ledger.dead_letters}
    assert stages <= {"parse", "clean"}, report
    counters = ledger.pipeline_counters
    assert counters["records_read"] == ledger.records, report
    assert counters["duplicates"] == ledger.duplicates, report
    (tmp_path / "ledger.json").write_text(json.dumps(ledger.lines(), indent=1))
