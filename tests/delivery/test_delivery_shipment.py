"""Shipments: many servers at once, one bad server fails the shipment and is named."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from delivery_support import Factory, assert_valid, listing, make_shipment


def test_shipment_with_one_bad_server_fails_and_names_it(factory: Factory, tmp_path: Path) -> None:
    ship = make_shipment(factory, tmp_path, 4, {2: "dimm"})
    before = listing(ship)
    out = tmp_path / "reports"
    # two forked worker processes share the servers (the default from 40 servers on)
    result = factory.verify("--shipment", ship, "--report-dir", out, "-f", "json", "-j", "2")
    assert result.exit_code == 3, result.stderr
    summary = json.loads(result.stdout)
    assert_valid(summary, "delivery-shipment.schema.json")
    assert summary["verdict"] == "fail"
    assert summary["failed_servers"] == ["server-02"]
    assert summary["summary"] == {"servers": 4, "passed": 3, "failed": 1, "signature_failed": 0,
                                  "delivery_mismatch": 1, "policy_failed": 0}  # fmt: skip
    bad = next(s for s in summary["servers"] if s["server"] == "server-02")
    assert bad["counts"]["substituted"] == 1 and bad["reasons"] == ["1 part substituted"]
    # a JSON report per server and for the whole shipment; the inputs are untouched
    assert sorted(p.name for p in out.iterdir()) == [
        "server-00.delivery.json", "server-01.delivery.json", "server-02.delivery.json",
        "server-03.delivery.json", "shipment.json",
    ]  # fmt: skip
    assert json.loads((out / "shipment.json").read_text()) == summary | {
        "servers": summary["servers"]
    }
    for p in out.glob("server-*.json"):
        assert_valid(json.loads(p.read_text()), "delivery-report.schema.json")
    report = json.loads((out / "server-02.delivery.json").read_text())
    (part,) = [p for p in report["parts"] if p["status"] != "matched"]
    assert part["location"] == "DIMM_B1"
    serial = next(f for f in part["fields"] if f["field"] == "serial")
    assert (serial["expected"], serial["found"]) == ("S02-DIMM-0009", "S02-DIMM-SWAPPED")
    assert listing(ship) == before


def test_good_shipment_passes_with_a_summary_table(factory: Factory, tmp_path: Path) -> None:
    ship = make_shipment(factory, tmp_path, 3, {})
    result = factory.verify("--shipment", ship, "-f", "table")
    assert result.exit_code == 0, result.stderr
    assert "PASS" in result.stdout and "3 of 3 servers pass" in result.stdout
    for name in ("server-00", "server-01", "server-02"):
        assert name in result.stdout


def test_unsigned_server_in_a_shipment_is_a_signature_failure(
    factory: Factory, tmp_path: Path
) -> None:
    ship = make_shipment(factory, tmp_path, 2, {1: "unsigned"})
    result = factory.verify("--shipment", ship, "-f", "markdown")
    assert result.exit_code == 3
    assert "server-01" in result.stdout and "not signed" in result.stdout


def test_bad_shipment_layout_is_bad_input(factory: Factory, tmp_path: Path) -> None:
    ship = tmp_path / "ship"
    (ship / "server-a").mkdir(parents=True)
    out = tmp_path / "reports"
    result = factory.verify("--shipment", ship, "--report-dir", out)
    assert result.exit_code == 4
    assert "server-a" in result.stderr and "expected.cdx.json" in result.stderr
    assert not out.exists()


def test_report_dir_inside_the_shipment_is_refused(factory: Factory, tmp_path: Path) -> None:
    ship = make_shipment(factory, tmp_path, 1, {})
    result = factory.verify("--shipment", ship, "--report-dir", ship / "reports")
    assert result.exit_code == 2
    assert not (ship / "reports").exists()


def test_malformed_observed_in_a_shipment_is_exit_4_without_reports(
    factory: Factory, tmp_path: Path
) -> None:
    ship = make_shipment(factory, tmp_path, 2, {})
    (ship / "server-00" / "observed.cdx.json").write_text('{"bomFormat": "CycloneDX", ')
    out = tmp_path / "reports"
    result: Any = factory.verify("--shipment", ship, "--report-dir", out)
    assert result.exit_code == 4
    assert "server-00/observed.cdx.json" in result.stderr and "line 1" in result.stderr
    assert not out.exists()


def test_readme_walkthrough_runs(tmp_path: Path, monkeypatch: Any, capsys: Any) -> None:
    """The README's offline walkthrough (tests/delivery/walkthrough.py) gives what it says."""
    import walkthrough

    monkeypatch.setenv("SOVBOM_REDFISH_USERNAME", "root")
    monkeypatch.setenv("SOVBOM_REDFISH_PASSWORD", "dock-walkthrough")
    assert walkthrough.main(["--workdir", str(tmp_path / "walk")]) == 0
    out = capsys.readouterr().out
    assert "SAMPLE-SRV-HGX-0001: PASS" in out and "1 part substituted" in out
    assert "servers 3, passed 2, failed 1" in out
    assert (tmp_path / "walk" / "reports" / "shipment.json").is_file()


def test_shipment_sarif_is_valid(factory: Factory, tmp_path: Path) -> None:
    import jsonschema_rs
    from delivery_support import SCHEMAS

    ship = make_shipment(factory, tmp_path, 2, {1: "dimm"})
    result = factory.verify("--shipment", ship, "-f", "sarif")
    assert result.exit_code == 3
    doc = json.loads(result.stdout)
    schema = json.loads((SCHEMAS / "third_party" / "sarif-schema-2.1.0.json").read_text())
    assert not [e.message for e in jsonschema_rs.validator_for(schema).iter_errors(doc)]
    (res,) = doc["runs"][0]["results"]
    assert res["ruleId"] == "delivery-substituted" and "server-01" in res["message"]["text"]


def test_progress_bar_on_a_terminal(factory: Factory, tmp_path: Path, monkeypatch: Any) -> None:
    import datetime as dt
    import sys

    from sovbom import signing
    from sovbom.cli.delivery import _with_progress
    from sovbom.delivery import discover_shipment
    from sovbom.signers import load_signer_policy

    ship = make_shipment(factory, tmp_path, 2, {})
    verifier = signing.BundleVerifier(
        signing.load_trust(trust_config=factory.trust.trust_config, offline=True),
        load_signer_policy(factory.signers),
    )
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    items = _with_progress(
        discover_shipment(ship), verifier, None, "high", dt.date(2026, 11, 22), None, 1
    )
    assert [r.verdict for r in items] == ["pass", "pass"]
