"""The one retry policy: backoff arithmetic, attempts, Retry-After, stopping mid-wait."""

from __future__ import annotations

import asyncio
import threading

import pytest

from newsflow.retry import Backoff, parse_retry_after, retry_async, retry_call


class Flaky:
    """Fails the first `failures` calls with `error`, then returns the number of calls."""

    def __init__(self, failures: int, error: Exception | None = None):
        self.failures, self.calls = failures, 0
        self.error = error or ConnectionError("down")

    def __call__(self) -> int:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error
        return self.calls


class Busy(Exception):
    def __init__(self, retry_after: float | None):
        super().__init__("busy")
        self.retry_after = retry_after


def test_backoff_doubles_to_its_cap_and_retry_after_lengthens_it_up_to_the_cap():
    backoff = Backoff(first=1.0, cap=30.0)
    assert [backoff.delay(n) for n in range(1, 8)] == [1, 2, 4, 8, 16, 30, 30]
    assert backoff.delay(1, retry_after=10) == 10
    assert backoff.delay(1, retry_after=600) == 30
    assert backoff.delay(10_000) == 30  # hours of outage do not overflow


def test_retries_until_success_waiting_per_backoff():
    waits: list[float] = []
    call = Flaky(3)
    assert retry_call(call, Backoff(1.0, 30.0), lambda e: True, sleep=waits.append) == 4
    assert waits == [1.0, 2.0, 4.0]


def test_the_last_error_raises_once_the_attempts_run_out():
    call = Flaky(10)
    with pytest.raises(ConnectionError):
        retry_call(call, Backoff(0.0, 0.0, attempts=3), lambda e: True)
    assert call.calls == 3


def test_an_error_not_worth_retrying_raises_at_once():
    call = Flaky(10, ValueError("bad request"))
    with pytest.raises(ValueError):
        retry_call(call, Backoff(0.0, 0.0, attempts=5), lambda e: isinstance(e, ConnectionError))
    assert call.calls == 1


def test_the_errors_retry_after_sets_the_wait():
    waits: list[float] = []
    call = Flaky(2, Busy(retry_after=5))
    retry_call(call, Backoff(1.0, 8.0), lambda e: True, sleep=waits.append)
    assert waits == [5.0, 5.0]


def test_a_stop_set_during_the_wait_ends_it_with_the_last_error():
    stop = threading.Event()
    threading.Timer(0.1, stop.set).start()
    call = Flaky(100)
    with pytest.raises(ConnectionError):
        retry_call(call, Backoff(60.0, 60.0), lambda e: True, stop=stop)
    assert call.calls == 1  # the 60 s wait was cut short


def test_on_retry_sees_each_failure_before_its_wait():
    seen: list[tuple[str, int, float]] = []
    retry_call(
        Flaky(2),
        Backoff(0.0, 0.0),
        lambda e: True,
        on_retry=lambda e, n, wait: seen.append((str(e), n, wait)),
    )
    assert seen == [("down", 1, 0.0), ("down", 2, 0.0)]


def test_coroutines_are_retried_alike():
    call = Flaky(2)

    async def attempt() -> int:
        return call()

    assert asyncio.run(retry_async(attempt, Backoff(0.0, 0.0), lambda e: True)) == 3


def test_retry_after_is_seconds_or_an_http_date():
    assert parse_retry_after("30") == 30
    assert parse_retry_after(" 7200 ") == 7200
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412480 - 60) == 60
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412480 + 60) == 0
