from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers.datahub_gms import DataHubRecorder

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture
def datahub() -> Iterator[DataHubRecorder]:
    server = DataHubRecorder().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def examples() -> Path:
    return EXAMPLES
