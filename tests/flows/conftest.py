"""One Prefect test server for the whole flows suite (it takes ~11 s to start)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def prefect_server():
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=60):
        yield


@pytest.fixture(scope="session")
def sample_db(prefect_server, tmp_path_factory):
    """The sample corpus crawled, extracted and loaded once; tests copy it."""
    from flows.weekly import weekly_tracker

    root = tmp_path_factory.mktemp("flows")
    db, out = root / "tracker.duckdb", root / "out"
    result = weekly_tracker(sample=True, db=str(db), out=str(out), auto_approve=True)
    return {"db": db, "out": out, "result": result}
