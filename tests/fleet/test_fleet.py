"""The fleet on both engines: migrations, ingest, where-used, as-of, recheck, history, summary."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import orjson
import pytest
from fleet_support import SAMPLES, downgrade, part, policy, server_bom, write
from sqlalchemy import text

from sovbom.errors import InputError
from sovbom.fleet.history import history
from sovbom.fleet.ingest import IngestInput, OnError, ingest
from sovbom.fleet.query import where_used
from sovbom.fleet.recheck import recheck
from sovbom.fleet.store import open_store
from sovbom.fleet.summary import summarize
from sovbom.policy import load_policy
from sovbom.trace import parse_query, trace_boms

SAMPLE_BOMS = sorted(str(p) for p in SAMPLES.glob("*.hbom.cdx.json"))


def _count(store, table: str) -> int:
    from sqlalchemy import text

    with store.engine.connect() as conn:
        return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar())


def test_migrations_create_the_schema_from_an_empty_database(db_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlalchemy import inspect

    from sovbom.fleet.schema import metadata

    store = open_store(db_url, create=True)
    assert set(inspect(store.engine).get_table_names()) >= set(metadata.tables)
    with store.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []
        assert MigrationContext.configure(conn).get_current_revision() == "0005"
    if store.is_postgres:  # wildcard prefixes use these whatever the collation
        with store.engine.connect() as conn:
            defs = (
                conn.execute(text("SELECT indexdef FROM pg_indexes WHERE tablename = 'components'"))
                .scalars()
                .all()
            )
        assert sum("text_pattern_ops" in d for d in defs) == 4
    open_store(db_url)  # a second open is a no-op upgrade
    store.close()


def test_migration_0002_upgrades_a_0001_fleet_and_fills_the_countries(db_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlalchemy import create_engine

    from sovbom.fleet.schema import metadata
    from sovbom.fleet.store import FleetStore, migrate, resolve_url

    old = FleetStore(create_engine(resolve_url(db_url)), db_url)
    migrate(old, "0001")
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    with old.engine.begin() as conn:
        conn.execute(
            text("INSERT INTO servers (id, key, first_seen) VALUES (1, 'S1', :t)"), {"t": now}
        )
        conn.execute(
            text(
                "INSERT INTO boms (id, sha256, server_id, source, spec_version, produced_at,"
                " ingested_at, components, signature, document)"
                " VALUES (1, :sha, 1, 's.json', '1.6', :t, :t, 3, 'unsigned', :doc)"
            ),
            {"sha": "ab" * 32, "t": now, "doc": b"x"},
        )
        for ref, country, countries in (
            ("a", "CN", ",CN,US,"),
            ("b", "JP", ",JP,"),
            ("c", None, ",TW,"),
        ):
            conn.execute(
                text(
                    "INSERT INTO components (bom_id, ref, name, name_fold, type, country, countries)"
                    " VALUES (1, :r, :r, :r, 'device', :c, :cs)"
                ),
                {"r": ref, "c": country, "cs": countries},
            )
    old.close()
    store = open_store(db_url)
    with store.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []
        extra = conn.execute(text("SELECT ref, country FROM component_countries")).all()
    assert sorted(map(tuple, extra)) == [("a", "US"), ("c", "TW")]
    for query, refs in (
        ("country=US", ["a"]),
        ("country=CN", ["a"]),
        ("country=TW", ["c"]),
        ("country=JP", ["b"]),
    ):
        assert [m.ref for m in where_used(store, parse_query(query)).matches] == refs, query
    store.close()


WHERE_USED_COLUMNS = ("part_number", "serial", "purl", "name_fold", "country")


def _index_columns(store) -> dict[str, list[str]]:
    from sqlalchemy import inspect

    with store.engine.connect() as conn:
        return {i["name"]: i["column_names"] for i in inspect(conn).get_indexes("components")}


def test_migration_0005_indexes_the_searched_columns_with_their_bom(
    db_url: str, tmp_path: Path
) -> None:
    """A fleet ingested before revision 0005 answers the same after it, from the new indexes."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlalchemy import create_engine

    from sovbom.fleet.schema import metadata
    from sovbom.fleet.store import FleetStore, resolve_url

    store = open_store(db_url, create=True)
    ingest(store, [IngestInput(p) for p in SAMPLE_BOMS])
    queries = ["country=US", "part=AST2600*", "name=*gpu*", "serial=SAMPLE-*-0001", "*bmc*"]
    answers = [where_used(store, parse_query(q)).matches for q in queries]
    store.close()
    downgrade(db_url, "0004")
    before = FleetStore(create_engine(resolve_url(db_url)), db_url)
    assert {c: _index_columns(before)[f"ix_components_{c}"] for c in WHERE_USED_COLUMNS} == {
        c: [c] for c in WHERE_USED_COLUMNS
    }
    before.close()
    store = open_store(db_url)  # upgrades
    indexes = _index_columns(store)
    assert {c: indexes[f"ix_components_{c}_bom_id"] for c in WHERE_USED_COLUMNS} == {
        c: [c, "bom_id"] for c in WHERE_USED_COLUMNS
    }
    with store.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []
    assert [where_used(store, parse_query(q)).matches for q in queries] == answers
    store.close()


@pytest.mark.parametrize("query", ["name=DIMM 1*", "part=MEM-32G", "serial=S1-*", "country=JP"])
def test_where_used_counts_sqlite_matches_from_the_index_alone(tmp_path: Path, query: str) -> None:
    """On SQLite the count of a query's matches in the newest BOMs reads no table row."""
    from sovbom.fleet.query import _candidates, newest_boms

    store = open_store(f"sqlite:///{tmp_path / 'f.db'}", create=True)
    ingest(store, [IngestInput(p) for p in SAMPLE_BOMS])
    with store.engine.connect() as conn:
        ids = list(newest_boms(conn, None))
        stmt = _candidates(parse_query(query), "sqlite", ids)[0]
        keyed = stmt.with_only_columns(*stmt.selected_columns[:2])
        compiled = keyed.compile(conn, compile_kwargs={"literal_binds": True})
        plan = [row[-1] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}")]
    store.close()
    searched = [step for step in plan if step.startswith(("SEARCH", "SCAN"))]
    assert any("COVERING INDEX ix_components_" in step for step in searched), plan
    assert not any(step.startswith("SCAN components") for step in searched), plan


def test_ingest_is_idempotent_and_keeps_every_version(db_url: str, tmp_path: Path) -> None:
    store = open_store(db_url, create=True)
    first = ingest(store, [IngestInput(p) for p in SAMPLE_BOMS])
    assert len(first.added) == 2 and first.components_added == 118
    again = ingest(store, [IngestInput(p) for p in SAMPLE_BOMS])
    assert again.added == [] and len(again.ingested) == 2
    assert _count(store, "boms") == 2 and _count(store, "components") == 118
    v2 = write(tmp_path / "v2.json", server_bom("SAMPLE-SRV-MNK-0001", n_fillers=2))
    ingest(store, [IngestInput(str(v2))])
    assert _count(store, "servers") == 2 and _count(store, "boms") == 3
    assert len(history(store, "SAMPLE-SRV-MNK-0001").versions) == 2


@pytest.mark.parametrize("on_error", [OnError.FAIL, OnError.SKIP])
def test_a_corrupt_file_in_a_batch(db_url: str, tmp_path: Path, on_error: OnError) -> None:
    store = open_store(db_url, create=True)
    bad = tmp_path / "bad.cdx.json"
    bad.write_bytes(b'{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [')
    items = [IngestInput(SAMPLE_BOMS[0]), IngestInput(str(bad)), IngestInput(SAMPLE_BOMS[1])]
    if on_error is OnError.FAIL:
        with pytest.raises(InputError, match="bad.cdx.json"):
            ingest(store, items, on_error=on_error)
        assert _count(store, "boms") == 0 and _count(store, "components") == 0
    else:
        report = ingest(store, items, on_error=on_error)
        assert [s.source for s in report.skipped] == [str(bad)]
        assert len(report.added) == 2 and _count(store, "components") == 118


@pytest.mark.parametrize(
    "query", ["country=US", "name=*gpu*", "AST2600A3-GP", "part=AST2600*", "serial=SAMPLE-*-0001",
              "ref=hw:chassis", "*bmc*", "country=TW"],
)  # fmt: skip
def test_where_used_answers_as_trace_does(db_url: str, query: str) -> None:
    store = open_store(db_url, create=True)
    ingest(store, [IngestInput(p) for p in SAMPLE_BOMS])
    q = parse_query(query)
    expected = {(r.source, m.ref, tuple(m.paths[0])) for r in trace_boms(SAMPLE_BOMS, q)
                for m in r.matches}  # fmt: skip
    got = where_used(store, q)
    by_server = {m.server: m.bom_sha256 for m in got.matches}
    assert len(by_server) == len(got.servers)
    sources = {s: next(i.source for i in ingest(store, [IngestInput(s)]).ingested)
               for s in SAMPLE_BOMS}  # fmt: skip
    assert expected, "the query should match something in the samples"
    assert {(sources[r], m.ref, tuple(ref for ref, _ in m.path)) for r in SAMPLE_BOMS
            for m in got.matches if m.bom_sha256 == _sha(r)} == expected  # fmt: skip


def _sha(path: str) -> str:
    import hashlib

    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def test_where_used_as_of_a_date(db_url: str, tmp_path: Path) -> None:
    store = open_store(db_url, create=True)
    gpu_a = part("hw:gpu", "GPU", "gpu", "US", part_number="GPU-A", serial="G-1")
    gpu_b = part("hw:gpu", "GPU", "gpu", "JP", part_number="GPU-B", serial="G-2")
    v1 = write(
        tmp_path / "v1.json", server_bom("S1", parts=[gpu_a], timestamp="2026-01-10T09:00:00Z")
    )
    v2 = write(
        tmp_path / "v2.json", server_bom("S1", parts=[gpu_b], timestamp="2026-03-01T09:00:00Z")
    )
    other = write(
        tmp_path / "o.json", server_bom("S2", parts=[gpu_a], timestamp="2026-02-15T00:00:00Z")
    )
    ingest(store, [IngestInput(str(p)) for p in (v2, other, v1)])
    q = parse_query("part=GPU-A")
    assert where_used(store, q).servers == ["S2"]
    assert where_used(store, q, as_of=dt.date(2026, 2, 1)).servers == ["S1"]
    assert where_used(store, q, as_of=dt.date(2026, 2, 15)).servers == ["S1", "S2"]
    assert where_used(store, q, as_of=dt.date(2026, 3, 1)).servers == ["S2"]
    assert where_used(store, q, as_of=dt.date(2025, 12, 31)).servers_in_fleet == 0
    match = where_used(store, q).matches[0]
    assert [name for _, name in match.path] == ["Server S2", "Chassis", "GPU"]


def _fleet(tmp_path: Path, store) -> None:
    """Six servers; S2 and S5 carry a part from CN (S5 only through its supplier)."""
    docs = {}
    for i in range(1, 7):
        parts = [part("hw:nic", "NIC", "nic", "US", part_number="NIC-1")]
        if i == 2:
            parts.append(part("hw:psu", "PSU", "psu", "CN", part_number="PSU-CN"))
        if i == 5:
            psu = part("hw:psu", "PSU", "psu", "JP", part_number="PSU-X", supplier="Overseas Ltd")
            psu["supplier"]["address"]["country"] = "CN"
            parts.append(psu)
        docs[i] = write(tmp_path / f"s{i}.json", server_bom(f"S{i}", parts=parts, n_fillers=2,
                                                             site="Plant A" if i < 4 else "Plant B"))  # fmt: skip
    ingest(store, [IngestInput(str(p)) for p in docs.values()])


def test_recheck_flips_exactly_the_affected_servers(db_url: str, tmp_path: Path) -> None:
    store = open_store(db_url, create=True)
    _fleet(tmp_path, store)
    before = load_policy(policy(tmp_path / "p1.yaml", approved=["US", "CN"]))
    after = load_policy(policy(tmp_path / "p2.yaml", approved=["US"], denied=["CN"]))
    first = recheck(store, before, as_of=dt.date(2026, 6, 1), jobs=1)
    assert first.previous_recheck_id is None and not first.failing
    second = recheck(store, after, as_of=dt.date(2026, 6, 1), jobs=2)
    assert second.previous_recheck_id == first.recheck_id
    assert [s.server for s in second.changed] == ["S2", "S5"]
    assert [s.server for s in second.failing] == ["S2", "S5"]
    assert _count(store, "recheck_results") == 12
    third = recheck(store, after, as_of=dt.date(2026, 6, 1), jobs=1)
    assert third.changed == []


def test_history_shows_what_changed_between_versions(db_url: str, tmp_path: Path) -> None:
    store = open_store(db_url, create=True)
    gpu_a = part("hw:gpu", "GPU", "gpu", "US", part_number="GPU-A", serial="G-1")
    gpu_b = part("hw:gpu", "GPU", "gpu", "JP", part_number="GPU-B", serial="G-2")
    nic = part("hw:nic", "NIC", "nic", "US")
    v1 = write(
        tmp_path / "v1.json", server_bom("S1", parts=[gpu_a, nic], timestamp="2026-01-10T09:00:00Z")
    )
    v2 = write(
        tmp_path / "v2.json", server_bom("S1", parts=[gpu_b], timestamp="2026-03-01T09:00:00Z")
    )
    ingest(store, [IngestInput(str(v2)), IngestInput(str(v1))])
    report = history(store, "S1")
    assert [v.version.sha256 for v in report.versions] == [_sha(str(v1)), _sha(str(v2))]
    changes = {c.ref: c for c in report.versions[1].changes}
    assert set(changes) == {"hw:gpu", "hw:nic"}
    assert changes["hw:nic"].kind == "removed"
    fields = {f: (a, b) for f, a, b in changes["hw:gpu"].fields}
    assert fields["part_number"] == ("GPU-A", "GPU-B") and fields["country"] == ("US", "JP")
    assert list(report.by_signer()) == ["unsigned"]
    with pytest.raises(InputError, match="no server 'S9'"):
        history(store, "S9")


def test_summary_shares_and_trend(db_url: str, tmp_path: Path) -> None:
    store = open_store(db_url, create=True)
    old = write(tmp_path / "old.json", server_bom(
        "S1", parts=[part("hw:gpu", "GPU", "gpu", "US")], n_fillers=1, timestamp="2026-01-01T00:00:00Z"))  # fmt: skip
    new = write(tmp_path / "new.json", server_bom(
        "S1", parts=[part("hw:gpu", "GPU", "gpu", "JP")], n_fillers=1, timestamp="2026-02-01T00:00:00Z"))  # fmt: skip
    ingest(store, [IngestInput(str(old)), IngestInput(str(new))])
    report = summarize(store, load_policy(policy(tmp_path / "p.yaml")), as_of=None,
                       since=dt.date(2026, 1, 15))  # fmt: skip
    assert report.now.servers == 1 and report.now.unsigned_servers == 1
    assert report.now.components == 4 and report.now.unverified_components == 4
    assert report.now.by["class"]["gpu"].domestic_share == 1.0
    assert report.since is not None and report.since.by["class"]["gpu"].domestic_share == 0.0
    assert report.trend("class")["gpu"] == 1.0
    assert report.now.by["site"]["Plant A"].total == 4
    assert report.now.by["country"]["JP"].total == 4


def test_where_used_needs_an_existing_database(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="ingest BOMs first"):
        open_store(str(tmp_path / "none.db"))


def test_delivery_report_marks_components_verified(db_url: str, tmp_path: Path) -> None:
    store = open_store(db_url, create=True)
    bom = write(tmp_path / "s.json", server_bom("S1", parts=[part("hw:gpu", "GPU", "gpu", "US")]))
    delivery = tmp_path / "d.json"
    delivery.write_bytes(orjson.dumps({"sovbom_report": "delivery", "verdict": "pass",
                                       "expected": {"source": "s.json", "sha256": _sha(str(bom))},
                                       "verified": {"hw:gpu": "serial observed at delivery"}}))  # fmt: skip
    from sovbom.fleet.ingest import load_delivery_reports

    ingest(store, [IngestInput(str(bom))], deliveries=load_delivery_reports([str(delivery)]))
    report = summarize(store, load_policy(policy(tmp_path / "p.yaml")), as_of=None, since=None)
    assert report.now.unverified_components == report.now.components - 1


def test_where_used_pages_through_matches_and_counts_them_all(db_url: str, tmp_path: Path) -> None:
    paths = []
    for i in range(5):
        parts = [part("hw:nic", "NIC", "nic", "CN" if i % 2 else "US", part_number=f"NIC-{i}")]
        paths.append(str(write(tmp_path / f"s{i}.json", server_bom(f"S{i}", parts=parts,
                                                                     n_fillers=3))))  # fmt: skip
    store = open_store(db_url, create=True)
    ingest(store, [IngestInput(p) for p in paths])
    whole = where_used(store, parse_query("part=NIC-*"))
    assert [m.server for m in whole.matches] == ["S0", "S1", "S2", "S3", "S4"]
    assert whole.total == 5 and not whole.truncated
    page = where_used(store, parse_query("part=NIC-*"), limit=2, offset=2)
    assert [m.server for m in page.matches] == ["S2", "S3"]
    assert page.total == 5 and page.servers_matched == 5 and page.truncated
    assert "5 match(es)" in page.headline() and "listing 3-4" in page.headline()
    # a case-sensitive wildcard, as trace matches part numbers; names ignore case
    assert where_used(store, parse_query("part=nic-*")).total == 0
    assert where_used(store, parse_query("name=nic")).total == 5
    assert where_used(store, parse_query("part=NIC-[!13]")).total == 3
    assert where_used(store, parse_query("country=CN")).total == 2
    store.close()


def test_recheck_says_what_check_says_for_every_server(db_url: str, tmp_path: Path) -> None:
    """Each server's stored verdict, worst severity, counts and share equal ``check``'s on the
    same BOM under the same policy."""
    from sovbom.checking import check_bom
    from sovbom.cyclonedx.reader import load_bom

    store = open_store(db_url, create=True)
    _fleet(tmp_path, store)
    ingest(store, [IngestInput(p) for p in SAMPLE_BOMS])
    pol = load_policy(policy(tmp_path / "p.yaml", approved=["US"], denied=["CN"]))
    day = dt.date(2026, 6, 1)
    report = recheck(store, pol, as_of=day, jobs=1)
    files = {**{f"S{i}": tmp_path / f"s{i}.json" for i in range(1, 7)}}
    for path in SAMPLE_BOMS:
        files[next(i.server for i in ingest(store, [IngestInput(path)]).ingested)] = Path(path)
    assert {s.server for s in report.servers} == set(files)
    verdicts = set()
    for s in report.servers:
        expected = check_bom(load_bom(files[s.server]), pol, as_of=day, fail_on="high")
        worst = expected.result.worst()
        assert (s.verdict, s.worst, s.findings) == (
            expected.verdict, worst.label if worst else None,
            expected.result.counts_by_severity(),
        ), s.server  # fmt: skip
        assert s.domestic_share == expected.result.total_share().to_dict()["domestic_share"]
        verdicts.add(s.verdict)
    assert verdicts == {"pass", "fail"}
