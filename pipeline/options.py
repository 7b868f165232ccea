"""Pipeline options: the newsflow-specific flags next to Beam's standard ones (runner etc.)."""

from __future__ import annotations

from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions

# The local default. `DirectRunner` in Beam 2.77 first tries the Prism runner, which downloads
# a Go binary from GitHub at run time; the FnApiRunner runs in-process and is what DirectRunner
# would fall back to for our (fully fused, shuffle-free) graph anyway. See docs/pipeline.md.
DEFAULT_RUNNER = "FnApiRunner"


class NewsflowOptions(PipelineOptions):
    """Flags of the newsflow pipeline; runner flags stay in Beam's own option classes."""

    @classmethod
    def _add_argparse_args(cls, parser) -> None:
        parser.add_argument(
            "--kafka_read",
            choices=["python", "xlang"],
            default="python",
            help="python: the splittable DoFn over kafka-python (runs on every runner); "
            "xlang: Beam's Java ReadFromKafka (needs an expansion service and a runner that "
            "executes Java, e.g. Flink or Dataflow)",
        )
        parser.add_argument(
            "--kafka_expansion_service",
            default=None,
            help="address of a running Java expansion service for --kafka_read=xlang",
        )
        parser.add_argument(
            "--kafka_partition_slots",
            type=int,
            default=0,
            help="restrictions created for partitions (existing and future); "
            "0 = max(16, 2 x current partitions). Partitions above the slots need a restart.",
        )
        parser.add_argument(
            "--kafka_partition_shard",
            default=None,
            metavar="I/N",
            help="read only the partitions p with p %% N == I (set by `pipeline run --workers N` "
            "for each of its worker processes)",
        )
        parser.add_argument(
            "--kafka_max_records",
            type=int,
            default=2000,
            help="records read from one partition before the restriction is checkpointed",
        )
        parser.add_argument(
            "--kafka_poll_ms",
            type=int,
            default=50,
            help="how long one idle partition waits for records before checkpointing",
        )
        parser.add_argument(
            "--kafka_start_time",
            default=None,
            help="ISO time or epoch ms: start every partition at this time instead of the "
            "group's committed offsets (replay)",
        )
        parser.add_argument(
            "--fresh_index",
            action="store_true",
            help="write into a new index <alias>-<stamp> and move the alias to it at the end "
            "(a replay with --kafka_start_time, or a backfill with --from-files; needs an end)",
        )
        parser.add_argument(
            "--until_idle",
            type=float,
            default=None,
            help="stop once no record arrived for this many seconds (set by --until-idle)",
        )


class FlinkCheckpointOptions(PipelineOptions):
    """Beam's Java FlinkPipelineOptions.checkpointingInterval, which the Python SDK does not
    declare: undeclared, a submission through a Flink job server would drop it."""

    @classmethod
    def _add_argparse_args(cls, parser) -> None:
        parser.add_argument(
            "--checkpointing_interval",
            type=int,
            default=None,
            help="FlinkRunner: milliseconds between Flink checkpoints (the Kafka read positions "
            "live in them; unset: no checkpoints)",
        )


def runner_name(options: PipelineOptions) -> str:
    """The runner the options ask for, or the local default."""
    return options.view_as(StandardOptions).runner or DEFAULT_RUNNER
