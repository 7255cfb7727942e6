"""fleet recheck in forked workers: the same verdicts and stored views as one process, on both
engines, with each BOM's delivery-verified components read by the worker that checks it."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import orjson
import pytest
from fleet_support import part, server_bom, write
from sqlalchemy import select

from sovbom.checking import check_bom
from sovbom.cyclonedx.reader import load_bom
from sovbom.fleet import recheck as recheck_module
from sovbom.fleet.ingest import IngestInput, ingest, load_delivery_reports
from sovbom.fleet.recheck import recheck
from sovbom.fleet.schema import check_views
from sovbom.fleet.store import FleetStore, open_store
from sovbom.policy import load_policy

DAY = dt.date(2026, 6, 1)


def _policy(path: Path, verification: str) -> Path:
    path.write_text(
        "domestic_countries: [JP]\napproved_countries: [US]\ndenied_countries: [CN]\n"
        f"verification: {{critical: {verification}, default: {verification}}}\n"
    )
    return path


def _fleet(tmp_path: Path, db_url: str) -> tuple[FleetStore, dict[str, Path]]:
    """Seven servers (every third with a part from the denied country); S1's GPU was verified by
    a delivery report at ingest."""
    files = {}
    for i in range(7):
        parts = [part("hw:gpu", "GPU", "gpu", "CN" if i % 3 == 0 else "US", part_number=f"G-{i}",
                      serial=f"GS-{i}")]  # fmt: skip
        files[f"S{i}"] = write(tmp_path / f"s{i}.json", server_bom(f"S{i}", parts=parts,
                                                                     n_fillers=2))  # fmt: skip
    delivery = tmp_path / "d.json"
    sha = hashlib.sha256(files["S1"].read_bytes()).hexdigest()
    delivery.write_bytes(orjson.dumps({"sovbom_report": "delivery", "verdict": "pass",
                                       "expected": {"source": "s1.json", "sha256": sha},
                                       "verified": {"hw:gpu": "serial observed at delivery"}}))  # fmt: skip
    store = open_store(db_url, create=True)
    ingest(store, [IngestInput(str(p)) for p in files.values()],
           deliveries=load_delivery_reports([str(delivery)]))  # fmt: skip
    return store, files


def _views(store: FleetStore) -> dict[int, bytes]:
    with store.engine.connect() as conn:
        return {r.bom_id: r.view for r in conn.execute(select(check_views))}


def test_workers_give_what_one_process_gives(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, files = _fleet(tmp_path, db_url)
    pol = load_policy(_policy(tmp_path / "p.yaml", "verified"))
    alone = recheck(store, pol, as_of=DAY, jobs=1)
    stored = _views(store)
    # forked workers from two servers on, each retired after one task of one server
    monkeypatch.setattr(recheck_module, "PARALLEL_THRESHOLD", 2)
    monkeypatch.setattr(recheck_module, "CHUNK", 1)
    monkeypatch.setattr(recheck_module, "SERVERS_PER_WORKER", 1)
    seen: list[object] = []
    forked = recheck(store, pol, as_of=DAY, jobs=2, progress=seen.append)
    assert len(seen) == 7
    assert [
        (s.server, s.bom_sha256, s.verdict, s.worst, s.findings, s.domestic_share)
        for s in forked.servers
    ] == [
        (s.server, s.bom_sha256, s.verdict, s.worst, s.findings, s.domestic_share)
        for s in alone.servers
    ]
    assert not forked.changed
    assert _views(store) == stored and len(stored) == 7
    # the delivery-verified GPU counts for S1 (one finding fewer than unverified)
    s1 = next(s for s in forked.servers if s.server == "S1")
    bom = load_bom(files["S1"])
    observed = {"hw:gpu": "serial observed at delivery"}
    expected = check_bom(bom, pol, as_of=DAY, fail_on="high", observed=observed)
    assert s1.findings == expected.result.counts_by_severity()
    unverified = check_bom(load_bom(files["S1"]), pol, as_of=DAY, fail_on="high")
    assert sum(s1.findings.values()) == sum(unverified.result.counts_by_severity().values()) - 1
    store.close()


def test_a_changed_policy_flips_exactly_the_affected_servers_in_workers(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, _ = _fleet(tmp_path, db_url)
    monkeypatch.setattr(recheck_module, "PARALLEL_THRESHOLD", 2)
    monkeypatch.setattr(recheck_module, "CHUNK", 2)
    lenient = tmp_path / "lenient.yaml"
    lenient.write_text(
        "domestic_countries: [JP]\napproved_countries: [US, CN]\ndenied_countries: []\n"
        "verification: {critical: declared, default: declared}\n"
    )
    first = recheck(store, load_policy(lenient), as_of=DAY, jobs=2, views=False)
    assert not first.failing
    second = recheck(store, load_policy(_policy(tmp_path / "p.yaml", "declared")), as_of=DAY,
                     jobs=2, views=False)  # fmt: skip
    assert [s.server for s in second.changed] == ["S0", "S3", "S6"]
    assert [s.previous for s in second.changed] == ["pass"] * 3
    assert _views(store) == {}
    store.close()
