"""DeliveryState.put while Kafka is away: retried until durable, or given up when stopping."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from kafka.errors import KafkaTimeoutError

from newsflow.alerts.state import DeliveryState
from newsflow.compacted import CompactedTable


class Future:
    def __init__(self, error: Exception | None):
        self.error = error

    def get(self, timeout: float) -> None:
        if self.error:
            raise self.error


class FlakyProducer:
    """Fails the first `failures` sends as kafka-python does when no broker answers."""

    def __init__(self, failures: int):
        self.failures = failures
        self.sent: list[tuple[str, bytes, Any]] = []

    def send(self, topic: str, key: bytes, value: Any) -> Future:
        self.sent.append((topic, key, value))
        if len(self.sent) <= self.failures:
            return Future(KafkaTimeoutError("Timeout waiting for future"))
        return Future(None)

    def flush(self, timeout: float | None = None) -> None:
        pass


def state_with(producer: FlakyProducer) -> DeliveryState:
    state = DeliveryState.__new__(DeliveryState)  # no Kafka: the producer is the test's
    state.table = CompactedTable("deliveries", json.loads, lambda v: json.dumps(v).encode())
    state._producer = producer
    return state


def test_a_write_is_retried_until_kafka_acknowledges_it(monkeypatch):
    waits: list[float] = []

    class Stop(threading.Event):
        def wait(self, timeout: float | None = None) -> bool:
            waits.append(timeout or 0)
            return False

    producer = FlakyProducer(failures=3)
    state = state_with(producer)
    state.put("delivery/a/hook", {"status": "delivering"}, stop=Stop())
    assert len(producer.sent) == 4
    assert {value for _, _, value in producer.sent} == {producer.sent[0][2]}  # the same entry
    assert waits == [1.0, 2.0, 4.0]
    assert state.entries["delivery/a/hook"]["status"] == "delivering"


def test_stopping_gives_up_with_kafkas_error_and_records_nothing():
    stop = threading.Event()
    stop.set()
    state = state_with(FlakyProducer(failures=100))
    with pytest.raises(KafkaTimeoutError):
        state.put("delivery/a/hook", {"status": "delivered"}, stop=stop)
    assert state.entries == {}


def test_without_a_stop_event_the_first_error_raises():
    state = state_with(FlakyProducer(failures=1))
    with pytest.raises(KafkaTimeoutError):
        state.put("delivery/a/hook", {"status": "delivered"})
