"""Prism with the SDK harness in processes of its own (an EXTERNAL worker pool, the shape Flink's
Python worker pool has): `--until-idle` and a stop signal still end the run cleanly."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from newsflow.settings import Settings
from tests.support.clients import es_count, produce, uncommitted
from tests.support.factories import article
from tests.support.processes import ROOT, log_tail, worker_pool_env
from tests.support.waiting import wait_for


def _pipeline(settings: Settings, pool: str, log: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "newsflow.cli", "pipeline", "run", "--runner=PrismRunner",
         "--environment_type=EXTERNAL", f"--environment_config={pool}", *args],
        cwd=ROOT, env=worker_pool_env(settings), stdout=log.open("ab"), stderr=subprocess.STDOUT,
    )  # fmt: skip


def test_until_idle_and_a_stop_signal_reach_readers_in_another_process(
    fast: Settings, worker_pool: str, tmp_path: Path
):
    log = tmp_path / "pipeline.log"
    produce(fast, [article(i) for i in range(200)])
    idle = _pipeline(fast, worker_pool, log, "--until-idle", "2")
    assert idle.wait(timeout=120) == 0, log_tail(log)
    assert es_count(fast) == 200 and uncommitted(fast) == 0

    streaming = _pipeline(fast, worker_pool, log)
    try:
        produce(fast, [article(i) for i in range(200, 300)])
        wait_for(lambda: es_count(fast) == 300, 90, "the streamed articles")
        time.sleep(1)
        streaming.send_signal(signal.SIGTERM)
        assert streaming.wait(timeout=60) == 0, log_tail(log)
    finally:
        if streaming.poll() is None:
            streaming.kill()
    assert uncommitted(fast) == 0
    assert "pipeline completed" in log.read_text() or "pipeline stopped" in log.read_text()
