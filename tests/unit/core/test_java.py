"""JDK discovery: JAVA_HOME first, then the newest JDK 21+ under the JVM directories."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsflow.errors import StackError
from newsflow.stack import java


def fake_jdk(root: Path, name: str, version: str) -> Path:
    home = root / name
    (home / "bin").mkdir(parents=True)
    (home / "bin" / "java").write_text("#!/bin/sh\n")
    (home / "release").write_text(f'JAVA_VERSION="{version}"\n')
    return home


def test_newest_jdk_21_plus_is_chosen(tmp_path, monkeypatch):
    fake_jdk(tmp_path, "jdk-17", "17.0.15")
    fake_jdk(tmp_path, "jdk-21", "21.0.5")
    newest = fake_jdk(tmp_path, "jdk-25", "25.0.1")
    monkeypatch.setattr(java, "JVM_DIRS", (tmp_path,))
    monkeypatch.delenv("JAVA_HOME", raising=False)
    assert java.find_java_home() == newest


def test_java_home_wins_when_new_enough(tmp_path, monkeypatch):
    chosen = fake_jdk(tmp_path, "jdk-21", "21.0.5")
    fake_jdk(tmp_path, "jdk-25", "25.0.1")
    monkeypatch.setattr(java, "JVM_DIRS", (tmp_path,))
    monkeypatch.setenv("JAVA_HOME", str(chosen))
    assert java.find_java_home() == chosen


def test_old_jdk_only_says_what_to_install(tmp_path, monkeypatch):
    fake_jdk(tmp_path, "jdk-17", "17.0.15")
    monkeypatch.setattr(java, "JVM_DIRS", (tmp_path,))
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "jdk-17"))
    with pytest.raises(StackError) as err:
        java.find_java_home()
    message = str(err.value)
    assert "no JDK 21 or newer" in message and "Java 17" in message and "install" in message.lower()
