"""Stories: sketches, the rules that decide a story, and the batch decisions of the stage."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from newsflow.pipeline.stories.assign import Known, StoryRules, decide, match
from newsflow.pipeline.stories.sketch import KEY_COUNT, STOPWORDS, Sketch, containment, sketches
from newsflow.pipeline.transforms.clean import content_words
from newsflow.pipeline.transforms.stories import _Candidates, story_text

RULES = StoryRules()
HOUR = 3600.0

WIRE = (
    "The Reserve Bank of Australia raised its cash rate by 25 basis points to 3.85 per cent on "
    "Tuesday, its first increase since late 2023, saying inflation in the services sector was "
    "proving more persistent than it had expected.\n\n"
    "The decision by the bank's Monetary Policy Board was unanimous, according to a statement "
    "released at 2:30 pm Sydney time. Markets had priced in roughly a 60 per cent chance of a move.\n\n"
    "Governor Catherine Ellery told reporters in Sydney that the board did not take the decision "
    'lightly. "Households are already under pressure, and we know higher rates add to that," she '
    'said. "But letting inflation become entrenched would hurt them far more."\n\n'
    "Trimmed mean inflation, the bank's preferred measure of underlying price pressures, rose 1.0 "
    "per cent in the September quarter and 3.4 per cent from a year earlier, well above the 2 to "
    "3 per cent target band. Unemployment stood at 4.1 per cent in September.\n\n"
    "The Australian dollar rose half a cent to 66.2 US cents after the announcement, while yields "
    "on three-year government bonds rose 9 basis points to 3.71 per cent.\n\n"
    "The RBA cut rates three times in 2025 as inflation eased, before pausing this year as price "
    "pressures in rents, insurance and health services picked up again. The board next meets on "
    "December 8 and 9."
)
PARAGRAPHS = WIRE.split("\n\n")
TRUNCATED = "\n\n".join(PARAGRAPHS[:2])  # the first third, as a regional site runs it
DATELINED = (
    "SYDNEY, Nov 3 (Pan-Pacific Wire) - "
    + "\n\n".join(PARAGRAPHS[:4])
    + "\n\nRead more: Mortgage holders brace for a long summer\n\n(c) 2026 Pan-Pacific Wire"
)
REORDERED = "\n\n".join([PARAGRAPHS[0], PARAGRAPHS[2], PARAGRAPHS[4], PARAGRAPHS[1], PARAGRAPHS[5]])
REWRITE = (
    "Australian borrowers face higher repayments after the Reserve Bank lifted the official cash "
    "rate by a quarter of a percentage point to 3.85 per cent on Tuesday, its first rise since "
    "late 2023, as services inflation proved more persistent than expected.\n\n"
    "The unanimous decision of the bank's Monetary Policy Board was announced at 2:30 pm. Markets "
    "had priced in about a 60 per cent chance of a hike.\n\n"
    '"Households are already under pressure, and we know higher rates add to that," Governor '
    'Catherine Ellery told reporters in Sydney. "But letting inflation become entrenched would '
    'hurt them far more."\n\n'
    "Trimmed mean inflation rose 1.0 per cent in the September quarter and 3.4 per cent over the "
    "year, above the bank's 2 to 3 per cent target band, while unemployment was 4.1 per cent.\n\n"
    "The Australian dollar gained half a cent to 66.2 US cents and three-year bond yields rose 9 "
    "basis points. The board meets again on December 8 and 9."
)
SAME_TOPIC = (
    "The Reserve Bank of New Zealand held its official cash rate at 2.5 per cent on Wednesday, "
    "saying the economy was recovering slowly and inflation was back inside its 1 to 3 per cent "
    "band. Governor Aroha Tane told reporters in Wellington that the committee saw no need to move "
    'rates this year. "The economy is turning, but households are still cautious," she said. '
    "The New Zealand dollar fell a quarter of a cent to 58.9 US cents after the decision, and "
    "two-year swap rates eased 3 basis points. Economists had expected the hold, though two banks "
    "had forecast a final cut. The committee next meets in February, when it will publish new "
    "forecasts for unemployment, which stood at 5.2 per cent in the September quarter."
)


def _sketch(text: str) -> Sketch:
    return sketches([content_words("", text)])[0]


def _known(article_id: str, text: str, published: float = 0.0, story: str | None = None) -> Known:
    return Known(article_id, story or article_id, published, f"hash-{article_id}", _sketch(text))


# --- sketches -------------------------------------------------------------------------------


def test_sketch_of_a_batch_equals_each_text_alone():
    texts = [WIRE, TRUNCATED, "", "one", "two words", REWRITE, SAME_TOPIC]
    together = sketches([content_words("", t) for t in texts])
    for text, sketch in zip(texts, together, strict=True):
        alone = _sketch(text)
        assert np.array_equal(alone.shingles, sketch.shingles)
        assert np.array_equal(alone.words, sketch.words)
        assert alone.keys == sketch.keys


def test_sketch_is_stable_and_pinned():
    """Sketches are stored in Elasticsearch: a change of hashing must be deliberate (and
    documented: old sketches stop matching new ones)."""
    sketch = _sketch(WIRE)
    assert len(sketch.keys) == KEY_COUNT
    assert sketch.keys[:3] == _sketch(WIRE.upper()).keys[:3]  # case-folded
    assert sketch.keys[:2] == (0x01807FB28AD2, 0x01EB0B19BE2E)
    assert Sketch.from_source(sketch.to_source()).keys == sketch.keys
    restored = Sketch.from_source(sketch.to_source())
    assert np.array_equal(restored.shingles, sketch.shingles)
    assert np.array_equal(restored.words, sketch.words)


def test_content_words_leave_out_function_words():
    words = _sketch("the of and Peskov said Kremlin").words
    assert len(words) == 2 and "the" in STOPWORDS and "said" in STOPWORDS


def test_containment_measures_the_shorter_text():
    wire, truncated = _sketch(WIRE), _sketch(TRUNCATED)
    share, shared = containment(truncated.shingles, wire.shingles)
    assert share == 1.0 and shared == len(truncated.shingles)
    assert containment(wire.shingles, truncated.shingles) == (share, shared)  # symmetric
    assert containment(wire.shingles, np.zeros(0, np.uint32)) == (0.0, 0)


# --- rules ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        (TRUNCATED, "copy"),
        (DATELINED, "copy"),
        (REORDERED, "copy"),
        (REWRITE, "rewrite"),
        (SAME_TOPIC, None),
    ],
)
def test_each_kind_of_report_matches_the_wire_story_by_its_rule(text, rule):
    found = match(HOUR, _sketch(text), _known("wire", WIRE), RULES)
    assert (found[0] if found else None) == rule


def test_rewrites_only_count_within_the_rewrite_window_copies_within_the_story_window():
    wire = _known("wire", WIRE)
    two_days = 2 * 86400.0
    assert match(two_days, _sketch(REWRITE), wire, RULES) is None
    assert match(two_days, _sketch(TRUNCATED), wire, RULES) is not None
    assert match(RULES.window_s + 1, _sketch(TRUNCATED), wire, RULES) is None


def test_a_tiny_text_is_no_copy_of_everything_that_contains_it():
    assert match(0.0, _sketch("Reserve Bank of Australia"), _known("wire", WIRE), RULES) is None


def test_decide_same_article_then_exact_copy_then_best_match():
    wire, copy = _known("wire", WIRE), _known("copy", TRUNCATED, HOUR, story="wire")
    sketch = _sketch(WIRE)
    again = decide("wire", 0.0, "new-hash", sketch, [copy, wire], RULES)
    assert (again.story_id, again.rule) == ("wire", "same article")
    dup = decide("other", 0.0, "hash-copy", sketch, [wire, copy], RULES)
    assert (dup.story_id, dup.rule, dup.duplicate) == ("wire", "exact copy", True)
    rewrite_story = _known("rw", REWRITE, 0.0)
    found = decide("new", 2 * HOUR, "h", _sketch(REORDERED), [rewrite_story, wire], RULES)
    assert (found.story_id, found.rule, found.matched) == ("wire", "copy", "wire")
    alone = decide("nz", 0.0, "h", _sketch(SAME_TOPIC), [wire, rewrite_story], RULES)
    assert (alone.story_id, alone.rule) == ("nz", "new story")


# --- the stage's batch decisions ------------------------------------------------------------


def _doc(article_id: str, body: str, **fields: Any) -> dict[str, Any]:
    return {"id": article_id, "title": f"Title {article_id}", "summary": "", "body": body, **fields}


def test_story_text_is_the_body_else_the_summary_else_the_title():
    assert story_text(_doc("a", "body")) == "body"
    assert story_text({"title": "t", "summary": "s", "body": ""}) == "s"
    assert story_text({"title": "t", "summary": "", "body": ""}) == "t"


def test_candidates_find_an_earlier_article_of_the_batch_by_key_hash_and_id():
    wire = _known("wire", WIRE)
    candidates = _Candidates([])
    candidates.add(wire)
    assert candidates.related("x", "", _sketch(TRUNCATED)) == [wire]
    assert candidates.related("x", "hash-wire", _sketch("")) == [wire]
    assert candidates.related("wire", "", _sketch("")) == [wire]
    assert candidates.related("x", "", _sketch(SAME_TOPIC)) == []


# --- news-stories documents -----------------------------------------------------------------


def _member_doc(article_id: str, source: str, published: str, **fields: Any) -> dict[str, Any]:
    return {
        "id": article_id,
        "title": f"Title {article_id}",
        "url": f"https://{source}.example/{article_id}",
        "source": {"name": source},
        "published_at": published,
        "language": "en",
        **fields,
    }


def test_story_summary_counts_articles_sources_and_entities_once_each():
    from newsflow.pipeline.stories.summary import member_of, summarize

    docs = [
        _member_doc("b", "Daily", "2026-11-03T05:00:00Z", persons=["Catherine Ellery"]),
        _member_doc("a", "Wire", "2026-11-03T04:00:00Z", persons=["Catherine Ellery", "Catherine Ellery"]),
        _member_doc("c", "Wire", "2026-11-03T06:00:00Z", locations=["Sydney"], persons=["Jim Chalmers"]),
    ]  # fmt: skip
    members = {d["id"]: member_of(d) for d in docs}
    story = summarize("a", members)
    assert (story["title"], story["first_article_id"], story["url"]) == (
        "Title a",
        "a",
        "https://Wire.example/a",
    )
    assert (story["first_seen"], story["last_seen"]) == (
        "2026-11-03T04:00:00Z",
        "2026-11-03T06:00:00Z",
    )
    assert (story["article_count"], story["source_count"]) == (3, 2)
    assert story["sources"] == ["Wire", "Daily"]  # by number of articles
    assert story["persons"] == ["Catherine Ellery", "Jim Chalmers"]  # 2 articles, then 1
    assert story["locations"] == ["Sydney"]
    assert summarize("a", dict(reversed(list(members.items())))) == story  # order-free
    members["a"] = member_of(docs[1])  # a replay changes nothing
    assert summarize("a", members) == story
    from newsflow.pipeline.stories.summary import decode_members

    assert decode_members(story["members"]) == members  # what the next update merges into


def test_a_story_of_one_article_is_summarised_as_the_counting_would():
    from newsflow.pipeline.stories import summary

    for fields in (
        {"persons": ["B Person", "A Person", "B Person"], "locations": ["Oslo"]},
        {"source": {"name": ""}, "language": None},
        {"organizations": [f"Org {i:02d}" for i in range(15)]},
    ):
        doc = {**_member_doc("a", "Wire", "2026-11-03T04:00:00Z"), **fields}
        members = {"a": summary.member_of(doc)}
        assert summary._single("a", members) == summary._counted("a", members)


def test_containment_by_binary_search_equals_set_intersection():
    rnd = np.random.default_rng(5)
    for _ in range(200):
        a = np.unique(rnd.integers(0, 300, rnd.integers(0, 60))).astype(np.uint64)
        b = np.unique(rnd.integers(0, 300, rnd.integers(0, 60))).astype(np.uint64)
        shared = len(set(a.tolist()) & set(b.tolist()))
        expected = (shared / min(len(a), len(b)), shared) if len(a) and len(b) else (0.0, 0)
        assert containment(a, b) == expected
