"""Alert matching stage (placeholder until issue 6 lands: matches nothing).

Contract: `docs | 'MatchAlerts' >> MatchAlerts(settings)` -> AlertOutput(ok, alerts, failed):
ok = document dicts with `alert_rules` set; alerts = AlertEvent.model_dump(mode="json") dicts
(their `id` is stable: derived from rule and story, so a replay never creates a second alert);
failed = DeadLetter records.
"""

from __future__ import annotations

from typing import NamedTuple

import apache_beam as beam

from newsflow.settings import Settings
from pipeline.transforms.deadletters import GuardedParDo


class AlertOutput(NamedTuple):
    ok: beam.PCollection
    alerts: beam.PCollection
    failed: beam.PCollection


class _NoRulesFn(beam.DoFn):
    def process(self, doc):
        yield doc


class MatchAlerts(beam.PTransform):
    def __init__(self, settings: Settings):
        super().__init__()
        self.settings = settings

    def expand(self, docs) -> AlertOutput:
        out = docs | "Match" >> GuardedParDo(_NoRulesFn(), stage="alerts")
        alerts = out.ok | "NoAlerts" >> beam.FlatMap(lambda _doc: [])
        return AlertOutput(out.ok, alerts, out.failed)
