"""Entity enrichment of document dicts, batched per language (pure Python, used by the Beam stage)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from newsflow.errors import RecordError
from newsflow.pipeline.entities.gazetteer import Gazetteer
from newsflow.pipeline.entities.linker import document_fields, link
from newsflow.pipeline.entities.ner import Mention, MentionFinder, load_model

log = logging.getLogger(__name__)

EMPTY_FIELDS: dict[str, list] = {
    "entities": [],
    "persons": [],
    "organizations": [],
    "locations": [],
    "entity_aliases": [],
}


def _failed(step: str, exc: Exception, field: str | None = None) -> RecordError:
    """A document's failure as data (its dead letter), its traceback logged here and only here:
    once per failed document, whichever step failed."""
    log.warning("enrichment failed: %s, the document goes to the dead letters", step, exc_info=exc)
    return RecordError("enrich", f"{step} failed: {type(exc).__name__}: {exc}", field)


def language_of(doc: dict[str, Any]) -> str | None:
    """Primary language subtag of the document ('en-GB' -> 'en'), None when unknown."""
    value = doc.get("language")
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip().replace("_", "-").split("-")[0].lower()


def document_text(doc: dict[str, Any]) -> str:
    """Title, summary (unless the body already opens with it) and body, as separate paragraphs."""
    title = (doc.get("title") or "").strip()
    summary = (doc.get("summary") or "").strip()
    body = (doc.get("body") or "").strip()
    if summary and summary[:200] in body:
        summary = ""
    return "\n\n".join(part for part in (title, summary, body) if part)


class EntityEnricher:
    """Adds entities, persons/organizations/locations and entity_aliases to documents."""

    def __init__(self, gazetteer: Gazetteer, models: dict[str, str], batch_size: int = 32):
        self.gazetteer = gazetteer
        self.models = {lang.lower(): name for lang, name in models.items()}
        self.batch_size = batch_size
        self._finders: dict[str, MentionFinder | None] = {}

    def finder(self, language: str | None) -> MentionFinder | None:
        """The NER for a language: None when no model is configured or installed for it."""
        if language is None or language not in self.models:
            return None
        if language not in self._finders:
            nlp = load_model(self.models[language])
            self._finders[language] = (
                MentionFinder(nlp, self.gazetteer) if nlp is not None else None
            )
        return self._finders[language]

    def _mentions(self, finder: MentionFinder, texts: list[str]) -> list[list[Mention] | Exception]:
        try:
            return list(finder.pipe(texts, batch_size=self.batch_size))
        except Exception as exc:  # one bad text must not fail the batch: retry one by one
            # no traceback here: the document that fails again logs it (_failed)
            log.warning(
                "NER batch failed, retrying documents one by one", extra={"error": repr(exc)}
            )
        out: list[list[Mention] | Exception] = []
        for text in texts:
            try:
                out.extend(finder.pipe([text]))
            except Exception as exc:
                out.append(_failed("NER", exc, "body"))
        return out

    def enrich(self, docs: Sequence[dict[str, Any]]) -> list[dict[str, Any] | Exception]:
        """One result per input document, in order: the enriched copy, or the exception."""
        results: list[dict[str, Any] | Exception] = [{**doc, **EMPTY_FIELDS} for doc in docs]
        by_language: dict[str, list[int]] = {}
        for i, doc in enumerate(docs):
            language = language_of(doc)
            if self.finder(language) is not None:
                by_language.setdefault(language, []).append(i)  # type: ignore[arg-type]
        for language, candidates in by_language.items():
            finder = self.finder(language)
            assert finder is not None
            indexes, texts = [], []
            for i in candidates:
                try:
                    texts.append(document_text(docs[i]))
                    indexes.append(i)
                except (AttributeError, TypeError) as exc:  # title/summary/body not text
                    results[i] = RecordError("enrich", f"no text to analyse: {exc}", "body")
            for i, mentions in zip(indexes, self._mentions(finder, texts), strict=True):
                if isinstance(mentions, Exception):
                    results[i] = mentions
                    continue
                try:
                    results[i] = {**docs[i], **document_fields(link(mentions, self.gazetteer))}
                except Exception as exc:
                    results[i] = _failed("linking", exc)
        return results
