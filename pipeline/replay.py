"""Replay and backfill into a fresh index behind the articles alias, then an atomic alias swap.

`newsflow pipeline run --until-idle 10 --kafka-start-time 2026-11-01T00:00:00Z --fresh-index`
reads news.raw from that time with a new consumer group (the live group's offsets are left
alone), writes into `<alias>-<UTC stamp>` (the index template of `newsflow init` gives it the
mappings) and, once everything read is written, moves the alias to it in one request.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from newsflow.clients import elasticsearch_client
from newsflow.errors import ConfigError
from newsflow.settings import Settings

log = logging.getLogger(__name__)

FRESH_INDEX_FLAG = "--fresh-index"


def replay_stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%d%H%M%S")


def create_fresh_index(settings: Settings, stamp: str) -> str:
    """`<alias>-<stamp>`, created empty (mappings and settings from the alias' index template)."""
    alias = settings.indices.articles
    index = f"{alias}-{stamp}"
    es = elasticsearch_client(settings)
    try:
        if not es.indices.exists_index_template(name=alias):
            msg = f"no index template for {alias!r}: run `newsflow init` first"
            raise ConfigError(FRESH_INDEX_FLAG, msg)
        es.indices.create(index=index)
        es.cluster.health(index=index, wait_for_status="yellow", timeout="30s")
    finally:
        es.close()
    log.info("fresh index created", extra={"index": index, "alias": alias})
    return index


def swap_alias(settings: Settings, alias: str, index: str) -> list[str]:
    """Point `alias` at `index` only (and make it the write index), atomically. Returns the old indices."""
    es = elasticsearch_client(settings)
    try:
        old = (
            sorted(es.indices.get_alias(name=alias)) if es.indices.exists_alias(name=alias) else []
        )
        actions = [{"remove": {"index": name, "alias": alias}} for name in old if name != index]
        actions.append({"add": {"index": index, "alias": alias, "is_write_index": True}})
        es.indices.update_aliases(actions=actions)
    finally:
        es.close()
    log.info("alias swapped", extra={"alias": alias, "index": index, "previous": old})
    return [name for name in old if name != index]
