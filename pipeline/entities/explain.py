"""Entity explanations: which rule found, typed and linked each entity of one text.

What `newsflow entities explain` prints. An operator who added a cue word or a pattern sees
here whether it fired (the finder rule of each mention, the type evidence of each entity with
the rule that gave it, the link rules that mapped its surfaces) before scoring the change with
bench/eval_entities.py. The explanation reads what the pipeline itself produced: the same
finder and linker, the fields `Mention.rule`, `LinkedEntity.evidence` and `.linked_by`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from newsflow.pipeline.entities.gazetteer import Gazetteer
from newsflow.pipeline.entities.linker import LinkedEntity, link
from newsflow.pipeline.entities.ner import Mention, MentionFinder
from newsflow.pipeline.entities.rules import RULES, Evidence, tally, vote


@dataclass(frozen=True)
class TypeCandidate:
    """One type an entity's evidence argued for: the strongest piece, the sum, the pieces."""

    type: str
    top: float
    total: float
    evidence: tuple[Evidence, ...]


@dataclass(frozen=True)
class EntityExplanation:
    """One canonical entity, its type candidates and the vote, and the mentions behind it
    (matched by surface form: the linker keeps no per-mention trail)."""

    entity: LinkedEntity
    candidates: tuple[TypeCandidate, ...]
    vote: str | None
    mentions: tuple[int, ...]  # indexes into Explanation.mentions
    fired: tuple[tuple[str, tuple[Evidence, ...]], ...] = ()  # every type rule that fired


@dataclass(frozen=True)
class Explanation:
    text: str
    mentions: tuple[Mention, ...]
    entities: tuple[EntityExplanation, ...]

    @property
    def unlinked(self) -> tuple[int, ...]:
        """Mentions no entity kept (dropped as junk, dates, numbers, lone words)."""
        owned = {i for e in self.entities for i in e.mentions}
        return tuple(i for i in range(len(self.mentions)) if i not in owned)


def explain(finder: MentionFinder, gazetteer: Gazetteer, text: str) -> Explanation:
    """Find, type and link the entities of `text` as the enricher does, and keep the trail."""
    mentions = finder.pipe([text])[0]
    with RULES.tracing() as fired:  # every type rule that fires, not only the deciding one
        entities = link(mentions, gazetteer)
    owners = [_owner(m, entities) for m in mentions]
    return Explanation(
        text,
        tuple(mentions),
        tuple(
            EntityExplanation(
                entity,
                candidates(entity.evidence),
                vote(entity.evidence),
                tuple(i for i, owner in enumerate(owners) if owner == n),
                tuple(
                    (name, ev) for name, ev in fired if name in (entity.name, *entity.surface_forms)
                ),
            )
            for n, entity in enumerate(entities)
        ),
    )


def _fired_on(
    entity: LinkedEntity, fired: Sequence[tuple[str, tuple[Evidence, ...]]]
) -> tuple[tuple[str, tuple[Evidence, ...]], ...]:
    """The traced type rules of the entity's names, each distinct finding once."""
    names = {entity.name, *entity.surface_forms}
    return tuple(dict.fromkeys(f for f in fired if f[0] in names))


def candidates(evidence: Sequence[Evidence]) -> tuple[TypeCandidate, ...]:
    """The evidence grouped by type, the way `vote` weighs it: strongest first."""
    weights = tally(evidence)
    found = [
        TypeCandidate(t, top, total, tuple(e for e in evidence if e.type == t))
        for t, (top, total) in weights.items()
    ]
    return tuple(sorted(found, key=lambda c: (-c.top, -c.total, c.type)))


def _owner(mention: Mention, entities: Sequence[LinkedEntity]) -> int | None:
    """The entity whose longest surface form the mention's text contains, if any."""
    best: tuple[int, int] | None = None  # (length, index)
    for n, entity in enumerate(entities):
        for surface in entity.surface_forms:
            if surface and surface in mention.text and (best is None or len(surface) > best[0]):
                best = (len(surface), n)
    return None if best is None else best[1]


def _mention_dict(m: Mention) -> dict[str, Any]:
    out: dict[str, Any] = {
        "text": m.text,
        "start": m.start,
        "end": m.end,
        "label": m.label,
        "rule": m.rule,
    }
    if m.entry is not None:
        out["gazetteer"] = {"name": m.entry.name, "type": m.entry.type}
    return out


def _evidence_dict(ev: Evidence) -> dict[str, Any]:
    return {"type": ev.type, "weight": ev.weight, "rule": ev.rule}


def as_json(explanation: Explanation) -> dict[str, Any]:
    """The explanation as plain JSON data (`--json`)."""
    return {
        "mentions": [_mention_dict(m) for m in explanation.mentions],
        "entities": [
            {
                **e.entity.to_dict(),
                "linked_by": list(e.entity.linked_by),
                "evidence": [_evidence_dict(ev) for ev in e.entity.evidence],
                "vote": e.vote,
                "rules_fired": [
                    {"name": name, "evidence": [_evidence_dict(ev) for ev in evidence]}
                    for name, evidence in e.fired
                ],
                "mention_indexes": list(e.mentions),
            }
            for e in explanation.entities
        ],
        "unlinked_mentions": list(explanation.unlinked),
    }


def _mention_line(m: Mention) -> str:
    found = f"{m.rule}" + (f" (gazetteer: {m.entry.name})" if m.entry is not None else "")
    return f"[{m.start}:{m.end}] {m.text!r}  label {m.label}  found by {found}"


def _entity_block(e: EntityExplanation, mentions: Sequence[Mention]) -> list[str]:
    entity = e.entity
    head = f"{entity.name}  ({entity.type}"
    head += f", wikidata {entity.wikidata})" if entity.wikidata else ")"
    lines = [head, f"  surface forms: {', '.join(entity.surface_forms)}"]
    lines.append(f"  mentions:      {entity.mentions}")
    for i in e.mentions:
        lines.append(f"    {_mention_line(mentions[i])}")
    if e.candidates:
        lines.append("  type evidence:")
        for c in e.candidates:
            pieces = ", ".join(f"{ev.rule} {ev.weight:g}" for ev in c.evidence)
            lines.append(f"    {c.type:<9} top {c.top:g} total {c.total:g}: {pieces}")
    else:
        lines.append("  type evidence: none recorded")
    for name, evidence in e.fired:
        pieces = ", ".join(f"{ev.rule} {ev.type} {ev.weight:g}" for ev in evidence)
        lines.append(f"  rules fired on {name!r}: {pieces}")
    decided = "" if e.vote in (None, entity.type) else f" (final type {entity.type})"
    lines.append(f"  vote:          {e.vote or '-'}{decided}")
    lines.append(f"  linked by:     {', '.join(entity.linked_by) or '-'}")
    return lines


def render(explanation: Explanation) -> str:
    """Text for an operator: the mentions found, then one block per entity."""
    mentions = explanation.mentions
    lines = [f"{len(mentions)} mention(s) found, {len(explanation.entities)} entity(ies) kept", ""]
    for e in explanation.entities:
        lines += [*_entity_block(e, mentions), ""]
    unlinked = explanation.unlinked
    if unlinked:
        lines.append(f"not kept ({len(unlinked)}: dates, numbers, junk, dropped by the linker):")
        lines += [f"  {_mention_line(mentions[i])}" for i in unlinked]
    return "\n".join(lines).rstrip() + "\n"
