"""Domestic share per stage, by count and by declared cost, against hand-computed figures, in
the check result and every report format that shows shares."""

from __future__ import annotations

import datetime as dt
import json

from test_stages import POLICY, _manifest

from sovbom.checking import check_bom
from sovbom.cyclonedx.reader import parse_bom
from sovbom.cyclonedx.writer import render_bom
from sovbom.hbom import tree_document
from sovbom.manifest import manifest_to_tree
from sovbom.policy import policy_from_dict
from sovbom.project_schemas import validator
from sovbom.report import ReportFormat, renderer_for


def _report():  # type: ignore[no-untyped-def]
    raw = _manifest()
    # a second GPU, wafers made in JP, share-based value (counted, not valued)
    raw["parts"][0]["parts"].append(
        {
            "id": "gpu1",
            "class": "gpu",
            "name": "gpu",
            "origin": "JP",
            "production": [
                {
                    "step": "wafer-fabrication",
                    "site": "Fab K",
                    "country": "JP",
                    "date": "2026-05-02",
                    "value": 40,
                    "basis": "share",
                },
            ],
        }
    )
    data = render_bom(tree_document(manifest_to_tree(raw)), reproducible=True)
    bom = parse_bom(data, "m.cdx.json")
    return check_bom(bom, policy_from_dict(POLICY), as_of=dt.date(2026, 11, 22), fail_on="high")


def test_value_share_by_stage_matches_hand_computed_figures() -> None:
    shares = _report().result.stages
    assert shares is not None
    d = shares.to_dict()
    # stages: final-assembly JP (no value), pcb-fabrication JP 300, pcb-assembly JP 200,
    # wafer-fabrication TW 1500 and JP (share basis: not valued)
    assert d["all"] == {
        "parts": 5,
        "domestic": 4,
        "unknown": 0,
        "domestic_share": 0.8,
        "valued": 3,
        "value": 2000.0,
        "domestic_value": 500.0,
        "domestic_value_share": 0.25,
    }
    wafer = d["stages"]["wafer-fabrication"]
    assert (wafer["parts"], wafer["domestic"], wafer["domestic_share"]) == (2, 1, 0.5)
    assert (wafer["value"], wafer["domestic_value_share"]) == (1500.0, 0.0)
    assert d["stages"]["final-assembly"]["domestic_value_share"] is None
    assert list(d["stages"]) == [
        "wafer-fabrication",
        "pcb-fabrication",
        "pcb-assembly",
        "final-assembly",
    ]


def test_stage_shares_in_json_table_and_markdown() -> None:
    report = _report()
    doc = json.loads(renderer_for(ReportFormat("json")).check(report))
    errors = [e.message for e in validator("check-report.schema.json").iter_errors(doc)]
    assert errors == []
    assert doc["summary"]["by_stage"]["all"]["domestic_value_share"] == 0.25
    table = renderer_for(ReportFormat("table")).check(report).decode()
    assert "Domestic share by stage" in table and "500 / 2000" in table
    md = renderer_for(ReportFormat("markdown")).check(report).decode()
    assert "| **all** | 5 | 4 | 80% | 3 | 500 / 2000 | 25% |" in md


def test_stage_shares_in_sarif_run_properties() -> None:
    report = _report()
    doc = json.loads(renderer_for(ReportFormat("sarif")).check(report))
    import jsonschema_rs

    sarif_schema = json.loads(_sarif_schema())

    assert not [e.message for e in jsonschema_rs.validator_for(sarif_schema).iter_errors(doc)]
    by_stage = doc["runs"][0]["properties"]["domesticShareByStage"]
    assert by_stage["all"]["domestic_value_share"] == 0.25
    assert by_stage["stages"]["wafer-fabrication"]["domestic_share"] == 0.5
    assert (
        by_stage
        == json.loads(renderer_for(ReportFormat("json")).check(report))["summary"]["by_stage"]
    )


def _sarif_schema() -> str:
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    return (root / "schemas" / "third_party" / "sarif-schema-2.1.0.json").read_text()


def test_stage_shares_in_html_one_chart_per_stage() -> None:
    import re

    report = _report()
    page = renderer_for(ReportFormat("html")).check(report).decode()
    section = page[page.index("Domestic share by stage") :]
    charts = re.findall(
        r'<svg [^>]*class="stage-chart"[^>]*>\s*<title[^>]*>([^<]*)</title>', section
    )
    # one chart per stage, and one for all stages
    assert charts == [
        "wafer-fabrication: 1 of 2 domestic; 0 of 1,500 declared cost domestic",
        "pcb-fabrication: 1 of 1 domestic; 300 of 300 declared cost domestic",
        "pcb-assembly: 1 of 1 domestic; 200 of 200 declared cost domestic",
        "final-assembly: 1 of 1 domestic",
        "all stages: 4 of 5 domestic; 500 of 2,000 declared cost domestic",
    ]
    # the bars: 25% of the value domestic over all stages (a 160-unit bar: 40 domestic)
    last = section[section.index("all stages: 4 of 5") :]
    assert '<rect class="s-domestic" x="48" y="21" width="40.0"' in last
    assert "no cost declared" in section  # final-assembly declares no cost
