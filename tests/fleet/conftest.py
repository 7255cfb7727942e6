"""Fleet tests run on SQLite and on a real PostgreSQL server started here (a throwaway cluster).

The cluster is Debian's ``postgresql`` package (``.ci/run`` installs it), started by
:mod:`pg_cluster` on 127.0.0.1 at a free port, with one new database per test.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pg_cluster import ClusterError, new_pg_database, pg_bin, throwaway_cluster


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """The base URL of a throwaway PostgreSQL cluster (``postgresql://sovbom@127.0.0.1:PORT``)."""
    pytest.importorskip("psycopg")
    bin_dir = pg_bin()
    if bin_dir is None:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    try:
        with throwaway_cluster(bin_dir) as url:
            yield url
    except ClusterError as e:
        pytest.fail(str(e))


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty fleet database URL on each engine."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'fleet.db'}"
    return new_pg_database(request.getfixturevalue("pg_server"))
