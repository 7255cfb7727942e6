"""JSON delivery reports: ``schemas/delivery-report.schema.json`` (one server) and
``schemas/delivery-shipment.schema.json`` (a shipment)."""

from __future__ import annotations

from typing import Any

import orjson

from sovbom import __version__
from sovbom.delivery import DeliveryResult
from sovbom.report.delivery_report import DeliveryReport, ShipmentReport

REPORT_FORMAT_VERSION = 1
_OPTIONS = orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE


def _policy_dict(r: DeliveryResult) -> dict[str, Any] | None:
    if r.policy_source is None:
        return None
    out: dict[str, Any] = {
        "source": r.policy_source,
        "sha256": r.policy_sha256,
        "fail_on": r.fail_on,
        "fails": r.policy_fails,
        "tolerances": r.tolerances,
        "checked": r.policy is not None,
    }
    if r.policy is not None:
        out["findings"] = r.policy.counts_by_severity()
        out["verification_levels"] = r.policy.levels
        out["expected_findings"] = [f.to_dict() for f in r.policy.findings]
        out["unexpected_findings"] = [f.to_dict() for f in r.unexpected_findings]
    return out


def delivery_result_dict(r: DeliveryResult, as_of: str) -> dict[str, Any]:
    c = r.comparison
    summary: dict[str, Any] = {
        "expected_parts": c.expected_parts if c else None,
        "observed_parts": c.observed_parts if c else None,
        **(c.counts() if c else dict.fromkeys(("matched", "missing", "unexpected",
                                                "substituted", "drifted"), 0)),
        "ignored_unexpected": c.ignored_unexpected if c else 0,
        "verified_components": c.verified_total() if c else 0,
        "unverified_fields": c.unverified_total() if c else 0,
    }  # fmt: skip
    return {
        "sovbom_report": "delivery",
        "format_version": REPORT_FORMAT_VERSION,
        "tool": {"name": "sovbom", "version": __version__},
        "as_of": as_of,
        "server": r.server,
        "verdict": str(r.verdict),
        "reasons": r.reasons(),
        "expected": r.expected.to_dict(),
        "observed": (
            {**r.observed.to_dict(), "complete": r.observed_complete, "notes": r.observed_notes}
            if r.observed is not None
            else None
        ),
        "signature": r.signature,
        "identity": (
            {"ok": c.identity_ok, "fields": [f.to_dict() for f in c.identity]} if c else None
        ),
        "summary": summary,
        "parts": [p.to_dict() for p in c.parts] if c else [],
        "verified": dict(sorted(c.verified.items())) if c else {},
        "policy": _policy_dict(r),
    }


def render_delivery_json(report: DeliveryReport) -> bytes:
    return orjson.dumps(delivery_result_dict(report.result, report.as_of), option=_OPTIONS)


def server_summary(r: DeliveryResult) -> dict[str, Any]:
    c = r.comparison
    return {
        "server": r.server,
        "verdict": str(r.verdict),
        "reasons": r.reasons(),
        "expected": r.expected.source,
        "signature": "verified" if r.signature_ok else "failed",
        "signer": (r.signature or {}).get("identity") if r.signature_ok else None,
        "identity_ok": c.identity_ok if c else None,
        "counts": c.counts() if c else None,
        "policy_fails": r.policy_fails,
    }


def shipment_dict(report: ShipmentReport) -> dict[str, Any]:
    s = report.shipment
    servers = []
    for r in s.servers:
        entry = server_summary(r)
        entry["report"] = report.report_files.get(r.server)
        servers.append(entry)
    return {
        "sovbom_report": "delivery-shipment",
        "format_version": REPORT_FORMAT_VERSION,
        "tool": {"name": "sovbom", "version": __version__},
        "as_of": report.as_of,
        "shipment": s.directory,
        "verdict": str(s.verdict),
        "failed_servers": [r.server for r in s.servers if str(r.verdict) != "pass"],
        "summary": s.summary(),
        "servers": servers,
        "other_entries": s.other_entries,
    }


def render_shipment_json(report: ShipmentReport) -> bytes:
    return orjson.dumps(shipment_dict(report), option=_OPTIONS)
