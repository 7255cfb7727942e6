"""Every report format of verify-delivery, policy checks on delivery, and bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
from delivery_support import REPO, SCHEMAS, Factory, assert_valid
from mockup import Firmware, Part, write_mockup

from sovbom.report.interface import ReportFormat

POLICY = REPO / "samples" / "policy.yaml"


@pytest.fixture
def bad_mockup(factory: Factory, tmp_path: Path) -> Path:
    """A delivery with a swapped DIMM, an extra fan-less NIC and a downgraded BMC firmware."""
    inv = factory.inventory()
    inv.find(slot="DIMM_A3").serial = "SAMPLE-DIMM-9999"
    inv.find(cls="bmc").firmware[0].version = "2.15.2-ycs1"
    inv.parts.append(Part("nic", "Extra NIC", "Intel Corporation", "E810-XXVDA2", "SAMPLE-X-1", "PCIe9",
                          None, [Firmware("NVM", "4.20")]))  # fmt: skip
    return write_mockup(inv, tmp_path / "bad")


def sarif_validator() -> Any:
    path = SCHEMAS / "third_party" / "sarif-schema-2.1.0.json"
    return jsonschema_rs.validator_for(json.loads(path.read_text()))


def test_sarif_is_valid_and_names_each_mismatch(
    factory: Factory, bad_mockup: Path, tmp_path: Path
) -> None:
    out = tmp_path / "r.sarif"
    result = factory.verify("--expected", factory.hbom, "--redfish-mockup", bad_mockup, "-f", "sarif",
                            "-o", out)  # fmt: skip
    assert result.exit_code == 3
    doc = json.loads(out.read_text())
    errors = [e.message for e in sarif_validator().iter_errors(doc)]
    assert not errors, errors[:3]
    rules = sorted(r["ruleId"] for r in doc["runs"][0]["results"])
    assert rules == ["delivery-drifted", "delivery-substituted", "delivery-unexpected"]
    sub = next(r for r in doc["runs"][0]["results"] if r["ruleId"] == "delivery-substituted")
    assert (
        "SAMPLE-DIMM-0003" in sub["message"]["text"]
        and "SAMPLE-DIMM-9999" in sub["message"]["text"]
    )


def test_markdown_and_table_show_expected_and_found(factory: Factory, bad_mockup: Path) -> None:
    for fmt in ("markdown", "table"):
        result = factory.verify(
            "--expected", factory.hbom, "--redfish-mockup", bad_mockup, "-f", fmt
        )
        assert result.exit_code == 3
        text = result.stdout
        for value in ("substituted", "drifted", "unexpected", "SAMPLE-DIMM-0003", "SAMPLE-DIMM-9999",
                      "2.16.0-ycs3", "2.15.2-ycs1", "FAIL"):  # fmt: skip
            assert value in text, (fmt, value)


def test_every_format_renders(factory: Factory, bad_mockup: Path) -> None:
    for fmt in ReportFormat:
        result = factory.verify(
            "--expected", factory.hbom, "--redfish-mockup", bad_mockup, "-f", fmt.value
        )
        assert result.exit_code == 3, (fmt, result.stderr)
        assert result.stdout


def test_policy_gets_verified_levels_from_the_delivery(factory: Factory, tmp_path: Path) -> None:
    mock = write_mockup(factory.inventory(), tmp_path / "good")
    out = tmp_path / "r.json"
    result = factory.verify("--expected", factory.hbom, "--redfish-mockup", mock, "--policy", POLICY,
                            "--as-of", "2026-11-22", "-f", "json", "-o", out)  # fmt: skip
    report = json.loads(out.read_text())
    assert_valid(report, "delivery-report.schema.json")
    policy = report["policy"]
    assert policy["checked"] and policy["source"] == str(POLICY)
    # parts and firmware observed as declared are verified; the rest attested by the signature
    assert policy["verification_levels"]["verified"] == len(report["verified"]) > 40
    assert policy["verification_levels"]["declared"] == 0
    levels = {f["component"]["bom-ref"]: f["component"]["verification"]
              for f in policy["expected_findings"] if "component" in f}  # fmt: skip
    assert levels.get("hw:chassis/hgx/gpu0") in (None, "verified")
    assert not any(f["rule"] == "insufficient-verification" and f["component"]["bom-ref"] == "hw:chassis/hgx/gpu0"
                   for f in policy["expected_findings"])  # fmt: skip
    assert result.exit_code == (1 if policy["fails"] else 0)
    assert report["verdict"] == ("fail" if policy["fails"] else "pass")


def test_policy_tolerances_accept_newer_bmc_firmware(factory: Factory, tmp_path: Path) -> None:
    inv = factory.inventory()
    inv.find(cls="bmc").firmware[0].version = "2.16.1-ycs1"  # listed in samples/policy.yaml
    mock = write_mockup(inv, tmp_path / "newer")
    out = tmp_path / "r.json"
    result = factory.verify("--expected", factory.hbom, "--redfish-mockup", mock, "--policy", POLICY,
                            "--fail-on", "critical", "--as-of", "2026-11-22", "-f", "json", "-o", out)  # fmt: skip
    report = json.loads(out.read_text())
    bmc = next(p for p in report["parts"] if p["class"] == "bmc")
    assert bmc["status"] == "matched"
    version = next(f for f in bmc["fields"] if f["field"] == "firmware_version")
    assert version["status"] == "accepted" and version["found"] == "2.16.1-ycs1"
    assert result.exit_code in (0, 1)
    assert report["summary"]["drifted"] == 0


def test_unexpected_parts_are_policy_checked(
    factory: Factory, bad_mockup: Path, tmp_path: Path
) -> None:
    out = tmp_path / "r.json"
    factory.verify("--expected", factory.hbom, "--redfish-mockup", bad_mockup, "--policy", POLICY,
                   "--as-of", "2026-11-22", "-f", "json", "-o", out)  # fmt: skip
    report = json.loads(out.read_text())
    refs = {f["component"]["bom-ref"] for f in report["policy"]["unexpected_findings"]}
    extra = next(p for p in report["parts"] if p["status"] == "unexpected")
    assert extra["found_ref"] in refs


def test_malformed_observed_is_exit_4_and_no_output(factory: Factory, tmp_path: Path) -> None:
    observed = tmp_path / "observed.cdx.json"
    observed.write_text('{"bomFormat": "CycloneDX", "specVersion": "1.6",\n  "components": [}')
    out = tmp_path / "r.json"
    result = factory.verify("--expected", factory.hbom, "--observed", observed, "-o", out)
    assert result.exit_code == 4
    assert str(observed) in result.stderr and "line 2" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not out.exists()


def test_usage_errors(factory: Factory, tmp_path: Path) -> None:
    assert factory.verify("--expected", factory.hbom).exit_code == 2  # no observed inventory
    r = factory.verify("--expected", factory.hbom, "--observed", factory.hbom, "--dmidecode", "x")
    assert r.exit_code == 2
    from signing_support import invoke

    r = invoke("verify-delivery", "--expected", factory.hbom, "--observed", factory.hbom)
    assert r.exit_code == 2 and "--signers" in r.stderr


def test_observed_hbom_file_from_collect_hardware(factory: Factory, tmp_path: Path) -> None:
    from signing_support import invoke

    mock = write_mockup(factory.inventory(), tmp_path / "good")
    observed = tmp_path / "observed.cdx.json"
    assert invoke("collect", "hardware", "--redfish-mockup", mock, "-o", observed).exit_code == 0
    out = tmp_path / "r.json"
    result = factory.verify(
        "--expected", factory.hbom, "--observed", observed, "-f", "json", "-o", out
    )
    assert result.exit_code == 0, result.stderr
    report = json.loads(out.read_text())
    assert report["observed"]["source"] == str(observed) and report["observed"]["complete"]


def _policy_rules(doc: dict[str, Any]) -> set[tuple[str, str]]:
    """(bom-ref, ruleId) of each SARIF result about a component, delivery verdicts left out."""
    out = set()
    for r in doc["runs"][0]["results"]:
        if r["ruleId"].startswith("delivery-") or r["ruleId"] == "signature":
            continue
        logical = r["locations"][0].get("logicalLocations") or [{}]
        ref = r["properties"].get("bom-ref") or logical[0].get("fullyQualifiedName")
        if ref:
            out.add((ref, r["ruleId"]))
    return out


def test_a_policy_finding_has_the_same_sarif_rule_from_check_and_verify_delivery(
    factory: Factory, bad_mockup: Path, tmp_path: Path
) -> None:
    delivered, checked = tmp_path / "delivery.sarif", tmp_path / "check.sarif"
    factory.verify("--expected", factory.hbom, "--redfish-mockup", bad_mockup, "--policy", POLICY,
                   "--as-of", "2026-11-22", "-f", "sarif", "-o", delivered)  # fmt: skip
    from signing_support import invoke

    result = invoke("check", factory.hbom, "--policy", POLICY, "--signers", factory.signers,
                    "--trust-config", factory.trust.trust_config, "--offline",
                    "--as-of", "2026-11-22", "-f", "sarif", "-o", checked)  # fmt: skip
    assert result.exit_code in (0, 1), result.stderr
    from_check = _policy_rules(json.loads(checked.read_text()))
    declared = {ref for ref, _ in from_check}  # not the unexpected parts' findings
    from_delivery = {
        (ref, rule)
        for ref, rule in _policy_rules(json.loads(delivered.read_text()))
        if ref in declared
    }
    assert from_delivery, "the delivery's policy check has findings"
    # verify-delivery observes parts (verified), so it can only have fewer findings, never others
    assert from_delivery <= from_check, sorted(from_delivery - from_check)[:5]
    descriptors = [
        {r["id"]: r for r in json.loads(p.read_text())["runs"][0]["tool"]["driver"]["rules"]}
        for p in (delivered, checked)
    ]
    for _, rule in from_delivery:
        assert descriptors[0][rule] == descriptors[1][rule]
