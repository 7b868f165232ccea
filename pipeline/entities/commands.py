"""The entity rules' subcommand: `newsflow entities explain | lexicon | rules`.

`explain` shows which rule found, typed and linked each entity of a text or a stored article,
with the enrich stage's own gazetteer and models (EnricherSpec, from the settings); `lexicon`
lists the word lists an operator edits; `rules` lists the rules bench/eval_entities.py can
switch off.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from newsflow.commands import Subcommands, add_command
from newsflow.errors import NewsflowError
from newsflow.settings import Settings

if TYPE_CHECKING:
    from newsflow.pipeline.entities.lexicon import Lexicon

ARTICLE_FIELDS = ["title", "summary", "body", "language"]


class ArticleNotFound(NewsflowError):
    """No article with this id in the articles index."""

    def __init__(self, article_id: str, index: str):
        self.article_id = article_id
        self.index = index
        super().__init__(f"no article {article_id!r} in index {index!r}")

    def __reduce__(self):
        return (type(self), (self.article_id, self.index))


def register(sub: Subcommands) -> None:
    p = add_command(sub, "entities", _no_action, "explain and list the entity rules")
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    e = add_command(
        actions,
        "explain",
        _explain,
        "which rule found, typed and linked each entity of a text or a stored article",
    )
    e.add_argument("text", nargs="?", help="the text to explain (or --article ID)")
    e.add_argument("--article", metavar="ID", help="explain a stored article's text instead")
    e.add_argument(
        "--language", help="the text's language (default: the article's, or 'en' for TEXT)"
    )
    e.add_argument("--json", action="store_true", help="machine-readable output")
    lex = add_command(
        actions, "lexicon", _lexicon, "the rules' word lists: file, entries, what the words are"
    )
    lex.add_argument("--markdown", action="store_true", help="as the table in docs/entities.md")
    add_command(actions, "rules", _rules, "the registered rules by kind (names for --ablate)")


def _no_action(settings: Settings, args: argparse.Namespace) -> int:
    return 2  # argparse requires an action; never reached


def read_article(settings: Settings, article_id: str) -> dict[str, Any]:
    """The article's text fields from the articles index (ArticleNotFound when absent)."""
    from elasticsearch import ApiError, NotFoundError
    from elasticsearch import ConnectionError as EsConnectionError

    from newsflow.clients import elasticsearch_client

    index = settings.indices.articles
    es = elasticsearch_client(settings)
    try:
        resp = es.get(index=index, id=article_id, source_includes=ARTICLE_FIELDS)
    except NotFoundError:
        raise ArticleNotFound(article_id, index) from None
    except (ApiError, EsConnectionError) as exc:
        msg = f"reading article {article_id!r} from {settings.elasticsearch.url}: {exc}"
        raise NewsflowError(msg) from None
    finally:
        es.close()
    return dict(resp["_source"])


def _explain(settings: Settings, args: argparse.Namespace) -> int:
    from newsflow.pipeline.entities.enricher import document_text, language_of
    from newsflow.pipeline.entities.explain import as_json, explain, render
    from newsflow.pipeline.transforms.enrich import EnricherSpec

    if (args.text is None) == (args.article is None):
        return _fail("give a TEXT or --article ID (one of them)")
    if args.article is not None:
        try:
            doc = read_article(settings, args.article)
        except ArticleNotFound as exc:
            return _fail(str(exc))
        text, language = document_text(doc), args.language or language_of(doc)
    else:
        text, language = args.text, args.language or "en"
    enricher = EnricherSpec.from_settings(settings).build()
    finder = enricher.finder(language)
    if finder is None:
        models = settings.enrichment.models
        return _fail(f"no spaCy model for language {language!r} (enrichment.models: {models})")
    explanation = explain(finder, enricher.gazetteer, text)
    if args.json:
        print(json.dumps(as_json(explanation), ensure_ascii=False, indent=2))
    else:
        print(render(explanation), end="")
    return 0


def _fail(message: str) -> int:
    print(f"newsflow entities: {message}", file=sys.stderr)
    return 2


def first_comment(path: Path) -> str:
    """The first "#" line of a data file: what its entries are."""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip().startswith("#"):
            return line.strip().lstrip("#").strip()
    return ""


def lexicon_table(lexicon: Lexicon, markdown: bool = False) -> list[str]:
    """One line per word list: its name (the file, without .txt), entry count, what it is."""
    rows = [
        (name, len(getattr(lexicon, name)), first_comment(lexicon.directory / f"{name}.txt"))
        for name in lexicon.names()
    ]
    if markdown:
        head = ["| file | entries | what the words are |", "| --- | ---: | --- |"]
        return head + [f"| `{name}.txt` | {size} | {about} |" for name, size, about in rows]
    width = max((len(name) for name, _, _ in rows), default=4)
    lines = [f"{len(rows)} word list(s) in {lexicon.directory}"]
    lines += [f"{name:<{width}}  {size:>5}  {about}" for name, size, about in rows]
    return lines


def _lexicon(settings: Settings, args: argparse.Namespace) -> int:
    from newsflow.pipeline.entities.lexicon import LEXICON

    print("\n".join(lexicon_table(LEXICON, args.markdown)))
    return 0


def _rules(settings: Settings, args: argparse.Namespace) -> int:
    from newsflow.pipeline.entities import linker, ner  # noqa: F401  (they register the rules)
    from newsflow.pipeline.entities.rules import RULES

    for kind in sorted({RULES.kind(n) for n in RULES.names()}):
        names = RULES.names(kind)
        print(f"{kind} ({len(names)}): {', '.join(names)}")
    return 0
