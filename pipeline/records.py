"""Kafka (key, value) serialisers for what the pipeline publishes: documents, alerts, dead letters."""

from __future__ import annotations

import json
from typing import Any

import orjson

from newsflow.schema import DeadLetter

# Room for the DeadLetter envelope and Kafka's record overhead under the 16 MiB limit.
_DLQ_HEADROOM = 64 * 1024


def serialize_document(doc: dict[str, Any]) -> tuple[bytes, bytes]:
    """news.enriched: key = article id, value = the indexed document (no '_' keys)."""
    public = {k: v for k, v in doc.items() if not k.startswith("_")}
    return doc["id"].encode("utf-8"), orjson.dumps(public, default=str)


def serialize_alert(alert: dict[str, Any]) -> tuple[bytes, bytes]:
    """news.alerts: key = alert id (deterministic, so consumers can dedupe)."""
    return str(alert["id"]).encode("utf-8"), json.dumps(
        alert, ensure_ascii=False, default=str
    ).encode("utf-8")


def dead_letter_serializer(max_message_bytes: int):
    """news.dlq: key = the original record key; a payload too big for Kafka is cut and says so."""
    limit = max_message_bytes - _DLQ_HEADROOM

    def serialize(dead: DeadLetter) -> tuple[bytes | None, bytes]:
        value = dead.to_json()
        if len(value) > limit:
            cut = dead.payload[: limit // 2]
            reason = f"{dead.reason} [payload truncated from {len(dead.payload)} characters]"
            value = dead.model_copy(update={"payload": cut, "reason": reason}).to_json()
        return (dead.key.encode("utf-8") if dead.key else None), value

    return serialize
