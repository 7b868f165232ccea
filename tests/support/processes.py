"""`newsflow` subprocesses the tests start, with the environment of isolated settings."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from newsflow.settings import Settings
from tests.support.stack import settings_env

ROOT = Path(__file__).resolve().parents[2]
NEWSFLOW = str(Path(sys.executable).parent / "newsflow")


def pipeline_env(settings: Settings, **extra: str) -> dict[str, str]:
    env = settings_env(settings)
    env["NEWSFLOW_PIPELINE__CONSUMER_GROUP"] = settings.pipeline.consumer_group
    env["NEWSFLOW_ENRICHMENT__ENABLED"] = str(settings.enrichment.enabled).lower()
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra)
    return env


def start_pipeline(settings: Settings, *args: str, log: Path, **env: str) -> subprocess.Popen:
    """`newsflow pipeline run ARGS` in the background, stderr to `log`."""
    handle = log.open("ab")
    return subprocess.Popen(
        [NEWSFLOW, "pipeline", "run", *args], cwd=ROOT, env=pipeline_env(settings, **env),
        stdout=handle, stderr=subprocess.STDOUT,
    )  # fmt: skip


def run_pipeline(
    settings: Settings, *args: str, log: Path, timeout: float = 120, **env: str
) -> int:
    proc = start_pipeline(settings, *args, log=log, **env)
    try:
        return proc.wait(timeout=timeout)
    finally:
        if proc.poll() is None:
            proc.kill()


def log_tail(path: Path, chars: int = 4000) -> str:
    return path.read_text(errors="replace")[-chars:] if path.exists() else ""


def worker_pool_env(settings: Settings) -> dict[str, str]:
    """The pipeline's environment for Beam's external worker pool (its `python` on PATH)."""
    env = pipeline_env(settings)
    env["PATH"] = f"{Path(sys.executable).parent}:{env.get('PATH', '')}"  # the pool's `python`
    return env
