"""`newsflow pipeline run`: builds the options and the graph, runs it, stops it cleanly."""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import apache_beam as beam
from apache_beam.options.pipeline_options import (
    FlinkRunnerOptions,
    PipelineOptions,
    PortableOptions,
    PrismRunnerOptions,
    StandardOptions,
)

from newsflow.credentials import check_credentials
from newsflow.errors import ConfigError
from newsflow.metrics import serve_metrics
from newsflow.pipeline.io.kafka import ReadOptions, parse_shard
from newsflow.pipeline.main import build_pipeline
from newsflow.pipeline.options import DEFAULT_RUNNER
from newsflow.pipeline.prism import locate_prism, prism_job_server
from newsflow.pipeline.replay import FRESH_INDEX_FLAG, create_fresh_index, replay_stamp, swap_alias
from newsflow.pipeline.run_policy import RunPolicy
from newsflow.settings import Settings

log = logging.getLogger(__name__)

_COUNTERS = (
    "records_read",
    "parsed",
    "duplicates",
    "indexed_versioned",
    "already_indexed_versioned",
)


def parse_start_time(value: str | None) -> int | None:
    """ISO-8601 time or epoch milliseconds -> epoch milliseconds."""
    if value is None:
        return None
    if value.isdigit():
        return int(value)
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        msg = f"not an ISO time or epoch ms: {value!r}"
        flag = "--kafka-start-time"
        raise ConfigError(flag, msg) from None
    return int(moment.timestamp() * 1000)


def pipeline_options(
    beam_args: list[str], until_idle: float | None, ours: dict[str, Any]
) -> tuple[PipelineOptions, dict[str, Any]]:
    """Beam options (runner defaulting to the local FnApiRunner) and our flags as a plain dict
    (`ours`: pipeline/commands.py's flags by name)."""
    options = PipelineOptions(list(beam_args))
    standard = options.view_as(StandardOptions)
    if not standard.runner:
        standard.runner = DEFAULT_RUNNER
    flags = {**ours, "until_idle": until_idle}
    flags["start_time_ms"] = parse_start_time(ours.get("kafka_start_time"))
    return options, flags


def read_options(settings: Settings, flags: dict[str, Any]) -> ReadOptions:
    """The Kafka reader's options from the pipeline flags."""
    return ReadOptions(
        topic=settings.topics.raw,
        max_records=int(flags.get("kafka_max_records") or 2000),
        poll_ms=int(flags.get("kafka_poll_ms") or 50),
        partition_slots=int(flags.get("kafka_partition_slots") or 0),
        shard=parse_shard(flags.get("kafka_partition_shard")),
        start_time_ms=flags.get("start_time_ms"),
        java=flags.get("kafka_read") == "xlang",
        expansion_service=flags.get("kafka_expansion_service"),
    )


def _install_signal_handlers(policy: RunPolicy) -> None:
    def stop(signum: int, _frame: Any) -> None:
        log.info(
            "stopping: finishing the current bundle, flushing and committing",
            extra={"signal": signum},
        )
        policy.request_stop()
        # a second signal interrupts for real
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)


def _log_counters(result: Any) -> None:
    try:
        counters = result.metrics().query()["counters"]
    except Exception:  # metrics are best-effort on some runners
        return
    totals: dict[str, int] = {}
    for counter in counters:
        name = counter.key.metric.name
        totals[name] = totals.get(name, 0) + int(counter.committed or counter.attempted or 0)
    log.info(
        "pipeline finished",
        extra={k: v for k, v in sorted(totals.items()) if k in _COUNTERS or "dlq" in k},
    )


def _replay_settings(
    settings: Settings, flags: dict[str, Any], until_idle: float | None, from_files: str | None
) -> tuple[Settings, str | None]:
    """A replay reads with its own consumer group; --fresh-index writes into a new index."""
    stamp = replay_stamp()
    if flags["start_time_ms"] is not None:
        group = f"{settings.pipeline.consumer_group}-replay-{stamp}"
        settings = settings.with_overrides(pipeline={"consumer_group": group})
    if not flags["fresh_index"]:
        return settings, None
    if until_idle is None and not from_files:
        msg = "--fresh-index needs an end: add --until-idle SECONDS or --from-files GLOB"
        raise ConfigError(FRESH_INDEX_FLAG, msg)
    index = create_fresh_index(settings, stamp)
    return settings.with_overrides(indices={"articles": index}), index


# Generation-0 collections per this many allocations (Python's default: 700).
GC_THRESHOLD = 50_000


def tune_garbage_collector() -> None:
    """Fewer cyclic-GC passes for a long-running, allocation-heavy process.

    Documents are dicts, lists and strings freed by reference counting; the cyclic collector
    only finds garbage cycles, yet at the default threshold it runs every 700 allocations and
    rescans everything that survived: a third of the clean and alert stages' CPU in a profile.
    `gc.freeze()` parks the objects of start-up (modules, Beam's graph) where no collection
    looks again; cycles are still collected, less often. On a distributed runner the workers
    are other processes and keep Python's defaults.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_THRESHOLD, *gc.get_threshold()[1:])


FLINK_HELP = (
    "FlinkRunner needs a Beam Flink job server it can reach without downloading anything: "
    "--job_endpoint=HOST:8099 (a running job server, e.g. the `flink` profile of "
    "docker-compose.yml) or --flink_job_server_jar=/path/to/beam-runners-flink-<v>-job-server.jar "
    "with --flink_master=HOST:8081. See docs/scaling.md."
)


def _job_endpoint(options: PipelineOptions) -> str | None:
    return options.view_as(PortableOptions).job_endpoint


@contextlib.contextmanager
def runner_environment(settings: Settings, options: PipelineOptions) -> Iterator[None]:
    """What the chosen runner needs before the job is submitted.

    PrismRunner: the Prism binary (cached build, or --prism_location) started as this process's
    child, unless --job_endpoint names a Prism already running. FlinkRunner: refuses at once
    without a job server to talk to (Beam would otherwise download one at run time).
    """
    runner = options.view_as(StandardOptions).runner or DEFAULT_RUNNER
    if runner == "FlinkRunner":
        jar = options.view_as(FlinkRunnerOptions).flink_job_server_jar
        if not _job_endpoint(options) and not (jar and Path(jar).is_file()):
            flag = "--runner=FlinkRunner"
            raise ConfigError(flag, FLINK_HELP)
    if runner != "PrismRunner" or _job_endpoint(options):
        yield
        return
    binary = locate_prism(settings.home, options.view_as(PrismRunnerOptions).prism_location)
    log_path = settings.home / "logs" / f"prism-{os.getpid()}.log"
    with prism_job_server(binary, log_path) as endpoint:
        options.view_as(PortableOptions).job_endpoint = endpoint
        log.info("prism job server", extra={"binary": str(binary), "endpoint": endpoint})
        yield


def _run_and_wait(pipeline: beam.Pipeline) -> Any:
    """Run; wait for the end in a helper thread, so that signals reach the main thread at once
    (a portable runner's wait blocks in gRPC, where Python delays signal handlers)."""
    result = pipeline.run()
    failure: list[BaseException] = []

    def wait() -> None:
        try:
            result.wait_until_finish()
        except BaseException as exc:
            failure.append(exc)

    waiter = threading.Thread(target=wait, name="pipeline-wait", daemon=True)
    waiter.start()
    while waiter.is_alive():
        waiter.join(0.2)
    if failure:
        raise failure[0]
    return result


def run_pipeline(
    settings: Settings,
    until_idle: float | None,
    from_files: str | None,
    beam_args: list[str],
    flags: dict[str, Any],
) -> int:
    """Run the pipeline until stopped (or idle for `until_idle` seconds, or the files are read).
    `beam_args`: Beam's flags; `flags`: ours (pipeline/commands.py)."""
    options, flags = pipeline_options(beam_args, until_idle, flags)
    # refused credentials stop the launch with one line (the workers would fail much later)
    check_credentials(settings, kafka=from_files is None)
    alias, fresh = settings.indices.articles, None
    if flags["fresh_index"] or flags["start_time_ms"] is not None:
        settings, fresh = _replay_settings(settings, flags, until_idle, from_files)
    log.info(
        "pipeline starting",
        extra={
            "runner": options.view_as(StandardOptions).runner,
            "source": from_files or settings.topics.raw,
            "until_idle": until_idle,
            "config": settings.masked()["pipeline"],
        },
    )
    serve_metrics(settings.pipeline.metrics_port)
    started = time.monotonic()
    with (
        tempfile.TemporaryDirectory(prefix="newsflow-run-") as run_dir,
        runner_environment(settings, options),
    ):
        policy = RunPolicy(until_idle=until_idle, stop_file=str(Path(run_dir) / "stop"))
        _install_signal_handlers(policy)
        pipeline = beam.Pipeline(options=options)
        read = None if from_files else read_options(settings, flags)
        build_pipeline(pipeline, settings, policy, read=read, from_files=from_files)
        tune_garbage_collector()
        try:
            result = _run_and_wait(pipeline)
        except Exception as exc:  # a failed bundle: nothing after its last commit is lost
            lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
            reason = lines[-1] if lines else repr(exc)  # Beam wraps the worker's traceback
            log.debug("pipeline failure", exc_info=exc)
            log.error(
                "pipeline failed; restart it to resume from the last committed offsets",
                extra={"reason": reason},
            )
            return 1
    _log_counters(result)
    if fresh:
        previous = swap_alias(settings, alias, fresh)
        print(
            f"alias {alias} -> {fresh}"
            + (f" (previous: {', '.join(previous)})" if previous else "")
        )
    log.info("pipeline stopped", extra={"seconds": round(time.monotonic() - started, 1)})
    return 0


SHARD_FLAG = "--kafka-partition-shard"
LOCAL_RUNNERS = (DEFAULT_RUNNER, "PrismRunner")
_PR_SET_PDEATHSIG = 1


def _stop_with_parent() -> None:
    """In a worker (Linux): SIGTERM when the parent dies, even by SIGKILL, so no worker is left
    reading on its own. Elsewhere a no-op."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


def run_workers(
    settings: Settings,
    workers: int,
    child_argv: list[str],
    until_idle: float | None,
    from_files: str | None,
    beam_args: list[str],
    flags: dict[str, Any],
) -> int:
    """Run `workers` pipeline processes, each reading its share of the partitions (p % N == I).

    One Python process runs on one core; this is how the local runner uses the others. Every
    worker is a complete pipeline (same consumer group, its own partitions and offsets). SIGINT
    and SIGTERM are passed on; the first failing worker stops the others (`supervise`). The
    price: two copies of a story read by two workers within one index refresh can start two
    stories (docs/pipeline.md, "the race window").
    """
    options, flags = pipeline_options(beam_args, until_idle, flags)
    refused = [
        reason
        for reason, present in (
            ("--from-files (a backfill reads its files in one process)", from_files),
            ("--fresh-index or --kafka-start-time (a replay)", flags["fresh_index"]
             or flags["start_time_ms"] is not None),
            ("--kafka-read=xlang", flags["kafka_read"] == "xlang"),
            (f"{SHARD_FLAG}", flags["kafka_partition_shard"]),
            ("a runner other than the local ones (FnApiRunner, PrismRunner)",
             options.view_as(StandardOptions).runner not in LOCAL_RUNNERS),
        )
        if present
    ]  # fmt: skip
    if refused:
        flag = "--workers"
        msg = f"--workers {workers} cannot be combined with {refused[0]}; use --workers 1"
        raise ConfigError(flag, msg)
    procs = []
    for index in range(workers):
        env = dict(os.environ, NEWSFLOW_PIPELINE__WORKERS="1")
        if settings.pipeline.metrics_port:
            env["NEWSFLOW_PIPELINE__METRICS_PORT"] = str(settings.pipeline.metrics_port + index)
        argv = [
            sys.executable,
            "-m",
            "newsflow.cli",
            *child_argv,
            f"{SHARD_FLAG}={index}/{workers}",
        ]
        procs.append(subprocess.Popen(argv, env=env, preexec_fn=_stop_with_parent))
    log.info("pipeline workers started", extra={"workers": workers, "pids": [p.pid for p in procs]})

    def forward(signum: int, _frame: Any) -> None:
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signum)

    signal.signal(signal.SIGINT, forward)
    signal.signal(signal.SIGTERM, forward)
    return supervise(procs)


def supervise(procs: list[subprocess.Popen], poll_s: float = 0.5) -> int:
    """Wait for the worker processes. Exit codes 0 are awaited; the first failure stops the
    others (SIGTERM: they flush and commit) so that the whole run fails and a supervisor
    restarts it, rather than running on with some partitions unread."""
    failed: int | None = None
    while any(proc.poll() is None for proc in procs):
        codes = [proc.poll() for proc in procs]
        if failed is None and any(code not in (None, 0) for code in codes):
            failed = next(code for code in codes if code not in (None, 0))
            log.error(
                "a pipeline worker failed: stopping the others",
                extra={"exit_codes": codes},
            )
            for proc in procs:
                if proc.poll() is None:
                    proc.send_signal(signal.SIGTERM)
        time.sleep(poll_s)
    exit_codes = [proc.wait() for proc in procs]
    log.info("pipeline workers stopped", extra={"exit_codes": exit_codes})
    return failed if failed is not None else max(exit_codes, key=abs)
