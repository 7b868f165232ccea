"""The Elasticsearch plugin `stack up --secure` builds for the .security index (its use, an API
key that works, is in test_secure_stack.py): it compiles against the cached Elasticsearch home's
own jars and packages what elasticsearch-plugin needs."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from newsflow.errors import StackError
from newsflow.settings import Settings
from newsflow.stack import es_plugin
from newsflow.stack.java import find_java_home


def test_the_plugin_builds_from_the_elasticsearch_homes_jars(
    stack: Settings, es_home: Path, tmp_path: Path
):
    version = stack.stack.elasticsearch_version
    plugin = es_plugin.build_security_analysis_plugin(
        es_home, find_java_home(21), tmp_path, version
    )
    with zipfile.ZipFile(plugin) as archive:
        names = set(archive.namelist())
        descriptor = archive.read("stable-plugin-descriptor.properties").decode()
        components = json.loads(archive.read("named_components.json"))
        jar = archive.read(f"{es_plugin.PLUGIN_NAME}-{version}.jar")
    assert f"elasticsearch.version={version}" in descriptor
    assert f"name={es_plugin.PLUGIN_NAME}" in descriptor
    assert {name for kinds in components.values() for name in kinds} == {
        "pattern_capture", "unique", "uax_url_email"
    }  # fmt: skip
    assert names == {"stable-plugin-descriptor.properties", "named_components.json",
                     f"{es_plugin.PLUGIN_NAME}-{version}.jar"}  # fmt: skip
    (tmp_path / "plugin.jar").write_bytes(jar)
    with zipfile.ZipFile(tmp_path / "plugin.jar") as classes:
        for fqcn in (c for kinds in components.values() for c in kinds.values()):
            assert fqcn.replace(".", "/") + ".class" in classes.namelist()
    # built once: the same zip is reused
    again = es_plugin.build_security_analysis_plugin(es_home, find_java_home(21), tmp_path, version)
    assert again == plugin


def test_without_a_jdk_the_build_says_so(es_home: Path, stack: Settings, tmp_path: Path):
    jre = tmp_path / "jre"
    (jre / "bin").mkdir(parents=True)
    with pytest.raises(StackError, match="no bin/javac"):
        es_plugin.build_security_analysis_plugin(
            es_home, jre, tmp_path / "out", stack.stack.elasticsearch_version
        )
