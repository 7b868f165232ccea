"""Article ids, URL canonicalisation and the versioned record schema."""

from __future__ import annotations

import json

import pytest

from newsflow.errors import RecordError
from newsflow.schema import RAW_SCHEMA, DeadLetter, RawArticle
from newsflow.urls import article_id, canonical_url, url_domain


def test_canonical_url_drops_tracking_fragment_and_case_of_host():
    url = "HTTPS://WWW.Example.ORG:443/World/Story?id=7&utm_source=rss&utm_medium=x&fbclid=abc#comments"
    assert canonical_url(url) == "https://www.example.org/World/Story?id=7"


def test_same_article_same_id_across_tracking_variants():
    a = article_id("https://news.example/a?utm_campaign=1")
    b = article_id("https://NEWS.example/a#top")
    assert a == b
    assert a != article_id("https://news.example/b")


def test_guid_fallback_and_no_identity():
    assert article_id(None, "urn:uuid:1234") == article_id("", "urn:uuid:1234")
    assert article_id(None, "urn:uuid:1234") != article_id(None, "urn:uuid:5678")
    with pytest.raises(ValueError, match="link or a guid"):
        article_id(None, None)


def test_url_domain():
    assert url_domain("https://www.RT.com/news/1") == "rt.com"


def raw(**changes):
    base = {
        "schema": RAW_SCHEMA,
        "id": "0123456789abcdef0123456789abcdef",
        "url": "https://news.example/a",
        "title": "T",
        "published_at": "2025-11-20T10:00:00+03:00",
        "fetched_at": "2025-11-20T08:00:00Z",
        "source": {
            "name": "world-news",
            "feed_url": "https://news.example/rss",
            "domain": "news.example",
        },
        "content_hash": "abc",
    }
    base.update(changes)
    return json.dumps(base)


def test_raw_article_round_trip_normalises_dates_to_utc():
    record = RawArticle.from_json(raw())
    assert record.published_at.isoformat() == "2025-11-20T07:00:00+00:00"
    again = RawArticle.from_json(record.to_json())
    assert again == record
    assert json.loads(record.to_json())["schema"] == RAW_SCHEMA


@pytest.mark.parametrize(
    ("payload", "field", "reason"),
    [
        (b"\xff\xfe\x00binary", None, "not JSON"),
        ("[1, 2]", None, "not a JSON object"),
        (raw(schema="newsflow.raw/99"), "schema", "unsupported schema"),
        (raw(id=None), "id", ""),
        (raw(published_at="yesterday"), "published_at", ""),
        (raw(source={"name": ""}), "source.", ""),
    ],
)
def test_bad_records_name_stage_and_field(payload, field, reason):
    with pytest.raises(RecordError) as err:
        RawArticle.from_json(payload)
    assert err.value.stage == "parse"
    if field:
        assert (err.value.field or "").startswith(field)
    assert reason in err.value.reason


def test_dead_letter_keeps_binary_payload_exactly():
    payload = b"\x00\xff\x10 not utf-8"
    letter = DeadLetter.of(payload, stage="parse", reason="not JSON", partition=1, offset=7)
    assert letter.payload_encoding == "base64"
    assert DeadLetter.model_validate_json(letter.to_json()).original() == payload
    text = DeadLetter.of("plain", stage="clean", reason="x")
    assert text.original() == b"plain"
