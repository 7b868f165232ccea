"""Fetch Kafka's jars and Elasticsearch's integ-test-zip from Maven Central with `mvn`, and build Go
tools (Prism, Toxiproxy) with `go install`, into a cache."""

from __future__ import annotations

import os
import shutil
import subprocess
import zipfile
from pathlib import Path

from newsflow.errors import StackError

_POM = """<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>newsflow.stack</groupId>
  <artifactId>{artifact}</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
{dependencies}
  </dependencies>
</project>
"""
_DEP = "    <dependency><groupId>{g}</groupId><artifactId>{a}</artifactId><version>{v}</version>{extra}</dependency>"
LOG4J_VERSION = "2.24.3"


def _pom(artifact: str, deps: list[tuple[str, str, str, str]]) -> str:
    lines = [_DEP.format(g=g, a=a, v=v, extra=extra) for g, a, v, extra in deps]
    return _POM.format(artifact=artifact, dependencies="\n".join(lines))


def _mvn(workdir: Path, repo: Path, *goals: str) -> None:
    mvn = shutil.which("mvn")
    if not mvn:
        msg = "`mvn` (Apache Maven) is needed to fetch Kafka and Elasticsearch: install it, e.g. `apt-get install maven`"
        raise StackError(msg)
    cmd = [mvn, "-B", "-q", f"-Dmaven.repo.local={repo}", *goals]
    result = subprocess.run(cmd, cwd=workdir, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-15:])
        msg = f"mvn failed in {workdir} ({' '.join(goals)}):\n{tail}"
        raise StackError(msg)


def fetch_kafka(cache: Path, version: str) -> Path:
    """Kafka broker jars (kafka_2.13 and its runtime dependencies) in cache/kafka-VERSION/libs."""
    home = cache / f"kafka-{version}"
    libs = home / "libs"
    marker = home / ".complete"
    if marker.exists():
        return home
    home.mkdir(parents=True, exist_ok=True)
    deps = [
        ("org.apache.kafka", "kafka_2.13", version, ""),
        ("org.apache.logging.log4j", "log4j-core", LOG4J_VERSION, ""),
        ("org.apache.logging.log4j", "log4j-slf4j-impl", LOG4J_VERSION, ""),
    ]
    (home / "pom.xml").write_text(_pom("kafka", deps))
    shutil.rmtree(libs, ignore_errors=True)
    print(f"  fetching Kafka {version} jars with mvn ...", flush=True)
    _mvn(
        home,
        cache / "m2",
        "dependency:copy-dependencies",
        f"-DoutputDirectory={libs}",
        "-DincludeScope=runtime",
    )
    if not any(libs.glob(f"kafka_2.13-{version}.jar")):
        msg = f"mvn did not deliver kafka_2.13-{version}.jar into {libs}"
        raise StackError(msg)
    marker.write_text(version)
    return home


def fetch_elasticsearch(cache: Path, version: str) -> Path:
    """Elasticsearch's integ-test-zip, unpacked into cache/elasticsearch-VERSION."""
    home = cache / f"elasticsearch-{version}"
    marker = home / ".complete"
    if marker.exists():
        return home
    download = cache / f"es-download-{version}"
    download.mkdir(parents=True, exist_ok=True)
    deps = [
        (
            "org.elasticsearch.distribution.integ-test-zip",
            "elasticsearch",
            version,
            "<type>zip</type>",
        ),
    ]
    (download / "pom.xml").write_text(_pom("elasticsearch", deps))
    print(f"  fetching Elasticsearch {version} (integ-test-zip) with mvn ...", flush=True)
    _mvn(
        download,
        cache / "m2",
        "dependency:copy-dependencies",
        f"-DoutputDirectory={download}",
        "-DincludeTypes=zip",
    )
    archive = download / f"elasticsearch-{version}.zip"
    if not archive.exists():
        msg = f"mvn did not deliver {archive.name} into {download}"
        raise StackError(msg)
    shutil.rmtree(home, ignore_errors=True)
    staging = cache / f".unpack-es-{version}"
    shutil.rmtree(staging, ignore_errors=True)
    _unzip_with_modes(archive, staging)
    (staging / f"elasticsearch-{version}").rename(home)
    shutil.rmtree(staging, ignore_errors=True)
    archive.unlink()  # the copy in the Maven cache remains
    marker.write_text(version)
    return home


def _unzip_with_modes(archive: Path, target: Path) -> None:
    """zipfile does not restore Unix modes: the bin/ scripts must stay executable."""
    with zipfile.ZipFile(archive) as zf:
        for info in zf.infolist():
            path = Path(zf.extract(info, target))
            mode = (info.external_attr >> 16) & 0o777
            if mode:
                path.chmod(mode)


class GoMissing(StackError):
    """`go` is not on PATH."""


def go_install(package: str, version: str, target: Path, binary: str) -> Path:
    """`go install PACKAGE@VERSION` into `target` (GOBIN); the binary's path. GoMissing without
    `go`; StackError with the tail of go's output when the build fails."""
    go = shutil.which("go")
    if go is None:
        msg = f"`go` is not on PATH (needed to build {package})"
        raise GoMissing(msg)
    target.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "GOBIN": str(target)}
    result = subprocess.run(
        [go, "install", f"{package}@{version}"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    path = target / binary
    if result.returncode != 0 or not path.is_file():
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-15:])
        msg = f"`go install {package}@{version}` failed:\n{tail}"
        raise StackError(msg)
    return path
