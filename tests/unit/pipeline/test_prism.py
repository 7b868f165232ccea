"""Obtaining Prism: the cached binary, or `go install` into the cache, or a message saying what
to install (the build itself is exercised by `make prism` and the Prism integration tests)."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsflow.pipeline.prism import PrismUnavailable, locate_prism, prism_cache


def test_without_go_the_message_says_what_to_install(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(PrismUnavailable) as info:
        locate_prism(tmp_path)
    message = str(info.value)
    assert "install Go" in message and "--prism_location" in message


def test_a_failed_build_shows_the_tail_of_gos_output(tmp_path: Path, monkeypatch):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    go = bin_dir / "go"
    go.write_text("#!/bin/sh\necho 'go: module lookup disabled by GOPROXY=off' >&2\nexit 1\n")
    go.chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    with pytest.raises(PrismUnavailable, match="module lookup disabled") as info:
        locate_prism(tmp_path)
    assert "go install github.com/apache/beam/sdks/v2/go/cmd/prism@v" in str(info.value)


def test_a_cached_binary_is_used_without_building(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # no go: a build would fail
    binary = prism_cache(tmp_path) / "prism"
    binary.parent.mkdir(parents=True)
    binary.write_text("#!/bin/sh\n")
    binary.chmod(0o755)
    assert locate_prism(tmp_path) == binary
