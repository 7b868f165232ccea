"""`newsflow init`: Kafka topics and Elasticsearch templates, indices and aliases, idempotently."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from newsflow.clients import elasticsearch_client, kafka_admin
from newsflow.credentials import check_credentials
from newsflow.indices import (
    alert_mappings,
    article_mappings,
    index_settings,
    story_lock_index,
    story_mappings,
    story_sketch_mappings,
)
from newsflow.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ClusterCapabilities:
    """What this Elasticsearch cluster offers; we degrade where a module is missing."""

    version: str
    modules: frozenset[str]

    @property
    def folding(self) -> bool:
        return "analysis-common" in self.modules

    @property
    def reindex(self) -> bool:
        return "reindex" in self.modules

    @property
    def analyzer(self) -> str:
        return "newsflow_text" if self.folding else "standard"

    def notes(self) -> list[str]:
        notes = []
        if not self.folding:
            notes.append("no analysis-common module: text is lower-cased but not accent-folded")
        if "rest-root" not in self.modules:
            notes.append("no rest-root module: GET / is unavailable (node info comes from _nodes)")
        if not self.reindex:
            notes.append(
                "no reindex module: reindexing replays from Kafka or files instead of _reindex"
            )
        return notes


def cluster_capabilities(es: Any) -> ClusterCapabilities:
    # not es.info(): GET / lives in the rest-root module, which the integ-test-zip lacks
    nodes = es.nodes.info(metric="plugins")["nodes"]
    modules: set[str] = set()
    version = "unknown"
    for node in nodes.values():
        version = node.get("version", version)
        modules |= {m["name"] for m in node.get("modules", [])}
        modules |= {p["name"] for p in node.get("plugins", [])}
    return ClusterCapabilities(version=version, modules=frozenset(modules))


@dataclass
class InitReport:
    topics_created: list[str] = field(default_factory=list)
    topics_existing: list[str] = field(default_factory=list)
    indices_created: list[str] = field(default_factory=list)
    aliases_existing: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def topic_specs(settings: Settings) -> dict[str, dict[str, str]]:
    """Topic name -> Kafka topic configs."""
    topics = settings.topics
    retention_ms = str(int(topics.retention.total_seconds() * 1000))
    max_bytes = str(settings.kafka.max_message_bytes)
    regular = {"retention.ms": retention_ms, "max.message.bytes": max_bytes}
    return {
        topics.raw: regular,
        topics.enriched: regular,
        topics.alerts: regular,
        topics.dlq: {
            "retention.ms": str(int(topics.dlq_retention.total_seconds() * 1000)),
            "max.message.bytes": max_bytes,
        },
        # latest value per key is all that matters: compacted, kept forever
        topics.connector_state: {
            "cleanup.policy": "compact",
            "retention.ms": "-1",
            "max.message.bytes": max_bytes,
        },
        topics.alert_deliveries: {"cleanup.policy": "compact", "retention.ms": "-1"},
    }


def create_topics(settings: Settings, report: InitReport) -> None:
    from kafka.admin import NewTopic
    from kafka.errors import TopicAlreadyExistsError

    admin = kafka_admin(settings)
    try:
        existing = set(admin.list_topics())
        specs = topic_specs(settings)
        compacted = {settings.topics.connector_state, settings.topics.alert_deliveries}
        new = [
            NewTopic(
                name=name,
                num_partitions=1 if name in compacted else settings.topics.partitions,
                replication_factor=settings.topics.replication_factor,
                topic_configs=configs,
            )
            for name, configs in specs.items()
            if name not in existing
        ]
        report.topics_existing += sorted(set(specs) & existing)
        for topic in new:
            try:
                admin.create_topics([topic])
                report.topics_created.append(topic.name)
            except TopicAlreadyExistsError:  # raced with another init
                report.topics_existing.append(topic.name)
    finally:
        admin.close()


def ensure_index(
    es: Any, alias: str, mappings: dict[str, Any], settings_body: dict[str, Any], report: InitReport
) -> None:
    """Template for alias-*, and a first index alias-000001 behind the alias (write index)."""
    es.indices.put_index_template(
        name=alias,
        index_patterns=[f"{alias}-*"],
        template={"settings": settings_body, "mappings": mappings},
        priority=200,
        meta={"managed_by": "newsflow"},
    )
    if es.indices.exists_alias(name=alias):
        report.aliases_existing.append(alias)
        # keep mappings current: new fields are added, existing ones never change type
        es.indices.put_mapping(index=alias, **{k: v for k, v in mappings.items() if k != "_meta"})
        # and the dynamic settings the configuration controls (refresh interval)
        es.indices.put_settings(
            index=alias, settings={"refresh_interval": settings_body["refresh_interval"]}
        )
        return
    index = f"{alias}-000001"
    if not es.indices.exists(index=index):
        es.indices.create(index=index, settings=settings_body, mappings=mappings)
        report.indices_created.append(index)
    es.indices.update_aliases(
        actions=[{"add": {"index": index, "alias": alias, "is_write_index": True}}]
    )


def create_indices(settings: Settings, report: InitReport) -> None:
    es = elasticsearch_client(settings)
    try:
        caps = cluster_capabilities(es)
        report.notes += caps.notes()
        idx = settings.indices
        body = index_settings(idx.shards, idx.replicas, idx.refresh_interval, caps.folding)
        ensure_index(es, idx.articles, article_mappings(caps.analyzer), body, report)
        ensure_index(es, idx.alerts, alert_mappings(caps.analyzer), body, report)
        stories = {**body, "refresh_interval": idx.stories_refresh_interval}
        ensure_index(es, idx.stories, story_mappings(caps.analyzer), stories, report)
        # refreshed by the stories stage itself, under its lock, when it needs to read
        sketches = index_settings(idx.shards, idx.replicas, "-1", folding=False)
        ensure_index(es, idx.story_sketches, story_sketch_mappings(), sketches, report)
        lock = story_lock_index(idx.story_sketches)
        if not es.indices.exists(index=lock):
            es.indices.create(index=lock)  # settings and mappings from the sketches' template
            report.indices_created.append(lock)
        names = ",".join((idx.articles, idx.alerts, idx.stories, idx.story_sketches, lock))
        es.cluster.health(index=names, wait_for_status="yellow", timeout="30s")
    finally:
        es.close()


def initialise(settings: Settings) -> InitReport:
    check_credentials(settings)  # refused credentials: one line, before anything is created
    report = InitReport()
    create_topics(settings, report)
    create_indices(settings, report)
    return report
