"""A shipment cannot hide or multiply servers, and its report directory is written whole.

Copies of one server (the same signed HBOM and inventory in several directories, or HBOMs that
share serial numbers) fail the shipment and are named; a symbolic link is refused; hidden
directories are verified like the others; files beside the servers are listed; a report
directory is written all at once or not at all.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from delivery_support import Factory, assert_valid, listing, make_shipment, sign
from mockup import inventory_from_hbom, write_mockup


def _summary(result: Any) -> dict[str, Any]:
    summary: dict[str, Any] = json.loads(result.stdout)
    assert_valid(summary, "delivery-shipment.schema.json")
    return summary


def _reasons(summary: dict[str, Any], server: str) -> list[str]:
    entry = next(s for s in summary["servers"] if s["server"] == server)
    reasons: list[str] = entry["reasons"]
    return reasons


def test_a_copied_server_fails_the_shipment_and_both_copies_are_named(
    factory: Factory, tmp_path: Path
) -> None:
    ship = make_shipment(factory, tmp_path, 2, {})
    shutil.copytree(ship / "server-00", ship / "server-02")  # the same signed HBOM and inventory
    out = tmp_path / "reports"
    result = factory.verify("--shipment", ship, "-f", "json", "--report-dir", out)
    assert result.exit_code == 3, result.stderr
    summary = _summary(result)
    assert summary["verdict"] == "fail"
    assert summary["failed_servers"] == ["server-00", "server-02"]
    assert summary["summary"]["delivery_mismatch"] == 2
    assert _reasons(summary, "server-00") == [
        "duplicate: the same signed HBOM as server-02",
        "duplicate: the same observed HBOM as server-02",
    ]
    assert _reasons(summary, "server-02")[0] == "duplicate: the same signed HBOM as server-00"
    assert _reasons(summary, "server-01") == []
    # each copy's own report says so too (not only the summary)
    for name in ("server-00", "server-02"):
        report = json.loads((out / f"{name}.delivery.json").read_text())
        assert_valid(report, "delivery-report.schema.json")
        assert report["verdict"] == "fail"
        assert report["reasons"][0].startswith("duplicate: the same signed HBOM as server-0")
        assert len(report["parts"]) == report["summary"]["expected_parts"] > 0  # in full
    assert json.loads((out / "server-01.delivery.json").read_text())["verdict"] == "pass"
    sarif = json.loads(factory.verify("--shipment", ship, "-f", "sarif").stdout)
    duplicates = [r for r in sarif["runs"][0]["results"] if r["ruleId"] == "delivery-duplicate"]
    assert sorted(r["properties"]["server"] for r in duplicates) == [
        "server-00", "server-00", "server-02", "server-02"
    ]  # fmt: skip


def test_servers_sharing_a_serial_fail_the_shipment(factory: Factory, tmp_path: Path) -> None:
    ship = make_shipment(factory, tmp_path, 2, {})
    d = ship / "server-01"
    expected = d / "expected.cdx.json"
    # server-01's factory HBOM, signed, declares a DIMM serial that server-00's declares too
    expected.write_text(expected.read_text().replace("S01-DIMM-0009", "S00-DIMM-0009"))
    sign(factory.trust, expected)
    shutil.rmtree(d / "redfish")
    write_mockup(inventory_from_hbom(json.loads(expected.read_text())), d / "redfish")
    result = factory.verify("--shipment", ship, "-f", "json")
    assert result.exit_code == 3, result.stderr
    summary = _summary(result)
    assert summary["failed_servers"] == ["server-00", "server-01"]
    (reason,) = _reasons(summary, "server-01")
    assert reason.startswith("duplicate: 1 serial of this server's signed HBOM also declared")
    assert "server-00" in reason and "S00-DIMM-0009" in reason and "DIMM_B1" in reason
    (reason,) = _reasons(summary, "server-00")
    assert "server-01" in reason and "S00-DIMM-0009" in reason


def test_a_symlinked_server_directory_is_refused(factory: Factory, tmp_path: Path) -> None:
    ship = make_shipment(factory, tmp_path, 1, {})
    os.symlink(ship / "server-00", ship / "server-01", target_is_directory=True)
    out = tmp_path / "reports"
    result = factory.verify("--shipment", ship, "--report-dir", out, "-f", "json")
    assert result.exit_code == 4
    assert "server-01" in result.stderr and "symbolic link" in result.stderr
    assert result.stdout == "" and not out.exists()


def test_a_hidden_server_directory_is_verified_not_skipped(
    factory: Factory, tmp_path: Path
) -> None:
    ship = make_shipment(factory, tmp_path, 2, {1: "dimm"})
    (ship / "server-01").rename(ship / ".server-01")
    result = factory.verify("--shipment", ship, "-f", "json")
    assert result.exit_code == 3, result.stderr
    summary = _summary(result)
    assert [s["server"] for s in summary["servers"]] == [".server-01", "server-00"]
    assert summary["failed_servers"] == [".server-01"]


def test_files_beside_the_servers_are_listed(factory: Factory, tmp_path: Path) -> None:
    ship = make_shipment(factory, tmp_path, 1, {})
    (ship / "NOTES.txt").write_text("delivered on the 3rd\n")
    (ship / ".DS_Store").write_bytes(b"\0")
    result = factory.verify("--shipment", ship, "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert _summary(result)["other_entries"] == [".DS_Store", "NOTES.txt"]
    table = factory.verify("--shipment", ship, "-f", "table")
    assert "not server directories, not verified: .DS_Store, NOTES.txt" in table.stdout
    markdown = factory.verify("--shipment", ship, "-f", "markdown")
    assert "Not server directories, not verified: .DS_Store, NOTES.txt" in markdown.stdout


def test_a_failed_write_leaves_no_report_directory(
    factory: Factory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ship = make_shipment(factory, tmp_path, 2, {})
    out = tmp_path / "reports"
    real_fsync = os.fsync
    calls = []

    def fsync(fd: int) -> None:  # the disk fills up after the first report
        calls.append(fd)
        if len(calls) > 1:
            raise OSError(28, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    result = factory.verify("--shipment", ship, "--report-dir", out, "-f", "json")
    assert result.exit_code == 4
    assert "No space left on device" in result.stderr
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".reports")]


def test_a_report_directory_is_not_half_replaced(factory: Factory, tmp_path: Path) -> None:
    ship = make_shipment(factory, tmp_path, 2, {})
    out = tmp_path / "reports"
    (out / "server-01.delivery.json").mkdir(parents=True)  # in the way of the second report
    (out / "kept.txt").write_text("from before\n")
    before = listing(out)
    result = factory.verify("--shipment", ship, "--report-dir", out, "-f", "json")
    assert result.exit_code == 4
    assert "server-01.delivery.json" in result.stderr
    assert listing(out) == before


def test_an_existing_report_directory_gets_every_report(factory: Factory, tmp_path: Path) -> None:
    ship = make_shipment(factory, tmp_path, 2, {})
    out = tmp_path / "reports"
    out.mkdir()
    (out / "kept.txt").write_text("from before\n")
    result = factory.verify("--shipment", ship, "--report-dir", out, "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert listing(out) == [
        "kept.txt", "server-00.delivery.json", "server-01.delivery.json", "shipment.json"
    ]  # fmt: skip
