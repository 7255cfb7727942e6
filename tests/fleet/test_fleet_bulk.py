"""The bulk paths store exactly the rows the plain path stores, on both engines."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from fleet_support import SAMPLES, part, server_bom, write
from sqlalchemy import text

from sovbom.fleet import bulk
from sovbom.fleet.bulk import copy_text, with_id
from sovbom.fleet.extract import COMPONENT_COLUMNS
from sovbom.fleet.ingest import IngestInput, ingest
from sovbom.fleet.store import open_store
from sovbom.trace import parse_query

ODD = "tab\there, new\nline, cr\r, back\\slash, \x01\x02 and \\N"


def _rows(store) -> list[tuple]:
    cols = ", ".join(f"c.{c}" for c in COMPONENT_COLUMNS)
    with store.engine.connect() as conn:
        rows = conn.execute(
            text(f"SELECT b.sha256, {cols} FROM components c JOIN boms b ON b.id = c.bom_id")
        ).all()
        extra = conn.execute(
            text("SELECT b.sha256, x.ref, x.country FROM component_countries x"
                 " JOIN boms b ON b.id = x.bom_id")
        ).all()  # fmt: skip
    return sorted(map(tuple, rows)) + sorted(map(tuple, extra))


def _fleet(tmp_path: Path, n: int, fillers: int = 2) -> list[str]:
    paths = []
    for i in range(n):
        odd = part("hw:odd", ODD, "nic", "US", part_number=f"P\t{i}", supplier="Far Ltd")
        odd["supplier"]["address"]["country"] = "TW"
        paths.append(str(write(tmp_path / f"s{i}.json", server_bom(f"S{i}", parts=[odd],
                                                                     n_fillers=fillers))))  # fmt: skip
    return [*paths, *sorted(str(p) for p in SAMPLES.glob("*.hbom.cdx.json"))]


def _indexes(store) -> list[str]:
    from sqlalchemy import inspect

    insp = inspect(store.engine)
    return sorted(i["name"] for t in ("components", "component_countries")
                  for i in insp.get_indexes(t))  # fmt: skip


def test_a_large_batch_stores_the_rows_one_bom_at_a_time_stores(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch that builds the indexes at its end (in parallel workers) stores the same rows as
    BOMs ingested one by one, keeps every index and answers where-used the same."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from sovbom.fleet.schema import metadata

    monkeypatch.setattr(bulk, "DEFER_MIN_BOMS", 4)
    deferred: list[bool] = []
    real = bulk.deferred_indexes

    def spy(conn, enabled):  # type: ignore[no-untyped-def]
        deferred.append(enabled)
        return real(conn, enabled)

    monkeypatch.setattr("sovbom.fleet.ingest.deferred_indexes", spy)
    paths = _fleet(tmp_path / "f", 6)
    one_by_one = open_store(f"sqlite:///{tmp_path / 'plain.db'}", create=True)
    for p in paths:
        ingest(one_by_one, [IngestInput(p)], jobs=1)
    assert True not in deferred
    store = open_store(db_url, create=True)
    report = ingest(store, [IngestInput(p) for p in paths], jobs=2)
    assert True in deferred and len(report.added) == len(paths)
    assert _rows(store) == _rows(one_by_one)
    assert any(ODD in r for r in _rows(store))
    assert _indexes(store) == _indexes(one_by_one) != []
    with store.engine.connect() as conn, one_by_one.engine.connect() as other:
        counts = text("SELECT type, cls, country, supplier, verified, n FROM bom_shares")
        ours = sorted(map(tuple, conn.execute(counts)), key=repr)
        assert ours == sorted(map(tuple, other.execute(counts)), key=repr) != []
    with store.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []
    from sovbom.fleet.query import where_used

    for q in ("part=P\t3", "country=TW", "name=*slash*"):
        assert (
            where_used(store, parse_query(q)).total == where_used(one_by_one, parse_query(q)).total
        )
    # a second large batch into a fleet as large keeps the indexes up to date row by row
    deferred.clear()
    more = _fleet(tmp_path / "g", 6, fillers=3)[:6]
    assert len(ingest(store, [IngestInput(p) for p in more], jobs=1).added) == 6
    assert True not in deferred
    with store.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []


@pytest.fixture(autouse=True)
def _dirs(tmp_path: Path) -> None:
    (tmp_path / "f").mkdir()
    (tmp_path / "g").mkdir()


def test_copy_text_escapes_as_postgresql_reads_it() -> None:
    rows = [("a", None, "tab\tx"), ("b\\c", "", "l1\nl2\r")]
    assert copy_text(rows) == b"a\t\\N\ttab\\tx\t\nb\\\\c\t\tl1\\nl2\\r\t\n"
    assert with_id(copy_text(rows), 7) == b"a\t\\N\ttab\\tx\t7\nb\\\\c\t\tl1\\nl2\\r\t7\n"
    # a value holding a separator character takes the per-value path, with the same result
    odd = [("x\x01y", None, "\x00"), ("\x02", "z", None)]
    assert copy_text(odd) == b"x\x01y\t\\N\t\x00\t\n\x02\tz\t\\N\t\n"
    assert copy_text([]) == b""


def test_a_bom_already_stored_is_not_read_again(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = _fleet(tmp_path / "f", 2)
    store = open_store(db_url, create=True)
    first = ingest(store, [IngestInput(p) for p in paths], jobs=1)

    def refuse(*args: object) -> None:
        raise AssertionError("a stored BOM was parsed again")

    monkeypatch.setattr("sovbom.fleet.ingest._prepare", refuse)
    again = ingest(store, [IngestInput(p) for p in paths], jobs=1)
    assert again.added == []
    assert [(i.sha256, i.server, i.components) for i in again.ingested] == [
        (i.sha256, i.server, i.components) for i in first.ingested
    ]


def test_a_role_that_cannot_drop_indexes_still_ingests_a_large_batch(
    pg_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL: a role allowed to insert but not to own the tables keeps the indexes."""
    import uuid

    from pg_cluster import new_pg_database

    monkeypatch.setattr(bulk, "DEFER_MIN_BOMS", 2)
    url = new_pg_database(pg_server)
    open_store(url, create=True).close()  # the schema, owned by the cluster's user
    role = f"ingest_{uuid.uuid4().hex[:8]}"
    owner = open_store(url)
    with owner.engine.begin() as conn:
        conn.execute(text(f"CREATE ROLE {role} LOGIN"))
        conn.execute(text(f"GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA public TO {role}"))
        conn.execute(text(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {role}"))
    paths = _fleet(tmp_path / "f", 3)
    store = open_store(url.replace("sovbom@", f"{role}@"))
    report = ingest(store, [IngestInput(p) for p in paths], jobs=1)
    assert len(report.added) == len(paths)
    assert _rows(owner) == _rows(store) != []
    assert len(_indexes(owner)) == len(
        [i for t in ("components", "component_countries") for i in _table_indexes(t)]
    )
    store.close()
    owner.close()


def _table_indexes(table: str) -> list[object]:
    from sovbom.fleet.schema import metadata

    return list(metadata.tables[table].indexes)


def test_two_large_batches_at_once_neither_deadlock_nor_lose_rows(
    db_url: str, tmp_path: Path
) -> None:
    """Two processes each ingest a batch that would double the fleet, at once: on PostgreSQL
    both lock ``boms`` and the component tables in one order (the fleet counted before), one
    waits for the other, and every row is stored once with every constraint back in place."""
    import os
    import subprocess
    import sys

    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from sovbom.fleet.schema import metadata

    paths = _fleet(tmp_path / "f", 8)[:8]
    open_store(db_url, create=True).close()
    # each lingers after counting the fleet, so that both have counted before either locks
    code = ("import sys, time, sovbom.fleet.bulk as b, sovbom.fleet.ingest as i; "
            "b.DEFER_MIN_BOMS = 2; count = i.should_defer; "
            "i.should_defer = lambda conn, n: (count(conn, n), time.sleep(4))[0]; "
            "from sovbom.cli import main; sys.argv[0] = 'sovbom'; main()")  # fmt: skip
    src = str(Path(__file__).resolve().parents[2] / "src")
    procs = [
        subprocess.Popen([sys.executable, "-c", code, "fleet", "--db", db_url, "ingest", "-f",
                          "json", *batch], env={**os.environ, "PYTHONPATH": src},
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for batch in (paths[:5], paths[3:])
    ]  # fmt: skip
    outs = [p.communicate(timeout=240) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [e.decode() for _, e in outs]
    assert sum(orjson.loads(o)["added"] for o, _ in outs) == 8
    store = open_store(db_url)
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM boms")).scalar() == 8
        assert conn.execute(text("SELECT count(*) FROM components")).scalar() == 8 * 5
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []
    store.close()
