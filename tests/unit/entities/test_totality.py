"""Enrichment is total: every English document comes back enriched, none as an error.

A document that makes a rule read past the text (spaCy E040 on a name at the very end) or trip
on odd Unicode is dead-lettered in production; these properties look for such texts. enrich
returns errors as data, so the check is that every result is a dict, never an exception."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsflow.pipeline.entities import EntityEnricher

# Bounded and reproducible: the same examples on every run (CI too), no example database.
TOTALITY = settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

NAMES = (
    "Catherine Ellery",
    "Vladimir Putin",
    "Kiev",
    "Hennig-Kloska",
    "Nouri al-Quelliki's",
    "Mount Lewotobi Laki-laki",
    "Party for Progress (PFP",
    "U.S.",
    "Zarnco",
    "Abu Dhabi's",
    "Mazar-i-Sharif",
    "Chief Executive",
    "Field Marshal",
)
GLUE = ("of", "the", "and", "in", "said", "'s", "-", "also known as", "such as", "by", "to")
ODD = (
    "\u0301",  # combining acute accent, alone
    "e\u0301\u0302\u0303",  # stacked combining marks
    "\u200b",  # zero-width space
    "\u200d",  # zero-width joiner
    "\ufeff",  # byte order mark
    "\u200f\u202e",  # right-to-left mark and override
    "\u05e9\u05dc\u05d5\u05dd",  # Hebrew
    "\u0627\u0644\u0642\u0627\u0647\u0631\u0629",  # Arabic
    "\U0001f600",  # emoji
    "\U0001f469\u200d\U0001f469\u200d\U0001f467",  # emoji joined by ZWJ
    "\x00",  # NUL
    "\u2028",  # line separator
    "\r\n",
    "\t",
    "\u00a0",  # no-break space
    "\u01c5",  # title-case digraph
    "\uff21\uff22\uff23",  # full-width capitals
)
PUNCTUATION = st.text(
    alphabet=".,;:!?-\u2014\u2013'\"()[]{}\u00ab\u00bb\u2019/\\&@#*", min_size=1, max_size=40
)
CAPITALS = st.lists(
    st.from_regex(r"[A-Z][a-z]{0,8}|[A-Z]{2,10}", fullmatch=True), min_size=1, max_size=120
).map(" ".join)
LONG_WORD = st.builds(
    lambda c, n: c.upper() + c * n, st.sampled_from("aZ\u00e9x"), st.integers(60, 4000)
)
ANY_TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=30)

WORD = st.one_of(
    st.sampled_from(NAMES),
    st.sampled_from(GLUE),
    st.sampled_from(ODD),
    ANY_TEXT,
    PUNCTUATION,
    st.from_regex(r"[A-Z][a-z]{1,10}", fullmatch=True),
)
SEPARATOR = st.sampled_from((" ", "", "\n", "\n\n", ", ", ". "))


@st.composite
def texts(draw: st.DrawFn) -> str:
    words = draw(st.lists(WORD, max_size=40))
    text = "".join(word + draw(SEPARATOR) for word in words)
    shape = draw(st.sampled_from(("words", "name at the end", "capitals", "long word", "one")))
    if shape == "name at the end":  # nothing after the name: no token past the end to read
        text = text + draw(st.sampled_from(NAMES))
    elif shape == "capitals":
        text = text + draw(CAPITALS)
    elif shape == "long word":
        text = text + " " + draw(LONG_WORD)
    elif shape == "one":  # a one-token document
        text = draw(st.one_of(st.sampled_from(NAMES + ODD), ANY_TEXT, PUNCTUATION))
    return text


def _doc(title: str, body: str, n: int = 0) -> dict[str, Any]:
    return {"id": f"t{n}", "title": title, "summary": "", "body": body, "language": "en"}


def _assert_all_enriched(enricher: EntityEnricher, docs: list[dict[str, Any]]) -> None:
    results = enricher.enrich(docs)
    assert len(results) == len(docs)
    failed = [
        (doc["title"], repr(r))
        for doc, r in zip(docs, results, strict=True)
        if not isinstance(r, dict)
    ]
    assert failed == []


@TOTALITY
@given(title=st.one_of(st.just(""), texts()), body=texts())
def test_enrichment_never_fails_on_any_text(
    enricher: EntityEnricher, title: str, body: str
) -> None:
    _assert_all_enriched(enricher, [_doc(title, body)])


@TOTALITY
@given(bodies=st.lists(texts(), min_size=2, max_size=6))
def test_enrichment_of_a_batch_never_fails(enricher: EntityEnricher, bodies: list[str]) -> None:
    _assert_all_enriched(enricher, [_doc("", body, n) for n, body in enumerate(bodies)])


def test_none_of_the_issue_s_spike_articles_is_dead_lettered(enricher: EntityEnricher) -> None:
    docs = [
        _doc(
            f"Spike d {d}",
            f"Spike article d number {d}. " + " ".join(f"worddd{d}x{i}" for i in range(60)),
            d,
        )
        for d in range(100)
    ]
    _assert_all_enriched(enricher, docs)
