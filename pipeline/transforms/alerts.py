"""Alert matching stage: every article against every rule, compiled once per worker.

Contract: `articles | 'MatchAlerts' >> MatchAlerts(settings)` -> AlertOutput(ok, alerts, failed):
ok = Articles with `alert_rules` set; alerts = AlertEvent.model_dump(mode="json") dicts, a
tagged output of the matching step (their `id` is stable: derived from rule and story, so a
replay never creates a second alert); failed = DeadLetter records.
"""

from __future__ import annotations

import logging
from typing import Any, NamedTuple, cast

import apache_beam as beam
from apache_beam.metrics import Metrics
from apache_beam.pvalue import TaggedOutput

from newsflow.alerts.ids import DedupeBy, alert_id
from newsflow.alerts.matcher import RuleMatch, RuleMatcher
from newsflow.alerts.rules import RuleSet, load_rules, rules_path
from newsflow.pipeline.records import Article
from newsflow.pipeline.transforms.deadletters import GuardedParDo
from newsflow.schema import AlertEvent
from newsflow.settings import Settings

log = logging.getLogger(__name__)

ALERTS = "alerts"  # the matching step's tagged output of AlertEvent dicts


class AlertOutput(NamedTuple):
    ok: beam.PCollection
    alerts: beam.PCollection
    failed: beam.PCollection


def alert_event(doc: dict[str, Any], match: RuleMatch, dedupe_by: DedupeBy) -> AlertEvent:
    """The AlertEvent for one rule that matched one document."""
    return AlertEvent(
        id=alert_id(match.rule_id, doc, dedupe_by),
        rule_id=match.rule_id,
        rule_name=match.rule_name,
        article_id=doc["id"],
        story_id=doc.get("story_id"),
        title=doc.get("title") or "",
        url=doc.get("url"),
        source_name=(doc.get("source") or {}).get("name"),
        matched_terms=match.matched_terms,
        matched_entities=match.matched_entities,
        snippets=match.snippets,
        channels=match.channels,
        published_at=doc.get("published_at"),
    )


class _MatchRulesFn(beam.DoFn):
    def __init__(self, ruleset: RuleSet, dedupe_by: DedupeBy):
        self.ruleset = ruleset
        self.dedupe_by = dedupe_by
        self.matched = Metrics.counter("newsflow", "alerts_matched")
        self.matcher: RuleMatcher | None = None

    def setup(self):
        self.matcher = RuleMatcher(self.ruleset)  # compiled once per worker, not per bundle

    def process(self, article: Article):
        doc = cast(dict[str, Any], article.doc)  # what the matcher and alert ids read
        matches = self.matcher.match(doc) if self.matcher else []
        events = [alert_event(doc, m, self.dedupe_by) for m in matches]
        rules = list(
            dict.fromkeys([*(doc.get("alert_rules") or []), *(m.rule_id for m in matches)])
        )
        yield article.with_doc({**article.doc, "alert_rules": rules})
        if events:
            self.matched.inc(len(events))
            for event in events:
                yield TaggedOutput(ALERTS, event.model_dump(mode="json"))


def load_pipeline_rules(settings: Settings) -> RuleSet:
    """The rules file, validated now (so a typo fails the launch); no file means no rules."""
    path = rules_path(settings)
    if not path.exists():
        log.warning("no alert rules file: alert matching is off", extra={"rules_file": str(path)})
        return RuleSet(source=str(path))
    return load_rules(path)


class MatchAlerts(beam.PTransform):
    def __init__(self, settings: Settings, ruleset: RuleSet | None = None):
        super().__init__()
        self.dedupe_by = settings.alerts.dedupe_by
        self.ruleset = ruleset if ruleset is not None else load_pipeline_rules(settings)

    def expand(self, articles) -> AlertOutput:
        fn = _MatchRulesFn(self.ruleset, self.dedupe_by)
        out = articles | "Match" >> GuardedParDo(fn, stage="alerts", tags=(ALERTS,))
        return AlertOutput(out.ok, out.tagged[ALERTS], out.failed)
