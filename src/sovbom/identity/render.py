"""``verify-hardware`` output: a table for people, JSON (schemas/hardware-identity.schema.json)."""

from __future__ import annotations

from enum import StrEnum

import orjson

from sovbom.identity.reasons import EXPLANATIONS, ComponentResult
from sovbom.identity.verify import HardwareReport


class IdentityFormat(StrEnum):
    TABLE = "table"
    JSON = "json"


def _why(r: ComponentResult) -> str:
    if not r.findings:
        return "bound to " + r.expected_ref if r.expected_ref else "no factory identity to bind"
    return "; ".join(f"{f.reason.value}: {f.detail or EXPLANATIONS[f.reason]}" for f in r.findings)


def render_table(report: HardwareReport) -> str:
    rows = [("COMPONENT", "STATUS", "ANCHOR", "REVOCATION", "DEVICE ID", "WHY")]
    for ref in sorted(report.results):
        r = report.results[ref]
        rows.append(
            (ref, r.status.value, r.anchor or "-", r.revocation.value, r.device_id or "-", _why(r))
        )
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(row[:5], widths, strict=True)) + "  " + row[5]
        for row in rows
    ]
    counts = ", ".join(f"{n} {s}" for s, n in report.counts().items() if n)
    verdict = "identity holds" if report.holds else "identity does NOT hold"
    lines.append("")
    lines.append(f"{verdict}: {counts or 'no component with identity evidence'}")
    return "\n".join(lines) + "\n"


def render(report: HardwareReport, fmt: IdentityFormat) -> bytes:
    if fmt is IdentityFormat.JSON:
        return orjson.dumps(report.to_json(), option=orjson.OPT_INDENT_2) + b"\n"
    if fmt is IdentityFormat.TABLE:
        return render_table(report).encode()
    raise AssertionError(fmt)
