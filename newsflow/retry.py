"""Shared core: the one retry policy (exponential backoff, on tenacity) and the one Retry-After parser."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Protocol, TypeVar

import tenacity

from newsflow.errors import NewsflowError

log = logging.getLogger(__name__)

T = TypeVar("T")
RetryHook = Callable[[Exception, int, float], None]  # (error, failed calls so far, wait s)
_MAX_EXPONENT = 60  # a retry-until-stopped loop must not overflow the float after hours of outage


@dataclass(frozen=True)
class Backoff:
    """Wait `first` seconds after the first failure, doubling up to `cap`; at most `attempts`
    calls in all (None: until the call succeeds, or the caller's stop event is set)."""

    first: float
    cap: float
    attempts: int | None = None

    def delay(self, failures: int, retry_after: float | None = None) -> float:
        """Seconds to wait after `failures` failed calls (>= 1). A server's Retry-After makes the
        wait longer, never longer than `cap`."""
        base = min(self.cap, self.first * 2 ** min(max(failures, 1) - 1, _MAX_EXPONENT))
        return min(max(base, retry_after or 0.0), self.cap)


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date), None if absent
    or unreadable; a date in the past is 0."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    now = time.time() if now is None else now
    return max(0.0, when.timestamp() - now)


class _Stopped(Exception):
    """The caller's stop event was set while waiting for the next attempt."""


def _tenacity_kwargs(
    backoff: Backoff,
    retry_on: Callable[[Exception], bool],
    stop: threading.Event | None,
    on_retry: RetryHook | None,
    failures: list[Exception],
) -> dict:
    """Retrying's arguments: the last error raises when attempts run out or `stop` is set."""
    stops: list[tenacity.stop.stop_base] = []
    if backoff.attempts is not None:
        stops.append(tenacity.stop_after_attempt(backoff.attempts))
    if stop is not None:
        stops.append(tenacity.stop_when_event_set(stop))

    def wait(state: tenacity.RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        return backoff.delay(state.attempt_number, getattr(error, "retry_after", None))

    def before_sleep(state: tenacity.RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        assert isinstance(error, Exception)  # only failures retry_on accepted are retried
        failures.append(error)
        if on_retry is not None:
            on_retry(error, state.attempt_number, state.upcoming_sleep)

    return {
        "retry": tenacity.retry_if_exception(lambda e: isinstance(e, Exception) and retry_on(e)),
        "wait": wait,
        "stop": tenacity.stop_any(*stops) if stops else tenacity.stop_never,
        "before_sleep": before_sleep,
        "reraise": True,
    }


def retrying(
    backoff: Backoff,
    retry_on: Callable[[Exception], bool],
    *,
    on_retry: RetryHook | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> tenacity.Retrying:
    """A tenacity Retrying for `for attempt in retrying(...): with attempt: ...` loops whose
    attempts change what they retry (e.g. only the rejected part of a batch)."""
    return tenacity.Retrying(sleep=sleep, **_tenacity_kwargs(backoff, retry_on, None, on_retry, []))


def retry_call(
    call: Callable[[], T],
    backoff: Backoff,
    retry_on: Callable[[Exception], bool],
    *,
    stop: threading.Event | None = None,
    on_retry: RetryHook | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """`call()`, retried per `backoff` while `retry_on(error)`; any other error, or the last one
    once the attempts run out or `stop` is set (even mid-wait), raises. `on_retry` runs before
    each wait (log, count)."""
    failures: list[Exception] = []

    def interruptible(seconds: float) -> None:
        if stop is None:
            sleep(seconds)
        elif stop.wait(seconds):
            raise _Stopped

    kwargs = _tenacity_kwargs(backoff, retry_on, stop, on_retry, failures)
    try:
        return tenacity.Retrying(sleep=interruptible, **kwargs)(call)
    except _Stopped:
        raise failures[-1] from None


async def retry_async(
    call: Callable[[], Awaitable[T]],
    backoff: Backoff,
    retry_on: Callable[[Exception], bool],
    *,
    on_retry: RetryHook | None = None,
) -> T:
    """The coroutine `call()`, retried per `backoff` while `retry_on(error)` (see retry_call)."""

    async def sleep(seconds: float) -> None:
        await asyncio.sleep(seconds)  # looked up per call: tests replace asyncio.sleep

    async def attempt() -> T:  # a coroutine function, so tenacity awaits what `call` returns
        return await call()

    kwargs = _tenacity_kwargs(backoff, retry_on, None, on_retry, [])
    return await tenacity.AsyncRetrying(sleep=sleep, **kwargs)(attempt)


# --- while Kafka is away (state topics): until it answers, or the caller stops -------------------

KAFKA_BACKOFF = Backoff(first=1.0, cap=30.0)


class _Counts(Protocol):
    def inc(self, amount: float = 1) -> None: ...


def _kafka_unavailable(exc: Exception) -> bool:
    """KafkaError, or a NewsflowError from reading or writing a compacted topic."""
    from kafka.errors import KafkaError

    return isinstance(exc, KafkaError | NewsflowError)


def _kafka_warning(what: str, retries: _Counts | None, logger: logging.Logger) -> RetryHook:
    def warn(error: Exception, _failures: int, wait: float) -> None:
        if retries is not None:
            retries.inc()
        logger.warning(
            f"Kafka unavailable: {what}, retrying", extra={"retry_s": wait, "error": repr(error)}
        )

    return warn


def until_kafka_answers(
    call: Callable[[], T],
    what: str,
    stop: threading.Event | None,
    retries: _Counts | None = None,
    logger: logging.Logger = log,
) -> T:
    """`call()`, retried with KAFKA_BACKOFF while it fails for want of Kafka, each retry counted
    and logged as "Kafka unavailable: <what>, retrying". Without `stop`, or once it is set, the
    error raises."""
    if stop is None:
        return call()
    warn = _kafka_warning(what, retries, logger)
    return retry_call(call, KAFKA_BACKOFF, _kafka_unavailable, stop=stop, on_retry=warn)


async def until_kafka_answers_async(
    call: Callable[[], Awaitable[T]],
    what: str,
    retries: _Counts | None = None,
    logger: logging.Logger = log,
) -> T:
    """The coroutine `call()`, retried like until_kafka_answers until Kafka answers (the task is
    cancelled to stop it)."""
    warn = _kafka_warning(what, retries, logger)
    return await retry_async(call, KAFKA_BACKOFF, _kafka_unavailable, on_retry=warn)
