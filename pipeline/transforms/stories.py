"""Story clustering stage: MinHash signatures with LSH bands give syndicated copies one story_id.

Method: the word bigrams of title + summary + body are MinHashed with 64 hash functions
(splitmix64 of the bigram hash xor a fixed seed per function); the signature is cut into 32 bands
of 2 rows and each band hashed into a key ("07:9f3a..."), stored in the document's `story_bands`.
Two documents share a band with probability s^2 (s = Jaccard similarity of their bigram sets), so
the number of shared bands k ~ Binomial(32, s^2) and k >= ceil(32 * threshold^2) accepts pairs at
or above `pipeline.story_similarity` (8 bands at 0.5) while rejecting unrelated ones. A document
joins the story of the candidate sharing the most bands (published within
`pipeline.story_window`), else starts its own (story_id = its id).

Candidates come from 21 *probe* keys per document (`story_probes`: 21 groups of 3 signature
rows). Two documents share at least one probe with probability 1 - (1 - s^3)^21: 0.94 at s = 0.5,
0.99+ from s = 0.6, ~2e-6 for unrelated news (s ~ 0.005). So one plain `terms` filter over a
batch's probes returns the real candidates and almost nothing else, at a fraction of the cost of
asking Elasticsearch to count shared bands per document (`terms_set`); the bands then verify.

State: Elasticsearch (one terms query on story_probes per batch) plus a per-worker cache that
covers documents not yet searchable (refresh interval). Runs unchanged on a distributed runner;
two workers seeing the first two copies of a story within one refresh interval may start two
stories (see docs/pipeline.md).
"""

from __future__ import annotations

import logging
import math
import re
import zlib
from collections import Counter
from datetime import datetime
from itertools import chain, repeat
from typing import Any

import apache_beam as beam
import numpy as np

from newsflow.settings import Settings, parse_duration
from pipeline.io.elasticsearch import search_with_retries
from pipeline.transforms.batch import BatchLookupFn, RecentDict
from pipeline.transforms.clean import WORDS_KEY

log = logging.getLogger(__name__)

BANDS = 32
ROWS = 2
PROBES = 21  # candidate-lookup keys: 21 groups of 3 of the 64 signature rows
PROBE_ROWS = 3
MAX_TOKENS = 3000
CACHE_KEYS = 100_000  # band keys, ~3,000 documents: minutes of input, far above the 1 s refresh
CANDIDATES_PER_KEY = 8
CANDIDATES_PER_DOC = 20
MAX_CANDIDATES = 10_000
_rng = np.random.default_rng(20240601)  # fixed: signatures must agree across workers and runs
# One 32-bit seed per hash function; h_i(x) = fmix32(x ^ seed_i) (MurmurHash3's finaliser, a
# bijection with full avalanche). A linear (a*x + b) mod p family with 31-bit a and 32-bit x
# hardly wraps, so it keeps the order of x: every function then picks the same few smallest
# shingles and unrelated texts share most bands. 32-bit lanes: half the memory traffic of 64.
_SEEDS = _rng.integers(0, 1 << 32, size=(BANDS * ROWS, 1), dtype=np.uint32)
_F1 = np.uint32(0x85EBCA6B)
_F2 = np.uint32(0xC2B2AE35)
_S16, _S13 = np.uint32(16), np.uint32(13)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31 = np.uint64(30), np.uint64(27), np.uint64(31)
_WORDS = re.compile(r"\w+")


_WORD_HASHES: dict[str, int] = {}  # vocabulary is bounded in practice; capped anyway
_MAX_VOCABULARY = 200_000
_MIX = np.uint64(0x9E3779B1)
_MASK = np.uint64(0xFFFFFFFF)


def _word_hash(word: str) -> int:
    value = _WORD_HASHES.get(word)
    if value is None:
        value = zlib.crc32(word.encode("utf-8"))
        if len(_WORD_HASHES) < _MAX_VOCABULARY:
            _WORD_HASHES[word] = value
    return value


def _word_hashes(words: list[str]) -> list[int]:
    known = list(map(_WORD_HASHES.get, words))  # C-speed for the (usual) known words
    if None in known:
        return [h if h is not None else _word_hash(w) for h, w in zip(known, words, strict=True)]
    return known  # type: ignore[return-value]  # no None left


def _mix(z: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser, element-wise (uint64 arithmetic wraps, as it should here)."""
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


def _fmix32(z: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finaliser, in place (uint32 arithmetic wraps, as it should here)."""
    z ^= z >> _S16
    z *= _F1
    z ^= z >> _S13
    z *= _F2
    z ^= z >> _S16
    return z


def signature(text: str, words: list[str] | None = None) -> np.ndarray | None:
    """The MinHash signature (BANDS * ROWS uint32 minima) of a text; None when it has no words."""
    words = _WORDS.findall(text.casefold()) if words is None else words
    sigs, present = signatures([words])
    return sigs[0] if present[0] else None


_CHUNK_CELLS = 1 << 18  # signature matrix cells per step (1 MB of uint32: stays in cache)


def signatures(word_lists: list[list[str]]) -> tuple[np.ndarray, np.ndarray]:
    """The MinHash signatures of many texts at once: (len x BANDS*ROWS uint32, has-words mask).

    The shingles of a text are 32-bit hashes of its word bigrams (its word when it has one):
    CRC32 words, not Python's salted hash, so workers and restarts agree. Same values as one
    text at a time, with a few numpy calls per chunk of texts instead of per text.
    """
    lists = [words[:MAX_TOKENS] for words in word_lists]
    lengths = np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
    hashes = np.array(_word_hashes(list(chain.from_iterable(lists))), dtype=np.uint64)
    total = len(hashes)
    # all bigrams of the concatenation, then each text's own words (for one-word texts)
    pool = np.concatenate(((hashes[:-1] * _MIX + hashes[1:]) & _MASK, hashes)).astype(np.uint32)
    word_start = np.cumsum(lengths) - lengths
    counts = np.where(lengths >= 2, lengths - 1, lengths)  # shingles per text (0 without words)
    pool_start = np.where(lengths >= 2, word_start, max(total - 1, 0) + word_start)
    shingle_start = np.cumsum(counts) - counts
    index = np.repeat(pool_start - shingle_start, counts) + np.arange(counts.sum())
    x = pool[index] if total else np.zeros(0, dtype=np.uint32)
    present = counts > 0
    sigs = np.zeros((len(lists), BANDS * ROWS), dtype=np.uint32)
    docs = np.flatnonzero(present)
    first = 0
    while first < len(docs):  # chunks of texts whose matrix fits the cache
        last, cells = first, 0
        while last < len(docs) and (
            last == first or cells + counts[docs[last]] * 64 <= _CHUNK_CELLS
        ):
            cells += counts[docs[last]] * 64
            last += 1
        chunk = docs[first:last]
        lo = shingle_start[chunk[0]]
        hi = shingle_start[chunk[-1]] + counts[chunk[-1]]
        matrix = _fmix32(x[lo:hi] ^ _SEEDS)  # (functions, shingles)
        sigs[chunk] = np.minimum.reduceat(matrix, shingle_start[chunk] - lo, axis=1).T
        first = last
    return sigs, present


_HEX = np.array([ord(c) for c in "0123456789abcdef"], dtype=np.uint32)


def _prefix_codes(prefixes: list[str]) -> np.ndarray:
    return np.array([[ord(c) for c in prefix] for prefix in prefixes], dtype=np.uint32)


_BAND_PREFIXES = [f"{band:02d}:" for band in range(BANDS)]
_PROBE_PREFIXES = [f"p{probe:02d}:" for probe in range(PROBES)]
_BAND_CODES = _prefix_codes(_BAND_PREFIXES)
_PROBE_CODES = _prefix_codes(_PROBE_PREFIXES)


def _group_hashes(sigs: np.ndarray, width: int, groups: int) -> np.ndarray:
    """One 64-bit hash per group of `width` consecutive rows: (texts x groups)."""
    rows = sigs[:, : groups * width].reshape(len(sigs), groups, width).astype(np.uint64)
    value = rows[:, :, 0]
    for col in range(1, width):
        value = value * _M1 + rows[:, :, col]  # wraps: a polynomial hash of the rows
    return _mix(value)


def _key_strings(values: np.ndarray, codes: np.ndarray) -> list[list[str]]:
    """Keys "<prefix><16 hex digits>" of (texts x groups) uint64 values, built as UCS-4 code
    points in numpy and turned into Python strings by one tolist()."""
    texts, groups = values.shape
    width = codes.shape[1]
    octets = values.astype(">u8").view(np.uint8).reshape(texts, groups, 8)
    out = np.empty((texts, groups, width + 16), dtype=np.uint32)
    out[:, :, :width] = codes
    out[:, :, width::2] = _HEX[octets >> 4]
    out[:, :, width + 1 :: 2] = _HEX[octets & 15]
    return out.reshape(-1).view(f"<U{width + 16}").reshape(texts, groups).tolist()


def batch_keys(word_lists: list[list[str]]) -> list[tuple[list[str], list[str]]]:
    """(band keys, probe keys) of many texts; ([], []) for a text without words."""
    sigs, present = signatures(word_lists)
    bands = _key_strings(_group_hashes(sigs, ROWS, BANDS), _BAND_CODES)
    probes = _key_strings(_group_hashes(sigs, PROBE_ROWS, PROBES), _PROBE_CODES)
    return [
        (b, p) if has else ([], [])
        for b, p, has in zip(bands, probes, present.tolist(), strict=True)
    ]


def story_keys(text: str, words: list[str] | None = None) -> list[str]:
    """The LSH band keys of a text ([] when it has no words): BANDS keys of ROWS rows each."""
    words = _WORDS.findall(text.casefold()) if words is None else words
    return batch_keys([words])[0][0]


def story_probes(sig: np.ndarray) -> list[str]:
    """PROBES keys of PROBE_ROWS rows each: the candidate lookup's terms (see the module doc)."""
    return _key_strings(_group_hashes(sig[None, :], PROBE_ROWS, PROBES), _PROBE_CODES)[0]


def min_shared_bands(threshold: float) -> int:
    """Shared bands needed to accept a pair at `threshold` Jaccard similarity."""
    return max(1, math.ceil(BANDS * threshold**ROWS))


def _epoch(value: Any) -> float:
    if isinstance(value, str):
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    return 0.0


def story_text(doc: dict[str, Any]) -> str:
    """Title and body (the summary when there is no body: it mostly repeats the body's start)."""
    return f"{doc.get('title') or ''}\n{doc.get('body') or doc.get('summary') or ''}"


Entry = tuple[str, str, float]  # (doc id, story id, published)


def _appended(entries: tuple[Entry, ...], entry: Entry) -> tuple[Entry, ...]:
    """A band's entries with `entry` added, newest last, bounded. Tuples, not lists: a new
    document's bands can then all share one 1-tuple (see `resolve`)."""
    if entries[-1][0] == entry[0]:  # a replay of the latest entry adds nothing
        return entries
    entries = (*entries, entry)
    return entries[-CANDIDATES_PER_KEY:] if len(entries) > CANDIDATES_PER_KEY else entries


class _AssignStoriesFn(BatchLookupFn):
    def __init__(self, settings: Settings):
        super().__init__(settings)
        self.index = settings.indices.articles
        self.retries = settings.pipeline.bulk_max_retries
        self.needed = min_shared_bands(settings.pipeline.story_similarity)
        self.window = parse_duration(settings.pipeline.story_window)

    def setup(self) -> None:
        super().setup()
        # what this worker decided recently (not yet searchable for up to a refresh interval)
        self.recent: RecentDict = RecentDict(CACHE_KEYS)

    @staticmethod
    def remember(index: Any, doc_id: str, story: str, published: float, keys: list[str]) -> None:
        """Add a document to `index` (band key -> ((doc id, story id, published), ...), newest last)."""
        entry = (doc_id, story, published)
        for key in keys:
            entries = index.get(key)
            index[key] = (entry,) if entries is None else _appended(entries, entry)

    def load_indexed(self, docs: list[dict[str, Any]]) -> dict[str, tuple[Entry, ...]]:
        """Indexed documents sharing a band with this batch (within the window), by band key."""
        found: dict[str, tuple[Entry, ...]] = {}
        with_keys = [d for d in docs if d["story_bands"]]
        if not with_keys:
            return found
        oldest = min(_epoch(d.get("published_at")) for d in with_keys) - self.window
        for src in self.indexed_candidates(with_keys, oldest):
            if src.get("story_id") and src.get("story_bands"):
                published = _epoch(src.get("published_at"))
                self.remember(found, src["id"], src["story_id"], published, src["story_bands"])
        return found

    def indexed_candidates(self, docs: list[dict[str, Any]], oldest: float) -> list[dict[str, Any]]:
        """Indexed documents (id, story_id, story_bands, published_at) sharing a probe key with one
        of `docs`: one plain `terms` filter per batch (cheap: no scoring), verified afterwards by
        counting shared band keys in `best_story`."""
        probes = sorted({p for d in docs for p in d.get("story_probes") or ()})
        if not probes:
            return []
        since = {"range": {"published_at": {"gte": int(oldest * 1000), "format": "epoch_millis"}}}
        limit = min(MAX_CANDIDATES, CANDIDATES_PER_DOC * len(docs))
        hits = search_with_retries(
            self.es, self.index, self.retries,
            query={"bool": {"filter": [since, {"terms": {"story_probes": probes}}]}},
            source=["id", "story_id", "story_bands", "published_at"],
            size=limit, sort=[{"published_at": "asc"}],
        )  # fmt: skip
        if len(hits) >= limit:
            log.warning(
                "story candidates truncated",
                extra={"documents": len(docs), "candidates": len(hits), "limit": limit},
            )
        return [hit["_source"] for hit in hits]

    def best_story(
        self,
        published: float,
        keys: list[str],
        sources: tuple[dict[str, tuple[Entry, ...]], ...],
    ) -> str | None:
        """The story of the candidate sharing the most of `keys` (the document's bands that some
        other document has, in one of `sources`), if it shares enough."""
        shared: Counter[tuple[str, str]] = Counter()
        window = self.window
        for key in keys:
            counted: set[str] = set()  # a candidate counts once per band, wherever it was found
            for source in sources:
                for cand_id, story, cand_published in source.get(key, ()):
                    if cand_id not in counted and abs(published - cand_published) <= window:
                        counted.add(cand_id)
                        shared[(cand_id, story)] += 1
        if not shared:
            return None
        (_cand_id, story), count = shared.most_common(1)[0]
        return story if count >= self.needed else None

    def remember_recent(
        self,
        doc_id: str,
        story: str,
        published: float,
        keys: list[str],
        in_young: set[str],
        in_old: set[str],
    ) -> None:
        """Add a document to the cache: appended where a generation has the key already (`in_young`,
        `in_old`), a fresh entry in the young one elsewhere. Bulk dict updates: this runs for
        every document, and most of its keys are nobody else's."""
        entry = (doc_id, story, published)
        young, old = self.recent.young, self.recent.old
        appended = {key: _appended(young[key], entry) for key in in_young}
        in_old = in_old - in_young
        if in_old:
            old.update({key: _appended(old[key], entry) for key in in_old})
            keys = [key for key in keys if key not in in_old]
        young.update(zip(keys, repeat((entry,))))
        young.update(appended)
        self.recent.rotate_if_full()  # once per document: the young half may pass its size by < 32

    def prepare(self, docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        out = [dict(doc) for doc in docs]
        word_lists = []
        for doc in out:
            words = doc.pop(WORDS_KEY, None)
            word_lists.append(
                _WORDS.findall(story_text(doc).casefold()) if words is None else words
            )
        for doc, (bands, probes) in zip(out, batch_keys(word_lists), strict=True):
            doc["story_bands"], doc["story_probes"] = bands, probes
        return out

    def lookup(self, docs: list[dict[str, Any]]) -> dict[str, tuple[Entry, ...]]:
        return self.load_indexed(docs)  # the index is the truth; `recent` covers its refresh gap

    def resolve(
        self, docs: list[dict[str, Any]], indexed: dict[str, tuple[Entry, ...]]
    ) -> list[dict[str, Any]]:
        recent = self.recent
        for doc in docs:
            published = _epoch(doc.get("published_at"))
            bands = doc["story_bands"]
            young, old = recent.young, recent.old
            # the bands some other document has, found at C speed (most bands are nobody else's)
            in_young, in_old = young.keys() & bands, old.keys() & bands
            shared = in_young | in_old | (indexed.keys() & bands)
            story = None
            if shared:  # in band order: ties go to the same candidate on every run
                in_order = [key for key in bands if key in shared]
                story = self.best_story(published, in_order, (indexed, young, old))
            doc["story_id"] = story = story or doc["id"]
            # later documents of this batch find this one in `recent` (the cache)
            self.remember_recent(doc["id"], story, published, bands, in_young, in_old)
        return docs


class AssignStories(beam.PTransform):
    """Sets `story_bands` (LSH band keys), `story_probes` and `story_id` (shared by near-duplicate articles)."""

    def __init__(self, settings: Settings):
        super().__init__()
        self.settings = settings

    def expand(self, docs):
        return docs | "Cluster" >> beam.ParDo(_AssignStoriesFn(self.settings))
