"""Unit tests: publisher hints raise the interval; failures back off with jitter, never forever."""

import random

from newsflow.connectors.schedule import MAX_HINTED_INTERVAL, backoff_delay, effective_interval


def test_hints_are_lower_bounds_on_the_interval():
    assert effective_interval(300) == 300
    assert effective_interval(300, None, 60) == 300  # a shorter hint never speeds us up
    assert effective_interval(300, 900, None, 1800) == 1800
    assert effective_interval(300, 10 * 86400) == MAX_HINTED_INTERVAL  # yearly hints are capped


def test_backoff_grows_exponentially_and_is_capped():
    rng = random.Random(1)
    delays = [backoff_delay(n, 60, 3600, rng=rng) for n in range(1, 9)]
    assert 60 <= delays[0] <= 75
    assert 120 <= delays[1] <= 150
    assert 240 <= delays[2] <= 300
    assert all(d <= 3600 for d in delays)
    assert delays[-1] == 3600  # capped, and still finite: the feed is retried, never abandoned
    assert backoff_delay(10_000, 60, 3600, rng=rng) == 3600


def test_jitter_spreads_feeds_failing_together():
    delays = {round(backoff_delay(3, 60, 3600, rng=random.Random(seed)), 3) for seed in range(20)}
    assert len(delays) > 10
    assert all(240 <= d <= 300 for d in delays)


def test_retry_after_wins_when_longer():
    assert backoff_delay(1, 60, 3600, retry_after=7200, rng=random.Random(0)) == 7200
    assert 60 <= backoff_delay(1, 60, 3600, retry_after=5, rng=random.Random(0)) <= 75
