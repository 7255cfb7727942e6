"""Check reports of a small server, byte for byte, in every format.

The server (``tests/data/check/server.cdx.json``) has parts whose findings cover every component
rule: non-domestic, approved, denied, unknown origin, insufficient verification, a production
stage, exemptions (current, expired, by part number, purl, supplier and bom-ref), parts used by
several others (several provenance paths), units of one part told apart, and a dangling
reference. Set ``SOVBOM_REGEN_GOLDEN=1`` to rewrite the expected files after an intended change
of the output, and review the difference.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from sovbom.checking import check_bom
from sovbom.cyclonedx.reader import parse_bom
from sovbom.policy import load_policy
from sovbom.report import ReportFormat
from sovbom.report.interface import renderer_for

DATA = Path(__file__).resolve().parents[1] / "data" / "check"
EXPECTED = DATA / "expected"
REGEN = os.environ.get("SOVBOM_REGEN_GOLDEN") == "1"
SUFFIX = {
    ReportFormat.JSON: "json",
    ReportFormat.SARIF: "sarif",
    ReportFormat.MARKDOWN: "md",
    ReportFormat.TABLE: "txt",
    ReportFormat.HTML: "html",
}


def _render(policy_name: str, fmt: ReportFormat, max_paths: int) -> bytes:
    bom = parse_bom((DATA / "server.cdx.json").read_bytes(), "server.cdx.json")
    policy = load_policy(DATA / f"{policy_name}.yaml")
    policy.source = f"{policy_name}.yaml"
    report = check_bom(bom, policy, as_of=dt.date(2027, 6, 1), fail_on="high", max_paths=max_paths)
    return renderer_for(fmt).check(report)


@pytest.mark.parametrize("fmt", list(SUFFIX), ids=str)
@pytest.mark.parametrize(
    ("policy_name", "max_paths"), [("policy", 3), ("policy-stages", 5), ("policy", 1)]
)
def test_check_report_unchanged(policy_name: str, max_paths: int, fmt: ReportFormat) -> None:
    out = _render(policy_name, fmt, max_paths)
    expected = EXPECTED / f"{policy_name}-{max_paths}.{SUFFIX[fmt]}"
    if REGEN:
        expected.parent.mkdir(exist_ok=True)
        expected.write_bytes(out)
    assert out == expected.read_bytes()
