"""Find a JDK new enough for Elasticsearch 9 and Kafka 4 (Java 21+)."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from newsflow.errors import StackError

MIN_JAVA = 21
JVM_DIRS = (Path("/usr/lib/jvm"), Path("/usr/local/lib/jvm"), Path("/opt/java"))


def java_major(java_home: Path) -> int | None:
    """The major version of the JDK at java_home, or None if it is not a JDK."""
    java = java_home / "bin" / "java"
    if not java.is_file():
        return None
    release = java_home / "release"
    if release.is_file():
        match = re.search(r'JAVA_VERSION="(\d+)', release.read_text(errors="replace"))
        if match:
            return int(match.group(1))
    try:
        out = subprocess.run(
            [str(java), "-version"], capture_output=True, text=True, timeout=30
        ).stderr
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = re.search(r'version "(\d+)(?:\.(\d+))?', out)
    if not match:
        return None
    major = int(match.group(1))
    return int(match.group(2) or 0) if major == 1 else major


def find_java_home(minimum: int = MIN_JAVA) -> Path:
    """JAVA_HOME if it is new enough, else the newest JDK under /usr/lib/jvm and friends."""
    candidates: list[Path] = []
    if os.environ.get("JAVA_HOME"):
        candidates.append(Path(os.environ["JAVA_HOME"]))
    for base in JVM_DIRS:
        if base.is_dir():
            candidates.extend(
                sorted(p for p in base.iterdir() if p.is_dir() and not p.is_symlink())
            )
    found: list[tuple[int, Path]] = []
    for home in candidates:
        major = java_major(home)
        if major is not None and major >= minimum:
            if home == candidates[0] and os.environ.get("JAVA_HOME"):
                return home
            found.append((major, home))
    if found:
        return max(found)[1]
    seen = ", ".join(f"{p} (Java {java_major(p)})" for p in candidates) or "none"
    msg = (
        f"no JDK {minimum} or newer found (looked at JAVA_HOME and {', '.join(map(str, JVM_DIRS))}; "
        f"found: {seen}). Install one, e.g. `apt-get install openjdk-21-jdk-headless` or a "
        f"Temurin 21+ JDK, and/or set JAVA_HOME to it."
    )
    raise StackError(msg)
