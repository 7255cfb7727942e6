"""SARIF 2.1.0 output, for code-scanning tools.

Each finding is a result whose rule is the sovbom rule; its location is the BOM file, at the line
of the component's ``bom-ref`` (line 1 when it cannot be found, e.g. an XML BOM), with the JSON
path of the component as a logical location; its provenance paths go into the result's
properties, and an exemption becomes a suppression.
"""

from __future__ import annotations

import re
from typing import Any

import orjson

from sovbom import __version__
from sovbom.checking import CheckReport
from sovbom.policy import RULE_HELP, Finding, Rule, Severity

SARIF_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
_LEVEL = {
    Severity.INFO: "note",
    Severity.LOW: "note",
    Severity.MEDIUM: "warning",
    Severity.HIGH: "error",
    Severity.CRITICAL: "error",
}
_SECURITY_SEVERITY = {
    Severity.INFO: "0.0",
    Severity.LOW: "3.0",
    Severity.MEDIUM: "5.5",
    Severity.HIGH: "8.0",
    Severity.CRITICAL: "9.5",
}


_BOM_REF = re.compile(rb'"bom-ref"\s*:\s*"((?:[^"\\]|\\.)*)"')


def ref_lines(raw: bytes) -> dict[str, int]:
    """The line of each ``"bom-ref": "..."`` in a JSON BOM (first occurrence), for SARIF regions."""
    out: dict[str, int] = {}
    line, pos = 1, 0
    for m in _BOM_REF.finditer(raw):
        line += raw.count(b"\n", pos, m.start())
        pos = m.start()
        try:
            ref = orjson.loads(b'"' + m.group(1) + b'"')
        except orjson.JSONDecodeError:
            continue
        out.setdefault(ref, line)
    return out


def _result(
    f: Finding, rule_index: dict[str, int], report: CheckReport, lines: dict[str, int]
) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": {"uri": report.bom_source, "index": 0}}
    line = lines.get(f.ref) if f.ref else None
    physical["region"] = {"startLine": line or 1}
    location: dict[str, Any] = {"physicalLocation": physical}
    json_path = f.json_path or (report.graph.json_path(f.ref) if f.ref else None)
    if json_path or f.ref:
        location["logicalLocations"] = [
            {
                "name": f.name or f.ref or "",
                "fullyQualifiedName": json_path or f.ref or "",
                "kind": "object",
            }
        ]
    out: dict[str, Any] = {
        "ruleId": f.rule.value,
        "ruleIndex": rule_index[f.rule.value],
        "level": _LEVEL[f.severity],
        "message": {"text": f"{f.name or f.ref or 'BOM'}: {f.message}"},
        "locations": [location],
        "properties": {
            "severity": f.severity.label,
            "security-severity": _SECURITY_SEVERITY[f.severity],
            **({"bom-ref": f.ref} if f.ref else {}),
            **({"countries": list(f.countries)} if f.countries else {}),
            **({"verification": f.level.label} if f.level is not None else {}),
            **(
                {"provenancePaths": [" > ".join(report.graph.names(p)) for p in f.paths]}
                if f.paths
                else {}
            ),
        },
    }
    if f.ref:
        out["partialFingerprints"] = {"sovbomComponent/v1": f"{f.rule.value}:{f.ref}"}
    if f.exempted_by is not None:
        out["suppressions"] = [
            {
                "kind": "external",
                "status": "accepted",
                "justification": f"{f.exempted_by.reason} (approved by {f.exempted_by.approved_by})",
            }
        ]
    return out


def sarif_dict(report: CheckReport) -> dict[str, Any]:
    rules = [
        {
            "id": rule.value,
            "name": rule.value.title().replace("-", ""),
            "shortDescription": {"text": RULE_HELP[rule]},
            "fullDescription": {"text": RULE_HELP[rule]},
            "defaultConfiguration": {"level": "warning"},
            "properties": {"tags": ["supply-chain", "provenance"]},
        }
        for rule in Rule
    ]
    rule_index = {rule.value: i for i, rule in enumerate(Rule)}
    lines = ref_lines(report.bom_raw) if report.bom_raw[:1] != b"<" else {}
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "sovbom",
                        "version": __version__,
                        "informationUri": "https://sovbom.invalid/",
                        "rules": rules,
                    }
                },
                "artifacts": [
                    {
                        "location": {"uri": report.bom_source},
                        "hashes": {"sha-256": report.bom_sha256},
                    }
                ],
                "results": [_result(f, rule_index, report, lines) for f in report.result.findings],
                "properties": {
                    "policy": report.policy.source,
                    "asOf": report.as_of,
                    "domesticShare": report.result.total_share().to_dict(),
                },
            }
        ],
    }


def render_sarif(report: CheckReport) -> bytes:
    return orjson.dumps(sarif_dict(report), option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE)
