"""Feed connector: when to poll next (publisher hints as lower bounds, backoff with jitter)."""

from __future__ import annotations

import random

from newsflow.retry import Backoff

# Publisher hints (max-age, <ttl>, sy:updatePeriod) may slow us down, but not below one poll a day.
MAX_HINTED_INTERVAL = 86400.0


def effective_interval(configured: float, *hints: float | None) -> float:
    """The configured interval, raised to the largest publisher hint (capped at a day)."""
    hinted = [h for h in hints if h is not None and h > 0]
    if not hinted:
        return configured
    return max(configured, min(max(hinted), max(configured, MAX_HINTED_INTERVAL)))


def backoff_delay(
    failures: int,
    interval: float,
    max_backoff: float,
    retry_after: float | None = None,
    rng: random.Random | None = None,
) -> float:
    """Seconds until the next attempt after `failures` consecutive failures (>= 1).

    Exponential from the feed's interval (a failing feed is never polled more often than a
    healthy one), with +0..25% jitter so feeds failing together spread out, capped at
    max_backoff: a failing feed keeps being retried, never abandoned. A server's
    Retry-After is honoured when it asks for longer.
    """
    rng = rng or random.Random()
    base = Backoff(first=interval, cap=max_backoff).delay(failures)
    delay = min(max_backoff, base * (1 + 0.25 * rng.random()))
    delay = max(delay, min(interval, max_backoff))
    if retry_after is not None:
        delay = max(delay, retry_after)
    return delay
