"""A part found but none of whose declared fields was observed is "not-observed", never verified;
--observed with collection options is a usage conflict."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from delivery_support import REPO, Factory, assert_valid

from sovbom.collect.dmidecode import inventory_from_table, parse_dmidecode
from sovbom.delivery import FieldStatus, PartStatus, compare

HGX = REPO / "samples" / "hgx-b200-jp.hbom.cdx.json"
BMC = "hw:chassis/baseboard/bmc"
BMC_FW = "fw:chassis/baseboard/bmc/bmc-fw"

#: dmidecode's only word on a BMC: the IPMI device record (type 38).
DMI_IPMI = b"""# dmidecode 3.5
Handle 0x0026, DMI type 38, 18 bytes
IPMI Device Information
\tInterface Type: KCS (Keyboard Control Style)
\tSpecification Version: 2.0
\tI2C Slave Address: 0x10
\tNV Storage Device: Not Present
\tBase Address: 0x0000000000000CA2 (I/O)
\tRegister Spacing: Successive Byte Boundaries

Handle 0xFEFF, DMI type 127, 4 bytes
End Of Table

"""


def _find(doc: dict[str, Any], ref: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    stack: list[list[dict[str, Any]]] = [doc["components"]]
    while stack:
        siblings = stack.pop()
        for c in siblings:
            if c["bom-ref"] == ref:
                return siblings, c
            stack.append(c.get("components", []))
    raise KeyError(ref)


def _with_dmidecode_bmc(expected: dict[str, Any]) -> dict[str, Any]:
    """The expected HBOM, its BMC replaced by the BMC component dmidecode gives."""
    (bmc,) = [
        p for p in inventory_from_table(parse_dmidecode(DMI_IPMI, "dmi.txt")).parts
        if p.cls == "bmc"
    ]  # fmt: skip
    observed = copy.deepcopy(expected)
    siblings, declared = _find(observed, BMC)
    siblings[siblings.index(declared)] = bmc.to_cdx()
    return observed


def test_a_bmc_seen_only_by_dmidecode_is_not_observed_and_verifies_nothing() -> None:
    expected = json.loads(HGX.read_text())
    r = compare(expected, _with_dmidecode_bmc(expected))
    part = next(p for p in r.parts if p.expected_ref == BMC)
    assert part.status is PartStatus.NOT_OBSERVED, part.to_dict()
    assert part.matched_by == "single-of-class"
    assert {f.status for f in part.fields} <= {FieldStatus.NOT_OBSERVED, FieldStatus.NOT_DECLARED}
    assert BMC not in r.verified and BMC_FW not in r.verified
    counts = r.counts()
    assert counts["not-observed"] == 1 and counts["matched"] == r.expected_parts - 1
    # present and not contradicted: the delivery does not fail for it
    assert r.matched


def test_a_part_with_one_observed_field_is_still_matched() -> None:
    expected = json.loads(HGX.read_text())
    observed = _with_dmidecode_bmc(expected)
    _, bmc = _find(observed, "hw:bmc")
    bmc["manufacturer"] = {"name": "ASPEED"}
    r = compare(expected, observed)
    part = next(p for p in r.parts if p.expected_ref == BMC)
    assert part.status is PartStatus.MATCHED
    assert BMC not in r.verified  # the serial was not observed: not verified either


def test_report_says_not_observed_and_policy_does_not_count_it_verified(
    factory: Factory, tmp_path: Path
) -> None:
    observed = tmp_path / "observed.cdx.json"
    observed.write_text(json.dumps(_with_dmidecode_bmc(factory.doc)))
    out = tmp_path / "report.json"
    result = factory.verify(
        "--expected", factory.hbom, "--observed", observed, "-f", "json", "-o", out,
        "--policy", REPO / "samples" / "policy.yaml",
    )  # fmt: skip
    assert result.exit_code in (0, 1), result.stderr
    report = json.loads(out.read_text())
    assert_valid(report, "delivery-report.schema.json")
    (bmc,) = [p for p in report["parts"] if p["expected_ref"] == BMC]
    assert bmc["status"] == "not-observed"
    assert report["summary"]["not-observed"] == 1
    assert BMC not in report["verified"] and BMC_FW not in report["verified"]
    # the policy counts two components fewer as verified than when the BMC is observed in full
    full_out = tmp_path / "full.json"
    full = factory.verify(
        "--expected", factory.hbom, "--observed", factory.hbom, "-f", "json", "-o", full_out,
        "--policy", REPO / "samples" / "policy.yaml",
    )  # fmt: skip
    assert full.exit_code in (0, 1), full.stderr
    full_report = json.loads(full_out.read_text())
    assert {BMC, BMC_FW} <= set(full_report["verified"])
    levels = report["policy"]["verification_levels"]
    full_levels = full_report["policy"]["verification_levels"]
    assert levels["verified"] == full_levels["verified"] - 2, (levels, full_levels)
    table = factory.verify("--expected", factory.hbom, "--observed", observed, "-f", "table")
    assert "not-observed" in table.stdout


def test_observed_and_collection_options_conflict(factory: Factory, tmp_path: Path) -> None:
    r = factory.verify(
        "--expected", factory.hbom, "--observed", factory.hbom, "--dmidecode", "dmi.txt",
        "--lshw", "lshw.json",
    )  # fmt: skip
    assert r.exit_code == 2
    assert "conflict" in r.stderr and "--observed" in r.stderr
    assert "--dmidecode, --lshw" in r.stderr
    assert "give the observed inventory" not in r.stderr
    none = factory.verify("--expected", factory.hbom)
    assert none.exit_code == 2 and "give the observed inventory" in none.stderr
