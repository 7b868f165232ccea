"""Logging: structured lines, and the notices newsflow keeps out of an operator's way."""

from __future__ import annotations

import logging
import subprocess
import sys

from newsflow.settings import PROJECT_ROOT


def test_importing_beam_prints_no_gcp_notice_through_newsflows_logging():
    code = (
        "from newsflow.logs import setup_logging; setup_logging('INFO');"
        "import apache_beam; import logging; logging.getLogger('x').warning('still shown')"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    )
    assert "apitools" not in result.stderr
    assert "still shown" in result.stderr


def test_json_lines_carry_the_extra_fields():
    from newsflow.logs import JsonFormatter

    record = logging.LogRecord("newsflow", logging.INFO, "f", 1, "started", None, None)
    record.topic = "news.raw"
    line = JsonFormatter().format(record)
    assert '"topic": "news.raw"' in line and '"msg": "started"' in line


def test_repeated_kafka_errors_show_once_per_window_with_a_count_and_no_traceback():
    from newsflow.logs import TextFormatter, _QuietRepeats

    quiet = _QuietRepeats(window=30.0)

    def record(name: str, msg: str, exc: Exception | None = None) -> logging.LogRecord:
        exc_info = (type(exc), exc, None) if exc else None
        return logging.LogRecord(name, logging.ERROR, "f", 1, msg, None, exc_info)

    reset = ConnectionResetError(104, "Connection reset by peer")
    first = record("kafka.net.transport", "Error receiving network data closing socket", reset)
    assert quiet.filter(first)
    assert "Traceback" not in TextFormatter().format(first)
    assert "error=ConnectionResetError(104, 'Connection reset by peer')" in TextFormatter().format(
        first
    )
    shown = [
        quiet.filter(record("kafka.net.transport", "Error receiving network data closing socket"))
        for _ in range(500)
    ]
    assert not any(shown)
    ours = record("newsflow.pipeline.run_policy", "Kafka unavailable: cannot read the end offsets")
    assert quiet.filter(ours) and not quiet.filter(ours)
    assert quiet.filter(record("pipeline", "an ordinary line")) and quiet.filter(
        record("pipeline", "an ordinary line")
    )
    quiet.window = 0.0  # the window has passed: the next one shows, with how many were left out
    again = record("kafka.net.transport", "Error receiving network data closing socket")
    assert quiet.filter(again) and again.repeated == 500
