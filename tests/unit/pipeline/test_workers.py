"""`pipeline run --workers N`: partition shards, argument hand-down, refused combinations."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsflow.cli import build_parser
from newsflow.errors import ConfigError
from newsflow.pipeline.cli import run_workers
from newsflow.pipeline.commands import flags_of
from newsflow.pipeline.commands import without_option as _without_option
from newsflow.pipeline.io.kafka import parse_shard, shard_partitions
from newsflow.settings import Settings
from tests.support.waiting import wait_for


def test_shards_parse_and_bad_ones_name_the_flag():
    assert parse_shard(None) == (0, 1)
    assert parse_shard("1/2") == (1, 2)
    for bad in ("2/2", "x/2", "1/0", "1"):
        with pytest.raises(ConfigError, match="kafka_partition_shard"):
            parse_shard(bad)


def test_each_partition_slot_belongs_to_exactly_one_worker():
    for workers in (1, 2, 3):
        shards = [shard_partitions(16, (i, workers)) for i in range(workers)]
        assert sorted(p for shard in shards for p in shard) == list(range(16))
    assert shard_partitions(6, (1, 2)) == [1, 3, 5]


def test_the_workers_flag_is_not_handed_down_to_the_workers():
    argv = ["pipeline", "run", "--workers", "2", "--until-idle", "3", "--kafka_poll_ms=20"]
    assert _without_option(argv, "--workers") == [
        "pipeline", "run", "--until-idle", "3", "--kafka_poll_ms=20"
    ]  # fmt: skip
    assert _without_option(["run", "--workers=4"], "--workers") == ["run"]


@pytest.mark.parametrize(
    ("from_files", "beam_args", "named"),
    [
        ("/data/*.jsonl", [], "--from-files"),
        (None, ["--fresh_index"], "replay"),
        (None, ["--kafka_read=xlang"], "xlang"),
        (None, ["--runner=FlinkRunner"], "runner"),
    ],
)
def test_workers_refuse_what_one_process_must_do(from_files, beam_args, named):
    args, beam_args = build_parser().parse_known_args(["pipeline", "run", *beam_args])
    with pytest.raises(ConfigError, match=named):
        run_workers(Settings(), 2, ["pipeline", "run"], 3.0, from_files, beam_args, flags_of(args))


def test_a_failing_worker_stops_the_others_and_the_run_fails():
    import subprocess
    import sys
    import time

    from newsflow.pipeline.cli import supervise

    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    failing = subprocess.Popen([sys.executable, "-c", "import sys; sys.exit(3)"])
    started = time.monotonic()
    assert supervise([sleeper, failing], poll_s=0.05) == 3
    assert time.monotonic() - started < 10
    assert sleeper.returncode not in (None, 0)  # it was stopped, not left running


def test_workers_that_finish_cleanly_give_a_clean_exit():
    import subprocess
    import sys

    from newsflow.pipeline.cli import supervise

    procs = [subprocess.Popen([sys.executable, "-c", "pass"]) for _ in range(2)]
    assert supervise(procs, poll_s=0.05) == 0


def test_workers_get_sigterm_when_the_parent_is_killed(tmp_path):
    """The parent (here a small script using the same preexec hook) is SIGKILLed; its child
    must not outlive it."""
    import os
    import signal
    import subprocess
    import sys

    pidfile = tmp_path / "child.pid"
    parent = subprocess.Popen(
        [sys.executable, "-c", (
            "import subprocess, sys, time\n"
            "from pipeline.cli import _stop_with_parent\n"
            "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'],"
            " preexec_fn=_stop_with_parent)\n"
            f"open({str(pidfile)!r}, 'w').write(str(child.pid))\n"
            "time.sleep(60)\n"
        )],
        cwd=os.getcwd(),
    )  # fmt: skip
    wait_for(lambda: pidfile.exists() and pidfile.read_text(), 20, "the child to start", 0.05)
    child_pid = int(pidfile.read_text())
    parent.send_signal(signal.SIGKILL)
    parent.wait()

    def exited() -> bool:
        try:
            os.kill(child_pid, 0)
        except ProcessLookupError:
            return True  # gone
        state = Path(f"/proc/{child_pid}/stat").read_text().split()[2]
        return state == "Z"  # a zombie waiting for its reaper: it did exit

    wait_for(exited, 10, "the worker to exit with its killed parent", 0.05)
