"""Clean stage: HTML -> text, entities, Unicode, whitespace, boilerplate, tracking parameters."""

from __future__ import annotations

import functools
import hashlib
import html
import re
import threading
import unicodedata
from typing import Any

import apache_beam as beam

from newsflow.errors import RecordError
from newsflow.pipeline.records import Article
from newsflow.pipeline.transforms.deadletters import GuardedParDo, StageOutput
from newsflow.settings import Settings
from newsflow.urls import canonical_url

STAGE = "clean"
_TAG = re.compile(r"<[a-zA-Z/!?]")
_DROP_TAGS = ("script", "style", "noscript", "iframe", "svg", "form", "button", "template", "head")
_BLOCK_TAGS = (
    "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote",
    "pre", "tr", "table", "section", "article", "header", "footer", "figure", "figcaption", "hr", "dd", "dt",
)  # fmt: skip
# Zero-width characters, soft hyphen, BOM and bidi marks, embeddings, overrides and isolates carry
# no text (an override left open turns the rest of a title around in every view of it).
_INVISIBLE = dict.fromkeys(
    map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
             "\u2066\u2067\u2068\u2069"),
    None,
)  # fmt: skip
# control characters that are no whitespace (str.split takes those): no text either
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f]")
_BLANK_LINES = re.compile(r"\n\s*\n+")
# Feed boilerplate: "Read more: ...", "Continue reading ...", WordPress' "The post X appeared first
# on Y.", "[...]" truncation marks. Matched per line (a line is a block of the HTML).
_BOILERPLATE_LINE = re.compile(
    r"^\s*(read more|continue reading|read the full (story|article)|click here to read|"
    r"see also|related articles?|follow us on|sign up for our newsletter|"
    r"the post .{1,300} appeared first on .{1,200})\b.*$",
    re.IGNORECASE,
)
_ARROW = "(\u00bb|\u203a|\u2192|>>)?"  # guillemets, arrows
_INLINE_BOILERPLATE = re.compile(
    r"(\s*(\[(…|\.\.\.)\]|…\s*read more\W*|read more\s*"
    + _ARROW
    + r"|continue reading\s*"
    + _ARROW
    + r"))+\s*$",
    re.IGNORECASE,
)
_TAIL = 200
_WORDS = re.compile(r"\w+")
# ASCII fast path of _WORDS: bytes other than letters, digits and "_" become spaces (one C pass)
_ASCII_NON_WORD = bytes(b if (chr(b).isalnum() and b < 128) or b == 95 else 32 for b in range(256))


# Simple markup (most feed HTML: paragraphs, line breaks, links, emphasis, lists, properly
# nested) is turned into text without building a tree: same text as the lxml path below (a
# test compares both on generated markup), at a fraction of the cost. Anything else - other
# tags, comments, stray brackets, unusual entities, control characters, nesting an HTML parser
# would repair - takes the lxml path.
_SIMPLE_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)(\s[^<>]*?)?(/?)>")
_INLINE_TAGS = frozenset(
    ("a", "b", "i", "em", "strong", "span", "u", "small", "sub", "sup", "abbr", "cite", "mark")
)
_PARAGRAPH_TAGS = frozenset(("p", "h1", "h2", "h3", "h4", "h5", "h6"))  # inline content only
_CONTAINER_TAGS = frozenset(("div", "blockquote", "li"))
_LIST_TAGS = frozenset(("ul", "ol"))  # <li> children only
_LINE_BREAKS = frozenset(("br", "hr"))
_SIMPLE_ENTITY = re.compile(r"&(?:amp|lt|gt|quot|apos|nbsp|#[0-9]{2,5}|#x[0-9a-fA-F]{2,4});")
_DROPPED_START = re.compile(r"<(" + "|".join(_DROP_TAGS) + r")\b")
_ANY_TAG = re.compile(r"<(?:/?([a-zA-Z][a-zA-Z0-9]*)|[!?])[^>]*>")
# a complete character reference (what a second decoding decodes)
_REFERENCE = re.compile(r"&(?:[a-zA-Z][a-zA-Z0-9]*|#[0-9]+|#[xX][0-9a-fA-F]+);")
_ODD_CHARACTER = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def _simple_entities_only(text: str) -> bool:
    if "&" not in text:
        return True
    if text.count("&") != len(found := _SIMPLE_ENTITY.findall(text)):
        return False
    for entity in found:  # numeric ones: printable, and not the C1 range HTML5 remaps
        if entity[1] == "#":
            code = int(entity[3:-1], 16) if entity[2] in "xX" else int(entity[2:-1])
            if not (32 <= code < 127 or 160 <= code < 0xD800 or 0xE000 <= code < 0xFFFE):
                return False
    return True


def _simple_markup_text(value: str) -> str | None:
    """The text lxml's itertext gives for simple markup (a newline after each block element,
    entities decoded), or None when the markup is not simple."""
    tags = _SIMPLE_TAG.findall(value)
    if len(tags) != value.count("<") or len(tags) != value.count(">"):
        return None
    if _ODD_CHARACTER.search(value):
        return None
    stack: list[str] = []
    for closing, name, _attributes, self_closing in tags:
        name = name.lower()
        parent = stack[-1] if stack else "div"
        if name in _LINE_BREAKS:
            if closing or parent in _LIST_TAGS or (name == "hr" and parent not in _CONTAINER_TAGS):
                return None
            continue
        if self_closing:
            return None
        if closing:
            if parent != name or not stack:
                return None
            stack.pop()
            continue
        if name in _INLINE_TAGS:
            allowed = parent not in _LIST_TAGS and name not in stack
        elif name == "li":
            allowed = parent in _LIST_TAGS
        elif name in _PARAGRAPH_TAGS or name in _CONTAINER_TAGS or name in _LIST_TAGS:
            allowed = parent in _CONTAINER_TAGS
        else:
            return None
        if not allowed:
            return None
        stack.append(name)
    if stack:
        return None
    text = _SIMPLE_TAG.sub(_tag_text, value)
    if not _simple_entities_only(text):  # in the text: attributes (and their "&") are dropped
        return None
    text = text.replace("\r\n", "\n").replace("\r", "\n")  # as the HTML parser does
    return html.unescape(text) + "\n"  # the newline: lxml's wrapping <div> is a block too


def _tag_text(match: re.Match[str]) -> str:
    """A tag's contribution to the text: a newline after a block element, nothing otherwise."""
    name = match[2].lower()
    if name in _LINE_BREAKS or (match[1] and name not in _INLINE_TAGS):
        return "\n"
    return ""


_PARSERS = threading.local()


def _html_parser() -> Any:
    """One lxml HTML parser per thread (parsers are not thread-safe); comments never parsed."""
    parser = getattr(_PARSERS, "parser", None)
    if parser is None:
        from lxml import etree

        parser = etree.HTMLParser(remove_comments=True, remove_pis=True, no_network=True)
        _PARSERS.parser = parser
    return parser


def html_to_text(value: str, _again: bool = True) -> str:
    """Visible text of an HTML fragment: one line per block, entities decoded.

    Feeds often escape twice ("&amp;amp;", "&amp;lt;p&amp;gt;"), so the text is decoded once more
    (`_decode_again`), and markup that reveals is stripped, once, when it reads as markup
    (`_reads_as_markup`): a text about HTML keeps its brackets, be it escaped in HTML
    ("History of the &lt;blink&gt; tag") or a plain-text title the connector escaped.
    """
    if not value:
        return ""
    if not _TAG.search(value):
        decoded = html.unescape(value)
        # a fragment that is all escaped markup ("&lt;p&gt;x&lt;/p&gt;") was escaped twice
        if _again and _TAG.search(decoded) and _reads_as_markup(decoded):
            return html_to_text(decoded, _again=False)
        return _decode_again(decoded) if _again else decoded  # "&amp;amp;" -> "&"
    simple = _simple_markup_text(value)
    if simple is not None:
        return _text_decoded_again(simple, _again)
    return _lxml_text(value, _again)


def _decode_again(text: str) -> str:
    """Complete character references left in decoded text, decoded ("&amp;" -> "&", "&#233;" ->
    "é"); not HTML's legacy ones without ";" ("&copy" in "&copyright" stays text)."""
    if "&" not in text:
        return text
    return _REFERENCE.sub(lambda match: html.unescape(match[0]), text)


def _text_decoded_again(text: str, again: bool) -> str:
    """The text of markup, decoded once more; markup revealed in it (escaped twice inside
    markup: "&amp;lt;b&amp;gt;") stripped when it reads as markup."""
    decoded = _decode_again(text)
    if again and decoded != text and _TAG.search(decoded) and _reads_as_markup(decoded):
        return html_to_text(decoded, _again=False)
    return decoded


def _reads_as_markup(text: str) -> bool:
    """Decoded text that holds HTML markup: an element opened and closed ("<b>x</b>"), or a tag
    with attributes ("<a href=x>") or self-closed ("<br/>"), of a known HTML element. Not a
    text about HTML: "the <blink> tag", "<p> starts a paragraph", "if a<b and c>d"."""
    elements = _html_elements()
    opened: set[str] = set()
    closed: set[str] = set()
    for closing, name, attributes, self_closing in _SIMPLE_TAG.findall(text):
        name = name.lower()
        if name not in elements:
            continue
        if closing:
            closed.add(name)
        elif self_closing or "=" in attributes:
            return True
        else:
            opened.add(name)
    return not opened.isdisjoint(closed)


def _too_deep(value: str, parser: Any) -> bool:
    """libxml2 stops at 256 nested elements and drops the text below (a resource limit, kept:
    XML_PARSE_HUGE only moves it to 2048); it takes at least 256 tags to get there."""
    if value.count("<") < 256:
        return False
    return any(error.type_name == "ERR_RESOURCE_LIMIT" for error in parser.error_log)


def _tags_stripped(value: str) -> str:
    """Text of markup no tree is built for: dropped elements removed, a newline for a block
    tag, nothing for any other tag, entities decoded. Linear in the length of the markup."""
    lowered = value.lower()
    kept, position = [], 0
    while match := _DROPPED_START.search(lowered, position):
        kept.append(value[position : match.start()])
        end = lowered.find(f"</{match[1]}", match.end())
        close = lowered.find(">", end) if end >= 0 else -1
        position = close + 1 if close >= 0 else len(value)  # unclosed: it swallows the rest
    kept.append(value[position:])
    text = _ANY_TAG.sub(
        lambda tag: "\n" if (tag[1] or "").lower() in _BLOCK_TAGS else "", "".join(kept)
    )
    return html.unescape(text)


@functools.cache
def _html_elements() -> frozenset[str]:
    from lxml.html import defs

    return frozenset(defs.tags)


def _lxml_text(value: str, _again: bool = True) -> str:
    from lxml import etree

    parser = _html_parser()
    try:
        # plain etree elements (no lxml.html class lookup per element): ~2x faster
        root = etree.fromstring(f"<div>{value}</div>", parser)
    except Exception:  # lxml refuses some garbage: fall back to stripping tags
        root = None
    if root is None or _too_deep(value, parser):
        value = _tags_stripped(value)
    else:
        etree.strip_elements(root, *_DROP_TAGS, with_tail=False)  # the tail is visible text
        for el in root.iter(*_BLOCK_TAGS):
            el.tail = "\n" + (el.tail or "")
        value = "".join(root.itertext())
    return _text_decoded_again(value, _again)


def normalise_text(value: str) -> str:
    """NFKC, invisible characters removed, spaces collapsed, at most one blank line between blocks."""
    if not value.isascii():  # NFKC and invisible characters only concern non-ASCII text
        value = unicodedata.normalize("NFKC", value).translate(_INVISIBLE)
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    # spaces collapsed, stripped; a printable line (no whitespace but " ") without double or
    # outer spaces is already so, and most lines are: no split and join of every word
    lines = [
        line
        if line.isprintable() and "  " not in line and line[:1] != " " and line[-1:] != " "
        else " ".join(_CONTROL.sub("", line).split())
        for line in value.split("\n")
    ]
    lines = [line for line in lines if line and not _BOILERPLATE_LINE.match(line)]
    text = "\n".join(lines)
    # the pattern is anchored at the end: searching only the tail keeps it linear, and a tail
    # without any of its markers ("[", "…", "read more", "continue reading") skips it
    head, tail = text[:-_TAIL], text[-_TAIL:]
    lowered = tail.lower()
    if "[" in tail or "…" in tail or "read more" in lowered or "continue reading" in lowered:
        tail = _INLINE_BOILERPLATE.sub("", tail)
    return (head + tail).strip()


def clean_text(value: str, limit: int | None = None) -> str:
    text = normalise_text(html_to_text(value))
    if limit is not None and len(text) > limit:
        cut = text.rfind(" ", 0, limit)
        text = text[: cut if cut > limit * 0.9 else limit]
    return text


def single_line(value: str) -> str:
    return " ".join(value.split())


def content_words(title: str, text: str) -> list[str]:
    """The case-folded words of title and text (what content identity and stories compare)."""
    joined = f"{title}\n{text}"
    if joined.isascii():  # same words as the regex, several times faster
        return joined.lower().encode("ascii").translate(_ASCII_NON_WORD).decode("ascii").split()
    return _WORDS.findall(joined.casefold())


def content_hash(title: str, text: str, words: list[str] | None = None) -> str:
    """Hash of the normalised words of title and text: equal for equal content, whatever the markup."""
    words = content_words(title, text) if words is None else words
    return hashlib.sha256(" ".join(words).encode("utf-8")).hexdigest()[:32]


class _CleanArticleFn(beam.DoFn):
    def __init__(self, max_body_chars: int):
        self.max_body_chars = max_body_chars

    def process(self, article: Article):
        doc = article.doc.copy()
        doc["title"] = single_line(clean_text(doc.get("title") or ""))
        doc["summary"] = clean_text(doc.get("summary") or "", self.max_body_chars)
        doc["body"] = clean_text(doc.get("body") or "", self.max_body_chars)
        if not (doc["title"] or doc["summary"] or doc["body"]):
            reason = "no text left after cleaning"
            raise RecordError(STAGE, reason, "content_html")
        url = doc.get("url")
        if url:
            doc["url"] = canonical_url(url)
        doc["authors"] = [single_line(clean_text(a)) for a in doc.get("authors") or [] if a.strip()]
        doc["categories"] = [
            single_line(clean_text(c)) for c in doc.get("categories") or [] if c.strip()
        ]
        doc["content_hash"] = content_hash(doc["title"], doc["body"] or doc["summary"])
        yield article.with_doc(doc)


class CleanArticles(beam.PTransform):
    """HTML title/summary/body -> clean text; canonical URL; a content hash of the clean text."""

    def __init__(self, settings: Settings):
        super().__init__()
        self.max_body_chars = settings.pipeline.max_body_chars

    def expand(self, docs) -> StageOutput:
        return docs | "Clean" >> GuardedParDo(_CleanArticleFn(self.max_body_chars), stage=STAGE)
