"""Every format renders every report kind: ReportFormat x kind, each output checked for its format."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from report_support import KINDS

from sovbom.project_schemas import validator
from sovbom.report import Renderer, ReportFormat, renderer_for

#: The JSON schema of each kind's JSON report.
SCHEMAS = {
    "check": "check-report.schema.json",
    "delivery": "delivery-report.schema.json",
    "shipment": "delivery-shipment.schema.json",
    "inspect": "inspect-report.schema.json",
    "trace": "trace-report.schema.json",
    "conformance": "conformance-report.schema.json",
    **dict.fromkeys(
        ("fleet_ingest", "where_used", "fleet_summary", "recheck", "history"),
        "fleet-report.schema.json",
    ),
}
#: Each kind's ``sovbom_report`` name in its JSON report, where it is not the kind's own.
REPORT_NAMES = {
    "shipment": "delivery-shipment",
    "fleet_ingest": "fleet-ingest",
    "where_used": "fleet-where-used",
    "fleet_summary": "fleet-summary",
    "recheck": "fleet-recheck",
    "history": "fleet-history",
}
#: Kinds whose SARIF carries figures (run properties), not results: nothing in them is a finding.
SARIF_FIGURES_ONLY = {"fleet_summary", "history"}
#: What each kind's text reports say first.
HEADLINES = {
    "check": "FAIL",
    "delivery": "FAIL",
    "shipment": "FAIL",
    "inspect": "DOES NOT HOLD",
    "trace": "1 match(es) for 'country=CN' in 1 of 2 BOM(s)",
    "conformance": "does not conform to ntia-2021",
    "fleet_ingest": "sovbom fleet ingest",
    "where_used": "sovbom fleet where-used: country=CN",
    "fleet_summary": "sovbom fleet summary",
    "recheck": "sovbom fleet recheck",
    "history": "sovbom fleet history",
}


def _errors(schema: str, doc: Any) -> list[str]:
    return [f"{list(e.instance_path)}: {e.message}" for e in validator(schema).iter_errors(doc)]


def test_every_renderer_method_is_a_report_kind() -> None:
    methods = {n for n in vars(Renderer) if not n.startswith("_")}
    assert methods == set(KINDS) == set(SCHEMAS)


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("fmt", list(ReportFormat))
def test_every_format_renders_every_kind(fmt: ReportFormat, kind: str) -> None:
    report = KINDS[kind]()
    render: Callable[[Any], bytes] = getattr(renderer_for(fmt), kind)
    out = render(report)
    assert isinstance(out, bytes) and out.endswith(b"\n")
    text = out.decode("utf-8")
    if fmt is ReportFormat.JSON:
        doc = json.loads(text)
        assert not _errors(SCHEMAS[kind], doc), _errors(SCHEMAS[kind], doc)[:3]
        assert doc["sovbom_report"] == REPORT_NAMES.get(kind, kind)
    elif fmt is ReportFormat.SARIF:
        doc = json.loads(text)
        errors = _errors("third_party/sarif-schema-2.1.0.json", doc)
        assert not errors, errors[:3]
        run = doc["runs"][0]
        rules = [r["id"] for r in run["tool"]["driver"]["rules"]]
        if kind in SARIF_FIGURES_ONLY:
            assert run["properties"]["sovbom_report"]
        else:
            assert run["results"], "every small report has something to say"
        for result in run["results"]:
            assert rules[result["ruleIndex"]] == result["ruleId"]
    elif fmt is ReportFormat.HTML:
        assert text.startswith("<!DOCTYPE html>") and "default-src 'none'" in text
        assert text.count("<script>") == 1 and "\x1b" not in text and "\x9b" not in text
        assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:|//)""", text, re.I)
    elif fmt is ReportFormat.MARKDOWN:
        assert text.startswith("# ") and HEADLINES[kind] in text.splitlines()[0]
    elif fmt is ReportFormat.TABLE:
        assert HEADLINES[kind] in text.splitlines()[0]
    else:  # pragma: no cover - a new format gets its own checks here
        pytest.fail(f"no checks for {fmt}")


@pytest.mark.parametrize("fmt", list(ReportFormat))
def test_trace_command_writes_every_format(run_cli: Any, fmt: ReportFormat) -> None:
    from pathlib import Path

    hgx = Path(__file__).resolve().parents[2] / "samples" / "hgx-b200-jp.hbom.cdx.json"
    result = run_cli("trace", str(hgx), "-c", "KR", "-f", fmt.value)
    assert result.exit_code == 0, result.stderr
    assert "DIMM" in result.stdout or "dimm" in result.stdout
    if fmt is ReportFormat.JSON:
        assert not _errors("trace-report.schema.json", json.loads(result.stdout))
