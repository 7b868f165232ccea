"""Alert ids: one deterministic id per (rule, story) - or (rule, article) - so replays never duplicate."""

from __future__ import annotations

import hashlib
from typing import Any, Literal

DedupeBy = Literal["story", "article"]


def alert_id(rule_id: str, doc: dict[str, Any], dedupe_by: DedupeBy = "story") -> str:
    """sha256 of the rule id and the story id (or the article id when there is no story / per-article)."""
    story_id = doc.get("story_id")
    subject = f"story:{story_id}" if dedupe_by == "story" and story_id else f"article:{doc['id']}"
    return hashlib.sha256(f"{rule_id}\x1f{subject}".encode()).hexdigest()[:32]
