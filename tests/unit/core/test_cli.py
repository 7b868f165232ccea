"""The `newsflow` command: parts register their own subcommands, one flag style, no Beam notice."""

from __future__ import annotations

import ast
import subprocess
import sys

import pytest

from newsflow.cli import build_parser, main, run_command
from newsflow.pipeline.commands import FLAGS, flags_of
from newsflow.settings import PROJECT_ROOT, Settings

PARTS = {"connectors", "pipeline", "alerts"}
README_COMMANDS = (
    "stack", "init", "connector", "feeds", "pipeline", "alerts", "search", "kibana", "demo",
    "config",
)  # fmt: skip


def newsflow(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "newsflow.cli", *args],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _is_part(module: str) -> bool:
    root = module.removeprefix("newsflow.").split(".")[0]  # also once installed as newsflow.<part>
    return root in PARTS


def test_the_shared_core_imports_no_part_not_even_inside_a_function():
    core = PROJECT_ROOT / "newsflow"
    imports = []
    for path in sorted(core.rglob("*.py")):
        if path.relative_to(core).parts[0] in PARTS:
            continue  # a part living under newsflow/ is not the core
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom) and not node.level
                else []
            )
            imports += [(path.name, name) for name in names if _is_part(name)]
    assert imports == []


def test_help_lists_every_documented_command_without_loading_beam():
    result = newsflow("--help")
    assert result.returncode == 0, result.stderr
    listed = result.stdout.split("COMMAND", 2)[-1]
    assert all(f"\n    {name} " in listed for name in README_COMMANDS), result.stdout
    assert "apitools" not in result.stdout + result.stderr
    code = "from newsflow.cli import build_parser; build_parser(); import sys; print(sorted(sys.modules))"
    modules = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True,
                             text=True, check=True).stdout  # fmt: skip
    assert "'apache_beam'" not in modules  # registering commands is cheap


def test_a_command_that_loads_beam_starts_with_its_own_output():
    result = newsflow(
        "--log-level", "WARNING", "pipeline", "run", "--workers", "2", "--from-files", "x/*.jsonl"
    )
    assert result.returncode == 2
    assert result.stderr.startswith("newsflow: configuration error: --workers"), result.stderr
    assert "apitools" not in result.stdout + result.stderr


def test_pipeline_flags_use_dashes_and_still_answer_to_their_old_spelling():
    argv = ["pipeline", "run", "--fresh_index", "--kafka_poll_ms=20", "--kafka-max-records", "7"]
    args, beam = build_parser().parse_known_args([*argv, "--runner=PrismRunner"])
    flags = flags_of(args)
    assert (flags["fresh_index"], flags["kafka_poll_ms"], flags["kafka_max_records"]) == (
        True,
        20,
        7,
    )
    assert (flags["kafka_read"], flags["kafka_partition_slots"]) == ("python", 0)  # defaults
    assert beam == ["--runner=PrismRunner"]  # Beam's own flags go to Beam
    usage = newsflow("pipeline", "--help").stdout
    assert "--kafka-poll-ms" in usage and "--fresh-index" in usage
    assert not [name for name in FLAGS if f"--{name}" in usage]  # the old spellings: hidden


def test_flags_nobody_declares_are_refused_outside_the_pipeline(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["config", "--kafka_poll_ms=20"])
    assert exit_.value.code == 2
    assert "unrecognized arguments: --kafka_poll_ms=20" in capsys.readouterr().err


def test_run_command_runs_a_subcommand_with_the_settings_it_is_given(capsys):
    settings = Settings().with_overrides(topics={"raw": "demo.raw"})
    assert run_command(["config"], settings) == 0
    assert '"raw": "demo.raw"' in capsys.readouterr().out
