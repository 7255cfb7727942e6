"""A shipment's results are kept in a temporary file (ResultSpool), read back in order; the
verdict and summary come from counts kept as results arrive, the same as counting a list."""

from __future__ import annotations

import gc
import os
import tracemalloc
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from sovbom.delivery import DeliveryResult, ShipmentResult, SourceInfo, discover_shipment
from sovbom.delivery.model import Comparison, FieldCheck, FieldStatus, Verdict
from sovbom.delivery.spool import BLOCK, ResultSpool


def _result(i: int, *, ok: bool = True, duplicate: bool = False) -> DeliveryResult:
    """Server ``s{i}``: passing, a delivery mismatch (``ok=False``), or a duplicate."""
    found = f"SN-{i}" if ok else "SN-OTHER"
    check = FieldCheck(
        "serial", f"SN-{i}", found, FieldStatus.MATCH if ok else FieldStatus.MISMATCH
    )
    return DeliveryResult(
        f"s{i:05d}", SourceInfo(f"s{i}/expected.cdx.json", f"{i:064x}"), SourceInfo("observed"),
        {"ok": True, "identity": "factory@example.com"}, True,
        comparison=Comparison([check], [], 0, {}, 1, 1),
        duplicates=[f"duplicate: the same signed HBOM as s{i + 1:05d}"] if duplicate else [],
    )  # fmt: skip


def _unsigned(i: int) -> DeliveryResult:
    return DeliveryResult(f"s{i:05d}", SourceInfo("x"), None, None, False, "not signed")


@dataclass
class FailingCheck:
    """A policy check that fails at any threshold (what a server's result needs of one)."""

    findings: list[Any] = field(default_factory=list)

    def fails(self, threshold: Any) -> bool:
        return True


def _mixed(n: int) -> list[DeliveryResult]:
    """Passing servers, mismatches, unsigned ones, duplicates and policy failures."""
    out = []
    for i in range(n):
        if i % 7 == 3:
            out.append(_unsigned(i))
            continue
        r = _result(i, ok=i % 5 != 2, duplicate=i % 11 == 4)
        if i % 13 == 6:
            r.policy = FailingCheck()  # type: ignore[assignment]
        out.append(r)
    return out


def _facts(s: ShipmentResult) -> tuple[Any, ...]:
    return (s.verdict, s.exit_code, s.summary(), s.failed_servers, s.duplicated_servers)


def _counted(servers: list[DeliveryResult]) -> tuple[Any, ...]:
    """:func:`_facts` as counted from every result at once."""
    codes = [s.exit_code for s in servers]
    summary = {
        "servers": len(servers),
        "passed": sum(s.verdict is Verdict.PASS for s in servers),
        "failed": sum(s.verdict is Verdict.FAIL for s in servers),
        "signature_failed": sum(not s.signature_ok for s in servers),
        "delivery_mismatch": sum(s.signature_ok and not s.delivery_ok for s in servers),
        "policy_failed": sum(s.delivery_ok and s.policy_fails for s in servers),
    }
    return (
        Verdict.PASS if all(s.verdict is Verdict.PASS for s in servers) else Verdict.FAIL,
        3 if 3 in codes else (1 if 1 in codes else 0),
        summary,
        [s.server for s in servers if s.verdict is not Verdict.PASS],
        [s.server for s in servers if s.duplicates],
    )


def test_results_come_back_in_order_as_often_as_asked() -> None:
    results = _mixed(40)
    with ResultSpool(results) as spool:
        assert len(spool) == 40
        assert [r.server for r in spool] == [r.server for r in results]
        assert list(spool) == results  # every field read back, and again
        assert [(a.server, b.server) for a, b in zip(spool, spool, strict=True)][:2] == [
            ("s00000", "s00000"), ("s00001", "s00001"),
        ]  # nested readers do not disturb each other  # fmt: skip
        assert spool[0] == results[0] and spool[-1] == results[-1] and spool[17] == results[17]
        assert spool[3:6] == results[3:6]
        with pytest.raises(IndexError):
            spool[40]


def test_a_replaced_result_is_read_in_its_place_and_counted_instead() -> None:
    results = [_result(i) for i in range(10)]
    with ResultSpool(results) as spool:
        assert _facts(ShipmentResult("d", spool)) == _facts(ShipmentResult("d", results))
        assert ShipmentResult("d", spool).verdict == "pass"
        again = _result(6, duplicate=True)
        spool[6] = again
        spool[-1] = _result(9, ok=False)
        results[6], results[9] = again, _result(9, ok=False)
        assert list(spool) == results and len(spool) == 10
        shipment = ShipmentResult("d", spool)
        assert _facts(shipment) == _counted(results)
        assert shipment.failed_servers == ["s00006", "s00009"]
        assert shipment.duplicated_servers == ["s00006"]
        spool[6] = _result(6)  # and back: no longer failed, nor a duplicate
        assert ShipmentResult("d", spool).failed_servers == ["s00009"]
        assert ShipmentResult("d", spool).duplicated_servers == []
        with pytest.raises(IndexError):
            spool[10] = _result(10)
        r = spool[2]
        r.duplicates = ["changed"]  # a copy: the spool is unchanged until it is put back
        assert spool[2].duplicates == []


@pytest.mark.parametrize("n", [0, 1, 60])
def test_the_counts_kept_are_those_of_the_results(n: int) -> None:
    results = _mixed(n)
    with ResultSpool(results) as spool:
        assert _facts(ShipmentResult("d", spool)) == _counted(results)
    assert _facts(ShipmentResult("d", results)) == _counted(results)
    if n > 1:  # every kind of server is there
        assert ShipmentResult("d", results).exit_code == 3
        assert 0 not in ShipmentResult("d", results).summary().values()


def test_closing_releases_the_file_and_keeps_the_counts() -> None:
    spool = ResultSpool(_mixed(5))
    fd = spool._file.fileno()
    assert os.fstat(fd).st_nlink == 0  # nameless: nothing to clean up on disk, whatever happens
    with spool:
        pass
    assert spool.closed
    with pytest.raises(OSError):
        os.fstat(fd)
    assert ShipmentResult("d", spool).summary()["servers"] == 5
    with pytest.raises(ValueError):
        spool[0]
    lost = ResultSpool(_mixed(2))
    fh = lost._file
    del lost
    gc.collect()
    assert fh.closed  # a spool nobody closed is closed when it goes


def _big(i: int) -> DeliveryResult:
    """A result of about 10 KB in memory (40 field checks of its own)."""
    r = _result(i)
    assert r.comparison is not None
    r.comparison.identity = [
        FieldCheck("serial", f"SN-{i}-{k}", f"SN-{i}-{k}", FieldStatus.MATCH) for k in range(40)
    ]
    return r


def test_results_are_not_kept_in_memory() -> None:
    tracemalloc.start()
    try:
        with ResultSpool() as spool:
            spool.append(_big(0))
            base, _ = tracemalloc.get_traced_memory()
            for i in range(1, 2001):
                spool.append(_big(i))
            grown, _ = tracemalloc.get_traced_memory()
            assert spool[1234] == _big(1234)
    finally:
        tracemalloc.stop()
    # 12 bytes a result for where it is (and the arrays' slack), and the block not yet written:
    # the 2,000 results kept would be 20 MB
    assert grown - base < 2000 * 24 + 2 * BLOCK, grown - base


def _record_spools(monkeypatch: Any) -> list[ResultSpool]:
    """Every spool verify_shipment makes from now on, in order."""
    import importlib

    shipment_module = importlib.import_module("sovbom.delivery.shipment")
    made: list[ResultSpool] = []

    class Recorded(ResultSpool):
        def __init__(self) -> None:
            super().__init__()
            made.append(self)

    monkeypatch.setattr(shipment_module, "ResultSpool", Recorded)
    return made


def test_a_failed_shipment_closes_its_spool(tmp_path: Path, monkeypatch: Any) -> None:

    from test_delivery_shipment_stream import AcceptAll, _render, _shipment

    from sovbom.delivery.shipment import verify_shipment

    made = _record_spools(monkeypatch)

    def stop(r: DeliveryResult) -> None:
        if r.server.endswith("2"):
            raise KeyboardInterrupt

    class Sink:
        def write(self, name: str, data: bytes) -> None:
            pass

    verifier: Any = AcceptAll()
    with pytest.raises(KeyboardInterrupt):
        verify_shipment(discover_shipment(_shipment(tmp_path, 4)), verifier, render=_render,
                        reports=Sink(), jobs=1, on_result=stop)  # fmt: skip
    (spool,) = made
    assert spool.closed and len(spool) == 3
    results = verify_shipment(discover_shipment(tmp_path / "ship-4"), verifier, jobs=1)
    assert results is made[-1] and not results.closed  # the caller's to close
    assert [r.server for r in results] == [f"server-{i:05d}" for i in range(4)]
    results.close()


def test_the_cli_leaves_nothing_behind_when_the_summary_cannot_be_rendered(
    tmp_path: Path, monkeypatch: Any
) -> None:
    """An error while the summary is rendered: no report directory, no output, no spool."""

    from test_delivery_shipment_stream import AcceptAll, _shipment

    from sovbom.cli.delivery import _shipment as cli_shipment
    from sovbom.report.interface import ReportFormat
    from sovbom.report.json_format import JsonRenderer

    made = _record_spools(monkeypatch)
    ship = _shipment(tmp_path, 3)
    verifier: Any = AcceptAll()
    today = __import__("datetime").date(2026, 11, 22)
    out, reports = tmp_path / "summary.json", tmp_path / "reports"
    assert cli_shipment(str(ship), str(reports), verifier, None, "high", today, ReportFormat.JSON,
                        str(out), False, 1) == 0  # fmt: skip
    assert out.is_file() and (reports / "shipment.json").is_file() and made[-1].closed
    out.unlink()
    for p in reports.iterdir():
        p.unlink()
    reports.rmdir()

    def broken(self: Any, report: Any) -> Any:
        yield b"{"
        raise RuntimeError("the renderer failed half-way")

    monkeypatch.setattr(JsonRenderer, "shipment_stream", broken)
    with pytest.raises(RuntimeError):
        cli_shipment(str(ship), str(reports), verifier, None, "high", today, ReportFormat.JSON,
                     str(out), False, 1)  # fmt: skip
    assert not out.exists() and not reports.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ship-3"]  # no staging left either
    assert made[-1].closed


def test_a_server_in_a_spool_reads_back_with_its_policy_results(tmp_path: Path) -> None:
    """Results with everything a policy check adds survive the round trip (pickled)."""
    from test_delivery_shipment_stream import AcceptAll, _shipment

    from sovbom.delivery.shipment import verify_shipment
    from sovbom.policy import policy_from_dict

    policy = policy_from_dict({"domestic_countries": ["JP"]}, "policy.yaml")
    verifier: Any = AcceptAll()
    with verify_shipment(discover_shipment(_shipment(tmp_path, 2)), verifier, policy=policy,
                         jobs=1) as results:  # fmt: skip
        (first, second) = results
        assert first.policy is not None and first.policy_source == "policy.yaml"
        assert [f.rule for f in first.policy.findings] == [f.rule for f in second.policy.findings]


@pytest.mark.parametrize("spill", [1, 700, 10**9])
def test_serial_keys_moved_to_a_file_name_the_same_candidates(spill: int) -> None:
    import random

    from test_delivery_shipment_stream import _fingerprints

    from sovbom.delivery.duplicates import DuplicateIndex, keys_of

    results = _fingerprints(random.Random(3), 300)
    kept, moved = DuplicateIndex(spill=10**9), DuplicateIndex(spill=spill)
    for i, r in enumerate(results):
        assert r.fingerprint is not None
        kept.add(i, keys_of(r.fingerprint))
        moved.add(i, keys_of(r.fingerprint))
    found, shared = kept.candidates()
    assert found and shared  # the case is not trivial
    assert moved.candidates() == (found, shared)
    assert (moved._file is not None) == (spill < 10**9)  # 20 serials a server: 6,000 in all
    if moved._file is not None:
        fh = moved._file
        assert moved._held < spill and not fh.closed
        moved.close()
        assert fh.closed


def test_a_result_packed_by_a_worker_is_spooled_as_it_is() -> None:
    from sovbom.delivery.spool import PackedResult

    r = _result(2, ok=False)
    packed = PackedResult.of(r)
    assert packed.unpack() == r and packed.facts.server == "s00002"
    with ResultSpool() as spool:
        spool.append(packed)
        spool.append(_result(3))
        spool[1] = PackedResult.of(_result(3, duplicate=True))
        assert list(spool) == [r, _result(3, duplicate=True)]
        shipment = ShipmentResult("d", spool)
        assert shipment.failed_servers == ["s00002", "s00003"]
        assert shipment.duplicated_servers == ["s00003"]
        assert _facts(shipment) == _counted([r, _result(3, duplicate=True)])
