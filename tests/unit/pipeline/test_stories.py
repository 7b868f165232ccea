"""AssignStories: MinHash/LSH story ids; DropDuplicates: one document per content."""

from __future__ import annotations

from typing import Any

import apache_beam as beam
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from newsflow.settings import Settings
from pipeline.transforms.dedupe import _DropDuplicatesFn
from pipeline.transforms.stories import (
    BANDS,
    PROBES,
    _AssignStoriesFn,
    batch_keys,
    min_shared_bands,
    signature,
    story_keys,
    story_probes,
)

SETTINGS = Settings()
PESKOV = (
    "Kremlin spokesman Dmitry Peskov said on Tuesday that peace talks with Ukraine would continue "
    "next week in Istanbul, adding that no date had been set for a meeting between the two presidents. "
    "Peskov told reporters the Russian delegation was ready to discuss a ceasefire."
)
PESKOV_REWRITE = (
    "Kremlin spokesman Dmitry Peskov said Tuesday that peace talks with Ukraine will continue "
    "next week in Istanbul, adding that no date had yet been set for a meeting between the two leaders. "
    "Peskov told journalists the Russian delegation was ready to discuss a ceasefire."
)
APPLE = (
    "Apple unveiled a new iPhone on Tuesday with a faster chip and a better camera, as the company "
    "seeks to revive sales in China where competition from local brands has intensified this year."
)


def _doc(
    i: str, body: str, content_hash: str = "", published: str = "2026-11-24T10:00:00Z"
) -> dict[str, Any]:
    return {
        "id": i,
        "title": "",
        "summary": "",
        "body": body,
        "content_hash": content_hash,
        "published_at": published,
    }


class _OfflineStoriesFn(_AssignStoriesFn):
    """No Elasticsearch: `indexed` stands in for what the index holds."""

    indexed: list[dict[str, Any]] = []

    def setup(self) -> None:
        super().setup()
        self.es = None

    def indexed_candidates(self, docs: list[dict[str, Any]], oldest: float) -> list[dict[str, Any]]:
        return [
            d for d in self.indexed
            if any(len(set(d["story_bands"]) & set(doc["story_bands"])) >= self.needed for doc in docs)
        ]  # fmt: skip


class _OfflineDedupeFn(_DropDuplicatesFn):
    indexed: dict[str, set[str]] = {}

    def setup(self) -> None:
        super().setup()
        self.es = None

    def indexed_owners(self, hashes: list[str]) -> dict[str, set[str]]:
        return {h: ids for h, ids in self.indexed.items() if h in hashes}


def test_band_keys_separate_rewrites_from_other_stories():
    peskov, rewrite, apple = (set(story_keys(t)) for t in (PESKOV, PESKOV_REWRITE, APPLE))
    assert len(peskov) == BANDS
    assert len(peskov & rewrite) >= min_shared_bands(0.5)
    assert len(peskov & apple) < min_shared_bands(0.5)
    assert story_keys(PESKOV) == story_keys(PESKOV.upper())  # stable, case-insensitive
    assert story_keys("") == []


def test_min_shared_bands_follows_the_threshold():
    assert min_shared_bands(0.5) == 8
    assert min_shared_bands(0.9) > min_shared_bands(0.5) > min_shared_bands(0.2)


def test_syndicated_copy_joins_the_first_story_in_the_stream():
    docs = [_doc("a", PESKOV), _doc("b", APPLE), _doc("c", PESKOV_REWRITE)]
    with TestPipeline() as p:
        out = p | beam.Create(docs) | beam.ParDo(_OfflineStoriesFn(SETTINGS))
        assert_that(
            out | beam.Map(lambda d: (d["id"], d["story_id"])),
            equal_to([("a", "a"), ("b", "b"), ("c", "a")]),
        )


def test_story_of_an_indexed_article_is_reused_and_window_respected():
    old = {
        "id": "x",
        "story_id": "story-x",
        "story_bands": story_keys(PESKOV),
        "published_at": "2026-11-20T10:00:00Z",
    }
    _OfflineStoriesFn.indexed = [old]
    try:
        docs = [
            _doc("new", PESKOV_REWRITE),
            _doc("late", PESKOV_REWRITE, published="2027-01-30T10:00:00Z"),
        ]
        with TestPipeline() as p:
            out = p | beam.Create(docs) | beam.ParDo(_OfflineStoriesFn(SETTINGS))
            stories = out | beam.Map(lambda d: (d["id"], d["story_id"]))
            assert_that(stories, equal_to([("new", "story-x"), ("late", "late")]))
    finally:
        _OfflineStoriesFn.indexed = []


def test_same_content_under_another_id_is_dropped_but_revisions_pass():
    _OfflineDedupeFn.indexed = {"h-old": {"indexed-id"}}
    try:
        docs = [
            _doc("a", "x", content_hash="h1"),
            _doc("b", "x", content_hash="h1"),  # same content, other id: duplicate
            _doc("a", "x", content_hash="h1"),  # same id again (replay): passes
            _doc("c", "y", content_hash="h-old"),  # content already indexed under another id
            _doc("indexed-id", "y", content_hash="h-old"),  # the indexed article's revision
        ]
        with TestPipeline() as p:
            out = p | beam.Create(docs) | beam.ParDo(_OfflineDedupeFn(SETTINGS))
            assert_that(out | beam.Map(lambda d: d["id"]), equal_to(["a", "a", "indexed-id"]))
    finally:
        _OfflineDedupeFn.indexed = {}


def test_unrelated_texts_over_one_small_vocabulary_share_few_bands():
    """Regression: a near-linear hash family made every function pick the same smallest
    shingles, so unrelated texts over a small vocabulary shared all 32 bands."""
    import itertools
    import random

    vocabulary = [f"w{i}" for i in range(100)]
    rngs = [random.Random(n) for n in range(150)]
    texts = [" ".join(rng.choice(vocabulary) for _ in range(120)) for rng in rngs]
    keys = [set(story_keys(t)) for t in texts]
    worst = max(len(a & b) for a, b in itertools.combinations(keys, 2))
    assert worst < min_shared_bands(0.5)


def test_probe_keys_find_rewrites_and_skip_other_stories():
    peskov, rewrite, apple = (
        set(story_probes(signature(t))) for t in (PESKOV, PESKOV_REWRITE, APPLE)
    )
    assert len(peskov) == PROBES
    assert peskov & rewrite  # the candidate lookup finds the rewrite...
    assert not peskov & apple  # ...and not the unrelated story


def test_keys_are_stable_across_versions():
    """Band and probe keys are stored in the index: a change here re-clusters old documents."""
    bands, probes = story_keys(PESKOV), story_probes(signature(PESKOV))  # type: ignore[arg-type]
    assert (bands[0], bands[31]) == ("00:766c9540020ae861", "31:335bdd007f76630e")
    assert (probes[0], probes[20]) == ("p00:176dd65e5c27fe1a", "p20:0e480439f2099167")
    assert story_keys("Word")[0] == "00:81b4c7c906d78734"  # one word: its own hash is the shingle


def test_batch_keys_equal_one_text_at_a_time():
    import random

    rng = random.Random(3)
    vocabulary = [f"w{i}" for i in range(500)] + ["é", "日本"]
    texts = [
        [rng.choice(vocabulary) for _ in range(n)] for n in (0, 1, 2, 3, 40, 0, 1, 700, 120, 3500)
    ]
    together = batch_keys(texts)
    for words, keys in zip(texts, together, strict=True):
        sig = signature("", words)
        alone = ([], []) if sig is None else (story_keys("", words), story_probes(sig))
        assert keys == alone
        assert (keys == ([], [])) == (not words)
