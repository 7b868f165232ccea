"""CleanArticles: HTML to text, entities, Unicode, whitespace, boilerplate, tracking parameters."""

from __future__ import annotations

import apache_beam as beam
import pytest
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from newsflow.pipeline.transforms.clean import CleanArticles, clean_text, content_hash
from newsflow.pipeline.transforms.parse import document_from_raw
from newsflow.settings import Settings
from tests.support.factories import in_flight, raw_article

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
        out = p | beam.Create([in_flight(document_from_raw(raw))]) | CleanArticles(SETTINGS)
        fields = out.ok | beam.Map(
            lambda a: (
                a.doc["title"],
                a.doc["summary"],
                a.doc["body"],
                a.doc["url"],
                a.doc["content_hash"],
            )
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
        out = p | beam.Create([in_flight(document_from_raw(raw))]) | CleanArticles(SETTINGS)
        assert_that(
            out.failed | beam.Map(lambda d: (d.stage, d.field)),
            equal_to([("clean", "content_html")]),
        )


def _lxml_only_clean_text(value: str, monkeypatch: pytest.MonkeyPatch) -> str:
    from newsflow.pipeline.transforms import clean

    with monkeypatch.context() as patch:
        patch.setattr(clean, "_simple_markup_text", lambda _value: None)
        return clean_text(value)


def _random_markup(rnd, depth: int = 0) -> str:
    tags = ["p", "a", "b", "div", "li", "ul", "ol", "em", "span", "h2", "blockquote", "br", "hr"]
    tags += ["P", "td", "font", "pre"]  # not simple: the lxml path
    texts = [
        "word", " ", "  ", "\n", "\t", "Kyiv", "é", "日本", "&amp;", "&lt;", "&gt;", "&quot;",
        "&#39;", "&nbsp;", "&#8212;", "&#x2014;", "&mdash;", "&copy", "& ", "&#150;", "'", "x\r\ny",
        "a\rb", "\u00a0", "\u200b", "&amp;lt;p&amp;gt;", ">", "<", "A & B",
    ]  # fmt: skip
    attributes = ["", " href='/x'", ' class="a b"', " title='x>y'", " href='/x?a=1&b=2&amp;c'"]
    out = []
    for _ in range(rnd.randint(0, 4)):
        if rnd.random() < 0.45 or depth > 3:
            out.append(rnd.choice(texts))
            continue
        tag = rnd.choice(tags)
        if tag in ("br", "hr"):
            out.append(rnd.choice([f"<{tag}>", f"<{tag}/>", f"<{tag} />"]))
        else:
            close = f"</{tag}>" if rnd.random() < 0.97 else ""
            inner = _random_markup(rnd, depth + 1)
            out.append(f"<{tag}{rnd.choice(attributes)}>{inner}{close}")
    return "".join(out)


def test_simple_markup_path_gives_the_same_text_as_lxml(monkeypatch: pytest.MonkeyPatch):
    """The tree-free path for simple markup must not change a single character of the output."""
    import random

    from newsflow.pipeline.transforms.clean import _simple_markup_text

    rnd = random.Random(11)
    simple = 0
    for _ in range(6000):
        value = _random_markup(rnd)
        simple += _simple_markup_text(value) is not None
        assert clean_text(value) == _lxml_only_clean_text(value, monkeypatch), value
    assert simple > 300  # the comparison covered the fast path, not only the fallback


@pytest.mark.parametrize(
    "value",
    [
        "<p>a<p>b</p>",  # unclosed: the HTML parser repairs it
        "<p>a<div>b</div></p>",  # a block in a paragraph
        "<script>x</script>",
        "<!-- comment --><p>a</p>",
        "<p>a < b</p>",
        "<p>&foo; &#0;</p>",
        "<p>a\x00b</p>",
        "<ul>x<p>y</p></ul>",
    ],
)
def test_markup_an_html_parser_would_repair_takes_the_lxml_path(value: str):
    from newsflow.pipeline.transforms.clean import _simple_markup_text

    assert _simple_markup_text(value) is None


def test_ascii_fast_path_finds_the_same_content_words_as_the_pattern():
    import random
    import re

    from newsflow.pipeline.transforms.clean import content_words

    rnd = random.Random(6)
    alphabet = list("abcXYZ019_ '\"-.,;:!?\t\n\x0b\x0c\r\x1c\x1f\x7f()[]<>&#@/\\é")
    for _ in range(20000):
        text = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 30)))
        assert content_words(text[:4], text[4:]) == re.findall(
            r"\w+", f"{text[:4]}\n{text[4:]}".casefold()
        )


# --- text about HTML stays text; markup escaped twice is still stripped ----------------------


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("History of the &lt;blink&gt; tag", "History of the <blink> tag"),  # a plain-text title
        ("<p>The &lt;p&gt; element starts a paragraph</p>", "The <p> element starts a paragraph"),
        ("a &lt;b&gt; b", "a <b> b"),
        ("Tom &amp;copyright", "Tom &copyright"),  # no ";": not a reference the second time
        ("&lt;p&gt;Hi &lt;a href=&quot;/x&quot;&gt;there&lt;/a&gt;&lt;/p&gt;", "Hi there"),
        ("line&lt;br/&gt;next", "line\nnext"),
        ("&lt;img src='x.png'&gt;Caption", "Caption"),
        ("<p>The &amp;lt;b&amp;gt;x&amp;lt;/b&amp;gt; tag</p>", "The x tag"),
    ],
)
def test_text_about_html_keeps_its_brackets(html: str, text: str):
    assert clean_text(html) == text


def test_escaped_plain_text_comes_back_exactly():
    """What the connector does to a plain-text title (HTML-escape it) the clean stage undoes,
    character for character, whatever stray brackets and ampersands the text holds. (Not a text
    that holds HTML elements, "<b>x</b>", or complete references, "&amp;": those read as markup
    a feed escaped twice, and are decoded as such.)"""
    import html
    import random

    from newsflow.pipeline.transforms.clean import normalise_text

    rnd = random.Random(3)
    words = ["<blink>", "<p>", "a<b", "c>d", "AT&T", "&copy", "&#", "x & y", "<", ">", "&",
             "tag", "</", "<br>", "Kyiv", "é", " ", "  ", "\n"]  # fmt: skip
    for _ in range(3000):
        text = "".join(rnd.choice(words) for _ in range(rnd.randint(1, 8)))
        assert clean_text(html.escape(text, quote=False)) == normalise_text(text), text


def test_a_plain_text_title_from_the_connector_is_indexed_as_written():
    raw = raw_article(
        3,
        title="History of the &lt;blink&gt; tag",  # the connector escaped the feed's text
        summary_html="<p>Why &lt;blink&gt; was dropped &amp; what replaced it.</p>",
    )
    with TestPipeline() as p:
        out = p | beam.Create([in_flight(document_from_raw(raw))]) | CleanArticles(SETTINGS)
        fields = out.ok | beam.Map(lambda a: (a.doc["title"], a.doc["summary"]))
        expected = ("History of the <blink> tag", "Why <blink> was dropped & what replaced it.")
        assert_that(fields, equal_to([expected]))


def test_deeply_nested_markup_keeps_its_text():
    """libxml2 gives up below 256 nested elements and drops the text there; the text is then
    taken without a tree (scripts still dropped)."""
    nested = "<div><span>" * 3000 + "Deep text" + "</span></div>" * 3000
    assert clean_text(nested) == "Deep text"
    unclosed = "<b>" * 500 + "Bold <script>x()</script>text<p>Next</p>"
    assert clean_text(unclosed) == "Bold text\nNext"


def test_control_characters_and_bidi_overrides_are_dropped():
    assert clean_text("Control\x01 char\x0bhere") == "Control char here"
    assert (
        clean_text("\u202eReversed\u202c title \u2066isolated\u2069") == "Reversed title isolated"
    )
