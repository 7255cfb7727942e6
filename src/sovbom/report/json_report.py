"""The JSON check report (``schemas/check-report.schema.json``)."""

from __future__ import annotations

from typing import Any

import orjson

from sovbom import __version__
from sovbom.checking import CheckReport
from sovbom.policy import Severity

REPORT_FORMAT_VERSION = 1


def check_report_dict(report: CheckReport) -> dict[str, Any]:
    r = report.result
    total = r.total_share()
    out: dict[str, Any] = {
        "sovbom_report": "check",
        "format_version": REPORT_FORMAT_VERSION,
        "tool": {"name": "sovbom", "version": __version__},
        "as_of": report.as_of,
        "bom": {
            "source": report.bom_source,
            "sha256": report.bom_sha256,
            "serialNumber": report.bom_serial,
            "root": r.root,
            "components": r.components,
        },
        "policy": {
            "source": report.policy.source,
            "sha256": report.policy_sha256,
            "domestic_countries": sorted(report.policy.domestic),
            "approved_countries": sorted(report.policy.approved),
            "denied_countries": sorted(report.policy.denied),
        },
        "signature": report.signature,
        "verdict": "fail" if r.fails(Severity.parse(report.fail_on)) else "pass",
        "fail_on": report.fail_on,
        "summary": {
            "findings": r.counts_by_severity(),
            "exempted": sum(1 for f in r.findings if not f.counts),
            "verification_levels": r.levels,
            "domestic_share": total.to_dict(),
            "by_class": {k: v.to_dict() for k, v in r.by_class.items()},
        },
        "findings": [f.to_dict() for f in r.findings],
    }
    label_of = report.graph.label_of
    # in order of first appearance: deterministic (the findings are sorted), unlike a set
    refs = dict.fromkeys(ref for f in r.findings for p in f.paths for ref in p)
    names = {ref: label_of(ref) for ref in refs}
    out["names"] = names
    if report.verified_evidence:
        out["verified_evidence"] = dict(sorted(report.verified_evidence.items()))
    return out


def render_json(report: CheckReport) -> bytes:
    return orjson.dumps(
        check_report_dict(report), option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE
    )
