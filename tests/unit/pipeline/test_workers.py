"""`pipeline run --workers N`: partition shards, argument hand-down, refused combinations."""

from __future__ import annotations

import pytest

from newsflow.cli import _without_option
from newsflow.errors import ConfigError
from newsflow.settings import Settings
from pipeline.cli import run_workers
from pipeline.io.kafka import parse_shard, shard_partitions


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
    with pytest.raises(ConfigError, match=named):
        run_workers(Settings(), 2, ["pipeline", "run"], 3.0, from_files, beam_args)
