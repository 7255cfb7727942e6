"""Where-used paged and counted in SQL: the same matches, in the same order, as the full answer."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from fleet_support import SAMPLES, part, server_bom, write

from sovbom.fleet.ingest import IngestInput, ingest
from sovbom.fleet.paged import sql_is_exact, where_used_page
from sovbom.fleet.query import where_used
from sovbom.fleet.store import FleetStore, open_store
from sovbom.trace import parse_query

SAMPLE_BOMS = sorted(str(p) for p in SAMPLES.glob("*.hbom.cdx.json"))
QUERIES = ["part=NIC-*", "name=dimm*", "name=DIMM [12]", "part=NIC-[!13]", "country=CN",
           "country=US", "*bmc*", "AST2600A3-GP", "name=nothing-*", "part=NIC-?"]  # fmt: skip


def _fleet(tmp_path: Path, db_url: str) -> FleetStore:
    paths = list(SAMPLE_BOMS)
    for i in range(7):
        parts = [part("hw:nic", "NIC", "nic", "CN" if i % 2 else "US", part_number=f"NIC-{i}")]
        parts += [part(f"hw:dimm{d}", f"DIMM {d}", "memory", "KR") for d in range(i % 4)]
        doc = server_bom(f"S{6 - i}", parts=parts, n_fillers=3, timestamp="2026-02-01T00:00:00Z")
        paths.append(str(write(tmp_path / f"s{i}.json", doc)))
    # an older version of S1 with other parts: as_of sees it, now does not
    old = server_bom("S1", parts=[part("hw:nic", "NIC", "nic", "JP", part_number="NIC-9")],
                     timestamp="2026-01-01T00:00:00Z")  # fmt: skip
    paths.append(str(write(tmp_path / "s1-old.json", old)))
    store = open_store(db_url, create=True)
    ingest(store, [IngestInput(p) for p in paths])
    return store


def _key(m: object) -> tuple[str, str, tuple[str, ...]]:
    return (m.server, m.ref, tuple(r for r, _ in m.path))  # type: ignore[attr-defined]


@pytest.mark.parametrize("count_cap", [10_000, 2])
def test_pages_hold_what_where_used_finds_in_its_order(
    db_url: str, tmp_path: Path, count_cap: int
) -> None:
    store = _fleet(tmp_path, db_url)
    try:
        for query in QUERIES:
            for as_of in (None, dt.date(2026, 1, 15)):
                q = parse_query(query)
                whole = where_used(store, q, as_of=as_of)
                got, offset = [], 0
                while True:
                    page = where_used_page(store, q, as_of=as_of, offset=offset, limit=3,
                                           count_cap=count_cap)  # fmt: skip
                    got += [_key(m) for m in page.matches]
                    assert page.servers_in_fleet == whole.servers_in_fleet
                    if page.total is not None:
                        assert page.total == whole.total and page.more_than is None
                        assert page.servers_matched == whole.servers_matched
                    else:  # counted only up to the cap: more than it
                        assert page.more_than == count_cap < (whole.total or 0)
                    if not page.more:
                        break
                    offset += 3
                assert got == [_key(m) for m in whole.matches], (query, as_of, count_cap)
    finally:
        store.close()


def test_a_broad_query_is_not_counted_past_the_cap(db_url: str, tmp_path: Path) -> None:
    store = _fleet(tmp_path, db_url)
    try:
        page = where_used_page(store, parse_query("part=NIC-*"), limit=2, count_cap=3)
        assert page.total is None and page.more_than == 3 and page.more
        assert [m.server for m in page.matches] == ["S0", "S1"]
        last = where_used_page(store, parse_query("part=NIC-*"), offset=6, limit=2, count_cap=3)
        assert [m.server for m in last.matches] == ["S6"] and not last.more
        exact = where_used_page(store, parse_query("part=NIC-*"), limit=2)
        assert exact.total == 7 and exact.servers_matched == 7 and exact.more_than is None
    finally:
        store.close()


def test_the_server_list_pages_newest_boms_versions_and_verdicts(
    db_url: str, tmp_path: Path
) -> None:
    from fleet_support import policy

    from sovbom.fleet.recheck import recheck
    from sovbom.policy import load_policy
    from sovbom.web.queries import list_servers

    store = _fleet(tmp_path, db_url)
    try:
        recheck(store, load_policy(policy(tmp_path / "p.yaml")), as_of=dt.date(2026, 6, 1))
        every = list_servers(store, limit=500)
        keys = [r["key"] for r in every.rows]
        assert keys == sorted(keys) and every.total == len(keys) == 9 and not every.more
        s1 = next(r for r in every.rows if r["key"] == "S1")
        newest = where_used(store, parse_query("part=NIC-5")).matches[0]
        assert s1["versions"] == 2 and s1["bom_sha256"] == newest.bom_sha256
        assert {r["versions"] for r in every.rows if r["key"] != "S1"} == {1}
        assert all(r["verdict"] in ("pass", "fail") for r in every.rows)
        second = list_servers(store, offset=3, limit=3)
        assert second.rows == every.rows[3:6] and second.total == 9 and second.more
        failing = list_servers(store, verdict="fail", limit=2)
        expected = [r for r in every.rows if r["verdict"] == "fail"]
        assert failing.total == len(expected) and failing.rows == expected[:2] and expected
        assert list_servers(store, text="s1").total == 1
    finally:
        store.close()


def test_where_used_past_its_count_cap_lists_a_page_and_says_more_than(
    db_url: str, tmp_path: Path
) -> None:
    """The command's where-used counts up to a cap too: a broad query lists its page in server
    order (the same matches as an uncapped answer) and says "more than" instead of a total."""
    import orjson

    from sovbom.project_schemas import validator
    from sovbom.report.fleet_data import where_used_dict

    store = _fleet(tmp_path, db_url)
    try:
        for query, as_of in (("part=NIC-*", None), ("name=dimm*", None),
                             ("part=NIC-*", dt.date(2026, 3, 1)), ("country=CN", None),
                             ("name=DIMM [12]", None)):  # fmt: skip
            q = parse_query(query)
            whole = where_used(store, q, as_of=as_of)
            assert whole.total is not None and whole.more_than is None and whole.total > 2
            capped = where_used(store, q, as_of=as_of, count_cap=2, limit=2, offset=1)
            assert [_key(m) for m in capped.matches] == [_key(m) for m in whole.matches[1:3]]
            if not sql_is_exact(q, store.dialect):  # matched in Python: every match counted
                assert capped.total == whole.total and capped.more_than is None
                continue
            assert capped.total is None and capped.servers_matched is None
            assert capped.more_than == 2 and capped.truncated
            assert [_key(m) for m in capped.matches] == [_key(m) for m in whole.matches[1:3]]
            assert capped.headline().startswith(f"more than 2 match(es) for '{query}' in the")
            doc = orjson.loads(orjson.dumps(where_used_dict(capped)))
            assert doc["total_matches"] is None and doc["more_than"] == 2
            validator("fleet-report.schema.json").validate(doc)
    finally:
        store.close()


def test_where_used_and_recheck_agree_on_each_servers_newest_bom(
    db_url: str, tmp_path: Path
) -> None:
    """Two BOMs of one server produced at the same instant: where-used (an index probe per
    match) picks the one the fleet's other readers pick (the later ingested), as of any date."""
    from sqlalchemy import select

    from sovbom.fleet.query import end_of, latest_boms
    from sovbom.fleet.schema import boms

    store = _fleet(tmp_path, db_url)
    twin = server_bom("S1", parts=[part("hw:nic", "NIC", "nic", "US", part_number="NIC-TWIN")],
                      timestamp="2026-02-01T00:00:00Z")  # fmt: skip
    ingest(store, [IngestInput(str(write(tmp_path / "twin.json", twin)))])
    try:
        for as_of in (None, dt.date(2026, 1, 15), dt.date(2026, 2, 1)):
            with store.engine.connect() as conn:
                latest = latest_boms(end_of(as_of))
                newest = set(conn.execute(
                    select(boms.c.sha256).join(latest, latest.c.id == boms.c.id)).scalars())  # fmt: skip
            found = where_used(store, parse_query("name=NIC"), as_of=as_of)
            assert {m.bom_sha256 for m in found.matches} <= newest and found.matches
            s1 = [m for m in found.matches if m.server == "S1"]
            assert len(s1) == 1
        assert [m.server for m in where_used(store, parse_query("part=NIC-TWIN")).matches] == ["S1"]
        assert where_used(store, parse_query("part=NIC-5")).total == 0
    finally:
        store.close()


def test_newest_boms_are_the_newest_each_server_had_on_any_date(
    db_url: str, tmp_path: Path
) -> None:
    """:func:`newest_boms` (an index look-up per server on SQLite) names the BOMs the fleet's
    other readers rank newest (:func:`latest_boms`), in server-key order, none before the first."""
    from sqlalchemy import select

    from sovbom.fleet.query import end_of, latest_boms, newest_boms
    from sovbom.fleet.schema import servers

    store = _fleet(tmp_path, db_url)
    twin = server_bom("S1", parts=[part("hw:nic", "NIC", "nic", "US", part_number="NIC-TWIN")],
                      timestamp="2026-02-01T00:00:00Z")  # fmt: skip
    ingest(store, [IngestInput(str(write(tmp_path / "twin.json", twin)))])
    try:
        with store.engine.connect() as conn:
            for as_of in (None, dt.date(2020, 1, 1), dt.date(2026, 1, 15), dt.date(2026, 2, 1)):
                latest = latest_boms(end_of(as_of))
                ranked = conn.execute(
                    select(latest.c.id, servers.c.key)
                    .join(servers, servers.c.id == latest.c.server_id)
                    .order_by(servers.c.key)
                ).all()
                got = newest_boms(conn, end_of(as_of))
                assert list(got.items()) == [tuple(r) for r in ranked], as_of
                assert bool(got) == (as_of != dt.date(2020, 1, 1))
    finally:
        store.close()


def test_the_database_writes_labels_as_python_does(db_url: str) -> None:
    from sqlalchemy import String, literal, select

    from sovbom.fleet.query import label, sql_label

    store = open_store(db_url, create=True)
    cases = [("DIMM 1", None, "r1"), ("DIMM 1", "", "r2"), ("BMC firmware", "2.1", "r3"),
             ("", "2.1", "r4"), ("", None, "r5"), ("Ünïcode", "v 1", "r6")]  # fmt: skip
    try:
        with store.engine.connect() as conn:
            for name, version, ref in cases:
                expr = sql_label(literal(name, String), literal(version, String),
                                 literal(ref, String))  # fmt: skip
                assert conn.execute(select(expr)).scalar_one() == label(name, version, ref)
    finally:
        store.close()


def test_a_broad_page_reads_each_bom_in_document_order_without_sorting(
    db_url: str, tmp_path: Path
) -> None:
    """A broad query's page reads each BOM's matches in id order: on SQLite as a range of the
    table (no sort, and it stops where the page is full); on PostgreSQL sorted by ``id + 0``,
    which the primary key cannot answer (a short page would otherwise walk the primary key from
    the fleet's first component)."""
    from sovbom.fleet.paged import _listing
    from sovbom.fleet.query import newest_boms

    store = _fleet(tmp_path, db_url)
    try:
        with store.engine.connect() as conn:
            newest = list(newest_boms(conn, None))
            for query in ("name=DIMM 1*", "part=NIC-*", "country=CN"):
                stmt = _listing(parse_query(query), store.dialect)
                compiled = stmt.compile(conn)
                params = dict(compiled.params, bom=newest[-1], n=1, skip=0)
                if store.dialect == "sqlite":
                    args = tuple(params[k] for k in compiled.positiontup or ())
                    plan = [r[-1] for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}",
                                                                args)]  # fmt: skip
                    assert "INTEGER PRIMARY KEY (rowid>? AND rowid<?)" in plan[0], plan
                    assert not any("TEMP B-TREE" in step for step in plan), plan
                else:
                    conn.exec_driver_sql("SET enable_sort = off")  # sorting is the last resort
                    plan = [r[0] for r in conn.exec_driver_sql(f"EXPLAIN {compiled}", params)]
                    conn.exec_driver_sql("RESET enable_sort")
                    assert not any("pk_components" in step for step in plan), plan
    finally:
        store.close()


@pytest.mark.parametrize("cap", [2, 10_000])
def test_candidates_counted_and_listed_by_one_statement(
    db_url: str, tmp_path: Path, cap: int
) -> None:
    """Up to the cap the one counting statement hands back exactly the candidates' (BOM, id)
    rows; past it, nothing but the verdict "more"."""
    from sovbom.fleet.query import _candidates, _keyed, newest_boms

    store = _fleet(tmp_path, db_url)
    try:
        with store.engine.connect() as conn:
            ids = list(newest_boms(conn, None))
            for query in ("part=NIC-*", "name=dimm*", "country=CN", "name=nothing-*"):
                for stmt in _candidates(parse_query(query), store.dialect, ids):
                    keyed = stmt.with_only_columns(*stmt.selected_columns[:2]).limit(cap + 1)
                    rows = sorted(tuple(r) for r in conn.execute(keyed))
                    got = _keyed(conn, keyed, cap)
                    if len(rows) > cap:
                        assert got is None, query
                    else:
                        assert got is not None and sorted(got) == rows, query
    finally:
        store.close()
