"""Clients for Kafka and Elasticsearch built from Settings (credentials included, never logged)."""

from __future__ import annotations

from typing import Any

from newsflow.settings import KafkaSettings, Settings


def kafka_producer(settings: Settings, **overrides: Any):
    """A kafka-python producer that waits for all in-sync replicas and never reorders on retry."""
    from kafka import KafkaProducer

    config: dict[str, Any] = {
        **settings.kafka.client_config(),
        "acks": "all",
        "retries": 10,
        "max_in_flight_requests_per_connection": 1,
        "linger_ms": 20,
        "compression_type": None,
        "max_request_size": settings.kafka.max_message_bytes,
    }
    config.update(overrides)
    return KafkaProducer(**config)


def kafka_consumer(settings: Settings, *topics: str, **overrides: Any):
    """A kafka-python consumer; offsets are committed explicitly by default."""
    return kafka_consumer_for(settings.kafka, *topics, **overrides)


def kafka_consumer_for(kafka: KafkaSettings, *topics: str, **overrides: Any):
    """`kafka_consumer` from the Kafka section alone (what a pipeline DoFn carries)."""
    from kafka import KafkaConsumer

    config: dict[str, Any] = {
        **kafka.client_config(),
        "enable_auto_commit": False,
        "auto_offset_reset": "earliest",
        "fetch_max_bytes": max(52428800, kafka.max_message_bytes),
        "max_partition_fetch_bytes": kafka.max_message_bytes,
    }
    config.update(overrides)
    return KafkaConsumer(*topics, **config)


def kafka_admin(settings: Settings, **overrides: Any):
    return kafka_admin_for(settings.kafka, **overrides)


def kafka_admin_for(kafka: KafkaSettings, **overrides: Any):
    from kafka.admin import KafkaAdminClient

    return KafkaAdminClient(**{**kafka.client_config(), **overrides})


def elasticsearch_client(settings: Settings, **overrides: Any):
    """An elasticsearch-py 9.x client with API-key or basic auth when configured; JSON through
    orjson (the pipeline's lookups send and read tens of thousands of values per request)."""
    from elasticsearch import Elasticsearch
    from elasticsearch.serializer import OrjsonSerializer

    es = settings.elasticsearch
    config: dict[str, Any] = {
        "hosts": [es.url],
        "request_timeout": es.request_timeout,
        "verify_certs": es.verify_certs,
        "serializer": OrjsonSerializer(),
    }
    if es.ca_certs:
        config["ca_certs"] = es.ca_certs
    if es.api_key:
        config["api_key"] = es.api_key.get_secret_value()
    elif es.username:
        config["basic_auth"] = (es.username, es.password.get_secret_value() if es.password else "")
    config.update(overrides)
    return Elasticsearch(**config)
