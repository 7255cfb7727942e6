"""sovbom conformance: exit codes, every format, SARIF at the component's line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sovbom.project_schemas import validator
from sovbom.report import ReportFormat

REPO = Path(__file__).resolve().parents[2]
HGX = REPO / "samples" / "hgx-b200-jp.hbom.cdx.json"


def test_json_report_validates_and_exit_code_follows_fail_on(run_cli, tmp_path: Path) -> None:
    out = tmp_path / "c.json"
    result = run_cli(
        "conformance", str(HGX), "--profile", "ntia-2021", "-f", "json", "-o", str(out)
    )
    assert result.exit_code == 1  # the sample has no timestamp and firmware without purl
    doc = json.loads(out.read_bytes())
    assert not list(validator("conformance-report.schema.json").iter_errors(doc))
    assert doc["document"][-1] == {
        "element": "timestamp",
        "status": "missing",
        "detail": "no metadata.timestamp",
    }
    never = run_cli(
        "conformance", str(HGX), "--profile", "ntia-2021", "-f", "json", "--fail-on", "never"
    )
    assert never.exit_code == 0 and json.loads(never.stdout)["conforms"] is False


def test_sarif_points_at_the_component_line(run_cli) -> None:
    result = run_cli("conformance", str(HGX), "--profile", "cisa-2026", "-f", "sarif")
    doc = json.loads(result.stdout)
    assert not list(validator("third_party/sarif-schema-2.1.0.json").iter_errors(doc))
    lines = HGX.read_text().splitlines()
    located = [r for r in doc["runs"][0]["results"] if "bom-ref" in r["properties"]]
    assert located
    for r in located[:20]:
        line = r["locations"][0]["physicalLocation"]["region"]["startLine"]
        assert f'"bom-ref": "{r["properties"]["bom-ref"]}"' in lines[line - 1]
    rules = {r["ruleId"] for r in doc["runs"][0]["results"]}
    assert "cisa-2026/component-license" in rules


@pytest.mark.parametrize("fmt", [f.value for f in ReportFormat])
def test_every_format(run_cli, fmt: str) -> None:
    result = run_cli("conformance", str(HGX), "--profile", "bsi-tr-03183-2", "-f", fmt)
    assert result.exit_code == 1 and result.stdout


def test_unknown_profile_is_a_usage_error(run_cli) -> None:
    assert run_cli("conformance", str(HGX), "--profile", "iso-9999").exit_code == 2
