"""Shared fixtures: the real local stack (started once per session) and per-test names."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from newsflow.settings import Settings, load_settings
from tests.support.servers import FeedServer, WebhookReceiver
from tests.support.stack import cleanup, isolated_settings, unique_prefix


@pytest.fixture(scope="session", autouse=True)
def unbuffered_subprocesses() -> Iterator[None]:
    """Python subprocesses the tests start write their logs as they go (tests read them)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PYTHONUNBUFFERED", os.environ.get("PYTHONUNBUFFERED", "1"))
        yield


@pytest.fixture(scope="session")
def base_settings() -> Settings:
    """Settings from configs/newsflow.yaml plus NEWSFLOW_* env (point them at another stack)."""
    return load_settings()


@pytest.fixture(scope="session")
def stack(base_settings: Settings) -> Settings:
    """Kafka and Elasticsearch, healthy. Started by `newsflow stack up` logic unless
    NEWSFLOW_TEST_EXTERNAL_STACK=1 says the env vars name a stack that is already there."""
    from newsflow.stack import LocalStack

    if os.environ.get("NEWSFLOW_TEST_EXTERNAL_STACK") != "1":
        LocalStack(base_settings).up()
    return base_settings


@pytest.fixture
def names() -> str:
    """A unique prefix for this test's topics, indices and consumer groups."""
    return unique_prefix()


@pytest.fixture
def isolated(stack: Settings, names: str) -> Iterator[Settings]:
    """Settings with this test's own topics and indices, created by `newsflow init` logic
    and deleted afterwards."""
    from newsflow.admin import initialise

    settings = isolated_settings(stack, names)
    initialise(settings)
    yield settings
    cleanup(settings)


@pytest.fixture
def server() -> Iterator[FeedServer]:
    """A local feed server (127.0.0.1, an ephemeral port); tests set its routes."""
    with FeedServer() as srv:
        yield srv


@pytest.fixture
def hook() -> Iterator[WebhookReceiver]:
    """A local webhook endpoint that records every delivery."""
    receiver = WebhookReceiver()
    yield receiver
    receiver.close()
