"""Unit tests: the feeds file is validated and errors name the file, the feed and the field."""

from pathlib import Path

import pytest

from newsflow.connectors.feeds import feeds_file, load_feeds
from newsflow.errors import ConfigError
from newsflow.settings import Settings


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "feeds.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_valid_file_loads_with_defaults(tmp_path):
    path = write(
        tmp_path,
        """
feeds:
  - name: world-news
    url: https://example.org/world/rss
    interval: 5m
    tags: [world]
    language: en
    full_text: false
  - name: tech
    url: http://tech.example/atom
    enabled: false
""",
    )
    feeds = load_feeds(path)
    assert [f.name for f in feeds] == ["world-news", "tech"]
    assert feeds[0].interval == 300.0 and feeds[0].tags == ["world"] and feeds[0].language == "en"
    assert feeds[1].interval is None and feeds[1].enabled is False and feeds[1].full_text is False


@pytest.mark.parametrize(
    ("entry", "feed", "field"),
    [
        ("- name: bad-url\n    url: ftp://example.org/rss", "bad-url", "url"),
        ("- name: fast\n    url: https://e.org/rss\n    interval: 1s", "fast", "interval"),
        ("- name: typo\n    url: https://e.org/rss\n    intervall: 5m", "typo", "intervall"),
        ("- name: lang\n    url: https://e.org/rss\n    language: english!", "lang", "language"),
        ("- url: https://e.org/rss", "feeds[0]", "name"),
        ("- name: 'has space'\n    url: https://e.org/rss", "has space", "name"),
        ("- name: flag\n    url: https://e.org/rss\n    full_text: maybe", "flag", "full_text"),
    ],
)
def test_errors_name_the_file_feed_and_field(tmp_path, entry, feed, field):
    path = write(tmp_path, "feeds:\n  " + entry + "\n")
    with pytest.raises(ConfigError) as caught:
        load_feeds(path)
    assert caught.value.file == str(path)
    assert caught.value.entry == feed
    assert caught.value.field == field
    assert str(path) in str(caught.value) and feed in str(caught.value)


def test_duplicate_names_are_rejected(tmp_path):
    path = write(
        tmp_path,
        "feeds:\n  - {name: a, url: 'https://e.org/1'}\n  - {name: a, url: 'https://e.org/2'}\n",
    )
    with pytest.raises(ConfigError, match="duplicate feed name") as caught:
        load_feeds(path)
    assert (caught.value.entry, caught.value.field) == ("a", "name")


@pytest.mark.parametrize("text", ["feeds: 3\n", "- a\n", "feeds: [\n", "feedz: []\n"])
def test_malformed_files_are_config_errors(tmp_path, text):
    with pytest.raises(ConfigError):
        load_feeds(write(tmp_path, text))


def test_missing_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="file not found"):
        load_feeds(tmp_path / "nope.yaml")


def test_path_precedence_flag_then_setting(tmp_path):
    settings = Settings().with_overrides(connector={"feeds_file": str(tmp_path / "env.yaml")})
    assert feeds_file(settings, str(tmp_path / "flag.yaml")) == tmp_path / "flag.yaml"
    assert feeds_file(settings, None) == tmp_path / "env.yaml"
    assert feeds_file(Settings(), None).parts[-2:] == ("configs", "feeds.yaml")
    assert feeds_file(Settings(), "relative/f.yaml").is_absolute()


def test_a_feeds_file_read_half_written_is_read_again_when_complete(tmp_path):
    """Reloading in continuous mode: an edit written in two steps within one tick of the file
    system's clock (truncate, then write) has one mtime for both; the half-written version must
    not count as seen, or the finished edit would never be loaded."""
    import os

    from newsflow.connectors.cli import _reloader

    first = "feeds:\n  - name: a\n    url: https://a.example/rss\n"
    path = write(tmp_path, first)
    reload = _reloader(path)
    assert reload() is None  # unchanged
    stamp = path.stat().st_mtime_ns
    path.write_text("", encoding="utf-8")  # truncated, not written yet
    os.utime(path, ns=(stamp + 1, stamp + 1))
    assert reload() is None  # invalid: the previous feeds stay
    path.write_text(first + "  - name: b\n    url: https://b.example/rss\n", encoding="utf-8")
    os.utime(path, ns=(stamp + 1, stamp + 1))  # the same mtime as the half-written version
    feeds = reload()
    assert feeds is not None and [f.name for f in feeds] == ["a", "b"]
    assert reload() is None  # seen now
