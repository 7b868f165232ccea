"""Every test under tests/integration talks to the real Kafka and Elasticsearch.

Pipeline tests that take the `runner` fixture run twice: on the default local runner
(FnApiRunner) and on Beam's portable runner Prism (the binary `make prism` builds into
NEWSFLOW_HOME/cache; built here on first use if missing).
"""

from pathlib import Path

import pytest

from newsflow.settings import Settings

RUNNERS = ("FnApiRunner", "PrismRunner")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/integration" in str(item.fspath):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def prism_binary(base_settings: Settings) -> Path:
    from pipeline.prism import locate_prism

    return locate_prism(base_settings.home)


@pytest.fixture(params=RUNNERS)
def runner(request: pytest.FixtureRequest) -> list[str]:
    """The `newsflow pipeline run` flags that pick the runner under test."""
    if request.param == "PrismRunner":
        request.getfixturevalue("prism_binary")
        return ["--runner=PrismRunner"]
    return []


@pytest.fixture
def fast(isolated: Settings) -> Settings:
    """Isolated settings with enrichment off (its own tests cover it) to keep runs short."""
    return isolated.with_overrides(enrichment={"enabled": False})
