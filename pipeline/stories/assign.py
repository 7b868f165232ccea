"""Story decisions: which earlier article's story a new article joins, and by which rule.

Pure functions over sketches; where the earlier articles come from (Elasticsearch, under the
story lock) is pipeline/stories/store.py. Rules, in order:

* `same article` - the article id was assigned before (a replay or a new revision): its story.
* `exact copy` - another article has the same content hash: a duplicate, dropped and counted.
* `copy` - at least `copy_containment` of the shorter text's sampled 4-grams are in the other
  (and at least `min_shared_shingles` of them), published within the story window: truncated,
  re-headlined, datelined, reordered and boilerplated copies.
* `rewrite` - at least `rewrite_words` of the shorter text's content words and
  `rewrite_containment` of its 4-grams are in the other (at least `min_shared_words` words and
  `min_shared_shingles` 4-grams), published within `rewrite_window` of it: the same report
  rephrased by another outlet.
  Follow-ups and other stories on the same topic keep fewer content words (under 0.56 on the
  tuning split, against 0.59 for the weakest rewrite) and mostly come a day or more later.
* otherwise a `new story` (story id = the article's id).

Among several matches the strongest wins (copy before rewrite, then the larger containment,
then the earlier article), so every worker and every replay decides alike.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from newsflow.pipeline.stories.sketch import Sketch, containment

Rule = Literal["same article", "exact copy", "copy", "rewrite", "new story"]


@dataclass(frozen=True)
class StoryRules:
    copy_containment: float = 0.5
    min_shared_shingles: int = 8  # sampled 4-grams: about 16 shared word 4-grams
    rewrite_words: float = 0.6
    rewrite_containment: float = 0.1
    min_shared_words: int = 15
    window_s: float = 7 * 86400.0
    rewrite_window_s: float = 86400.0


@dataclass(frozen=True)
class Known:
    """An article whose story is decided (indexed earlier, or earlier in the batch)."""

    article_id: str
    story_id: str
    published: float  # epoch seconds
    content_hash: str
    sketch: Sketch


@dataclass(frozen=True)
class Decision:
    story_id: str
    rule: Rule
    matched: str | None = None  # the article whose story it joins
    score: float = 0.0  # the containment that decided (copy: 4-grams; rewrite: words)

    @property
    def duplicate(self) -> bool:
        return self.rule == "exact copy"


def match(
    published: float, sketch: Sketch, other: Known, rules: StoryRules
) -> tuple[Rule, float] | None:
    """The rule by which an article matches `other`, with its score; None if it does not."""
    gap = abs(published - other.published)
    if gap > rules.window_s:
        return None
    share, shared = containment(sketch.shingles, other.sketch.shingles)
    if share >= rules.copy_containment and shared >= rules.min_shared_shingles:
        return "copy", share
    if (
        gap > rules.rewrite_window_s
        or share < rules.rewrite_containment
        or shared < rules.min_shared_shingles
    ):
        return None
    words, shared_words = containment(sketch.words, other.sketch.words)
    if words >= rules.rewrite_words and shared_words >= rules.min_shared_words:
        return "rewrite", words
    return None


def decide(
    article_id: str,
    published: float,
    content_hash: str,
    sketch: Sketch,
    known: Iterable[Known],
    rules: StoryRules,
) -> Decision:
    """The story of an article given the articles decided before it that may be related."""
    candidates = list(known)
    for other in candidates:
        if other.article_id == article_id:
            return Decision(other.story_id, "same article", other.article_id)
    duplicates = [o for o in candidates if content_hash and o.content_hash == content_hash]
    if duplicates:
        first = min(duplicates, key=lambda o: (o.published, o.article_id))
        return Decision(first.story_id, "exact copy", first.article_id, 1.0)
    best: tuple[tuple[int, float, float, str], Decision] | None = None
    for other in candidates:
        found = match(published, sketch, other, rules)
        if found is None:
            continue
        rule, score = found
        rank = (0 if rule == "copy" else 1, -score, other.published, other.article_id)
        if best is None or rank < best[0]:
            best = (rank, Decision(other.story_id, rule, other.article_id, score))
    if best is not None:
        return best[1]
    return Decision(article_id, "new story")
