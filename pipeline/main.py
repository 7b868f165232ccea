"""The pipeline graph: read -> parse -> clean -> language -> stories -> hooks -> sinks.

The graph has no GroupByKey, Reshuffle, Flatten or side input: on the local FnApiRunner it fuses
into one stage rooted at the Kafka reader, so every bundle runs read -> ... -> sinks and the
reader's bundle finalizer (which commits the offsets) runs after the sinks flushed. Each branch of
dead letters therefore gets its own DLQ writer instead of a Flatten. See docs/pipeline.md.
"""

from __future__ import annotations

import apache_beam as beam

from newsflow.pipeline.io.elasticsearch import WriteToElasticsearch
from newsflow.pipeline.io.kafka import ReadFromKafkaPartitions, ReadOptions, WriteToKafka
from newsflow.pipeline.io.kafka_client import ConsumerConfig
from newsflow.pipeline.records import dead_letter_serializer, serialize_alert, serialize_document
from newsflow.pipeline.run_policy import RunPolicy
from newsflow.pipeline.stories.summary import WriteStorySummaries
from newsflow.pipeline.transforms.alerts import MatchAlerts
from newsflow.pipeline.transforms.clean import CleanArticles
from newsflow.pipeline.transforms.enrich import ExtractEntities
from newsflow.pipeline.transforms.language import DetectLanguage
from newsflow.pipeline.transforms.parse import ParseArticles, to_envelope
from newsflow.pipeline.transforms.stories import AssignStories
from newsflow.settings import Settings


def build_pipeline(
    p: beam.Pipeline,
    settings: Settings,
    policy: RunPolicy,
    read: ReadOptions | None = None,
    from_files: str | None = None,
) -> None:
    """Add the newsflow graph to `p`: from Kafka (`read`), or from JSONL files for a backfill."""
    if from_files:
        records = p | "ReadFiles" >> beam.io.ReadFromTextWithFilename(from_files)
    else:
        consumer = ConsumerConfig(settings.kafka, settings.pipeline.consumer_group)
        read = read or ReadOptions(topic=settings.topics.raw)
        records = p | "ReadRaw" >> ReadFromKafkaPartitions(consumer, read, policy)
    envelopes = records | "Envelope" >> beam.Map(to_envelope)

    parsed = envelopes | "ParseArticles" >> ParseArticles(settings)
    cleaned = parsed.ok | "CleanArticles" >> CleanArticles(settings)
    languages = cleaned.ok | "DetectLanguage" >> DetectLanguage()
    articles = languages.ok | "AssignStories" >> AssignStories(settings)
    failures = {"parse": parsed.failed, "clean": cleaned.failed, "language": languages.failed}

    if settings.enrichment.enabled:
        ents = articles | "ExtractEntities" >> ExtractEntities(settings)
        articles = ents.ok
        failures["enrich"] = ents.failed
    matched = articles | "MatchAlerts" >> MatchAlerts(settings)
    failures["alerts"] = matched.failed

    topics, indices = settings.topics, settings.indices
    failures["index"] = matched.ok | "IndexArticles" >> WriteToElasticsearch(
        settings, indices.articles
    )
    matched.ok | "PublishEnriched" >> WriteToKafka(settings, topics.enriched, serialize_document)
    matched.ok | "WriteStories" >> WriteStorySummaries(settings)
    failures["index_alerts"] = matched.alerts | "IndexAlerts" >> WriteToElasticsearch(
        settings, indices.alerts, mode="create"
    )
    matched.alerts | "PublishAlerts" >> WriteToKafka(settings, topics.alerts, serialize_alert)

    to_dlq = dead_letter_serializer(settings.kafka.max_message_bytes)
    for stage, failed in failures.items():
        failed | f"DeadLetters_{stage}" >> WriteToKafka(settings, topics.dlq, to_dlq)
