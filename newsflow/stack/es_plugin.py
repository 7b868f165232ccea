"""Build and install newsflow's Elasticsearch analysis plugin for the `.security` index.

API keys live in Elasticsearch's `.security` system index, and that index's settings define an
"email" analyzer: tokenizer `uax_url_email`, filters `pattern_capture` (named "email"), `lowercase`
and `unique`. On the integ-test-zip we run, everything but `lowercase` would come from the
analysis-common module, which that zip leaves out, so creating `.security` fails with "Unknown
filter type [pattern_capture]" and no API key can be made. The plugin in es_security_analysis/
supplies the three missing components through Elasticsearch's stable plugin API, built from the
ES home's own jars with `javac` and `zipfile` (no Maven or Gradle).
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import zipfile
from pathlib import Path
from string import Template

from newsflow.errors import StackError

PLUGIN_NAME = "newsflow-security-analysis"
SOURCE_DIR = Path(__file__).with_name("es_security_analysis")
# the oldest Java Elasticsearch 9 runs on; the classes must load on whatever JDK runs the node
JAVA_RELEASE = 21
# fixed entry times, so the same sources give the same jar and zip
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_TIMEOUT = 300


def _lib_jar(es_home: Path, pattern: str) -> Path:
    jars = sorted((es_home / "lib").glob(pattern))
    if not jars:
        msg = f"no {pattern} in {es_home / 'lib'}: is {es_home} an Elasticsearch 9 home?"
        raise StackError(msg)
    return jars[-1]


def _classpath(es_home: Path, es_version: str) -> list[Path]:
    """The stable plugin API and the Lucene analysis classes the plugin compiles against."""
    return [
        _lib_jar(es_home, f"elasticsearch-plugin-api-{es_version}.jar"),
        _lib_jar(es_home, f"elasticsearch-plugin-analysis-api-{es_version}.jar"),
        _lib_jar(es_home, "lucene-core-*.jar"),
        _lib_jar(es_home, "lucene-analysis-common-*.jar"),
    ]


def _write(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    archive.writestr(info, data)


def _compile(java_home: Path, classpath: list[Path], classes: Path) -> None:
    javac = java_home / "bin" / "javac"
    if not javac.is_file():
        msg = (
            f"{java_home} has no bin/javac (a JRE?): building the Elasticsearch plugin needs a JDK"
        )
        raise StackError(msg)
    sources = sorted(str(p) for p in (SOURCE_DIR / "src").rglob("*.java"))
    cmd = [
        str(javac),
        "--release",
        str(JAVA_RELEASE),
        "-encoding",
        "UTF-8",
        "-proc:none",
        "-nowarn",
        "-cp",
        os.pathsep.join(map(str, classpath)),
        "-d",
        str(classes),
        *sources,
    ]
    _run(cmd, "compiling the Elasticsearch plugin", "javac")


def build_security_analysis_plugin(
    es_home: Path, java_home: Path, out_dir: Path, es_version: str
) -> Path:
    """Compile the plugin and package it as `<out_dir>/newsflow-security-analysis-<es>.zip`.

    The descriptor carries es_version because Elasticsearch refuses a plugin built for another
    version; an existing zip for that version is reused.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    plugin_zip = out_dir / f"{PLUGIN_NAME}-{es_version}.zip"
    if plugin_zip.is_file():
        return plugin_zip
    classpath = _classpath(es_home, es_version)
    descriptor = Template(
        (SOURCE_DIR / "stable-plugin-descriptor.properties.in").read_text(encoding="utf-8")
    ).substitute(name=PLUGIN_NAME, es_version=es_version, java_version=JAVA_RELEASE)
    with tempfile.TemporaryDirectory(prefix=f".{PLUGIN_NAME}-", dir=out_dir) as tmp:
        classes = Path(tmp) / "classes"
        classes.mkdir()
        _compile(java_home, classpath, classes)
        jar = Path(tmp) / f"{PLUGIN_NAME}-{es_version}.jar"
        with zipfile.ZipFile(jar, "w") as archive:
            _write(archive, "META-INF/MANIFEST.MF", b"Manifest-Version: 1.0\r\n\r\n")
            for path in sorted(classes.rglob("*.class")):
                _write(archive, path.relative_to(classes).as_posix(), path.read_bytes())
        partial = Path(tmp) / plugin_zip.name
        with zipfile.ZipFile(partial, "w") as archive:
            _write(archive, "stable-plugin-descriptor.properties", descriptor.encode())
            # hand-written, so the installer does not have to scan the jar for @NamedComponent
            _write(
                archive,
                "named_components.json",
                (SOURCE_DIR / "named_components.json").read_bytes(),
            )
            _write(archive, jar.name, jar.read_bytes())
        os.replace(partial, plugin_zip)  # whole or absent, never half-written
    return plugin_zip


def install_security_analysis_plugin(es_home: Path, java_home: Path, plugin_zip: Path) -> bool:
    """Install the plugin into es_home with its own `elasticsearch-plugin`.

    False (nothing done) when es_home/plugins/newsflow-security-analysis already exists; to
    replace it, remove that directory first.
    """
    if (es_home / "plugins" / PLUGIN_NAME).exists():
        return False
    tool = es_home / "bin" / "elasticsearch-plugin"
    env = {
        **os.environ,
        "ES_JAVA_HOME": str(java_home),
        # the plugin has no config files; don't let a caller's ES_PATH_CONF steer the installer
        "ES_PATH_CONF": str(es_home / "config"),
    }
    env.pop("ES_JAVA_OPTS", None)
    env.pop("CLI_JAVA_OPTS", None)
    cmd = [str(tool), "install", "--batch", plugin_zip.resolve().as_uri()]
    _run(cmd, f"installing the Elasticsearch plugin {PLUGIN_NAME}", "elasticsearch-plugin", env)
    return True


def _run(cmd: list[str], what: str, tool: str, env: dict[str, str] | None = None) -> None:
    """Run a build tool; StackError saying `what` failed, with the tool's output."""
    try:
        result = subprocess.run(
            cmd,
            capture_output=True,
            text=True,
            env=env,
            stdin=subprocess.DEVNULL,
            timeout=_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as e:
        msg = f"{what} failed: {e}"
        raise StackError(msg) from e
    if result.returncode != 0:
        output = (result.stdout + result.stderr).strip()
        msg = f"{what} failed ({tool} exit {result.returncode}):\n{output}"
        raise StackError(msg)
