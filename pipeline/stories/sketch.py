"""Story sketches: what the stories stage keeps of an article to find its copies and rewrites.

Syndicated copies are mostly *contained* in the original (cut after a few paragraphs, a new
headline and dateline, a footer added), so two reports are compared by how much of the shorter
one the longer one holds, not by the Jaccard similarity of the two. Per article (its body; the
summary when it has none; the title when it has neither; case-folded words, at most 3,000):

* `shingles`: hashes of its word 4-grams, the half whose hash is even. A fixed sample, so the
  share of the shorter text's sample found in the longer one's estimates containment (copies
  0.8-1.0 on the evaluation set; light rewrites 0.15-0.35; other stories under 0.1).
* `words`: hashes of its distinct content words (function words left out,
  data/stopwords_en.txt). Light rewrites keep most of them (0.6-0.8 of the shorter's), other
  stories on the same topic far fewer (under 0.55).
* `keys`: the 48 smallest hashes of its content-word 4-grams: the lookup keys. The smallest
  hashes of a text are a random sample of its 4-grams, so two texts sharing a share c of their
  content 4-grams share at least one key with probability about 1 - (1 - c)^48: every copy and
  every light rewrite of the evaluation's tuning split (36 of 36; 34 with 32 keys), 1 pair of
  325 unrelated ones.

Hashes are CRC32 of words combined in numpy (stable across processes and runs), computed for a
whole batch at once; the sketch of one text is the same alone or in a batch.
"""

from __future__ import annotations

import base64
import zlib
from dataclasses import dataclass
from importlib import resources
from itertools import chain
from typing import Any

import numpy as np

SHINGLE_WORDS = 4
KEY_COUNT = 48
MAX_WORDS = 3000
_M = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31 = np.uint64(30), np.uint64(27), np.uint64(31)
_S32, _S16 = np.uint64(32), np.uint64(16)
_LOW32 = np.uint64(0xFFFFFFFF)
_LOW48 = np.uint64((1 << 48) - 1)


def _load_stopwords() -> frozenset[str]:
    text = (
        resources.files("newsflow.pipeline.stories.data")
        .joinpath("stopwords_en.txt")
        .read_text("utf-8")
    )
    words = (line.split("#", 1)[0].strip() for line in text.splitlines())
    return frozenset(word for word in words if word)


STOPWORDS = _load_stopwords()

_WORD_HASHES: dict[str, int] = {}
_MAX_VOCABULARY = 200_000


_STOP_BIT = 1 << 32  # set above a function word's 32-bit hash: one mask finds them all


def _word_hash(word: str) -> int:
    value = _WORD_HASHES.get(word)
    if value is None:
        value = zlib.crc32(word.encode("utf-8")) | (_STOP_BIT if word in STOPWORDS else 0)
        if len(_WORD_HASHES) < _MAX_VOCABULARY:
            _WORD_HASHES[word] = value
    return value


def _word_hashes(words: list[str]) -> np.ndarray:
    try:  # C speed when every word is known (the usual case)
        return np.fromiter(map(_WORD_HASHES.get, words), dtype=np.uint64, count=len(words))
    except TypeError:  # a new word (None): hash the new ones
        return np.fromiter(map(_word_hash, words), dtype=np.uint64, count=len(words))


def _mix(z: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser, element-wise (uint64 arithmetic wraps, as it should here)."""
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


def _grams(hashes: np.ndarray, docs: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """64-bit hashes of the n-grams of a concatenation of texts that stay within one text."""
    if len(hashes) < n:
        return np.zeros(0, np.uint64), np.zeros(0, np.int64)
    count = len(hashes) - n + 1
    value = hashes[:count].copy()
    for i in range(1, n):
        value = value * _M + hashes[i : i + count]
    same = docs[:count] == docs[n - 1 : n - 1 + count]
    return _mix(value)[same], docs[:count][same]


def _distinct(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values (np.unique's hash-based path is several times slower here)."""
    values = np.sort(values)
    if len(values) < 2:
        return values
    keep = np.empty(len(values), dtype=bool)
    keep[0] = True
    np.not_equal(values[1:], values[:-1], out=keep[1:])
    return values[keep]


def _per_text(
    values: np.ndarray, docs: np.ndarray, texts: int, bits: int, limit: int | None = None
) -> list[np.ndarray]:
    """Sorted distinct values per text (at most `limit`, the smallest): one sort of
    (text, value) packed into uint64, then views into it."""
    packed = _distinct((docs.astype(np.uint64) << np.uint64(bits)) | values)
    bounds = np.searchsorted(packed >> np.uint64(bits), np.arange(texts + 1, dtype=np.uint64))
    values = packed & np.uint64((1 << bits) - 1)
    if bits <= 32:
        values = values.astype(np.uint32)  # what is stored and compared: 32-bit values
    starts, ends = bounds[:-1].tolist(), bounds[1:].tolist()
    if limit is not None:
        ends = [min(end, start + limit) for start, end in zip(starts, ends, strict=True)]
    return [values[start:end] for start, end in zip(starts, ends, strict=True)]


@dataclass(frozen=True, eq=False)
class Sketch:
    """A text's sketch: sampled 4-gram hashes, content-word hashes, lookup keys."""

    shingles: np.ndarray  # sorted distinct 32-bit values
    words: np.ndarray  # sorted distinct 32-bit values
    keys: tuple[int, ...]  # 48-bit

    def to_source(self) -> dict[str, Any]:
        """The sketch as stored in Elasticsearch (base64 little-endian uint32 arrays)."""
        return {
            "keys": list(self.keys),
            "shingles": _encode(self.shingles),
            "words": _encode(self.words),
        }

    @classmethod
    def from_source(cls, source: dict[str, Any]) -> Sketch:
        return cls(
            _decode(source.get("shingles") or ""),
            _decode(source.get("words") or ""),
            tuple(source.get("keys") or ()),
        )


def _encode(values: np.ndarray) -> str:
    return base64.b64encode(values.astype("<u4", copy=False).tobytes()).decode("ascii")


def _decode(text: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(text), dtype="<u4")


def sketches(word_lists: list[list[str]]) -> list[Sketch]:
    """The sketches of many texts (each given as its case-folded words) at once."""
    lists = [words[:MAX_WORDS] for words in word_lists]
    texts = len(lists)
    lengths = np.fromiter(map(len, lists), dtype=np.int64, count=texts)
    flagged = _word_hashes(list(chain.from_iterable(lists)))
    content = flagged < np.uint64(_STOP_BIT)
    hashes = flagged & _LOW32
    docs = np.repeat(np.arange(texts, dtype=np.int64), lengths)

    grams, gram_docs = _grams(hashes, docs, SHINGLE_WORDS)
    even = (grams & np.uint64(1)) == 0
    short = lengths[docs] < SHINGLE_WORDS  # a text under 4 words is compared by its words
    shingle_values = np.concatenate([(grams[even] >> _S32), hashes[short]])
    shingle_docs = np.concatenate([gram_docs[even], docs[short]])
    shingles = _per_text(shingle_values, shingle_docs, texts, 32)

    words = _per_text(hashes[content], docs[content], texts, 32)

    content_docs = docs[content]
    content_lengths = np.bincount(content_docs, minlength=texts)
    key_grams, key_docs = _grams(hashes[content], content_docs, SHINGLE_WORDS)
    few = content_lengths[content_docs] < SHINGLE_WORDS
    key_values = np.concatenate([key_grams >> _S16, _mix(hashes[content][few]) >> _S16])
    key_owner = np.concatenate([key_docs, content_docs[few]])
    keys = _per_text(key_values & _LOW48, key_owner, texts, 48, KEY_COUNT)
    return [
        Sketch(shingle, word, tuple(key.tolist()))
        for shingle, word, key in zip(shingles, words, keys, strict=True)
    ]


def containment(a: np.ndarray, b: np.ndarray) -> tuple[float, int]:
    """(share of the smaller set found in the other, number shared); both sorted, distinct."""
    if not len(a) or not len(b):
        return 0.0, 0
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    at = np.searchsorted(large, small)  # binary searches: cheaper than intersect1d's sort
    at[at == len(large)] = 0
    shared = int(np.count_nonzero(large[at] == small))
    return shared / len(small), shared
