"""CleanArticles: HTML to text, entities, Unicode, whitespace, boilerplate, tracking parameters."""

from __future__ import annotations

import apache_beam as beam
import pytest
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from newsflow.settings import Settings
from pipeline.transforms.clean import CleanArticles, clean_text, content_hash
from pipeline.transforms.parse import document_from_raw
from tests.unit.pipeline.helpers import raw_article

SETTINGS = Settings().with_overrides(pipeline={"max_body_chars": 1000})


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<p>Hello <b>world</b></p><p>Second</p>", "Hello world\nSecond"),
        ("Caf&eacute; &amp;amp; bar&nbsp;&#8212; ok", "Café & bar — ok"),
        ("<script>alert(1)</script><style>p{}</style><p>Visible</p>", "Visible"),
        ("ﬁne\u200b text\u00ad here", "fine text here"),  # NFKC ligature, zero-width, soft hyphen
        ("  lots \t of\n\n\n\n  space  ", "lots of\nspace"),
        ("<p>Story text.</p><p>Read more: <a href='/x'>elsewhere</a></p>", "Story text."),
        ("<p>Story text. Continue reading \u2192</p>", "Story text."),
        ("<p>Story text [&#8230;]</p>", "Story text"),
        ("<p>Body.</p><p>The post Big News appeared first on Example Daily.</p>", "Body."),
        ("&lt;p&gt;double &lt;b&gt;escaped&lt;/b&gt;&lt;/p&gt;", "double escaped"),
        ("if a < b and c > d", "if a < b and c > d"),
    ],
)
def test_clean_text(html: str, text: str):
    assert clean_text(html) == text


def test_long_text_is_cut_at_a_word_boundary():
    text = clean_text("word " * 500, limit=1000)
    assert len(text) <= 1000 and text.endswith("word")


def test_content_hash_ignores_markup_case_and_spacing():
    assert content_hash("Big News", "Some  text.") == content_hash("big news", "some text")
    assert content_hash("Big News", "Some text") != content_hash("Big News", "Other text")


def test_clean_articles_cleans_fields_and_url_and_hashes_content():
    raw = raw_article(
        1,
        title="Markets &amp; <i>money</i>",
        summary_html="<p>Short&nbsp;summary</p>",
        content_html="<div><p>First para.</p><p>Read more: https://x</p></div>",
    )
    with TestPipeline() as p:
        out = p | beam.Create([document_from_raw(raw)]) | CleanArticles(SETTINGS)
        fields = out.ok | beam.Map(
            lambda d: (d["title"], d["summary"], d["body"], d["url"], d["content_hash"])
        )
        expected = (
            "Markets & money",
            "Short summary",
            "First para.",
            "https://example.com/news/1?page=2",
            content_hash("Markets & money", "First para."),
        )
        assert_that(fields, equal_to([expected]), label="ok")
        assert_that(out.failed, equal_to([]), label="failed")


def test_article_without_any_text_is_dead_lettered():
    raw = raw_article(
        2, title="<img src='x.png'>", summary_html="", content_html="<script>x()</script>"
    )
    with TestPipeline() as p:
        out = p | beam.Create([document_from_raw(raw)]) | CleanArticles(SETTINGS)
        assert_that(
            out.failed | beam.Map(lambda d: (d.stage, d.field)),
            equal_to([("clean", "content_html")]),
        )
