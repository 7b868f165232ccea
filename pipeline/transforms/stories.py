"""Stories stage: exact copies dropped, every other article given the story_id of its story.

Per batch of up to 500 articles of a bundle: sketch them (pipeline/stories/sketch.py), then,
holding the story lock (pipeline/stories/store.py), find the earlier articles that share a
lookup key, a content hash or an id with the batch, decide each article in order
(pipeline/stories/assign.py) and write the batch's sketches. A copy, a truncated copy or a light
rewrite joins the story of the article it matches; an exact copy under another id is dropped and
counted (`newsflow_pipeline_duplicates_total`); the same id keeps its story (replays,
revisions). Decisions made under the lock see every decision made before them by any worker, so
two copies handled at the same moment by two workers get one story.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import apache_beam as beam
from apache_beam.metrics import Metrics

from newsflow.pipeline import metrics
from newsflow.pipeline.io.elasticsearch import elasticsearch_connector
from newsflow.pipeline.records import Article
from newsflow.pipeline.stories.assign import Decision, Known, StoryRules, decide
from newsflow.pipeline.stories.sketch import Sketch, sketches
from newsflow.pipeline.stories.store import LeaseExpired, StorySketchStore, epoch
from newsflow.pipeline.transforms.batch import BatchLookupFn
from newsflow.pipeline.transforms.clean import content_words
from newsflow.schema import ArticleFields
from newsflow.settings import Settings

log = logging.getLogger(__name__)

PRUNE_EVERY_S = 600.0
# This worker's own sketches not yet searchable, kept in memory: a refresh (the costly part of the
# sketch index) is due when another worker wrote since, or when this many have accumulated.
MAX_UNREFRESHED = 2000
RETENTION_MARGIN_S = 86400.0  # a sketch is kept one day longer than the story window
LEASE_RETRIES = 3


def story_text(doc: ArticleFields) -> str:
    """What a story is compared on: the body, else the summary, else the title (headlines
    differ between outlets; the text is what a copy shares)."""
    return doc.get("body") or doc.get("summary") or doc.get("title") or ""


@dataclass(frozen=True)
class _Pending:
    article: Article
    sketch: Sketch
    published: float


class _Candidates:
    """Known articles by lookup key, content hash and id: the batch's search results, plus each
    article of the batch once it is decided (later articles of the batch see it)."""

    def __init__(self, known: list[Known]):
        self.by_key: dict[int, tuple[Known, ...]] = {}
        self.by_hash: dict[str, list[Known]] = {}
        self.by_id: dict[str, Known] = {}
        for item in known:
            self.add(item)

    def add(self, item: Known) -> None:
        """Tuples, not lists: all the keys nobody else has share one 1-tuple, set at C speed."""
        self.by_id[item.article_id] = item
        by_key, keys = self.by_key, item.sketch.keys
        common = by_key.keys() & keys
        earlier = [(key, by_key[key]) for key in common] if common else ()
        by_key.update(dict.fromkeys(keys, (item,)))
        for key, items in earlier:
            by_key[key] = (*items, item)
        if item.content_hash:
            self.by_hash.setdefault(item.content_hash, []).append(item)

    def __len__(self) -> int:
        return len(self.by_id)

    def __bool__(self) -> bool:
        return bool(self.by_id)

    def related(self, article_id: str, content_hash: str, sketch: Sketch) -> list[Known]:
        found = {}
        if article_id in self.by_id:
            found[article_id] = self.by_id[article_id]
        for item in self.by_hash.get(content_hash, ()) if content_hash else ():
            found.setdefault(item.article_id, item)
        for key in self.by_key.keys() & sketch.keys:
            for item in self.by_key[key]:
                found.setdefault(item.article_id, item)
        return list(found.values())


class _AssignStoriesFn(BatchLookupFn):
    def __init__(self, connect: Callable[[], Any], index: str, retries: int, rules: StoryRules):
        super().__init__(connect)
        self.index = index
        self.retries = retries
        self.rules = rules
        self.joined = Metrics.counter("newsflow", "stories_joined")
        self.started = Metrics.counter("newsflow", "stories_started")

    @classmethod
    def from_settings(cls, settings: Settings) -> _AssignStoriesFn:
        pipeline = settings.pipeline
        rules = StoryRules(
            copy_containment=pipeline.story_containment,
            window_s=pipeline.story_window.total_seconds(),
            rewrite_window_s=pipeline.story_rewrite_window.total_seconds(),
        )
        connect = elasticsearch_connector(settings)
        return cls(connect, settings.indices.story_sketches, pipeline.bulk_max_retries, rules)

    def setup(self) -> None:
        super().setup()
        self.store = StorySketchStore(self.es, self.index, self.retries)
        # this worker's sketches written since its last refresh (None: refresh first)
        self.unrefreshed: _Candidates | None = None
        self._pruned = time.monotonic()  # the first prune after PRUNE_EVERY_S

    def prepare(self, articles: list[Article]) -> list[_Pending]:
        word_lists = [content_words("", story_text(article.doc)) for article in articles]
        return [
            _Pending(article, sketch, epoch(article.doc.get("published_at")))
            for article, sketch in zip(articles, sketches(word_lists), strict=True)
        ]

    def lookup(self, pending: list[_Pending]) -> list[Decision]:
        self._prune_now_and_then()
        for _attempt in range(LEASE_RETRIES):
            try:
                with self.store.locked() as others_wrote:
                    if others_wrote:
                        self._refresh()
                    return self._decide_locked(pending)
            except LeaseExpired:
                log.warning("story lock held too long; deciding the batch again")
            except BaseException:
                self.unrefreshed = None  # it may hold decisions never written: start afresh
                raise
            self.unrefreshed = None
        msg = f"could not decide {len(pending)} stories within the lock's lease"
        raise RuntimeError(msg)

    def _refresh(self) -> None:
        """Make every written sketch searchable; this worker's memory of its own starts empty."""
        self.store.refresh()
        self.unrefreshed = _Candidates([])

    def _decide_locked(self, pending: list[_Pending]) -> list[Decision]:
        if self.unrefreshed is None or len(self.unrefreshed) >= MAX_UNREFRESHED:
            self._refresh()
        mine = self.unrefreshed
        assert mine is not None
        times = [p.published for p in pending]
        indexed = _Candidates(
            self.store.candidates(
                keys=list(set().union(*(p.sketch.keys for p in pending))),
                hashes=sorted({p.article.doc.get("content_hash") or "" for p in pending} - {""}),
                ids=[p.article.doc["id"] for p in pending],
                oldest=min(times) - self.rules.window_s,
                newest=max(times) + self.rules.window_s,
            )
        )
        decisions: list[Decision] = []
        sketched: list[tuple[Known, str]] = []
        for item in pending:
            doc = item.article.doc
            doc_id, content = doc["id"], doc.get("content_hash") or ""
            related = indexed.related(doc_id, content, item.sketch) if indexed else []
            recent = mine.related(doc_id, content, item.sketch)
            if recent and related:
                seen = {other.article_id for other in related}
                related += [other for other in recent if other.article_id not in seen]
            elif recent:
                related = recent
            decision = decide(doc_id, item.published, content, item.sketch, related, self.rules)
            decisions.append(decision)
            if not decision.duplicate:
                known = Known(doc_id, decision.story_id, item.published, content, item.sketch)
                mine.add(known)  # later articles of the batch, and later batches, see it
                sketched.append((known, doc["published_at"]))
        self.store.check_lease()
        self.store.write(sketched)
        return decisions

    def resolve(self, pending: list[_Pending], decisions: list[Decision]) -> list[Article | None]:
        out: list[Article | None] = []
        for item, decision in zip(pending, decisions, strict=True):
            doc = item.article.doc
            if decision.duplicate:
                metrics.DUPLICATES.inc()
                log.info(
                    "duplicate dropped",
                    extra={"id": doc["id"], "duplicate_of": decision.matched,
                           "source": (doc.get("source") or {}).get("name")},
                )  # fmt: skip
                out.append(None)
                continue
            if decision.rule == "new story":
                self.started.inc()
            elif decision.rule in ("copy", "rewrite"):
                self.joined.inc()
            out.append(item.article.with_doc({**doc, "story_id": decision.story_id}))
        return out

    def _prune_now_and_then(self) -> None:
        if time.monotonic() - self._pruned < PRUNE_EVERY_S:
            return
        self._pruned = time.monotonic()
        before = time.time() - self.rules.window_s - RETENTION_MARGIN_S
        try:
            removed = self.store.prune(before)
        except Exception as exc:  # housekeeping: the next round tries again
            log.warning("story sketch pruning failed", extra={"error": repr(exc)})
            return
        if removed:
            log.info("story sketches pruned", extra={"removed": removed})


class AssignStories(beam.PTransform):
    """Drops exact copies (counted) and sets `story_id` (shared by copies and rewrites)."""

    def __init__(self, settings: Settings):
        super().__init__()
        self.fn = _AssignStoriesFn.from_settings(settings)

    def expand(self, articles):
        return articles | "Cluster" >> beam.ParDo(self.fn)
