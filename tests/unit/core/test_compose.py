"""docker-compose.yml cannot run here: check it stays consistent with the config and the CLI."""

from __future__ import annotations

import re

import yaml

from newsflow.cli import build_parser
from newsflow.settings import ENV_OVERRIDES, PROJECT_ROOT, Settings, load_settings

COMPOSE = yaml.safe_load((PROJECT_ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
PROJECT_SERVICES = {
    "init": "init",
    "kibana-setup": "kibana",
    "connector": "connector",
    "pipeline": "pipeline",
    "notifier": "alerts",
}


def _env(service: str) -> dict[str, str]:
    return {k: str(v) for k, v in (SERVICES[service].get("environment") or {}).items()}


def test_has_the_services_with_healthchecks_and_volumes():
    assert {"kafka", "elasticsearch", "kibana", *PROJECT_SERVICES} <= set(SERVICES)
    for name in ("kafka", "elasticsearch", "kibana", "connector", "pipeline", "notifier"):
        assert "healthcheck" in SERVICES[name], name
    assert {"kafka-data", "es-data"} <= set(COMPOSE["volumes"])
    assert SERVICES["init"]["restart"] == SERVICES["kibana-setup"]["restart"] == "no"


def test_images_match_the_configured_versions():
    settings = load_settings(env={})
    assert SERVICES["kafka"]["image"] == f"apache/kafka:{settings.stack.kafka_version}"
    es_version = settings.stack.elasticsearch_version
    assert SERVICES["elasticsearch"]["image"].endswith(f"elasticsearch:{es_version}")
    assert SERVICES["kibana"]["image"].endswith(f"kibana:{es_version}")


def test_kafka_allows_the_configured_message_size_and_no_auto_topics():
    settings = load_settings(env={})
    env = _env("kafka")
    assert int(env["KAFKA_MESSAGE_MAX_BYTES"]) == settings.kafka.max_message_bytes
    assert env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"


def test_project_services_run_real_cli_commands_with_known_env_vars():
    parser = build_parser()
    fields = {
        section: set(model.model_fields)
        for section, model in (
            (name, Settings.model_fields[name].annotation)
            for name in Settings.model_fields
            if name not in ("version", "source")
        )
    }
    for service, command in PROJECT_SERVICES.items():
        spec = SERVICES[service]
        assert spec.get("build") == ".", service
        args = spec["command"]
        assert args[0] == command
        parser.parse_args(args)  # raises SystemExit if the CLI does not know the command
        env = _env(service)
        assert env["NEWSFLOW_KAFKA_BOOTSTRAP"] == "kafka:9092"
        if service == "kibana-setup":
            assert env["NEWSFLOW_KIBANA_URL"] == "http://kibana:5601"
            assert spec["depends_on"]["kibana"]["condition"] == "service_healthy"
            assert (PROJECT_ROOT / "kibana/objects").is_dir()
            assert env["NEWSFLOW_KIBANA__OBJECTS_DIR"] == "/app/kibana/objects"
            assert "COPY kibana ./kibana" in (PROJECT_ROOT / "Dockerfile").read_text()
        assert env["NEWSFLOW_ES_URL"] == "http://elasticsearch:9200"
        for var in env:
            if var in ENV_OVERRIDES or var in (
                "NEWSFLOW_CONFIG",
                "NEWSFLOW_LOG_FORMAT",
                "NEWSFLOW_LOG_LEVEL",
            ):
                continue
            match = re.fullmatch(r"NEWSFLOW_([A-Z]+)__([A-Z_]+)", var)
            assert match, f"{service}: {var} is not a newsflow variable"
            section, field = match.group(1).lower(), match.group(2).lower()
            assert field in fields[section], f"{service}: {var} names no setting"
        for mount in spec["volumes"]:
            if mount.startswith("./configs"):
                break
        else:
            msg = f"{service} does not mount ./configs"
            raise AssertionError(msg)


def test_config_files_named_in_compose_exist():
    env = _env("connector")
    for var in ("NEWSFLOW_CONFIG", "NEWSFLOW_FEEDS", "NEWSFLOW_ALERT_RULES", "NEWSFLOW_ENTITIES"):
        path = env[var].replace("/app/", "")
        assert (PROJECT_ROOT / path).exists(), f"{var} -> {path} missing"


FLINK_SERVICES = ("flink-jobmanager", "flink-taskmanager", "beam-worker-pool", "beam-job-server")


def test_flink_profile_runs_the_same_pipeline_as_a_portable_job():
    """The `flink` profile: versions Beam publishes, a job server of the installed Beam, the
    worker pool as the TaskManager's sidecar, and a `pipeline run` our CLI accepts."""
    from apache_beam.options.pipeline_options import FlinkRunnerOptions, PipelineOptions
    from apache_beam.version import __version__ as beam_version

    from newsflow.pipeline.cli import runner_environment

    for name in (*FLINK_SERVICES, "pipeline-flink"):
        assert SERVICES[name].get("profiles") == ["flink"], name
    flink = SERVICES["flink-jobmanager"]["image"].split(":")[1].split("-")[0]
    assert flink in FlinkRunnerOptions.PUBLISHED_FLINK_VERSIONS
    assert SERVICES["flink-taskmanager"]["image"] == SERVICES["flink-jobmanager"]["image"]
    job_server = SERVICES["beam-job-server"]["image"]
    assert job_server == f"apache/beam_flink{flink}_job_server:{beam_version}"
    pool = SERVICES["beam-worker-pool"]
    assert pool["network_mode"] == "service:flink-taskmanager"
    assert pool["image"] == SERVICES["pipeline"]["image"]  # the harness runs this code
    assert "flink-state" in COMPOSE["volumes"]

    args = SERVICES["pipeline-flink"]["command"]
    parsed, beam_args = build_parser().parse_known_args(args)
    assert (parsed.command, parsed.action) == ("pipeline", "run")
    options = PipelineOptions(beam_args)
    flags = options.get_all_options()
    assert flags["runner"] == "FlinkRunner" and flags["streaming"] is True
    assert flags["environment_config"] == "localhost:50000"
    assert flags["checkpointing_interval"] == 10_000  # declared, so it reaches the job server
    with runner_environment(load_settings(env={}), options):  # no "what to supply" error
        pass


def test_flink_runner_without_a_job_server_fails_at_once_saying_what_to_supply():
    import pytest
    from apache_beam.options.pipeline_options import PipelineOptions

    from newsflow.errors import ConfigError
    from newsflow.pipeline.cli import runner_environment

    with (
        pytest.raises(ConfigError, match="--job_endpoint=HOST:8099"),
        runner_environment(load_settings(env={}), PipelineOptions(["--runner=FlinkRunner"])),
    ):
        pass
