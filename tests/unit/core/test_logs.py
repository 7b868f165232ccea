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
