"""The one way tests wait for a condition: poll it, fail naming what did not happen."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


def wait_for(
    condition: Callable[[], Any],
    timeout: float = 30.0,
    what: str = "condition",
    interval: float = 0.1,
) -> Any:
    """Poll `condition` until it returns something truthy (returned); fail naming `what` after
    `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            msg = f"timed out after {timeout:g}s waiting for {what} (last: {result!r})"
            raise AssertionError(msg)
        time.sleep(interval)
