"""Shared core: metrics counted once (Prometheus, and a mirror such as Beam's) and the /metrics starter.

Each part declares its metrics here with these classes; a part whose runner has its own metric
system (the Beam pipeline) passes a `mirror`, so one call counts in both. Children made by
`labels()` keep the mirror; keyword labels the Prometheus metric does not have name only the
mirror's metric (`DOCUMENTS_INDEXED.labels(index=..., mode="versioned")`).
"""

from __future__ import annotations

import copy
import logging
import threading
from collections.abc import Callable
from typing import Any

import prometheus_client

log = logging.getLogger(__name__)

Mirror = Callable[[dict[str, str], float], None]  # (labels, amount or value)
_VIEWS_LOCK = threading.Lock()


class _Mirrored(prometheus_client.metrics.MetricWrapperBase):
    """What the three kinds share: the mirror, passed on to children, and mirror-only labels."""

    _mirror: Mirror | None = None
    _extra: dict[str, str] = {}

    def mirror_to(self, mirror: Mirror | None) -> None:
        """From now on, count into `mirror` too (this metric and the children it makes)."""
        self._mirror = mirror
        self._kwargs["mirror"] = mirror  # prometheus_client passes _kwargs on to children
        self._views: dict[Any, Any] = {}

    def labels(self, *values: Any, **names: Any) -> Any:
        extra = {k: str(v) for k, v in names.items() if k not in self._labelnames}
        child = super().labels(*values, **{k: v for k, v in names.items() if k not in extra})
        if not extra:
            return child
        key = (child._labelvalues, tuple(sorted(extra.items())))
        with _VIEWS_LOCK:
            if key not in self._views:  # a view of the child: same value, more mirror labels
                view = copy.copy(child)
                view._extra = extra
                self._views[key] = view
            return self._views[key]

    def _mirrored(self, amount: float) -> None:
        if self._mirror is not None:
            labels = dict(zip(self._labelnames, self._labelvalues, strict=False))
            self._mirror({**labels, **self._extra}, amount)


class Counter(_Mirrored, prometheus_client.Counter):
    def __init__(self, *args: Any, mirror: Mirror | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.mirror_to(mirror)

    def inc(self, amount: float = 1, exemplar: dict[str, str] | None = None) -> None:
        super().inc(amount, exemplar)
        self._mirrored(amount)


class Gauge(_Mirrored, prometheus_client.Gauge):
    def __init__(self, *args: Any, mirror: Mirror | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.mirror_to(mirror)

    def set(self, value: float) -> None:
        super().set(value)
        self._mirrored(value)


class Histogram(_Mirrored, prometheus_client.Histogram):
    def __init__(self, *args: Any, mirror: Mirror | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.mirror_to(mirror)

    def observe(self, amount: float, exemplar: dict[str, str] | None = None) -> None:
        super().observe(amount, exemplar)
        self._mirrored(amount)


def serve_metrics(port: int | None, addr: str = "0.0.0.0") -> None:
    """Expose /metrics on `port` (a part's metrics_port setting); no-op when unset or 0."""
    if port:
        prometheus_client.start_http_server(port, addr=addr)
        log.info("metrics on :%d/metrics", port, extra={"port": port})
