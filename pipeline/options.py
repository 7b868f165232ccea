"""Pipeline options: Beam's, plus the one Flink option Beam's Python SDK does not declare
(newsflow's own flags are the `pipeline` subcommand's: pipeline/commands.py)."""

from __future__ import annotations

from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions

# The local default. `DirectRunner` in Beam 2.77 first tries the Prism runner, which downloads
# a Go binary from GitHub at run time; the FnApiRunner runs in-process and is what DirectRunner
# would fall back to for our (fully fused, shuffle-free) graph anyway. See docs/pipeline.md.
DEFAULT_RUNNER = "FnApiRunner"


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
