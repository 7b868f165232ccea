"""Isolated settings on the shared stack: unique names, the environment of a subprocess, cleanup."""

from __future__ import annotations

import os
import uuid

from newsflow.settings import Settings


def unique_prefix() -> str:
    return f"t-{uuid.uuid4().hex[:8]}"


def isolated_settings(base: Settings, prefix: str) -> Settings:
    """Settings whose topics, indices and groups all carry the prefix (nothing shared)."""
    return base.with_overrides(
        topics={
            "raw": f"{prefix}.raw",
            "enriched": f"{prefix}.enriched",
            "alerts": f"{prefix}.alerts",
            "dlq": f"{prefix}.dlq",
            "connector_state": f"{prefix}.connector-state",
            "alert_deliveries": f"{prefix}.alert-deliveries",
            "partitions": 2,
        },
        indices={
            "articles": f"{prefix}-articles",
            "alerts": f"{prefix}-alerts",
            "stories": f"{prefix}-stories",
            "story_sketches": f"{prefix}-story-sketches",
        },
        pipeline={"consumer_group": f"{prefix}-pipeline"},
        alerts={"consumer_group": f"{prefix}-notifier"},
    )


def settings_env(settings: Settings) -> dict[str, str]:
    """Environment that makes a `newsflow` subprocess use these isolated settings."""
    env = dict(os.environ)
    for section in ("topics", "indices"):
        for key, value in (
            getattr(settings, section).model_dump(mode="json").items()
        ):  # 7d, not 7 days
            env[f"NEWSFLOW_{section.upper()}__{key.upper()}"] = str(value)
    env["NEWSFLOW_PIPELINE__CONSUMER_GROUP"] = settings.pipeline.consumer_group
    env["NEWSFLOW_ALERTS__CONSUMER_GROUP"] = settings.alerts.consumer_group
    env["NEWSFLOW_KAFKA_BOOTSTRAP"] = settings.kafka.bootstrap
    env["NEWSFLOW_ES_URL"] = settings.elasticsearch.url
    return env


def cleanup(settings: Settings) -> None:
    from newsflow.admin import topic_specs
    from newsflow.clients import elasticsearch_client, kafka_admin

    es = elasticsearch_client(settings)
    try:
        idx = settings.indices
        for alias in (idx.articles, idx.alerts, idx.stories, idx.story_sketches):
            es.options(ignore_status=404).indices.delete(index=f"{alias}-*")
            es.options(ignore_status=404).indices.delete_index_template(name=alias)
    finally:
        es.close()
    admin = kafka_admin(settings)
    try:
        existing = set(admin.list_topics())
        doomed = [t for t in topic_specs(settings) if t in existing]
        if doomed:
            admin.delete_topics(doomed)
    finally:
        admin.close()
