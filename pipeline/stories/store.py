"""The stories stage's state in Elasticsearch: a sketch per article and one lock, race-free.

Elasticsearch search only sees a document after a refresh, so "search, then write" races when
two workers (local `--workers`, Flink subtasks, Dataflow workers) handle two copies of a story
at the same moment: both search, find nothing, and start two stories. The stage therefore
decides a batch only while it holds the story lock:

    acquire the lock      compare-and-set of the lock document (its own small index)
    refresh if needed     when another worker held the lock since this one last did, every
                          sketch it wrote becomes searchable (this worker's own recent sketches
                          it keeps in memory until its next refresh)
    search candidates     one terms query over the batch's keys and content hashes
    decide, in order      pipeline/stories/assign.py
    write the sketches    one bulk request
    release               compare-and-set: free, and released by this worker

A holder that died leaves its lock to expire (`LEASE_S`); the next worker takes it over with a
compare-and-set and refreshes. A holder that finds its lease older than half its length before
writing gives the batch up and decides it again under a new hold, so a lock taken over from a
slow holder cannot let two holders write together (short of a pause longer than LEASE_S / 2
between that check and the write). Elasticsearch's compare-and-set on `_seq_no`, create-only
writes and explicit refreshes are the whole mechanism; no scripts. A single worker skips the
refresh (most of the index's cost) until its own unrefreshed sketches fill its memory bound.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import time
import uuid
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import orjson

from newsflow.indices import story_lock_index
from newsflow.pipeline.io.elasticsearch import with_retries
from newsflow.pipeline.stories.assign import Known
from newsflow.pipeline.stories.sketch import Sketch

log = logging.getLogger(__name__)

LOCK_ID = "lock"
LEASE_S = 30.0
MAX_WAIT_S = 120.0
CANDIDATES_PER_DOC = 20
MAX_CANDIDATES = 10_000


class LeaseExpired(Exception):
    """The lock was held too long to write safely: decide the batch again."""


def epoch(value: Any) -> float:
    """Seconds since the epoch of an ISO-8601 time ("...Z" included); 0 for anything else."""
    if isinstance(value, str):
        return datetime.fromisoformat(value).timestamp()
    return 0.0


class StorySketchStore:
    """Sketches (behind an alias) and the story lock (in `<alias>-lock`), through one client."""

    def __init__(self, es: Any, index: str, retries: int):
        self.es = es
        self.index = index
        self.lock_index = story_lock_index(index)
        self.retries = retries
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._held: tuple[int, int, float] | None = None  # seq_no, primary_term, acquired at

    # -- the lock --------------------------------------------------------------------------

    @contextlib.contextmanager
    def locked(self) -> Iterator[bool]:
        """Hold the lock; yields whether another worker may have written since this one's
        last hold (then the sketches must be refreshed before they are searched)."""
        others = self._acquire()
        try:
            yield others
        finally:
            self._release()

    def check_lease(self) -> None:
        """Raise LeaseExpired if the hold is too old to write under."""
        if self._held is None or time.monotonic() - self._held[2] > LEASE_S / 2:
            raise LeaseExpired

    def _acquire(self) -> bool:
        from elasticsearch import ConflictError, NotFoundError

        started, pause = time.monotonic(), 0.002
        while True:
            now = time.time()
            mine = {"holder": self.owner, "expires": now + LEASE_S}
            try:
                current = self._call(lambda: self.es.get(index=self.lock_index, id=LOCK_ID))
            except NotFoundError:
                current = None
            try:
                if current is None:  # the first hold ever
                    resp = self._call(
                        lambda m=mine: self.es.index(
                            index=self.lock_index, id=LOCK_ID, document=m, op_type="create"
                        )
                    )
                    self._hold(resp)
                    return True
                state = current["_source"]
                held, expired = state.get("holder"), state.get("expires", 0) < now
                if held is None or expired:
                    resp = self._call(
                        lambda c=current, m=mine: self.es.index(
                            index=self.lock_index,
                            id=LOCK_ID,
                            document=m,
                            if_seq_no=c["_seq_no"],
                            if_primary_term=c["_primary_term"],
                        )
                    )
                    self._hold(resp)
                    if held is not None:
                        log.warning(
                            "story lock taken over after its lease expired",
                            extra={"previous_holder": held},
                        )
                    return held is not None or state.get("released_by") != self.owner
            except ConflictError:
                continue  # someone else moved first: look again
            if time.monotonic() - started > MAX_WAIT_S:
                msg = f"story lock {self.lock_index!r} held by {held} for over {MAX_WAIT_S:.0f}s"
                raise TimeoutError(msg)
            time.sleep(pause)
            pause = min(0.05, pause * 2)

    def _hold(self, resp: Any) -> None:
        self._held = (resp["_seq_no"], resp["_primary_term"], time.monotonic())

    def _release(self) -> None:
        from elasticsearch import ConflictError

        held, self._held = self._held, None
        if held is None:
            return
        seq_no, term, _at = held
        free = {"holder": None, "expires": 0, "released_by": self.owner}
        try:
            self._call(
                lambda: self.es.index(
                    index=self.lock_index,
                    id=LOCK_ID,
                    document=free,
                    if_seq_no=seq_no,
                    if_primary_term=term,
                )
            )
        except ConflictError:
            log.warning("story lock was taken over before its release", extra={"owner": self.owner})

    # -- sketches --------------------------------------------------------------------------

    def refresh(self) -> None:
        self._call(lambda: self.es.indices.refresh(index=self.index))

    def candidates(
        self, keys: list[int], hashes: list[str], ids: list[str], oldest: float, newest: float
    ) -> list[Known]:
        """Sketched articles sharing a key (published within [oldest, newest]), a content hash,
        or an id with the batch."""
        if not (keys or hashes or ids):
            return []
        window = {
            "range": {
                "published_at": {
                    "gte": int(oldest * 1000),
                    "lte": int(newest * 1000),
                    "format": "epoch_millis",
                }
            }
        }
        should: list[dict[str, Any]] = [{"ids": {"values": ids}}]
        if hashes:
            should.append({"terms": {"content_hash": hashes}})
        if keys:
            should.append({"bool": {"filter": [window, {"terms": {"keys": keys}}]}})
        limit = min(MAX_CANDIDATES, CANDIDATES_PER_DOC * max(1, len(ids)))
        hits = with_retries(
            self.index,
            self.retries,
            lambda: self.es.search(
                index=self.index,
                query={"bool": {"should": should, "minimum_should_match": 1}},
                size=limit,
            )["hits"]["hits"],
        )
        if len(hits) >= limit:
            log.warning(
                "story candidates truncated",
                extra={"documents": len(ids), "candidates": len(hits), "limit": limit},
            )
        return [_known(hit) for hit in hits]

    def write(self, sketched: list[tuple[Known, str]]) -> None:
        """Index the sketches (Known, published_at ISO) of a decided batch, in one bulk."""
        if not sketched:
            return
        lines = []
        now = int(time.time() * 1000)
        action = b'{"index":{"_index":%b,"_id":%b}}\n'
        index = orjson.dumps(self.index)
        for known, published_at in sketched:
            source = {
                "story_id": known.story_id,
                "content_hash": known.content_hash,
                "published_at": published_at,
                "sketched_at": now,
                **known.sketch.to_source(),
            }
            lines.append(action % (index, orjson.dumps(known.article_id)))
            lines.append(orjson.dumps(source) + b"\n")
        body = b"".join(lines)
        response = self._call(lambda: self.es.bulk(operations=body, filter_path="errors,items"))
        if response.get("errors"):
            failed = [i for i in response.get("items", []) if i["index"].get("status", 500) >= 300]
            msg = f"{len(failed)} sketch(es) not written to {self.index}: {failed[0]['index']}"
            raise RuntimeError(msg)

    def prune(self, before: float, batch: int = 1000) -> int:
        """Delete the sketches written before `before` (epoch seconds)."""
        removed = 0
        while True:
            hits = self._call(
                lambda: self.es.search(
                    index=self.index,
                    query={"range": {"sketched_at": {"lt": int(before * 1000)}}},
                    size=batch,
                    source=False,
                )["hits"]["hits"]
            )
            if not hits:
                return removed
            body = b"".join(
                orjson.dumps({"delete": {"_index": hit["_index"], "_id": hit["_id"]}}) + b"\n"
                for hit in hits
            )
            self._call(lambda b=body: self.es.bulk(operations=b, refresh=True))
            removed += len(hits)

    def _call(self, call: Any) -> Any:
        return with_retries(self.index, self.retries, call)


def _known(hit: dict[str, Any]) -> Known:
    source = hit["_source"]
    return Known(
        article_id=hit["_id"],
        story_id=source.get("story_id") or hit["_id"],
        published=epoch(source.get("published_at")),
        content_hash=source.get("content_hash") or "",
        sketch=Sketch.from_source(source),
    )
