"""Per-BOM component counts (``bom_shares``): the fleet summary added up from them is the summary
counted from every component, however the BOMs came in (ingest, late delivery, older revision)."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest
from fleet_support import downgrade, part, policy, server_bom, write
from sqlalchemy import text

from sovbom.fleet.ingest import DeliveryFacts, IngestInput, ingest
from sovbom.fleet.shares import shares_summary, summarize_shares
from sovbom.fleet.store import open_store
from sovbom.fleet.summary import fleet_summary, summarize
from sovbom.policy import load_policy


def _fleet(directory: Path) -> list[Path]:
    paths = []
    for i in range(6):
        parts = [part("hw:gpu", "GPU", "gpu", "CN" if i % 2 else "US", part_number=f"GPU-{i}"),
                 part("hw:nic", "NIC", "nic", "TW", supplier=f"Maker {i % 3}"),
                 part("hw:x", "Unknown part", "nic", "DE")]  # fmt: skip
        doc = server_bom(f"Q{i:03d}", parts=parts, n_fillers=3 + i,
                         timestamp=f"2026-0{1 + i % 3}-01T00:00:00Z",
                         site=f"Plant {'AB'[i % 2]}")  # fmt: skip
        paths.append(write(directory / f"q{i}.json", doc))
    later = server_bom("Q001", parts=[part("hw:gpu", "GPU", "gpu", "JP")], n_fillers=2,
                       timestamp="2026-05-01T00:00:00Z", site="Plant B")  # fmt: skip
    paths.append(write(directory / "q1-v2.json", later))
    return paths


def _same(store: object, pol: object, days: list[dt.date | None]) -> None:
    for day in days:
        expected = fleet_summary(store, pol, as_of=day).to_dict()  # type: ignore[arg-type]
        assert shares_summary(store, pol, as_of=day).to_dict() == expected, day  # type: ignore[arg-type]


def test_summary_from_counts_is_the_summary_of_every_component(db_url: str, tmp_path: Path) -> None:
    pol = load_policy(policy(tmp_path / "p.yaml", denied=["CN"]))
    paths = _fleet(tmp_path)
    store = open_store(db_url, create=True)
    try:
        ingest(store, [IngestInput(str(p)) for p in paths[:4]])
        ingest(store, [IngestInput(str(p)) for p in paths[4:]])
        with store.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM bom_shares")).scalar() > 0
        _same(store, pol, [None, dt.date(2026, 1, 15), dt.date(2026, 4, 30), dt.date(2025, 1, 1)])
        now = fleet_summary(store, pol, as_of=None)
        assert now.servers == 6 and now.by["country"]["CN"].total > 0
        expected = summarize(store, pol, as_of=None, since=dt.date(2026, 1, 31))
        got = summarize_shares(store, pol, as_of=None, since=dt.date(2026, 1, 31))
        assert got.now.to_dict() == expected.now.to_dict()
        assert got.trend("class") == expected.trend("class") != {}
    finally:
        store.close()


def test_a_late_delivery_recounts_the_verified_components(db_url: str, tmp_path: Path) -> None:
    pol = load_policy(policy(tmp_path / "p.yaml"))
    paths = _fleet(tmp_path)
    store = open_store(db_url, create=True)
    try:
        ingest(store, [IngestInput(str(p)) for p in paths])
        before = shares_summary(store, pol, as_of=None).unverified_components
        sha = hashlib.sha256(paths[0].read_bytes()).hexdigest()
        facts = DeliveryFacts("delivery.json", "pass", {"hw:gpu": "delivery", "hw:nic": "delivery"})
        ingest(store, [], deliveries={sha: facts})
        after = shares_summary(store, pol, as_of=None).unverified_components
        assert after == before - 2
        _same(store, pol, [None])
    finally:
        store.close()


def test_newest_boms_without_counts_are_counted_from_their_components(
    db_url: str, tmp_path: Path
) -> None:
    pol = load_policy(policy(tmp_path / "p.yaml", denied=["CN"]))
    store = open_store(db_url, create=True)
    try:
        ingest(store, [IngestInput(str(p)) for p in _fleet(tmp_path)])
        with store.engine.begin() as conn:  # as an older sovbom stored them
            conn.execute(text("DELETE FROM bom_shares WHERE bom_id IN (1, 2, 7)"))
        _same(store, pol, [None, dt.date(2026, 2, 15)])
    finally:
        store.close()


def test_migration_0003_counts_the_boms_already_stored(db_url: str, tmp_path: Path) -> None:
    from sqlalchemy import create_engine, inspect

    from sovbom.fleet.store import FleetStore, migrate, resolve_url

    pol = load_policy(policy(tmp_path / "p.yaml", denied=["CN"]))
    store = open_store(db_url, create=True)
    try:
        ingest(store, [IngestInput(str(p)) for p in _fleet(tmp_path)])
    finally:
        store.close()
    downgrade(db_url, "0002")  # before bom_shares (and the revisions after it)
    old = FleetStore(create_engine(resolve_url(db_url)), db_url)
    with old.engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0002"
        assert "bom_shares" not in inspect(conn).get_table_names()
    migrate(old)
    old.close()
    store = open_store(db_url)
    try:
        with store.engine.connect() as conn:
            rows = conn.execute(text("SELECT count(DISTINCT bom_id) FROM bom_shares")).scalar()
        assert rows == 7
        _same(store, pol, [None])
    finally:
        store.close()


def _odd_fleet(directory: Path) -> list[Path]:
    """BOMs whose counts are easy to get wrong: an empty supplier name (not missing: it is not
    replaced by the maker), no supplier (the maker is), no maker either, no class, a bom-ref
    used twice (stored once) and a delivery report in the batch marking parts verified."""
    paths = _fleet(directory)
    empty = part("hw:nic", "NIC", "nic", "TW", supplier="")
    empty["manufacturer"]["name"] = "Maker KK"
    no_supplier = part("hw:gpu", "GPU", "gpu", "US")
    del no_supplier["supplier"]
    bare = part("hw:x", "X", "nic", "DE")
    del bare["supplier"], bare["manufacturer"]
    unclassed = part("hw:y", "Y", "nic", "CN")
    unclassed["properties"] = unclassed["properties"][1:]
    twice = part("hw:x", "X again", "nic", "KR")
    doc = server_bom("Q900", parts=[empty, no_supplier, bare, unclassed, twice], n_fillers=2)
    paths.append(write(directory / "odd.json", doc))
    return paths


@pytest.mark.parametrize("jobs", [1, 2])
def test_the_counts_a_worker_makes_are_the_database_grouping(
    db_url: str, tmp_path: Path, jobs: int
) -> None:
    """Each new BOM's shares, counted from its rows by the process that flattened it, are what
    grouping its stored components in SQL gives: every BOM counted once, nothing else."""
    paths = _odd_fleet(tmp_path)
    sha = hashlib.sha256(paths[-1].read_bytes()).hexdigest()
    facts = DeliveryFacts("delivery.json", "pass", {"hw:gpu": "delivery", "hw:y": "delivery"})
    store = open_store(db_url, create=True)
    try:
        report = ingest(store, [IngestInput(str(p)) for p in paths], jobs=jobs,
                        deliveries={sha: facts})  # fmt: skip
        assert len(report.ingested) == 8
        grouped = ("SELECT bom_id, type, cls, country, coalesce(supplier, manufacturer),"
                   " CASE WHEN verified IS NULL THEN 0 ELSE 1 END, count(*) FROM components"
                   " GROUP BY 1, 2, 3, 4, 5, 6")  # fmt: skip
        with store.engine.connect() as conn:
            counted = conn.execute(
                text("SELECT bom_id, type, cls, country, supplier, verified, n FROM bom_shares")
            ).all()
            expected = conn.execute(text(grouped)).all()
            odd_id = conn.execute(
                text("SELECT id FROM boms WHERE sha256 = :s"), {"s": sha}
            ).scalar()
    finally:
        store.close()
    assert sorted(map(tuple, counted), key=repr) == sorted(map(tuple, expected), key=repr)
    odd = {row[1:] for row in counted if row[0] == odd_id}
    assert {
        ("device", "nic", "TW", "", 0, 1),
        ("device", "gpu", "US", "Parts Co", 1, 1),
        ("device", None, "CN", "Parts Co", 1, 1),
        ("device", "nic", "DE", None, 0, 1),
    } <= odd


def test_a_shares_row_is_what_sql_would_group() -> None:
    """:func:`~sovbom.fleet.shares.shares_of` on rows alone: one count per distinct key."""
    from sovbom.fleet.extract import COMPONENT_COLUMNS
    from sovbom.fleet.shares import shares_of

    def row(**values: str | None) -> tuple[str | None, ...]:
        return tuple(values.get(c) for c in COMPONENT_COLUMNS)

    rows = [row(type="device", cls="gpu", country="US", supplier="", manufacturer="M"),
            row(type="device", cls="gpu", country="US", supplier=None, manufacturer=""),
            row(type="device", cls="gpu", country="US", supplier=None, manufacturer=""),
            row(type="device", cls="gpu", country="US", supplier="", manufacturer="M",
                verified="delivery")]  # fmt: skip
    assert sorted(shares_of(rows)) == [("device", "gpu", "US", "", 0, 3),
                                       ("device", "gpu", "US", "", 1, 1)]  # fmt: skip
    assert shares_of([]) == []
