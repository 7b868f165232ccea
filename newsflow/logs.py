"""Structured logging: one JSON object per line on stderr (or key=value text for humans)."""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from typing import Any

_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        entry.update({k: v for k, v in vars(record).items() if k not in _STANDARD})
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        extra = " ".join(f"{k}={v}" for k, v in vars(record).items() if k not in _STANDARD)
        line = f"{record.levelname.lower():7s} {record.name}: {record.getMessage()}"
        if extra:
            line += f"  {extra}"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


class _WithoutBeamsGcpNotice(logging.Filter):
    """Importing apache_beam logs a warning that Google Cloud's client libraries are missing;
    newsflow does not use them (Dataflow users install apache-beam[gcp]): not a problem to show."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.name == "root" and str(record.msg).startswith("apitools not found"))


class _QuietRepeats(logging.Filter):
    """While a broker is away kafka-python logs every failed connection and metadata attempt
    (thousands of lines in 20 s, each connection reset with its traceback), and newsflow's own
    parts warn "Kafka unavailable: ..." on every retry. Each distinct message of those shows once
    per `window` seconds, the next one saying how many were left out (repeated=N); kafka-python's
    tracebacks of connection errors become one field (error=...)."""

    def __init__(self, window: float = 30.0):
        super().__init__()
        self.window = window
        self._seen: dict[tuple[str, str], tuple[float, int]] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        ours = str(record.msg).startswith("Kafka unavailable")
        if not (record.name.startswith("kafka") or ours):
            return True
        key = (record.name, str(record.msg))
        now = time.monotonic()
        shown_at, skipped = self._seen.get(key, (float("-inf"), 0))
        if now - shown_at < self.window:
            self._seen[key] = (shown_at, skipped + 1)
            return False
        self._seen[key] = (now, 0)
        if skipped:
            record.repeated = skipped  # shown as repeated=N: how many were left out
        if record.exc_info and record.name.startswith("kafka"):
            record.error = repr(record.exc_info[1])
            record.exc_info, record.exc_text = None, None
        return True


def setup_logging(level: str | None = None, fmt: str | None = None) -> None:
    """Configure the root logger once; NEWSFLOW_LOG_LEVEL and NEWSFLOW_LOG_FORMAT=json|text."""
    level = (level or os.environ.get("NEWSFLOW_LOG_LEVEL", "INFO")).upper()
    fmt = fmt or os.environ.get("NEWSFLOW_LOG_FORMAT", "text")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    handler.addFilter(_WithoutBeamsGcpNotice())
    handler.addFilter(_QuietRepeats())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("kafka", "elastic_transport", "urllib3", "apache_beam", "httpx", "trafilatura"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
    # kafka-python warns of "credentials in the clear" on every SASL_PLAINTEXT connection; with
    # SCRAM no password is sent (PLAIN's own warning, which is true, stays)
    logging.getLogger("kafka.net.sasl.scram").setLevel(logging.ERROR)
