"""The pipeline's subcommand: `newsflow pipeline run | prism` and its flags.

Our flags are spelled with dashes; the reader's flags answered to `--kafka_read`-style names
before, and still do (hidden from --help). Flags not declared here are Beam's (`--runner`,
`--job_endpoint`, ...): they go to Beam's PipelineOptions as given.
"""

from __future__ import annotations

import argparse
from typing import Any

from newsflow.commands import Subcommands, add_command
from newsflow.settings import Settings

# flags the run reads as `flags[name]` (pipeline/cli.py), spelled `--kafka-read` or `--kafka_read`
FLAGS = (
    "kafka_read",
    "kafka_expansion_service",
    "kafka_partition_slots",
    "kafka_partition_shard",
    "kafka_max_records",
    "kafka_poll_ms",
    "kafka_start_time",
    "fresh_index",
)


def register(sub: Subcommands) -> None:
    p = add_command(
        sub,
        "pipeline",
        _pipeline,
        "the Beam pipeline: news.raw -> clean, dedupe, enrich, alerts -> Elasticsearch",
        service=True,
        extra_args=True,
    )
    p.epilog = (
        "Other flags are Beam's pipeline options (e.g. --runner=PrismRunner, "
        "--job_endpoint=HOST:PORT), passed on as given."
    )
    p.add_argument(
        "action",
        choices=["run", "prism"],
        help="run: the pipeline; prism: print the Prism runner binary (built with go if missing)",
    )
    p.add_argument(
        "--until-idle",
        type=float,
        default=None,
        metavar="SECONDS",
        help="exit 0 once no input arrived for SECONDS and all is written and committed",
    )
    p.add_argument(
        "--from-files",
        default=None,
        metavar="GLOB",
        help="read JSONL records instead of Kafka (backfill)",
    )
    p.add_argument(
        "--workers",
        type=int,
        default=None,
        metavar="N",
        help="local runner: N pipeline processes, each reading its share of the partitions "
        "(default: pipeline.workers, 1)",
    )
    _add_reader_flags(p)


def _flag(parser: argparse.ArgumentParser, name: str, **kwargs: Any) -> None:
    """`--kafka-read` (shown) and `--kafka_read` (its old spelling, hidden), one destination."""
    parser.add_argument("--" + name.replace("_", "-"), dest=name, **kwargs)
    old = {k: v for k, v in kwargs.items() if k in ("action", "type", "choices")}
    parser.add_argument(f"--{name}", dest=name, help=argparse.SUPPRESS, default=None, **old)


def _add_reader_flags(p: argparse.ArgumentParser) -> None:
    _flag(
        p,
        "kafka_read",
        choices=["python", "xlang"],
        default="python",
        help="python: the splittable DoFn over kafka-python (runs on every runner); "
        "xlang: Beam's Java ReadFromKafka (needs an expansion service and a runner that "
        "executes Java, e.g. Flink or Dataflow)",
    )
    _flag(
        p,
        "kafka_expansion_service",
        metavar="ADDRESS",
        help="address of a running Java expansion service for --kafka-read=xlang",
    )
    _flag(
        p,
        "kafka_partition_slots",
        type=int,
        default=0,
        metavar="N",
        help="restrictions created for partitions (existing and future); "
        "0 = max(16, 2 x current partitions). Partitions above the slots need a restart.",
    )
    _flag(
        p,
        "kafka_partition_shard",
        metavar="I/N",
        help="read only the partitions p with p %% N == I (set by --workers N for each of "
        "its worker processes)",
    )
    _flag(
        p,
        "kafka_max_records",
        type=int,
        default=2000,
        metavar="N",
        help="records read from one partition before the restriction is checkpointed",
    )
    _flag(
        p,
        "kafka_poll_ms",
        type=int,
        default=50,
        metavar="MS",
        help="how long one idle partition waits for records before checkpointing",
    )
    _flag(
        p,
        "kafka_start_time",
        metavar="TIME",
        help="ISO time or epoch ms: start every partition at this time instead of the "
        "group's committed offsets (replay)",
    )
    _flag(
        p,
        "fresh_index",
        action="store_true",
        help="write into a new index <alias>-<stamp> and move the alias to it at the end "
        "(a replay with --kafka-start-time, or a backfill with --from-files; needs an end)",
    )


def flags_of(args: argparse.Namespace) -> dict[str, Any]:
    """The run's own flags, by name (those not given: their defaults)."""
    return {name: getattr(args, name) for name in FLAGS}


def without_option(argv: list[str], name: str) -> list[str]:
    """`argv` without `name VALUE` / `name=VALUE`."""
    out, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg == name:
            skip = True
        elif not arg.startswith(f"{name}="):
            out.append(arg)
    return out


def _pipeline(settings: Settings, args: argparse.Namespace) -> int:
    if args.action == "prism":
        from newsflow.pipeline.prism import locate_prism

        print(locate_prism(settings.home))
        return 0
    from newsflow.pipeline.cli import run_pipeline, run_workers

    workers = args.workers or settings.pipeline.workers
    flags = flags_of(args)
    if workers > 1:
        child_argv = without_option(args.argv, "--workers")
        return run_workers(
            settings, workers, child_argv, args.until_idle, args.from_files, args.extra_args, flags
        )
    return run_pipeline(
        settings,
        until_idle=args.until_idle,
        from_files=args.from_files,
        beam_args=args.extra_args,
        flags=flags,
    )
